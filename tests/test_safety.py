"""The red-flag gate: emergencies get urgent-care advice, ordinary questions never do."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.safety import URGENT_CATEGORIES, red_flag
from conftest import DEV_SET, ROOT

# One {"text", "flag"} per line; flag is a category or null. Judgement calls kept in the list:
# "is this an emergency?" alone describes no symptom, so it is not flagged (the FAQ says when to
# seek care); a past event ("I broke my hip 5 years ago") is history, not an emergency.
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


def test_labelled_list_is_well_formed():
    assert all(set(r) == {"text", "flag"} and r["flag"] in (None, *URGENT_CATEGORIES)
               for r in LABELLED)
    texts = [r["text"] for r in LABELLED]
    assert len(texts) == len(set(texts))
    # Every category is exercised, and some of each in Turkish.
    for category in URGENT_CATEGORIES:
        rows = [r["text"] for r in LABELLED if r["flag"] == category]
        assert len(rows) >= 10, category
        assert any(not t.isascii() for t in rows), category


def test_dev_set_questions_never_fire():
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        query = json.loads(line)["query"]
        assert red_flag(query) is None, query


@pytest.mark.parametrize("message, category", [
    ("I fell and the bone is sticking out of my leg", "injury"),
    ("after the accident I can't put any weight on my leg at all", "injury"),
    ("heard a crack when I fell and my leg looks bent", "injury"),
    ("Fever of 40 and my knee is swollen and red", "infection"),
    ("I have a fever with chills and my hip bone aches", "infection"),
    ("ateşim var ve kemik ağrım çok kötü", "infection"),
    ("back pain and I lost control of my bladder", "neuro"),
    ("numbness around my groin and lower back pain", "neuro"),
    ("idrar kaçırma başladı, belim ağrıyor", "neuro"),
    ("GÖĞÜS AĞRISI var", "cardiac"),
    ("I can't breathe", "cardiac"),
    ("her face is drooping and her speech is slurred", "cardiac"),
    ("I want to end my life", "self-harm"),
    ("kendimi öldürmek istiyorum", "self-harm"),
    ("INTIHAR", "self-harm"),
])
def test_examples(message, category):
    assert red_flag(message) == category


@pytest.mark.parametrize("message", [
    # Negated.
    "I don't have chest pain, only knee pain", "no fever, just a swollen ankle",
    "I'm not suicidal, just frustrated with the pain", "ateşim yok ama dizim ağrıyor",
    # About the condition, or hypothetical.
    "can bone marrow edema cause numbness in the leg?", "can it lead to a fracture?",
    "is difficulty bearing weight a symptom?", "what if I fall again and can't walk",
    "göğüs ağrısı yapar mı",
    # Ordinary symptoms and history.
    "I limp a bit", "it hurts to climb stairs", "I had a fall last month and my knee hurts",
    "I had chest pain last year but the cardiologist said it's fine",
    # Idioms and near misses.
    "is it in the chest bones?", "I can't stand the pain at night", "I'm dying to know",
    "is this an emergency?",
])
def test_ordinary_messages_do_not_fire(message):
    assert red_flag(message) is None


@pytest.mark.parametrize("message", [
    "I'd like to know, is this normal? I can't breathe",   # the question is not the symptom
    "is it normal that my chest hurts this much?",         # a question, but about themselves
    "my back pain is bad. Suddenly my legs went numb",     # the emergency is the second sentence
])
def test_emergency_inside_a_question_still_fires(message):
    assert red_flag(message) is not None


def test_case_and_accents_do_not_matter():
    for row in LABELLED:
        assert red_flag(row["text"].upper()) == red_flag(row["text"]), row["text"]


def test_urgent_reply_through_the_bot(bot):
    reply = bot.ask("I fell off my bike, my leg is bent and I can't stand up at all")
    assert reply.answered and reply.reason == "urgent" and reply.category == "injury"
    assert reply.match.id == "safety-urgent" and reply.match.kind == "safety"


@given(st.text())
def test_never_crashes(s):
    assert red_flag(s) in (None, *URGENT_CATEGORIES)


@given(st.text(alphabet=st.sampled_from(list("iİıIşğüöç .,!?'’-0123456789\n\t")) | st.characters(),
               max_size=300))
def test_never_crashes_on_turkish_and_punctuation(s):
    assert red_flag(s) in (None, *URGENT_CATEGORIES)
