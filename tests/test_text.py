"""Normalisation shared by the index and the query."""

from hypothesis import example, given
from hypothesis import strategies as st

from chatbot.text import fold, normalise, stem, words


def test_case_accents_and_turkish_letters_fold_to_ascii():
    assert fold("İSTANBUL Işık ÖZER çğüş") == "istanbul isik ozer cgus"
    assert normalise("Dr. Utku Erdem Özer") == "dr utku erdem ozer"


def test_british_spellings_become_american():
    assert words("Bone marrow OEDEMA, orthopaedic haematoma") == \
        ["bone", "marrow", "edema", "orthopedic", "hematoma"]
    assert words("mobilise mobilised") == ["mobilize", "mobilized"]


def test_hyphens_punctuation_and_possessives_split_words():
    assert words("x-ray; non-surgical... knee's") == ["x", "ray", "non", "surgical", "knee"]
    assert words("don't") == ["dont"]
    assert words("40yo, 3-6 months") == ["40", "yo", "3", "6", "months"]


def test_stemming_removes_plurals_and_inflections():
    assert stem("fractures") == stem("fracture") == stem("fractured")
    assert stem("treatments") == stem("treatment")
    assert stem("crutches") == stem("crutch")


@given(st.text())
@example("AAAAÆ")  # a British "ae" after another "a" lost an "a" on each pass
@example("OÆAAA")  # "oaeaaa" became "oeaaa", whose British "oe" the next pass took
def test_normalise_never_crashes_and_is_idempotent(s):
    once = normalise(s)
    assert normalise(once) == once
    assert once == once.strip() and "  " not in once


@given(st.text())
def test_words_are_lowercase_ascii_alphanumerics(s):
    for w in words(s):
        assert w and w.isascii() and w.isalnum() and w == w.lower()
