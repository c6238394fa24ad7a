"""Personal data is removed before anything is stored."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.redact import luhn_valid, redact, strip_control, tc_kimlik_valid


@pytest.mark.parametrize("text, expected", [
    ("call me on 0532 123 45 67 please", "call me on [phone] please"),
    ("+90 532 123 4567", "[phone]"),
    ("05321234567", "[phone]"),
    ("(0212) 555 12 34", "[phone]"),
    ("uk: +44 20 7946 0958", "uk: [phone]"),
    ("us: +1 (555) 123-4567.", "us: [phone]."),
    ("write to ayse.kaya+mri@example.com.tr today", "write to [email] today"),
    ("my TC no is 10000000146", "my TC no is [national-id]"),
    ("card 4111 1111 1111 1111 expires", "card [card] expires"),
    ("card 4111-1111-1111-1111", "card [card]"),
    ("born 12/03/1985", "born [date]"),
    ("DOB 1985-03-12", "DOB [date]"),
    ("born on 3 March 1985 in Izmir", "born on [date] in Izmir"),
    ("born March 3, 1985", "born [date]"),
    ("doğum tarihim 12.03.1985", "doğum tarihim [date]"),
    ("10000000146 00000", "[national-id]"),          # found by hypothesis
    ("ref 1234 5678 9012 3456 789", "ref [number]"),  # long, no known shape: still removed
])
def test_personal_data_is_replaced(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "it resolves within 3-6 months",
    "persistent pain in people over 40",
    "open 09:00-18:00 Monday-Saturday",
    "emergency number 112",
    "I am 45 years old and had an MRI after 3 weeks",
    "bone marrow edema grade 2 of 4",
])
def test_ordinary_numbers_stay(text):
    assert redact(text) == text


def test_national_id_checksum():
    assert tc_kimlik_valid("10000000146")
    assert not tc_kimlik_valid("10000000147")      # wrong last digit
    assert not tc_kimlik_valid("00000000146")      # cannot start with 0
    # An 11-digit number with a bad checksum is not a national id: it is treated as a phone.
    assert redact("12345678901") == "[phone]"


def test_luhn():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


def test_control_characters_are_removed():
    assert strip_control("a\x00b\x07c\x1b[31m\u200bd") == "abc[31md"
    assert strip_control("line1\r\nline2\ttab") == "line1\nline2 tab"


def valid_tc(prefix: list[int]) -> str:
    d = prefix[:]
    d.append(((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10)
    d.append(sum(d) % 10)
    return "".join(map(str, d))


words = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)


@given(words)
def test_redact_never_crashes_and_is_idempotent(s):
    once = redact(s)
    assert redact(once) == once


@given(words, words, st.from_regex(r"[a-z]{1,8}\.[a-z]{1,8}@[a-z]{2,10}\.(com|org|tr)",
                                   fullmatch=True))
def test_embedded_email_never_survives(before, after, email):
    assert email not in redact(f"{before} {email} {after}")


@given(words, words, st.lists(st.integers(0, 9), min_size=9, max_size=9).filter(
    lambda d: d[0] != 0))
def test_embedded_national_id_never_survives(before, after, prefix):
    tc = valid_tc(prefix)
    assert tc not in redact(f"{before} {tc} {after}")


@given(st.text())
def test_strip_control_leaves_no_control_characters(s):
    out = strip_control(s)
    assert all(ch in "\n" or not (ord(ch) < 32 or 0x7f <= ord(ch) < 0xa0) for ch in out)
