"""The red-flag gate: emergencies get urgent-care advice, ordinary questions never do.

tests/data/redflags.jsonl holds one {"text", "flag"} per line; flag is a category or null.
It mixes rows written while building the gate with blind batches written by people who had not
seen the code and own probes (first-contact figures in docs/safety.md). Judgement calls kept in
the list: a threat to hurt someone else is violence (the police), not a crisis; an accidental
poisoning is a poisoning, an overdose taken on purpose a crisis;
"is this an emergency?" alone describes no symptom, so it is not flagged (the FAQ says when to
seek care); a past event ("I broke my hip 5 years ago", "I self-harmed as a teenager") is
history, not an emergency.
"""

import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot import Chatbot, knowledge, patterns, safety
from chatbot.safety import URGENT_CATEGORIES, check, red_flag
from conftest import DEV_SET, FAQ, ROOT

LABELLED = [json.loads(line) for line in
            (ROOT / "tests" / "data" / "redflags.jsonl").read_text(encoding="utf-8").splitlines()]
TURKISH_LETTERS = re.compile(r"[çğışöüÇĞİŞÖÜ]")
# Enough to sort the list's rows for the figures: Turkish letters, or Turkish function words and
# endings (visitors often type Turkish without its letters).
TURKISH_WORDS = re.compile(
    r"(?:ve|bir|bi|cok|var|yok|ben|beni|benim|bu|su|de|da|ki|mi|mu|icin|ama|simdi|hic|ne|gibi|"
    r"sonra|artik|hala|daha|kendimi|kendime|\w+iyo[mr]?\w*|\w+yorum|\w+[iu]m|\w+dim|\w+tim|"
    r"\w+ecek\w*|\w+acak\w*|agri\w*|ates\w*|dizim?\w*|bacag\w*|ayag\w*|alci\w*)")


@pytest.fixture(scope="module")
def verdicts():
    """The gate's answer for every labelled row, computed once for the tests that read them."""
    return {row["text"]: red_flag(row["text"]) for row in LABELLED}


def language(text: str) -> str:
    if TURKISH_LETTERS.search(text):
        return "tr"
    words = re.findall(r"[a-z]+", text.lower())
    turkish = sum(bool(TURKISH_WORDS.fullmatch(w)) for w in words)
    return "tr" if words and turkish / len(words) >= 0.3 else "en"


def test_labelled_list_recall_and_false_positives(verdicts):
    """Every emergency fires (crisis as crisis); look-alikes fire at most 2% of the time."""
    counts = Counter()
    missed, wrong_crisis, false_alarms = [], [], []
    for row in LABELLED:
        got, lang, want = verdicts[row["text"]], language(row["text"]), row["flag"]
        if want:
            counts[lang, "pos"] += 1
            counts[lang, "tp"] += got is not None
            counts[lang, "exact"] += got == want
            if got is None:
                missed.append(row["text"])
            elif want == "crisis" and got != "crisis":
                wrong_crisis.append(row["text"])
        else:
            counts[lang, "neg"] += 1
            if got:
                counts[lang, "fp"] += 1
                false_alarms.append((got, row["text"]))
    for lang in ("en", "tr", "all"):
        c = {k: sum(v for (lg, kk), v in counts.items() if kk == k and lang in (lg, "all"))
             for k in ("pos", "tp", "exact", "neg", "fp")}
        print(f"red flags [{lang}]: recall {c['tp']}/{c['pos']}, precision "
              f"{c['tp'] / max(c['tp'] + c['fp'], 1):.3f}, false positives {c['fp']}/{c['neg']}"
              f", exact category {c['exact']}/{c['pos']}")
    assert not missed, missed
    assert not wrong_crisis, wrong_crisis
    negatives = counts["en", "neg"] + counts["tr", "neg"]
    assert len(false_alarms) <= 0.02 * negatives, false_alarms


def test_labelled_list_is_well_formed_and_covers_both_languages():
    assert all(set(r) == {"text", "flag"} and r["flag"] in (None, *URGENT_CATEGORIES)
               for r in LABELLED)
    texts = [r["text"].casefold() for r in LABELLED]
    assert len(texts) == len(set(texts))
    assert len(LABELLED) >= 700
    for category in (*URGENT_CATEGORIES, None):
        rows = [r["text"] for r in LABELLED if r["flag"] == category]
        turkish = [t for t in rows if language(t) == "tr"]
        assert len(rows) >= 40, category
        # Turkish with its letters and without them ("bacağım", "bacagim").
        assert any(TURKISH_LETTERS.search(t) for t in turkish), category
        assert any(t.isascii() for t in turkish), category


@pytest.mark.parametrize("dev_set", [DEV_SET.with_name(name) for name in (
    "dev.jsonl", "dev_tr.jsonl", "dev_plantar.jsonl", "dev_rotator.jsonl")],
    ids=["en", "tr", "plantar", "rotator"])
def test_dev_set_questions_never_fire(dev_set):
    # Patients' ordinary questions ("MR'da kemikte ödem çıktı": edema showed on the MRI).
    for line in dev_set.read_text(encoding="utf-8").splitlines():
        query = json.loads(line)["query"]
        assert red_flag(query) is None, query


@pytest.mark.parametrize("message, category", [
    ("I fell and the bone is sticking out of my leg", "injury"),
    ("after the accident I can't put any weight on my leg at all", "injury"),
    ("Fever of 40 and my knee is swollen and red", "infection"),
    ("ateşim var ve kemik ağrım çok kötü", "infection"),
    ("back pain and I lost control of my bladder", "neuro"),
    ("idrar kaçırma başladı, belim ağrıyor", "neuro"),
    ("GÖĞÜS AĞRISI var", "cardiac"),
    ("I can't breathe", "breathing"),
    ("my toes are blue and the cast feels too tight", "circulation"),
    ("alcim cok sikiyor parmaklarim morardi", "circulation"),
    ("I want to end my life", "crisis"),
    ("kendimi öldürmek istiyorum", "crisis"),
    ("INTIHAR", "crisis"),
    # Kinds whose reply differs: the police, call now and stay on the line, the poison line.
    ("my ex is outside the door with a knife saying he'll kill me", "violence"),
    ("kocam yine dövdü, gözüm şişip kapandı", "violence"),
    ("my throat is closing up after a bee sting", "breathing"),
    ("oglum uzum yutmus bogazina kacti ses cikaramiyor", "breathing"),
    ("my 2yo drank some of the drain cleaner", "poisoning"),
    ("kızım lavabo açıcıyı içmiş, ağzı yanıyor", "poisoning"),
])
def test_examples(message, category):
    assert red_flag(message) == category


@pytest.mark.parametrize("message", [
    # Negated, across a list, before or after (Turkish puts it last).
    "I don't have fever or chest pain, only knee pain", "no fever, chills or numbness",
    "I'm not thinking of hurting myself, I just want the pain gone",
    "ateşim veya göğüs ağrım yok", "göğsüm sıkışmıyor",
    # About the condition, or hypothetical.
    "can bone marrow edema cause numbness in the leg?", "what if I fall again and can't walk",
    "göğüs ağrısı yapar mı", "can I lose bladder control from this?",
    # History.
    "I had chest pain last year but the cardiologist said it's fine",
    "I self-harmed as a teenager, does that matter for anaesthesia?",
    # Idioms.
    "this pain is killing me", "I'm dying to know", "ölüyorum merakımdan",
])
def test_ordinary_messages_do_not_fire(message):
    assert red_flag(message) is None


@pytest.mark.parametrize("message", [
    "I'd like to know, is this normal? I can't breathe",   # the question is not the symptom
    "is it normal that my chest hurts this much?",         # a question, but about themselves
    "my back pain is bad. Suddenly my legs went numb",     # the emergency is the second sentence
    "no fever. chest pain since this morning",             # negation stops at the sentence
])
def test_emergency_inside_a_question_still_fires(message):
    assert red_flag(message) is not None


@pytest.mark.parametrize("message, category", [
    # Indirect crisis: two different kinds of signal, each weak alone.
    ("what's the point of the MRI, i've already decided i'm not going to be around for the "
     "results", "crisis"),
    ("eşyalarımı dağıttım, kedimi komşuya verdim, içim rahat artık", "crisis"),
    # Turkish colloquial endings are read as their written forms ("olmicam": olmayacağım).
    ("nbr diyosunuz da ben yarin olmicam zaten", "crisis"),
    ("bilegimi jiletle kestim kan durdu ama yine yapcam", "crisis"),
    # A denial that is the complaint ("yerinde değil": out of place).
    ("omzum cikti yerinde degil kolu oynatamiyorum", "injury"),
    # Someone else's story stops where the visitor speaks of themselves.
    ("I saw on the news that a man collapsed, and now my chest is crushing", "cardiac"),
    # The setting of a symptom may be past ("protez ameliyatı 2 hafta önce").
    ("baldırım şişti sertleşti ayağımı kaldırınca acıyor, protez ameliyatı 2 hafta önce",
     "circulation"),
    # A denial past a comma with its own noun denies only that noun ("ağrı yok").
    ("dizden aşağısı buz gibi ve mosmor, ağrı yok ateş yok", "circulation"),
    # Things given away and care closed are two kinds of signal.
    ("I gave away my dog and my stuff so no need for the follow up", "crisis"),
])
def test_indirect_and_colloquial_emergencies(message, category):
    assert red_flag(message) == category


@pytest.mark.parametrize("message", [
    # One kind of signal alone is not a crisis.
    "I'm not going to be around for the results, I fly to Germany on Monday, can you email them?",
    "randevumu iptal edin, gerek kalmayacak, ağrım geçti çok şükür",
    # A stated ordinary reason takes the signals back.
    "Please cancel all my appointments, I'm moving to Ankara. Goodbye everyone and thanks!",
    # Stories, idioms, list-final and parenthetical denials, what is over.
    "dünkü dizide adam intihar etti çok etkilendim, neyse randevum saat kaçta",
    "bayildim bu klinige herkes cok ilgili tesekkurler",
    "futbolsuz hayatın anlamı yok abi, ne zaman sahaya dönebilirim",
    "ateş, titreme, uyuşma hiçbiri yok sadece dizim ağrıyor, randevu alabilir miyim",
    "dizim ağrıyor ve şiş, ateş, titreme veya kızarıklık yok",
    "I get a tight chest from anxiety before the dentist sometimes (not now).",
    "kizimin iki yil once omzu cikmisti simdi de diz agrisi var",
    "selesi sert bisiklete bindim popom uyuştu geçti, normal mi",
    "I nearly passed out when I saw the price of the infusion, does insurance cover it?",
])
def test_signals_alone_stories_and_idioms_do_not_fire(message):
    assert red_flag(message) is None


@pytest.mark.parametrize("message, category", [
    # Brain signs: two different kinds (onset, face, side, speech, sight, mind, headache, neck).
    ("mum is 81, since lunch she's been muddled, keeps asking the same thing and her arm is weak",
     "neuro"),
    ("yuzumun yarisi uyustu birden ve cift goruyorum", "neuro"),
    ("headache came on like being hit with a bat, I'm throwing up and light hurts", "neuro"),
    # A blow to the head, then vomiting or drowsiness; a fall, then confusion.
    ("annem merdivende kafasını çarptı, şimdi uykuya dalıyor sürekli, bir de kustu", "injury"),
    ("should I call an ambulance? my husband fell off the ladder and isn't making sense", "injury"),
    # Pain out of proportion under a cast; heart pain told through where it goes and a sweat.
    ("the cast on my shin is agony, way worse than when I broke it, and the painkillers do nothing",
     "circulation"),
    ("esim kurek kemiklerinin arasinda agri var diyo sol koluna yayiliyo soguk soguk terliyo",
     "cardiac"),
    # Infection around an implant weeks after the operation; red streaks from a wound.
    ("two weeks after my hip replacement the wound is leaking and I'm shivering with a temperature",
     "infection"),
    ("elimdeki kesikten koluma doğru kırmızı bir çizgi yürüyor", "infection"),
    # The means at hand, said of oneself or of a relative.
    ("my sister messaged that she's sorry for everything and that the pills are in her hand",
     "crisis"),
    ("iple garajdayim su an", "crisis"),
])
def test_emergencies_told_through_their_signs(message, category):
    assert red_flag(message) == category


@pytest.mark.parametrize("message", [
    # Idioms, a subject taught, what was checked and found fine, someone else's past.
    "the match last night nearly gave me a heart attack, anyway does Dr. Kaya work on Mondays?",
    "macta kalbim duracakti valla 90+3 gol, neyse pazartesi doktor var mi",
    "we had suicide prevention training at school, do you have a leaflet for injured teens?",
    "had chest pain last week, ECG and tests all normal, it was muscular. Can I resume physio?",
    "My back went out lifting a box yesterday, I can walk, when can I get an appointment?",
    "I was suddenly confused about which form to fill in, can someone help?",
    "ameliyat sonrası hangi durumlarda ambulans çağırmalıyım",
    "my son wants to die his hair blue before the cast comes off, is that ok?",
])
def test_look_alikes_of_the_new_kinds_do_not_fire(message):
    assert red_flag(message) is None


@pytest.mark.parametrize("message, category", [
    # Stroke signs that came and went this morning or yesterday are the warning (a TIA)...
    ("yesterday my mum's face dropped on one side for a few minutes, then it went back to normal",
     "neuro"),
    ("bu sabah yarım saat kadar sol gözüm görmedi sonra düzeldi, önemli mi", "neuro"),
    # ...the same told years ago is medical history.
    ("in 2021 I had a TIA, my face drooped for a few minutes. Can I stop aspirin before surgery?",
     None),
    ("babam geçen yıl hafif inme geçirdi, konuşması 10 dakika bozuldu sonra düzeldi, "
     "protez olur mu", None),
])
def test_a_recent_frame_may_be_past_but_not_long_past(message, category):
    assert red_flag(message) == category


def test_turkish_degil_denies_what_comes_before_it():
    message = "baş dönmesi değil dünya dönüyor, çift görüyorum, konuşmam yavaşladı"
    assert red_flag(message) == "neuro"
    assert red_flag("göğüs ağrısı değil, sadece bel ağrım var") is None


def test_turkish_siyon_nouns_are_not_a_spoken_ending():
    turkish = next(lang for lang in safety.languages() if lang.code == "tr")
    assert turkish.correct("enjeksiyon") == "enjeksiyon"  # not "enjeksiyorsun"
    assert turkish.correct("geliyon") == "geliyorsun"


def test_colloquial_turkish_endings_are_rewritten_by_the_language_file():
    turkish = next(lang for lang in safety.languages() if lang.code == "tr")
    english = next(lang for lang in safety.languages() if lang.code == "en")
    assert turkish.correct("olmicam") == "olmayacagim"
    assert turkish.correct("gelicem") == "gelecegim"
    assert turkish.correct("istemiyom") == "istemiyorum"
    assert turkish.correct("kalcam") == "kalcam"  # "kalçam" (my hip), not "kalacağım"
    assert english.correct("olmicam") == "olmicam"  # each language reads with its own rules


def test_first_character_hint_keeps_every_match():
    # The hint only lets the regex engine skip text; it must never lose a match.
    import re
    for lang in safety.languages():
        for rules in lang.rules.values():
            for parts in rules:
                for part in parts:
                    if part.pattern.startswith("(?=["):
                        plain = re.compile(part.pattern.split("])(?:", 1)[1][:-1])
                        for row in LABELLED[::25]:
                            text = " ".join(safety._TOKEN.findall(safety._fold(row["text"])))
                            assert [m.span() for m in plain.finditer(text)] == \
                                [m.span() for m in part.finditer(text)]


def test_needles_are_strings_every_match_holds():
    assert patterns.needles(r"\b(?:my|his) (?:leg|arm)\b.{0,9}bent") == \
        {"my leg", "my arm", "his leg", "his arm"}
    assert patterns.needles(r"\bbones?(?! marrow)\b.{0,20}(?:sticking|poking) out") == \
        {"sticking out", "poking out"}
    assert patterns.needles(r"foo(?:bar)?baz") == {"foobaz", "foobarbaz"}
    # Nothing is promised where a match can do without any fixed text.
    assert patterns.needles(r"a|b?") is None
    assert patterns.needles(r"(?i)chest") is None
    assert patterns.needles(r"\w+(?:now)?") is None
    assert patterns.needles(r"\w+ (?:now)?") == {" now", " "}  # true, if of little use


def test_prefilter_keeps_every_pattern_that_matches():
    # A pattern left out of `possible` is never run: it must be one that finds nothing.
    texts = [row["text"] for row in LABELLED] + \
        [json.loads(line)["query"] for line in DEV_SET.read_text(encoding="utf-8").splitlines()]
    checked = 0
    for lang in safety.languages():
        patterns = list(lang._needles)
        for text in texts:
            message = safety._Message(safety._TOKEN.findall(safety._fold(text)), lang)
            for pattern in patterns:
                if pattern.search(message.text):
                    assert id(pattern) in message.possible, (lang.code, text, pattern.pattern)
                    checked += 1
    assert checked > 1000  # the lists do exercise the rules


def test_crisis_wins_over_other_categories():
    assert red_flag("I fell and can't walk and I want to kill myself") == "crisis"


def test_the_language_of_the_rule_that_fired_is_known():
    assert check("chest pain right now") == safety.Flag("cardiac", "en")
    assert check("gogsum sikisiyor") == safety.Flag("cardiac", "tr")


def test_case_and_accents_do_not_matter(verdicts):
    for row in LABELLED:
        assert red_flag(row["text"].upper()) == verdicts[row["text"]], row["text"]


def test_every_language_file_has_its_replies():
    own = ("crisis", "violence", "breathing", "poisoning")
    for lang in safety.languages():
        assert {"urgent", *own, *safety.LINES} <= set(lang.replies), lang.code
        assert all("{number}" in lang.replies[c] for c in ("urgent", *own)), lang.code
        assert "{crisis_line}" in lang.replies["crisis"] and \
            "{poison_line}" in lang.replies["poisoning"], lang.code
        assert set(own) <= set(URGENT_CATEGORIES) and URGENT_CATEGORIES[0] == "crisis"


def test_urgent_reply_through_the_bot(bot):
    reply = bot.ask("I fell off my bike, my leg is bent and I can't stand up at all")
    assert reply.answered and reply.reason == "urgent" and reply.category == "injury"
    assert reply.match.id == "safety-urgent" and reply.match.kind == "safety"
    assert "112" in reply.text and not reply.suggestions


def test_crisis_reply_is_its_own_and_names_the_crisis_line_only_when_set(bot):
    injury = bot.ask("I fell and my leg is bent the wrong way")
    crisis = bot.ask("i have pills saved up and tonight i will take them all")
    assert crisis.category == "crisis" and crisis.text != injury.text
    assert "112" in crisis.text and "not alone" in crisis.text
    assert "edema" not in crisis.text.lower() and not crisis.suggestions
    assert bot.clinic.crisis_line is None and "also call" not in crisis.text  # none invented
    data = json.loads(FAQ.read_text(encoding="utf-8"))
    data["clinic"]["crisis_line"] = "Crisis Line 0800 000 00 00"
    with_line = Chatbot(knowledge.parse(data)).ask("I want to end my life")
    assert "Crisis Line 0800 000 00 00" in with_line.text and "112" in with_line.text
    assert "Crisis Line" not in Chatbot(knowledge.parse(data)).ask("chest pain now").text


@pytest.mark.parametrize("message, category, says, never", [
    ("someone is outside my door with a knife screaming he'll kill me", "violence",
     ("police", "safe place", "112"), ("poison", "emergency department")),
    ("sevgilim beni odaya kilitledi, bagirirsan oldururum diyor", "violence",
     ("polis", "güvenli", "112"), ("zehir",)),
    ("hubby got stung by a wasp, his face is puffing up and he's wheezing", "breathing",
     ("stay on the line", "112"), ("police", "poison")),
    ("karides yedim yüzüm balon gibi oldu, nefes alırken ıslık gibi ses geliyor", "breathing",
     ("hattan ayrılmayın", "112"), ("polis",)),
    ("my 2yo drank some of the drain cleaner, he's drooling", "poisoning",
     ("poison information line 114 (UZEM)", "112"), ("police",)),
    ("annem bahçede tarım ilacı içmiş, kusuyor", "poisoning",
     ("Zehir danışma", "114 (UZEM)", "112"), ("polis",)),
])
def test_violence_breathing_and_poisoning_get_their_own_reply(bot, message, category, says,
                                                              never):
    reply = bot.ask(message)
    assert reply.reason == "urgent" and reply.category == category, reply.text
    assert all(s in reply.text for s in says), reply.text
    assert not any(s in reply.text for s in never) and not reply.suggestions, reply.text


def test_the_poison_line_is_the_clinics_and_never_invented():
    data = json.loads(FAQ.read_text(encoding="utf-8"))
    assert data["clinic"]["poison_line"] == "114 (UZEM)"  # Turkey's national poison line
    data["clinic"]["poison_line"] = None
    reply = Chatbot(knowledge.parse(data)).ask("my toddler swallowed a button battery")
    assert reply.category == "poisoning" and "112" in reply.text
    assert "poison information line" not in reply.text and "114" not in reply.text
    with pytest.raises(TypeError, match="unknown line"):
        safety.urgent_text(safety.Flag("injury", "en"), emergency_number="112", clinic_line="1")


@pytest.mark.parametrize("message, category", [
    # An emergency told after a general question, as "it happened to me".
    ("siyatik sorusu: insan bağırsak kontrolünü kaybeder mi? bugün iki kere oldu", "neuro"),
    ("can you lose feeling in your private area from a slipped disc? that's happening to me "
     "right now", "neuro"),
    # ...not when the next sentence is not theirs.
    ("can you lose bladder control with sciatica? my friend asked me", None),
    # A subject studied, the site's own article, a habit, a diet: not an emergency.
    ("okul ödevi için kalp krizi araştırıyorum. kadınlarda belirtiler neler?", None),
    ("for my biology project: what does a stroke look like?", None),
    ("sitenizdeki intihar belirtileri yazisini arkadasima gonderdim, cok faydali", None),
    ("why does your intake form ask about suicide?", None),
    ("I faint at the sight of needles, can I lie down for the blood test?", None),
    ("kendimi öldüreceğim bu diyetle :)", None),
    ("my wife will kill me for eating her chocolate, anyway when are you open?", None),
])
def test_questions_that_are_the_visitors_own_and_subjects_that_are_not(message, category):
    assert red_flag(message) == category


@pytest.mark.parametrize("emergency, tail", [
    ("my wrist looks like a dinner fork after I fell skating", " lol 🙃 is that a sprain?"),
    ("there's a bone poking out of my shin", " lol can I wait till monday?"),
    ("bileğim çatal gibi oldu düşünce", " haha burkulma mı bu?"),
])
def test_a_laugh_or_a_minimising_question_does_not_cancel_an_emergency(emergency, tail):
    """Nerves, not a joke: the same emergency fires with the tail and without it."""
    assert red_flag(emergency) == "injury"
    assert red_flag(emergency + tail) == "injury"


@pytest.mark.parametrize("question, owning", [
    ("sciatica question: does it usually make you lose control of your bowels?",
     " happened twice today"),
    ("can a slipped disc make you wet yourself?", " it happened this morning"),
    ("can a herniated disc cause numbness down there?", " i've had it since this morning"),
    ("fıtık idrar kaçırmaya yol açar mı?", " bugün iki kere oldu"),
])
def test_a_general_or_causal_question_is_owned_by_the_next_sentence(question, owning):
    """Asked in general it is left to the FAQ; "it happened twice today" makes it the visitor's."""
    assert red_flag(question) is None
    assert red_flag(question + owning) == "neuro"


def test_urgent_reply_is_in_the_language_of_the_message(bot):
    turkish = bot.ask("bu gece bütün haplarımı içeceğim")
    assert turkish.category == "crisis" and "Yalnız değilsiniz" in turkish.text
    assert "112" in bot.ask("dizim kipkirmizi sisti titriyorum").text
    assert "acil servise" in bot.ask("merdivenden dustum ayaga kalkamiyorum").text


def test_crisis_message_leaves_no_text_in_the_database(live):
    from sqlalchemy import create_engine, text

    messages = ["I have my tramadol saved up and tonight I will take them all",
                "artik yasamak istemiyorum"]
    for message in messages:
        body = live.chat(message).json()
        assert body["answered"] is True and body["match"]["kind"] == "safety"
        assert "112" in body["reply"] and body["suggestions"] == []
    live.logged()
    engine = create_engine(live.env["CHATBOT_DATABASE_URL"])
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM exchanges"))]
    engine.dispose()
    crisis = [r for r in rows if r["category"] == "crisis"]
    assert len(crisis) >= 2 and all(r["text"] is None and r["reason"] == "urgent"
                                    for r in crisis)
    stored = json.dumps(rows, default=str)
    assert not any(word in stored for word in ("tramadol", "yasamak"))
    # Nor in the journal the rows passed through (its file and its write-ahead log).
    journal = live.env["CHATBOT_JOURNAL_PATH"]
    spooled = b"".join(Path(journal + suffix).read_bytes() for suffix in ("", "-wal")
                       if os.path.exists(journal + suffix))
    assert spooled and b"tramadol" not in spooled and b"yasamak" not in spooled


@given(st.text())
def test_never_crashes(s):
    assert red_flag(s) in (None, *URGENT_CATEGORIES)


@given(st.text(alphabet=st.sampled_from(list("iİıIşğüöç .,!?'’-0123456789\n\t")) | st.characters(),
               max_size=500))
def test_never_crashes_on_turkish_and_punctuation(s):
    assert red_flag(s) in (None, *URGENT_CATEGORIES)
