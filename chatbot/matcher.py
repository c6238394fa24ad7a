"""Rank knowledge entries against a visitor's message: index built once, every entry scored.

Pipeline, shared by index and query (query only: typo correction):

    words (text.py) -> typo fix against the domain vocabulary -> stem -> synonyms -> terms

Each entry is scored from three signals, all in 0..1, fused with fixed weights:

- `dice`: best weighted Dice overlap between the message and one of the entry's phrasings
  (question + alternates; a fresh section's kind adds its own at a discount, kinds.json); weights
  are IDF over entries, so "bone marrow edema", which is everywhere, counts for little and
  "crutches" for a lot;
- `coverage`: how much of the message's weight the entry covers anywhere (phrasings, or answer at
  a discount). Words the knowledge base never uses weigh by how rare they are in general English,
  so "covid" drags coverage down and "necessary" barely does;
- `fuzzy`: rapidfuzz similarity of the normalised message to the best phrasing (whole string).

`Candidate.score` is the fused value: the matcher's confidence that the entry answers the message.
`Candidate.anchored` says whether the entry shares a topic word with the message (a word rare in
English, or a synonym group's canonical word), so "is coffee bad for you" is not about danger.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from . import language as languages
from .errors import KnowledgeError
from .knowledge import Entry, Knowledge
from .language import Language
from .patterns import compile_quick, needles
from .text import fold

ADULT_AGE = 18


@dataclass(frozen=True)
class Weights:
    """Tuning knobs of the matcher; defaults were chosen on the dev set (docs/matching.md)."""

    dice: float = 0.45
    coverage: float = 0.35
    fuzzy: float = 0.20
    topic_share: float = 0.3       # an article's topic words, choosing among its own entries
    answer_discount: float = 0.5   # a word only in the answer counts this much for coverage
    section_answer: float = 1.0    # ...in a section's text, when no alternates ask it otherwise
    kind_share: float = 0.7        # a phrasing of a section's kind, in Dice and fuzzy
    bare_recall: float = 1.5       # an entry asked one way: recall over precision in its Dice
    twin_share: float = 0.75       # a FAQ whose answer is this much in a section is its twin
    courtesy_weight: float = 0.3   # "hi", "thanks"
    number_weight: float = 0.2
    oov_slope: float = 1.1         # weight of an unseen word = slope * (oov_zipf_top - zipf)
    oov_zipf_top: float = 6.2
    oov_min: float = 0.25
    oov_max: float = 3.5
    oov_short_max: float = 1.0     # cap for short words in no dictionary ("pls", "lol")
    known_zipf_top: float = 8.0    # a known word weighs at most slope * (this - zipf)
    anchor_zipf: float = 5.0       # a known word rarer than this in English anchors a topic
    damp_from: float = 4.8         # known words more frequent than this (Zipf) weigh less...
    damp_slope: float = 0.4        # ...by this much per Zipf unit...
    damp_floor: float = 0.3        # ...down to this factor
    vague_max: float = 1.0         # a generic word ("bone", "disease") weighs at most this
    common_zipf: float = 3.0       # a word at least this frequent in English is never "a typo"
    typo_cutoff: float = 75        # rapidfuzz ratio (0-100) to accept a correction
    typo_cutoff_short: float = 85  # the same for words of four letters or fewer

    def unseen(self, zipf: float) -> float:
        """The weight of a word the knowledge never uses, by how common it is (Zipf)."""
        return min(self.oov_max, max(self.oov_min, self.oov_slope * (self.oov_zipf_top - zipf)))


@dataclass(frozen=True)
class Vocabulary:
    """A clinic's domain vocabulary in one language, kept as data (data/vocabulary.json for
    the default language, data/vocabulary.<lang>.json beside it for each other one)."""

    synonyms: tuple[tuple[str, ...], ...] = ()
    vague: frozenset[str] = frozenset()
    out_of_scope: dict[str, tuple[str, ...]] = field(default_factory=dict)
    personal_advice: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None, lang: Language | None = None):
        """Read a vocabulary file (None: an empty vocabulary)."""
        try:
            raw = Path(path).read_bytes() if path else None
        except OSError as exc:
            raise KnowledgeError(str(path), [f"vocabulary: {exc}"]) from None
        return cls.loads(raw, path, lang)

    @classmethod
    def loads(cls, raw: bytes | None, path: str | Path | None = None,
              lang: Language | None = None):
        """Decode a vocabulary file's bytes (None: an empty vocabulary)."""
        lang = lang or languages.load("en")
        try:
            data = json.loads(raw.decode("utf-8")) if raw is not None else {}
            if not isinstance(data, dict):
                raise ValueError("must be a JSON object")
        except ValueError as exc:   # UnicodeDecodeError and JSONDecodeError too
            raise KnowledgeError(str(path), [f"vocabulary: {exc}"]) from None
        return cls(
            synonyms=tuple(tuple(group) for group in data.get("synonyms", [])),
            vague=frozenset(lang.normalise(w) for w in data.get("vague", [])),
            out_of_scope={k: tuple(v) for k, v in data.get("out_of_scope", {}).items()},
            personal_advice={k: tuple(v) for k, v in data.get("personal_advice", {}).items()
                             if k != "about"},
        )

    @staticmethod
    def path_for(path: str | Path, lang: str, default: str) -> Path | None:
        """The vocabulary file of a language: `path` itself for the default language,
        `name.<lang>.json` beside it for another (None if there is none)."""
        path = Path(path)
        if lang == default:
            return path
        local = path.with_name(f"{path.stem}.{lang}{path.suffix}")
        return local if local.exists() else None


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float
    dice: float
    coverage: float
    fuzzy: float
    anchored: bool = True   # the entry shares a topic word with the message (not just "bad")
    asked: float = 0.0      # the best Dice of the phrasings of its section's kind (kinds.json)


@dataclass(frozen=True)
class Analysis:
    """What the matcher understood of a message."""

    words: tuple[str, ...]             # folded, corrected words
    terms: tuple[str, ...]             # stemmed content terms after synonyms, in order
    weights: dict[str, float]          # weight of each distinct term
    corrections: dict[str, str]        # typo -> vocabulary word
    out_of_scope: tuple[str, ...]      # categories of requests the content cannot serve
    personal: tuple[str, ...]          # asks for a personal diagnosis or dose
    anchors: frozenset[str] = frozenset()  # terms specific enough to carry a topic
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)  # term -> words typed
    # Results computed later for this message (closest_phrasing). They live with the message,
    # never on the matcher, which every visitor's thread shares.
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def total_weight(self) -> float:
        return sum(self.weights.values())


class Matcher:
    """Index a knowledge base once, in one language; `rank` scores every entry for a message.

    The entries' phrasings and answers in that language are indexed with its normalisation
    (an entry without a translation is indexed in the default language).
    """

    def __init__(self, knowledge: Knowledge, vocabulary: Vocabulary | None = None, *,
                 weights: Weights | None = None, language: Language | None = None):
        self.knowledge = knowledge
        self.lang = language or languages.load(knowledge.default_language)
        self.vocabulary = vocabulary or Vocabulary()
        self.weights = weights or Weights()
        self._stopwords = self.lang.stopwords
        # The language's general words and cues (chatbot/data/<lang>/cues.json), then the
        # clinic's own.
        self._vague = frozenset(self.lang.normalise(w) for w in self.lang.vague) \
            | self.vocabulary.vague
        self._vague_stems = {self.lang.stem(w) for w in self._vague if " " not in w}
        self._build_synonyms()
        self._build_index()
        self._build_cues()
        self._memos()

    def _memos(self) -> None:
        # The dialogue reads a message (and its sentences) several times per reply, and the
        # review once more: each is analysed once. An Analysis is shared, never changed.
        self._analysed = lru_cache(maxsize=256)(self._analyse)
        # Visitors' misspellings repeat ("surgry", "recovry"): each is looked up once.
        self._corrected = lru_cache(maxsize=8192)(self._correct)

    # The memos are caches, not state: they are rebuilt, never copied or pickled.
    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_analysed", "_corrected")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._memos()

    # -- analysis ---------------------------------------------------------------------------

    def _build_synonyms(self) -> None:
        # Variants are matched on stemmed word sequences, so "operations" hits "operation".
        self._phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._synonym_words: set[str] = set()
        self._canonical: set[str] = set()
        # The language's general synonyms first: the clinic's own groups then win.
        for group in (*self.lang.synonyms, *self.vocabulary.synonyms):
            canonical = tuple(self._stems(group[0]))
            self._canonical.update(canonical)
            self._phrases.pop(canonical, None)
            for variant in group:
                self._synonym_words.update(self.lang.words(variant))
                key = tuple(self._stems(variant))
                if key and key != canonical:
                    self._phrases[key] = canonical
        self._longest_phrase = max((len(k) for k in self._phrases), default=1)
        # Phrases of 3+ words as typed, for typos that make another real word ("kemik ilgi
        # ödemi"); indexed by (position, word), so a window meets only the phrases it nearly is.
        self._typed_phrases: dict[int, dict[tuple[int, str], set[tuple[str, ...]]]] = {}
        self._typed_words: dict[int, set[str]] = {}
        for group in (*self.lang.synonyms, *self.vocabulary.synonyms):
            for variant in group:
                ws = tuple(self.lang.words(variant))
                if len(ws) >= 3:
                    slots = self._typed_phrases.setdefault(len(ws), {})
                    for j, w in enumerate(ws):
                        slots.setdefault((j, w), set()).add(ws)
                    self._typed_words.setdefault(len(ws), set()).update(ws)

    def _build_cues(self) -> None:
        """Compile the out-of-scope and personal cues, less what the knowledge speaks of."""
        def merged(general: dict, own: dict) -> dict[str, tuple[str, ...]]:
            # In the files' order: the first category found names the decline, and a set's
            # order changed with each process's string hashing (one worker's "other treatment"
            # was another's "other condition").
            return {k: (*general.get(k, ()), *own.get(k, ()))
                    for k in dict.fromkeys([*general, *own])}

        # A request is out of scope only if the knowledge base never speaks of it: a clinic
        # whose entries mention prices answers price questions, and an article about the
        # shoulder makes "shoulder" its topic, not another body part.
        cues = merged(self.lang.out_of_scope, self.vocabulary.out_of_scope)
        self._cues = _cue_patterns({category: tuple(p for p in phrases if not self._covers(p))
                                    for category, phrases in cues.items()}, self.lang)
        # What one article speaks of is still out of scope on another's page: "would a
        # cortisone injection help" is no question for the bone marrow edema article because
        # the plantar fasciitis article covers cortisone. Per article, the cues only the others
        # cover.
        self._cues_beside: dict[str, dict] = {}
        if len(self.knowledge.articles) > 1:
            for slug in self._scopes:
                extra = {category: tuple(p for p in phrases if self._covers(p)
                                         and not self._covers(p, slug))
                         for category, phrases in cues.items()}
                self._cues_beside[slug] = _cue_patterns(extra, self.lang)
        # Personal cues are matched as written: "ödemim" (my edema) is not "ödem". "{topic}"
        # stands for each article's topic ("is it {topic}" -> "is it plantar fasciitis").
        # Each article's topic and the other name its title gives it ("Frozen Shoulder
        # (Adhesive Capsulitis)": "do you think I have adhesive capsulitis?").
        topics = [name for a in self.knowledge.articles for name in (
            a.topic(self.lang.code), *(re.findall(r"\(([^()]*)\)", a.title)
                                       if a.lang == self.lang.code else ()))] or \
            [self.knowledge.topic_in(self.lang.code)]
        personal = {kind: tuple(dict.fromkeys(p.replace("{topic}", t) for p in phrases
                                              for t in (topics if "{topic}" in p else [""])))
                    for kind, phrases in merged(self.lang.personal_advice,
                                                self.vocabulary.personal_advice).items()}
        self._personal = _cue_patterns(personal, self.lang, by_stem=False)
        self._own_case = _OwnCase(self.lang, topics) if self.lang.own_case else None
        # Conditions the knowledge speaks of only beside its topic ("can a meniscus tear cause
        # it?"); one that an article is about, or that a phrasing asks about on its own
        # ("What is transient osteoporosis of the hip?"), is a subject of the knowledge.
        self._topic_terms = frozenset().union(*self._topics.values())
        self._pointers = frozenset(self.lang.normalise(w) for w in self.lang.topic_pointers)
        ages = "|".join(sorted({re.escape(self.lang.normalise(w)) for w in self.lang.age_words},
                               key=len, reverse=True))
        self._age = re.compile(rf"\b(\d{{1,3}}) (?:{ages})\b") if ages else None
        about = [self._content_stems(self.lang.words(a.topic(self.lang.code)))
                 for a in self.knowledge.articles] + [
            self._content_stems(ws) for e in self.knowledge.entries
            for phrasing in (e.text(self.lang.code).question, *e.text(self.lang.code).alternates)
            if not self._names_topic(ws := self.lang.words(phrasing))]
        related = tuple(p for p in self.lang.related_conditions
                        if not any(self._content_stems(self.lang.words(p)) <= a for a in about))
        self._related = _cue_patterns({"other_condition": related}, self.lang) \
            if related else {}
        self._not_personal = compile_quick("|".join(
            rf"\b{re.escape(self.lang.normalise(p))}\b" for p in self.lang.not_personal)) \
            if self.lang.not_personal else None

    def _covers(self, phrase: str, scope: str | None = None) -> bool:
        """Whether the knowledge speaks of a cue: its words as written (or run together,
        "shockwave" for "shock wave"), a word of ours in another spelling, or all its content
        words in one of an entry's questions ("steroid injection": "Are steroid injections
        safe?"). `scope`: one article's entries (and those of no article) only."""
        corpus, joined, known, phr_sets, stemmed = self._scopes[scope] if scope else (
            self._corpus, self._joined, self._own_terms, self._phr_sets, self._stem_corpus)
        typed = self.lang.normalise(phrase)
        if not typed or f" {typed} " in corpus or typed.replace(" ", "") in joined:
            return True
        words = self.lang.words(phrase)
        # Another form of a phrase of ours ("başarı oranları": "başarı oranı yüksektir").
        if len(words) > 1 and f" {' '.join(map(self.lang.stem, words))} " in stemmed:
            return True
        terms = set(self._terms(words))
        # One word, another spelling of ours ("tendonitis", "tendinitis"); or a phrase that is
        # one synonym group's name for a thing we speak of ("kapalı ameliyat": "Endoskopik
        # (Kapalı) Karpal Tünel Gevşetme", both closed surgery).
        if len(words) == 1 or len(terms) == 1 and terms <= self._canonical:
            return bool(terms) and terms <= known
        return len(terms) >= 2 and any(terms <= ts for ts in phr_sets)

    def _content_stems(self, words: list[str]) -> set[str]:
        """The stems of a text's content words, before synonyms ("meniscus tear" keeps
        "tear")."""
        return {self.lang.stem(w) for w in words if w not in self._stopwords}

    def _names_topic(self, words) -> bool:
        """Whether words name one of the articles' topics, or point to it ("it", "bu"); a
        word counts with any ending ("ödeme", "edemas")."""
        return bool(self._pointers.intersection(words)) or any(
            w.startswith(t) for w in words for t in self._topic_terms if len(t) >= 3)

    def _stems(self, phrase: str) -> list[str]:
        return self._word_stems(self.lang.words(phrase))

    def _word_stems(self, words: list[str]) -> list[str]:
        """Each word's stem; function words stay as they are (synonym phrases hold them)."""
        return [w if w in self._stopwords else self.lang.stem(w) for w in words]

    def _apply_synonyms(self, stems: list[str]) -> list[tuple[str, slice]]:
        """Map stems to canonical terms; each term with the span of stems it stands for."""
        out, i = [], 0
        while i < len(stems):
            for size in range(min(self._longest_phrase, len(stems) - i), 0, -1):
                canonical = self._phrases.get(tuple(stems[i:i + size]))
                if canonical is not None:
                    out.extend((t, slice(i, i + size)) for t in canonical)
                    i += size
                    break
            else:
                out.append((stems[i], slice(i, i + 1)))
                i += 1
        return out

    def _terms(self, words: list[str]) -> list[str]:
        return [t for t, _ in self._apply_synonyms(self._word_stems(words))
                if t not in self._stopwords]

    def _sourced_terms(self, words: list[str]) -> list[tuple[str, tuple[str, ...]]]:
        """The content terms of words, each with the words it was read from ("last" for
        "chronic")."""
        return [(t, tuple(words[span])) for t, span in self._apply_synonyms(self._word_stems(words))
                if t not in self._stopwords]

    def _is_known(self, word: str) -> bool:
        return (word in self._domain_words or word in self._stopwords or word.isdigit()
                or max(self.lang.common.get(word, 0.0), self.lang.zipf(word))
                >= self.weights.common_zipf)

    def _join_split_words(self, words: list[str]) -> list[str]:
        """Rejoin a domain word typed in two pieces ("bio plasty", "physio therapy")."""
        out: list[str] = []
        for word in words:
            if out and (out[-1] + word) in self._domain_words and not (
                    out[-1] in self._domain_words and word in self._domain_words):
                out[-1] += word
            else:
                out.append(word)
        return out

    def _fix_phrases(self, words: list[str]) -> list[str]:
        """Mend one mistyped word inside a known phrase of three or more words, even where the
        typo is a real word ("kemik ilgi ödemi" -> "kemik iliği ödemi")."""
        out = list(words)
        for size, slots in self._typed_phrases.items():
            # A phrase is mended where all its words but one are there: most messages hold
            # too few of the phrases' words for any window to be looked at.
            typed_words = self._typed_words[size]
            present = [w in typed_words for w in out]
            if sum(present) < size - 1:
                continue
            for i in range(len(out) - size + 1):
                # So too each window: one with fewer of those words is no phrase's near miss.
                if sum(present[i:i + size]) < size - 1:
                    continue
                window = tuple(out[i:i + size])
                hits: dict[tuple[str, ...], int] = {}
                for j, w in enumerate(window):
                    for phrase in slots.get((j, w), ()):
                        hits[phrase] = hits.get(phrase, 0) + 1
                for phrase in sorted(p for p, n in hits.items() if n == size - 1):
                    j = next(j for j in range(size) if window[j] != phrase[j])
                    typed = window[j]
                    if typed[:1] == phrase[j][:1] and fuzz.ratio(typed, phrase[j]) >= 75 \
                            and self.lang.stem(typed) != self.lang.stem(phrase[j]):
                        out[i:i + size] = phrase
                        present[i:i + size] = [True] * size
                        break
        return out

    def _split_particle(self, word: str) -> list[str]:
        """Detach a question particle typed onto a word ("gecermi" -> "gecer mi")."""
        for particle in self.lang.particles:
            rest = word[: -len(particle)]
            if word.endswith(particle) and len(rest) >= 2 and self._is_known(rest):
                return [rest, particle]
        return [word]

    def _correct(self, word: str) -> str | None:
        """Return the domain word (or two words) a misspelt word stands for, or None."""
        if len(word) < 3:
            return None
        if word not in self.lang.common:  # a real word ("osteoarthritis") stays whole
            for cut in range(3, len(word) - 2):  # "bonemarrow" -> "bone marrow"
                left, right = word[:cut], word[cut:]
                if left in self._domain_words and right in self._domain_words:
                    return f"{left} {right}"
        cutoff = self.weights.typo_cutoff if len(word) > 4 else self.weights.typo_cutoff_short
        found = self._spellings.extract(word, cutoff, limit=5)
        if not found:
            return None
        # Swapped letters ("cuase") are the commonest typo: prefer an anagram, then a word
        # with the same first letter, over an equally close word.
        letters = sorted(word)
        return max(found, key=lambda f: (f[1] + 10 * (sorted(f[0]) == letters)
                                         + 3 * (f[0][0] == word[0])))[0]

    def analyse(self, message: str, *, correct: bool = True) -> Analysis:
        """Normalise a message: fold, fix typos, stem, map synonyms, weigh each term.

        `correct=False` leaves words the knowledge base does not know as they are (comparing
        messages with one another, where such a word is the news, not a typo).
        """
        return self._analysed(message, correct)

    def _analyse(self, message: str, correct: bool) -> Analysis:
        corrections: dict[str, str] = {}
        fixed: list[str] = []
        raw = [part for word in self._join_split_words(self.lang.words(message))
               for part in (self._split_particle(word) if not self._is_known(word) else [word])]
        for word in raw:
            # Two of our words run together ("shockwave" for "shock wave") are those two.
            pair = self._pairs.get(word) if word not in self._domain_words else None
            if pair:
                fixed.extend(pair)
            elif correct and not self._is_known(word) and (repl := self._corrected(word)):
                corrections[word] = repl
                fixed.extend(repl.split())
            else:
                fixed.append(word)
        if correct:
            fixed = self._fix_phrases(fixed)
        sourced = self._sourced_terms(fixed)
        terms = [t for t, _ in sourced]
        sources: dict[str, tuple[str, ...]] = {}
        for t, typed in sourced:
            sources[t] = tuple(dict.fromkeys(sources.get(t, ()) + typed))
        # How common each term is in the language, from the words the visitor actually typed.
        zipf: dict[str, float] = {}
        for word in fixed:
            stem = self.lang.stem(word)
            zipf[stem] = max(zipf.get(stem, self._term_zipf.get(stem, 0.0)),
                             self.lang.common.get(word, 0.0), self.lang.stem_zipf(stem))
        weights: dict[str, float] = {}
        for term in terms:
            if term not in weights:
                weights[term] = self._query_weight(term, zipf.get(term, 0.0))
        # Cues are looked for in what was typed too: a correction must not hide "osteoarthritis";
        # and in the stems, so that an inflected word meets its cue ("fiyatı" -> "fiyat"). A
        # stem cut to under four letters is no word of its own: "dışında" (outside) is not
        # "diş" (tooth).
        joined = " | ".join((" ".join(fixed), " ".join(raw),
                             " ".join(self._cue_stem(w) for w in fixed),
                             " ".join(self._cue_stem(w) for w in raw)))
        anchors = frozenset(t for t in weights if t in self._own_terms
                            and t not in self.lang.courtesy and (t in self._canonical
                                 or self._term_zipf.get(t, 0.0) < self.weights.anchor_zipf))
        # Each cue's rarest word is looked up in the words of `joined` (a superset of the words
        # left once `not_personal` phrases are blanked out: the patterns still decide).
        said = frozenset(joined.split())
        personal = _found(self._personal, self._not_personal.sub(" ~ ", joined)
                          if self._not_personal else joined, said)
        if self._own_case is not None:
            personal += tuple(k for k in self._own_case.kinds(raw, joined) if k not in personal)
        out_of_scope = _found(self._cues, joined, said)
        if "children" in out_of_scope and self._grown_up(" ".join(raw)):
            out_of_scope = tuple(c for c in out_of_scope if c != "children")
        if "other_condition" not in out_of_scope and _found(self._related, joined, said) and \
                not self._names_topic(self._beside_related(fixed)):
            out_of_scope += ("other_condition",)  # "meniscus tear recovery time"
        return Analysis(words=tuple(fixed), terms=tuple(terms), weights=weights,
                        corrections=corrections, anchors=anchors, sources=sources,
                        out_of_scope=out_of_scope, personal=personal,
                        memo={"joined": joined, "said": said})

    def _beside_related(self, words: list[str]) -> list[str]:
        """The words of a message outside the related conditions it names that are more than
        the topic: "arka çapraz bağ yırtığı" (the posterior cruciate) holds the words of "ön
        çapraz bağ yırtığı" but does not name it; "çapraz bağım" does."""
        pattern = self._related["other_condition"][0]
        return pattern.sub(lambda m: m.group() if all(
            self._names_topic([w]) for w in m.group().split()) else " ", " ".join(words)).split()

    def _grown_up(self, typed: str) -> bool:
        """Whether the son or daughter a message speaks of is given an adult's age beside the
        word, a word or two away ("kızım 24 yaşında", "my 30 year old son"); the parent's own
        age, further off, is no clue ("45 yaşındayım, oğlumun dizinde...")."""
        if self._age is None:
            return False
        children = [m.span() for m in self._cues["children"][0].finditer(typed)]
        return any(int(m.group(1)) >= ADULT_AGE and any(
            m.start() - 12 <= end and start <= m.end() + 12 for start, end in children)
            for m in self._age.finditer(typed))

    def _cue_stem(self, word: str) -> str:
        """A word's stem as cues read it: a short stem of a longer word stays unread."""
        stem = self.lang.stem(word)
        return stem if len(stem) >= 4 or stem == word else "~"

    def _query_weight(self, term: str, zipf: float) -> float:
        w = self.weights
        if term in self.lang.courtesy:
            return w.courtesy_weight
        if term.isdigit():
            return w.number_weight
        term_id = self._term_ids.get(term) if term in self._own_terms else None
        if term_id is not None:
            if term in self._vague_stems:  # "this disease", "bu rahatsızlık": the topic itself
                return min(float(self._idf[term_id]), w.vague_max)
            # A small knowledge base makes everyday words look rare ("exactly" in one
            # alternate): a known word weighs no more than its rarity in the language allows.
            ceiling = max(w.oov_min, w.oov_slope * (w.known_zipf_top - zipf)) if zipf > 0 \
                else np.inf
            return min(float(self._idf[term_id]), ceiling)
        weight = w.unseen(zipf)
        if zipf == 0.0 and len(term) <= 4:
            return min(weight, w.oov_short_max)  # an uncorrectable scrap, not a topic
        return weight

    # -- index ------------------------------------------------------------------------------

    def _build_index(self) -> None:
        entries = self.knowledge.entries
        phrasing_terms: list[list[str]] = []
        phrasing_entry: list[int] = []
        answer_terms: list[set[str]] = []
        phrasing_words: list[str] = []
        domain_words: set[str] = set(self._synonym_words)
        corpus: list[str] = []
        # Each article's topic, as terms: every question of the article is about it, so
        # "What causes it?" in the plantar fasciitis article reads "What causes plantar
        # fasciitis?". The topic is implied, not written: it counts where the message names
        # it and costs nothing where the message does not ("what causes it?").
        self._topics: dict[str, frozenset[str]] = {}
        self._topic_names: dict[str, list[frozenset[str]]] = {}  # each name's terms
        for article in self.knowledge.articles:
            ws = self.lang.words(article.topic(self.lang.code))
            if self.lang.code in article.topics or article.lang == self.lang.code:
                domain_words.update(ws)
            self._topics[article.slug] = frozenset(self._terms(ws))
            self._topic_names.setdefault(article.slug, []).append(self._topics[article.slug])
            # The title's other name for the topic ("Frozen Shoulder (Adhesive Capsulitis)")
            # is the topic too.
            if article.lang == self.lang.code:
                for aside in re.findall(r"\(([^()]*)\)", article.title):
                    other = frozenset(self._terms(self.lang.words(aside)))
                    self._topics[article.slug] |= other
                    self._topic_names[article.slug].append(other)
        self._build_kinds()
        self._titles = {a.slug: a.title for a in self.knowledge.articles}
        implied: list[frozenset[str]] = []
        asked: list[bool] = []   # a phrasing of the entry's kind, not of the entry itself
        ask_words: set[str] = set()
        # The headings of an article's sections with text of their own (parents that answer).
        parents = {(e.article, fold(e.text(self.lang.code).question)) for e in entries
                   if e.kind == "section" and e.article}
        for e_idx, entry in enumerate(entries):
            own = entry.text(self.lang.code)
            topic = self._topics.get(entry.article or "", frozenset())
            # An entry not yet translated is indexed in its own language, but its words are
            # no words of this one: they must not correct a typo or vote in detection.
            seen = domain_words if entry.has(self.lang.code) else set()
            headings = [own.question, *own.alternates]
            # An article's opening section is asked by its title without the title's plan.
            intro = self._intro_heading(entry)
            if intro is not None:
                headings[0] = intro
            # A section under a parent heading ("Physical Examination" under "How is it
            # diagnosed?") is asked the parent's way too: in the parent's context ("Physical
            # Examination How is it diagnosed?") when the parent has text of its own and so
            # answers its heading itself, else by the parent's heading alone. A fresh import's
            # sub-sections asked by the parent's heading alone tied with the parent, and with
            # each other, on any question of the parent's words.
            if entry.kind == "section" and own.source and own.source != own.question:
                answered = (entry.article, fold(own.source)) in parents and not own.alternates
                headings.append(f"{own.question} {own.source}" if answered else own.source)
            # A fresh import's entry is asked one way, its heading; a heading of a known kind
            # ("Symptoms of X") is asked the ways patients ask that kind of thing too (see
            # _kind_asks): ranking only, at a discount, never coverage or a verbatim answer.
            asks = self._kind_asks(own.question, topic) if (
                entry.article and not own.alternates and entry.kind in ("faq", "section")
                and entry.has(self.lang.code) and intro is None) else ()
            for k, phrasing in enumerate([*headings, *asks]):
                ws = self.lang.words(phrasing)
                terms = self._terms(ws)
                phrasing_terms.append(terms)
                implied.append(topic - set(terms))
                phrasing_entry.append(e_idx)
                asked.append(k >= len(headings))
                if asked[-1]:
                    ask_words.update(ws)
                else:
                    seen.update(ws)
                phrasing_words.append(" ".join(ws))
            ws = self.lang.words(own.answer)
            seen.update(ws)
            answer_terms.append(set(self._terms(ws)))
            corpus.append(" ".join(ws))
        own_words = [w for w, a in zip(phrasing_words, asked, strict=True) if not a]
        self._corpus = " " + " ".join(own_words + corpus) + " "
        # The same per article, with the entries of no article (the clinic's contact), for
        # the cues an article speaks of (see _build_cues).
        self._scopes: dict[str, tuple] = {}
        if len(self.knowledge.articles) > 1:
            for article in self.knowledge.articles:
                inside = [i for i, e in enumerate(entries) if e.article in (None, article.slug)]
                members = set(inside)
                phr = [k for k, e_idx in enumerate(phrasing_entry) if e_idx in members
                       and not asked[k]]
                words = " " + " ".join([phrasing_words[k] for k in phr]
                                       + [corpus[i] for i in inside]) + " "
                split = words.split()
                pairs = {a + b for a, b in zip(split, split[1:], strict=False)
                         if min(len(a), len(b)) >= 3 and not {a, b} & self._stopwords}
                known = {t for k in phr for t in phrasing_terms[k]} | set().union(
                    *(answer_terms[i] for i in inside)) | self._topics.get(article.slug, set())
                self._scopes[article.slug] = (words, set(split) | pairs, known, [
                    set(phrasing_terms[k]) | implied[k] for k in phr], self._stemmed(words))
        self._stem_corpus = self._stemmed(self._corpus)
        corpus_words = self._corpus.split()
        self._pairs = {a + b: (a, b) for a, b in zip(corpus_words, corpus_words[1:],
                                                     strict=False)
                       if min(len(a), len(b)) >= 3 and not {a, b} & self._stopwords}
        self._joined = set(corpus_words) | set(self._pairs)
        self._phr_sets = [set(ts) | imp for ts, imp, a in zip(phrasing_terms, implied, asked,
                                                               strict=True) if not a]
        self._domain_words = {w for w in domain_words if not w.isdigit()}
        # Function words are candidates too: "waht" is "what", not an unknown rare word.
        self._spellings = _Spellings(sorted(self._domain_words | self._stopwords))

        own_vocab = sorted({t for ts, a in zip(phrasing_terms, asked, strict=True) if not a
                            for t in ts} | set().union(*answer_terms)
                           | set().union(*self._topics.values()))
        # Terms only a kind's phrasings use are matched, but are no words of the knowledge
        # (a message's word weighs, anchors and corrects as before).
        self._own_terms = frozenset(own_vocab)
        vocab = own_vocab + sorted({t for ts in phrasing_terms for t in ts} - self._own_terms)
        self._term_ids = {t: i for i, t in enumerate(vocab)}
        # Zipf of a stem: the most frequent surface word that produced it.
        self._term_zipf: dict[str, float] = {}
        common = self.lang.common
        for word in domain_words | ask_words:
            stem = self.lang.stem(word)
            self._term_zipf[stem] = max(self._term_zipf.get(stem, 0.0), common.get(word, 0.0),
                                        self.lang.stem_zipf(stem))

        n_entries, n_terms = len(entries), len(vocab)
        in_phrasing = [set(ts) for ts in phrasing_terms]
        entry_phr_terms: list[set[str]] = [set() for _ in entries]
        asked_terms: list[set[str]] = [set() for _ in entries]
        for terms, e_idx, a in zip(in_phrasing, phrasing_entry, asked, strict=True):
            (asked_terms if a else entry_phr_terms)[e_idx].update(terms)
        for e_idx, entry in enumerate(entries):
            entry_phr_terms[e_idx] |= self._topics.get(entry.article or "", frozenset())
        df = np.zeros(n_terms)
        for e_idx in range(n_entries):
            for t in entry_phr_terms[e_idx] | answer_terms[e_idx]:
                df[self._term_ids[t]] += 1
        # A term only kinds' phrasings use is as rare as the entries that are asked with it.
        asked_df = np.zeros(n_terms)
        for ts in asked_terms:
            for t in ts:
                asked_df[self._term_ids[t]] += 1
        idf_df = np.where(df > 0, df, asked_df)
        # BM25's IDF: positive, near zero for a term in every entry. A small knowledge base
        # makes everyday words look rare ("become" is in one entry), so words frequent in
        # general English are damped.
        w = self.weights
        zipf = np.array([self._term_zipf.get(t, 0.0) for t in vocab])
        damp = np.clip(1.0 - w.damp_slope * (zipf - w.damp_from), w.damp_floor, 1.0)
        # Counted over the entries written in this language: untranslated ones (indexed in
        # their own language) must not make this language's words look rarer than they are.
        n_own = sum(e.has(self.lang.code) for e in entries) or n_entries
        self._idf = np.log1p((np.maximum(n_own - idf_df, 0) + 0.5) / (idf_df + 0.5)) * damp
        self._df = df

        self._phr_entry = np.asarray(phrasing_entry, dtype=np.int64)
        self._asked = np.asarray(asked, dtype=bool)
        self._phr_recall = np.array([
            w.bare_recall if entries[e].kind in ("faq", "section")
            and not entries[e].text(self.lang.code).alternates else 1.0 for e in phrasing_entry])
        self._phr_share = np.where(self._asked, w.kind_share, 1.0)
        self._entry_starts = np.searchsorted(self._phr_entry, np.arange(n_entries))
        self._phr_weight = np.array([sum(self._idf[self._term_ids[t]] for t in ts)
                                     for ts in in_phrasing])
        self._phr_text = [" ".join(ts) for ts in phrasing_terms]
        # The same with the implied topic, for messages that name it ("what causes plantar
        # fasciitis" reads like "what causes it" + the topic).
        self._phr_topic_text = [" ".join([*ts, *sorted(imp)]) if imp else text
                                for ts, imp, text in zip(phrasing_terms, implied,
                                                         self._phr_text, strict=True)]
        self._post_imp = _postings(implied, n_terms, self._term_ids)
        # The articles' topic words ("frozen shoulder", "adhesive capsulitis") say which
        # article, not which of its entries: in the phrasings they weigh `topic_share` (see
        # _scores).
        topical = set().union(*self._topics.values())
        self._topic_factor = np.array([w.topic_share if t in topical else 1.0 for t in vocab])
        slugs = {a.slug: i for i, a in enumerate(self.knowledge.articles)}
        self._phr_article = np.array([slugs.get(entries[e].article or "", len(slugs))
                                      for e in phrasing_entry], dtype=np.int64)
        # Each entry's article (its index; len(slugs) for none), to rank within some.
        self._ent_article = np.array([slugs.get(e.article or "", len(slugs)) for e in entries],
                                     dtype=np.int64)
        self._phr_weight_topic = np.array([sum(self._idf[self._term_ids[t]] *
                                               self._topic_factor[self._term_ids[t]]
                                               for t in ts) for ts in in_phrasing])
        # Which articles use each term (phrasings, answers, topic): a term only one article
        # uses points to that article ("heel", "sling").
        self._term_articles: dict[str, frozenset[str]] = {}
        by_term: dict[str, set[str]] = {}
        uses: dict[tuple[str, str], int] = {}
        for e_idx, entry in enumerate(entries):
            if entry.article:
                for t in entry_phr_terms[e_idx] | answer_terms[e_idx]:
                    by_term.setdefault(t, set()).add(entry.article)
                    uses[t, entry.article] = uses.get((t, entry.article), 0) + 1
        self._term_articles = {t: frozenset(a) for t, a in by_term.items()}
        # A word points to the articles that make it their own, in more than one entry each
        # ("heel": plantar fasciitis; "shoulder": the two shoulder articles), if they are at
        # most half of them: a word one article happens to use once ("expect") points
        # nowhere, nor does a word most articles use ("pain").
        n_articles = len(self.knowledge.articles)
        self._naming: dict[str, frozenset[str]] = {}
        for t, owners in self._term_articles.items():
            own = frozenset(a for a in owners if uses[t, a] >= 2)
            if own and len(own) <= max(1, n_articles // 2):
                self._naming[t] = own
        self._phr_words = phrasing_words
        # Compared with every message: each distinct text once (without or with its topic).
        self._fuzzy_plain = _Distinct(self._phr_text)
        self._fuzzy_both = _Distinct(self._phr_text + self._phr_topic_text)
        self._fuzzy_words = _Distinct(self._phr_words)
        # The phrasings a message may repeat (not its kind's ways of asking), each distinct
        # text once, with its first phrasing: what `verbatim` searches.
        first = dict.fromkeys(text for k, text in enumerate(phrasing_words) if not asked[k])
        for k, text in enumerate(phrasing_words):
            if not asked[k] and first[text] is None:
                first[text] = k
        self._said_texts, self._said_phrasing = list(first), list(first.values())
        # ...by length: a text too much shorter or longer than a message can't be close to it.
        by_length = sorted(range(len(first)), key=lambda k: len(self._said_texts[k]))
        self._said_by_length = np.array(by_length, dtype=np.int64)
        self._said_sorted = [self._said_texts[k] for k in by_length]
        self._said_lengths = [len(text) for text in self._said_sorted]
        self._entry_terms = [p | a for p, a in zip(entry_phr_terms, answer_terms, strict=True)]
        # The terms of each kind's entries, built here: a memo filled on first use would be
        # state that asking leaves on a matcher every thread shares.
        kinds: dict[str, set[str]] = {}
        for entry, terms in zip(entries, self._entry_terms, strict=True):
            kinds.setdefault(entry.kind, set()).update(terms)
        self._kind_terms = {kind: frozenset(terms) for kind, terms in kinds.items()}
        self._entry_index = {e.id: i for i, e in enumerate(entries)}
        self._twins = self._find_twins(answer_terms)
        # A section's heading is a title ("Physical Therapy"), not a question: what it answers
        # is in its text. Without alternates (a fresh import), its text is its best phrasing.
        self._answer_weight = np.array([
            w.section_answer if e.kind == "section" and not e.text(self.lang.code).alternates
            else w.answer_discount for e in entries])
        self._post_phr = _postings(in_phrasing, n_terms, self._term_ids)
        self._post_ent = _postings(entry_phr_terms, n_terms, self._term_ids)
        self._post_ans = _postings([a - p for a, p in zip(answer_terms, entry_phr_terms,
                                                          strict=True)],
                                   n_terms, self._term_ids)

    def _intro_heading(self, entry: Entry) -> str | None:
        """The heading an article's opening section is asked by: its title without the plan
        after it ("Tennis Elbow (Lateral Epicondylitis): Causes, Symptoms and Treatment" ->
        "Tennis Elbow (Lateral Epicondylitis)", "Karpal Tünel Sendromu Nedir? Belirtileri ve
        Tedavi Yöntemleri" -> "Karpal Tünel Sendromu Nedir?"); None for any other entry.

        The plan names the sections that follow, not what the opening text answers: asked by
        the whole title, the intro won "karpal tünel tedavisi" over the treatment sections.
        Its text still covers what it says (an overview question is answered from it).
        """
        if entry.kind != "section" or not entry.article or not entry.has(self.lang.code):
            return None
        own = entry.text(self.lang.code)
        title = self._titles.get(entry.article)
        if title is None or own.alternates or fold(own.question) != fold(title):
            return None
        head, *plan = re.split(r"(?<=\?)\s+|\s*:\s+|\s[-–—|]\s", title.strip(), maxsplit=1)
        return head if plan and head else None

    def _build_kinds(self) -> None:
        """Each kind of section as the terms of the headings that name it."""
        terms = lambda text: frozenset(self._terms(self.lang.words(text)))  # noqa: E731
        self._kind_filler = frozenset().union(*map(terms, self.lang.kind_filler))
        self._kinds = [(kind, [h for h in map(terms, headings) if h],
                        frozenset().union(*map(terms, headings)), asks)
                       for kind, headings, asks in self.lang.kinds]

    def _kind_asks(self, heading: str, topic: frozenset[str]) -> tuple[str, ...]:
        """The ways patients ask for a section of a heading's kind (none if it has no kind).

        A heading is of a kind when it holds one of the kind's headings and no other word but
        the article's topic and filler ("Symptoms of Tennis Elbow"; not "Why does the pain get
        worse at night?"); a heading of the topic alone ("What is Tennis Elbow?") defines it.
        """
        terms = set(self._terms(self.lang.words(heading))) - topic - self._kind_filler
        for kind, headings, words, asks in self._kinds:
            if (not terms and kind == "definition") or (
                    terms and terms <= words and any(h <= terms for h in headings)):
                return asks
        return ()

    def _stemmed(self, text: str) -> str:
        """A normalised text as its words' stems, padded with spaces (for phrase lookups)."""
        return " " + " ".join(map(self.lang.stem, text.split())) + " "

    def _find_twins(self, answer_terms: list[set[str]]) -> np.ndarray:
        """Pairs of an article's FAQ and the section that answers the same thing: most of the
        FAQ's answer (by weight, its topic aside) is in the section's text, as an article's FAQ
        sums up its sections ("What is hydrodilatation?" and "Hydrodilatation (Joint
        Distension)"). A pair ranks as one candidate."""
        entries, pairs = self.knowledge.entries, []
        weight = lambda ts: sum(self._idf[self._term_ids[t]] for t in ts)  # noqa: E731
        for article in self.knowledge.articles:
            # Alternates already say what each of a pair answers: only entries without any
            # (a fresh import) are paired.
            own = [i for i, e in enumerate(entries) if e.article == article.slug
                   and e.has(self.lang.code) and not e.text(self.lang.code).alternates]
            sections = [i for i in own if entries[i].kind == "section"]
            topic = self._topics.get(article.slug, frozenset())
            for f in (i for i in own if entries[i].kind == "faq"):
                terms = answer_terms[f] - topic
                total = weight(terms)
                if not sections or total <= 0:
                    continue
                share, best = max((weight(terms & answer_terms[s]) / total, s) for s in sections)
                if share >= self.weights.twin_share:
                    pairs.append((f, best))
        return np.array(pairs, dtype=np.int64).reshape(-1, 2)

    # -- ranking ----------------------------------------------------------------------------

    def rank(self, message: str | Analysis, *, limit: int | None = None,
             articles: frozenset[str] | None = None) -> list[Candidate]:
        """Score every entry for a message; return candidates best first (`articles`: only
        the entries of these articles and of none)."""
        analysis = message if isinstance(message, Analysis) else self.analyse(message)
        if analysis.total_weight <= 0:
            return []
        key = (self, "scores")
        if key not in analysis.memo:  # the dialogue ranks a message more than once
            score, *signals = self._scores(analysis)
            # Weights summed in a set's order differ in the last bits from process to process
            # (string hashing is seeded per process): two entries, or two sentences of a
            # message, that score alike must tie in every worker, not win by 1e-16 in one
            # and lose in another.
            score = np.round(score, 9)
            analysis.memo[key] = (np.argsort(-score, kind="stable"), score, *signals)
        order, *signals = analysis.memo[key]
        entries = self.knowledge.entries
        if articles is not None:
            slugs = [a.slug for a in self.knowledge.articles]
            keep = np.array([i == len(slugs) or slugs[i] in articles
                             for i in range(len(slugs) + 1)])
            order = order[keep[self._ent_article[order]]]
        order = order[: limit or len(entries)]
        # The signals of the entries kept, as Python values at once (numpy scalars are slow
        # to convert one by one).
        return [Candidate(entry=entries[i], score=score, dice=dice, coverage=coverage,
                          fuzzy=fuzzy, anchored=anchored, asked=asked)
                for i, score, dice, coverage, fuzzy, anchored, asked in zip(
                    order.tolist(), *(signal[order].tolist() for signal in signals),
                    strict=True)]

    def _scores(self, analysis: Analysis) -> tuple[np.ndarray, ...]:
        """Each entry's score for a message, and its parts: dice, coverage, fuzzy, anchored,
        and the Dice of its kind's phrasings."""
        n_entries, n_phr = len(self.knowledge.entries), len(self._phr_entry)
        total = analysis.total_weight
        ids = [self._term_ids[t] for t in analysis.weights if t in self._term_ids]
        qw = np.array([analysis.weights[t] for t in analysis.weights if t in self._term_ids])

        # Each posting list is gathered once for the message's terms, then summed with
        # each weighting it needs (the same sums, in the same order, as one at a time).
        phr, imp = _gather(self._post_phr, ids), _gather(self._post_imp, ids)
        idf = self._idf[ids]
        # An implied topic term the message names counts as part of the phrasing.
        implied = _accumulate(imp, idf, n_phr)
        inter = _accumulate(phr, qw, n_phr) + _accumulate(imp, qw, n_phr)
        # Dice for an entry asked several ways; for one asked one way only, recall (how much
        # of the message the phrasing explains) weighs `bare_recall` times its precision: its
        # one phrasing's own extra words ("Can my dog/cat/pet/animal get COVID-19?") are the
        # writer's, not what a visitor must say.
        b2 = self._phr_recall
        dice = (1 + b2) * inter / (self._phr_weight + implied + b2 * total)
        # An article's topic words are in all its entries: they choose the article (coverage,
        # articles_named), and weigh `topic_share` in choosing among its entries, so "stages
        # of adhesive capsulitis" reads as "stages", not as the heading that holds the name.
        factor = self._topic_factor[ids]
        if (factor < 1.0).any():
            qd = qw * factor
            fair = (1 + b2) * (_accumulate(phr, qd, n_phr) + _accumulate(imp, qd, n_phr)) / (
                self._phr_weight_topic + _accumulate(imp, idf * factor, n_phr)
                + b2 * (total - (qw - qd).sum()))
            # How well each article answers is unchanged: its best phrasing keeps its Dice
            # (the entries of no article keep theirs), the others follow in the fair order.
            n_art = len(self.knowledge.articles)
            best, best_fair = np.zeros(n_art + 1), np.zeros(n_art + 1)
            np.maximum.at(best, self._phr_article, dice)
            np.maximum.at(best_fair, self._phr_article, fair)
            scale = np.divide(best, best_fair, out=np.ones_like(best), where=best_fair > 0)
            dice = np.where(self._phr_article < n_art,
                            np.minimum(fair * scale[self._phr_article], 1.0), dice)
        dice *= self._phr_share
        dice_e = np.maximum.reduceat(dice, self._entry_starts)
        asked_e = np.maximum.reduceat(np.where(self._asked, dice, 0.0), self._entry_starts)

        covered = _accumulate(_gather(self._post_ent, ids), qw, n_entries)
        covered += self._answer_weight * _accumulate(_gather(self._post_ans, ids), qw, n_entries)
        coverage = np.minimum(covered / total, 1.0)

        query_text = " ".join(analysis.terms)
        if self._topics and any(t in topic for t in analysis.weights
                                for topic in self._topics.values()):
            both = self._fuzzy_both.ratio(query_text, np.float32) / 100.0
            fuzzy = np.maximum(both[:n_phr], both[n_phr:])
        else:
            fuzzy = self._fuzzy_plain.ratio(query_text, np.float32) / 100.0
        fuzzy_e = np.maximum.reduceat(fuzzy * self._phr_share, self._entry_starts)

        # An entry is anchored if a phrasing or its answer holds an anchor of the message.
        anchored = np.zeros(n_entries, dtype=bool)
        for postings in (self._post_ent, self._post_ans):
            for t in analysis.anchors:
                anchored[postings[self._term_ids[t]]] = True

        w = self.weights
        own = w.dice * dice_e + w.coverage * coverage + w.fuzzy * fuzzy_e
        if len(self._twins):
            # A FAQ and its section twin rank as one: each signal is the better of the two,
            # so the pair does not split its vote and let a third entry win; the one that
            # reads more like the message comes first.
            a, b = self._twins[:, 0], self._twins[:, 1]
            for signal in (dice_e, coverage, fuzzy_e, asked_e):
                best = np.maximum(signal[a], signal[b])
                np.maximum.at(signal, a, best)
                np.maximum.at(signal, b, best)
        score = w.dice * dice_e + w.coverage * coverage + w.fuzzy * fuzzy_e + 1e-6 * own
        return score, dice_e, coverage, fuzzy_e, anchored, asked_e


    def articles_named(self, analysis: Analysis, *, shared: bool = False) -> frozenset[str]:
        """The articles a message names with words only one article makes its own ("heel":
        plantar fasciitis); none for "what are the symptoms?". `shared`: also the articles
        a word shares ("shoulder": every shoulder article)."""
        # An article's topic named in full ("frozen shoulder", "adhesive capsulitis") names
        # it, though another article mentions it once ("Can it turn into a frozen shoulder?").
        said = {slug: frozenset().union(*found) for slug, names in self._topic_names.items()
                if (found := [n for n in names if n and n <= analysis.weights.keys()])}
        # A topic inside another one named ("knee pain" in "knee pain in runners") is not
        # named on its own.
        named = {a for a in said if not any(said[a] < said[b] for b in said)}
        for t in analysis.anchors:
            if self._term_zipf.get(t, 0.0) >= self.weights.anchor_zipf:
                continue  # a common word, anchor by its synonym group ("works": effect)
            owners = self._naming.get(t, frozenset())
            # One article's own word that another uses once ("kendiliğinden") names neither.
            if owners and (len(self._term_articles[t]) == 1 or shared and len(owners) > 1):
                named |= owners
        return frozenset(named)

    def out_of_scope(self, analysis: Analysis, article: str | None) -> tuple[str, ...]:
        """The out-of-scope requests of a message about an article: what no entry covers,
        and what only other articles do."""
        beside = self._cues_beside.get(article or "")
        if not beside or "joined" not in analysis.memo:
            return analysis.out_of_scope
        key = ("out_of_scope", article)
        if key not in analysis.memo:
            found = _found(beside, analysis.memo["joined"], analysis.memo["said"])
            analysis.memo[key] = analysis.out_of_scope + tuple(
                c for c in found if c not in analysis.out_of_scope)
        return analysis.memo[key]

    def is_vague(self, word: str) -> bool:
        """Whether a folded word alone says too little to answer ("bone", "pain", "kemigim")."""
        return word in self._vague or self.lang.stem(word) in self._vague_stems

    def words_known(self) -> frozenset[str]:
        """Every word of the indexed texts and the vocabulary (folded)."""
        return frozenset(self._domain_words)

    def knows(self, term: str) -> int:
        """How many entries use a term (phrasings, answers or their article's topic)."""
        i = self._term_ids.get(term)
        return 0 if i is None else int(self._df[i])

    def topic_terms(self) -> frozenset[str]:
        """The terms of the articles' topics ("tennis", "elbow", "plantar"...)."""
        return frozenset().union(*self._topics.values()) if self._topics else frozenset()

    def terms_of_text(self, text: str) -> list[str]:
        """The terms of a text as the index reads it (no typo correction)."""
        return self._terms(self.lang.words(text))

    def terms_of(self, entry: Entry) -> set[str]:
        """The terms of an entry's phrasings and answer."""
        return self._entry_terms[self._entry_index[entry.id]]

    def terms_of_kind(self, kind: str) -> frozenset[str]:
        """The terms of every entry of a kind ("clinic": the hours and the contact)."""
        return self._kind_terms.get(kind, frozenset())

    def foreign(self, analysis: Analysis) -> list[str]:
        """Content terms of the message that the knowledge base never uses (adverbs aside:
        "walk normally" is no other topic)."""
        adverbs = {self.lang.stem(w) for w in analysis.words
                   if w.endswith(self.lang.adverb_suffixes or ("\0",))}
        return [t for t in analysis.weights if t not in self._own_terms and t not in adverbs
                and t not in self.lang.courtesy and not t.isdigit()]

    def closest_phrasing(self, analysis: Analysis) -> tuple[Entry | None, float]:
        """Return the entry whose question or alternate reads most like the message, and how
        alike they are (0..1), comparing whole word strings, function words included."""
        if not self._phr_words or not analysis.words:
            return None, 0.0
        if "closest" not in analysis.memo:  # the dialogue asks several times per message
            sims = np.where(self._asked, 0.0, self._fuzzy_words.ratio(" ".join(analysis.words)))
            best = int(np.argmax(sims))
            analysis.memo["closest"] = (self.knowledge.entries[self._phr_entry[best]],
                                        float(sims[best]) / 100.0)
        return analysis.memo["closest"]

    def verbatim(self, analysis: Analysis, at_least: float) -> tuple[Entry | None, float]:
        """`closest_phrasing` when its similarity is at least `at_least`, else (None, 0.0).

        Only the phrasings whose length lets them reach `at_least` are compared: fuzz.ratio
        is 200 * LCS / (a + b), at most 200 * min(a, b) / (a + b). That is all the dialogue
        needs to know but where it weighs languages against each other.
        """
        if "closest" in analysis.memo:
            closest, similarity = analysis.memo["closest"]
            return (closest, similarity) if similarity >= at_least else (None, 0.0)
        key = ("verbatim", at_least)
        if key not in analysis.memo:  # found whole, then stored: threads share an analysis
            found: tuple[Entry | None, float] = (None, 0.0)
            if self._said_texts and analysis.words:
                text = " ".join(analysis.words)
                cutoff = 100.0 * at_least - 1e-6     # a hair under: never drops one that fits
                lo = bisect.bisect_left(self._said_lengths, cutoff * len(text) / (200.0 - cutoff)
                                        - 1e-6)
                hi = bisect.bisect_right(self._said_lengths, len(text) * (200.0 - cutoff) / cutoff
                                         + 1e-6) if cutoff > 0 else len(self._said_lengths)
                if lo < hi:
                    sims = process.cdist([text], self._said_sorted[lo:hi], scorer=fuzz.ratio,
                                         processor=None, workers=1)[0]
                    top = sims.max()
                    similarity = float(top) / 100.0
                    if similarity >= at_least:
                        # The first best in the phrasings' order, as closest_phrasing's argmax.
                        k = int(self._said_by_length[lo:hi][sims == top].min())
                        found = (self.knowledge.entries[
                            self._phr_entry[self._said_phrasing[k]]], similarity)
            analysis.memo[key] = found
        return analysis.memo[key]


def _cue_patterns(table: dict[str, tuple[str, ...]], lang: Language, *,
                  by_stem: bool = True) -> dict[str, tuple[re.Pattern, frozenset[str] | None]]:
    """Compile each category's phrases into one whole-word pattern over normalised text.

    A "*" in a phrase stands for up to four words ("bende * olabilir mi": a verb-final
    language puts the topic between the cue's words).
    """
    patterns = {}
    gap = re.escape(" * ")
    for category, phrases in table.items():
        if not phrases:
            continue
        forms = {" * ".join(lang.normalise(part) for part in p.split("*")) for p in phrases}
        if by_stem and lang.cues_by_stem:  # "takviye" finds "takviyesi" (stem "takviy")...
            # ...but a short stem would find unrelated words ("yüzde" -> "yuz", "yüz" = face);
            # in a phrase the other words keep it specific ("kortizon iğnesini")
            forms |= {stemmed for f in forms
                      if min(map(len, (stemmed := " ".join(lang.stem(w) for w in f.split()))
                                 .split())) >= (5 if " " not in f else 4)}
        alternation = "|".join(sorted((re.escape(f).replace(gap, r" (?:[a-z0-9]+ ){0,4}")
                                       for f in forms if f), key=len, reverse=True))
        # A phrase matches only where each of its words stands whole in the text: its rarest
        # word being absent rules it out without running the (long) alternation.
        keys = [min((w for w in f.split() if w != "*"), key=lambda w: lang.common.get(w, 0.0),
                    default=None) for f in forms if f]
        patterns[category] = (compile_quick(rf"\b(?:{alternation})\b"),
                              None if None in keys else frozenset(keys))
    return patterns


class _OwnCase:
    """Whether a message asks for a judgement of the visitor's own case (cues.json "own_case").

    Three things together: a frame that asks for a verdict ("is it {condition}", "should i *
    {intervention}", "bende * var mı", "{condition} mi sizce"), asked about the visitor's own
    body or records (a first-person word and a body or symptom word: "my knee", "I've started
    limping"; a body word with a first-person ending: "dizim", "kalçamda"; or a request for the
    bot's opinion: "sizce", "for me"); or a measurement from their own report ("15mm", "grade
    2") with "is that a lot?"; a dose of a medicine needs no more than its frame ("how often
    should I take ibuprofen"). A general question ("can bone marrow edema cause knee pain?",
    "do I need crutches?") has no such frame, or no own case.
    """

    def __init__(self, lang: Language, topics: list[str]):
        data = lang.own_case
        norm = lambda ws: sorted({lang.normalise(w) for w in ws} - {""}, key=len,  # noqa: E731
                                 reverse=True)
        alt = lambda ws: "|".join(re.escape(w) for w in norm(ws))  # noqa: E731
        words_of = lambda key, end=r"\b": compile_quick(  # noqa: E731
            rf"\b(?:{alt(data[key])}){end}") if data.get(key) else None
        self._self = words_of("self")
        self._opinion = words_of("opinion")
        body = norm(data.get("body", []))
        self._body = words_of("body", end="")  # "knees", "ağrıyor": any ending
        # A body word with a first-person ending ("dizim", "kalçamda", "ayağımın").
        endings = alt(data.get("possessive", []))
        self._possessive = compile_quick(rf"\b(?:{alt(body)})(?:{endings})[a-z]{{0,4}}\b") \
            if endings else None
        self._person = tuple(lang.normalise(e) for e in data.get("first_person_endings", []))
        # The topics and their last words ("edema", "ödemi") name a condition, as do the
        # generic words ("this condition", "hastalık"); stems too, for inflected forms.
        conditions = [*data.get("conditions", []), *topics,
                      *(lang.words(t)[-1] for t in topics if lang.words(t))]
        slots = {"condition": conditions, "intervention": data.get("interventions", []),
                 "medicine": data.get("medicines", []), "record": data.get("records", [])}
        slots = {k: norm([*v, *(lang.stem(w) for w in norm(v) if " " not in w)])
                 for k, v in slots.items()}
        gaps = {"*": r" (?:[a-z0-9]+ ){0,4}", "+": r" (?:[a-z0-9]+ ){1,4}"}
        ending = "[a-z]{0,6}" if lang.cues_by_stem else ""  # "ilacı", "ödemim"

        def frame(pattern: str) -> tuple[str, ...]:
            """A frame as regex pieces: "{slot}" for any of the slot's words, "*" for a gap of
            up to four words, "+" for one to four ("is my + {condition}": not "is my edema"),
            "-sam" for a word with that ending."""
            out, after_gap = [], True
            for token in pattern.split():
                if token in gaps:
                    out, after_gap = [*out, gaps[token]], True
                    continue
                if token.startswith("{") and token.strip("{}") in slots:
                    piece = f"(?:{'|'.join(map(re.escape, slots[token.strip('{}')]))}){ending}"
                elif token.startswith("-") and len(token) > 1:
                    # A word with this ending: "-sam olur mu" (başlasam, dönsem: would it be
                    # all right if I...), the first person asking leave for itself.
                    piece = rf"[a-z]+{re.escape(lang.normalise(token[1:]))}"
                else:
                    piece = re.escape(lang.normalise(token))
                out, after_gap = [*out, piece if after_gap else " " + piece], False
            return tuple(out)

        self._standalone = frozenset(data.get("without_own_case", []))
        # Each with the strings one of which its every match holds (patterns.needles).
        self._frames = {kind: (compile_quick(pattern), needles(pattern))
                        for kind, phrases in data.get("frames", {}).items() if phrases
                        for pattern in [rf"\b{_trie([frame(p) for p in phrases])}\b"]}
        units, grades = alt(data.get("units", [])), alt(data.get("grades", []))
        self._measure = compile_quick(rf"\b(?:\d+(?:[.,]\d+)? ?(?:{units})|(?:{grades}) ?\d+)\b") \
            if units and grades else None
        self._record = compile_quick(rf"\b(?:{alt(slots['record'])})") if slots["record"] else None

    def own(self, words: list[str], text: str) -> bool:
        """Whether the message speaks of the visitor's own body, symptoms or records."""
        if self._opinion and self._opinion.search(text):
            return True
        first = bool(self._self and self._self.search(text)) or \
            any(w.endswith(self._person) and len(w) > 6 for w in words)
        if first and self._body and self._body.search(text):
            return True
        return bool(self._possessive and self._possessive.search(text))

    def kinds(self, words: list[str], joined: str) -> tuple[str, ...]:
        """The kinds of judgement of their own case the message asks for (none: general)."""
        found = [kind for kind, (pattern, strings) in self._frames.items()
                 if (strings is None or any(s in joined for s in strings))
                 and pattern.search(joined)]
        if not found:
            return ()
        typed = " ".join(words)
        out = []
        for kind in found:
            if kind == "report":  # their own numbers: a measurement from a report or scan
                if self._measure and self._measure.search(typed) and self._record and \
                        self._record.search(joined):
                    out.append(kind)
            elif kind in self._standalone or self.own(words, typed):
                out.append(kind)
        return tuple(out)


def _trie(sequences: list[tuple[str, ...]]) -> str:
    """One regex for several sequences of regex pieces, those that begin alike sharing their
    beginning: "{condition} mi sizce|{condition} mi acaba|..." tries the (long) condition
    alternation once at each position, not once per frame. Whether a text matches is as
    with the plain alternation (order decides only which match is found)."""
    groups: dict[str, list[tuple[str, ...]]] = {}
    for sequence in sequences:
        if sequence:
            groups.setdefault(sequence[0], []).append(sequence[1:])
    branches = []
    for first, rests in groups.items():
        optional = any(not rest for rest in rests)
        rest = _trie(rests) if any(rests) else ""
        branches.append(first + (f"{rest}?" if optional and rest else rest))
    return "(?:" + "|".join(branches) + ")" if branches else ""


def _found(patterns: dict[str, tuple[re.Pattern, frozenset[str] | None]],
           text: str, words: frozenset[str]) -> tuple[str, ...]:
    """The categories whose pattern is in a text; `words`: the text's words (or more)."""
    return tuple(c for c, (pattern, keys) in patterns.items()
                 if (keys is None or not keys.isdisjoint(words)) and pattern.search(text))


class _Distinct:
    """Texts compared as their distinct members: phrasings repeat ("what causes it?" in each
    article), and so do a phrasing with and without its article's topic."""

    def __init__(self, texts: list[str]):
        distinct = {t: i for i, t in enumerate(dict.fromkeys(texts))}
        self.texts = list(distinct)
        self.index = np.array([distinct[t] for t in texts], dtype=np.int64)

    def ratio(self, query: str, dtype=None) -> np.ndarray:
        """fuzz.ratio of the query against every text, in the texts' order."""
        return process.cdist([query], self.texts, scorer=fuzz.ratio, processor=None,
                             dtype=dtype, workers=1)[0][self.index]


class _Spellings:
    """Words a typo may stand for, searched by fuzz.ratio as process.extract would, less the
    words that share too few letters with the typo to reach the cutoff.

    fuzz.ratio is 200 * LCS / (len(a) + len(b)), and the longest common subsequence holds no
    more of a letter than either word has: the letters in common bound the ratio from above.
    Counting them for every word at once (numpy) is a fraction of scoring every word, and
    leaves a few words to score; results, their order and ties are process.extract's.
    """

    def __init__(self, words: list[str]):
        self.words = words
        letters = sorted({c for w in words for c in w})
        self.column = {c: i for i, c in enumerate(letters)}
        self.counts = np.zeros((len(words), len(letters)), dtype=np.int16)
        for i, w in enumerate(words):
            for c in w:
                self.counts[i, self.column[c]] += 1
        self.lengths = np.array([len(w) for w in words], dtype=np.float64)

    def extract(self, word: str, cutoff: float, *, limit: int) -> list[tuple[str, float, int]]:
        """The (word, score, index) tuples of process.extract(word, words, scorer=fuzz.ratio,
        processor=None, score_cutoff=cutoff, limit=limit): the same words and scores in the
        same order, but each index counts among the words left to score, not all of them."""
        mine: dict[int, int] = {}
        for c in word:
            if c in self.column:
                mine[self.column[c]] = mine.get(self.column[c], 0) + 1
        if not mine:
            return []
        columns = list(mine)
        shared = np.minimum(self.counts[:, columns], np.array([mine[c] for c in columns],
                                                              dtype=np.int16)).sum(axis=1)
        # A hair under the cutoff: the bound must never drop a word rapidfuzz would keep.
        bound = 200.0 * shared / (self.lengths + len(word))
        near = [self.words[i] for i in np.flatnonzero(bound >= cutoff - 1e-6)]
        return process.extract(word, near, scorer=fuzz.ratio, processor=None,
                               score_cutoff=cutoff, limit=limit)


def _postings(term_sets: list[set[str]], n_terms: int, term_ids: dict[str, int]) -> list:
    """Invert per-document term sets into one index array per term."""
    lists: list[list[int]] = [[] for _ in range(n_terms)]
    for doc, terms in enumerate(term_sets):
        for t in terms:
            lists[term_ids[t]].append(doc)
    return [np.asarray(docs, dtype=np.int64) for docs in lists]


def _gather(postings: list, ids: list[int]) -> tuple[np.ndarray, list[int]] | None:
    """The documents of these terms' postings, one after another, and how many per term."""
    if not ids:
        return None
    docs = [postings[i] for i in ids]
    return np.concatenate(docs), [len(d) for d in docs]


def _accumulate(gathered: tuple[np.ndarray, list[int]] | None, weights: np.ndarray,
                size: int) -> np.ndarray:
    """Sum each query term's weight into every document that contains it (`_gather`)."""
    if gathered is None:
        return np.zeros(size)
    docs, counts = gathered
    counts = np.bincount(docs, weights=np.repeat(weights, counts), minlength=size)
    return counts.astype(np.float64, copy=False)  # an empty bincount comes back as integers
