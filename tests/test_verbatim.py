"""Matcher.verbatim, which compares a message only with the phrasings long or short enough to
reach the bar, finds what closest_phrasing finds over every phrasing."""

import json

import pytest

from chatbot import Chatbot
from chatbot.matcher import Analysis
from conftest import FAQ, ROOT


def _fresh(analysis: Analysis) -> Analysis:
    """The same analysis without its memo (closest_phrasing's result would serve verbatim)."""
    return Analysis(words=analysis.words, terms=analysis.terms, weights=analysis.weights,
                    corrections=analysis.corrections, out_of_scope=analysis.out_of_scope,
                    personal=analysis.personal, anchors=analysis.anchors,
                    sources=analysis.sources)


@pytest.mark.parametrize("name", ["dev.jsonl", "dev_tr.jsonl"])
def test_verbatim_is_the_closest_phrasing_when_it_reaches_the_bar(name):
    bot = Chatbot.from_file(FAQ)
    queries = [json.loads(line)["query"] for line in
               (ROOT / "tests" / "data" / name).read_text(encoding="utf-8").splitlines()]
    found = 0
    for matcher in (sp.matcher for sp in bot.speakers.values()):
        for query in queries:
            analysis = matcher.analyse(query)
            closest, similarity = matcher.closest_phrasing(_fresh(analysis))
            for bar in (0.5, 0.9):
                expected = (closest, similarity) if similarity >= bar else (None, 0.0)
                assert matcher.verbatim(_fresh(analysis), bar) == expected, (query, bar)
                found += expected[0] is not None
    assert found > 100   # the bar is reached often enough for the comparison to mean something
