"""Regexes built for speed find what the plain ones find: first-character hints, shared
beginnings."""

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from chatbot import Chatbot
from chatbot.matcher import _trie
from chatbot.patterns import compile_quick
from conftest import FAQ, ROOT

# Pieces as the judgement frames are made of: words, slot alternations with an ending, gaps.
PIECES = ["mi", " mi", " var", "acaba", " acaba", "(?:diz|kalca|omuz)[a-z]{0,6}",
          " (?:diz|kalca)[a-z]{0,6}", " (?:[a-z0-9]+ ){0,4}", " (?:[a-z0-9]+ ){1,4}", "bu",
          " bu", " sizce"]
WORDS = ["mi", "var", "acaba", "dizim", "kalcam", "omuz", "bu", "sizce", "agri", "3"]

sequences = st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map(tuple),
                     min_size=1, max_size=8)
texts = st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(sequences, st.lists(texts, min_size=1, max_size=10))
def test_frames_sharing_their_beginning_match_the_same_texts(frames, messages):
    plain = re.compile(r"\b(?:" + "|".join("".join(f) for f in frames) + r")\b")
    shared = re.compile(rf"\b{_trie(frames)}\b")
    for message in messages:
        assert bool(shared.search(message)) == bool(plain.search(message)), (frames, message)


@settings(max_examples=300, deadline=None)
@given(sequences, st.lists(texts, min_size=1, max_size=10))
def test_a_first_character_hint_changes_no_match(frames, messages):
    source = r"\b(?:" + "|".join("".join(f) for f in frames) + r")\b"
    plain, quick = re.compile(source), compile_quick(source)
    for message in messages:
        assert [m.span() for m in quick.finditer(message)] == \
            [m.span() for m in plain.finditer(message)], (source, message)


def test_a_pattern_that_can_match_nothing_gets_no_hint():
    assert compile_quick(r"a?").pattern == "a?"
    assert compile_quick(r"\b(?:mi|var)\b").pattern.startswith("(?=[")


def test_judgement_frames_are_skipped_only_where_they_find_nothing():
    # A frame is searched only in a message holding one of its needles (patterns.needles):
    # on every dev question, a frame that matches holds one.
    bot = Chatbot.from_file(FAQ)
    searched = 0
    for name, code in (("dev.jsonl", "en"), ("dev_tr.jsonl", "tr")):
        matcher = bot.speakers[code].matcher
        for line in (ROOT / "tests" / "data" / name).read_text(encoding="utf-8").splitlines():
            joined = matcher.analyse(json.loads(line)["query"]).memo["joined"]
            for pattern, strings in matcher._own_case._frames.values():
                if pattern.search(joined):
                    searched += 1
                    assert strings is None or any(s in joined for s in strings), pattern
    assert searched > 20
