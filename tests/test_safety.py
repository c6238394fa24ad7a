"""The red-flag gate: emergencies get urgent-care advice, ordinary questions never do."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.safety import URGENT_CATEGORIES, red_flag
from conftest import DEV_SET, ROOT

LABELLED = [json.loads(line) for line in
            (ROOT / "tests" / "data" / "redflags.jsonl").read_text(encoding="utf-8").splitlines()]


def test_labelled_list_precision_and_recall():
    tp = sum(1 for r in LABELLED if r["flag"] and red_flag(r["text"]) == r["flag"])
    fp = sum(1 for r in LABELLED if not r["flag"] and red_flag(r["text"]))
    positives = sum(1 for r in LABELLED if r["flag"])
    precision, recall = tp / max(tp + fp, 1), tp / positives
    print(f"red flags: precision {precision:.3f}, recall {recall:.3f} "
          f"({positives} emergencies, {len(LABELLED) - positives} ordinary messages)")
    assert positives >= 60 and len(LABELLED) - positives >= 100
    assert precision >= 0.97 and recall >= 0.95


def test_every_category_is_covered():
    assert {r["flag"] for r in LABELLED if r["flag"]} == set(URGENT_CATEGORIES)


def test_dev_set_questions_never_fire():
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        query = json.loads(line)["query"]
        assert red_flag(query) is None, query


@pytest.mark.parametrize("message, category", [
    ("I fell and the bone is sticking out of my leg", "injury"),
    ("Fever of 40 and my knee is swollen and red", "infection"),
    ("back pain and I lost control of my bladder", "neuro"),
    ("GÖĞÜS AĞRISI var", "cardiac"),
    ("I want to end my life", "self-harm"),
])
def test_examples(message, category):
    assert red_flag(message) == category


@pytest.mark.parametrize("message", [
    "I don't have chest pain, only knee pain", "no fever, just a swollen ankle",
    "can bone marrow edema cause numbness in the leg?", "can it lead to a fracture?",
])
def test_negated_or_general_questions_do_not_fire(message):
    assert red_flag(message) is None


def test_urgent_reply_through_the_bot(bot):
    reply = bot.ask("I fell off my bike, my leg is bent and I can't stand up at all")
    assert reply.answered and reply.reason == "urgent"
    assert reply.match.id == "safety-urgent" and reply.match.kind == "safety"
    assert reply.match.score == 1.0 and reply.match.title == "Urgent care"
    assert "112" in reply.text and "emergency department" in reply.text


@given(st.text())
def test_never_crashes(s):
    assert red_flag(s) in (None, *URGENT_CATEGORIES)
