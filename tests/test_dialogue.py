"""The Python API and its decision rules: answer, suggest, ask for more, decline."""

import pytest

from chatbot import NOTICE, Chatbot, Reply
from chatbot.matcher import Vocabulary


def test_python_api_shape(bot):
    reply = bot.ask("can it heal by itself?")
    assert isinstance(reply, Reply)
    assert reply.answered is True
    assert reply.match.id == "faq-heal-on-own" and reply.match.kind == "faq"
    assert reply.match.title == "Can bone marrow edema heal on its own?"
    assert 0 < reply.match.score <= 1
    assert reply.text == bot.knowledge.get("faq-heal-on-own").answer
    assert len(reply.suggestions) <= 3
    assert all(s.id != reply.match.id for s in reply.suggestions)


@pytest.mark.parametrize("message, expected", [
    ("what is bone marrow oedema", "faq-what-is"),
    ("Does it always need an operation?", "faq-surgery"),
    ("how long to recovr", "faq-recovery-time"),
    ("can i take painkillers", "faq-medications"),
    ("does physio help", "faq-physical-therapy"),
    ("PRP", "faq-prp-stem-cells"),
    ("crutches", "sec-treatment-rest"),
    ("İS İT DANGEROUS?", "faq-dangerous"),
])
def test_answers_in_patients_words(bot, message, expected):
    reply = bot.ask(message)
    assert reply.answered and reply.match.id == expected, (reply.reason, reply.best)


@pytest.mark.parametrize("message", ["bone", "pain", "edema", "my bones"])
def test_vague_messages_ask_for_more_with_suggestions(bot, message):
    reply = bot.ask(message)
    assert not reply.answered and reply.reason == "vague"
    assert reply.match is None and 1 <= len(reply.suggestions) <= 3
    assert "more" in reply.text


@pytest.mark.parametrize("message, category", [
    ("how much does the bioplasty cost?", "cost"),
    ("is bioplasty covered by my insurance", "insurance"),
    ("is there parking at the clinic", "logistics"),
    ("can you prescribe me antibiotics", "prescription"),
    ("can bone marrow edema turn into cancer", "serious_condition"),
    ("would acupuncture help my bone marrow edema", "other_treatment"),
])
def test_near_topic_requests_are_declined_with_contact(bot, message, category):
    reply = bot.ask(message)
    assert not reply.answered and reply.reason == "out_of_scope" and reply.category == category
    assert bot.clinic.name in reply.text and NOTICE in reply.text


@pytest.mark.parametrize("message", [
    "what's the weather like in istanbul tomorrow",
    "write me a poem about cats",
    "who won the football match yesterday",
])
def test_off_topic_gets_the_fallback(bot, message):
    reply = bot.ask(message)
    assert not reply.answered and reply.match is None and reply.reason == "no_match"
    assert "contact" in reply.text and bot.clinic.hours in reply.text


def test_small_talk_and_clinic_logistics(bot):
    assert bot.ask("hello").match.id == "smalltalk-greeting"
    assert bot.ask("thanks a lot!").match.id == "smalltalk-thanks"
    assert bot.ask("are you a real person?").match.id == "smalltalk-bot"
    hours = bot.ask("are you open on saturdays?")
    assert hours.match.id == "clinic-hours" and "09:00" in hours.text
    contact = bot.ask("I want to book an appointment with the doctor")
    assert contact.match.id == "clinic-contact"
    assert bot.clinic.name in contact.text  # contact block appended to clinic answers


def test_greeting_with_a_question_answers_the_question(bot):
    assert bot.ask("hi, what causes bone marrow edema?").match.id in {"faq-causes", "sec-causes"}


def test_two_questions_answer_one_and_suggest_the_other(bot):
    reply = bot.ask("Is it dangerous? And do I need crutches?")
    assert reply.answered
    ids = {reply.match.id} | {s.id for s in reply.suggestions}
    assert "faq-dangerous" in ids and "sec-treatment-rest" in ids


@pytest.mark.parametrize("message", ["do I have bone marrow edema?",
                                     "my knee hurts, what is wrong with me?",
                                     "is my hip pain bone marrow edema?",
                                     "I've started limping more this week, does that mean my "
                                     "edema is getting worse?"])
def test_no_diagnosis_only_the_doctor_and_the_contact(bot, message):
    reply = bot.ask(message)
    assert not reply.answered and reply.reason == "personal" and reply.category == "diagnosis"
    assert "only a doctor can diagnose" in reply.text and bot.clinic.name in reply.text
    assert "you have" not in reply.text.lower().replace("whether you have", "")


@pytest.mark.parametrize("message, kind", [
    ("should I get bioplasty for my knee?", "decision"),
    ("do i need an mri? my foot has been sore since tuesday", "decision"),
    ("my MRI report says 15mm edema in the medial femoral condyle, is that a lot?", "report"),
    ("can you read my mri if I send the images", "report"),
    ("how often should I take ibuprofen", "dose"),
])
def test_judgements_of_the_visitors_own_case_are_declined(bot, message, kind):
    reply = bot.ask(message)
    assert (reply.answered, reply.reason, reply.category) == (False, "personal", kind)
    assert bot.speakers["en"].lang.replies["doctor_only"][kind] in reply.text


@pytest.mark.parametrize("message, entry", [
    ("can bone marrow edema cause knee pain?", {"faq-symptoms", "sec-symptoms"}),
    ("do i need sugery", {"faq-surgery"}),
    ("should i keep weight off my leg", {"sec-treatment-rest"}),
    ("should i take it easy", {"sec-treatment-rest"}),
    ("how long dose recovery take", {"faq-recovery-time"}),   # "dose": a typo for "does"
    ("my report says marrow oedema, is that a disease?", {"faq-what-is"}),
])
def test_general_questions_in_the_first_person_are_answered(bot, message, entry):
    reply = bot.ask(message)
    assert reply.answered and reply.match.id in entry, reply


def test_dose_question_gets_the_doctor_and_the_general_entry_as_a_suggestion(bot):
    reply = bot.ask("what dose of ibuprofen should I take?")
    assert not reply.answered and reply.reason == "personal" and "only your doctor" in reply.text
    assert reply.suggestions[0].id in {"faq-medications", "sec-treatment-medication"}


def test_empty_and_symbol_only_messages(bot):
    for message in ("", "   ", "?!?", "🙂"):
        reply = bot.ask(message)
        assert not reply.answered and reply.reason == "empty"


def test_close_runner_up_is_offered(bot):
    reply = bot.ask("what are the symptoms?")
    assert reply.match.id in {"faq-symptoms", "sec-symptoms"}
    twin = {"faq-symptoms", "sec-symptoms"} - {reply.match.id}
    assert twin <= {s.id for s in reply.suggestions}


def test_scores_rank_every_entry_in_0_to_1(bot):
    ranked = bot.matcher.rank("bone marrow edema in the hip during pregnancy")
    assert len(ranked) == len(bot.knowledge)
    assert all(0 <= c.score <= 1 for c in ranked)
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


def test_matcher_works_without_a_vocabulary(tmp_path):
    from chatbot import knowledge
    from conftest import FAQ

    plain = Chatbot(knowledge.load(FAQ), Vocabulary())
    assert plain.ask("does it always require surgery").match.id == "faq-surgery"


@pytest.mark.parametrize("message", ["meniscus tear recovery time",
                                     "menisküs yırtığı nasıl tedavi edilir",
                                     "on capraz bagim kopmus ameliyat sart mi",
                                     "what is the best treatment for osteoarthritis of the knee"])
def test_a_condition_mentioned_only_beside_the_topic_is_another_subject(bot, message):
    reply = bot.ask(message)
    assert reply.reason == "out_of_scope" and reply.category == "other_condition", reply


@pytest.mark.parametrize("message, entry", [
    # The condition beside the topic, or pointing to it: what the knowledge says of them.
    ("can a meniscus tear lead to bone marrow edema?", {"sec-causes", "faq-causes"}),
    ("can a torn meniscus cause it", {"sec-causes", "faq-causes"}),
    # Phrasings that ask about osteoporosis on its own make it a subject of the knowledge.
    ("What is transient osteoporosis of the hip?", {"sec-location-hip", "faq-pregnancy"}),
])
def test_a_related_condition_with_the_topic_is_answered(bot, message, entry):
    reply = bot.ask(message)
    assert reply.answered and reply.match.id in entry, reply


@pytest.mark.parametrize("message, asking", [
    # the question sentence, wherever it stands, also with no "?" (a question word first)
    ("Is that normal after surgery? I had it done ten days ago and my hand is numb.",
     ["Is that normal after surgery?"]),
    ("my husband is a carpenter and uses a hammer all day. he has pain at the thumb side. "
     "what happens if he just keeps going", ["what happens if he just keeps going"]),
    # Turkish asks with a particle or a question word anywhere, "?" or not
    ("Ameliyat olalı 3 gün oldu. Fizyoterapist dizimi düz açmamı istiyor. bu neden bu kadar "
     "önemli", ["bu neden bu kadar önemli"]),
    # a story told in one run-on sentence: its last clause that asks
    ("fabrikada calisiyorum surekli vidalama yapiyoruz aletle, bi kac aydir parmak uclarim "
     "karincalaniyo, arkadas karpal tunel dedi bu titresimli aletlerden mi oluyor",
     [" arkadas karpal tunel dedi bu titresimli aletlerden mi oluyor"]),
    # two clauses and no "?" are a question with its own context, not a story
    ("kemik ölümü diye bir şey okudum nekroz, bu ödem ona yol açar mı", []),
    ("cant reach behind my back to do up my bra and it aches, is that typical", []),
])
def test_the_asking_part_of_a_story(bot, message, asking):
    sp = bot.speakers[bot.language_of(message)]
    assert bot._asking_sentences(sp, message) == asking


@pytest.mark.parametrize("one, other, same", [
    ("squeaking", "grinding", True), ("creaking", "crepitus", True),
    ("inflamed", "inflammation", True), ("tendonitis", "tendinopathy", True),
    # a tendon is anatomy, not its disease; the next step is no staircase
    ("tendons", "tendinopathy", False), ("next step", "stairs", False),
])
def test_general_lay_words_read_as_the_medical_ones(bot, one, other, same):
    """chatbot/data/en/synonyms.json and the stems of language.json: general lay English,
    never one article's words."""
    analyse = bot.speakers["en"].matcher.analyse
    assert (set(analyse(one).terms) == set(analyse(other).terms)) is same
