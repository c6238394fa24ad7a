"""HTTP API under /api/v1: parse and validate, call the core, shape JSON. Nothing else.

Every route here is described in chatbot/data/openapi.json: add a new one there too (the
tests name what is missing).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from . import openapi, review
from .redact import strip_control

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Identifiers a client sends back: letters, digits, '-' and '_' (no NUL, surrogate or space).
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The query ids the chat hands out (uuid4); anything else is refused before it reaches storage.
QUERY_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# A trusted proxy's request id: nginx's $request_id (32 hex digits) or a UUID.
REQUEST_ID = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")

MAX_JSON_DEPTH = 20    # our bodies are flat objects; the depth check stops at the first excess
MAX_NUMBER_CHARS = 30  # no field of ours is a number; int("9" * 5000) alone raises ValueError
# A string (to the end of the text if it never closes: one pass, no retry from later quotes)
# or a bracket.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]')


class _Refused(ValueError):
    """A value that parses as JSON but that the API will not take."""


class ApiError(Exception):
    """An error answered as `{"error": {"code", "message"}}` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _bot():
    # The knowledge as it is on disk now (live.py): every worker picks up a change by itself.
    return current_app.extensions["chatbot"].current()


def _store():
    return current_app.extensions["chatbot_store"]


def _journal():
    return current_app.extensions["chatbot_journal"]


def _settings() -> dict:
    return current_app.config["CHATBOT"]


def json_body() -> dict:
    """Return the request's JSON object or raise ApiError saying what is wrong with it."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type",
                       "Send the body as JSON with 'Content-Type: application/json'.")
    raw = _body_bytes()
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_utf8", "The body is not valid UTF-8.") from None
    # Python's parser recurses per level and gives up (RecursionError) deep in a hostile body.
    if _nesting(decoded) > MAX_JSON_DEPTH:
        raise ApiError(400, "invalid_json",
                       f"The body is nested more than {MAX_JSON_DEPTH} levels deep.")
    try:
        body = json.loads(decoded, parse_int=_INT, parse_float=_FLOAT, parse_constant=_not_json)
    except json.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json",
                       f"The body is not valid JSON (line {exc.lineno}, column {exc.colno}).") \
            from None
    except _Refused as exc:
        raise ApiError(400, "invalid_json", str(exc)) from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "The body must be a JSON object.")
    return body


def _body_bytes() -> bytes:
    """Read the body; refuse one over the limit whether or not it declared its length."""
    if request.content_length is not None or "wsgi.input_terminated" not in request.environ:
        return request.get_data(cache=True)  # Werkzeug: 413 past MAX_CONTENT_LENGTH
    # A chunked body declares no length, and Werkzeug would silently cut it at the limit and
    # the cut body be answered. Read one byte past the limit to tell.
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    chunks, size = [], 0
    while size <= limit:
        chunk = request.input_stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise RequestEntityTooLarge()
    return b"".join(chunks)


def _nesting(text: str) -> int:
    """How deep arrays and objects nest in a JSON text, outside strings; stops past the limit."""
    depth = deepest = 0
    for token in _TOKEN.finditer(text):
        if token.group()[0] == '"':
            continue
        depth += 1 if token.group() in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            break
    return deepest


def _number(kind):
    def parse(literal: str):
        if len(literal) > MAX_NUMBER_CHARS:
            raise _Refused(f"The body holds a number of {len(literal)} characters; "
                           f"at most {MAX_NUMBER_CHARS} are accepted.")
        value = kind(literal)
        if value in (float("inf"), float("-inf")):  # "1e999"
            raise _Refused(f"The body holds a number too large to represent: {literal}.")
        return value
    return parse


_INT, _FLOAT = _number(int), _number(float)


def _not_json(literal: str):
    raise _Refused(f"The body holds {literal}, which is not a JSON value.")


@bp.post("/chat")
def chat():
    body = json_body()
    message = body.get("message")
    if message is None:
        raise ApiError(400, "missing_message", "The body needs a 'message' string.")
    if not isinstance(message, str):
        raise ApiError(400, "invalid_message", "'message' must be a string.")
    # The limit counts what the visitor sent: NFC in strip_control can lengthen a text.
    limit = _settings()["MAX_MESSAGE_CHARS"]
    if len(message) > limit:
        raise ApiError(400, "message_too_long",
                       f"'message' has {len(message)} characters; the limit is {limit}.")
    message = strip_control(message)
    if not message.strip():
        raise ApiError(400, "empty_message", "'message' is empty.")
    session_id = body.get("session_id")
    if session_id is not None and (not isinstance(session_id, str)
                                   or not SESSION_ID.fullmatch(session_id)):
        raise ApiError(400, "invalid_session_id",
                       "'session_id' must be 1-64 letters, digits, '-' or '_'.")

    lang = body.get("lang")
    if lang is not None:
        lang = checked_lang(lang)
    # The page the visitor is on (the widget's data-article, else the page's address): a
    # question that names no topic is about that article. An unknown page is no error.
    article = body.get("article")
    if article is not None and (not isinstance(article, str) or len(article) > 2000):
        raise ApiError(400, "invalid_article",
                       "'article' must be an article's slug or a page address (up to 2000 "
                       "characters).")
    bot = _bot()
    reply = bot.ask(message, lang=lang, article=article)
    query_id = _query_id()
    _log_exchange(query_id, reply, message, session_id, weak=review.weak(bot, message, reply))
    return jsonify({
        "answered": reply.answered,
        "reply": reply.text,
        "match": reply.match.public() if reply.match else None,
        "suggestions": [{"id": s.id, "title": s.title, "score": s.score}
                        for s in reply.suggestions],
        "source": reply.match.source if reply.match else None,
        "lang": reply.lang,
        "query_id": query_id,
    })


def _query_id() -> str:
    """The exchange's id: the request id a trusted proxy set, else a new one.

    nginx sends a request it retries on another instance with the same X-Request-ID
    (deploy/nginx/chatbot.conf): an instance that journaled the chat and died before
    answering then stores the same exchange as the one that answered, and the database keeps
    it once. Only behind a trusted proxy, which replaces whatever the client sent: a client
    choosing its own id could only have a later chat of its own left unlogged.
    """
    if _settings()["TRUSTED_PROXIES"]:
        given = request.headers.get("X-Request-ID", "")
        if REQUEST_ID.fullmatch(given):
            return str(uuid.UUID(given))
    return str(uuid.uuid4())


def _log_exchange(query_id: str, reply, message: str, session_id: str | None, *,
                  weak: bool) -> None:
    best = reply.best
    # Urgent messages keep only their category: what someone wrote in an emergency is theirs.
    # Any other text is stored redacted; an answer nobody needs to review only for a day
    # (store.HOLD), in case its visitor votes it not helpful.
    keep = reply.reason != "urgent"
    # The journal takes it in (on disk within milliseconds); the database gets it later.
    _journal().log_exchange(
        query_id, answered=reply.answered, reason=reply.reason,
        match_id=reply.match.id if reply.match else None,
        score=reply.match.score if reply.match else None,
        best_id=best.id if best else None, best_score=best.score if best else None,
        # Redacted on the way in (store.exchange_entry): every path that stores text does so.
        category=reply.category, text=message if keep else None,
        lang=reply.lang, weak=weak,
        # Only a digest: whatever a client put in its session id is never stored.
        session_id=hashlib.sha256(session_id.encode()).hexdigest()[:16] if session_id
        else None)


@bp.get("/health")
def health():
    # Read from the journal, never from the database: health answers whatever the database does.
    log_state = _journal().status()
    live = current_app.extensions["chatbot"]
    bot = live.current()
    # "stale": the file on disk is broken and the last good content keeps answering.
    return jsonify({"status": "ok", "entries": len(bot.knowledge),
                    "knowledge": "stale" if live.stale else "ok", "db": log_state["db"],
                    "pending_log_rows": log_state["pending"],
                    "dropped_log_rows": log_state["dropped"]})


def checked_lang(lang: object) -> str:
    """Return a language code the knowledge file has, or raise ApiError (invalid_lang)."""
    languages = _bot().languages
    if not isinstance(lang, str) or lang not in languages:
        raise ApiError(400, "invalid_lang", f"'lang' must be one of: {', '.join(languages)}.")
    return lang


def _lang_arg() -> str:
    lang = request.args.get("lang")
    return _bot().knowledge.default_language if lang is None else checked_lang(lang)


@bp.get("/faq")
def faq_list():
    lang = _lang_arg()
    kb = _bot().knowledge
    listed = lambda e: {"id": e.id, "kind": e.kind, "title": e.text(lang).question}  # noqa: E731
    return jsonify({"lang": lang,
                    "articles": [{"slug": a.slug, "title": a.title, "topic": a.topic(lang),
                                  "url": a.url,
                                  "entries": [listed(e) for e in kb.entries
                                              if e.article == a.slug]}
                                 for a in kb.articles],
                    # Entries of no article: the clinic's practical details, small talk.
                    "entries": [listed(e) for e in kb.entries if e.article is None]})


@bp.get("/faq/<path:entry_id>")
def faq_entry(entry_id: str):
    lang = _lang_arg()
    entry = _bot().knowledge.get(entry_id)
    if entry is None:
        raise ApiError(404, "not_found", f"No entry with id {entry_id!r}.")
    return jsonify(entry.public(lang))


@bp.get("/clinic")
def clinic():
    lang = _lang_arg()
    return jsonify(dict(_bot().clinic.in_language(lang).public(), lang=lang))


@bp.post("/feedback")
def feedback():
    body = json_body()
    query_id, helpful = body.get("query_id"), body.get("helpful")
    if not isinstance(query_id, str) or not QUERY_ID.fullmatch(query_id.lower()):
        raise ApiError(400, "invalid_query_id", "'query_id' must be the id from a chat reply.")
    query_id = query_id.lower()
    if not isinstance(helpful, bool):
        raise ApiError(400, "invalid_helpful", "'helpful' must be true or false.")
    comment = body.get("comment")
    if comment is not None:
        if not isinstance(comment, str):
            raise ApiError(400, "invalid_comment", "'comment' must be a string or null.")
        limit = _settings()["MAX_MESSAGE_CHARS"]
        if len(comment) > limit:
            raise ApiError(400, "comment_too_long",
                           f"'comment' has {len(comment)} characters; the limit is {limit}.")
        comment = strip_control(comment).strip() or None
    # Taken whatever the id, without asking the database: behind a load balancer the reply
    # may be in another instance's journal still. The writer applies the vote once the reply
    # is stored, and gives up on it after a while if none ever is: 202, recorded, not applied.
    # The comment is redacted on the way in (store.feedback_entry), as every text a visitor
    # writes.
    _journal().log_feedback(query_id, helpful, comment)
    return jsonify({"ok": True}), 202


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document(_bot().knowledge,
                                    max_message_chars=_settings()["MAX_MESSAGE_CHARS"]))
