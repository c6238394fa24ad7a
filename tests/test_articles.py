"""Many articles in one bot: test articles imported with `chatbot import`, as a clinic would.

plantar-fasciitis.txt and rotator-cuff-tendinopathy.txt are test data in the clinic site's
messy text form; their patient questions (tests/data/dev_plantar.jsonl, dev_rotator.jsonl)
were written before the bot was tuned on them (docs/benchmarks.md has the first-contact
figures). The clinic's own questions must not suffer from the new articles.
"""

import os
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest
from click.testing import CliRunner

from chatbot import Chatbot, knowledge, language
from chatbot.cli import main
from chatbot.dialogue import Policy
from chatbot.evaluate import evaluate, read_cases
from conftest import DEV_SET, FAQ, ROOT, start_server, stop_server

DATA = ROOT / "tests" / "data"
ARTICLES = DATA / "articles"
BME = "what-is-bone-marrow-edema"
PLANTAR = ("plantar-fasciitis", "https://clinic.example/post/plantar-fasciitis")
ROTATOR = ("rotator-cuff-tendinopathy", "https://clinic.example/post/rotator-cuff-tendinopathy")
# A second shoulder article, written blind by another team member with its questions
# (tests/data/dev_frozen.jsonl, labelled with the ids this slug gives).
FROZEN = ("what-is-frozen-shoulder-adhesive-capsulitis",
          "https://clinic.example/post/what-is-frozen-shoulder-adhesive-capsulitis")
# A Turkish article written blind, with 155 patient questions (tests/data/dev_karpal.jsonl).
KARPAL = ("karpal-tunel-sendromu", "https://clinic.example/post/karpal-tunel-sendromu")
# Another, on the anterior cruciate ligament, with 161 questions (tests/data/dev_acl.jsonl).
ACL = ("on-capraz-bag-yirtigi", "https://clinic.example/post/on-capraz-bag-yirtigi")
# An English one, De Quervain's tenosynovitis, with 167 questions (dev_dequervain.jsonl).
DEQUERVAIN = ("de-quervain", "https://clinic.example/post/de-quervain")


def imported(folder, *articles):
    """Copy the clinic's file and import the test articles into it, one command each."""
    path = folder / "faq.json"
    shutil.copy(FAQ, path)
    for slug, url in articles:
        result = CliRunner().invoke(main, ["import", str(ARTICLES / f"{slug}.txt"),
                                           "--faq", str(path), "--url", url])
        assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def two_path(tmp_path_factory):
    return imported(tmp_path_factory.mktemp("two"), PLANTAR)


@pytest.fixture(scope="module")
def two(two_path):
    return Chatbot.from_file(two_path)


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    return Chatbot.from_file(imported(tmp_path_factory.mktemp("three"), PLANTAR, ROTATOR))


@pytest.fixture(scope="module")
def four(tmp_path_factory):
    return Chatbot.from_file(imported(tmp_path_factory.mktemp("four"), PLANTAR, ROTATOR, FROZEN))


@pytest.fixture(scope="module")
def karpal(tmp_path_factory):
    return Chatbot.from_file(imported(tmp_path_factory.mktemp("karpal"), KARPAL))


@pytest.fixture(scope="module")
def acl(tmp_path_factory):
    return Chatbot.from_file(imported(tmp_path_factory.mktemp("acl"), ACL))


@pytest.fixture(scope="module")
def dequervain(tmp_path_factory):
    return Chatbot.from_file(imported(tmp_path_factory.mktemp("dequervain"), DEQUERVAIN))


def figures(bot, path, page=None, **kwargs):
    cases = read_cases(path)
    if page:  # the questions were asked on that article's page
        cases = [replace(c, article=c.article or page) for c in cases]
    return evaluate(bot, cases, **kwargs).summary()


def test_topics_come_from_the_articles():
    en, tr = language.load("en"), language.load("tr")
    assert en.topic_of("What is Bone Marrow Edema?") == "bone marrow edema"
    assert en.topic_of("Plantar Fasciitis: Causes, Symptoms and Treatment") == \
        "plantar fasciitis"
    assert en.topic_of("ACL Tear - What You Need to Know") == "ACL tear"
    assert tr.topic_of("Menisküs Yırtığı Nedir?") == "menisküs yırtığı"
    # A question ends the topic: the rest of a Turkish blog title is what the article covers
    # ("belirtileri", symptoms, was a topic word: every symptom question named the topic).
    assert tr.topic_of("Karpal Tünel Sendromu Nedir? Belirtileri ve Tedavi Yöntemleri") == \
        "karpal tünel sendromu"
    # A question mark ends the topic as a colon does: what follows it is the article's plan,
    # not its subject ("ameliyat" and "tedavi" were read as the topic of every entry).
    assert tr.topic_of("Ön Çapraz Bağ Yırtığı Nedir? Belirtileri, Tedavisi ve Ameliyat "
                       "Sonrası Süreç") == "ön çapraz bağ yırtığı"
    assert en.topic_of("What is an ACL Tear? Symptoms and Treatment") == "ACL tear"


def test_import_names_the_topic_and_the_fallback_names_every_topic(two):
    assert two.knowledge.topic_names("en") == ["bone marrow edema", "plantar fasciitis"]
    # An English-only article keeps its English name in Turkish texts.
    assert two.knowledge.topic_names("tr") == ["kemik iliği ödemi", "plantar fasciitis"]
    reply = two.ask("who won the football match yesterday?")
    assert reply.reason == "no_match"
    assert "bone marrow edema and plantar fasciitis" in reply.text
    assert "plantar fasciitis" in two.ask("?!", lang="tr").text


def test_a_question_naming_its_topic_goes_to_that_article(two):
    reply = two.ask("what are the symptoms of plantar fasciitis?")
    assert reply.answered and two.knowledge.get(reply.match.id).article == "plantar-fasciitis"
    reply = two.ask("what are the symptoms of bone marrow edema?")
    assert reply.answered and reply.match.id == "faq-symptoms"
    # Words only one article uses point to it: "heel" is plantar fasciitis.
    reply = two.ask("can it heal on its own? my heel hurts")
    assert reply.answered and reply.match.id == "faq-plantar-fasciitis-can-it-heal-on-its-own"


def test_a_word_names_an_article_only_where_the_article_makes_it_its_own(three):
    """A word one article uses in a single entry ("expect", "normal") is chance, not a topic:
    it must not take a question away from the page it is asked on."""
    matcher = three.matcher
    for slug, terms in (("plantar-fasciitis", ("heel",)),
                        ("rotator-cuff-tendinopathy", ("sling", "shoulder"))):
        for word in terms:
            assert matcher.articles_named(matcher.analyse(f"what about my {word}")) == {slug}
    once = {t for t, owners in matcher._term_articles.items() if len(owners) == 1} - \
        matcher._naming.keys()
    assert once, "every single-article word is used in several of its entries"
    for term in once:
        assert not matcher.articles_named(matcher.analyse(term)) - {BME}
    reply = three.ask("When can I expect to be back to normal?", article=BME)
    assert reply.answered and three.knowledge.get(reply.match.id).article == BME


def test_a_word_two_articles_share_narrows_which_topic_to_them(four):
    """Two shoulder articles: "my shoulder" is about one of them, never the bone marrow edema
    entries; on a page the page's article answers."""
    shoulder = {ROTATOR[0], FROZEN[0]}
    for question in ("will they need to operate on my shoulder",
                     "what can I take for the pain in my shoulder"):
        reply = four.ask(question)
        shown = [reply.match] if reply.answered else list(reply.suggestions)
        assert shown and four.knowledge.get(shown[0].id).article in shoulder, (question, reply)
        if reply.reason == "which_topic":
            assert {four.knowledge.get(s.id).article for s in reply.suggestions} == shoulder
        on_page = four.ask(question, article=ROTATOR[0])
        assert on_page.answered and four.knowledge.get(on_page.match.id).article == ROTATOR[0]


def test_a_question_that_fits_several_uses_the_page_else_asks_which(two):
    reply = two.ask("What are the symptoms?")
    assert not reply.answered and reply.reason == "which_topic"
    assert "Which one do you mean?" in reply.text
    articles = [two.knowledge.get(s.id).article for s in reply.suggestions]
    assert {BME, "plantar-fasciitis"} <= set(articles)
    by_slug = two.ask("What are the symptoms?", article="plantar-fasciitis")
    assert by_slug.answered and by_slug.match.id == "faq-plantar-fasciitis-what-are-the-symptoms"
    # The page's address, as the widget sends it (scheme, www, query and slash aside).
    by_url = two.ask("What are the symptoms?",
                     article="http://www.clinic.example/post/plantar-fasciitis/?utm=x#faq")
    assert by_url.match == by_slug.match
    assert two.ask("What are the symptoms?", article=BME).match.id == "faq-symptoms"
    # A page that is no article is no context; a question naming another topic wins.
    assert two.ask("What are the symptoms?", article="https://x.example/").reason == \
        "which_topic"
    named = two.ask("what is bone marrow edema?", article="plantar-fasciitis")
    assert named.answered and named.match.id == "faq-what-is"


def test_an_articles_words_are_never_a_foreign_topic(two, three):
    # The clinic's general cues list the shoulder as another body part, and tendinitis as
    # another condition: true for a clinic without a shoulder article, not for one with it.
    assert two.ask("what causes shoulder tendinitis?").reason == "out_of_scope"
    reply = three.ask("what causes shoulder tendinitis?")
    assert reply.answered and three.knowledge.get(reply.match.id).article == \
        "rotator-cuff-tendinopathy"
    assert three.ask("how much does shock wave therapy cost?").reason == "out_of_scope"


@pytest.mark.parametrize("question", [
    "gece elim uyusuyo uyaniyorum neden geceleri artiyor",   # "elim": the article's hand
    "emg sonucu normal cikti ama elim hala uyusuyor",
    "hamileyim 7 aylik ellerim uyusuyor dogumdan sonra gecer mi",
])
def test_a_turkish_articles_words_are_never_a_foreign_topic(karpal, question):
    reply = karpal.ask(question, lang="tr", article=KARPAL[0])
    assert reply.reason != "out_of_scope", reply
    shown = reply.match if reply.answered else reply.suggestions[0]
    assert karpal.knowledge.get(shown.id).article == KARPAL[0], reply


def test_a_cue_the_knowledge_names_in_other_words_is_no_foreign_topic(two, karpal):
    """"Kapalı ameliyat" (closed surgery) is another treatment beside the bone marrow edema
    article, and the endoscopic release beside the carpal tunnel one: the synonym group
    names both."""
    assert two.ask("kapali ameliyat ne zaman yapilir", lang="tr").reason == "out_of_scope"
    reply = karpal.ask("kapali ameliyat endoskopik yontem var mi", lang="tr", article=KARPAL[0])
    assert reply.answered and reply.match.id == "sec-endoskopik-kapali-karpal-tunel-gevsetme"


@pytest.mark.parametrize("question, expected", [
    ("kortizon enjeksiyonunun etkisi ne kadar surer", "sec-kortizon-enjeksiyonu"),
    ("iki eli ayni anda ameliyat olabilir miyim", "faq-iki-el-ayni-anda-ameliyat-edilebilir-mi"),
])
def test_general_turkish_questions_in_the_first_person_are_answered(karpal, question, expected):
    reply = karpal.ask(question, lang="tr", article=KARPAL[0])
    assert reply.answered and reply.match.id == expected, reply


@pytest.mark.parametrize("question", [
    "bana hangi atel uygun sizce", "kortizon igne olsam benim icin riskli mi"])
def test_a_turkish_decision_about_ones_own_case_is_declined(karpal, question):
    assert karpal.ask(question, lang="tr", article=KARPAL[0]).reason == "personal"


def test_a_storys_question_is_answered_from_the_article_the_story_is_about(karpal):
    """"Bu neden oluyor?" repeats a phrasing of the clinic's other article word for word;
    the numb hands at night before it say which article it asks."""
    reply = karpal.ask("Gece uykudan elim uyuşarak uyanıyorum, silkeleyince geçiyor. "
                       "Bu neden oluyor?", lang="tr", article=KARPAL[0])
    assert reply.answered and reply.match.id in (  # why it happens: its causes will do
        "sec-karpal-tunel-sendromunun-belirtileri", "faq-neden-gece-artar",
        "sec-karpal-tunel-sendromunun-nedenleri"), reply


@pytest.mark.parametrize(("bot_name", "page", "question", "lang", "entry"), [
    # a Turkish story in one run-on sentence, its question typed without "?"
    ("karpal", KARPAL[0], "ben bir fabrikada montaj hattinda calisiyorum surekli vidalama "
     "yapiyoruz aletle, bi kac aydir parmak uclarim karincalaniyo ozellikle is cikisi ve gece, "
     "arkadas karpal tunel olabilir dedi bu titresimli aletlerden mi oluyor", "tr",
     "sec-karpal-tunel-sendromunun-nedenleri"),
    # near ties among the question's entries: the story says which (three days after the
    # operation is the first two weeks, not any stage)
    ("acl", ACL[0], "Ameliyat olalı 3 gün oldu, dizime buz koyuyorum. Fizyoterapist dizimi "
     "tam düz açmamı istiyor, bu neden bu kadar önemli?", "tr", "sec-erken-donem-ilk-2-hafta"),
    # lay words of the article's own: "tendons ... inflamed", "grinding or squeaking"
    ("dequervain", DEQUERVAIN[0], "What does it mean when moving your thumb feels like "
     "it's grinding or squeaking?", "en", "sec-symptoms-of-de-quervains-tenosynovitis"),
])
def test_a_story_or_lay_question_on_a_fresh_article(request, bot_name, page, question, lang,
                                                   entry):
    reply = request.getfixturevalue(bot_name).ask(question, lang=lang, article=page)
    shown = reply.match if reply.answered else (reply.suggestions or (None,))[0]
    assert shown is not None and shown.id == entry, reply


def test_a_blind_english_article(dequervain):
    """De Quervain's tenosynovitis (docs/benchmarks.md): first contact shown 0.669 on its
    page, 0.587 without; these floors keep what it reaches."""
    on_page = figures(dequervain, DATA / "dev_dequervain.jsonl", page=DEQUERVAIN[0])
    anywhere = figures(dequervain, DATA / "dev_dequervain.jsonl")
    print({k: (on_page[k], anywhere[k]) for k in ("top1", "shown", "overall",
                                                  "declined_correct")})
    assert on_page["shown"] >= 0.68 and anywhere["shown"] >= 0.60
    assert on_page["declined_correct"] >= 0.78 and anywhere["declined_correct"] >= 0.82


@pytest.mark.parametrize("question", [
    "en yakin eczane nerede", "hava durumu yarin nasil olcak", "galatasaray bu hafta kimle oynuyor",
    "kubital tunel sendromu nedir serce parmak uyusuyor"])
def test_everyday_and_other_subjects_are_declined_beside_a_turkish_article(karpal, question):
    assert not karpal.ask(question, lang="tr", article=KARPAL[0]).answered


@pytest.mark.parametrize("question", [
    # The hours ("açık", "kapalı") and the contact ("ağrı") have thirty alternates each; a
    # fresh entry one phrasing. The medical words say which is asked.
    "Çapraz bağ ameliyatı kapalı mı açık mı yapılıyor?",
    "Ameliyattan sonra diz tam bükülebiliyor mu?",
    "Ameliyattan sonra ağrı çok olur mu?",
])
def test_the_clinics_own_entries_do_not_answer_an_articles_medical_question(acl, question):
    reply = acl.ask(question, lang="tr", article=ACL[0])
    shown = reply.match if reply.answered else reply.suggestions[0]
    assert acl.knowledge.get(shown.id).article == ACL[0], reply


def test_the_clinics_own_entries_still_answer_requests_beside_a_fresh_article(acl):
    for question, expected in (("randevu almak istiyorum", "clinic-contact"),
                               ("cumartesi açık mısınız", "clinic-hours")):
        reply = acl.ask(question, lang="tr", article=ACL[0])
        assert reply.answered and reply.match.id == expected, reply


@pytest.mark.parametrize("question, reason", [
    ("Arka çapraz bağ yırtığı nasıl tedavi edilir?", "out_of_scope"),  # not the anterior
    ("Baker kisti nedir, tehlikeli mi?", "out_of_scope"),
    ("35 yaşındayım, tam yırtığım var, sizce ameliyat olayım mı?", "personal"),
    ("doktorum 6 ay sonra spora dönebilirsin dedi ama ben 4. ayda başlasam olur mu",
     "personal"),
    ("dizim 2 gündür şiş ve ağrıyor, çapraz bağım kopmuş olabilir mi", "personal"),
])
def test_other_conditions_and_decisions_are_declined_beside_the_acl_article(
        acl, question, reason):
    assert acl.ask(question, lang="tr", article=ACL[0]).reason == reason


@pytest.mark.parametrize("question, expected", [
    # "anlaşılıyor" (is it seen) is no "anlaşmalı" (contracted: insurance); "başarı oranı" is
    # the article's own phrase, so its plural is no request for statistics either.
    ("Ön çapraz bağ yırtığı MR ile mi anlaşılıyor?", "sec-manyetik-rezonans-mr"),
    ("Ön çapraz bağ ameliyatının başarı oranı ne kadar?",
     "sec-ameliyatin-riskleri-ve-olasi-komplikasyonlar"),
])
def test_an_articles_own_phrases_in_other_forms_are_no_foreign_request(acl, question, expected):
    reply = acl.ask(question, lang="tr", article=ACL[0])
    assert reply.answered and reply.match.id == expected, reply


def test_small_talk_does_not_answer_a_message_naming_the_topic(acl):
    reply = acl.ask("benim yırtığım kısmi mi tam mı, anlattıklarımdan anlayabilir misiniz",
                    lang="tr", article=ACL[0])
    assert not reply.answered, reply
    assert acl.ask("çok teşekkür ederim", lang="tr", article=ACL[0]).match.id == \
        "smalltalk-thanks"


def test_the_topic_named_beside_a_related_condition_is_still_asked_about(acl):
    reply = acl.ask("on capraz bag ile arka capraz bag ayni sey mi", lang="tr", article=ACL[0])
    assert reply.reason != "out_of_scope", reply
    assert acl.ask("Ön çapraz bağ ameliyatından sonra ne zaman yürüyebilirim?", lang="tr",
                   article=ACL[0]).answered


def test_what_an_imported_entry_answers_only_in_part_is_offered_not_answered(karpal):
    """A section with no alternates was written to answer one thing: a message that adds
    much it does not cover (driving after the operation) gets it as a suggestion: the time
    after the operation, the FAQ's or the section on recovery after surgery (a kind whose
    asks say when the hand is used again, see test_a_heading_of_a_known_kind_...)."""
    reply = karpal.ask("ameliyattan sonra araba kullanabilir miyim ne zaman", lang="tr",
                       article=KARPAL[0])
    assert not reply.answered and reply.reason == "suggest", reply
    assert reply.suggestions[0].id in ("faq-ameliyat-sonrasi-ne-zaman-ise-donulur",
                                       "sec-ameliyat-sonrasi-iyilesme-sureci")
    assert karpal.ask("karpal tünel ameliyatı sonrası ne zaman işe dönülür", lang="tr",
                      article=KARPAL[0]).answered


def test_a_turkish_lay_question_an_imported_entry_covers_is_answered(acl):
    """One phrasing meets few of a Turkish message's word forms: an entry with no alternates
    that covers the message answers from score 0.30 in Turkish (language.json), not 0.34."""
    question = "koşarken aniden durunca dizden çıt diye ses gelmesi neyi gösterir"
    reply = acl.ask(question, lang="tr", article=ACL[0])
    assert reply.answered and reply.match.id == "sec-on-capraz-bag-yirtiginin-belirtileri", \
        reply
    assert 0.30 <= reply.match.score < 0.34, reply
    vocabularies = {code: sp.matcher.vocabulary for code, sp in acl.speakers.items()}
    strict = Chatbot(acl.knowledge, vocabularies, policy=Policy(bare_answer_threshold=0.34))
    assert not strict.ask(question, lang="tr", article=ACL[0]).answered


def test_personal_questions_suggest_the_articles_own_general_answer(two):
    reply = two.ask("do I have plantar fasciitis?")
    assert reply.reason == "personal" and "whether it is plantar fasciitis" in reply.text
    assert not reply.answered and reply.suggestions[0].id in (
        "faq-plantar-fasciitis-how-is-it-diagnosed", "sec-how-is-plantar-fasciitis-diagnosed")
    reply = two.ask("do I have it?", article=BME)
    assert reply.reason == "personal" and reply.suggestions[0].id == "faq-diagnosis"
    # "Do I have to...?" asks what to do, not for a diagnosis.
    assert two.ask("do I have to stop running with plantar fasciitis?").reason != "personal"


# Floors: the figures reached (docs/benchmarks.md) less a margin. "shown" is what the visitor
# sees first: the answer, or the first suggestion when the bot does not answer.
@pytest.mark.parametrize("dev, floors", [
    ("dev_plantar.jsonl", {"shown": 0.85, "overall": 0.82, "declined_correct": 0.90}),
    ("dev_rotator.jsonl", {"shown": 0.82, "overall": 0.82, "declined_correct": 0.85}),
])
def test_imported_articles_are_answered_without_hand_work(three, dev, floors):
    summary = figures(three, DATA / dev)
    print(dev, {k: summary[k] for k in ("top1", "shown", "overall", "declined_correct")})
    for key, floor in floors.items():
        assert summary[key] >= floor, (dev, key, summary[key])


def test_a_blind_turkish_article(karpal):
    """Carpal tunnel syndrome (docs/benchmarks.md): first contact shown 0.522 on its page,
    0.451 without; these floors keep what it reaches."""
    on_page = figures(karpal, DATA / "dev_karpal.jsonl", page=KARPAL[0], hint=True)
    anywhere = figures(karpal, DATA / "dev_karpal.jsonl", hint=True)
    print({k: (on_page[k], anywhere[k]) for k in ("top1", "shown", "overall",
                                                  "declined_correct")})
    assert on_page["shown"] >= 0.72 and on_page["overall"] >= 0.68
    assert anywhere["shown"] >= 0.45 and anywhere["overall"] >= 0.51
    assert on_page["declined_correct"] >= 0.82


@pytest.mark.parametrize(("question", "lang", "page", "kind"), [
    # lay wordings with no word of the heading they belong to
    ("how do I know if I have it", "en", FROZEN[0], "symptoms-of-frozen-shoulder"),
    ("is it more common in women or men", "en", FROZEN[0], "risk-factors-for-frozen-shoulder"),
    ("do they operate on it", "en", FROZEN[0], "surgical-options-for-frozen-shoulder"),
    ("how long should I wait before seeing someone", "en", FROZEN[0],
     "when-should-you-see-a-doctor"),
    ("how do I stop it from happening", "en", "plantar-fasciitis",
     "preventing-plantar-fasciitis"),
    ("kadınlarda daha mı sık görülür", "tr", KARPAL[0], "risk-faktorleri-kimlerde"),
    ("ameliyattan sonra elimi ne zaman kullanabilirim", "tr", KARPAL[0],
     "ameliyat-sonrasi-iyilesme-sureci"),
])
def test_a_heading_of_a_known_kind_is_asked_the_ways_patients_ask_it(four, karpal, question,
                                                                     lang, page, kind):
    """A fresh import's sections have one phrasing, their heading; a heading of a kind the
    package knows ("Symptoms of X", "Risk Factors", "Ameliyat Sonrası İyileşme Süreci") is
    asked the ways patients ask that kind of thing (chatbot/data/<lang>/kinds.json)."""
    bot = karpal if lang == "tr" else four
    reply = bot.ask(question, lang=lang, article=page)
    shown = reply.match if reply.answered else (reply.suggestions or (None,))[0]
    assert shown is not None and kind in shown.id, (question, reply)


@pytest.mark.parametrize(("question", "plan_word"), [
    ("karpal tunel tedavisi", "tedavi"),
    ("karpal tünel sendromunun tedavi yöntemleri nelerdir", "tedavi"),
    ("karpal tünel belirtileri ve tedavi yöntemleri", "belirti"),
])
def test_an_articles_opening_does_not_claim_its_titles_plan(karpal, question, plan_word):
    """The opening section is asked by its title without the plan after it ("Karpal Tünel
    Sendromu Nedir? Belirtileri ve Tedavi Yöntemleri" -> "Karpal Tünel Sendromu Nedir?"): a
    question on a word of the plan goes to the sections the plan names, not to the opening."""
    matcher = karpal._alone(karpal.speakers["tr"], KARPAL[0]).matcher
    intro = next(e for e in karpal.knowledge.entries
                 if e.article == KARPAL[0] and e.question.startswith("Karpal Tünel Sendromu "
                                                                     "Nedir? Belirtileri"))
    assert matcher._intro_heading(intro) == "Karpal Tünel Sendromu Nedir?"
    best = matcher.rank(question, limit=1)[0].entry
    assert best.id != intro.id and plan_word in matcher.terms_of(best), (question, best.id)
    # It still opens the article: the topic asked alone reads it.
    assert intro.id in [c.entry.id for c in matcher.rank("karpal tünel sendromu nedir", limit=3)]
    # Any other entry, and a title with no plan, keep their headings.
    assert all(matcher._intro_heading(e) is None for e in karpal.knowledge.entries
               if e.id != intro.id)


def test_a_sub_section_is_asked_in_its_parents_context(two):
    """A sub-section ("Injections" under "Treatment Options") is asked by its heading and by
    both headings together, not by its parent's heading alone, when the parent has text of
    its own: a question of the parent's words goes to the parent, no longer tied with each of
    its sub-sections; one naming the sub-section goes to it."""
    matcher = two._alone(two.speakers["en"], PLANTAR[0]).matcher
    ranked = matcher.rank("treatment options for plantar fasciitis")
    children = [c for c in ranked if c.entry.kind == "section"
                and c.entry.source == "Treatment Options" and c.entry.question != c.entry.source]
    assert len(children) >= 3
    assert ranked[0].entry.id == "sec-treatment-options"
    assert all(c.score < ranked[0].score - 0.1 for c in children)
    best = matcher.rank("what injections are there for plantar fasciitis", limit=1)[0]
    assert best.entry.id in {"sec-injections", "faq-are-steroid-injections-safe"}


def test_a_kinds_phrasings_rank_but_never_cover_or_repeat(four):
    """A kind's phrasings help choose among the entries, but are no words of the article:
    they cover nothing of a message (whether to answer reads the article's own words) and a
    message repeating one word for word is no verbatim hit."""
    matcher = four._alone(four.speakers["en"], FROZEN[0]).matcher
    analysis = matcher.analyse("what should I look out for")  # no word of the article
    symptoms = next(c for c in matcher.rank(analysis)
                    if c.entry.id == "sec-symptoms-of-frozen-shoulder")
    assert symptoms.asked >= 0.5 and symptoms.coverage == 0.0 and not symptoms.anchored
    assert matcher.closest_phrasing(analysis)[0].id != symptoms.entry.id
    reply = four.ask("what should I look out for", article=FROZEN[0])
    assert not reply.answered and symptoms.entry.id in [s.id for s in reply.suggestions]
    # The clinic's own entries, which have alternates, are asked only the clinic's ways.
    clinic = four._alone(four.speakers["en"], BME).matcher
    assert not any(c.asked for c in clinic.rank("what should I look out for"))


def test_a_second_blind_turkish_article(acl):
    """The anterior cruciate ligament tear (docs/benchmarks.md, issue 10 / Turkish): first
    contact shown 0.555, overall 0.528, declined 0.667 on its page (0.689, 0.696, 0.833
    after); these floors keep most of it."""
    on_page = figures(acl, DATA / "dev_acl.jsonl", page=ACL[0], hint=True)
    print({k: on_page[k] for k in ("top1", "shown", "overall", "declined_correct")})
    assert on_page["shown"] >= 0.66 and on_page["overall"] >= 0.67
    assert on_page["declined_correct"] >= 0.80


def test_a_blind_article_beside_one_on_the_same_joint(four):
    """Frozen shoulder, imported beside rotator cuff tendinopathy (docs/benchmarks.md): 0.535
    shown on its page on first contact, 0.825 now (section kinds, docs/benchmarks.md, seventh
    round); these floors keep what it reaches."""
    on_page = figures(four, DATA / "dev_frozen.jsonl", page=FROZEN[0])
    anywhere = figures(four, DATA / "dev_frozen.jsonl")
    rotator = figures(four, DATA / "dev_rotator.jsonl")
    print({k: (on_page[k], anywhere[k], rotator[k]) for k in ("top1", "shown", "overall")})
    assert on_page["shown"] >= 0.77 and anywhere["shown"] >= 0.64 and rotator["shown"] >= 0.68


def test_the_topic_words_choose_the_article_and_the_other_words_its_entry(four):
    """The title's other name for the topic ("Frozen Shoulder (Adhesive Capsulitis)") is the
    topic too, and the topic named with a question's other words does not pull it to the
    article's opening section: the other words choose the entry."""
    for question, expected in (("adhesive capsulitis and diabetes", "faq-is-it-linked-to-diabetes"),
                               ("stages of adhesive capsulitis", "faq-what-are-the-stages"),
                               ("adhesive capsulitis heat or ice", "faq-does-heat-or-ice-help")):
        for page in (None, FROZEN[0]):
            reply = four.ask(question, article=page)
            assert reply.answered and reply.match.id == expected, (question, page, reply)
    reply = four.ask("what is adhesive capsulitis")  # the topic alone: what it is
    assert reply.answered and reply.match.id.startswith("sec-what-is-frozen-shoulder")


def test_the_clinics_figures_hold_with_two_articles(two):
    """The clinic's questions, asked on its article's page, with a second article loaded."""
    en = figures(two, DEV_SET, page=BME)
    tr = figures(two, DATA / "dev_tr.jsonl", page=BME)
    print({k: (en[k], tr[k]) for k in ("overall", "top1", "shown")})
    assert en["overall"] >= 0.92 and en["top1"] >= 0.93 and en["declined_correct"] >= 0.89
    assert tr["overall"] >= 0.92 and tr["top1"] >= 0.93 and tr["declined_correct"] >= 0.94
    # With no page, what could be either article is a question back, its first suggestion
    # most often the clinic's entry.
    assert figures(two, DEV_SET)["shown"] >= 0.90


def test_on_its_page_the_clinics_article_reads_as_if_alone(two, two_path):
    """A second article changes no reply on the clinic's page, except where the message names
    what only the second article speaks of ("shockwave therapy"): the second article's words
    neither weigh down the clinic's topic words nor make its everyday words rare."""
    alone = Chatbot.from_file(FAQ, vocabulary_path=two_path.with_name("vocabulary.json"))
    for case in read_cases(DEV_SET):
        with_two, one = two.ask(case.query, article=BME), alone.ask(case.query, article=BME)
        if (with_two.answered, with_two.match and with_two.match.id) != \
                (one.answered, one.match and one.match.id):
            assert with_two.match is not None and \
                two.knowledge.get(with_two.match.id).article == PLANTAR[0], (case.query, with_two)


def test_what_another_article_covers_is_still_declined_on_this_page(two):
    """The plantar fasciitis article speaks of cortisone and grows every word's weight; on
    the bone marrow edema page neither makes its off-topic questions answerable."""
    for question in ("would a cortisone injection help", "can bone marrow edema cause a fever",
                     "is bone marrow edema hereditary"):
        reply = two.ask(question, article=BME)
        assert not reply.answered, (question, reply)
    reply = two.ask("would a cortisone injection help", article=PLANTAR[0])
    assert reply.answered and two.knowledge.get(reply.match.id).article == PLANTAR[0], reply


def test_chat_with_the_page_and_faq_by_article_over_http(two_path, tmp_path):
    server = start_server(tmp_path, FAQ_PATH=two_path, RATE_LIMIT="1000/minute")
    try:
        ask = lambda **extra: server.chat("What are the symptoms?", **extra).json()  # noqa: E731
        assert ask()["answered"] is False and len(ask()["suggestions"]) >= 2
        on_page = ask(article=PLANTAR[1] + "?ref=menu")
        assert on_page["match"]["id"] == "faq-plantar-fasciitis-what-are-the-symptoms"
        assert ask(article="plantar-fasciitis")["match"] == on_page["match"]
        assert ask(article=None)["answered"] is False
        for bad in (3, ["plantar-fasciitis"], "x" * 2001):
            response = server.chat("hello", article=bad)
            assert response.status == 400
            assert response.json()["error"]["code"] == "invalid_article"
        listing = server.request("GET", "/api/v1/faq").json()
        assert [a["slug"] for a in listing["articles"]] == [BME, "plantar-fasciitis"]
        plantar = listing["articles"][1]
        assert plantar["topic"] == "plantar fasciitis" and plantar["url"] == PLANTAR[1]
        assert {"id": "faq-which-shoes-are-best", "kind": "faq",
                "title": "Which shoes are best?"} in plantar["entries"]
        kb = knowledge.load(two_path)
        assert sum(len(a["entries"]) for a in listing["articles"]) + \
            len(listing["entries"]) == len(kb.entries)
    finally:
        stop_server(server)


def test_every_worker_gives_the_same_reply(tmp_path):
    """Workers hash strings with different seeds: sums taken in a set's order differ in their
    last bits, and two sentences that score alike must not win in one worker and lose in
    another ("How long does it take to heal? Will I need crutches?" -> recovery in one,
    rest in the next)."""
    script = ("import sys; from chatbot import Chatbot; r = Chatbot.from_file(sys.argv[1])"
              ".ask('How long does it take to heal? Will I need crutches?'); print(r.match.id)")
    path = imported(tmp_path, PLANTAR, ROTATOR, FROZEN, *(
        (slug, f"https://clinic.example/post/{slug}")
        for slug in ("menisku-yirtigi", "tennis-elbow-lateral-epicondylitis")))
    replies = {subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT,
                              env={**os.environ, "PYTHONHASHSEED": seed}, check=True,
                              capture_output=True, text=True).stdout.strip()
               for seed in ("1", "2", "3", "4")}
    assert len(replies) == 1, replies
