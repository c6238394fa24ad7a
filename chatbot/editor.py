"""Validated, atomic changes to the knowledge file, keeping its previous versions.

    doc = editor.load(path)          the file as data (a missing or empty file: no entries)
    report = doc.apply(change)       change(data) -> (new data, anything); validated first,
                                     the document is left as it was if the result is invalid
    doc.write()                      validate again, keep the file on disk as a version,
                                     then temp file + fsync + rename: readers see the old file
                                     or the new one, never half of one
    versions(path), restore(path, version)
    history(path)                    every version, the current first, with what made it
    change(path, edit, action=...)   load, apply, write; again from the new file if another
                                     writer got there first
    add_alternate(...), add_entry(...), edit_entry(...)
                                     the changes staff make from the admin page

A lock file beside the knowledge file serialises writers (the CLI, the server's workers), and
a file changed by someone else since it was read is never overwritten (EditError). Each write
notes in `.<name>.history.jsonl` beside the file what made the new content (action, summary), by its
digest and modification time; a kept version keeps the modification time of the file it was.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import json
import os
import random
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import knowledge
from .errors import EditError, KnowledgeError, NotFound
from .knowledge import Knowledge

KEEP_VERSIONS = 20
HISTORY_LINES = 500     # the history file is cut back to this many lines past twice as many
ATTEMPTS = 8            # tries of a change while other writers keep changing the file


def dumps(data: dict) -> bytes:
    """Serialise knowledge data as the file keeps it (one-space indent, UTF-8 as is)."""
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def versions_dir(path: str | Path) -> Path:
    """Where a knowledge file's previous versions are kept: `faq.versions/` beside it."""
    path = Path(path)
    return path.with_name(f"{path.stem}.versions")


@dataclass
class Document:
    """A knowledge file's data, as read, to be changed and written back."""

    path: Path
    data: dict
    original: bytes | None   # the bytes read (None: there was no file)

    @property
    def changed(self) -> bool:
        return self.original is None or dumps(self.data) != self.original

    def validate(self, data: dict | None = None) -> Knowledge:
        """Check data (the document's by default) as `chatbot check` would; KnowledgeError."""
        return knowledge.parse(json.loads(dumps(self.data if data is None else data)),
                               str(self.path))

    def apply(self, change: Callable[[dict], tuple[dict, Any]]) -> Any:
        """Apply a change to a copy of the data and keep it only if the result is valid;
        return what the change returned besides the data."""
        data, result = change(copy.deepcopy(self.data))
        self.validate(data)
        self.data = data
        return result

    def write(self, *, keep: int = KEEP_VERSIONS, action: str = "edit",
              summary: str = "") -> Path | None:
        """Write the data atomically; return the kept previous version (None if none).

        `action` and `summary` say what made the new content (shown in the versions list).
        EditError if the file changed on disk since it was read; KnowledgeError (the file
        untouched) if the data is invalid.
        """
        with _locked(self.path):
            return self._write(keep=keep, action=action, summary=summary)

    def _write(self, *, keep: int, action: str, summary: str) -> Path | None:
        """`write`, the caller holding the lock."""
        payload = dumps(self.data)
        self.validate()
        on_disk = _read(self.path)
        if on_disk != self.original:
            raise EditError(f"{self.path}: changed since it was read (by another edit?): "
                            "nothing written; run the command again")
        kept = _keep(self.path, on_disk, keep) if on_disk is not None else None
        _atomic_write(self.path, payload)
        _note(self.path, payload, action, summary)
        self.original = payload
        return kept


def load(path: str | Path) -> Document:
    """Read a knowledge file to change it; a missing or empty file starts with no entries.

    KnowledgeError if the file is not valid: fix it (`chatbot check`) before changing it.
    """
    path = Path(path)
    raw = _read(path)
    if raw is None or not raw.strip():
        return Document(path=path, data={"version": 1, "entries": []}, original=raw)
    with contextlib.suppress(UnicodeDecodeError, json.JSONDecodeError):
        data = json.loads(raw.decode("utf-8"))
        if isinstance(data, dict) and data.get("entries") == []:
            return Document(path=path, data=data, original=raw)  # a file begun by hand
    knowledge.load(path)  # a broken file is reported as `chatbot check` reports it
    return Document(path=path, data=json.loads(raw.decode("utf-8")), original=raw)


def versions(path: str | Path) -> list[Path]:
    """The kept previous versions of a knowledge file, oldest first."""
    folder = versions_dir(path)
    return sorted(folder.glob(f"{Path(path).stem}-*.json")) if folder.is_dir() else []


def restore(path: str | Path, version: str | Path, *, summary: str | None = None) -> Path | None:
    """Put a kept version back (validated; the current file is kept as a version in turn)."""
    version = Path(version)
    if not version.is_absolute() and version.parent == Path("."):
        version = versions_dir(path) / version
    try:
        data = json.loads(version.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EditError(f"{version}: cannot read this version: {exc}") from None
    for _ in range(ATTEMPTS):
        with _locked(Path(path)):
            doc = Document(path=Path(path), data=data, original=_read(Path(path)))
            try:
                return doc._write(keep=KEEP_VERSIONS, action="restore",
                                  summary=summary or f"restored version {version_id(version)}")
            except EditError:
                pass
        _pause()
    raise EditError(f"{path}: kept changing while the version was restored; try again")


@dataclass(frozen=True)
class Version:
    """One content the knowledge file had: the current one, or a kept previous one."""

    id: str                  # "current", or the kept file's stamp
    created_at: datetime     # when this content was written
    action: str              # what made it: import, add-alternate, add-entry, restore, edit...
    summary: str
    path: Path

    def public(self) -> dict:
        return {"id": self.id, "created_at": _iso(self.created_at), "action": self.action,
                "summary": self.summary}


def version_id(path: Path) -> str:
    """The id of a kept version: the stamp in its file name."""
    return path.stem.rpartition("-")[2]


def history(path: str | Path) -> list[Version]:
    """Every version of a knowledge file, newest first: the current content, then the kept."""
    path = Path(path)
    notes = _notes(path)
    out = []
    files = [("current", path)] if path.exists() else []
    files += [(version_id(p), p) for p in reversed(versions(path))]
    for vid, file in files:
        try:
            raw, stat = file.read_bytes(), file.stat()
        except OSError:
            continue
        digest = hashlib.sha256(raw).hexdigest()
        # The note written with this very file; else the last one for these bytes written no
        # later (a copy, or a file whose time was reset), never one of a later restore.
        note = notes.get((digest, stat.st_mtime_ns)) or next(
            (n for n in reversed(notes.get(digest, [])) if n["mtime_ns"] <= stat.st_mtime_ns),
            None)
        action, summary = (note["action"], note["summary"]) if note else (
            "file", "written outside chatbot (by hand, or a copied file)")
        out.append(Version(vid, datetime.fromtimestamp(stat.st_mtime, UTC), action, summary,
                           file))
    return out


def find_version(path: str | Path, version: str) -> Version:
    """Return a kept version by id (NotFound if there is none)."""
    for v in history(path):
        if v.id == version:
            return v
    raise NotFound(f"no version {version!r} (see the versions list)")


def change(path: str | Path, edit: Callable[[dict], tuple[dict, Any]], *, action: str,
           summary: str) -> tuple[Any, bool]:
    """Load the file, apply `edit`, write it; return (what `edit` returned, whether written).

    The lock is held from the read to the write, so writers through here queue up rather
    than race; a file changed by hand meanwhile (EditError) is no failure either: the change
    is applied again to the file as it now is. Concurrent edits never lose one another.
    """
    path = Path(path)
    for _ in range(ATTEMPTS):
        with _locked(path):
            doc = load(path)
            result = doc.apply(edit)
            if not doc.changed:
                return result, False
            try:
                doc._write(keep=KEEP_VERSIONS, action=action, summary=summary)
            except EditError:
                pass
            else:
                return result, True
        _pause()
    raise EditError(f"{path}: kept changing while this change was written; try again")


def _pause() -> None:
    time.sleep(random.uniform(0.005, 0.05))  # let the other writer finish; no lockstep


# -- the changes staff make ------------------------------------------------------------------

def _entry(data: dict, entry_id: str) -> dict:
    for item in data.get("entries", []):
        if isinstance(item, dict) and item.get("id") == entry_id:
            return item
    raise NotFound(f"no entry with id {entry_id!r}")


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def add_alternate(entry_id: str, text: str, lang: str):
    """A change adding `text` as an alternate of an entry in a language; it returns the
    language it went to, or None if the entry already has that wording."""
    text = " ".join(text.split())

    def edit(data: dict):
        item = _entry(data, entry_id)
        default = (data.get("languages") or ["en"])[0]
        own = item.get("lang", default)
        # A language the entry has no text in is served its own text: the wording goes there.
        target = item if lang == own or lang not in item.get("translations", {}) \
            else item["translations"][lang]
        where = lang if target is not item else own
        phrasings = [target.get("question", ""), *target.get("alternates", [])]
        if _key(text) in {_key(p) for p in phrasings}:
            return data, None
        target.setdefault("alternates", []).append(text)
        return data, where

    return edit


def add_entry(question: str, answer: str, *, alternates: list[str] = (), lang: str,
              kind: str = "faq", entry_id: str | None = None):
    """A change adding a new entry; it returns the new entry's id."""
    from .importer import slug

    question, answer = " ".join(question.split()), answer.strip()
    alternates = list(dict.fromkeys(" ".join(a.split()) for a in alternates
                                    if a.strip() and _key(a) != _key(question)))

    def edit(data: dict):
        taken = {item.get("id") for item in data.get("entries", []) if isinstance(item, dict)}
        if entry_id is not None and entry_id in taken:
            raise EditError(f"an entry with id {entry_id!r} exists already")
        new_id = entry_id or f"{kind}-{slug(question) or 'entry'}"
        base, n = new_id, 2
        while new_id in taken:
            new_id, n = f"{base}-{n}", n + 1
        item = {"id": new_id, "kind": kind, "question": question, "alternates": alternates,
                "answer": answer}
        default = (data.get("languages") or ["en"])[0]
        if lang != default:
            item["lang"] = lang
        data.setdefault("entries", []).append(item)
        return data, new_id

    return edit


def edit_entry(entry_id: str, lang: str, *, title: str | None = None,
               answer: str | None = None):
    """A change rewriting an entry's title and/or answer in one language; it returns the
    language written.

    A language the entry has no text in yet gets its translation (then both a title and an
    answer are needed). A translation staff save is marked reviewed: they have read it. An
    entry an article owns keeps the edit until that part of the article itself changes
    (importer.merge): the article's record is left as it is.
    """
    title = " ".join(title.split()) if title is not None else None
    answer = answer.strip() if answer is not None else None

    def edit(data: dict):
        item = _entry(data, entry_id)
        if item.get("lang", (data.get("languages") or ["en"])[0]) == lang:
            target = item
        else:
            translations = item.setdefault("translations", {})
            if lang not in translations and (title is None or answer is None):
                raise EditError(f"entry {entry_id!r} has no {lang} text yet: give both a "
                                "title and an answer to write one")
            target = translations.setdefault(lang, {"question": title, "alternates": []})
            target["reviewed"] = True
        if title is not None:
            target["question"] = title
        if answer is not None:
            target["answer"] = answer
        return data, lang

    return edit


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _history_file(path: Path) -> Path:
    # Hidden beside the file, like its lock: a new clinic folder shows only what staff edit.
    return path.with_name(f".{path.name}.history.jsonl")


def _note(path: Path, payload: bytes, action: str, summary: str) -> None:
    """Record what made the content just written (under the writers' lock)."""
    record = {"sha256": hashlib.sha256(payload).hexdigest(),
              "mtime_ns": path.stat().st_mtime_ns, "at": _iso(datetime.now(UTC)),
              "action": action, "summary": summary}
    file = _history_file(path)
    with open(file, "a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    if len(lines) > 2 * HISTORY_LINES:
        _atomic_write(file, "".join(lines[-HISTORY_LINES:]).encode("utf-8"))


def _notes(path: Path) -> dict:
    """Notes by (digest, mtime), and lists of them by digest, oldest first."""
    out: dict = {}
    try:
        lines = _history_file(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for line in lines:
        try:
            note = json.loads(line)
            out[(note["sha256"], note["mtime_ns"])] = note
            out.setdefault(note["sha256"], []).append(note)
        except (ValueError, KeyError, TypeError):
            continue   # a line cut short by a crash: the others still count
    return out


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KnowledgeError(str(path), [f"cannot read file: {exc.strerror or exc}"]) from None


@contextlib.contextmanager
def _locked(path: Path):
    """Hold an exclusive lock on `<file>.lock` beside the knowledge file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _atomic_write(path: Path, payload: bytes) -> None:
    """Write beside the target, flush it to disk, then rename over it (atomic on POSIX)."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(path.parent)  # the rename itself survives a power cut


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _keep(path: Path, payload: bytes, keep: int) -> Path:
    """Store the file's current bytes as a version and drop the oldest beyond `keep`."""
    folder = versions_dir(path)
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.stem}-{stamp}.json"
    _atomic_write(target, payload)
    # The kept copy keeps the time its content was written: that is the version's date.
    with contextlib.suppress(OSError):
        mtime = path.stat().st_mtime_ns
        os.utime(target, ns=(mtime, mtime))
    for old in versions(path)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return target
