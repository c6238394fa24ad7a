"""Remove personal data from a message before anything is stored or logged.

The design follows Presidio's recogniser registry: one recogniser per kind of personal data,
each with its patterns, the context words that raise or decide it, and a validator (a checksum,
the calendar, a name list). They run in a fixed order, most specific first, on a *view* of the
message in which every digit is ASCII (fullwidth and Arabic-Indic digits too), fullwidth
punctuation is plain and spelled-out numbers ("sıfır beş yüz otuz iki", "five three two") are
digits. Each recogniser masks what it claimed, so later ones never see it, and the claimed
spans are replaced in the original text by readable placeholders: "my knee hurts, call me on
[phone]". Ordinary numbers ("3-6 months", "400 mg", "L4-L5", "112", "09:00-18:00") match no
recogniser and stay.

Language is data: cue words (introductions, titles, street words, number words, months) live
in chatbot/data/redact/<lang>.json, names in chatbot/data/names/<lang>.txt, places in
chatbot/data/redact/places.<country>.txt. A message is checked against every language at once:
visitors mix them, and a cue of one language never hides data in another.

When in doubt, redact: staff need the question, not the person.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# Every placeholder the redactor writes. A placeholder already in the text is left alone, which
# keeps redaction idempotent.
PLACEHOLDERS = ("name", "phone", "email", "address", "iban", "date", "national-id", "id",
                "passport", "plate", "ip", "handle", "url", "card", "work")
PLACEHOLDER = re.compile(r"\[(?:" + "|".join(re.escape(p) for p in PLACEHOLDERS) + r")\]")
# What masked text becomes in the view: not a letter, digit, space or separator, so it joins
# nothing and is matched by nothing.
MASK = "\ufffc"

_FOLD = str.maketrans({"ç": "c", "Ç": "c", "ğ": "g", "Ğ": "g", "ı": "i", "I": "i", "İ": "i",
                       "ö": "o", "Ö": "o", "ş": "s", "Ş": "s", "ü": "u", "Ü": "u", "â": "a",
                       "Â": "a", "î": "i", "Î": "i", "û": "u", "Û": "u", "’": "'", "ʼ": "'",
                       "`": "'", "´": "'"})


_LOWER = str.maketrans({"I": "ı", "İ": "i"})


def _lower(word: str) -> str:
    """Lowercase keeping Turkish letters ("İSMİM" -> "ismim", "YAŞIN" -> "yaşın")."""
    return word.translate(_LOWER).lower() if not word.isascii() else word.lower()


def fold(word: str) -> str:
    """Lowercase without accents, Turkish-aware ("İSMİM" and "ismim" both give "ismim")."""
    return _fold_word(word) if len(word) <= 32 else _fold(word)


@lru_cache(maxsize=1 << 15)
def _fold_word(word: str) -> str:
    return _fold(word)


COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _fold(word: str) -> str:
    word = word.translate(_FOLD).lower()
    if word.isascii():
        return word
    return COMBINING.sub("", unicodedata.normalize("NFKD", word))


# --------------------------------------------------------------------------------------------
# Data


def _phrases(items) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(fold(w) for w in re.findall(r"[^\W_]+(?:'[^\W_]+)?", item))
                     for item in items)


@dataclass(frozen=True)
class Lexicon:
    """Everything the recognisers know, merged from every language's data files."""

    months: dict[str, int]
    number_words: dict[str, int]
    hundred: frozenset[str]
    thousand: frozenset[str]
    repeat: dict[str, int]
    joiners: frozenset[str]
    plus: frozenset[str]
    weak_numbers: frozenset[str]
    cues: dict[str, frozenset[tuple[str, ...]]]
    words: dict[str, frozenset[str]]
    names: dict[str, frozenset[str]]        # folded name -> kinds ("first", "last", "word")
    spellings: frozenset[str]               # names as written, lowercase ("ayşe", "yasin")
    places: frozenset[str]
    tlds: frozenset[str]
    providers: frozenset[str]
    mail_hosts: frozenset[str]
    social: tuple[str, ...]
    eponyms: frozenset[str]
    iban_lengths: dict[str, int]
    name_suffixes: dict[str, frozenset[str]]
    # First word of a cue phrase -> (kind of cue, the phrase): one lookup per word.
    phrase_index: dict[str, tuple[tuple[str, tuple[str, ...]], ...]]
    # A one-word cue under a case ending ("instagramdan", "adresime") -> the same. An ending fits
    # a thing, not a title or an introduction ("MR'da" is the scan, not "Mr").
    suffixed_cues: dict[str, tuple[tuple[str, tuple[str, ...]], ...]]
    # Folded first word of a cue -> how the data spells it ("sok" -> "sok", "adim" -> "adım").
    cue_spellings: dict[str, frozenset[str]]
    # Every word a spelled number is made of: "beş", "yüz", "thousand".
    numeric: frozenset[str] = frozenset()
    # Their first two letters: a word that starts otherwise is no number words run together.
    numeric_heads: frozenset[str] = frozenset()
    # Words that stand before a name as a title: doctors' titles and the title_before cues.
    titles: frozenset[str] = frozenset()
    # Articles and quantifiers: a word after one is no English name ("any Hope for my knee").
    determiners: frozenset[str] = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "numeric", frozenset(
            self.number_words.keys() | self.hundred | self.thousand))
        object.__setattr__(self, "numeric_heads", frozenset(w[:2] for w in self.numeric))
        object.__setattr__(self, "titles", self.words["doctor_title"] | {
            p[0] for p in self.cues["title_before"]})
        object.__setattr__(self, "determiners", self.words["determiners"]
                           | self.words["indefinite"] | self.words["definite"])


CUE_KEYS = ("intro", "intro_name", "title_before", "title_after", "relation", "signoff",
            "residence", "residence_after", "street", "street_strong", "unit", "date_cue",
            "phone_cue", "id_cue", "passport_cue", "plate_cue", "iban_cue", "card_cue",
            "handle_cue", "email_at", "email_dot", "email_joiner", "card_expiry",
            "name_here", "room_cue", "room_owned", "card_last", "self_the", "self_after",
            "employer_cue", "id_after", "id_short")
WORD_KEYS = ("name_stop", "contraction_suffixes", "eponym_nouns", "handle_filler",
             "name_particles", "residence_filler", "street_suffixes", "year_suffixes",
             "name_origin", "year_words", "institution", "name_correction", "phone_extension",
             "doctor_title", "medical_event", "event_suffixes", "greeting", "name_tail",
             "relation_after", "name_and", "number_glue", "birth_abbrev", "name_quote",
             "occupation", "occupation_suffixes", "workplace_at", "work_verb", "workplace_end",
             "workplace_nouns", "role_verbs", "media", "carer_jobs", "possessive",
             "light_verbs", "phone_correction", "pronouns", "capitalised_words", "word_phrase",
             "states", "verb_names", "relation_is", "indefinite", "occupation_of", "definite",
             "letter_nouns", "culture_works", "letter_names", "nickname_cue", "verb_tenses",
             "speech_quote", "nationalities", "national", "champion", "champion_scope",
             "us_states", "sole", "compound_verbs", "speaker_endings", "determiners")


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load and merge the package's redaction data (once per process)."""
    merged: dict[str, list] = {}
    mappings: dict[str, dict] = {"months": {}, "number_words": {}, "number_repeat": {}}
    suffixes = {}
    for path in sorted((DATA / "redact").glob("*.json")):
        if path.name == "common.json":
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        suffixes[path.stem] = frozenset(fold(s) for s in data.get("name_suffixes", ()))
        for key, value in data.items():
            if key in mappings:
                mappings[key].update({fold(k): v for k, v in value.items()})
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
    common = json.loads((DATA / "redact" / "common.json").read_text(encoding="utf-8"))
    names: dict[str, set[str]] = {}
    spellings: set[str] = set()
    common_somewhere: set[str] = set()
    for path in sorted((DATA / "names").glob("*.txt")):
        tag = "lang:" + path.stem.split(".")[0]     # tr.nicknames.txt is Turkish too
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line or line[0] == "#":
                continue
            name, _, kinds = line.partition("\t")
            key = _fold(name)
            entry = names.get(key)
            if entry is None:
                entry = names[key] = set()
            entry.update(kinds.split())
            entry.add(tag)
            spellings.add(_lower(name))
            # Kinds add up over languages, except 'rare': common in one language is common.
            if "rare" not in kinds:
                common_somewhere.add(key)
    shared: dict[frozenset, frozenset] = {}     # 27,000 names share a few dozen kind sets
    for key, entry in names.items():
        if key in common_somewhere:
            entry.discard("rare")
        frozen = frozenset(entry)
        names[key] = shared.setdefault(frozen, frozen)
    places = set()
    for path in sorted((DATA / "redact").glob("places.*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                places.update(fold(w) for w in line.split())
    cues = {key: _phrases(merged.get(key, ())) for key in CUE_KEYS}
    spelled: dict[str, set[str]] = {}
    for key in CUE_KEYS:
        for item in merged.get(key, ()):
            for word in re.findall(r"[^\W_]+", item):
                spelled.setdefault(fold(word), set()).add(_lower(word))
    index: dict[str, list] = {}
    for key, phrases in cues.items():
        for phrase in phrases:
            if phrase:
                index.setdefault(phrase[0], []).append((key, phrase))
    endings = frozenset().union(*suffixes.values())
    suffixed: dict[str, list] = {}
    for key, phrases in cues.items():
        for phrase in phrases:
            if len(phrase) == 1 and key not in NAME_CUES and len(phrase[0]) >= 3:
                for ending in endings:
                    suffixed.setdefault(phrase[0] + ending, []).append((key, phrase))
                    suffixed.setdefault(phrase[0] + "'" + ending, []).append((key, phrase))
    return Lexicon(
        months=mappings["months"], number_words=mappings["number_words"],
        hundred=frozenset(fold(w) for w in merged.get("number_hundred", ())),
        thousand=frozenset(fold(w) for w in merged.get("number_thousand", ())),
        repeat=mappings["number_repeat"],
        joiners=frozenset(fold(w) for w in merged.get("number_joiners", ())),
        plus=frozenset(fold(w) for w in merged.get("number_plus", ())),
        weak_numbers=frozenset(fold(w) for w in merged.get("number_weak", ())),
        cues=cues,
        words={key: frozenset(fold(w) for w in merged.get(key, ())) for key in WORD_KEYS},
        names=names, spellings=frozenset(spellings),
        places=frozenset(places),
        tlds=frozenset(common["tlds"]), providers=frozenset(common["mail_providers"]),
        mail_hosts=frozenset(common["mail_hosts"]),
        social=tuple(common["social_domains"]), eponyms=frozenset(common["eponyms"]),
        iban_lengths=common["iban_lengths"], name_suffixes=suffixes,
        phrase_index={k: tuple(v) for k, v in index.items()},
        suffixed_cues={k: tuple(v) for k, v in suffixed.items()},
        cue_spellings={k: frozenset(v) for k, v in spelled.items()})


# The words of the clinic's own names (its doctors', its own): no visitor's personal data. Set by
# serve() from the knowledge file's clinic block, whenever the app (re)loads it.
_clinic: frozenset[str] = frozenset()


def serve(*names: str | None) -> None:
    """Tell the redactor the clinic it serves: its own names ("Op. Dr. Utku Erdem Özer", the
    clinic's name, staff) are kept where a message names them as the clinic's doctor ("Dr.
    Özer", "Utku Erdem Özer hocam"); anyone else's name is still removed."""
    global _clinic
    lex = lexicon()
    skip = lex.words["institution"] | lex.words["doctor_title"] | {
        w for phrase in lex.cues["title_before"] for w in phrase}
    _clinic = frozenset(fold(w) for name in names if name
                        for w in re.findall(r"[^\W\d_]+", name)
                        if len(w) > 2 and fold(w) not in skip)


# --------------------------------------------------------------------------------------------
# The view: the message as recognisers see it, with a map back to the original characters.

WORD = re.compile(r"([^\W\d_]+)(['’ʼ`´][^\W\d_]+)?")
# Every digit of any script (Arabic-Indic, fullwidth, ...) as ASCII, fullwidth punctuation as
# plain: one C-speed str.translate, each character staying one character.
_UNIFORM = {ord(c): str(unicodedata.decimal(c))
            for c in re.findall(r"\d", "".join(map(chr, range(128, 0x10000))))}
_UNIFORM.update({c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)})
_UNIFORM.update({0xFE6B: "@", 0x3000: " ", 0x2024: ".", 0xFE52: ".", 0x2027: "."})


# A letter O (or l, I) for a digit: inside a number ("0544 9O2") or before three digits.
DIGIT_LOOKALIKE = re.compile(r"(?<=\d)[OoIl](?=\d)|(?<![\w])[Oo](?=\d{3})")
# A run of digits and letters O (or l) with separators between ("77 OO 9OO 456", "5 35 O7O",
# "0 7 7 O O 9", "O5O5 l23"): with four digits or more in it, every O is a zero, every l a one.
LOOKALIKES = str.maketrans("Ool", "001")
NUMBERISH = re.compile(r"(?<!\w)[\dOol](?:[\dOol]|[ .-]{1,3}(?=[\dOol]))*(?!\w)")


@dataclass(slots=True)
class Token:
    start: int          # in view coordinates
    end: int
    text: str
    stem_end: int       # end of the word before an apostrophe suffix ("Ayşe" in "Ayşe'yim")
    fold: str           # the whole token, folded
    stem: str           # the stem, folded
    capital: bool
    n: int = 0          # position among the message's words
    cues: dict[str, int] | None = None  # cue kind -> words in the phrase starting here


class View:
    """The message with uniform digits and spelled numbers as digits, and what is masked."""

    def __init__(self, text: str, lex: Lexicon):
        base = text if text.isascii() else text.translate(_UNIFORM)
        # A letter for a digit inside a number: "0544 9O2 37 61" (same length, so no map).
        base = DIGIT_LOOKALIKE.sub(lambda m: "0" if m.group() in "Oo" else "1", base)
        if "O" in base or "o" in base or "l" in base:
            base = NUMBERISH.sub(lambda m: m.group().translate(LOOKALIKES) if sum(
                c.isdigit() for c in m.group()) >= 4 else m.group(), base)
        # A placeholder from an earlier pass is masked before anything reads the words: its
        # word ("[handle]") must not act as a cue.
        base = PLACEHOLDER.sub(lambda m: MASK * len(m.group()), base)
        self.text = base
        self.words = self._tokenise()
        self.text, self.starts, self.ends = _spell_numbers(base, self.words, lex)
        if self.starts is not None:
            self.words = self._tokenise()
        self.masked = [c == MASK for c in self.text] if MASK in self.text else \
            [False] * len(self.text)
        self.spans: list[tuple[int, int, str]] = []  # in original coordinates
        # Given names inside a claimed handle ("@fizyo.melis"): the message may name them too.
        self.handle_names: set[str] = set()
        # Every cue phrase, found once: the longest of each kind starting at each word. Which
        # kinds the message holds at all lets a recogniser skip its cue-driven search.
        self.cue_kinds: set[str] = set()
        words = self.words
        folds = [t.fold for t in words]
        text = self.text
        for i, t in enumerate(words):
            t.n = i
            if (t.start and text[t.start - 1].isdigit()) or text[t.end:t.end + 1].isdigit():
                continue    # glued to digits ("2fb4c2") it is no word, let alone a cue
            for kind, phrase in _cue_candidates(t, lex):
                size = len(phrase)
                # The first word was matched by _cue_candidates (maybe under an ending).
                if size == 1 or (i + size <= len(words) and folds[i + 1] == phrase[1]
                                 and tuple(folds[i + 2:i + size]) == phrase[2:]):
                    if t.cues is None:
                        t.cues = {}
                    if size > t.cues.get(kind, 0):
                        t.cues[kind] = size
                    self.cue_kinds.add(kind)

    def mask(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.masked[i] = True
        self.text = self.text[:start] + MASK * (end - start) + self.text[end:]

    def claim(self, start: int, end: int, label: str) -> None:
        """Record view[start:end] as personal data of one kind and hide it from later steps."""
        if start >= end:
            return
        if self.starts is None:
            self.spans.append((start, end, label))
        else:
            self.spans.append((self.starts[start], self.ends[end - 1], label))
        self.mask(start, end)

    def _tokenise(self) -> list[Token]:
        out = []
        for m in WORD.finditer(self.text):
            word, suffix = m.group(), m.group(2)
            cut = (len(word) if not suffix or suffix[1].isupper() or (
                m.end(1) - m.start() == 1 and len(suffix) > 4) else m.end(1) - m.start())
            # (O'Neill, D'Angelo, o'connor: an apostrophe before a capital, or after one letter
            # and before a long word, is inside the name; not in "I'm", "I've")
            # In capitals throughout ("DÜŞTÜM", "OUT"), a capital letter tells nothing.
            head = word[:cut]
            capital = word[0].isupper() and not (len(head) > 1 and head.isupper())
            whole = fold(word)
            out.append(Token(m.start(), m.end(), word, m.start() + cut, whole,
                             whole if cut == len(word) else fold(word[:cut]), capital))
        return out

    def tokens(self) -> list[Token]:
        """The words no recogniser has claimed yet."""
        masked = self.masked
        return [t for t in self.words if not (masked[t.start] or masked[t.end - 1])]


NUMBER_GAP = re.compile(r"[\s,.-]{0,3}")


NAME_CUES = frozenset({"intro", "intro_name", "title_before", "title_after", "relation",
                       "signoff", "name_here"})


def _cue_candidates(t: Token, lex: Lexicon):
    """Cue phrases that may start at this word, also under a case ending ("instagramda")."""
    found = lex.phrase_index.get(t.fold) or lex.suffixed_cues.get(t.fold, ())
    if not found and t.stem_end != t.end:
        # An apostrophe ending on a cue word ("Umut Bey'in"); not on a title before a name,
        # which is a thing then ("MR'da" is the scan, not "Mr").
        found = [(kind, p) for kind, p in lex.phrase_index.get(t.stem, ())
                 if kind not in NAME_CUES or kind == "title_after"]
    if found and not t.text.isascii():
        # Folding lets "adim" be "adım"; a word written with letters the cue lacks is another
        # word: "şok" (shock) is not "sok." (street).
        written = _lower(t.text)
        found = [(kind, p) for kind, p in found
                 if written.startswith(tuple(lex.cue_spellings.get(p[0], ())))]
    return found


def _spell_numbers(text: str, tokens: list[Token], lex: Lexicon
                   ) -> tuple[str, list[int] | None, list[int] | None]:
    """Turn runs of number words into digit groups: the new text and, if it changed, the
    original start and end of each of its characters."""
    numeric = lex.numeric
    words = []
    for t in tokens:
        # Number words typed as one: "beşyüzotuziki" is "beş yüz otuz iki".
        parts = _number_parts(t.fold, numeric) if len(t.fold) >= 6 and len(
            t.fold) == t.end - t.start and t.fold not in numeric \
            and t.fold[:2] in lex.numeric_heads else None
        if parts and len(parts) > 1:
            at = t.start
            for part in parts:
                words.append((at, at + len(part), part))
                at += len(part)
        else:
            words.append((t.start, t.end, t.fold))
    replacements = []
    i = 0
    while i < len(words):
        run: list[tuple[int, int, str]] = []
        for j in range(i, len(words)):
            start, _, w = words[j]
            if run and not NUMBER_GAP.fullmatch(text, run[-1][1], start):
                break
            nxt = words[j + 1][2] if j + 1 < len(words) else ""
            if w in numeric or ((w in lex.repeat or (w in lex.joiners and run))
                                and nxt in lex.number_words):
                run.append(words[j])
            else:
                break
        if not run or (len(run) == 1 and run[0][2] in lex.weak_numbers):
            i += max(len(run), 1)
            continue
        groups, first = _groups(run, lex), run[0][0]
        # "plus four seven ..." is "+47 ...": the sign joins the first group.
        if i and words[i - 1][2] in lex.plus and NUMBER_GAP.fullmatch(text, words[i - 1][1],
                                                                       first):
            digits, _, end = groups[0]
            first = words[i - 1][0]
            groups[0] = ("+" + digits, first, end)
        replacements.append((first, run[-1][1], groups))
        i += len(run)
    if not replacements:
        return text, None, None
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    kept = 0
    for first, last, groups in replacements:
        out.append(text[kept:first])
        starts.extend(range(kept, first))
        ends.extend(range(kept + 1, first + 1))
        for n, (digits, start, end) in enumerate(groups):
            if n:
                out.append(" ")
                starts.append(start)
                ends.append(start)
            out.append(digits)
            starts.extend([start] * len(digits))
            ends.extend([end] * len(digits))
        kept = last
    out.append(text[kept:])
    starts.extend(range(kept, len(text)))
    ends.extend(range(kept + 1, len(text) + 1))
    return "".join(out), starts, ends


@lru_cache(maxsize=4096)
def _number_parts(word: str, numeric: frozenset[str]) -> tuple[str, ...] | None:
    """Split a word into number words, longest first, or None."""
    if not word:
        return ()
    for cut in range(len(word), 1, -1):
        if word[:cut] in numeric:
            rest = _number_parts(word[cut:], numeric)
            if rest is not None:
                return (word[:cut],) + rest
    return None


def _groups(run, lex: Lexicon):
    """Read spelled numbers as people say phone numbers: "beş yüz otuz iki" is one group, 532."""
    groups = []
    thousands = sub = None
    flags: set[str] = set()
    first = last = None

    def close():
        nonlocal thousands, sub, flags, first
        if first is not None and (thousands is not None or sub is not None):
            groups.append((str((thousands or 0) + (sub or 0)), first, last))
        thousands = sub = None
        flags = set()
        first = None

    k = 0
    while k < len(run):
        start, end, w = run[k]
        if w in lex.joiners:
            k += 1
            continue
        if w in lex.repeat:
            close()
            digit = lex.number_words.get(run[k + 1][2], 0) if k + 1 < len(run) else 0
            if digit < 10:
                groups.append((str(digit) * lex.repeat[w], start, run[k + 1][1]))
                k += 2
                continue
            k += 1
            continue
        if w in lex.thousand:
            if thousands is None and (sub is None or sub < 1000):
                thousands, sub, flags = (sub or 1) * 1000, None, set()
                first = start if first is None else first
                last = end
            else:
                close()
                thousands, first, last = 1000, start, end
            k += 1
            continue
        if w in lex.hundred:
            if sub is not None and flags == {"u"}:
                sub *= 100
            elif sub is None:
                sub = 100
                first = start if first is None else first
            else:
                close()
                sub, first = 100, start
            flags, last = {"h"}, end
            k += 1
            continue
        value = lex.number_words[w]
        kind = "z" if value == 0 else "u" if value < 10 else "teen" if value < 20 and value != 10 \
            else "t"
        if kind == "z":
            close()
            groups.append(("0", start, end))
        elif kind == "u" and sub is not None and not flags & {"u", "teen"} and flags:
            sub += value
            flags.add("u")
        elif kind in ("t", "teen") and sub is not None and flags == {"h"}:
            sub += value
            flags.add(kind)
        elif kind in ("u", "t", "teen") and sub is None and thousands is not None:
            sub, flags = value, {kind}
        else:
            close()
            sub, flags, first = value, {kind}, start
        last = end
        if first is None:
            first = start
        k += 1
    close()
    return groups


# --------------------------------------------------------------------------------------------
# Validators


def tc_kimlik_valid(digits: str) -> bool:
    """Check a Turkish national id number (TC Kimlik No): 11 digits with two check digits."""
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit() or digits[0] == "0":
        return False
    d = [int(c) for c in digits]
    tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    return d[9] == tenth and d[10] == sum(d[:10]) % 10


def luhn_valid(digits: str) -> bool:
    """Check a payment-card-like number with the Luhn checksum."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """Check an IBAN (no separators) with the ISO 7064 mod-97 checksum."""
    iban = iban.upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _valid_date(day: int, month: int, year: int | None = None) -> bool:
    if year is not None and not 1900 <= year <= date.today().year + 1:
        return False
    try:
        date(year or 2000, month, day)
    except ValueError:
        return False
    return True


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 1900 if year > date.today().year % 100 else 2000
    return year


# --------------------------------------------------------------------------------------------
# Context


DIGIT = re.compile(r"\d")
CUE_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def _cue_before(view: View, start: int, key: str, lex: Lexicon, window: int = 40,
                last: int = 6) -> bool:
    """Is a cue phrase of this kind among the last few words before view position `start`?"""
    return _cue_distance(view, start, key, lex, window, last) is not None


def _cue_distance(view: View, start: int, key: str, lex: Lexicon, window: int = 40,
                  last: int = 6) -> int | None:
    """How many words lie between the nearest cue phrase of this kind and `start`, or None."""
    if key not in view.cue_kinds:
        return None
    words = [fold(w) for w in CUE_WORD.findall(view.text[max(0, start - window):start])][-last:]
    best = None
    for i, word in enumerate(words):
        for kind, phrase in lex.phrase_index.get(word) or lex.suffixed_cues.get(word, ()):
            if kind == key and (len(phrase) == 1 or tuple(words[i:i + len(phrase)]) == phrase):
                gap = max(0, len(words) - i - len(phrase))
                best = gap if best is None else min(best, gap)
    return best


def _cue_after(view: View, end: int, key: str, lex: Lexicon) -> bool:
    """Does a cue of this kind, or one under a case ending, follow view position `end`
    ("34 mkd 905 plakalı")?"""
    # (not gated on the message's cue kinds: they note bare cues and case endings, not a word
    # derived from a cue, "plakalı" with no "plaka" in the message)
    m = CUE_WORD.match(view.text, end + len(view.text[end:]) - len(view.text[end:].lstrip(" ,")))
    if not m:
        return False
    word = fold(m.group())
    # Any ending: a cue after the data is often an adjective made of it ("plaka" -> "plakalı").
    return any(kind == key and len(p) == 1 and (len(p[0]) >= 4 or cut == len(word))
               for cut in range(2, len(word) + 1)
               for kind, p in lex.phrase_index.get(word[:cut], ()))


# --------------------------------------------------------------------------------------------
# Recognisers that work on the characters of the view


URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'\ufffc]+")
BARE_URL = re.compile(r"(?i)(?<![@\w.-])(?:[a-z0-9-]+\.)+([a-z]{2,12})(/[^\s<>\"'\ufffc]*)")
TRAILING = ".,;:!?)]}'\"»”’"


def urls(view: View, lex: Lexicon) -> None:
    """Web addresses (a profile URL names its owner): with a scheme, www., or a path."""
    # A scheme has a "/", "www." a "."; a path a "/" after a "."; a network's domain a ".".
    if "." not in view.text and "/" not in view.text:
        return
    for pattern in (URL, BARE_URL) if "/" in view.text else (URL,):
        for m in pattern.finditer(view.text):
            if pattern is BARE_URL and m.group(1).lower() not in lex.tlds:
                continue
            end = m.end()
            while end > m.start() and view.text[end - 1] in TRAILING:
                end -= 1
            view.claim(m.start(), end, "[url]")
    # A social network named by its domain alone still points at a profile nearby.
    for m in _social_pattern().finditer(view.text):
        view.claim(m.start(), m.end(), "[url]")


@lru_cache(maxsize=1)
def _social_pattern() -> re.Pattern:
    domains = sorted(lexicon().social, key=len, reverse=True)
    return re.compile(r"(?i)(?<![\w.])(?:" + "|".join(map(re.escape, domains)) + r")\b")


@lru_cache(maxsize=1)
def _email_pattern() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    lex = lexicon()

    def words(key: str) -> str:
        return "|".join(sorted((r"\s+".join(map(re.escape, p)) for p in lex.cues[key]),
                               key=len, reverse=True))

    def wrapped(inner: str) -> str:
        return r"[\(\[\{<]\s*(?:" + inner + r")\s*[\)\]\}>]"

    at_words, dot_words, joiners = words("email_at"), words("email_dot"), words("email_joiner")
    at = rf"(?:\s*@@?\s*|\s*{wrapped(at_words + '|@')}\s*|\s+(?:{at_words})\s+)"   # ("a@@b.com")
    dot = rf"(?:\s*\.\s*|\s*{wrapped(dot_words + '|[.]')}\s*|\s+(?:{dot_words})\s+)"
    label = r"[a-z0-9](?:[a-z0-9-]{0,40}[a-z0-9])?"
    # In the local part also an underscore or a hyphen said in words: "eda (alt çizgi) sari";
    # not a full stop ending a sentence ("... 90 degrees. bill.harper82@gmail.com").
    local_dot = rf"(?:\.(?!\s)|\s+\.\s*|\s*{wrapped(dot_words + '|[.]')}\s*|\s+(?:{dot_words})\s+)"
    joined = rf"(?:{local_dot}|\s*{wrapped(joiners)}\s*|\s+(?:{joiners})\s+)"
    local = rf"[\w+-]+(?:{joined}[\w+-]+){{0,4}}"
    marker = rf"(?i)@|(?<!\w)(?:{words('email_at')})(?!\w)"
    return (re.compile(rf"(?i)(?<![\w.+-])({local})({at})({label}(?:{dot}{label}){{0,4}})"),
            re.compile(rf"(?i){dot}"), re.compile(marker))


def emails(view: View, lex: Lexicon) -> None:
    """E-mail addresses, also written to dodge filters: ' at ', (at), [dot], spaces around @."""
    pattern, dot, marker = _email_pattern()
    # Folded, so "at işareti", "alt çizgi" match however they are written.
    text = _folded(view)
    # Only around at-signs and at-words (windows merged): the full pattern is costly everywhere.
    windows: list[list[int]] = []
    for at in marker.finditer(text):
        start, end = max(0, at.start() - 80), at.end() + 160
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    for start, end in windows:
        pos = start
        while m := pattern.search(text, pos, end):
            # A rejected candidate's domain may be the next one's local part: "me at
            # emily.hart at gmail dot com" is no address, "emily.hart at gmail dot com" is.
            claimed = _claim_email(view, lex, m, dot)
            if claimed:
                a, b = claimed
                pos, text = m.end(), text[:a] + MASK * (b - a) + text[b:]
            else:
                pos = m.start(3)
    # The at-sign alone with a provider after it: "ayse_kaya85 @ gmail"
    if "@" in view.text:
        for m in re.finditer(r"(?<![\w.+-])[\w.+-]+(?:@\s*|\s+@\s+)[\w-]+(?:\.[\w-]+)*",
                             view.text):
            view.claim(m.start(), m.end(), "[email]")
    # No at-sign at all, but a mail provider and a domain ending: "hakankilic1978 gmail com".
    if any(t.fold in lex.providers for t in view.words):
        for m in _provider_pattern().finditer(view.text):
            if fold(m.group(1)) not in lex.words["name_stop"]:
                view.claim(m.start(), m.end(), "[email]")


@lru_cache(maxsize=1)
def _provider_pattern() -> re.Pattern:
    lex = lexicon()
    providers = "|".join(sorted(map(re.escape, lex.providers), key=len, reverse=True))
    tlds = "|".join(sorted(map(re.escape, lex.tlds), key=len, reverse=True))
    dots = "|".join(r"\s+".join(map(re.escape, p)) for p in lex.cues["email_dot"])
    return re.compile(rf"(?i)(?<![\w.@])([\w.+-]{{2,}}\w)\s+(?:{providers})"
                      rf"(?:\s*\.\s*|\s+(?:(?:{dots})\s+)?)(?:{tlds})(?![\w.])")


def _claim_email(view: View, lex: Lexicon, m: re.Match, dot: re.Pattern
                 ) -> tuple[int, int] | None:
    """Claim an e-mail match (a real @, or an at-word with a known domain ending or provider);
    return the span claimed, if it was one."""
    if MASK in m.group():
        return None
    plain_at = "@" in m.group(2)
    domain = [fold(x) for x in dot.split(m.group(3))]
    # The domain ends at its last known ending: "mlee at lee-family dot net. My knee",
    # "x@gmail.com. My knee" (a sentence's full stop is no dot of the address).
    ends = [k for k in range(1, len(domain)) if domain[k] in lex.tlds]
    if ends and ends[-1] < len(domain) - 1:
        cut = ends[-1] + 1
        seps = list(dot.finditer(m.group(3)))
        stop = m.start(3) + seps[cut - 1].start() if cut - 1 < len(seps) else m.end()
        view.claim(m.start(), stop, "[email]")
        return m.start(), stop
    last = domain[-1]
    if re.fullmatch(r"\s+@", m.group(2)) and not (last in lex.tlds or domain[0] in lex.providers):
        return None     # "my IG is @coach.emre": a handle after a word, no address
    # An at said as a plain word needs a domain's shape after it: a dot and an ending, or a
    # provider that is no everyday word ("ali at gmail"; not "screaming at me", "at home",
    # "at night dot", "at sky"). Marked out ("(at)", "[at]") a mail host is enough too.
    spoken = not plain_at and not re.search(r"[(\[{<]", m.group(2))
    if plain_at or (len(domain) > 1 and last in lex.tlds) or domain[0] in lex.providers and not (
            spoken and _word_zipf().get(domain[0], 0.0) >= PROVIDER_ZIPF) \
            or domain[0] in lex.mail_hosts and not spoken:
        start, end = m.start(), m.end()
        if not plain_at and len(domain) > 1 and last not in lex.tlds:
            end = m.start(3) + len(m.group(3).split()[0])
        # A year typed apart before a spaced at belongs to the parts before it: "f . sahin
        # 1988 @ gmail . com".
        if m.group(1).isdigit() and m.group(2)[0].isspace() and (
                before := SPACED_LOCAL.search(view.text, max(0, start - 60), start)):
            start = before.start()
        view.claim(start, end, "[email]")
        return start, end
    return None


SPACED_LOCAL = re.compile(r"(?<![\w.+-])[\w+-]+(?:[ \t]*\.[ \t]*[\w+-]+){1,4}[ \t]$")
PROVIDER_ZIPF = 4.5     # "at gmail" (3.3), "at yahoo" (3.9) name a provider; "at sky" (4.7) not


HANDLE = re.compile(r"(?<![\w.@/])@\w(?:[\w.]{0,29}\w)?")
# A user name by a network's own notation: Discord's "nova#4821", Reddit's "u/kneepain_nova".
NETWORK_HANDLE = re.compile(r"(?<![\w.@/#])(?:[^\W\d_][\w.]{1,31}#\d{4}|u/[\w-]{3,20})(?![\w#/])")


HANDLE_BEFORE = re.compile(r"(?<![\w.@])([\w.]{3,30}?)\.?\s+(?:(\w+)\s+)?$")
HANDLE_WORD = re.compile(r"[\w.]+(?::\.?[\w.]+)*(?:'\w+)?")   # also Skype's "live:.cid.7e3f"


def handles(view: View, lex: Lexicon) -> None:
    """Social-media handles: '@ayse.kaya', or a user name after 'instagram:' / 'insta hesabım'."""
    text = view.text
    # (each holds its mark: a text without one is not searched)
    for pattern, marked in ((HANDLE, "@" in text), (NETWORK_HANDLE, "#" in text or "u/" in text)):
        for m in pattern.finditer(view.text) if marked else ():
            _claim_handle(view, lex, m.start(), m.end())
    if "handle_cue" not in view.cue_kinds:
        return
    fillers, stop = lex.words["handle_filler"], lex.words["name_stop"]
    for t in view.words:
        size = t.cues.get("handle_cue", 0) if t.cues else 0
        if not size:
            continue
        pos = view.words[t.n + size - 1].end
        strong = view.text[pos:pos + 2].lstrip().startswith(":")
        # Before the cue: "john.b.hartley on skype" (only what looks like a user name).
        # (within a bounded look back: a message of many cue words stays linear)
        before = HANDLE_BEFORE.search(view.text, max(0, t.start - 64), t.start)
        if before and re.search(r"[._\d]", before.group(1)) and re.search(
                r"[^\W\d_]", before.group(1)) and MASK not in before.group(1) and (
                before.group(2) is None or fold(before.group(2)) in fillers):
            _claim_handle(view, lex, before.start(1), before.end(1))
        words = HANDLE_WORD.finditer(view.text, pos)
        named = False
        for _ in range(4):      # "insta hesabım: ...", "instagram'dan takip edin: ..."
            m = next(words, None)
            if m is None or m.start() - pos > 3:
                break
            core = m.group().split("'")[0].rstrip(".")
            if fold(core) in fillers:
                # "Account name: ELIF SU" is a person's name, not a user name.
                named = named or any(kind in NAME_CUES for kind, _ in
                                     lex.phrase_index.get(fold(core), ()))
                strong, pos = True, m.end()
                continue
            # A capitalised given name is a person ("on LinkedIn as Thomas Brenner").
            named = named or core[:1].isupper() and "first" in lex.names.get(fold(core), ())
            looks_like = bool(re.search(r"[._\d]", core)) or (
                ":" in view.text[pos:m.start()] and not named)
            if len(core) >= 3 and (looks_like or strong and not named) \
                    and re.search(r"[^\W\d_]", core) \
                    and MASK not in core and fold(core) not in stop:
                _claim_handle(view, lex, m.start(), m.start() + len(core))
            break


def _claim_handle(view: View, lex: Lexicon, start: int, end: int) -> None:
    """Claim a handle and remember the given names in it ("@fizyo.melis", "ayse_kaya92")."""
    for part in re.findall(r"[^\W\d_]{3,}", view.text[start:end]):
        if "first" in lex.names.get(fold(part), ()):
            view.handle_names.add(fold(part))
    view.claim(start, end, "[handle]")


IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)")
IPV6 = re.compile(r"(?i)(?<![\w:\ufffc])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:\ufffc])")


def ips(view: View, lex: Lexicon) -> None:
    """IPv4 and IPv6 addresses (checked by the ipaddress module, so a time is not one)."""
    for pattern, mark in ((IPV4, "."), (IPV6, ":")):
        for m in pattern.finditer(view.text) if mark in view.text else ():
            try:
                ipaddress.ip_address(m.group())
            except ValueError:
                continue
            if sum(c.isalnum() for c in m.group()) < 2:
                continue    # "::" alone is nobody's address
            view.claim(m.start(), m.end(), "[ip]")


IBAN_START = re.compile(r"(?i)(?<![a-z0-9])([a-z]{2})[ \t.-]?(\d{2})(?=[ \t.-]?[a-z0-9])")
IBAN_CHARS = re.compile(r"(?i)(?:[ \t.-]?[a-z0-9]){10,32}")


def ibans(view: View, lex: Lexicon) -> None:
    """IBANs in any spacing: a registered country, its length and the mod-97 checksum, or a
    country code followed by 16 or more digits (a mistyped IBAN is still one)."""
    for m in IBAN_START.finditer(view.text):
        length = lex.iban_lengths.get(m.group(1).upper())
        rest = IBAN_CHARS.match(view.text, m.end())
        if not length or not rest:
            continue
        chars = [(i, c) for i, c in enumerate(rest.group(), m.end()) if c.isalnum()]
        need = length - 4
        best = None
        if len(chars) >= need and iban_valid(
                (m.group(1) + m.group(2)).upper() + "".join(c for _, c in chars[:need])):
            best = need
        else:
            digits = len(re.match(r"\d*", "".join(c for _, c in chars)).group())
            if digits >= 16:
                best = min(digits, need)
        if best:
            view.claim(m.start(), chars[best - 1][0] + 1, "[iban]")


@lru_cache(maxsize=1)
def _date_patterns() -> tuple[list[re.Pattern], re.Pattern, list[re.Pattern]]:
    months = "|".join(sorted((re.escape(m) for m in lexicon().months), key=len, reverse=True))
    ordinal = r"(?:st|nd|rd|th|\.)?"
    year = r"(?:(?:19|20)\s?\d{2}|'?\d{2})"
    sep = r"[\s.,/-]{0,3}(?:of\s+)?"
    # A month name is tried only where a number follows it closely (most words are not).
    soon = r"(?=[^\W\d_]{3,9}\.?[\s.,/-]{0,3}(?:of\s+)?\d)"
    # The year first, maybe as "the year's", and the month under a case ending: "1975 yılının
    # 23 nisanında".
    of_year = "|".join(re.escape(fold(w)) for w in lexicon().words["year_words"]) or "(?!)"
    words = [re.compile(rf"(?<!\d)(\d{{1,2}}){ordinal}{sep}({months})\.?{sep}({year})(?!\d)"),
             # (the day ends where its digits do: "March 2023" is no "March 20, '23")
             re.compile(rf"(?<!\w){soon}({months})\.?{sep}(\d{{1,2}})(?!\d){ordinal}{sep}"
                        rf"({year})(?!\d)"),
             re.compile(rf"(?<![\d.,/-])((?:19|20)\d{{2}})\s+(?:(?:{of_year})\s+)?(\d{{1,2}})"
                        rf"{ordinal}\s+({months})[^\W\d_]*")]
    # (not inside a longer chain: "Ataköy 7-8-9-10. Kısım" numbers a housing estate's parts)
    numeric = re.compile(r"(?<![\d.])(?<!\d[/-])(\d{1,4})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{2,4})"
                         r"(?!\d|[./-]\d)")
    # Day and month alone, or month and year: a birth date only beside a birth cue.
    partial = [re.compile(rf"(?<!\d)\d{{1,2}}{ordinal}{sep}(?:{months})\b(?!\s*\d)"),
               re.compile(rf"(?<!\w){soon}(?:{months})\.?{sep}\d{{1,2}}{ordinal}(?!\d)"),
               re.compile(r"(?<![\d.])\d{1,2}[./]\d{1,2}(?![\d.]|/\d)"),
               re.compile(rf"(?<!\w){soon}(?:{months})\.?\s*{year}(?!\d)")]
    return words, numeric, partial


def dates(view: View, lex: Lexicon) -> None:
    """Dates: '12.03.1985', '1985-03-12', '3 March 1985', 'Mart 12 85', and beside a birth cue
    a day and month alone or a compact '120385'."""
    if not DIGIT.search(view.text):
        return
    words, numeric, partial = _date_patterns()
    text = _folded(view)
    for k, pattern in enumerate(words):
        for m in pattern.finditer(text):
            day, month, year = ((m.group(1), m.group(2), m.group(3)) if k == 0 else
                                (m.group(2), m.group(1), m.group(3)) if k == 1 else
                                (m.group(2), m.group(3), m.group(1)))
            year = year.strip("'").replace(" ", "")     # (also "19 64", said "nineteen sixty four")
            if _valid_date(int(day), lex.months[month]) and year.isdigit():
                _claim_date(view, m.start(), m.end(), lex, year)
    for m in numeric.finditer(view.text):
        a, b, c = m.group(1), m.group(3), m.group(4)
        if len(a) == 4:
            ok = _valid_date(int(c), int(b), int(a)) and len(c) <= 2
        else:
            y = _year(c)
            ok = len(c) in (2, 4) and len(a) <= 2 and (
                _valid_date(int(a), int(b), y) or _valid_date(int(b), int(a), y))
        if ok:
            _claim_date(view, m.start(), m.end(), lex, a if len(a) == 4 else c)
    # A card's expiry date, its CVV and its last digits are the card's: "exp 09/27", "son 4
    # hanesi 3301"; last digits in a message about a phone are the phone's ("my number ends in
    # 4455"), and in one about neither nobody's ("ending in 2025").
    last = "[card]" if "card_cue" in view.cue_kinds else "[phone]" if (
        "phone_cue" in view.cue_kinds) else None
    if "card_expiry" in view.cue_kinds or "card_last" in view.cue_kinds and last:
        month_names = "|".join(sorted(map(re.escape, lex.months), key=len, reverse=True))
        for m in re.finditer(r"(?<![\d/.])(?:0?[1-9]|1[0-2])\s?[/.-]\s?(?:20)?\d{2}(?![\d/]|\.\d)|"
                             rf"(?<!\w)(?:{month_names})\.?\s?(?:20)?\d{{2}}(?!\d)|"
                             r"(?<!\d)\d(?:[ -]?\d){2,3}(?!\d)", _folded(view)):
            if _cue_before(view, m.start(), "card_expiry", lex, window=24):
                view.claim(m.start(), m.end(), "[card]")
            elif last and re.fullmatch(r"\d(?:[ -]?\d){3}", m.group()) and _cue_before(
                    view, m.start(), "card_last", lex, window=24):
                view.claim(m.start(), m.end(), last)
    if "date_cue" not in view.cue_kinds and not _year_suffix(view, lex) and not any(
            _birth_abbreviation(view, m.start(), lex) for m in YEAR.finditer(view.text)):
        return
    text = _folded(view)
    for pattern in partial:
        for m in pattern.finditer(text):
            if _cue_before(view, m.start(), "date_cue", lex) or _cue_after_birth(view, m.end(),
                                                                                lex):
                view.claim(m.start(), m.end(), "[date]")
    # A year of birth alone: "born 1963", "1988 doğumluyum", "2001'liyim", "Doğum yılı 1999",
    # "(b. 1971)".
    for m in YEAR.finditer(view.text):
        if _cue_before(view, m.start(), "date_cue", lex, window=24) or _cue_after_birth(
                view, m.end(), lex) or _birth_abbreviation(view, m.start(), lex):
            view.claim(m.start(), m.end(), "[date]")
    # Two digits are a year only right before the cue: "89 doğumluyum", "'89 born".
    for m in re.finditer(r"(?<![\w.,/-])'?\d{2}(?![\w.,/]|\s*[-–])", view.text):
        if _cue_after_birth(view, m.end(), lex):
            view.claim(m.start(), m.end(), "[date]")


def _birth_abbreviation(view: View, start: int, lex: Lexicon) -> bool:
    """Is the text before `start` a birth abbreviation with its dot: "(b. 1971)", "d. 1980"?
    (without the dot "b" is a letter: "vitamin B 2000 IU")"""
    m = re.search(r"(?<![\w.])([^\W\d_]{1,3})\.[ \t]?$", view.text[max(0, start - 6):start])
    return bool(m) and fold(m.group(1)) in lex.words["birth_abbrev"]


MEDICAL_YEARS = 15     # an exam or surgery a visitor asks about is seldom older


def _claim_date(view: View, start: int, end: int, lex: Lexicon, year: str) -> None:
    """Claim a whole date, unless it is an exam's, a surgery's or a report's ("MRI on
    14/03/2024", "MR 12.01.2025 tarihinde çekildi", "report dated 2023-11-05"): such a date is
    medical history staff need, not the visitor's identity. A birth cue before it still waiting
    for its date ("my DOB on the report is ...") or right after it, a date too old for a recent
    exam, or no exam word by it: redacted (unsure: redact). "My date of birth is 09/10/1985 and
    my MRI was 09/10/2024" keeps the second."""
    seen = list(CUE_WORD.finditer(view.text, max(0, start - 100), start))[-14:]
    words = [fold(m.group()) for m in seen]
    # An event in the date's own clause after it: "MR 12.01.2025 tarihinde çekildi", "On 14
    # January 2025 I had a hip replacement", "3 Mart 2025'te ön çapraz bağ ameliyatı oldum";
    # not past a comma ("my daughter, 3 March 2019, broke her arm" may be her birthday).
    clause = re.split(r"[,;.!?()\n]", view.text[end:end + 60], maxsplit=1)[0]
    later = list(CUE_WORD.finditer(clause))[:8]
    after = [fold(m.group()) for m in later]

    def event(ws: list[str], i: int) -> bool:     # also "x-ray", two words to CUE_WORD
        return _medical_word(ws[i], lex) or i > 0 and _medical_word(ws[i - 1] + "-" + ws[i], lex)

    birth = max((i for i in range(len(words)) if any(
        kind == "date_cue" and tuple(words[i:i + len(p)]) == p
        for kind, p in lex.phrase_index.get(words[i], ()))), default=-1)
    # (a birth cue is answered once a date follows it: that date is claimed, masked)
    waiting = birth >= 0 and not re.search(r"[\d\ufffc]", view.text[seen[birth].end():start])
    medical = max((i for i in range(len(words)) if event(words, i)), default=-1)
    # Within a few words, or further in the same line and sentence: "Study: MRI L-spine w/o
    # contrast, 09-Feb-2025", "Sol diz MR 18.03.2024".
    near = medical > birth and (medical >= len(words) - 3 or medical >= len(words) - 8 and not
                                re.search(r"[.!?](?:\s|$)|\n", view.text[seen[medical].end():start])
                                ) or any(event(after, i) for i in range(len(after)))
    # (a birth cue later in the clause says whose date it is, "5 Mart 2020'de doğdu ve kolu
    # kırıldı", unless another date follows it: "an mri on 12/03/2024 and my birthday is ...")
    born = any(kind == "date_cue" and tuple(after[i:i + len(p)]) == p and not re.search(
        r"[\d\ufffc]", clause[later[i].end():]) for i in range(len(after))
        for kind, p in lex.phrase_index.get(after[i], ()))
    if near and not waiting and not born and not _cue_after_birth(view, end, lex) and \
            date.today().year - MEDICAL_YEARS <= _year(year):
        view.mask(start, end)       # kept, and no later recogniser reads it as a number
    else:
        view.claim(start, end, "[date]")


def _medical_word(word: str, lex: Lexicon) -> bool:
    """An exam, a surgery or a report, also under a Turkish ending ("mrim", "MR'ı")."""
    events = lex.words["medical_event"]
    stem = word.split("'")[0]
    return stem in events or any(
        stem[:cut] in events and stem[cut:] in lex.words["event_suffixes"]
        for cut in range(2, len(stem)))


YEAR = re.compile(r"(?<![\d.,/-])(?:19\d\d|20[0-3]\d)(?![\d.,/]\d|\d)")


def _year_suffix(view: View, lex: Lexicon) -> bool:
    text = _folded(view)
    return any(suffix in text for suffix in lex.words["year_suffixes"])


def _folded(view: View) -> str:
    """The view folded with the same length, so positions carry over."""
    text = fold(view.text)
    return text if len(text) == len(view.text) else view.text.lower()


def _cue_after_birth(view: View, end: int, lex: Lexicon) -> bool:
    """Does a birth cue or a "year I belong to" ending follow: "1988 doğumluyum", "2001'liyim"?"""
    after = view.text[end:end + 24]
    words = [fold(w) for w in CUE_WORD.findall(after)][:3]
    if not words:
        return False
    first = words[0].split("'")[-1]
    if first in lex.words["year_suffixes"]:
        return True
    return any(kind == "date_cue" and tuple(words[:len(p)]) == p
               for kind, p in lex.phrase_index.get(words[0], ()))


TR_PLATE = re.compile(r"(?<![\w.,])(0[1-9]|[1-7]\d|8[01])([ \t.-]?)([A-Za-z]{1,3})([ \t.-]?)"
                      r"(\d{2,5})(?!\w|[.,]\d)")
UK_PLATE = re.compile(r"(?i)(?<!\w)[A-Z]{2}[ \t]?\d{2}[ \t]?[A-Z]{3}(?!\w)")    # also "lk 19 xtp"


def plates(view: View, lex: Lexicon) -> None:
    """Licence plates: Turkish ('34 ABC 123', any case beside a plate cue) and British."""
    for m in TR_PLATE.finditer(view.text):
        first, letters, between, digits = m.group(2), m.group(3), m.group(4), m.group(5)
        if first == "." != between and not letters.isupper():
            continue        # a sentence's end: "yaş 12. ay 3"
        if fold(letters) in lex.months and (len(digits) == 2 or re.fullmatch(
                r"19\d\d|20\d\d", digits)):
            continue        # a date: "12.Mar.2024", "12 MAR 85"
        fits = {1: (4, 5), 2: (3, 4), 3: (2, 3)}[len(letters)]
        # Beside a plate cue, before or after, any case and a digit more or less: people
        # misremember their plates, and "34 kpl 7731" is still one. Typed as one word with the
        # same dash or dot on both sides it is a plate's shape, in any case and a digit more or
        # less: "34-kpl-772", "34-TYN-2290" ("10-x-15 cm" is a size).
        joined = first == between and first in "-." and first and \
            fits[0] - 1 <= len(digits) <= fits[1] + 1
        cued = joined or _cue_before(view, m.start(), "plate_cue", lex) or _cue_after(
            view, m.end(), "plate_cue", lex)
        if (letters.isupper() and len(digits) in fits) or (cued and 2 <= len(digits) <= 5):
            view.claim(m.start(), m.end(), "[plate]")
    for m in UK_PLATE.finditer(view.text):
        if m.group().isupper() or _cue_before(view, m.start(), "plate_cue", lex, window=16):
            view.claim(m.start(), m.end(), "[plate]")
    if "plate_cue" not in view.cue_kinds:
        return
    # A plate read out a character at a time, beside a plate cue: "three four ABC one two
    # three" (the view reads "3 4 ABC 1 2 3"), "otuz dört, K, L, M, beş altı yedi".
    for m in SPELLED_PLATE.finditer(view.text):
        chars = re.sub(r"[^A-Z0-9]", "", m.group())
        if 5 <= len(chars) <= 9 and re.search(r"\d", chars) and re.search(r"[A-Z]", chars) and (
                _cue_before(view, m.start(), "plate_cue", lex, window=24)
                or _cue_after(view, m.end(), "plate_cue", lex)):
            view.claim(m.start(), m.end(), "[plate]")
    # A Turkish plate with its letters said by name: "otuz dört ka el em beş altı yedi" (the
    # view reads "34 ka el em 5 6 7").
    names = "|".join(sorted(map(re.escape, lex.words["letter_names"]), key=len, reverse=True))
    if names:
        said = re.compile(rf"(?i)(?<![\w.,])(0[1-9]|[1-7]\d|8[01])[ \t,-]+((?:(?:{names}|"
                          rf"[^\W\d_])[ \t,-]+){{1,3}})(\d(?:[ \t,-]?\d){{1,3}})(?![\w.,]\d|\w)")
        for m in said.finditer(_folded(view)):
            if _cue_before(view, m.start(), "plate_cue", lex, window=24) or _cue_after(
                    view, m.end(), "plate_cue", lex):
                view.claim(m.start(), m.end(), "[plate]")
    # Any other country's plate, beside a plate cue: capitals and digits ("7ABC123", "B-MW 1234").
    for m in re.finditer(r"(?<!\w)(?=[A-Z0-9 -]{4,10}(?!\w))(?=[^\s]*\d)[A-Z0-9]+"
                         r"(?:[ -][A-Z0-9]+){0,2}(?!\w)", view.text):
        if re.search(r"[A-Z]", m.group()) and _cue_before(view, m.start(), "plate_cue", lex,
                                                          window=20):
            view.claim(m.start(), m.end(), "[plate]")


# (a capital before a word in lower case opens a sentence: "..., 1 2 3, I parked")
SPELLED_PLATE = re.compile(r"(?<!\w)(?:\d{1,4}|[A-Z]{1,3})(?:[ \t]*[,-]?[ \t]*(?:\d{1,4}|[A-Z]{1,3}"
                           r"(?![ \t]+[^\W\d_]*[a-zçğıöşü]))){2,9}(?!\w)")
PASSPORT = re.compile(r"(?<![\w-])[A-Za-z]{1,2}[ -]?\d{6,9}(?![\w-])")
UK_NINO = re.compile(r"(?i)(?<!\w)[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D](?!\w)")
SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
# Letters of any script ("NVİ-2024-88A1C7"), slashes ("MET/24/0091773"), hyphens and a space
# before a block of digits ("RJ1 4492018") inside.
CUED_CODE = re.compile(r"(?<![\w/-])(?=[\w/ -]*\d)(?=[\w/-]*[^\W\d_])[^\W_]"
                       r"(?:[^\W_]|[/-](?=[^\W_])|(?<=\d) (?=\d{4})){4,19}(?!\w)")


SHORT_ID = re.compile(r"[\s:#.]{0,3}(?:no\b[\s:.]*)?(\d{2,8}[A-Za-z]?)(?![\w.,/]\d)", re.IGNORECASE)
# (Turkish courts write "E." and "K." before the file's and the ruling's numbers.)
FILE_NUMBER = re.compile(r"(?<![\w/.])(?:([EK])\.\s?)?(?:19|20)\d\d\s?/\s?\d{1,7}(?![\w/]|[.,]\d)")


def documents(view: View, lex: Lexicon) -> None:
    """Passport numbers, UK National Insurance and US Social Security numbers, and any code
    with digits right after a passport or id cue ('pasaport no: U12345678', 'file no 48213')."""
    # First a US town, state and ZIP code, an address's end: its state may be "ID" (Idaho),
    # no id cue there ("Boise ID 83702").
    for m in _us_zip_pattern().finditer(view.text) if US_STATE_ZIP.search(view.text) else ():
        town = list(CUE_WORD.finditer(m.group("town")))
        while town and fold(town[0].group()) in lex.words["name_stop"]:
            town.pop(0)     # ("My ID 12345" is an id)
        if town:
            view.claim(m.start() + town[0].start(), m.end(), "[address]")
    for m in UK_NINO.finditer(view.text):
        view.claim(m.start(), m.end(), "[national-id]")
    for m in SSN.finditer(view.text):
        view.claim(m.start(), m.end(), "[national-id]")
    for m in PASSPORT.finditer(view.text):
        view.claim(m.start(), m.end(), "[passport]")
    # A court's file number: a year, a slash and a serial, before or after its cue ("2023/118
    # esas sayılı dosya", "case no 2024/55", "E. 2023/118").
    if "/" in view.text:
        for m in FILE_NUMBER.finditer(view.text):
            if m.group(1) or _cue_after(view, m.end(), "id_after", lex) or _cue_before(
                    view, m.start(), "id_cue", lex, window=24, last=3):
                view.claim(m.start(), m.end(), "[id]")
    # A short number after a cue that names one: "okul numarası 1472", "student no 318".
    for t in view.words if "id_short" in view.cue_kinds else ():
        size = t.cues.get("id_short", 0) if t.cues else 0
        m = size and SHORT_ID.match(view.text, view.words[t.n + size - 1].end)
        if m:
            view.claim(m.start(1), m.end(1), "[id]")
    if not view.cue_kinds & {"passport_cue", "id_cue"}:
        return
    for m in CUED_CODE.finditer(view.text):
        digits = sum(c.isdigit() for c in m.group())
        # Other countries' passports mix letters and digits ("C7FJ29LKX"): after a passport cue
        # three digits in six characters are enough; after an id cue three digits in five
        # ("booking number: 7QX-228": a code mixing letters and digits is no quantity).
        if digits < 5 and not (digits >= 3 and len(m.group()) >= 6 and _cue_before(
                view, m.start(), "passport_cue", lex, window=32)) and not (
                digits >= 3 and _cue_before(view, m.start(), "id_cue", lex, window=24)):
            continue
        if _cue_before(view, m.start(), "passport_cue", lex, window=32):
            view.claim(m.start(), m.end(), "[passport]")
        elif _cue_before(view, m.start(), "id_cue", lex, window=24):
            view.claim(m.start(), m.end(), "[id]")


# Digit groups as people type them: "+90", "(0212)", "4567".
GROUP = re.compile(r"\+?(?:\d{0,2}\(\d+\)\d*|\(?\d+\)?)")    # also "0(532)000"
# Between groups: a few characters that are neither letters, digits nor line breaks, so
# "0532 ☎️ 123-45-67" is one run (an emoji can be several code points); a colon is never one
# (hours: "09:00").
SEP = r"(?:[^\w\n:\ufffc]{1,6}|_)"
RUN = re.compile(rf"(?<![\d+(]){GROUP.pattern}(?:{SEP}{GROUP.pattern})*")
LONGEST = 20  # groups in one number at most (a card read out a digit at a time has 16)


def _is_card(sizes: list[int]) -> bool:
    # Printed card layouts only (4-4-4-4, 4-6-5 or one block), so two phone numbers in a row are
    # never read as one card.
    if not 13 <= sum(sizes) <= 19:
        return False
    return (len(sizes) == 1 or sizes in ([4, 6, 5], [4, 6, 4])
            or (all(s == 4 for s in sizes[:-1]) and 1 <= sizes[-1] <= 4))


def _is_phone(first: str, sizes: list[int], digits: str) -> bool:
    n = len(digits)
    if first.startswith("+"):
        return 8 <= n <= 15                    # international: E.164 allows up to 15 digits
    if digits.startswith("00"):
        return 11 <= n <= 15                   # 00 instead of +
    if first.startswith("("):
        return 10 <= n <= 11                   # (0212) 555 12 34, (555) 123-4567
    if len(sizes) >= 7 and all(s == 1 for s in sizes):
        return 7 <= n <= 20                    # a digit at a time: "0 5 3 2 1 2 3 ..."
    if digits[0] == "0" and (10 <= n <= 11 or n == 12 and digits[1] != "0" and sizes[-1] >= 4):
        return True     # a trunk 0 in any grouping: "05 32 71 84 40 9", German "0151 23456789"
    # 0532 123 45 67, 532 123 45 67, 05321234567; "0 532 ..." too. A short first group
    # ("10 20 30 40 50") is a list of numbers.
    return 10 <= n <= 11 and (sizes[0] >= 3 or digits[:sizes[0]] == "0")


def _compact_date(digits: str) -> bool:
    if len(digits) == 8:
        return (_valid_date(int(digits[:2]), int(digits[2:4]), int(digits[4:]))
                or _valid_date(int(digits[6:]), int(digits[4:6]), int(digits[:4])))
    return len(digits) == 6 and _valid_date(int(digits[:2]), int(digits[2:4]), _year(digits[4:]))


class _Numbers:
    """Split a run of digit groups into personal numbers, longest first from the left."""

    def __init__(self, view: View, lex: Lexicon):
        self.view, self.lex = view, lex
        self.cues: dict[int, str | None] = {}
        self.card_ends: list[int] = []
        self.phone_ends: list[int] = []
        self.phone_starts: list[int] = []
        self.whole = False

    def label(self, groups: list[re.Match], *, by_cue: bool) -> str | None:
        raw = [g.group() for g in groups]
        parts = ["".join(c for c in g if c.isdigit()) for g in raw]
        digits, sizes = "".join(parts), [len(p) for p in parts]
        start = groups[0].start()
        cue = self.cue(start)
        if len(groups) == 1 and len(digits) in (6, 8) and _compact_date(digits) and (
                len(digits) == 8 or cue == "date_cue"):
            return "[date]"
        if len(sizes) == 3 and sizes[2] == 4 and sizes[0] <= 2 and sizes[1] <= 2 and (
                _valid_date(int(parts[0]), int(parts[1]), int(parts[2]))):
            return "[date]"
        if tc_kimlik_valid(digits) and raw[0][0] not in "+(":
            return "[national-id]"
        # A card's or a phone's groups are apart by spaces, hyphens or dots, never by a comma:
        # "4421, 11/26, 372" are three numbers.
        listed = any("," in self.view.text[a.end():b.start()]
                     for a, b in zip(groups, groups[1:], strict=False))
        if (_is_card(sizes) or (13 <= len(digits) <= 19 and set(sizes) == {1})) \
                and luhn_valid(digits) and not listed:
            return "[card]"         # also read out a digit at a time
        # A local number as printed in North America: "555 0199", "555-0199" (not "300 2024").
        local = sizes == [3, 4] and self.whole and digits[0] in "23456789" and re.fullmatch(
            r"[ .-]", self.view.text[groups[0].end():groups[1].start()]) is not None and not (
            re.fullmatch(r"(?:19|20)\d\d", parts[1]) and "-" not in raw[0] + raw[1])
        if (_is_phone(raw[0], sizes, digits) or local) and not listed:
            return {"id_cue": "[national-id]" if len(digits) == 11 else "[id]",
                    "iban_cue": "[iban]", "passport_cue": "[passport]",
                    "card_cue": "[card]"}.get(cue, "[phone]")
        # After an id cue a code with a leading zero is no quantity: "group 0045". What a cue
        # names may go on after a comma with codes ("..., 11/26, 372"), not with a count
        # ("Kredi kartı: 4543-6012-8877-1093, 3 taksit").
        counted = listed and any(
            "," in self.view.text[a.end():b.start()] and sizes[k + 1] == 1
            for k, (a, b) in enumerate(zip(groups, groups[1:], strict=False)))
        # A second number of the same record after an id is one too: "member ID: AXA 88 341
        # 902 77, group 4410", "poliçe no ..., grup 0412".
        follows_id = cue == "id_cue" and len(digits) >= 3 and bool(FOLLOWS_CODE.search(
            self.view.text, max(0, start - 40), start))
        if by_cue and cue and not counted and (
                len(digits) >= (5 if cue in ("id_cue", "passport_cue") else 7)
                or cue == "id_cue" and len(digits) >= 4 and digits[0] == "0" or follows_id) \
                and not self.amount(raw, groups):
            return {"date_cue": "[date]" if _compact_date(digits) else None,
                    "phone_cue": "[phone]", "id_cue": "[id]", "iban_cue": "[iban]",
                    "passport_cue": "[passport]", "card_cue": "[card]"}.get(cue)
        return None

    def amount(self, raw: list[str], groups: list[re.Match]) -> bool:
        # "1.500.000 TL", "15,000": thousands separators, not a personal number.
        seps = {self.view.text[a.end():b.start()] for a, b in zip(groups, groups[1:], strict=False)}
        return (len(raw) > 1 and seps in ({"."}, {","}) and 1 <= len(raw[0]) <= 3
                and all(len(g) == 3 for g in raw[1:]))

    def cue(self, start: int) -> str | None:
        if start not in self.cues:
            # The nearest cue names the number ("DOB 1983-11-07, passport 75 4812093"); on a
            # tie the order below decides.
            found = [(d, n, key) for n, key in enumerate(
                ("date_cue", "passport_cue", "iban_cue", "id_cue", "card_cue", "phone_cue"))
                if (d := _cue_distance(self.view, start, key, self.lex, window=32)) is not None]
            self.cues[start] = min(found)[2] if found else None
        return self.cues[start]

    def __call__(self, run: re.Match) -> None:
        groups = list(GROUP.finditer(self.view.text, run.start(), run.end()))
        self.whole = len(groups) == 2       # (a local number is a run of its own)
        # First by shape and checksum; then what is left, by the cue before it ("file no 48213").
        left = self.split([groups], by_cue=False)
        self.split(left, by_cue=True)

    def split(self, pieces: list[list[re.Match]], *, by_cue: bool) -> list[list[re.Match]]:
        """Claim numbers in each piece, longest first from the left; return what is left."""
        left: list[list[re.Match]] = []
        for groups in pieces:
            i, rest = 0, []
            while i < len(groups):
                for j in range(min(len(groups), i + LONGEST), i, -1):
                    label = self.label(groups[i:j], by_cue=by_cue)
                    if label:
                        first = i
                        # A card's digits in the groups before it are its own: "5500 0055 5555
                        # 4421" whose last twelve pass Luhn.
                        while label == "[card]" and rest and first - 1 >= 0 and re.fullmatch(
                                r"[ .-]", self.view.text[groups[first - 1].end():
                                                         groups[first].start()]) and \
                                groups[first - 1] is rest[-1] and first > i - 4:
                            rest.pop()
                            first -= 1
                        self.view.claim(groups[first].start(), groups[j - 1].end(), label)
                        if label == "[card]":
                            self.card_ends.append(groups[j - 1].end())
                        elif label == "[phone]":
                            self.phone_ends.append(groups[j - 1].end())
                            self.phone_starts.append(groups[i].start())
                        if rest:
                            left.append(rest)
                        rest, i = [], j
                        break
                else:
                    rest.append(groups[i])
                    i += 1
            if rest:
                left.append(rest)
        return left


# A code just claimed, a comma and one or two words (the cue) before a number.
FOLLOWS_CODE = re.compile("\ufffc" + r"[ \t]?[,;][ \t]{0,2}(?:[^\W\d_]{2,20}[ \t]){0,2}"
                          r"[^\W\d_]{2,20}[ \t]?(?:no\b|#)?[\s:.#]{0,3}$")


# A phone number with filler letters typed to dodge filters: "05 3 2 x 4 4 8 x 1 9 x 0 3",
# "0532a441b22c90": single letters between digit groups.
FILLED = re.compile(r"(?<![\w+(])\+?\d+(?:(?:[ \t.-]{0,2}[^\W\d_][ \t.-]{0,2}|[ \t.-]{1,3})\d+){2,}"
                    r"(?![\w])")


CARD_EXPIRY = re.compile(r"(?<![\d/.])(?:0?[1-9]|1[0-2])\s?/\s?(?:20)?\d{2}(?![\d/]|\.\d)")


def numbers(view: View, lex: Lexicon) -> None:
    """Phone, national id, card and other long numbers, in any spacing or separators; an
    expiry date right after a card is the card's ("..., 5388 8539 3363 3870, 10/25")."""
    # Pieces joined by words first: a cue may claim one piece alone ("my number is 07700 900
    # then 123").
    _glued_phones(view, lex)
    split = _Numbers(view, lex)
    for run in list(RUN.finditer(view.text)):
        split(run)
    for m in FILLED.finditer(view.text):
        digits = "".join(c for c in m.group() if c.isdigit())
        if re.search(r"[^\W\d_]", m.group()) and (
                8 <= len(digits) <= 15 if m.group()[0] == "+" else
                10 <= len(digits) <= 11 and digits[0] in "05"):
            view.claim(m.start(), m.end(), "[phone]")
    # A prefix typed apart belongs to the number after it: "0532 and then 418 27 90".
    for start in split.phone_starts:
        m = re.search(r"(?<![\d\ufffc])0\d{3}(?=[^\W\d_]*(?:\s+[^\W\d_]+){0,2}\s*,?\s*$)",
                      view.text[max(0, start - 24):start])
        if m:
            base = max(0, start - 24)
            view.claim(base + m.start(), base + m.end(), "[phone]")
    # An extension belongs to its phone number: "020 7946 0381 extension 22", "dahili 214".
    if split.phone_ends:
        words = "|".join(sorted(map(re.escape, lex.words["phone_extension"]), key=len,
                                reverse=True))
        extension = re.compile(rf"(?i)[\s,]{{1,2}}(?:{words})\.?[\s:.]{{0,2}}\d{{1,5}}(?!\d)")
        folded = _folded(view)     # once: each extension lies after the ones claimed before
        for end in split.phone_ends:
            m = extension.match(folded, end) if words else None
            if m:
                view.claim(end, m.end(), "[phone]")
    # A digit corrected after the number is the number's: "..., son rakam 3 değil 4", "sorry,
    # the last digit is 7" (both digits of "3 değil 4": either may be right).
    if split.phone_ends and lex.words["phone_correction"]:
        words = "|".join(sorted(map(re.escape, lex.words["phone_correction"]), key=len,
                                reverse=True))
        fix = re.compile(rf"(?i)(?<!\w)(?:{words})(?!\w)(?:\W{{1,3}}[^\W\d]+){{0,3}}?\W{{1,3}}"
                         rf"(\d{{1,4}})(?:(?:[ \t]+[^\W\d]+){{1,2}}?[ \t]+(\d{{1,4}}))?"
                         rf"(?![\d.,]\d)")
        folded = _folded(view)
        for end in split.phone_ends:
            m = fix.search(folded, end, end + 80)
            if m and not re.search(r"[.!?\n]\s", view.text[end:m.start()]):
                view.claim(m.start(1), m.end(1), "[phone]")
                if m.group(2) and len(m.group(2)) == len(m.group(1)):
                    view.claim(m.start(2), m.end(2), "[phone]")
    for end in split.card_ends:
        m = CARD_EXPIRY.search(view.text, end, end + 24)
        if m and not re.search(r"[^\W\d_]{3}|[.!?]\s", view.text[end:m.start()]):
            view.claim(m.start(), m.end(), "[card]")
    # A phone's prefix alone is part of it: "0533 diye başlayan numaramdan", "0 5 0 7 ile
    # başlayan numara", "my mobile starts 07957": a trunk 0 and three or four digits, in any
    # spacing, beside a phone cue.
    if "phone_cue" in view.cue_kinds:
        for m in PREFIX.finditer(view.text):
            digits = "".join(c for c in m.group() if c.isdigit())
            if 4 <= len(digits) <= 5 and digits[1] != "0" and (
                    _cue_before(view, m.start(), "phone_cue", lex, window=32)
                    or _cue_soon_after(view, m.end(), "phone_cue", lex)):
                view.claim(m.start(), m.end(), "[phone]")


# Digits apart by single spaces or hyphens: a prefix as people type it ("0533", "0 5 0 7").
PREFIX = re.compile(r"(?<![\w+(.,/\ufffc-])0(?:[ -]?\d){3,4}(?![\w.,/\ufffc]|-\d)")
GLUE_GAP = re.compile(r"[^\w,\ufffc]{0,3}")


def _glued_phones(view: View, lex: Lexicon) -> None:
    """A phone number read out in pieces with words or line breaks between them: "05 45 ve
    sonra 7 iki 1 ve 33 ve 08", "0-7-9-5-7 then 445 then 210", "0 5 3 3\n7 1 2\n6 6\n3 4".
    Pieces join across up to three glue words ("and then", "ardından", "yazıp"), a comma only
    beside one, and only into a phone's shape: a trunk 0 and 10 or 11 digits, or + and 8 to 15.
    """
    glue = lex.words["number_glue"]
    if "\n" not in view.text and not any(t.fold in glue for t in view.words):
        return
    groups = list(GROUP.finditer(view.text))
    if len(groups) < 2:
        return

    def joins(a: re.Match, b: re.Match) -> bool | None:
        """None: apart; False: joined by separators alone; True: by glue or a line break."""
        gap = view.text[a.end():b.start()]
        if len(gap) > 40:
            return None
        words = CUE_WORD.findall(gap)
        if len(words) > 3 or any(fold(w) not in glue for w in words):
            return None
        # (a comma only beside a glue word: "0542, sonra 312"; "10, 20, 30" is a list)
        rest = CUE_WORD.sub(" ", gap if words else gap.replace(",", "\ufffc"))
        if not all(GLUE_GAP.fullmatch(part) for part in rest.replace(",", "").split(" ")):
            return None
        return bool(words) or "\n" in gap

    # How each piece joins the next, found once (a long message stays linear).
    links = [joins(a, b) for a, b in zip(groups, groups[1:], strict=False)]
    digits = ["".join(c for c in g.group() if c.isdigit()) for g in groups]
    i = 0
    while i < len(groups) - 1:
        last = i
        while last + 1 < len(groups) and last - i < LONGEST - 1 and links[last] is not None:
            last += 1
        # The longest phone from this piece on, joined by a word or a line break somewhere;
        # after a phone cue any length a phone has ("text me: seven seven double oh nine, and
        # then zero zero one two three").
        plus = groups[i].group().startswith("+")
        cued = last > i and _cue_before(view, groups[i].start(), "phone_cue", lex, window=32)
        for j in range(last, i, -1):
            number = "".join(digits[i:j + 1])
            if (8 <= len(number) <= 15 if plus else 7 <= len(number) <= 15 if cued else
                    number[0] == "0" and 10 <= len(number) <= 11) and any(links[i:j]):
                view.claim(groups[i].start(), groups[j].end(), "[phone]")
                i = j + 1
                break
        else:
            i += 1


def _cue_soon_after(view: View, end: int, key: str, lex: Lexicon, words: int = 4) -> bool:
    """Is a cue of this kind (also under a case ending) among the next few words of the same
    clause ("0533 diye başlayan numaramdan")?"""
    if key not in view.cue_kinds:
        return False
    clause = re.split(r"[.!?\n;]", view.text[end:end + 48], maxsplit=1)[0]
    for word in CUE_WORD.findall(clause)[:words]:
        word = fold(word)
        found = lex.phrase_index.get(word) or lex.suffixed_cues.get(word, ())
        if any(kind == key and len(p) == 1 for kind, p in found):
            return True
    return False


# --------------------------------------------------------------------------------------------
# Recognisers that work on words


def _match_phrase(tokens: list[Token], i: int, key: str, lex: Lexicon) -> int:
    """Length in tokens of the longest cue phrase of kind `key` starting at token i, or 0."""
    cues = tokens[i].cues
    size = cues.get(key, 0) if cues else 0
    # The phrase was found among all words; here some may be claimed already.
    if size > 1 and (i + size > len(tokens) or tokens[i + size - 1].n != tokens[i].n + size - 1):
        return 0
    return size


# A street with no street word, its door number, a postcode and a town: "Am Markt 3, 04109
# Leipzig", "Via Roma 10, 00184 Roma" (a four-digit year is no postcode: "Grade 2, 2024 MRI").
CONTINENTAL = re.compile(r"(?<!\w)(?:[A-ZÀ-ÖØ-Þ][^\W\d_]*\.?[ \t]){1,3}\d{1,4}[A-Za-z]?,[ \t]*"
                         r"(?!(?:19|20)\d\d\b)\d{4,5}(?:-\d{3})?[ \t]+[A-ZÀ-ÖØ-Þ][a-zß-ÿ]+"
                         # and the country closing it: "..., 10563 Athens, Greece."
                         r"(?:,[ \t]*[A-ZÀ-ÖØ-Þ][a-zß-ÿ]+(?=[ \t]*(?:[.!?\n]|$)))?")
UK_POSTCODE = re.compile(r"(?i)(?<!\w)[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}(?!\w)")
US_STATE_ZIP = re.compile(r"[A-Z]{2}[ \t]+\d{5}(?!\d)")     # (a cheap test before the full one)
# A door number and a street's name before a word ("1208 Maple Ridge Dr").
DOOR_AND_NAME = re.compile(r"(?<![\w.,])\d{1,6}[A-Za-z]?[ \t]+((?:[A-Z][^\W\d_]*[ \t]+){1,3})$")


@lru_cache(maxsize=1)
def _us_zip_pattern() -> re.Pattern:
    """A town, a US state's two letters and a ZIP code: "Austin TX 78704", "New York, NY
    10019-1234"."""
    states = "|".join(sorted(w.upper() for w in lexicon().words["us_states"]))
    return re.compile(r"(?<![\w.])(?P<town>(?:[A-Z][^\W\d_]+[ \t]){0,2}[A-Z][^\W\d_]+),?[ \t]+"
                      rf"(?:{states})[ \t]+\d{{5}}(?:-\d{{4}})?(?![\w-])")


def _title_street(view: View, t: Token, lex: Lexicon) -> bool:
    """Is a street word that is also a title ("Dr") the title here? It is the street ("Drive")
    only after a door number and the street's name: "1208 Maple Ridge Dr"; "Hi Ayşe, Dr. Özer
    3 gün dedi", "after 3 Dr visits", "14 Mayıs Dr Kaya" name the doctor."""
    if not (t.cues and "title_before" in t.cues):
        return False
    m = DOOR_AND_NAME.search(view.text, max(0, t.start - 60), t.start)
    return not m or any(fold(w) in lex.months for w in m.group(1).split())


def addresses(view: View, lex: Lexicon) -> None:
    """Street addresses: a street word (Cad., Sok., Mah., Street, Rue, '-gatan') with the words
    and door numbers around it, hotel rooms, postcodes, 'Kadıköy/İstanbul', and what follows
    'my address is' / precedes 'oturuyorum' when it is more than a city's name."""
    # In lower case a postcode needs an address around it ("flat 3, 22 willow lane, m20 6rt").
    addressed = bool(view.cue_kinds & {"street", "street_strong", "unit", "residence"})
    for m in UK_POSTCODE.finditer(view.text):
        if m.group().isupper() or addressed and " " in m.group():
            view.claim(m.start(), m.end(), "[address]")
    tokens = view.tokens()
    if not tokens:
        return
    stop, suffixes = lex.words["name_stop"], lex.words["street_suffixes"]
    number_after = re.compile(r"[\s:.,]{0,3}(?:no\b[\s:.]*)?\d", re.IGNORECASE)

    def anchor(i: int) -> int:
        """Words in the street word at token i that anchor an address here, or 0."""
        t = tokens[i]
        named = i > 0 and tokens[i - 1].capital and tokens[i - 1].fold not in stop
        strong = _match_phrase(tokens, i, "street_strong", lex)
        weak = _match_phrase(tokens, i, "street", lex)
        if weak and _title_street(view, t, lex):
            weak = 0
        if strong or weak:
            # (a number in the sentence before says nothing: "3 sessions. Street lights hurt")
            opening = _sentence_start(view, t)
            near = view.text[t.start if opening else max(0, tokens[i - 1].start - 8) if i else 0:
                             t.end + 10]
        # A strong street word with a capital, a number or a residence cue by it: "Bağdat
        # Caddesi", "bagdat caddesi 145", "adresim gul sokak"; not "the cliff road tonight",
        # nor a sentence's first word with no name before it ("Sokakta yürürken").
        if strong and (t.capital and not opening or named or DIGIT.search(near)
                       or any(u.cues and "residence" in u.cues for u in tokens[max(0, i - 4):i])):
            return strong
        if weak and named and DIGIT.search(near):
            return weak     # "Elm Close 5", "Seaview Hotel, room 412": a name and a number
        if weak and t.capital and re.search(r"\d(?:st|nd|rd|th)[ \t]{1,2}$",
                                            view.text[max(0, t.start - 8):t.start]):
            return weak     # a numbered street: "220 W 57th St", "5th Avenue"
        if t.capital and number_after.match(view.text, t.end) and any(
                t.stem.endswith(x) and len(t.stem) > len(x) + 2 for x in suffixes):
            return 1        # "Storgatan 12", "Hauptstraße 5"
        unit = _match_phrase(tokens, i, "unit", lex)
        after = view.text[tokens[i + unit - 1].end:] if unit else ""
        if unit and named and (re.match(r":\s?\d", after) or (
                len(t.stem) > 1 and re.match(r"[\s:.]{0,3}\d", after))):
            return unit     # "Akarsu Yokuşu No: 17", "D:5"; not "Vitamin D 50,000"
        return 0

    claimed: list[tuple[int, int]] = []
    reached = 0     # an anchor inside an address already taken adds nothing: stay linear
    for i, t in enumerate(tokens):
        if t.start < reached:
            continue
        size = anchor(i)
        if not size:
            continue
        # Left: up to three words of the street's name ("Bağdat", "ataturk", "Gül", "221B").
        start, k = t.start, i - 1
        while k >= 0 and i - k <= 3:
            prev = tokens[k]
            gap = view.text[prev.end:tokens[k + 1].start]
            # (a full stop ends the address, not an ordinal's: "Ataköy 7-8-9-10. Kısım")
            if not re.fullmatch(r"[\s\d/.,-]{0,12}", gap) or MASK in gap or "." in gap.strip() \
                    and not re.fullmatch(r"\s*\d+(?:-\d+)*\.\s*", gap):
                break
            if prev.fold in stop or prev.cues and prev.cues.keys() & {"residence", "intro"}:
                break
            # Across a comma only another part of the address ("Atatürk Mah., Gül Sok.", "Flat
            # 7B, 40 Queen's Road"); a capitalised word alone may be the person ("attn. Klaus
            # Brandt, Hauptstraße 45").
            part = prev.stem in lex.places or DIGIT.search(
                view.text, max(0, prev.start - 1), tokens[k + 1].start) or prev.cues and (
                prev.cues.keys() & {"street", "street_strong", "unit"})
            if "," in gap and not part:
                break
            start, k = prev.start, k - 1
        digits_before = re.search(r"\d+[A-Za-z]?\s*$", view.text[max(0, start - 8):start])
        if digits_before:
            start -= len(view.text[max(0, start - 8):start]) - digits_before.start()
        end = _extend_address(view, tokens, i + size - 1, lex)
        # A street said with "a"/"bir" and no number is any such street, no one's address:
        # "there is a Dr. Jekyll street near my house", "her şehirde bir Atatürk Caddesi var".
        b = k
        while b >= 0 and tokens[b].cues and "title_before" in tokens[b].cues:
            b -= 1
        if not digits_before and b >= 0 and tokens[b].fold in lex.words["indefinite"] and \
                not DIGIT.search(view.text, start, end) and not any(
                    _match_phrase(tokens, j, "street", lex) for j in range(k + 1, i)):
            continue
        claimed.append((start, end))
        reached = end
    # Two places joined by a slash, or a postcode with a place: "Kadıköy/İstanbul", "34710 Kadıköy".
    for m in re.finditer(r"(?<!\w)(?:\d{5}\s+)?([^\W\d_]+)\s*/\s*([^\W\d_]+)", view.text):
        if fold(m.group(1)) in lex.places and fold(m.group(2)) in lex.places:
            claimed.append((m.start(), m.end()))
    for m in re.finditer(r"(?<![\d.])\d{5}\s+([^\W\d_]+)", view.text):
        if fold(m.group(1)) in lex.places:
            claimed.append((m.start(), m.end()))
    for m in CONTINENTAL.finditer(view.text):
        claimed.append((m.start(), m.end()))
    if view.cue_kinds & {"residence", "residence_after"}:
        claimed += _residences(view, tokens, lex)
    for start, end in claimed:
        view.claim(start, end, "[address]")


def _specific(view: View, start: int, end: int, tokens: list[Token], lex: Lexicon) -> bool:
    """Is text[start:end] more than a place's name ("Kadıköy", "Germany" alone identify
    nobody): a number, or a street, hotel or unit word?"""
    if DIGIT.search(view.text, start, end):
        return True
    return any(start <= t.start < end and (_match_phrase(tokens, k, "street", lex)
                                           or _match_phrase(tokens, k, "unit", lex))
               for k, t in enumerate(tokens))


def _residences(view: View, tokens: list[Token], lex: Lexicon) -> list[tuple[int, int]]:
    """What follows "my address is", "I live at", "adresim:", or precedes "... oturuyorum"."""
    stop, fillers = lex.words["name_stop"], lex.words["residence_filler"]
    found = []
    for i, t in enumerate(tokens):
        size = _match_phrase(tokens, i, "residence", lex)
        k = i + size
        while size and k < len(tokens) and tokens[k].fold in fillers:
            k += 1
        if size and k < len(tokens) and not re.search(r"[.!?\n]", view.text[t.end:tokens[k].start]):
            lead = view.text[tokens[k - 1].end:tokens[k].start]
            start = tokens[k].start
            number = re.match(r"[\s:,-]*(\d)", view.text[tokens[k - 1].end:])
            if number and number.start(1) < len(lead):
                start = tokens[k - 1].end + number.start(1)
            end = _extend_address(view, tokens, k - 1, lex, loose=True, start=start)
            if end > start and _specific(view, start, end, tokens, lex):
                found.append((start, end))
        after = _match_phrase(tokens, i, "residence_after", lex)
        if after and i:
            k, start = i - 1, None
            while k >= 0 and i - k <= 4 and not re.search(
                    r"[.!?\n,]", view.text[tokens[k].end:tokens[k + 1].start]):
                u = tokens[k]
                if u.fold in stop or not (u.capital or u.stem in lex.places or DIGIT.search(
                        view.text, u.end, tokens[k + 1].start) or _match_phrase(
                        tokens, k, "street", lex) or _match_phrase(tokens, k, "unit", lex)):
                    break
                start, k = u.start, k - 1
            if start is not None and _specific(view, start, tokens[i - 1].end, tokens, lex):
                found.append((start, tokens[i - 1].end))
    return found


def _extend_address(view: View, tokens: list[Token], i: int, lex: Lexicon,
                    loose: bool = False, start: int | None = None) -> int:
    """From token i, take door numbers, more street words, places and postcodes to the right.
    `loose` (after a residence cue): any words up to a comma, then address-like ones only."""
    stop = lex.words["name_stop"]
    pos = end = tokens[i].end if start is None else start
    k = i + 1
    while k < len(tokens) and tokens[k].start < pos:
        k += 1
    words_taken, comma, placed = 0, False, False
    # A street word seen; a door number with it (after it, or before it: "14 Oak Road").
    streeted = numbered = had_number = False
    while True:
        # Numbers and their punctuation: " No:12/3", " 221B", ", 34710", " D:5", " 114 51".
        m = re.match(r"[\s,:./-]{0,3}\d+[A-Za-z]?(?:\s?[/-]\s?\d+[A-Za-z]?)?", view.text[pos:])
        if m and MASK not in m.group() and not (
                re.search(r"[.!?]\s", m.group()) and not _abbreviation(tokens, k - 1, lex)):
            numbered = numbered or streeted or bool(_match_phrase(tokens, k - 1, "street", lex))
            had_number = True
            pos = end = pos + m.end()
            while k < len(tokens) and tokens[k].start < pos:
                k += 1
            continue
        if k >= len(tokens):
            break
        t = tokens[k]
        gap = view.text[pos:t.start]
        if not re.fullmatch(r"[\s,:./-]{0,4}", gap) or MASK in gap or "\n" in gap:
            break
        if re.search(r"[.!?](?:\s|$)", gap) and not _abbreviation(tokens, k - 1, lex) and not (
                gap.startswith(".") and view.text[pos - 1:pos].isdigit()
                and _match_phrase(tokens, k, "unit", lex)):
            break           # a full stop ends the address, unless it ends "Cad.", "No." or an
            #                 ordinal before a unit ("3. kat daire 7")
        comma = comma or "," in gap
        unit = _match_phrase(tokens, k, "unit", lex)
        street = _match_phrase(tokens, k, "street", lex)
        if street and _title_street(view, t, lex):
            street = 0
        if unit and (re.match(r"[\s:.]*\d", view.text[tokens[k + unit - 1].end:]) or re.search(
                r"\d\.?[ \t]*$", view.text[max(0, t.start - 6):t.start])):
            k += unit       # "No: 12", "D:5", and after its number: "3. kat"
        elif street or t.stem in lex.places:
            placed = placed or not street
            streeted = streeted or bool(street)
            numbered = numbered or bool(street) and had_number
            k += max(street, 1)
        elif t.fold in lex.words["name_particles"] and not t.capital and k + 1 < len(tokens) \
                and tokens[k + 1].capital and re.fullmatch(
                    r"\s{1,2}", view.text[t.end:tokens[k + 1].start]):
            k += 2          # a street's name after a particle: "7 Rue des Lilas"
        elif t.text.isupper() and len(t.text) <= 3 and re.match(r"\s\d{4,5}\b", view.text[t.end:]):
            k += 1          # a state and its ZIP code: "IL 62704"
        elif t.fold in stop:
            break
        elif t.capital and re.search(r"(?<![\d.,])\d{4,5}(?:-\d{3})?\s{1,2}$",
                                     view.text[max(0, pos - 11):t.start]):
            k += 1          # a town after its postcode: "80331 München", "1012 Amsterdam"
        elif t.capital and re.match(r"(?:[ \t]+[A-Z][^\W\d_]+){0,2},?[ \t]+(?:[A-Z]{2,3}[ \t]+"
                                    r"\d{5}|[A-Z]{1,2}\d[A-Z\d]?)(?!\w)", view.text[t.end:]):
            k += 1          # a town before its state and ZIP or postcode: "Dayton OH 45402",
            #                 "New York NY 10019"
        elif t.text.isupper() and len(t.text) <= 2 and re.match(r"\d[A-Z\d]?(?!\w)",
                                                                view.text[t.end:]):
            k += 1          # a British postcode's first half: "BS1"
        elif t.capital and comma and DIGIT.search(view.text, tokens[i].start, pos) and re.match(
                r"[ \t]*(?:[.!?\n]|$)", view.text[t.end:]):
            k += 1          # a town or country closing the address: "..., 10563 Athens, Greece."
        # Once a street has its door number, only places and codes follow (not "... No 9
        # Ambulans gönderin").
        elif t.capital and (loose and not numbered or (k + 1 < len(tokens) and (
                _match_phrase(tokens, k + 1, "street", lex) or tokens[k + 1].stem in lex.places))):
            k += 1          # the next street's name: "Moda Mah. Bahariye Cad."
        elif loose and not comma and words_taken < 4 and not placed and not numbered:
            # (a town or city ends a Turkish address: "... Ödemiş oraya rapor gönderilsin")
            k += 1          # typed in lowercase after a cue: "adresim bagdat caddesi ..."
            words_taken += 1
        else:
            break
        pos = end = tokens[k - 1].end
    return end


def _abbreviation(tokens: list[Token], k: int, lex: Lexicon) -> bool:
    """Does token k end with an abbreviation's dot rather than a sentence's ("Cad.", "No.")?"""
    if k < 0 or k >= len(tokens):
        return False
    t = tokens[k]
    return len(t.stem) <= 3 or bool(_match_phrase(tokens, k, "street", lex)
                                    or _match_phrase(tokens, k, "unit", lex)) or (
        t.capital and t.stem.endswith(tuple(lex.words["street_suffixes"])))    # "Hauptstr. 5"


def _eponym(view: View, tokens: list[Token], i: int, lex: Lexicon, kinds: frozenset) -> bool:
    """Is token i a medical eponym here: "Baker's cyst", "Patrick test", "Osgood-Schlatter"?"""
    nouns = lex.words["eponym_nouns"]
    for k in range(i + 1, min(i + 3, len(tokens))):
        # (a plural's bare apostrophe too: "Graves' disease")
        if not re.fullmatch(r"['’]?[\s-]{1,3}", view.text[tokens[k - 1].end:tokens[k].start]):
            break       # "I'm Ethan, 42, surgery on ..." names nobody's surgery
        if tokens[k].fold in nouns or tokens[k].stem in nouns:
            return True
        if tokens[k].stem not in lex.eponyms:
            break
    # A known eponym that is nobody's name needs no noun: "Achilles", "Osgood-Schlatter"; in
    # capitals it is a name on a form ("MÜLLER-WEISS"), and after a given name a surname ("My
    # name is James Parkinson").
    return tokens[i].stem in lex.eponyms and not kinds & {"first", "last"} and not (
        tokens[i].text.isupper() and len(tokens[i].text) > 3) and not (
        i > 0 and tokens[i - 1].capital and "first" in lex.names.get(tokens[i - 1].stem, ())
        and re.fullmatch(r"[ \t]", view.text[tokens[i - 1].end:tokens[i].start])
        and view.text[tokens[i].end:tokens[i].end + 1] != "-")


@lru_cache(maxsize=1)
def _word_zipf() -> dict[str, float]:
    """How common each folded word is in any language the app speaks (wordfreq's Zipf scale,
    chatbot/data/<lang>/common_words.tsv); read only when a rare case asks."""
    zipf: dict[str, float] = {}
    for path in sorted(DATA.glob("*/common_words.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            word, _, value = line.partition("\t")
            if value and word[0] != "#":
                zipf[word] = max(zipf.get(word, 0.0), float(value))
    return zipf


INITIAL_ZIPF = 3.5      # "K. Nakamura" (3.1), not "B. Patients" ("patients": 4.5)


def _verb_form(word: str, lex: Lexicon) -> bool:
    """Is the folded word a verb in a tense ("vurdu", "bagirdi", "agliyor"): an everyday word
    (in a common-word list) that is a tense's ending (`verb_tenses`) after a verb's stem, one
    whose infinitive is an everyday word too ("vurmak", "aglamak"; "kedi" is no "kemek")?"""
    zipf = _word_zipf()
    return word in zipf and any(
        word.endswith(end) and any(word[:-len(end)] + inf in zipf
                                   for inf in ("mak", "mek", "amak", "emek"))
        for end in lex.words["verb_tenses"])


NICKNAME_ZIPF = 5.5     # "bana pamuk derler" is a nickname; "bana hep derler" ("hep": 5.7) is not


def _sentence_start(view: View, t: Token) -> bool:
    # (a bounded look back keeps a message of many names linear)
    before = view.text[max(0, t.start - 40):t.start].rstrip(" \t\"'(«“-")
    # An initial's dot ends no sentence: "T. Şen".
    return not before or before[-1] in ".!?\n:;" and not re.search(r"(?<!\w)[A-Z]\.$", before)


TURKISH_ONLY = re.compile("[çğışÇĞİŞ]")
NAME_GAP = re.compile(r"[ \t]{1,3}|-")     # "Ayşe Yılmaz", "Anna-Lena", "Müller-Weiss"
CUE_GAP = re.compile(r"[\s:,\-\"'“(]{0,4}")     # also a name in brackets: "my uncle (ray dunn)"
SIGN_GAP = re.compile(r"[\s:,\-\"'“.!]{0,5}")
TITLE_GAP = re.compile(r"\.?[\s:,\-\"'“]{0,3}")   # "Dr. Özer", "Mrs. Hoffmann"


def names(view: View, lex: Lexicon) -> None:
    """Personal names: after an introduction ('my name is', 'adım', 'ben'), a title ('Dr.',
    'Sayın') or a relation ('my son', 'kızım'), before 'Hanım'/'Bey'/'here', in a signature,
    and any known given name that is not also an everyday word; with the name words beside
    it ("Ayşe Yılmaz", "Jeroen de Vries") and wherever else the message repeats it."""
    tokens = view.tokens()
    if not tokens:
        return
    stop, particles = lex.words["name_stop"], lex.words["name_particles"]
    contractions = lex.words["contraction_suffixes"]
    n = len(tokens)
    mark = [False] * n
    blocked = [False] * n   # a cue that introduced a name is not one ("Ben" in "Ben Ayşe")
    vouched = [False] * n   # found after a cue: its repeats are the name in any case
    cache: dict[int, frozenset[str]] = {}
    # A note in brackets may follow a signature: "- Derya (hasta yakını)", "T. Şen (tennis elbow)".
    note = re.search(r"\([^()]*\)[\s.!]*$", view.text)
    tail_note = note.start() if note else len(view.text)
    signed = n
    while signed > 0 and tokens[signed - 1].start >= tail_note:
        signed -= 1

    def kinds(k: int) -> frozenset[str]:
        if k in cache:
            return cache[k]
        t = tokens[k]
        found = lex.names.get(t.stem)
        # Folding lets "ayse" be Ayşe; a word written with letters the name lacks is another
        # word: "yaşın" (your age) is not Yasin. A foreign name the list spells in ASCII keeps
        # its own letters when capitalised: "Müller" is Muller.
        stem_text = t.text[:t.stem_end - t.start]
        if found and not stem_text.isascii() and _lower(stem_text) not in lex.spellings and not (
                t.capital and "lang:tr" not in found and not TURKISH_ONLY.search(stem_text)):
            found = None
        if found is None and len(t.stem) >= 5 and t.stem_end == t.end:
            # A case ending without an apostrophe, in the name's own language: "Ayşeyim".
            for cut in range(max(3, len(t.stem) - 5), len(t.stem) - 1):
                head = lex.names.get(t.stem[:cut])
                if head and "first" in head and not head & {"word", "rare"} and any(
                        t.stem[cut:] in lex.name_suffixes.get(k[5:], ())
                        for k in head if k.startswith("lang:")) and (
                        _lower(stem_text[:cut]) in lex.spellings if not stem_text.isascii()
                        else t.capital):
                    # Spelled as the name, or capitalised when typed without Turkish letters:
                    # "yaşından" and "45 yasindan beri" are no "Yasin'den".
                    found = head
                    break
        cache[k] = found or frozenset()
        return cache[k]

    def known(k: int) -> bool:
        return bool(kinds(k) & {"first", "last"})

    def usable(k: int, labelled: bool = False, cued: bool = False) -> bool:
        t = tokens[k]
        if blocked[k] or len(t.stem) < 2 or view.text[max(0, t.start - 2):t.start] in (
                MASK + "'", MASK + "’"):
            return False    # a case ending left after an earlier pass: "[name]'yi"
        # A stop word is no name ("can", "will"), unless capitalised and a known name ("Will"),
        # mid-sentence or in a form's field ("Hastanın adı: Can Erdem"), or a given name alone
        # right after an introduction ("ismim can, 12 yaşındayım").
        # (or before a title that follows names: "komşumuz can amca")
        # A capital says nothing of a word written so by rule ("see you on Sunday"), and a stop
        # word before a pronoun is a word ("Dr. Can you help", "Will it heal").
        titled = k + 1 < n and bool(tokens[k + 1].cues) and "title_after" in tokens[k + 1].cues
        if (t.fold in stop or t.stem in stop) and not (
                t.capital and known(k) and (labelled or not _sentence_start(view, t)) and (
                    t.fold not in lex.words["capitalised_words"] and t.fold not in lex.words[
                        "states"] or labelled and not cued)
                and not (k + 1 < n and tokens[k + 1].text.islower()
                         and tokens[k + 1].fold in lex.words["pronouns"]
                         and re.fullmatch(r"[ \t]{1,3}", view.text[t.end:tokens[k + 1].start]))
                or cued and "first" in kinds(k) and (delimited(k) or tailed(k, "name_quote")
                                                     or titled)
                # (or before a known name after an introduction: "name: will hart")
                or labelled and cued and "first" in kinds(k) and k + 1 < n and adjacent(k, k + 1)
                and known(k + 1) and tokens[k + 1].fold not in stop):
            return False
        if t.stem_end != t.end and t.fold[len(t.stem) + 1:] in contractions:
            return False
        # A month after a day is a date's: "14 May".
        if t.stem in lex.months and re.search(r"\d[\s.]{0,2}$", view.text[:t.start]):
            return False
        return not _eponym(view, tokens, k, lex, kinds(k))

    def caps(k: int) -> bool:
        """In capitals, as names are written on forms: "SMITH", "ŞAHİNOĞLU"; no acronym."""
        t = tokens[k]
        stem_text = t.text[:t.stem_end - t.start]
        return stem_text.isupper() and (len(stem_text) >= 4 or known(k))

    def plain_name(k: int) -> bool:
        """A known name that is no everyday word: a name whatever its case."""
        return known(k) and "word" not in kinds(k)

    def adjacent(a: int, b: int) -> bool:
        return tokens[a].stem_end == tokens[a].end and bool(
            NAME_GAP.fullmatch(view.text[tokens[a].end:tokens[b].start]))

    def street(k: int) -> bool:
        return bool(_match_phrase(tokens, k, "street", lex)
                    or _match_phrase(tokens, k, "street_strong", lex))

    def delimited(k: int) -> bool:
        """Does the word stand alone: punctuation, a number or the end after it ("ben yagmur,")?"""
        return bool(re.match(r"\s*(?:[,.;:!?)\-–—\ufffc\u2600-\u27bf\U0001f000-\U0001faff]|\d|$)",
                             view.text[tokens[k].end:]))     # (an emoji too: "ben ibo 😅")

    def tailed(k: int, key: str = "name_tail") -> bool:
        """Is the word followed by what follows a name: "it's peter btw", "daisy from insta";
        or (key "name_quote") by a word that quotes one: "bn can dedim"?"""
        return k + 1 < n and tokens[k + 1].fold in lex.words[key] and bool(
            re.fullmatch(r"[ \t]{1,3}", view.text[tokens[k].end:tokens[k + 1].start]))

    def phrased(k: int, opening: bool = False) -> bool:
        """Does a name that is also a word make a phrase with the next word, in lower case: "my
        mother rose from the chair", "annem deniz kenarında"? Then it is the word. In English
        only a verb does so ("my son hunter from school" is a name). `opening`: also capitalised
        opening a sentence, where a capital says nothing ("Deniz ben. Deniz kenarında")."""
        return (tokens[k].text.islower() or opening and _sentence_start(view, tokens[k])) and (
            "word" in kinds(k)) and (
            "enword" not in kinds(k) or tokens[k].fold in lex.words["verb_names"]) and (
            k + 1 < n and tokens[k + 1].fold.startswith(tuple(lex.words["word_phrase"]))) and bool(
            re.fullmatch(r"[ \t]{1,3}", view.text[tokens[k].end:tokens[k + 1].start]))

    def opening(k: int) -> bool:
        """Does the word open a sentence, also after a greeting ("Merhaba, deniz - 27")?"""
        return _sentence_start(view, tokens[k]) or k > 0 and tokens[k - 1].fold in lex.words[
            "greeting"] and _sentence_start(view, tokens[k - 1]) and bool(re.fullmatch(
                r"[\s,!.]{1,3}", view.text[tokens[k - 1].end:tokens[k].start]))

    def take(k: int, *, explicit: bool, title: bool = False, greeted: bool = False,
             related: bool = False, signed: bool = False) -> bool:
        """Mark the name that starts at token k (after a cue) and the name words after it.
        `greeted`: the cue came after a greeting ("hey its river,"), which makes it surely an
        introduction: any word standing alone after it is a name."""
        # Only a title's dot is no sentence's end; a signature may follow its sign-off's
        # ("Teşekkürler. umut").
        gap = TITLE_GAP if title else SIGN_GAP if signed else CUE_GAP
        if k >= n or not gap.fullmatch(view.text[tokens[k - 1].end:tokens[k].start]):
            return False
        t = tokens[k]
        if t.text.islower() and t.cues and t.cues.keys() & {"intro", "intro_name"}:
            return False    # a cue is no name: "oglumun adi deniz" (its own cue takes "deniz")
        initial = k
        if len(t.text) == 1 and t.text.isupper() and k + 1 < n and re.fullmatch(
                r"\.\s{1,2}", view.text[t.end:tokens[k + 1].start]) and tokens[k + 1].capital:
            k, t = k + 1, tokens[k + 1]     # an initial first: "T. Şen"
        # A title's name before a street word names the street: "a Dr. Jekyll street", "Dr.
        # Sadık Ahmet Caddesi" (the address, if it is one, is the addresses' to take).
        if title:
            m = k
            while m + 1 < n and m - k < 3 and adjacent(m, m + 1):
                if street(m + 1):
                    return False
                m += 1
        # A title that is no greeting labels what follows ("attn. Will Bennett", "Dear Will"):
        # its dot ends no sentence. ("Hello. Will you ..." asks.)
        formal = title and tokens[k - 1].fold not in lex.words["greeting"]
        if not usable(k, labelled=explicit or formal, cued=not title):
            return False
        # After "I'm"/"ben" a word for how one is is no name, whatever its case: "I'm ok-ish";
        # nor is a nationality ("I'm British", "ben Almanım").
        if not explicit and (t.fold in lex.words["states"] or _occupation(
                t.fold, lex.words["nationalities"], lex.words["occupation_suffixes"])):
            return False
        # A name that is also a word ("ben yagmur,", "it's peter btw"), standing alone after an
        # introduction or before "btw"/"from"; not an English word ("I'm done."). Under a
        # Turkish apostrophe ending a given name is a name ("kız kardeşim nehir'i").
        # (a word quoting a name vouches for an English word too: "bn can dedim")
        alone = "first" in kinds(k) and (delimited(k) or tailed(k) or greeted) and (
            "enword" not in kinds(k) or not kinds(k) & {"rare"} and "lang:en" in kinds(k)) or (
            "first" in kinds(k) and (t.stem_end != t.end or tailed(k, "name_quote"))) or (
            greeted and (delimited(k) or tailed(k)))
        # A word quoted as what the writer is called is a nickname, known or not ("bana minnoş
        # derler", "i'm zorblax aka z"), unless too common a word to be one ("bana hep derler")
        # or a verb ("bana bağırdı diye"). A word that also reports speech (`speech_quote`:
        # "diyor", "diye", "called") quotes a name only after a cue that names ("bana", "adı"):
        # after "ben" or a relative it quotes what was said ("eşim iltihap diyor", "ben
        # romatizma diye düşünüyorum", "it is sometimes called").
        if not title and tailed(k, "name_quote") and (
                tokens[k + 1].fold not in lex.words["speech_quote"]
                or tokens[k - 1].fold in lex.words["nickname_cue"]) and not _verb_form(
                    t.fold, lex) and _word_zipf().get(t.fold, 0.0) < NICKNAME_ZIPF:
            alone = True
        if phrased(k):
            alone = False
        # After a relative's word a given name that is also a word is a name ("eşim deniz",
        # "my daughter grace fell"), unless it makes a verb with the next word ("babam umut
        # etmiyor"); a stop word only alone ("my son will play").
        if related and "first" in kinds(k) and "rare" not in kinds(k) and len(t.stem) > 2 and not (
                k + 1 < n and tokens[k + 1].fold.startswith(tuple(lex.words["light_verbs"]))
                or phrased(k)):
            alone = True
        # In capitals a known name or a form's field ("KIZIM JILETLE ..." is shouting); after a
        # title only a word long enough to be no acronym ("MR CD'si").
        shouted = caps(k) and (explicit or known(k)) and (not title or len(t.stem) >= 4)
        if not (explicit or t.capital or shouted or plain_name(k) or alone):
            return False
        for m in range(initial, k + 1):
            mark[m] = vouched[m] = True
        # A name begun in capitals goes on in capitals, short words too: "ELIF SU BAYRAKTAR".
        in_caps = t.text[:t.stem_end - t.start].isupper() and len(t.stem) > 1
        last = min(n, k + 3)
        for m in range(k + 1, min(n, k + 4)):
            if m >= last:
                break
            # A middle initial between name words: "EMILY R STONE", "John R. Smith".
            if len(tokens[m].text) == 1 and tokens[m].text.isupper() and m + 1 < n and \
                    adjacent(m - 1, m) and re.fullmatch(r"\.?[ \t]{1,2}", view.text[
                        tokens[m].end:tokens[m + 1].start]) and usable(m + 1) and (
                    tokens[m + 1].capital or caps(m + 1)):
                mark[m] = True
                last = min(n, last + 1)
                continue
            shouting = in_caps and explicit and tokens[m].text.isupper()    # "ELIF SU"
            initial_before = len(tokens[m - 1].text) == 1 and mark[m - 1]
            # In lower case a name goes on only as it began ("ben zeynep kaya"; not "Dr. Özer
            # said").
            # After an introduction a name word that is also a stop word goes on between two
            # names: "ad soyad: emre can doğan" (not "my name is Will can I ...").
            between = explicit and not blocked[m] and known(m) and m + 1 < n and adjacent(
                m, m + 1) and known(m + 1) and tokens[m].text.islower() == t.text.islower()
            # (a surname of a name's shape, in any case: "sam o'neill", "d'angelo")
            shaped = re.fullmatch(r"[^\W\d_]['’][^\W\d_]{3,}", tokens[m].text)
            if not ((adjacent(m - 1, m) or initial_before)
                    and (usable(m) or shouting and len(tokens[m].stem) > 1 or between)
                    and (
                    tokens[m].capital or caps(m) or (plain_name(m) if t.capital else known(m))
                    or shaped
                    or in_caps and tokens[m].text[
                        :tokens[m].stem_end - tokens[m].start].isupper())):
                break
            mark[m] = True
        return True

    # The clinic's own doctor is no visitor's data: a run of the clinic's name words after a
    # doctor's title ("Dr. Özer", "op. dr. utku erdem ozer"), before one ("Utku Erdem Özer
    # hocam", "utku beyden"), or two of them in a row ("Utku Erdem Özer") stays, and no later
    # step takes it. "Özer" alone may be anyone; another doctor ("Dr. Kaya") is removed.
    if _clinic:
        titles = lex.words["doctor_title"]
        i = 0
        while i < n:
            j = i
            while tokens[j].stem in _clinic and j + 1 < n and tokens[j + 1].stem in _clinic \
                    and adjacent(j, j + 1):
                j += 1
            if tokens[i].stem in _clinic and (
                    j > i or i and tokens[i - 1].fold in titles and TITLE_GAP.fullmatch(
                        view.text[tokens[i - 1].end:tokens[i].start])
                    or j + 1 < n and any(tokens[j + 1].fold.startswith(w) for w in titles
                                         if len(w) > 2) and adjacent(j, j + 1)):
                for k in range(i, j + 1):
                    blocked[k] = True
            i = j + 1

    titles = lex.titles
    for i in range(n):
        if not tokens[i].cues:
            continue    # no cue phrase starts here (_match_phrase: 0 for every kind)
        for key in ("intro", "intro_name", "title_before", "relation", "signoff"):
            size = _match_phrase(tokens, i, key, lex)
            if not size:
                continue
            k = i + size
            # A relative named with a copula: "my twin is poppy".
            if key == "relation" and k + 1 < n and tokens[k].fold in lex.words["relation_is"] \
                    and not (tokens[k + 1].cues and NAME_CUES & tokens[k + 1].cues.keys()):
                k += 1
            # Titles in a row are one: "Sayın Op. Dr. Utku Erdem Özer" ("Op." is no name).
            while key == "title_before" and k < n and tokens[k].fold in titles and \
                    TITLE_GAP.fullmatch(view.text[tokens[k - 1].end:tokens[k].start]):
                k += 1
            if key == "signoff":
                # A signature ends the message: at most three words after the sign-off.
                fired = k < n and signed - k <= 3 and not re.search(
                    r"[^\W\d_]", view.text[tokens[signed - 1].end:tail_note]) and take(
                    k, explicit=False, signed=True)
            else:
                # A label with a colon is a form's field: what follows is the name, whatever
                # its case ("name: o'connor", "Hastanın adı: Can Erdem").
                # Lower case only for a name's shape ("o'connor"): "patient: recurrent ..." is
                # a complaint.
                label = key in ("intro_name", "relation") and view.text[tokens[k - 1].end:
                                                          tokens[k - 1].end + 2].startswith(":") \
                    and k < n and (tokens[k].capital or known(k) or tokens[k].text.isupper()
                                   or "'" in tokens[k].text[:tokens[k].stem_end - tokens[k].start])
                greeted = key in ("intro", "intro_name") and i > 0 and tokens[
                    i - 1].fold in lex.words["greeting"] and bool(re.fullmatch(
                        r"[\s,!.]{1,3}", view.text[tokens[i - 1].end:tokens[i].start]))
                # A title in capitals takes a name in capitals or a known one: "MR: Anterior
                # talofibular ..." is the scan (Turkish "MR"), "MR SMITH" a form.
                shouting = key == "title_before" and len(tokens[k - 1].text) > 1 and \
                    tokens[k - 1].text.isupper() and k < n and not (caps(k) or known(k))
                fired = not shouting and take(k, explicit=key == "intro" or label,
                                              title=key == "title_before", greeted=greeted,
                                              related=key == "relation")
            if fired:
                # A correction names someone too: "soyadım Tekin değil Tekinalp", "Jon, not John".
                last = k
                while last + 1 < n and mark[last + 1]:
                    last += 1
                c = last + 1
                if c + 1 < n and tokens[c].fold in lex.words["name_correction"] and re.fullmatch(
                        r",?\s{1,2}", view.text[tokens[last].end:tokens[c].start]) and \
                        tokens[c + 1].capital and usable(c + 1):
                    mark[c + 1] = True
            if fired or key == "intro":
                for b in range(i, k):
                    blocked[b] = True
                    mark[b] = False
            break
        # Before "Hanım"/"Bey" any name; before "here" ("Sven Andersson here", "Mike from Texas
        # here") one with a known given name ("Edema here can ..." is no introduction).
        for key in ("title_after", "name_here"):
            size = _match_phrase(tokens, i, key, lex)
            if size and key == "title_after" and view.text[max(0, tokens[i].start - 3):tokens[
                    i].start].rstrip(" \t").endswith(MASK):
                # The title of a name an earlier pass took ("[name] Hanım"): no name itself.
                for b in range(i, i + size):
                    blocked[b] = True
                continue
            if not size or not i or mark[i]:
                continue
            k = i - 1
            if k >= 2 and tokens[k - 1].fold in lex.words["name_origin"] and tokens[k].capital:
                k -= 2
            last = k
            # Before "ben"/"here" in lower case only a given name alone opening the message or
            # a sentence, also one that is a word: "umut ben, 45 yaşındayım" ("bence ben
            # olmasam" is "I think").
            alone = key == "name_here" and "first" in kinds(k) and adjacent(k, i) and (
                opening(k) and delimited(i + size - 1) and usable(k, cued=True))
            while k >= 0 and last - k < 2 and adjacent(k, k + 1) and usable(k) and (
                    tokens[k].capital or (known(k) if key == "title_after" else plain_name(k) and (
                        tokens[i].fold not in stop or alone))):
                k -= 1      # "MRI done here" is no introduction
            if k == last and alone:
                k -= 1
            taken = range(k + 1, last + 1)
            if taken and (key == "title_after" or any("first" in kinds(t) for t in taken)):
                for t in taken:
                    mark[t] = vouched[t] = True
                for b in range(i, i + size):
                    blocked[b] = True

    # A sentence that opens with a given name and an age introduces its writer, whatever the
    # name's case: "sunny, 34, lower back", "Merhaba, deniz - 27 - dizim".
    for k in range(n):
        if "first" in kinds(k) and re.match(r"\s*[,\-–—(]\s*\d{1,2}(?!\d)",
                                            view.text[tokens[k].end:tokens[k].end + 8]) and (
                opening(k)) and usable(k, cued=True):
            mark[k] = True
    for i, t in enumerate(tokens):
        found = kinds(i)
        if mark[i] or "first" not in found or not usable(i):
            continue        # a surname alone is no name: "Marrow", "Baker"; beside one it is
        if len(t.stem) <= 3 and t.text[:t.stem_end - t.start].isupper() or t.stem in lex.months:
            continue        # an acronym ("AI", "MR", "CD'si"), a month ("June"): only by a cue
        if t.stem in lex.places and t.stem_end != t.end or i + 1 < n and adjacent(i, i + 1) \
                and tokens[i + 1].stem in lex.words["institution"]:
            continue        # a place with a case ending ("Kartal'daki"), an institution's name
        if "word" not in found:
            mark[i] = t.capital or "rare" not in found
        elif t.capital:
            # "Can" and "Deniz" are names mid-sentence, with a Turkish ending ("Deniz'in") or
            # next to another name; at the start of a sentence ("Can I walk?") they are words.
            suffix = t.stem_end != t.end
            nxt = i + 1 < n and adjacent(i, i + 1) and usable(i + 1) and (
                plain_name(i + 1) or (tokens[i + 1].capital and len(tokens[i + 1].stem) > 1))
            # An English name takes no article or quantifier; a word does, capitalised or not:
            # "Is there any Hope for my knee", "No Joy with the exercises".
            determined = "enword" in found and i > 0 and adjacent(i - 1, i) and tokens[
                i - 1].fold in lex.determiners
            mark[i] = (not _sentence_start(view, t) and not determined) or suffix or nxt
        elif t.stem_end != t.end and "lang:tr" in found and not (
                "enword" in found
                and t.fold[len(t.stem) + 1:] in ("s", *lex.words["contraction_suffixes"])):
            # A Turkish apostrophe ending marks a proper noun: "nehir'i getirdim"; an English
            # "'s" or contraction on an English word written small does not: "mine's gone
            # yellow".
            mark[i] = True

    for i in range(1, n):
        t, p = tokens[i], tokens[i - 1]
        if mark[i] or not t.capital or "last" not in kinds(i) or not usable(i):
            continue
        # A known surname after an initial that opens a signature or a clause ("- J. Park"), or
        # after a capitalised word ("Christian Bauer"): a surname beside a name is one.
        if len(p.text) == 1 and p.text.isupper():
            before = view.text[max(0, p.start - 4):p.start]
            if re.fullmatch(r"\.[ \t]{1,2}", view.text[p.end:t.start]) and (
                    re.search(r"[-—–,;:(]\s*$", before) or p.start <= 4 and not before.strip()):
                mark[i - 1] = mark[i] = True
        elif "word" not in kinds(i) and adjacent(i - 1, i) and p.capital and usable(i - 1) \
                and p.fold not in titles and p.stem not in lex.places:
            mark[i - 1] = mark[i] = True

    # An initial and a capitalised word no list knows ("should be K. Nakamura", "- M. Okonkwo"):
    # an initial before a word is a name's; not a letter a noun takes ("vitamin D. Nakamura
    # said", "B blok. Kat 3"), a common word ("type B. Patients"), a place or an eponym.
    for i in range(1, n):
        t, p = tokens[i], tokens[i - 1]
        if mark[i] or not t.capital or len(p.text) != 1 or not p.text.isupper() or (
                "word" in kinds(i) if kinds(i) else _word_zipf().get(t.fold, 0.0) >= INITIAL_ZIPF) \
                or not re.fullmatch(r"\.[ \t]{1,2}", view.text[p.end:t.start]) \
                or t.stem in lex.places:
            continue
        before = view.text[max(0, p.start - 3):p.start]
        if (i < 2 or tokens[i - 2].fold not in lex.words["letter_nouns"]
                or re.search(r"[-—–,;:(\n]\s*$|^\s*$", before)) and usable(i):
            mark[i - 1] = mark[i] = True

    # Names before a word for siblings: "umut ve deniz ikizler", "Tom and Ben are twins".
    joiners = lex.words["name_and"]
    for i in range(1, n):
        if tokens[i].fold not in lex.words["relation_after"]:
            continue
        k = i - 1
        if tokens[k].fold in {"are", "is"}:
            k -= 1
        found = []
        while k >= 0 and len(found) < 4 and "first" in kinds(k) and usable(k, cued=True):
            found.append(k)
            if k >= 2 and tokens[k - 1].fold in joiners:
                k -= 2
            elif k >= 1 and view.text[tokens[k - 1].end:tokens[k].start].strip() == ",":
                k -= 1
            else:
                break
        if len(found) >= 2:
            for k in found:
                mark[k] = True

    # A signature: capitalised words alone at the very end, after a full stop or a dash, one of
    # them a known given name ("... general anaesthesia. Peter", "— Callum, [phone]").
    tail = signed
    while tail > 0 and signed - tail < 3 and (tokens[tail - 1].capital or caps(tail - 1)) \
            and usable(tail - 1):
        tail -= 1
    before_tail = view.text[:tokens[tail].start] if tail < signed else ""
    if tail < signed and not re.search(r"[^\W\d_]", view.text[tokens[signed - 1].end:tail_note]) \
            and (re.search(r"[—–]\s*$|\s-\s*$", before_tail)     # a dash signs: "— Callum"
                 or (re.search(r"(?:^|[.!?\n])\s*$", before_tail)
                     and any("first" in kinds(k) for k in range(tail, signed)))):
        for k in range(tail, signed):
            mark[k] = True
    # In lower case a dash still signs with a given name: "... is that normal? - mike".
    last = signed - 1
    if signed and "first" in kinds(last) and usable(last) and re.search(
            r"(?:^|\s)[-—–]{1,2}\s*$", view.text[:tokens[last].start]) and not re.search(
            r"[^\W\d_]", view.text[tokens[last].end:tail_note]):
        mark[last] = True

    def grows(i: int, k: int) -> bool:
        if mark[k] or not adjacent(min(i, k), max(i, k)):
            return False
        if not usable(k):
            # A given name that is also a stop word, before a surname: "will carter here".
            return k < i and not blocked[k] and "first" in kinds(k) and (
                tokens[k].fold in stop) and "last" in kinds(i) and "word" not in kinds(i)
        # (a given name that is also a word, before a surname in lower case: "umut arslan")
        return tokens[k].capital or caps(k) or plain_name(k) or (k > i and "last" in kinds(k)) or (
            k < i and "first" in kinds(k) and tokens[k].text.islower() and tokens[i].text.islower()
            and "last" in kinds(i) and "word" not in kinds(i))

    # Grow each name over the name words beside it: "Ayşe Yılmaz", "ayse kaya", "Zorblax Smith",
    # and over a particle to the capitalised word after it: "Jeroen de Vries".
    for i in range(n):
        if mark[i] and i + 1 < n:
            if grows(i, i + 1):
                mark[i + 1] = True
            elif i + 2 < n and len(tokens[i + 1].text) == 1 and tokens[i + 1].text.isupper() \
                    and adjacent(i, i + 1) and re.fullmatch(r"\.?[ \t]{1,2}", view.text[
                        tokens[i + 1].end:tokens[i + 2].start]) and usable(i + 2) and (
                        tokens[i + 2].capital or caps(i + 2)):
                mark[i + 1] = mark[i + 2] = True    # a middle initial: "EMILY R STONE"
            elif i + 2 < n and tokens[i + 1].fold in particles and not tokens[i + 1].capital \
                    and adjacent(i, i + 1) and adjacent(i + 1, i + 2) and tokens[i + 2].capital:
                mark[i + 1] = mark[i + 2] = True
            elif i + 2 < n and view.text[tokens[i + 1].start - 1] in "'\"‘“" and tokens[
                    i + 1].capital and tokens[i + 2].capital and re.fullmatch(
                    r"[ \t]{1,2}['\"‘“]", view.text[tokens[i].end:tokens[i + 1].start]) and \
                    re.fullmatch(r"['\"’”][ \t]{1,2}", view.text[
                        tokens[i + 1].end:tokens[i + 2].start]) and usable(i + 1) and usable(i + 2):
                mark[i + 1] = mark[i + 2] = True    # a nickname in quotes: "Dave 'Tank' Smith"
    for i in range(n - 1, 0, -1):
        if mark[i] and grows(i, i - 1):
            mark[i - 1] = True
    # A name found once is a name wherever the message repeats it ("ben sevval, sevval tas").
    # A name that is also a word repeats as a name mid-sentence capitalised, or in lower case
    # if it was found so ("i'm lee. just lee"; not "umut ediyorum ... Adım Umut"), with an
    # apostrophe ending ("deniz'in dizi ... Deniz Şahin"), or capitalised opening a sentence
    # ("first name Ash. Ash Gray.", "Sam Smith here. Sam has asthma"); an everyday Turkish word
    # there only alone or before a name: "Deniz ben. Deniz kenarında" is the sea.
    def everyday_tr(k: int) -> bool:
        return "lang:tr" in kinds(k) and "enword" not in kinds(k)

    found_names = {tokens[k].stem for k in range(n) if mark[k] and "word" not in kinds(k)}
    found_words = {tokens[k].stem for k in range(n) if mark[k]} - found_names
    found_lower = {tokens[k].stem for k in range(n) if mark[k] and tokens[k].text.islower()}
    # A name a cue vouched for repeats in any case ("Şükran Hanım (şükran ekinci)"), unless it
    # makes a phrase or a verb with the next word there ("Adım Umut ... umut ediyorum"); an
    # English word only as it was found ("My name is Faith. I have faith in ...").
    found_cued = {tokens[k].stem for k in range(n) if vouched[k]} | view.handle_names

    def recased(k: int) -> bool:
        """Is a name that is also a word, found only capitalised, repeated in lower case with no
        apostrophe ending and no name beside it? The writer's own capitals say it is the word:
        "ben Bahar, bahar gelince", "eşimin adı Aslı, aslı astarı olmayan"."""
        t = tokens[k]
        return "word" in kinds(k) and t.text.islower() and t.stem_end == t.end and (
            t.stem not in found_lower) and not (k + 1 < n and adjacent(k, k + 1) and (
                mark[k + 1] or known(k + 1)))

    def idiom(k: int) -> bool:
        """Is a name that is also a word, in lower case, the noun of a compound verb said by
        the writer or to the reader: "ben onur, onur duyarım", "adım umut, umut ediyorum"? A
        bare noun before a first- or second-person verb is no subject ("oğlum onur, onur duydu
        mu" asks about him)."""
        t = tokens[k]
        if not ("word" in kinds(k) and t.text.islower() and k + 1 < n and adjacent(k, k + 1)):
            return False
        verb = tokens[k + 1].fold
        return verb.startswith(tuple(lex.words["light_verbs"] | lex.words["compound_verbs"])) \
            and verb.endswith(tuple(lex.words["speaker_endings"]))

    for k in range(n):
        t = tokens[k]
        if not mark[k] and (t.stem in found_names or t.stem in found_cued and not (
                "enword" in kinds(k) and t.stem not in found_lower) and not (
                phrased(k, opening=True) or k + 1 < n and tokens[k + 1].fold.startswith(
                    tuple(lex.words["light_verbs"]))) or t.stem in found_words and (
                not _sentence_start(view, t) and (t.capital or t.stem in found_lower)
                or t.stem_end != t.end or t.capital and (everyday_tr(k) <= (delimited(k) or (
                    k + 1 < n and adjacent(k, k + 1) and (mark[k + 1] or tokens[k + 1].capital)))
                ))) and usable(k) and not recased(k) and not idiom(k):
            mark[k] = True
            j = k       # with the name words after it: "Baysal Hukuk Bürosu"
            while j + 1 < n and j - k < 3 and grows(j, j + 1):
                mark[j + 1] = True
                j += 1
    # A name spelled out in brackets is all name: "Nurten Hanım (nurten aydoğdu)".
    for k in range(n - 1):
        if mark[k] and not mark[k + 1] and adjacent(k, k + 1) and usable(k + 1) and re.search(
                r"\(\s*$", view.text[max(0, tokens[k].start - 3):tokens[k].start]) and re.match(
                r"\s*\)", view.text[tokens[k + 1].end:]):
            mark[k + 1] = True

    i = 0
    while i < n:
        if not mark[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and mark[j + 1] and (adjacent(j, j + 1) or tokens[j + 1].fold in particles):
            j += 1
        # A name before a street word, said with "a"/"bir", names any such street: "there is
        # a Sherlock Holmes street in our town", "bir Nasreddin Hoca sokağı var". (The street
        # word may have joined the name: "Street" is a surname too.)
        after = next((m for m in range(i + 1, j + 1) if street(m)), j + 1)
        while after < n and tokens[after].cues and "title_after" in tokens[after].cues:
            after += 1
        if i > 0 and after < n and tokens[i - 1].fold in lex.words["indefinite"] and street(
                after) and all(
                NAME_GAP.fullmatch(view.text[tokens[m].end:tokens[m + 1].start])
                for m in range(i - 1, after)):
            i = j + 1
            continue
        # A full name before its works, that no cue gave, is an artist's: "Kemal Sunal
        # filmlerini izlerken", "Yunus Emre'nin şiirleri", "Orhan Pamuk's novels".
        if j > i and j + 1 < n and tokens[j + 1].fold in lex.words["culture_works"] and not any(
                vouched[i:j + 1]) and re.fullmatch(r"(?:['’][^\W\d_]{1,4})?[ \t]{1,2}", view.text[
                    tokens[j].stem_end:tokens[j + 1].start]):
            i = j + 1
            continue
        end = tokens[j].stem_end
        # An initial after the name: "Ayşe Y." (the dot stays as punctuation).
        m = re.match(r"[ \t]+[A-ZÇĞİÖŞÜ](?=\.)", view.text[end:])
        view.claim(tokens[i].start, end + (m.end() if m else 0), "[name]")
        i = j + 1


def workplaces(view: View, lex: Lexicon) -> None:
    """A job with a named employer identifies its holder: "the only orthopaedic nurse at Kenmare
    Community Hospital", "consultant anaesthetist at a Delhi hospital", "I work the night shift
    at the only 24h pharmacy in Datça", "Ford Otosan Gölcük fabrikasında kalite şefiyim",
    "Haseki'de KBB uzmanı". A job alone ("I'm a nurse") or a workplace nobody could find ("at the
    hospital", "hastanede") stays."""
    tokens = view.tokens()
    n = len(tokens)
    if n < 2:
        return
    words = lex.words
    occupations, endings = words["occupation"], words["occupation_suffixes"]
    stop = words["name_stop"]

    def gap(a: int, b: int) -> str:
        return view.text[tokens[a].end:tokens[b].start]

    def plain(a: int, b: int) -> bool:      # only spaces, a hyphen or a word's digits between
        return MASK not in gap(a, b) and bool(re.fullmatch(           # ("U17 takımında", "4-B")
            r"[ \t]{1,3}|-|\d{1,4}[ \t]{1,2}|[ \t]{1,3}\d{1,4}[-/]?", gap(a, b)))

    def job(k: int, kinds: frozenset[str] = occupations) -> bool:
        """An occupation word, with a Turkish possessive or copula ending ("şefiyim"); a role
        that needs its "of" ("head of procurement at ...")."""
        return _occupation(tokens[k].fold, kinds, endings) or (
            tokens[k].fold in words["occupation_of"] and k + 1 < n and tokens[k + 1].fold == "of")

    def carer(k: int) -> bool:
        """Someone who treats the visitor, not the visitor's own job: "my physio at ...",
        "Devlet hastanesinde ortopedi uzmanı ... dedi" is medical history."""
        return job(k, words["carer_jobs"]) and (
            k > 0 and tokens[k - 1].fold in words["possessive"] or not tokens[k].fold.endswith(
                ("im", "yim", "um", "yum", "iz", "yiz", "uz", "yuz")))

    def named(a: int, b: int) -> bool:
        """Does tokens[a..b] name a place or an organisation: a capital not opening a
        sentence, or an acronym that is no exam and ends a name ("at IBM"; not "ACL patients")?"""
        if a == b and tokens[a].fold in words["capitalised_words"]:
            return False    # "a teacher of English"
        return any(tokens[k].capital and (not _sentence_start(view, tokens[k])
                                          or tokens[k].stem_end != tokens[k].end)   # "Koç'ta"
                   or tokens[k].text[:tokens[k].stem_end - tokens[k].start].isupper()
                   and len(tokens[k].stem) > 2 and (
                       k == b or tokens[k + 1].capital) and not _medical_word(tokens[k].fold, lex)
                   for k in range(a, b + 1))

    nouns = tuple(words["workplace_nouns"])
    named_places: list[int] | None = None      # found when a role first asks for them

    def lower_named(a: int, b: int) -> bool:
        """In lower case, a workplace word after a person's or a place's name that is no
        everyday word: "at st mary's primary school" ("at the local school" names none)."""
        noun = next((j for j in range(a + 1, b + 1) if tokens[j].stem.startswith(nouns)), None)
        return noun is not None and any(
            tokens[j].fold not in stop and (tokens[j].stem in lex.places or bool(
                lex.names.get(tokens[j].stem, frozenset()) & {"first", "last"}) and not lex.names[
                tokens[j].stem] & {"word", "enword"}) for j in range(a, noun))

    def places() -> list[int]:
        """Named workplaces ("the Shell station", "Migros market"): their first words."""
        nonlocal named_places
        if named_places is None:
            named_places = [k for k in range(n - 1) if tokens[k + 1].stem.startswith(nouns)
                            and plain(k, k + 1) and named(k, k)]
        return named_places

    claimed: list[tuple[int, int]] = []
    for o in range(n):
        if not job(o):
            continue
        # English: the job, "at/in/for" and the employer up to the clause's end.
        if o + 2 < n and tokens[o + 1].fold in words["workplace_at"] and plain(o, o + 1):
            end = _workplace_end(view, tokens, o + 2, lex)
            # (a city alone is no employer: "a teacher in Ankara"; nor a room: "the physio in
            # Suite 4")
            unit = tokens[o + 2].cues and "unit" in tokens[o + 2].cues and re.match(
                r"[ \t]*\d", view.text[tokens[o + 2].end:])
            if end is not None and not unit and (named(o + 2, end) or lower_named(
                    o + 2, end)) and not (end == o + 2 and tokens[o + 1].fold == "in") and not (
                    carer(o) and o > 0 and tokens[o - 1].fold in words["possessive"]):
                start = o       # and the words describing the job: "only orthopaedic"
                while start > 0 and o - start < 3 and plain(start - 1, start) and \
                        tokens[start - 1].fold not in stop:
                    start -= 1
                claimed.append((tokens[start].start, tokens[end].end))
                continue
        # A job one person holds at a place the sentence names: "Dave from the Shell station on
        # Bağdat Caddesi — the night manager".
        the = next((k for k in range(o - 1, max(-1, o - 4), -1) if tokens[k].fold in
                    words["definite"]), None)
        if the is not None and not carer(o) and all(plain(j, j + 1) for j in range(the, o)) \
                and places():
            # (the sentence within 200 characters either side: a long message stays linear)
            base = max(0, tokens[the].start - 200)
            left = max((m.end() for m in SENTENCE_END.finditer(view.text, base,
                                                                tokens[the].start)), default=base)
            right = SENTENCE_END.search(view.text, tokens[o].end, tokens[o].end + 200)
            right = right.start() if right else tokens[o].end + 200
            near = [k for k in places() if left <= tokens[k].start < right]
            if near:        # the role and the place: either tells who it is
                claimed.append((tokens[the].start, tokens[o].end))
                claimed += [(tokens[k].start, tokens[k + 1].end) for k in near]
                continue
        # A signature's line: the job, a comma and where ("Senior Nurse, Ward 7B, St Thomas'
        # Hospital"): to the line's end when a capitalised workplace word closes it.
        line = view.text[tokens[o].end:].split("\n", 1)[0]
        if line.startswith(",") and len(line) < 80:
            last = max((k for k in range(o + 1, n) if tokens[k].end <= tokens[o].end + len(line)
                        and tokens[k].capital and any(tokens[k].stem.startswith(w) for w in
                                                      words["workplace_nouns"])), default=None)
            if last is not None:
                start = o
                while start > 0 and o - start < 2 and plain(start - 1, start) and \
                        tokens[start - 1].capital and tokens[start - 1].fold not in stop:
                    start -= 1
                claimed.append((tokens[start].start, tokens[last].end))
                continue
        # Turkish: the employer under a locative ending, maybe a word or two, then the job.
        # (or a workplace word right before the job, as a compound: "Süleymaniye Camii
        # imamıyım", "Kadıköy Belediye Başkanı")
        loc = next((k for k in range(o - 1, max(-1, o - 4), -1)
                    if all(plain(j, j + 1) for j in range(k, o)) and (
                        _locative(tokens[k]) or _genitive(tokens[k], nouns)
                        or k == o - 1 and tokens[k].fold.startswith(nouns))), None)
        if loc is None:
            continue
        # Back to the farthest capital of the employer's name ("Kuleli askeri lisesinde").
        first = k = loc
        while k > 0 and loc - k < 4 and plain(k - 1, k) and tokens[k - 1].fold not in stop:
            k -= 1
            if named(k, k) or tokens[k].capital:     # (also opening the sentence: "Koç")
                first = k
        head = tokens[loc].stem if tokens[loc].stem != tokens[loc].fold else tokens[loc].fold
        generic = any(head.startswith(w) for w in words["workplace_nouns"])
        compound = not _locative(tokens[loc]) and not _genitive(tokens[loc], nouns)
        # A compound is named by the words before its workplace word ("Süleymaniye Camii"), and
        # a carer there is medical history ("Devlet Hastanesi doktoru dedi ki").
        if compound and (carer(o) or first == loc or not (
                named(first, loc - 1) or tokens[first].capital and tokens[loc].capital)):
            continue
        if not named(first, loc):
            # In lower case only a workplace word with its name before it ("antalyaspor
            # altyapısında"); "hastanede" alone is anywhere.
            # (nor after a possessor: "Kızımın okulunun müdürü" is her school's principal)
            if carer(o) or not (generic and loc > 0 and plain(loc - 1, loc)
                    and tokens[loc - 1].fold not in stop and not job(loc - 1)
                    and not tokens[loc - 1].fold.endswith(("in", "un"))):
                continue
            first = loc - 1
            # (and the district or town before it: "muratpasa ataturk ilkokulunda")
            while first > 0 and loc - first < 3 and plain(first - 1, first) and tokens[
                    first - 1].stem in lex.places:
                first -= 1
        last = o
        while last + 1 < n and plain(last, last + 1) and job(last + 1):
            last += 1       # "komiser yardımcısı"
        claimed.append((tokens[first].start, tokens[last].end))
    # "I work (the night shift) at the only 24h pharmacy in Datça".
    for w in range(n):
        if tokens[w].fold not in words["work_verb"]:
            continue
        for k in range(w + 1, min(n, w + 5)):
            if re.search(r"[.,;!?\n]", gap(k - 1, k)):
                break
            if tokens[k].fold in words["workplace_at"] and k + 1 < n:
                end = _workplace_end(view, tokens, k + 1, lex)
                if end is not None and (named(k + 1, end) or lower_named(k + 1, end)):
                    claimed.append((tokens[k + 1].start, tokens[end].end))
                break
    # "my employer is Turkish Airlines", "çalıştığım firma: Aydın Lojistik".
    if "employer_cue" in view.cue_kinds:
        for k in range(n):
            size = tokens[k].cues.get("employer_cue", 0) if tokens[k].cues else 0
            if size and k + size < n and re.fullmatch(r"[\s:,\-]{0,4}",
                                                      gap(k + size - 1, k + size)):
                end = _workplace_end(view, tokens, k + size, lex)
                if end is not None and (named(k + size, end) or tokens[k + size].capital):
                    claimed.append((tokens[k + size].start, tokens[end].end))
    # What the job is, said after it: "..., playing left back, No. 3" (a role word opening a
    # short part of the sentence).
    text = view.text
    for i, (start, end) in enumerate(claimed):
        while m := re.match(r",[ \t]*((?:[^\W_]+(?:\.(?=[ \t]*\d))?[ \t]*){1,4}?)(?=[,.;!?\n]|$)",
                            text[end:end + 80]):
            opening = fold(re.match(r"[^\W_]+", m.group(1)).group())
            if opening not in words["role_verbs"]:
                break
            end += m.start(1) + len(m.group(1).rstrip())
            claimed[i] = (start, end)
    claimed += _distinctions(view, tokens, lex, job, plain)
    claimed += _sole_holders(view, tokens, lex, job, plain, named)
    for start, end in claimed:
        view.claim(start, end, "[work]")
    _in_the_news(view, lex)


CHAMPION_FIELD = re.compile(r"[ \t]+(?:in|at|of)[ \t]+[^,.;!?\n]{1,40}?(?=[ \t]+and\b|[,.;!?\n]|$)")


def _distinctions(view: View, tokens: list[Token], lex: Lexicon, job, plain
                  ) -> list[tuple[int, int]]:
    """A title few people hold identifies its holder like an employer: a national team's
    athlete ("milli judocu", "Olympic swimmer", `national` before a job) and a champion of a
    place or a field ("Türkiye şampiyonu", "the reigning Turkish champion in the 400 m",
    "dünya birincisi": `champion` after a `champion_scope` word, a nationality or a place).
    "a swimmer", "futbol oynuyorum", "watches the national team", a club's title
    ("Galatasaray şampiyonluğu") stay."""
    words = lex.words
    n = len(tokens)
    spans = []
    # (a person's endings: "şampiyonuyum"; not the title's "-lik": "şampiyonluğu")
    person = _person_endings(words["occupation_suffixes"])
    champions = tuple(words["champion"])
    for k in range(n):
        fold_k = tokens[k].fold
        if fold_k in words["national"]:
            end = next((m for m in range(k + 1, min(n, k + 4))
                        if all(plain(j, j + 1) for j in range(k, m)) and job(m)), None)
            if end is not None:
                spans.append((tokens[k].start, tokens[end].end))
        elif fold_k.startswith(champions) and _occupation(fold_k, words["champion"], person) \
                and k and plain(k - 1, k):
            s = k - 1
            scope = tokens[s].fold
            if not (scope in words["champion_scope"] or scope in words["nationalities"]
                    or tokens[s].stem in lex.places):
                continue
            while s > 0 and k - s < 3 and plain(s - 1, s) and tokens[s - 1].fold not in words[
                    "name_stop"] and (tokens[s - 1].fold in words["champion_scope"]
                                      or tokens[s - 1].capital):
                s -= 1      # "reigning Turkish", "Avrupa ve Dünya" stays short
            end = tokens[k].end
            # and its field: "in the 400 m", "of Europe" (to the clause's end or "and").
            if m := CHAMPION_FIELD.match(view.text, end, end + 60):
                end = m.end()
            spans.append((tokens[s].start, end))
    return spans


FIRST_PERSON = ("im", "yim", "um", "yum")     # folded: "veterinerim", "şoförüyüm"


def _sole_holders(view: View, tokens: list[Token], lex: Lexicon, job, plain, named
                  ) -> list[tuple[int, int]]:
    """The only one in a job at a named place or organisation is one person: "I'm the only
    pilot flying the Antalya-Bodrum route for SunExpress", "Kaş'taki tek veterinerim",
    "Bodrum'un tek kadın taksi şoförüyüm". Said of the writer ("I'm the only", "as the only", a
    Turkish first-person ending or "benim") with a name in its clause: in English the name
    after the job, in Turkish before `sole` ("tek"). "the only surgeon who would operate in
    Izmir", "evdeki tek çalışan benim", "I'm the only one in my family" stay."""
    words = lex.words
    if words["sole"].isdisjoint([t.fold for t in tokens]):
        return []
    n = len(tokens)
    spans = []
    for s in range(1, n - 1):
        if tokens[s].fold not in words["sole"]:
            continue
        # (the job may have words before it: "tek kadın taksi şoförüyüm", "only female pilot")
        o = next((m for m in range(s + 1, min(n, s + 4))
                  if plain(m - 1, m) and job(m)), None)
        if o is None or not all(plain(j, j + 1) for j in range(s, o)):
            continue
        if tokens[s - 1].fold in words["definite"] and plain(s - 1, s):
            writer = s >= 2 and tokens[s - 2].fold == "as" or any(
                tokens[j].cues and tokens[j].cues.get("self_the") == s - j
                for j in range(max(0, s - 4), s - 1))
            end = None      # the rest of the clause, to a word that ends a workplace's name
            for m in range(o + 1, min(n, o + 11)):  # (but "on" right after the job: "on X beach")
                if re.search(r"[^ \t'’&-]", view.text[tokens[m - 1].end:tokens[m].start]) or \
                        m > o + 1 and tokens[m].fold in words["workplace_end"]:
                    break
                end = m
            if writer and end is not None and named(o + 1, end):
                spans.append((tokens[s].start, tokens[end].end))
            continue
        if not (tokens[o].fold.endswith(FIRST_PERSON) or o + 1 < n and tokens[o + 1].cues
                and "self_after" in tokens[o + 1].cues):
            continue
        first = None        # the farthest name up to four words before "tek"
        for k in range(s - 1, max(-1, s - 5), -1):
            if not plain(k, k + 1):
                break
            if named(k, k):
                first = k
        if first is not None:
            spans.append((tokens[first].start, tokens[o].end))
    return spans


def _in_the_news(view: View, lex: Lexicon) -> None:
    """Someone known from the news identifies themselves by it: "I'm the girl from the
    Cappadocia balloon crash news", "haberlerdeki kazayı geçiren kız benim"."""
    if not view.cue_kinds & {"self_the", "self_after"}:
        return
    media = lex.words["media"]
    starts = [t.start for t in view.words]
    for clause in re.finditer(r"[^.,;!?\n]+", view.text):
        found = [m for m in CUE_WORD.finditer(clause.group()) if fold(m.group()) in media]
        if not found or MASK in clause.group():
            continue
        base = clause.start()
        # (only the clause's own words: a message of many clauses stays linear)
        for t in view.words[bisect_left(starts, base):bisect_left(starts, clause.end())]:
            if not t.cues:
                continue
            size = t.cues.get("self_the", 0)
            if size:        # from "the" to the media word
                the = view.words[t.n + size - 1]
                last = found[-1]
                if base + last.start() > the.start:
                    view.claim(the.start, base + last.end(), "[work]")
                break
            if t.cues.get("self_after") and base + found[0].start() < t.start:
                head = len(clause.group()) - len(clause.group().lstrip())
                view.claim(base + head, view.words[t.n - 1].end if t.n else t.start, "[work]")
                break


@lru_cache(maxsize=4)
def _person_endings(endings: frozenset[str]) -> frozenset[str]:
    return frozenset(e for e in endings if not e.startswith("l"))


@lru_cache(maxsize=1 << 14)
def _occupation(word: str, kinds: frozenset[str], endings: frozenset[str]) -> bool:
    word = word.replace("'", "")
    return word in kinds or any(word[:cut] in kinds and word[cut:] in endings
                                for cut in range(max(2, len(word) - 6), len(word)))


def _workplace_end(view: View, tokens: list[Token], k: int, lex: Lexicon) -> int | None:
    """The last word of an employer's name starting at token k: up to the clause's end
    ("at a second league club in Istanbul, ...", "at Kenmare Community Hospital and my ...")."""
    end = None
    for j in range(k, min(len(tokens), k + 8)):
        if j > k and not re.fullmatch(r"[ \t'’&-]{1,3}|[ \t]?\d{1,4}[ \t]?", view.text[
                tokens[j - 1].end:tokens[j].start]):    # (also "24h", "Station 12 in")
            break
        if tokens[j].fold in lex.words["workplace_end"]:
            break
        end = j
    return end


def _locative(t: Token) -> bool:
    """A Turkish word under a locative ending ("fabrikasında", "Haseki'de", "Müdürlüğü'nde"), or
    a proper name's genitive."""
    f = t.fold
    if "'" in f:    # (or a name's genitive: "Fenerbahçe'nin kalecisiyim")
        return f.split("'")[-1] in ("de", "da", "te", "ta", "nde", "nda", "nin", "in", "un", "nun")
    return len(f) >= 6 and f.endswith(("nde", "nda", "sinde", "sinda", "inde", "inda"))


SENTENCE_END = re.compile(r"[.!?\n](?:\s|$)")


def _genitive(t: Token, nouns: tuple[str, ...]) -> bool:
    """A Turkish workplace word under a genitive ending: "istasyonunun (gece müdürü)",
    "otelinin", "camisinin"."""
    f = t.fold
    return len(f) >= 7 and f.endswith(("nin", "nun")) and f.startswith(nouns)


ROOM = re.compile(r"[\s:.#]{0,3}(?:no\b[\s:.]*)?\d{1,4}(?:-\d{1,4})?[A-Za-z]?(?![\w.,-]\d)",
                  re.IGNORECASE)     # (also a floor and a desk: "desk 4-112")


CLASS_BEFORE = re.compile(r"(?<![\w.,/-])\d{1,2}[-/ ]?[^\W\d_](?=[ \t]+$)")


def rooms(view: View, lex: Lexicon) -> None:
    """A room or bed number that places a person: right after their name ("hastamızın adı
    [name] oda 204") or said to be theirs ("my room 412", "annemin odası 305"). The clinic's
    rooms stay ("is the x-ray in room 204?", "Room 305 at your ward")."""
    if "room_cue" not in view.cue_kinds:
        return
    for t in view.tokens():
        size = t.cues.get("room_cue", 0) if t.cues else 0
        if not size:
            continue
        end = view.words[t.n + size - 1].end
        m = ROOM.match(view.text, end)
        if not m:
            # A class written before its word, as Turkish does: "[name] 7C sınıfında".
            code = CLASS_BEFORE.search(view.text, max(0, t.start - 12), t.start)
            if code and view.text[max(0, code.start() - 4):code.start()].rstrip(" ,").endswith(
                    MASK):
                view.claim(code.start(), code.end(), "[address]")
            continue
        before = view.text[max(0, t.start - 4):t.start].rstrip(" ,")
        owned = tuple(w.fold for w in view.words[t.n:t.n + size]) in lex.cues["room_owned"]
        # (or right before the job that places its holder: "desk 4-112, head of ... at ...")
        after = view.text[m.end():m.end() + 4].lstrip(" ,")
        if before.endswith(MASK) or owned or after.startswith(MASK):
            view.claim(t.start, m.end(), "[address]")


# --------------------------------------------------------------------------------------------
# The registry: order matters, most specific first (an e-mail's digits are not a phone).

RECOGNISERS = (urls, emails, ibans, handles, ips, dates, plates, documents, numbers, addresses,
               workplaces, names, rooms)
# Recognisers whose every span holds a digit (spelled numbers are digits in the view): a view
# without one is not run through them.
WITH_DIGITS = frozenset({ibans, dates, plates, documents, numbers})
# Spans of these kinds that touch are one: "[name] [name]" would only tell how many words.
# A town between two parts of an address is the address's: "[address], Manchester [address]".
MERGE = {"[name]": re.compile(r"[ \t]*"),
         "[address]": re.compile(r"[\s,/.-]*(?:[A-ZÇĞİÖŞÜ][^\W\d_]+[\s,]{1,2}){0,2}"),
         "[phone]": re.compile(r"")}     # a number and its extension


def redact(text: str) -> str:
    """Replace personal data in a visitor's message with placeholders such as [name], [phone]."""
    out = _redact_once(text)
    # Idempotent by construction: a placeholder can give a neighbour a new context ("::[ip]"),
    # so what changed is read again until nothing does (in practice once more, at most twice).
    for _ in range(2):
        if out == text:
            break
        text, out = out, _redact_once(out)
    return out


def _redact_once(text: str) -> str:
    lex = lexicon()
    view = View(text, lex)
    # Claiming masks text, so a view with no digit at first has none later.
    digits = DIGIT.search(view.text) is not None
    for recognise in RECOGNISERS:
        if digits or recognise not in WITH_DIGITS:
            recognise(view, lex)
    if not view.spans:
        return text
    merged: list[list] = []
    for start, end, label in sorted(view.spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            continue
        if merged and merged[-1][2] == label and label in MERGE and MERGE[label].fullmatch(
                text[merged[-1][1]:start]):
            merged[-1][1] = end
            continue
        merged.append([start, end, label])
    out, kept = [], 0
    for start, end, label in merged:
        out += [text[kept:start], label]
        kept = end
    return "".join(out) + text[kept:]


# Line breaks of every kind become "\n"; other white-space controls become a space.
NEWLINES = re.compile(r"\r\n?|[\x85\u2028\u2029]")
SPACES = re.compile(r"[\t\x0b\x0c\x1c-\x1f]")


def strip_control(text: str) -> str:
    """Remove control characters (tabs become spaces), normalise newlines, and compose to NFC."""
    text = SPACES.sub(" ", NEWLINES.sub("\n", text))
    # Cc: C0/C1 controls (terminal escapes, NUL). Cf: invisible format characters (zero-width
    # spaces, bidi overrides that make stored text display differently in the staff view).
    # Cs: lone surrogates, which cannot be stored as UTF-8.
    text = "".join(ch for ch in text
                   if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    return unicodedata.normalize("NFC", text)


def scrub(text: str) -> str:
    """Prepare a visitor's text for storage or a log line: strip controls, then redact."""
    return redact(strip_control(text))


class RedactingFilter(logging.Filter):
    """Redact personal data from every record a log handler emits: message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the line
            message = str(record.msg)
        record.msg, record.args = redact(strip_control(message)), None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
