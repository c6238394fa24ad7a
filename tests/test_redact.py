"""Personal data is removed before anything is stored; ordinary numbers stay."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from chatbot.redact import luhn_valid, redact, strip_control, tc_kimlik_valid


@pytest.mark.parametrize("text, expected", [
    # Phones: Turkish and international.
    ("call me on 0532 123 45 67 please", "call me on [phone] please"),
    ("+90 532 123 4567", "[phone]"),
    ("05321234567", "[phone]"),
    ("(0212) 555 12 34", "[phone]"),
    ("0 (532) 123 45 67", "[phone]"),
    ("0532-123-45-67 or 0532.123.45.67", "[phone] or [phone]"),
    ("uk: +44 20 7946 0958", "uk: [phone]"),
    ("us: +1 (555) 123-4567.", "us: [phone]."),
    ("call 0532 123 45 67 0533 765 43 21", "call [phone] [phone]"),
    ("0532 123 45 67 2 weeks from now", "[phone] 2 weeks from now"),
    # E-mails.
    ("write to ayse.kaya+mri@example.com.tr today", "write to [email] today"),
    ("MAIL: Mehmet_Y@Hastane-Ornek.org", "MAIL: [email]"),
    # National ids (valid checksum).
    ("my TC no is 10000000146", "my TC no is [national-id]"),
    ("TC:10000000146.", "TC:[national-id]."),
    ("10000000146 00000", "[national-id] 00000"),
    # Cards (Luhn-valid, printed layouts).
    ("card 4111 1111 1111 1111 expires", "card [card] expires"),
    ("card 4111-1111-1111-1111", "card [card]"),
    ("5500005555555559", "[card]"),
    ("amex 3782 822463 10005", "amex [card]"),
    # Dates.
    ("born 12/03/1985", "born [date]"),
    ("DOB 1985-03-12", "DOB [date]"),
    ("DOB 03/12/85", "DOB [date]"),
    ("born on 3 March 1985 in Izmir", "born on [date] in Izmir"),
    ("born March 3, 1985", "born [date]"),
    ("born on the 3rd of March, 1985", "born on the [date]"),
    ("doğum tarihim 12.03.1985", "doğum tarihim [date]"),
    ("12 Mart 1985 doğumluyum", "[date] doğumluyum"),
    # Everything at once.
    ("I'm Ayşe, 0532 123 45 67, ayse@example.com, TC 10000000146, born 12.03.1985",
     "I'm [name], [phone], [email], TC [national-id], born [date]"),
])
def test_personal_data_is_replaced(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "it resolves within 3-6 months",
    "persistent pain in people over 40",
    "open 09:00-18:00 Monday-Saturday",
    "open 09.00-18.00 on weekdays",
    "emergency number 112",
    "I am 45 years old and had an MRI after 3 weeks",
    "2 weeks of rest, then 10-15 minutes of walking",
    "bone marrow edema grade 2 of 4",
    "between 2019 and 2021, or 2019-2021",
    "edema at L4-L5 and C5-6",
    "weight 85.5 kg, height 1.75",
    "I did 10 20 30 40 50 60 steps",
    "4111 1111 1111 1112",            # not Luhn-valid: 16 digits in card layout, not a phone
    "on 45/13/2020",                  # no such day or month
])
def test_ordinary_numbers_stay(text):
    assert redact(text) == text


def test_national_id_checksum():
    assert tc_kimlik_valid("10000000146")
    assert tc_kimlik_valid(valid_tc([3, 8, 2, 1, 0, 9, 4, 7, 5]))
    assert not tc_kimlik_valid("10000000147")      # wrong eleventh digit
    assert not tc_kimlik_valid("10000000156")      # wrong tenth digit
    assert not tc_kimlik_valid("00000000000")      # cannot start with 0
    assert not tc_kimlik_valid("1000000014")       # ten digits
    # With a bad checksum an 11-digit number is a national id only beside an id cue...
    assert redact("my id 10000000147") == "my id [national-id]"
    assert redact("call 10000000147") == "call [phone]"
    # ...and one that looks like a mobile number (05...) is a phone.
    assert redact("05321234567") == redact("0532 123 45 67") == "[phone]"


def test_luhn():
    assert luhn_valid("4111111111111111") and luhn_valid("378282246310005")
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("41111111111111a1")


@pytest.mark.parametrize("text, expected", [
    ("a\x00b\x07c\x1b[31md", "abc[31md"),                  # NUL, bell, terminal escape
    ("line1\r\nline2\rline3\x85line4", "line1\nline2\nline3\nline4"),
    ("tab\there", "tab here"),
    ("zero\u200bwidth \u202eevil", "zerowidth evil"),     # invisible and bidi override
    ("lone \ud800 surrogate", "lone  surrogate"),
    ("cafe\u0301 Göğüs", "café Göğüs"),                   # composed to NFC
    ("plain text\nstays", "plain text\nstays"),
])
def test_strip_control(text, expected):
    assert strip_control(text) == expected


def valid_tc(prefix: list[int]) -> str:
    """Complete nine digits to a national id number with a valid checksum."""
    d = prefix[:]
    d.append(((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10)
    d.append(sum(d) % 10)
    return "".join(map(str, d))


words = st.text(max_size=60)
# Text made of the characters numbers, dates and e-mails are made of, to stress the edges.
numberish = st.text(alphabet=st.sampled_from(list("0123456789 +-./()@:abcTCx\t\n[]")), max_size=80)
tc_numbers = st.lists(st.integers(0, 9), min_size=9, max_size=9).filter(lambda d: d[0] != 0)
emails = st.from_regex(r"[a-z]{1,8}\.[a-z]{1,8}@[a-z]{2,10}\.(com|org|tr)", fullmatch=True)


@given(words | numberish)
def test_redact_never_crashes_and_is_idempotent(s):
    once = redact(s)
    assert isinstance(once, str) and redact(once) == once


@given(words, words, emails)
def test_embedded_email_never_survives(before, after, email):
    assert email not in redact(f"{before} {email} {after}")


@given(words | numberish, words | numberish, tc_numbers)
def test_embedded_national_id_never_survives(before, after, prefix):
    tc = valid_tc(prefix)
    assert tc not in redact(f"{before} {tc} {after}")


@given(words)
def test_text_without_digits_or_at_signs_is_unchanged(s):
    assume(not any(c.isdecimal() or c == "@" for c in s))
    assert redact(s) == s


@given(st.text())
def test_strip_control_leaves_no_control_characters(s):
    out = strip_control(s)
    assert "\r" not in out and "\t" not in out
    assert all(ch == "\n" or not (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0) for ch in out)
    assert strip_control(out) == out
