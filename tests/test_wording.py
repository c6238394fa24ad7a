"""The bot's own texts as a patient reads them, in English and Turkish."""

import json
import re
import string

import pytest
from click.testing import CliRunner

from chatbot import language
from chatbot.cli import main
from conftest import FAQ, ROOT

LANGUAGES = sorted(language.available())


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _flatten(replies: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in replies.items():
        if key == "about":
            continue
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def test_every_language_has_every_text_with_the_same_placeholders():
    texts = {code: _flatten(language.load(code).replies) for code in LANGUAGES}
    reference = texts["en"]
    for code, own in texts.items():
        assert set(own) == set(reference), (code, set(own) ^ set(reference))
        for key, text in own.items():
            assert _placeholders(text) == _placeholders(reference[key]), (code, key)
            assert text.strip() == text and "  " not in text, (code, key)


@pytest.mark.parametrize("message, lang, doctor", [
    ("can children get it?", "en", "child's doctor"),
    ("does my child have bone marrow edema?", "en", "child's doctor"),
    ("çocuklarda olur mu?", "tr", "çocuğunuzun doktoruna"),
])
def test_a_question_about_children_is_sent_to_their_doctor_not_refused(bot, message, lang, doctor):
    reply = bot.ask(message)
    assert reply.lang == lang and not reply.answered and reply.category == "children"
    assert doctor in reply.text
    # Not "I can't help with children": the article's limits, then who can help.
    assert not re.search(r"can't help with children|çocuklar hakkında yardımcı olamıyorum",
                         reply.text)


@pytest.mark.parametrize("message, lang", [
    ("is it cancer?", "en"), ("could my bone marrow edema be a tumour?", "en"),
    ("is bone marrow edema cancerous", "en"),
    ("kemik ödemi kanser mi?", "tr"), ("bu bir tümör olabilir mi", "tr"),
])
def test_cancer_questions_get_a_careful_answer_and_whom_to_ask(bot, message, lang):
    reply = bot.ask(message)
    assert reply.lang == lang and not reply.answered
    assert reply.category == "serious_condition", (reply.reason, reply.category)
    first = reply.text.split("\n\n")[0]
    # What the article covers, that a doctor can tell, whom to ask: no "other conditions",
    # nothing urgent or frightening.
    if lang == "en":
        assert "doesn't cover cancer" in first and "doctor" in first
        assert "contact the clinic" in first
    else:
        assert "kanser ya da tümörleri kapsamıyor" in first and "doktor" in first
    assert not re.search(r"other conditions|başka hastalıklar|urgent|emergency|acil", reply.text,
                         re.I)
    assert "not medical advice" in reply.text or "tıbbi tavsiye değildir" in reply.text


@pytest.mark.parametrize("message", [
    "I'm pregnant, do I have bone marrow edema in my hip?",
    "I run a lot, could I have bone marrow edema?",
    "do I have bone marrow edema?",
    "hamileyim, bende kemik iliği ödemi var mı?",
    "bende kemik iliği ödemi olabilir mi, çok koşuyorum",
    "my son has knee pain, is it bone marrow edema?",  # the note says "it", not "you"
])
def test_a_personal_question_is_declined_with_the_general_entry_as_a_suggestion(bot, message):
    reply = bot.ask(message)
    # Never an answer: a "Yes, ..." under "do I have it?" would read as a verdict.
    assert reply.reason == "personal" and not reply.answered and reply.match is None, reply
    speaker = bot.speakers[reply.lang]
    note = reply.text.split("\n\n")[0]
    assert note == speaker.lang.replies["doctor_only"]["diagnosis"].format(topic=speaker.topic)
    assert "you have" not in note
    assert speaker.lang.text("personal_contact") in reply.text and speaker.clinic.name in reply.text
    # The general information is one click away: how it is diagnosed, or the closest entry.
    assert reply.suggestions and {s.kind for s in reply.suggestions} <= {"faq", "section"}


def test_the_diagnosis_note_names_no_test_that_only_one_condition_needs():
    # The texts are for any clinic: "confirmed with an MRI" belongs in the article's answer.
    for code in LANGUAGES:
        note = language.load(code).replies["doctor_only"]["diagnosis"]
        assert not re.search(r"\bMR", note), (code, note)


@pytest.mark.parametrize("message", ["bone", "pain", "health", "illness", "kemik", "sağlık",
                                     "hastalık"])
def test_for_example_is_followed_by_examples(bot, message):
    reply = bot.ask(message)
    assert reply.reason == "vague"
    assert reply.text.endswith(":") == bool(reply.suggestions), reply


def test_cli_lists_examples_once_without_a_second_caption(monkeypatch):
    monkeypatch.setenv("CHATBOT_FAQ_PATH", str(FAQ))
    for message in ("bone", "kemik"):
        out = CliRunner().invoke(main, ["ask", message]).output
        assert out.count(":\n") == 1 and "Did you mean" not in out, out
        assert re.search(r":\n\n  - .+\[faq-", out), out
    answered = CliRunner().invoke(main, ["ask", "do I need crutches?"]).output
    assert "\nYou could also ask:\n  - " in answered
    declined = CliRunner().invoke(main, ["ask", "how much does the bioplasty cost?"]).output
    assert "\nDid you mean:\n  - " in declined


def test_the_starter_and_widget_texts_name_no_clinic_and_no_condition():
    # A new clinic's small talk and the widget's own texts must fit any clinic (chatbot init).
    shipped = json.loads(FAQ.read_text(encoding="utf-8"))
    names = {shipped["clinic"]["name"]["en"], "Özer", "bone marrow", "kemik", "ödem"}
    texts = [(language.DATA / code / "starter.json").read_text(encoding="utf-8")
             for code in LANGUAGES]
    texts.append((ROOT / "web" / "widget.js").read_text(encoding="utf-8"))
    for text in texts:
        for name in names:
            assert name.lower() not in text.lower(), (name, text[:80])
