"""Normalisation shared by the index and the query: pure functions over strings.

`fold` -> `words` -> (typo correction and synonyms live in the matcher) -> `stem`.
Whatever is done here is done to both sides, so a rule only has to be consistent, not
linguistically perfect: it must never merge two words that mean different things.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Letters that NFKD does not decompose into a base letter plus a mark.
_SPECIAL = str.maketrans({"ı": "i", "İ": "i", "ß": "ss", "ø": "o", "Ø": "o", "æ": "ae",
                          "Æ": "ae", "œ": "oe", "Œ": "oe", "ð": "d", "þ": "th", "ł": "l",
                          "Ł": "l", "’": "'", "‘": "'", "`": "'"})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SPLIT_ALNUM = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
_ENGLISH = snowballstemmer.stemmer("english")

# Function words that carry no topic. Question words are here too: "how long" is carried by
# "long", "where" by the place words, and keeping them would make every question look alike.
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which while
who whom why will with would you your yours yourself yourselves also am im ive id ill youre
dont doesnt didnt cant cannot wont isnt arent wasnt shouldnt couldnt wouldnt havent hasnt
please tell know want wanted like get got give us let lets may might
must shall ok okay oh well really still yet already even ever much many something anything
thing things one ones s t d ll m re ve u r ur pls plz wat wot wht whats hows wheres whens
hw abt cn cud shud wud ya yo
""".split())

# Courtesy words are kept (a greeting has nothing else to match on) but weigh little, so that
# "hi, what causes it?" is about causes.
COURTESY = frozenset("hi hello hey hiya thanks thank thx bye goodbye cheers merhaba".split())


def fold(text: str) -> str:
    """Lower-case, strip accents (Turkish dotted/dotless i included) and compatibility forms."""
    if text.isascii():
        return text.lower()  # the common case, and nothing below would change it
    text = unicodedata.normalize("NFKC", text).translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # Turkish İ lower-cases to "i̇" (i + combining dot): removed above with the other marks.
    return text.lower()


def americanise(word: str) -> str:
    """Map common British spellings to American ones (oedema -> edema, -ise -> -ize)."""
    if word.startswith("oe") and len(word) > 4:
        word = "e" + word[2:]
    if "ae" in word and len(word) > 4:
        word = word.replace("ae", "e")
    for british, american in (("isation", "ization"), ("ising", "izing"), ("ised", "ized"),
                              ("ise", "ize"), ("ises", "izes")):
        if word.endswith(british) and len(word) > len(british) + 2:
            return word[: -len(british)] + american
    return word


def words(text: str) -> list[str]:
    """Split text into folded, American-spelled words; hyphens and punctuation separate words."""
    out = []
    for match in _WORD.finditer(fold(text)):
        word = match.group().replace("'", "")
        if match.group().endswith("'s"):
            word = match.group()[:-2]  # possessive: "knee's" -> "knee"
        out.extend(americanise(part) for part in _SPLIT_ALNUM.split(word) if part)
    return out


# Words whose stem would merge them with a word of another meaning ("helpful" is thanks,
# "help" is a request).
STEM_EXCEPTIONS = {"helpful": "helpful", "helpfull": "helpful"}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Return the English Snowball stem of a folded word (plurals and inflections removed)."""
    if word in STEM_EXCEPTIONS:
        return STEM_EXCEPTIONS[word]
    if word.isdigit() or len(word) <= 3:
        return word
    return _ENGLISH.stemWord(word)


def normalise(text: str) -> str:
    """Return the canonical comparison form of a whole string (folded words joined by spaces)."""
    return " ".join(words(text))
