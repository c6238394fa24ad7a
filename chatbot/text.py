"""Normalisation shared by the index and the query: pure functions over strings.

`fold` -> `words` -> (typo correction and synonyms live in the matcher) -> stem. What differs
between languages (apostrophes, spelling, stemmer, word lists) is chosen by language.py from
each language's data and passed in here.
Whatever is done here is done to both sides, so a rule only has to be consistent, not
linguistically perfect: it must never merge two words that mean different things.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

# Letters that NFKD does not decompose into a base letter plus a mark.
_SPECIAL = str.maketrans({"ı": "i", "İ": "i", "ß": "ss", "ø": "o", "Ø": "o", "æ": "ae",
                          "Æ": "ae", "œ": "oe", "Œ": "oe", "ð": "d", "þ": "th", "ł": "l",
                          "Ł": "l", "’": "'", "‘": "'", "`": "'"})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SPLIT_ALNUM = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")


class SharedStemmer:
    """A Snowball stemmer for every thread: it keeps the word it works on in itself, so two
    threads at once corrupt each other's (an IndexError, or a wrong stem). snowballstemmer
    hands out PyStemmer's C stemmer when that is installed (a dependency), which is no more
    thread-safe."""

    def __init__(self, language: str):
        self._stemmer = snowballstemmer.stemmer(language)
        self._lock = threading.Lock()

    def stemWord(self, word: str) -> str:  # Snowball's own name: a drop-in for its stemmer
        with self._lock:
            return self._stemmer.stemWord(word)


_ENGLISH = SharedStemmer("english")


def fold(text: str) -> str:
    """Lower-case, strip accents (Turkish dotted/dotless i included) and compatibility forms."""
    if text.isascii():
        return text.lower()  # the common case, and nothing below would change it
    text = unicodedata.normalize("NFKC", text).translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # Turkish İ lower-cases to "i̇" (i + combining dot): removed above with the other marks.
    return text.lower()


_BRITISH_AE = re.compile(r"(?<!a)ae")


def americanise(word: str) -> str:
    """Map common British spellings to American ones (oedema -> edema, -ise -> -ize)."""
    if "ae" in word and len(word) > 4:
        # Not after another "a": "aaae" would lose an "a" on every pass (normalise is idempotent).
        word = _BRITISH_AE.sub("e", word)
    if word.startswith("oe") and len(word) > 4:
        # After "ae": "oaeaaa" -> "oeaaa" would lose its "o" on the next pass.
        word = "e" + word[2:]
    for british, american in (("isation", "ization"), ("ising", "izing"), ("ised", "ized"),
                              ("ise", "ize"), ("ises", "izes")):
        if word.endswith(british) and len(word) > len(british) + 2:
            return word[: -len(british)] + american
    return word


def words(text: str, *, apostrophe: str = "join", spelling: str | None = "american") -> list[str]:
    """Split text into folded words; hyphens and punctuation separate words.

    `apostrophe="join"` (English) joins "don't" into "dont" and drops a possessive "'s";
    `"cut"` (Turkish) keeps what stands before it: "MR'da", "MR'ım" -> "mr".
    `spelling="american"` maps British spellings (oedema -> edema).
    """
    if len(text) <= SHORT:  # a word or two: language detection reads a message word by word
        return list(_short_words(text, apostrophe, spelling))
    return _words(text, apostrophe, spelling)


SHORT = 40


@lru_cache(maxsize=65536)
def _short_words(text: str, apostrophe: str, spelling: str | None) -> tuple[str, ...]:
    return tuple(_words(text, apostrophe, spelling))


def _words(text: str, apostrophe: str, spelling: str | None) -> list[str]:
    out = []
    for match in _WORD.finditer(fold(text)):
        found = match.group()
        if apostrophe == "cut":
            word = found.split("'")[0]
        elif found.endswith("'s"):
            word = found[:-2]  # possessive: "knee's" -> "knee"
        else:
            word = found.replace("'", "")
        # "mr3" -> "mr", "3"; most words are all letters or all digits, with nothing to split
        parts = (word,) if word.isalpha() or word.isdigit() else \
            (p for p in _SPLIT_ALNUM.split(word) if p)
        out.extend(americanise(p) if spelling == "american" else p for p in parts)
    return out


VOWELS = frozenset("aeiou")


def strip_suffixes(word: str, suffixes: tuple[tuple[str, str, int], ...], *, rounds: int = 3,
                   min_stem: int = 3, softening: dict[str, str] | None = None,
                   buffers: str = "", known=None) -> str:
    """Strip suffixes, again and again, keeping at least `min_stem` letters.

    For agglutinative languages typed without their letters: "dizimdeki" -> "dizim" -> "diz".
    `suffixes` are (suffix, after, min_stem) rules, longest first: `after` is "" (anything),
    "vowel" or "consonant" (what the remaining stem must end with), so that a bare "m" is cut
    from "kalcam" but not from "odem". Where several rules apply, the longest whose remainder
    is a `known` word wins ("agrim": "agri" + "m", not "agr" + "im"), and a known word is only
    cut into another known word ("tedavi" stays, "tedavisi" -> "tedavi"). `softening` maps the
    final letter a suffix left behind back to the word's own ("kemig" -> "kemik"); a
    `buffers` letter joining a vowel stem to a vowel suffix goes with the suffix where that
    leaves a known word ("yürüy-ebilir" -> "yürü", as "yürü-mek").
    """
    stripped = False
    for _ in range(rounds):
        options = [word[: -len(suffix)] for suffix, after, at_least in suffixes
                   if word.endswith(suffix) and len(word) - len(suffix) >= max(min_stem, at_least)
                   and (not after or (word[-len(suffix) - 1] in VOWELS) == (after == "vowel"))]
        if not options:
            break
        if softening:  # "ilig" is "ilik" where that is a word ("iliği" -> "ilik")
            options = [soft if rest[-1] in softening and known
                       and known(soft := rest[:-1] + softening[rest[-1]]) else rest
                       for rest in options]
        if buffers and known:
            options = [rest[:-1] if len(rest) > min_stem and rest[-1] in buffers
                       and rest[-2] in VOWELS and known(rest[:-1]) else rest for rest in options]
        found = next((rest for rest in options if known and known(rest)), None)
        if found is None and known and known(word):
            break  # a real word ("tedavi", "vitamin") is not cut into an unknown one
        word = found or options[0]
        stripped = True
    if stripped and softening and word[-1] in softening:
        word = word[:-1] + softening[word[-1]]
    return word


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Return the English Snowball stem of a folded word (plurals and inflections removed)."""
    if word.isdigit() or len(word) <= 3:
        return word
    return _ENGLISH.stemWord(word)


def normalise(text: str) -> str:
    """Return the canonical comparison form of a whole string (folded words joined by spaces)."""
    return " ".join(words(text))
