"""Everyday messages are not answered through one everyday word; everyday questions about
the topic still are (chatbot/topicality.py)."""

import shutil
from dataclasses import replace

import pytest
from click.testing import CliRunner

from chatbot import Chatbot, language
from chatbot.cli import main
from chatbot.evaluate import evaluate, read_cases
from chatbot.topicality import Topicality, lexicon
from conftest import FAQ, ROOT

TENNIS = "tennis-elbow-lateral-epicondylitis"
ACL = "on-capraz-bag-yirtigi"


def imported(tmp_path_factory, slug: str) -> Chatbot:
    """The clinic's file with a test article imported, as `chatbot import` does."""
    path = tmp_path_factory.mktemp(slug) / "faq.json"
    shutil.copy(FAQ, path)
    result = CliRunner().invoke(main, ["import", str(ROOT / "tests" / "data" / "articles" /
                                                     f"{slug}.txt"), "--faq", str(path),
                                       "--url", f"https://clinic.example/post/{slug}"])
    assert result.exit_code == 0, result.output
    return Chatbot.from_file(path)


@pytest.fixture(scope="module")
def tennis(tmp_path_factory):
    return imported(tmp_path_factory, TENNIS)


@pytest.fixture(scope="module")
def acl(tmp_path_factory):
    """A Turkish article (anterior cruciate ligament), freshly imported."""
    return imported(tmp_path_factory, ACL)


@pytest.mark.parametrize("message", [
    "who won the arsenal game last night",         # last -> chronic, night -> sleep
    "can you help me with my tax return",          # return -> recurrence
    "how long does it take to boil an egg",        # how long -> recovery
    "who won the match last week",
    "galatasaray bu hafta kimle oynuyor",
    "en yakın eczane nerede",                      # eczane -> ilaç
])
def test_everyday_messages_are_not_answered_through_an_everyday_word(bot, message):
    reply = bot.ask(message)
    assert not reply.answered, reply.match


@pytest.mark.parametrize("message, expected", [
    ("is this serious", "faq-dangerous"),
    ("how long", "faq-recovery-time"),
    ("does it go away by itself", "faq-heal-on-own"),
    ("what did i do to get this", "faq-causes"),
    ("how long before i can play football again", "faq-recovery-time"),
    ("nedenleri", "faq-causes"),
    ("spor yapanlarda daha mi sik goruluyor", "faq-athletes"),
])
def test_everyday_questions_about_the_topic_are_answered(bot, message, expected):
    reply = bot.ask(message)
    assert reply.answered and reply.match.id == expected, (reply.reason, reply.best)


@pytest.mark.parametrize("message", [
    "can you help me with my visa application",    # "Ice Application"
    "I need an eye test for new glasses",           # "Nerve Tests"
    "what is the chair test",
])
def test_an_article_heading_word_is_no_topic(tennis, message):
    reply = tennis.ask(message, article=TENNIS)
    assert not reply.answered, reply.match


def test_the_tennis_article_still_answers_its_questions(tennis):
    reply = tennis.ask("what is tennis elbow", article=TENNIS)
    assert reply.answered and reply.match.id in ("faq-what-is-tennis-elbow",
                                                 "sec-what-is-tennis-elbow")


def test_a_term_carries_a_topic_by_the_words_typed_for_it(bot):
    sp = bot.speakers["en"]
    carriers = lambda message: sp.topicality.carriers(  # noqa: E731
        sp.matcher.analyse(message), sp.matcher.knows)
    assert carriers("who won the game last night") == frozenset()   # chronic, sleep: no
    assert carriers("will they cut me open")                         # a lay phrase: surgery
    assert carriers("is bioplasty painful")                          # a rare word of ours
    assert carriers("my knee")
    tr = bot.speakers["tr"]
    assert tr.topicality.carriers(tr.matcher.analyse("kemik iliği ödemi"), tr.matcher.knows)
    assert tr.topicality.carriers(tr.matcher.analyse("yarın hava nasıl"),
                                  tr.matcher.knows) == frozenset()


def test_the_medical_vocabulary_is_package_data_per_language():
    for code in ("en", "tr"):
        lang = language.load(code)
        words = lexicon(lang)
        assert len(words) > 200
        found = Topicality(lang, frozenset()).medical_words(
            tuple(lang.words("ağrı kesici" if code == "tr" else "pain killer")))
        assert found, code
    # Everyday words the articles also use are left out on purpose.
    assert not {"time", "test", "application", "return", "last"} & set(
        lexicon(language.load("en")))


@pytest.mark.parametrize("message, expected", [
    ("ilik odemi", "faq-what-is"),   # another name for the topic is no vague word
    ("Ödem dediğiniz şey kemiğin içinde mi oluyor dışında mı, anlamadım", "faq-what-is"),
])
def test_the_topic_named_another_way_and_a_short_stem_are_no_declines(bot, message, expected):
    # "dışında" (outside) stems to "dış", which a cue must not read as "diş" (tooth).
    reply = bot.ask(message, lang="tr")
    assert reply.answered and reply.match.id == expected, (reply.reason, reply.category)


@pytest.mark.parametrize("message, expected", [
    ("can I book an appointment with the doctor before I fly to Istanbul", "clinic-contact"),
    ("Türkiye'ye uçmadan önce doktorla görüşme için randevu alabilir miyim", "clinic-contact"),
    ("can I fly with bone marrow edema", None),   # advice on flying: out of scope
    ("book me a flight to london", None),         # no care asked for
])
def test_a_request_to_the_clinic_is_answered_whatever_the_visitors_circumstances(
        bot, message, expected):
    reply = bot.ask(message)
    if expected is None:
        assert not reply.answered and reply.reason == "out_of_scope"
    else:
        assert reply.answered and reply.match.id == expected, (reply.reason, reply.category)


# Everyday messages that share one word with the clinic's own entries (hours, contact):
# "telephone", "open", "close", "hafta sonu", "pazar".
EVERYDAY = ["who invented the telephone", "which phone has the best camera",
            "what's the best phone to buy", "what time does the pharmacy close",
            "is the supermarket open on sunday",
            "en iyi akilli telefon hangisi su an", "telefonumun şarjı çabuk bitiyor ne yapmalıyım",
            "hafta sonu kahvaltı için ne hazırlasam", "market pazar günü açık mı",
            "en güzel tatil yeri neresi"]
# The clinic's own questions, a time of the visitor's own ("tomorrow", "akşam 7'de") or a
# word of the other clinic entry ("visit") included.
CLINIC = [("are you open on saturday", "clinic-hours"), ("can I visit on a sunday", "clinic-hours"),
          ("what is your phone number", "clinic-contact"),
          ("how can I book an appointment", "clinic-contact"), ("thanks", "smalltalk-thanks"),
          ("hello", "smalltalk-greeting"), ("cumartesi açık mısınız", "clinic-hours"),
          ("akşam 7'de açık mısınız", "clinic-hours"), ("hafta sonu açık mısınız", "clinic-hours"),
          ("öğle arası kapalı mısınız", "clinic-hours"),
          ("bugün kaça kadar açıksınız", "clinic-hours"),
          ("telefon numaranız nedir", "clinic-contact"),
          ("randevu almak istiyorum", "clinic-contact"), ("teşekkürler", "smalltalk-thanks"),
          ("merhaba", "smalltalk-greeting")]


@pytest.mark.parametrize("page", [TENNIS, ACL])
def test_everyday_messages_on_an_article_page_are_not_answered_by_the_clinic_entries(
        tennis, acl, page):
    bot = tennis if page == TENNIS else acl
    replies = {m: bot.ask(m, article=page) for m in EVERYDAY}
    assert [(m, r.match.id) for m, r in replies.items() if r.answered] == []
    # Declined with the clinic's contact, or "did you mean" at most.
    for reply in replies.values():
        assert reply.reason in ("no_match", "suggest"), reply
        if reply.reason == "no_match":
            assert reply.text == bot._fallback_text(bot.speakers[reply.lang])


@pytest.mark.parametrize("message", [m for m in EVERYDAY if "phone" in m or "telefon" in m])
def test_a_phone_to_buy_gets_the_clinics_contact_not_its_entry(acl, message):
    reply = acl.ask(message, article=ACL)
    assert not reply.answered and reply.reason == "no_match", reply
    assert "contact the clinic" in reply.text or "klinikle iletişime" in reply.text


@pytest.mark.parametrize("page", [TENNIS, ACL, None])
def test_the_clinics_own_questions_are_still_answered_on_an_article_page(
        bot, tennis, acl, page):
    chatbot = {TENNIS: tennis, ACL: acl, None: bot}[page]
    got = {m: chatbot.ask(m, article=page) for m, _ in CLINIC}
    assert [(m, got[m].reason, got[m].match and got[m].match.id) for m, e in CLINIC
            if not (got[m].answered and got[m].match.id == e)] == []


@pytest.mark.parametrize("message", ["what time do you open tomorrow", "are you open at 8pm",
                                     "aksam 7 de gelsem acik olur musunuz"])
def test_when_the_visitor_would_come_is_no_other_subject(bot, message):
    reply = bot.ask(message, article="what-is-bone-marrow-edema")
    assert reply.answered and reply.match.id == "clinic-hours", (reply.reason, reply.best)


def test_tennis_elbow_questions_floor(tennis):
    """172 questions written blind on the tennis elbow article, asked on its page: first
    contact 0.576 overall (declined 0.581); the decline of everyday messages lifted it, and
    reading a message about one article as that article alone would lifted the answers (0.634
    overall) at some cost in declines (0.565: more of what the article does not cover is
    answered from it)."""
    cases = [replace(c, article=TENNIS)
             for c in read_cases(ROOT / "tests" / "data" / "dev_tennis.jsonl")]
    summary = evaluate(tennis, cases).summary()
    print(summary)
    assert summary["overall"] >= 0.62 and summary["declined_correct"] >= 0.55
