"""Matching quality on the labelled dev set: it may not silently regress."""

from collections import Counter

from chatbot.evaluate import evaluate, read_cases
from conftest import DEV_SET

# Written blind to the code on 2026-11-30 (111 questions, EN); its Turkish twin is the last
# 168 lines of dev_tr.jsonl. First contact: overall 0.820, declined-correct 0.464.
BLIND_SET = DEV_SET.with_name("dev_en_blind.jsonl")

# Reached when these floors were set (docs/matching.md), minus a small margin.
FLOORS = {"overall": 0.89, "top1": 0.92, "answered_correct": 0.90, "declined_correct": 0.85}
CATEGORY_FLOOR = 0.70


def test_dev_set_is_large_and_varied(bot):
    cases = read_cases(DEV_SET)
    assert len(cases) >= 300
    categories = Counter(c.category for c in cases)
    for kind in ("paraphrase", "lay", "typo", "keyword", "story", "logistics", "smalltalk",
                 "offtopic", "neartopic"):
        assert categories[kind] >= 10, kind
    ids = {e.id for e in bot.knowledge.entries}
    for case in cases:
        assert case.acceptable <= ids, case
        assert case.expected is None or case.expected in case.acceptable


def test_dev_set_floor(bot):
    summary = evaluate(bot, read_cases(DEV_SET)).summary()
    print({k: summary[k] for k in FLOORS}, summary["per_category"])
    for key, floor in FLOORS.items():
        assert summary[key] >= floor, (key, summary[key])
    for name, row in summary["per_category"].items():
        assert row["rate"] >= CATEGORY_FLOOR, (name, row)


def test_blind_set_floor(bot):
    """Personal judgements, doses, report readings and other conditions are declined; the
    general questions beside them answered."""
    summary = evaluate(bot, read_cases(BLIND_SET)).summary()
    print({k: summary[k] for k in FLOORS}, summary["per_category"])
    for key, floor in FLOORS.items():
        assert summary[key] >= floor, (key, summary[key])
    assert summary["per_category"]["diagnosis"]["rate"] == 1.0


def test_decline_look_alikes_floor(bot):
    """40 lines (EN and TR) written after the decline rules, measured once (overall 0.825,
    declined 0.792), then kept: personal, dose, report, other condition, and the answerable
    questions that look like them ("can bone marrow edema cause knee pain?")."""
    summary = evaluate(bot, read_cases(DEV_SET.with_name("dev_decline_fresh.jsonl"))).summary()
    print(summary)
    assert summary["overall"] >= 0.90 and summary["declined_correct"] >= 0.95
    assert summary["answered_correct"] >= 0.80


def test_ninth_blind_batch_floor(bot):
    """150 lines (EN and TR) written blind on the clinic's article; first contact 0.860
    overall (declined 0.933), 0.887 after the topicality rules (docs/matching.md)."""
    summary = evaluate(bot, read_cases(DEV_SET.with_name("dev_clinic9.jsonl")),
                       hint=True).summary()
    print(summary)
    assert summary["overall"] >= 0.87 and summary["declined_correct"] >= 0.95
