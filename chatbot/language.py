"""Languages as data: each one's normalisation hooks for text.py, its texts, and detection.

Everything that differs between languages lives in `chatbot/data/<code>/`:

    language.json      stopwords, courtesy and question words, stemmer, apostrophe rule,
                       chat spellings ("yapıyo" -> "yapıyor"), question particles...
    replies.json       the bot's own texts (fallback, declines, "did you mean", notice...)
    common_words.tsv   general word frequencies (Zipf, from wordfreq), folded
    stem_zipf.tsv      the same summed by stem, where `zipf_by_stem` (computed from the two
                       files above; a fingerprint line says which rules and words it is from)
    synonyms.json      general lay-medical synonyms, for any clinic ("iğne" = "enjeksiyon");
                       a clinic's own vocabulary adds to them and wins where they differ
    cues.json          what visitors ask for, for any clinic: vague words, out-of-scope
                       requests (prices, other conditions...), personal diagnosis or dose
    domain.json        medical vocabulary: words that carry a topic (topicality.py)
    kinds.json         kinds of article sections (symptoms, causes, recovery...): the heading
                       words that name each and the ways patients ask for it

Adding a language is adding such a folder (and the clinic's texts and vocabulary in it).
`detect` tells which of a knowledge file's languages a message is written in.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from . import text

DATA = Path(__file__).resolve().parent / "data"


@cache
def available() -> frozenset[str]:
    """Codes of the languages the package has data for."""
    return frozenset(p.parent.name for p in DATA.glob("*/language.json"))


@dataclass(frozen=True, eq=False)
class Language:
    """One language's normalisation rules, word lists and reply texts (chatbot/data/<code>/)."""

    code: str
    name: str
    stopwords: frozenset[str] = frozenset()
    courtesy: frozenset[str] = frozenset()
    interrogatives: frozenset[str] = frozenset()
    also: tuple[str, ...] = ()              # words joining two questions in one message
    adverb_suffixes: tuple[str, ...] = ()   # "normally": how, not another topic
    apostrophe: str = "join"                # "join": don't -> dont; "cut": MR'da -> mr
    spelling: str | None = None             # "american": oedema -> edema
    stemmer: str = "none"                   # snowball:<name> | suffixes | prefix:<n> | none
    stem_min_length: int = 4                # shorter words are left as they are
    stem_exceptions: dict[str, str] = field(default_factory=dict)
    # Words the suffix rules would cut into another word ("belirti", symptom, into "bel",
    # the lower back): a word that begins with one (any ending) stems to it.
    stem_keep: tuple[str, ...] = ()
    suffixes: tuple[tuple[str, str, int], ...] = ()  # "suffixes" stemmer: (suffix, after, min)
    stem_rounds: int = 3
    stem_min_stem: int = 3
    softening: dict[str, str] = field(default_factory=dict)  # final letter of a bare stem
    buffers: str = ""                       # letters joining a vowel stem to a suffix ("y")
    known_zipf: float = 3.0                 # a stem this frequent is a real word (stemming)
    # ...and so is a stem that this many different letters follow in the common words
    # (successor variety: "iyileş" goes on as iyileşir, iyileşti, iyileşme, iyileşecek...;
    # "tedav" only as tedavi), so every form of a verb meets the same stem. 0: off.
    successors: int = 0
    letters: str = ""                       # letters only this language uses (detection)
    # An agglutinative language spreads a word's frequency over many forms ("ağrı", "ağrım",
    # "ağrısı"...): weigh a word by its whole family, the forms sharing its stem.
    zipf_by_stem: bool = False
    cues_by_stem: bool = False              # a cue matches the inflected word too
    # The score an entry with no alternates needs to answer (None: the dialogue's policy):
    # its one phrasing meets an inflected language's word forms less often (Turkish: 0.30).
    bare_answer_threshold: float | None = None
    # Chat spellings, whole words ("bi" -> "bir", "napcam" -> "ne yapacağım") and word endings
    # ("yapıyo" -> "yapıyor"): applied to every text, so only where the written form is no word.
    respell: dict[str, str] = field(default_factory=dict)
    respell_endings: tuple[tuple[str, str, int], ...] = ()   # (ending, replacement, min stem)
    particles: tuple[str, ...] = ()         # question particles typed onto a word: "gecermi"
    synonyms: tuple[tuple[str, ...], ...] = ()   # general lay synonyms (synonyms.json)
    # kinds.json: kinds of article sections (symptoms, causes...), each the heading words
    # that name it and the ways patients ask for it; and words that name no kind
    kinds: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()
    kind_filler: tuple[str, ...] = ()
    lower_case: dict[int, str] = field(default_factory=dict)  # "I" -> "ı" before lower()
    # cues.json: general vague words and cues; a clinic's vocabulary adds its own
    vague: frozenset[str] = frozenset()
    out_of_scope: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    personal_advice: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    not_personal: tuple[str, ...] = ()      # look like a personal cue, are none ("do i have to")
    # What a judgement about the visitor's own case looks like (cues.json "own_case"): a frame
    # ("is it {condition}", "should i * {intervention}") asked about their own body or records.
    own_case: dict = field(default_factory=dict, repr=False)
    # Conditions a knowledge base may mention beside its topic (a cause, a look-alike): asked
    # about without the topic or a word pointing to it, they are another subject.
    related_conditions: tuple[str, ...] = ()
    topic_pointers: tuple[str, ...] = ()    # "it", "bu": the topic, not named
    # Words that follow a number to give an age ("24 yaşında", "30 years old"): a son or
    # daughter that old is no child.
    age_words: tuple[str, ...] = ()
    # When a visitor asks to come, call or be seen ("tomorrow", "akşam"): a request's
    # circumstances, not its subject (topicality.py).
    times: tuple[str, ...] = ()
    common: dict[str, float] = field(default_factory=dict, repr=False)  # folded word -> Zipf
    # stem -> Zipf of its family; shipped as stem_zipf.tsv (stemming 56,000 words at every
    # start takes seconds), computed here when that file is missing or out of date
    stem_zipf_table: dict[str, float] = field(default_factory=dict, repr=False)
    replies: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        kind, _, arg = self.stemmer.partition(":")
        snowball = text.SharedStemmer(arg) if kind == "snowball" else None
        ordered = tuple(sorted(self.suffixes, key=lambda rule: len(rule[0]), reverse=True))
        # Each word to keep, with its softened form before an ending ("parmak": "parmağı").
        object.__setattr__(self, "_keep", tuple(
            (k, (k, *(k[:-1] + soft for soft, hard in self.softening.items() if hard == k[-1])))
            for k in self.stem_keep))
        object.__setattr__(self, "_stem", lru_cache(maxsize=65536)(
            lambda w: self._stem_word(w, kind, arg, snowball, ordered)))
        # A message is split by detection, the matcher and the dialogue (sentence by
        # sentence) several times per reply: once is enough.
        object.__setattr__(self, "_words", lru_cache(maxsize=1024)(
            lambda m: tuple(self._split(m))))
        # Visitors' words repeat from message to message: each is respelled once.
        object.__setattr__(self, "_respelled", lru_cache(maxsize=65536)(self._respell))
        object.__setattr__(self, "_stems", _varied_prefixes(self.common, self.successors)
                           if self.successors and kind == "suffixes" else frozenset())
        if self.zipf_by_stem and not self.stem_zipf_table:
            object.__setattr__(self, "stem_zipf_table", self.stem_families())

    # The stem memo is a cache, not state: it is rebuilt, never copied or pickled.
    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items()
                if k not in ("_stem", "_words", "_respelled", "_stems")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    def words(self, message: str) -> list[str]:
        """Split a message into folded words with this language's rules (see text.words)."""
        return list(self._words(message))

    def _split(self, message: str) -> list[str]:
        found = text.words(message, apostrophe=self.apostrophe, spelling=self.spelling)
        if not (self.respell or self.respell_endings):
            return found
        return [part for word in found for part in self._respelled(word)]

    def _respell(self, word: str) -> tuple[str, ...]:
        if word in self.respell:
            return tuple(self.respell[word].split())
        for ending, replacement, at_least in self.respell_endings:
            if word.endswith(ending) and len(word) - len(ending) >= at_least:
                # A real word stays unless the chat reading is the commoner one: "oluyo"
                # is "oluyor", "enjeksiyon" no "enjeksiyorsun".
                written = word[: -len(ending)] + replacement
                if self.common.get(written, 0.0) >= self.common.get(word, 0.0) or \
                        self.common.get(word, 0.0) < self.known_zipf:
                    return (written,)
                return (word,)
        return (word,)

    def normalise(self, message: str) -> str:
        """Return the canonical comparison form of a string in this language."""
        return " ".join(self.words(message))

    def stem(self, word: str) -> str:
        """Return the stem of a folded word (inflections and suffixes removed)."""
        return self._stem(word)

    def _stem_word(self, word, kind, arg, snowball, suffixes) -> str:
        if word in self.stem_exceptions:
            return self.stem_exceptions[word]
        for keep, prefixes in self._keep:
            if word.startswith(prefixes):
                return keep
        if word.isdigit() or len(word) < self.stem_min_length:
            return word
        if snowball is not None:
            return snowball.stemWord(word)
        if kind == "prefix":
            return word[: int(arg)]
        if kind == "suffixes":
            return text.strip_suffixes(word, suffixes, rounds=self.stem_rounds,
                                       min_stem=self.stem_min_stem, softening=self.softening,
                                       buffers=self.buffers, known=self._known)
        return word

    def stem_families(self) -> dict[str, float]:
        """Sum the frequencies of the common words by stem: each stem's family Zipf."""
        families: dict[str, float] = {}
        for word, zipf in self.common.items():
            stem = self.stem(word)
            families[stem] = families.get(stem, 0.0) + 10 ** zipf
        return {stem: round(math.log10(total), 2) for stem, total in families.items()}

    def zipf(self, word: str) -> float:
        """How common a folded word is (Zipf), or its stem's family when `zipf_by_stem`."""
        if self.zipf_by_stem:
            return self.stem_zipf_table.get(self.stem(word), 0.0)
        return self.common.get(word, 0.0)

    def stem_zipf(self, stem: str) -> float:
        """How common a stem's family of words is (Zipf; 0 if unknown or not `zipf_by_stem`)."""
        return self.stem_zipf_table.get(stem, 0.0) if self.zipf_by_stem else 0.0

    def _known(self, word: str) -> bool:
        return self.common.get(word, 0.0) >= self.known_zipf or word in self._stems

    def topic_of(self, title: str) -> str:
        """Name an article's topic from its title: the part before a colon, dash, bracket or
        question mark, without the question's words around it ("What is Bone Marrow Edema?" ->
        "bone marrow edema", "Ön Çapraz Bağ Yırtığı Nedir? Belirtileri, Tedavisi..." -> "ön
        çapraz bağ yırtığı")."""
        head = re.split(r"\s*(?::|\?|\s[-–—|]\s|\()", title.strip(), maxsplit=1)[0]
        tokens = re.findall(r"[\w'’]+", head)
        folded = [text.fold(t) for t in tokens]
        while len(tokens) > 1 and folded[0] in self.stopwords:
            tokens, folded = tokens[1:], folded[1:]
        while len(tokens) > 1 and folded[-1] in self.stopwords:
            tokens, folded = tokens[:-1], folded[:-1]
        # Lower case, but an acronym stays one ("ACL Tear" -> "ACL tear").
        shouting = all(t.isupper() for t in tokens)
        return " ".join(t if t.isupper() and len(t) > 1 and not shouting
                        else t.translate(self.lower_case).lower() for t in tokens) or title.strip()

    def text(self, key: str, **values) -> str:
        """Return one of the bot's texts in this language, with {placeholders} filled in."""
        value = self.replies[key]
        return value.format(**values) if values else value


def _varied_prefixes(common: dict[str, float], at_least: int) -> frozenset[str]:
    """Prefixes of the common words that at least `at_least` different letters follow: where
    a word's stem ends and its suffixes begin (Harris's successor variety). Five letters at
    least: shorter prefixes are followed by many letters by chance ("aksa": akşam, aksak...)."""
    following: dict[str, set[str]] = {}
    for word in common:
        for i in range(5, len(word)):
            following.setdefault(word[:i], set()).add(word[i])
    return frozenset(p for p, letters in following.items() if len(letters) >= at_least)


def load(code: str) -> Language:
    """Read a language's data from the package (chatbot/data/<code>/); cached."""
    return _load(code)


@cache
def _load(code: str) -> Language:
    folder = DATA / code
    if code not in available():
        raise ValueError(f"no language data for {code!r} (known: {', '.join(sorted(available()))})")
    spec = json.loads((folder / "language.json").read_text(encoding="utf-8"))
    replies = json.loads((folder / "replies.json").read_text(encoding="utf-8"))
    words_file = folder / "common_words.tsv"
    common = _read_zipf(words_file)
    families_file = folder / STEM_ZIPF
    families = _read_zipf(families_file) \
        if _fingerprint_line(families_file) == f"# fingerprint {stemming_fingerprint(code)}" \
        else {}
    fold_all = lambda key: frozenset(text.fold(w) for w in spec.get(key, []))  # noqa: E731
    synonyms_file = folder / "synonyms.json"
    synonyms = json.loads(synonyms_file.read_text(encoding="utf-8")).get("synonyms", []) \
        if synonyms_file.exists() else []
    kinds_file = folder / "kinds.json"
    kinds = json.loads(kinds_file.read_text(encoding="utf-8")) if kinds_file.exists() else {}
    cues_file = folder / "cues.json"
    cues = json.loads(cues_file.read_text(encoding="utf-8")) if cues_file.exists() else {}
    return Language(
        code=code, name=spec.get("name", code),
        stopwords=fold_all("stopwords"), courtesy=fold_all("courtesy"),
        interrogatives=fold_all("interrogatives"),
        also=tuple(text.fold(w) for w in spec.get("also", [])),
        adverb_suffixes=tuple(spec.get("adverb_suffixes", [])),
        apostrophe=spec.get("apostrophe", "join"), spelling=spec.get("spelling"),
        stemmer=spec.get("stemmer", "none"), stem_min_length=spec.get("stem_min_length", 4),
        stem_exceptions=spec.get("stem_exceptions", {}),
        stem_keep=tuple(text.fold(w) for w in spec.get("stem_keep", [])),
        suffixes=tuple(_suffix_rule(s) for s in spec.get("suffixes", [])),
        stem_rounds=spec.get("stem_rounds", 3), stem_min_stem=spec.get("stem_min_stem", 3),
        softening=spec.get("softening", {}), buffers=spec.get("buffers", ""),
        letters=spec.get("letters", ""),
        zipf_by_stem=spec.get("zipf_by_stem", False), known_zipf=spec.get("known_zipf", 3.0),
        successors=spec.get("successors", 0),
        cues_by_stem=spec.get("cues_by_stem", False),
        bare_answer_threshold=spec.get("bare_answer_threshold"),
        respell={text.fold(k): text.fold(v) for k, v in spec.get("respell", {}).items()},
        respell_endings=tuple((text.fold(e), text.fold(r), int(n))
                              for e, r, n in spec.get("respell_endings", [])),
        particles=tuple(sorted({text.fold(p) for p in spec.get("particles", [])}, key=len,
                               reverse=True)),
        synonyms=tuple(tuple(group) for group in synonyms),
        kinds=tuple((k["kind"], tuple(k["headings"]), tuple(k["asks"]))
                    for k in kinds.get("kinds", [])),
        kind_filler=tuple(kinds.get("filler", [])),
        lower_case=str.maketrans(spec.get("lower_case", {})),
        vague=frozenset(cues.get("vague", [])),
        out_of_scope={k: tuple(v) for k, v in cues.get("out_of_scope", {}).items()},
        personal_advice={k: tuple(v) for k, v in cues.get("personal_advice", {}).items()},
        not_personal=tuple(cues.get("not_personal", [])),
        own_case={k: v for k, v in cues.get("own_case", {}).items() if k != "about"},
        related_conditions=tuple(cues.get("related_conditions", [])),
        topic_pointers=tuple(cues.get("topic_pointers", [])),
        age_words=tuple(cues.get("age_words", [])),
        times=tuple(cues.get("times", [])),
        common=common, stem_zipf_table=families, replies=replies)


STEM_ZIPF = "stem_zipf.tsv"
# What the stem families depend on: the stemming rules and the word list.
_STEMMING_KEYS = ("stemmer", "stem_min_length", "stem_exceptions", "stem_keep", "suffixes",
                  "stem_rounds", "stem_min_stem", "softening", "buffers", "known_zipf",
                  "successors")


def stemming_fingerprint(code: str) -> str:
    """A hash of what a language's stem families are computed from (rules and word list)."""
    folder = DATA / code
    spec = json.loads((folder / "language.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(json.dumps({k: spec.get(k) for k in _STEMMING_KEYS},
                                       sort_keys=True).encode())
    words_file = folder / "common_words.tsv"
    if words_file.exists():
        digest.update(words_file.read_bytes())
    return digest.hexdigest()[:16]


def write_stem_zipf(code: str) -> Path:
    """Compute a language's stem families and write them to its stem_zipf.tsv."""
    lang = _load.__wrapped__(code)
    out = DATA / code / STEM_ZIPF
    out.write_text(f"# fingerprint {stemming_fingerprint(code)}\n"
                   f"# stem\tzipf of its family in common_words.tsv; regenerate with "
                   f"data/build_stem_zipf.py\n"
                   + "".join(f"{stem}\t{zipf:.2f}\n" for stem, zipf in
                             sorted(lang.stem_families().items())), encoding="utf-8")
    return out


def _read_zipf(path: Path) -> dict[str, float]:
    table: dict[str, float] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                word, zipf = line.split("\t")
                table[word] = float(zipf)
    return table


def _fingerprint_line(path: Path) -> str:
    if not path.exists():
        return ""
    with path.open(encoding="utf-8") as f:
        return f.readline().rstrip("\n")


def _suffix_rule(spec: str) -> tuple[str, str, int]:
    """Read "suffix", "suffix/vowel", "suffix/consonant:4" (what the stem ends with, and its
    shortest length)."""
    suffix, _, condition = spec.partition("/")  # "/:3": any ending, at least 3 letters
    after, _, at_least = condition.partition(":")
    return text.fold(suffix), after, int(at_least or 0)


# -- detection -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Detection:
    """Which language a message reads as, and whether that is clear."""

    lang: str
    clear: bool
    scores: dict[str, float]


_LETTER_WORD = re.compile(r"\w+")


def detect(message: str, languages: list[Language], *, extra: dict[str, set[str]] | None = None,
           clear_margin: float = 2.0, evidence=None) -> Detection:
    """Tell which language a message is written in, from the evidence of its words.

    A word votes for the language in which it is most at home: a function word, a frequent
    word (Zipf), a word of the clinic's own texts in that language (`extra`), or a word that
    stems to one; the vote is the margin over the next language, capped. A word written with
    letters only one language uses ("ödem", "ağrı") is a strong vote. ASCII-only Turkish is
    recognised by its words and suffixes ("dizimde agri var mi").
    `evidence`: word_evidence for one raw word, for a caller that remembers it (it always
    passes the same languages and `extra`).
    """
    scores = {lang.code: 0.0 for lang in languages}
    if len(languages) < 2:
        return Detection(languages[0].code, True, scores)
    extra = extra or {}
    for raw in _LETTER_WORD.findall(message):
        for code, amount in evidence(raw) if evidence else \
                word_evidence(raw, languages, extra):
            scores[code] += amount
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    clear = ranked[0][1] - ranked[1][1] >= clear_margin
    return Detection(ranked[0][0], clear, scores)


def word_evidence(raw: str, languages: list[Language],
                  extra: dict[str, set[str]]) -> tuple[tuple[str, float], ...]:
    """What one run of letters of a message says of its language: (language, amount) in the
    order `detect` adds them (its letters, then each of its words' votes)."""
    out = [(lang.code, 3.0) for lang in languages
           if lang.letters and any(ch in lang.letters for ch in raw)]
    for word in text.words(raw):
        code, strength = _vote(word, languages, extra)
        if strength > 0:
            out.append((code, strength))
    return tuple(out)


def _vote(word: str, languages: list[Language], extra: dict[str, set[str]]) -> tuple[str, float]:
    """The language a word votes for, and how strongly (0: no vote)."""
    if word.isdigit() or (extra and all(word in extra.get(lang.code, ()) for lang in languages)):
        return "", 0.0  # "prp", "mr", "talus": the clinic's texts use it in every language
    at_home = {lang.code: _at_home(word, lang, extra.get(lang.code, ())) for lang in languages}
    ranked = sorted(at_home.items(), key=lambda kv: kv[1], reverse=True)
    (best, first), (_, second) = ranked[0], ranked[1]
    return (best, min(first - second, 3.0)) if first > 0 else ("", 0.0)


def _at_home(word: str, lang: Language, own: set[str]) -> float:
    """How much a folded word belongs to a language (0: not at all)."""
    score = lang.common.get(word, 0.0)
    if word in lang.stopwords:
        score = max(score, 5.0) + 2.0
    if word in own:
        score += 1.0
    if score == 0.0 and len(word) > 4:
        stem = lang.stem(word)
        if stem != word and (stem in own or lang.common.get(stem, 0.0) >= 3.0):
            score = 2.5  # an inflected form of a known word: "kemigimdeki"
    return score
