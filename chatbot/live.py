"""The bot of a knowledge file that may change while the server runs: each request gets a whole one.

    live = LiveBot(path, vocabulary_path)      built once, at start (a broken file stops it)
    live.current()                             the bot to answer this request with

Every worker process holds its own LiveBot. `current()` looks at the knowledge and vocabulary
files' identity (inode, size, modification time: one stat each, microseconds) on every call,
and reads them again anyway at most every REREAD seconds (an edit within one timestamp tick
that keeps the size is caught too). When the bytes differ from what is serving, a new Chatbot
is built off to the side and the reference swapped: a request holds the bot it started with,
so none sees half of one. A file that does not load (invalid JSON, an entry without an answer,
a file caught mid-write) leaves the last good bot serving and the state "stale", with the
problems; the next change is tried again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from . import knowledge, language, redact
from .dialogue import Chatbot
from .errors import KnowledgeError
from .matcher import Vocabulary

log = logging.getLogger(__name__)

REREAD = 2.0   # seconds between reads of files whose identity did not change


class LiveBot:
    """A Chatbot rebuilt whenever its files change on disk; the last good one while broken."""

    def __init__(self, path: str | Path, vocabulary_path: str | Path, **options):
        self.path = Path(path)
        self.vocabulary_path = Path(vocabulary_path)
        self._options = options
        self._lock = threading.Lock()
        self.problems: list[str] = []
        raw = self._read()
        self._bot = self._build(raw)          # KnowledgeError here stops start-up
        self._digest = _digest(raw)
        self._stamp = self._identity()
        self._read_at = time.monotonic()
        self.loaded_at = datetime.now(UTC)

    @property
    def stale(self) -> bool:
        """Whether the files on disk are broken and an older, good content is serving."""
        return bool(self.problems)

    def current(self) -> Chatbot:
        """The bot to answer with now: rebuilt first if the files changed."""
        if self._identity() != self._stamp or time.monotonic() - self._read_at > REREAD:
            self.reload()
        return self._bot

    def reload(self) -> bool:
        """Read the files and swap in a new bot if they changed; return whether it did."""
        with self._lock:
            stamp = self._identity()
            try:
                raw = self._read()
            except KnowledgeError as exc:
                return self._broken(stamp, exc.problems)
            self._stamp, self._read_at = stamp, time.monotonic()
            digest = _digest(raw)
            if digest == self._digest:   # touched, or written again as it was
                return False
            try:
                bot = self._build(raw)
            except KnowledgeError as exc:
                return self._broken(stamp, exc.problems, digest)
            except Exception as exc:  # noqa: BLE001 - whatever a file holds, keep serving
                log.exception("knowledge %s: building the bot failed", self.path)
                return self._broken(stamp, [f"cannot be used: {type(exc).__name__}"], digest)
            self._bot, self._digest, self.problems = bot, digest, []
            self.loaded_at = datetime.now(UTC)
            log.warning("knowledge %s reloaded: %d entries", self.path, len(bot.knowledge))
            return True

    def status(self) -> dict:
        """{"state": "ok"|"stale", "entries", "languages", "loaded_at", "problems", "pid"} of
        this process (each worker process has its own)."""
        return {"state": "stale" if self.stale else "ok", "pid": os.getpid(),
                "entries": len(self._bot.knowledge), "languages": list(self._bot.languages),
                "loaded_at": self.loaded_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
                "problems": list(self.problems)}

    # -- files ------------------------------------------------------------------------------

    def _files(self) -> list[Path]:
        """The knowledge file, then each language's vocabulary file (they may not exist)."""
        files = [self.path, self.vocabulary_path]
        bot = getattr(self, "_bot", None)
        if bot is not None:
            v = self.vocabulary_path
            files += [v.with_name(f"{v.stem}.{code}{v.suffix}") for code in bot.languages
                      if code != bot.knowledge.default_language]
        return files

    def _identity(self) -> tuple:
        out = []
        for file in self._files():
            try:
                st = os.stat(file)
                out.append((st.st_ino, st.st_size, st.st_mtime_ns))
            except OSError:
                out.append(None)
        return tuple(out)

    def _read(self) -> dict[Path, bytes | None]:
        raw: dict[Path, bytes | None] = {}
        for file in self._files():
            try:
                raw[file] = file.read_bytes()
            except FileNotFoundError:
                if file == self.path:
                    raise KnowledgeError(str(file), ["cannot read file: no such file"]) \
                        from None
                raw[file] = None
            except OSError as exc:
                raise KnowledgeError(str(file), [f"cannot read file: {exc.strerror or exc}"]) \
                    from None
        return raw

    def _build(self, raw: dict[Path, bytes | None]) -> Chatbot:
        """A bot from exactly the bytes read (never a second read that could differ)."""
        kb = knowledge.loads(raw[self.path], str(self.path))
        vocabularies = {}
        for code in kb.languages:
            local = Vocabulary.path_for(self.vocabulary_path, code, kb.default_language)
            data = raw.get(local) if local is not None else None
            if data is None and local is not None and local.exists():
                # A language added by this very change (or the first read, which could not
                # know the languages yet): its bytes count in the digest from now on, or the
                # next look would see a file appear and build the same bot again.
                data = raw[local] = local.read_bytes()
            vocabularies[code] = Vocabulary.loads(data, local, language.load(code)) \
                if data is not None else None
        bot = Chatbot(kb, vocabularies, **self._options)
        # Before it serves (at start, before the fork; on a reload, on the request that found
        # the change, which already waits for the whole bot), not on visitors' first messages.
        bot.prepare()
        # The redactor keeps the clinic's own doctor's name where a visitor names them.
        clinic = kb.clinic
        redact.serve(clinic.name, clinic.doctor, *(local.get(key) for local in
                                                   clinic.translations.values()
                                                   for key in ("name", "doctor")))
        return bot

    def _broken(self, stamp: tuple, problems: list[str], digest: str | None = None) -> bool:
        if problems != self.problems:
            log.error("knowledge %s cannot be loaded; the last good content keeps serving:\n%s",
                      self.path, "\n".join(f"  - {p}" for p in problems))
        self.problems = problems
        self._stamp, self._read_at = stamp, time.monotonic()
        if digest is not None:
            self._digest = digest   # not tried again until the files change once more
        return False


def _digest(raw: dict[Path, bytes | None]) -> str:
    h = hashlib.sha256()
    for file in sorted(raw):
        h.update(str(file).encode() + b"\0" + (raw[file] or b"\0missing") + b"\0")
    return h.hexdigest()
