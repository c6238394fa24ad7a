"""Load and validate the knowledge file into frozen entries; errors name file, entry and field."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import KnowledgeError

KINDS = ("faq", "section", "clinic", "smalltalk")
CLINIC_FIELDS = ("name", "doctor", "hours", "phone", "email", "booking_url", "address",
                 "emergency_number", "crisis_line")
CONTACT_LABELS = (("phone", "Phone"), ("email", "E-mail"), ("booking_url", "Book online"),
                  ("address", "Address"))


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    question: str
    answer: str
    alternates: tuple[str, ...] = ()
    source: str | None = None
    related: tuple[str, ...] = ()

    def public(self) -> dict:
        """Return the entry as the API shows it."""
        return {"id": self.id, "kind": self.kind, "title": self.question, "answer": self.answer,
                "alternates": list(self.alternates), "source": self.source,
                "related": list(self.related)}


@dataclass(frozen=True)
class Clinic:
    name: str = "the clinic"
    doctor: str | None = None
    hours: str | None = None
    phone: str | None = None
    email: str | None = None
    booking_url: str | None = None
    address: str | None = None
    emergency_number: str = "112"
    crisis_line: str | None = None  # named in the crisis reply only when the clinic sets one

    def contact_lines(self) -> list[str]:
        """Return the filled-in contact fields as 'Label: value' lines."""
        lines = [f"{label}: {getattr(self, name)}" for name, label in CONTACT_LABELS
                 if getattr(self, name)]
        if self.hours:
            lines.append(f"Opening hours: {self.hours}")
        return lines

    def public(self) -> dict:
        return {name: getattr(self, name) for name in CLINIC_FIELDS}


@dataclass(frozen=True)
class Knowledge:
    entries: tuple[Entry, ...]
    clinic: Clinic = field(default_factory=Clinic)
    version: int = 1
    path: str = "<memory>"
    topic: str = "this condition"  # what the content is about, named in the bot's own texts

    def __post_init__(self):
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def __len__(self) -> int:
        return len(self.entries)


def load(path: str | Path) -> Knowledge:
    """Read and validate a knowledge file; raise KnowledgeError listing every problem.

    Accepts the versioned clinic format and, for evaluation sets, a plain JSON list of
    `{"id", "question", "answer", "alternates"?}` objects.
    """
    path = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise KnowledgeError(path, [f"cannot read file: {exc.strerror or exc}"]) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise KnowledgeError(path, [f"not UTF-8 (byte {exc.start})"]) from None
    except json.JSONDecodeError as exc:
        raise KnowledgeError(path, [f"invalid JSON at line {exc.lineno} column {exc.colno}: "
                                    f"{exc.msg}"]) from None
    return parse(data, path)


def parse(data: object, path: str = "<memory>") -> Knowledge:
    """Validate already-decoded knowledge data (see `load`)."""
    problems: list[str] = []
    if isinstance(data, list):
        data = {"version": 1, "clinic": {}, "entries": [dict(e, kind=e.get("kind", "faq"))
                                                        if isinstance(e, dict) else e
                                                        for e in data]}
    if not isinstance(data, dict):
        raise KnowledgeError(path, ["top level must be an object with 'entries' (or a list)"])
    topic = data.get("topic", "this condition")
    if not isinstance(topic, str) or not topic.strip():
        problems.append("topic: must be a non-empty string")
    if data.get("version", 1) != 1:
        problems.append(f"version: unsupported {data.get('version')!r} (expected 1)")
    clinic = _clinic(data.get("clinic", {}), problems)
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        problems.append("entries: must be a non-empty list")
        raw_entries = []
    entries = [e for i, item in enumerate(raw_entries)
               if (e := _entry(item, i, problems)) is not None]
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            problems.append(f"entry {entry.id!r}: id: duplicate id")
        seen.add(entry.id)
    # An entry with other problems still has an id: pointing at it is not a second problem.
    known = seen | {item["id"] for item in raw_entries
                    if isinstance(item, dict) and isinstance(item.get("id"), str)}
    for entry in entries:
        for target in entry.related:
            if target not in known:
                problems.append(f"entry {entry.id!r}: related: {target!r} is not an entry id")
    if problems:
        raise KnowledgeError(path, problems)
    return Knowledge(entries=tuple(entries), clinic=clinic, version=1, path=path,
                     topic=topic.strip())


def _clinic(raw: object, problems: list[str]) -> Clinic:
    if not isinstance(raw, dict):
        problems.append("clinic: must be an object")
        return Clinic()
    values = {}
    for key, value in raw.items():
        if key not in CLINIC_FIELDS:
            problems.append(f"clinic: {key}: unknown field (known: {', '.join(CLINIC_FIELDS)})")
        elif value is not None and (not isinstance(value, str) or not value.strip()):
            problems.append(f"clinic: {key}: must be a non-empty string or null")
        elif value is not None:
            values[key] = value.strip()
    return Clinic(**values)


def _entry(item: object, index: int, problems: list[str]) -> Entry | None:
    if not isinstance(item, dict):
        problems.append(f"entries[{index}]: must be an object")
        return None
    entry_id = item.get("id")
    where = f"entry {entry_id!r}" if isinstance(entry_id, str) and entry_id else \
        f"entries[{index}]"
    before = len(problems)
    if not isinstance(entry_id, str) or not entry_id.strip():
        problems.append(f"{where}: id: must be a non-empty string")
    kind = item.get("kind")
    if kind not in KINDS:
        problems.append(f"{where}: kind: {kind!r} is not one of {', '.join(KINDS)}")
    for name in ("question", "answer"):
        value = item.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: {name}: must be a non-empty string")
    source = item.get("source")
    if source is not None and not isinstance(source, str):
        problems.append(f"{where}: source: must be a string or null")
    lists = {}
    for name in ("alternates", "related"):
        value = item.get(name, [])
        if not isinstance(value, list):
            problems.append(f"{where}: {name}: must be a list of strings")
            value = []
        bad = [i for i, v in enumerate(value) if not isinstance(v, str) or not v.strip()]
        if bad:
            problems.append(f"{where}: {name}[{bad[0]}]: must be a non-empty string")
        lists[name] = tuple(v.strip() for v in value if isinstance(v, str) and v.strip())
    if len(problems) > before:
        return None
    return Entry(id=entry_id.strip(), kind=kind, question=item["question"].strip(),
                 answer=item["answer"].strip(), source=source, **lists)
