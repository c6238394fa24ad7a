"""Remove personal data from a message before anything is stored.

Placeholders keep the question readable for staff: "call me on [phone] about my [date] MRI".
An unrecognised run of more than 15 digits becomes "[number]".
Order matters: e-mails first (they contain digits and dots), then the number kinds from the most
specific (a checksummed national id, a Luhn-valid card) to the loosest (phone numbers).
"""

from __future__ import annotations

import re
import unicodedata

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Runs of digits with the separators people type inside numbers.
DIGIT_RUN = re.compile(r"(?<![\w])\+?\(?\d[\d\s().-]{7,}\d(?![\w])")
MONTHS = ("jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|ocak|şubat|subat|mart|"
          "nisan|mayıs|mayis|haziran|temmuz|ağustos|agustos|eylül|eylul|ekim|kasım|kasim|aralık|"
          "aralik")
DATES = [
    re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}\b"),            # 12/03/1985, 3.12.85
    re.compile(r"\b(?:19|20)\d{2}[./-]\d{1,2}[./-]\d{1,2}\b"),              # 1985-03-12
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})\.?,?\s+(?:19|20)\d{{2}}\b",
               re.IGNORECASE),                                              # 3 March 1985
    re.compile(rf"\b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b",
               re.IGNORECASE),                                              # March 3, 1985
]


def tc_kimlik_valid(digits: str) -> bool:
    """Check a Turkish national id number (TC Kimlik No): 11 digits with two check digits."""
    if len(digits) != 11 or not digits.isdigit() or digits[0] == "0":
        return False
    d = [int(c) for c in digits]
    tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    return d[9] == tenth and d[10] == sum(d[:10]) % 10


def luhn_valid(digits: str) -> bool:
    """Check a payment-card-like number with the Luhn checksum."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _number(match: re.Match) -> str:
    raw = match.group()
    digits = re.sub(r"\D", "", raw)
    if tc_kimlik_valid(digits) and not raw.lstrip().startswith(("+", "0", "(")):
        return "[national-id]"
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return "[card]"
    if 10 <= len(digits) <= 15:
        return "[phone]"
    if any(tc_kimlik_valid(group) for group in re.findall(r"\d+", raw)):
        return "[national-id]"  # one beside other digits: "10000000146 00000"
    if len(digits) > 15:
        return "[number]"  # a long run of digits is nobody's business but the visitor's
    return raw  # "3-6 months", "09:00-18:00", years: not personal


def redact(text: str) -> str:
    """Replace phone numbers, e-mails, national ids, card numbers and dates with placeholders."""
    text = EMAIL.sub("[email]", text)
    for pattern in DATES:
        text = pattern.sub("[date]", text)
    return DIGIT_RUN.sub(_number, text)


def strip_control(text: str) -> str:
    """Drop control characters (newline and tab become plain white space), normalise to NFC."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(" " if ch == "\t" else ch for ch in text
                   if ch == "\n" or ch == "\t" or unicodedata.category(ch)[0] != "C")
