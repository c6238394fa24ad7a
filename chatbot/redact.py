"""Remove personal data from a message before anything is stored.

Placeholders keep the message readable for staff: "call me on [phone] about my MRI". E-mails go
first (they contain digits and dots), then dates (they look like short number groups), then runs
of digit groups, which are split into a national id, a card or a phone number. Ordinary numbers
("3-6 months", "over 40", "09:00-18:00", "112") are too short to be any of those and stay.
"""

from __future__ import annotations

import re
import unicodedata

# The local part may not start inside a longer word: one attempt per word keeps this linear.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

MONTHS = ("jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
          "ocak|şubat|subat|mart|nisan|mayıs|mayis|haziran|temmuz|ağustos|agustos|eylül|eylul|"
          "ekim|kasım|kasim|aralık|aralik")
# Dates with the month spelled out: "3 March 1985", "3rd of March, 1985", "March 3, 1985".
WORD_DATES = (
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(?:{MONTHS})\.?,?\s+(?:19|20)\d{{2}}\b",
               re.IGNORECASE),
    re.compile(rf"\b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b",
               re.IGNORECASE),
)
# Numeric dates: one separator used twice ("12.03.1985", "03/12/85", "1985-03-12"). A different
# second separator is not a date: "09.00-18.00" is opening hours.
NOT_BEFORE, NOT_AFTER = r"(?<!\d)(?<!\d[./-])", r"(?!\d|[./-]\d)"
DAY_FIRST = re.compile(NOT_BEFORE + r"(\d{1,2})([./-])(\d{1,2})\2((?:19|20)?\d{2})" + NOT_AFTER)
YEAR_FIRST = re.compile(NOT_BEFORE + r"((?:19|20)\d{2})([./-])(\d{1,2})\2(\d{1,2})" + NOT_AFTER)

# Digit groups as people type them in phone, id and card numbers: "+90", "(0212)", "4567".
GROUP = re.compile(r"\+?\(?\d+\)?")
# Between groups: a space, or one of - . / with optional spaces, or nothing next to a bracket.
SEPARATOR = r"(?:[ \t]?[-./][ \t]?|[ \t]|(?<=\))|(?=\())"
RUN = re.compile(rf"(?<![\d+(]){GROUP.pattern}(?:{SEPARATOR}{GROUP.pattern})*")
LONGEST = 8  # groups in one number at most ("+90 (532) 123 45 67" has 5)


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
    # 0532 123 45 67, 532 123 45 67, 05321234567; "0 532 ..." too. A short first group
    # ("10 20 30 40 50") is a list of numbers.
    return 10 <= n <= 11 and (sizes[0] >= 3 or digits[:sizes[0]] == "0")


def _label(groups: list[str]) -> str | None:
    """Name what a sequence of digit groups is, or None for an ordinary number."""
    parts = ["".join(str(int(c)) for c in g if c.isdecimal()) for g in groups]
    digits, sizes = "".join(parts), [len(p) for p in parts]
    if tc_kimlik_valid(digits) and groups[0][0] not in "+(":
        return "[national-id]"
    if _is_card(sizes) and luhn_valid(digits):
        return "[card]"
    if _is_phone(groups[0], sizes, digits):
        return "[phone]"
    return None


def _numbers(run: re.Match) -> str:
    # Split a run of groups into numbers, longest first from the left: "call 0532 123 45 67
    # 10000000146" is a phone and then a national id, not one 22-digit number.
    text = run.group()
    groups = list(GROUP.finditer(text))
    out, kept, i = [], 0, 0
    while i < len(groups):
        for j in range(min(len(groups), i + LONGEST), i, -1):
            label = _label([g.group() for g in groups[i:j]])
            if label:
                out += [text[kept:groups[i].start()], label]
                kept, i = groups[j - 1].end(), j
                break
        else:
            i += 1
    return "".join(out) + text[kept:]


def _date(match: re.Match) -> str:
    first, second = int(match.group(1)), int(match.group(3))
    # Day and month in either order (12/03 and 03/12); "45/10/20" is not a date.
    if (1 <= first <= 31 and 1 <= second <= 12) or (1 <= first <= 12 and 1 <= second <= 31):
        return "[date]"
    return match.group()


def _iso_date(match: re.Match) -> str:
    month, day = int(match.group(3)), int(match.group(4))
    return "[date]" if 1 <= month <= 12 and 1 <= day <= 31 else match.group()


def redact(text: str) -> str:
    """Replace phone numbers, e-mails, national ids, card numbers and dates with placeholders."""
    text = EMAIL.sub("[email]", text)
    for pattern in WORD_DATES:
        text = pattern.sub("[date]", text)
    text = YEAR_FIRST.sub(_iso_date, text)
    text = DAY_FIRST.sub(_date, text)
    return RUN.sub(_numbers, text)


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
