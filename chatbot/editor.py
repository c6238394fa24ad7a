"""Validated, atomic changes to the knowledge file, keeping its previous versions.

    doc = editor.load(path)          the file as data (a missing or empty file: no entries)
    report = doc.apply(change)       change(data) -> (new data, anything); validated first,
                                     the document is left as it was if the result is invalid
    doc.write()                      validate again, keep the file on disk as a version,
                                     then temp file + fsync + rename: readers see the old file
                                     or the new one, never half of one
    versions(path), restore(path, version)

A lock file beside the knowledge file serialises writers (the CLI, the server's workers), and
a file changed by someone else since it was read is never overwritten (EditError).
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import knowledge
from .errors import EditError, KnowledgeError
from .knowledge import Knowledge

KEEP_VERSIONS = 20


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

    def write(self, *, keep: int = KEEP_VERSIONS) -> Path | None:
        """Write the data atomically; return the kept previous version (None if none).

        EditError if the file changed on disk since it was read; KnowledgeError (the file
        untouched) if the data is invalid.
        """
        payload = dumps(self.data)
        self.validate()
        with _locked(self.path):
            on_disk = _read(self.path)
            if on_disk != self.original:
                raise EditError(f"{self.path}: changed since it was read (by another edit?): "
                                "nothing written; run the command again")
            kept = _keep(self.path, on_disk, keep) if on_disk is not None else None
            _atomic_write(self.path, payload)
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


def restore(path: str | Path, version: str | Path) -> Path | None:
    """Put a kept version back (validated; the current file is kept as a version in turn)."""
    version = Path(version)
    if not version.is_absolute() and version.parent == Path("."):
        version = versions_dir(path) / version
    try:
        data = json.loads(version.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EditError(f"{version}: cannot read this version: {exc}") from None
    doc = Document(path=Path(path), data=data, original=_read(Path(path)))
    return doc.write()


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
    for old in versions(path)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return target
