"""The API's OpenAPI 3.1 document: data/openapi.json, with this server's languages and limits.

The document is written by hand next to the routes it describes; tests/test_openapi.py fails
when a route under /api is missing from it (or it names one that does not exist), and runs
schemathesis against a live server to check that real answers match it.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources

from .knowledge import Knowledge


@cache
def _shipped() -> dict:
    text = (resources.files("chatbot") / "data" / "openapi.json").read_text(encoding="utf-8")
    return json.loads(text)


def document(knowledge: Knowledge, *, max_message_chars: int) -> dict:
    """Return the document as this server answers: its languages, entry ids and limits."""
    doc = copy.deepcopy(_shipped())
    schemas, parameters = doc["components"]["schemas"], doc["components"]["parameters"]
    schemas["Lang"]["enum"] = list(knowledge.languages)
    schemas["ChatRequest"]["properties"]["message"]["maxLength"] = max_message_chars
    parameters["entry_id"]["schema"]["examples"] = [e.id for e in knowledge.entries[:3]]
    return doc
