"""Importing articles (`chatbot import`): formats, re-import, dry runs, bad input, atomic writes."""

import json
import shutil

import pytest
from click.testing import CliRunner

from chatbot import Chatbot, KnowledgeError, editor, importer, knowledge, language
from chatbot.cli import main
from chatbot.errors import EditError
from conftest import FAQ, ROOT

ARTICLES = ROOT / "tests" / "data" / "articles"
SEED = ARTICLES / "bone-marrow-edema.txt"          # the clinic's article, as copied from its site
PLANTAR = ARTICLES / "plantar-fasciitis.txt"       # test data in the same messy site-text form
PLANTAR_URL = "https://clinic.example/post/plantar-fasciitis"
TRIGGER = ARTICLES / "trigger-finger.txt"          # headings above numbered sub-headings
TETIK = ARTICLES / "tetik-parmak.txt"              # the same shape in Turkish
FURNITURE = ("top of page", "bottom of page", "Instagram", "LinkedIn", "min read", "ago",
             "utkuerdemozer", "exampleclinic", "Contact Us", "Kiss. Dr.", "Monday - Saturday",
             "Mon - Fri")

SEED_QUESTIONS = [
    "What is bone marrow edema?", "What causes bone marrow edema?", "What are the symptoms?",
    "Where does it most commonly occur?", "How is it diagnosed?", "Can it heal on its own?",
    "Is it dangerous?", "How is it treated?", "Does it always require surgery?",
    "Is it the same as bone marrow edema syndrome?", "How long does recovery take?",
    "What about athletes?", "Can it occur during pregnancy?", "What does it look like on MRI?",
    "Which medications are used?", "Is physical therapy effective?", "Can it become chronic?",
    "Is PRP or stem cell therapy helpful?", "What is intraosseous bioplasty?", "Can it recur?"]
SEED_SECTIONS = [
    "What is Bone Marrow Edema?", "Primary (Spontaneous) Bone Marrow Edema",
    "Secondary Bone Marrow Edema", "What Causes Bone Marrow Edema?", "Knee Joint", "Hip Joint",
    "Ankle and Foot Bones", "Spine", "Symptoms of Bone Marrow Edema",
    "Magnetic Resonance Imaging (MRI)", "Clinical Evaluation", "Laboratory Testing (If Needed)",
    "Rest and Offloading", "Medication", "Physical Therapy and Rehabilitation",
    "Intraosseous Bioplasty (Decompression + Cell-Based Injection)"]
# Headings with text of their own above numbered sub-headings: entries of their own, which the
# shipped file leaves out (its curated FAQ answers and sub-sections say what they say).
SEED_PARENTS = [
    "Types of Bone Marrow Edema", "Common Locations of Bone Marrow Edema",
    "How is Bone Marrow Edema Diagnosed?", "How is Bone Marrow Edema Treated?"]


@pytest.fixture
def runner(monkeypatch, tmp_path):
    monkeypatch.setenv("CHATBOT_FAQ_PATH", str(tmp_path / "unused.json"))
    return CliRunner()


def run(runner, *args, code=0):
    result = runner.invoke(main, ["import", *map(str, args)])
    assert result.exit_code == code, result.output
    return result.output


def entries(path) -> dict[str, dict]:
    return {e["id"]: e for e in json.loads(path.read_text(encoding="utf-8"))["entries"]}


def parse_file(path, **kwargs):
    source, fmt = importer.read(path)
    return importer.parse(source, fmt, **kwargs)


# -- the seed: the clinic's own article ------------------------------------------------------

def test_seed_into_an_empty_file_gives_the_shipped_faq_pairs_and_sections(runner, tmp_path):
    path = tmp_path / "faq.json"
    out = run(runner, SEED, "--faq", path)
    assert "added: 40" in out and "wrote" in out
    kb = knowledge.load(path)
    faq = [e for e in kb.entries if e.kind == "faq"]
    sections = [e for e in kb.entries if e.kind == "section"]
    assert [e.question for e in faq] == SEED_QUESTIONS        # the article's own words
    assert [e.question for e in sections if e.question not in SEED_PARENTS] == SEED_SECTIONS
    assert [e.question for e in sections if e.question in SEED_PARENTS] == SEED_PARENTS
    assert all(e.alternates == () and e.article == "what-is-bone-marrow-edema"
               for e in kb.entries)
    # The shipped file is the curated form of the same article: part for part, the same keys
    # (the importer's slugs), the same place in the article (source), the same order.
    shipped = knowledge.load(FAQ)
    record = shipped.article("what-is-bone-marrow-edema")
    imported = kb.article("what-is-bone-marrow-edema")
    assert list(record.parts) == list(imported.parts)
    for key, entry_id in imported.parts.items():
        mine = kb.get(entry_id)
        if record.parts[key] is None:
            assert mine.question in SEED_PARENTS, key
            continue
        theirs = shipped.get(record.parts[key])
        assert (mine.kind, mine.source) == (theirs.kind, theirs.source), key
    assert len(record.entries) == 36
    assert {e.id for e in shipped.entries if e.article} == set(record.entries)


def test_seed_answers_are_the_article_text_without_page_furniture():
    article = parse_file(SEED)
    assert (article.title, article.lang) == ("What is Bone Marrow Edema?", "en")
    by_question = {p.question: p for p in article.parts}
    # The broken numbering ("10. question? 11. answer.") pairs each answer with its question.
    assert by_question["Is it the same as bone marrow edema syndrome?"].answer == \
        "No. That syndrome refers to unexplained, self-limiting cases of bone edema."
    assert by_question["Can it recur?"].answer == "Yes, if the underlying issue is not addressed."
    # The intro before the first heading belongs to the section that repeats the title.
    overview = by_question["What is Bone Marrow Edema?"].answer
    assert overview.startswith("Bone marrow edema is a painful and often difficult")
    assert "intraosseous osteobioplasty" in overview
    # "Common causes include:" lost its list when the page was copied: left out, and said so.
    assert "include:" not in by_question["Secondary Bone Marrow Edema"].answer
    assert any("Common causes include:" in note for note in article.skipped)
    symptoms = by_question["Symptoms of Bone Marrow Edema"].answer
    assert "- Deep, Persistent Pain: Worsened by movement" in symptoms
    for part in article.parts:
        for word in FURNITURE:
            assert word not in part.answer and word not in part.question, (part.key, word)
    assert any("Conclusion" in note for note in article.skipped)


def test_seed_over_the_shipped_file_changes_nothing(runner, faq_copy):
    path, _ = faq_copy
    out = run(runner, SEED, "--faq", path)
    assert "added: 0" in out and "changed: 0" in out and "removed: 0" in out
    assert "unchanged: 36" in out and "nothing written" in out
    assert path.read_bytes() == FAQ.read_bytes()
    assert editor.versions(path) == []


def test_an_edited_seed_updates_the_curated_entry_it_owns(runner, faq_copy, tmp_path):
    path, before = faq_copy
    edited = tmp_path / "seed.txt"
    edited.write_text(SEED.read_text(encoding="utf-8").replace(
        "Mild cases may resolve with rest, but medical supervision is important.",
        "Mild cases often settle with rest; a doctor should follow the healing."),
        encoding="utf-8")
    out = run(runner, edited, "--faq", path)
    assert "changed: 1" in out and "faq-heal-on-own" in out and "added: 0" in out
    assert "replacing the clinic's edited one" in out   # the shipped answer was curated
    after = entries(path)
    old = {e["id"]: e for e in before["entries"]}
    entry = after["faq-heal-on-own"]
    assert entry["answer"] == \
        "Mild cases often settle with rest; a doctor should follow the healing."
    assert entry["question"] == old["faq-heal-on-own"]["question"]      # curated title kept
    assert entry["alternates"] == old["faq-heal-on-own"]["alternates"]  # staff's alternates
    assert entry["translations"]["tr"]["reviewed"] is False
    assert len(after) == len(old)
    assert all(after[i] == old[i] for i in old if i != "faq-heal-on-own")
    knowledge.load(path)
    [kept] = editor.versions(path)
    assert kept.read_bytes() == FAQ.read_bytes()


# -- other formats and languages --------------------------------------------------------------

def test_site_text_with_numbering_that_breaks_into_the_answers():
    article = parse_file(PLANTAR, url=PLANTAR_URL)
    assert article.slug == "plantar-fasciitis"
    assert len(article.sections) == 17 and len(article.faq) == 17
    pairs = {p.question: p.answer for p in article.faq}
    assert pairs["Is it the same as a heel spur?"].startswith("No. A heel spur is a bony")
    assert pairs["Do insoles help?"] == \
        "Yes, heel cups and arch supports can reduce strain on the plantar fascia."
    assert pairs["Is it more common in women?"].startswith("It is slightly more common")
    sections = {p.question: p for p in article.sections}
    assert sections["Stretching Exercises"].source == "Treatment Options"
    assert sections["Injections"].answer.startswith("A corticosteroid injection")
    assert "Conclusion" not in sections
    # A heading whose only text introduces its numbered sub-headings reads on with them.
    assert sections["Treatment Options"].answer == (
        "Most treatment plans combine several simple measures, such as:\n- Rest and Activity "
        "Modification\n- Stretching Exercises\n- Footwear and Orthotics\n- Medication\n"
        "- Injections")
    assert "include:" not in sections["Imaging Tests"].answer
    for part in article.parts:
        for word in FURNITURE:
            assert word not in part.answer and word not in part.question, (part.key, word)


def test_markdown_headings_bold_questions_and_lists():
    article = parse_file(ARTICLES / "patellar-tendinopathy.md")
    assert article.title == "Patellar Tendinopathy (Jumper's Knee)"
    assert article.slug == "patellar-tendinopathy-jumpers-knee"
    assert [(p.question, p.source) for p in article.sections] == [
        ("Patellar Tendinopathy (Jumper's Knee)", "Patellar Tendinopathy (Jumper's Knee)"),
        ("What causes it?", "What causes it?"), ("Symptoms", "Symptoms"),
        ("Treatment", "Treatment"), ("Load management", "Treatment"),
        ("Strengthening exercises", "Treatment")]
    assert [p.question for p in article.faq] == [
        "Is it the same as a torn tendon?", "Should I stop all sport?",
        "How long does recovery take?", "Do I need a scan?"]
    assert article.faq[1].answer.startswith("Usually not completely")
    assert article.faq[2].answer == "Often three months or more of steady exercise."
    causes = article.sections[1].answer
    assert causes.endswith("- a sudden increase in training\n- tight thigh muscles\n"
                           "- hard playing surfaces")
    assert article.sections[5].answer.splitlines()[0] == \
        "1. Isometric holds, such as a wall sit, to ease pain."
    assert not any("**" in p.answer or "*Test" in p.answer for p in article.parts)


def test_html_as_a_site_builder_saves_it():
    article = parse_file(ARTICLES / "achilles-tendinopathy.html")
    assert article.title == "Achilles Tendinopathy"
    assert [p.question for p in article.sections] == [
        "Achilles Tendinopathy", "Symptoms", "Treatment", "Exercises", "Shoe changes"]
    assert [p.question for p in article.faq] == [
        "Can the tendon rupture?", "How long does recovery take?", "Should I keep running?"]
    assert article.sections[1].answer == ("Pain and stiffness in the tendon, worst in the "
                                          "morning.\n\n- Swelling over the tendon\n- Pain when "
                                          "rising onto the toes")
    everything = " ".join(p.question + " " + p.answer for p in article.parts)
    for unwanted in ("Home", "Blog", "viewerModel", "trackEvent", "Recent Posts", "Another post",
                     "Hidden promotional", "Enable JavaScript", "©", "4 min read", "testauthor",
                     "Mar 3", "08:30", *FURNITURE):
        assert unwanted not in everything


def test_html_headings_by_role_and_unclosed_paragraphs():
    page = """<html><head><title>Knee Pain | Test</title></head><body>
    <div class="menu"><a href="/">Home</a></div>
    <div role="main"><div role="heading" aria-level="1">Knee Pain</div>
    <p>Knee pain has many causes.
    <div role="heading" aria-level="2">Common causes</div>
    <p>Overuse, injury and wear.<p>Most settle with rest.
    <h2>FAQ</h2><p><b>When should I see a doctor?</b><p>If it lasts more than a few weeks.
    </div><div>Outside the main part.</div></body></html>"""
    article = importer.parse(page, "html")
    assert article.title == "Knee Pain"
    assert [(p.question, p.answer) for p in article.parts] == [
        ("Knee Pain", "Knee pain has many causes."),
        ("Common causes", "Overuse, injury and wear.\n\nMost settle with rest."),
        ("When should I see a doctor?", "If it lasts more than a few weeks.")]


def test_a_turkish_article_joins_the_bilingual_file_in_its_own_language(runner, faq_copy):
    path, _ = faq_copy
    article = parse_file(ARTICLES / "menisku-yirtigi.txt")
    assert article.lang == "tr" and article.title == "Menisküs Yırtığı Nedir?"
    assert [p.question for p in article.faq] == [
        "Menisküs yırtığı kendiliğinden iyileşir mi?", "Ameliyat gerekir mi?",
        "Tanı nasıl konur?"]
    out = run(runner, ARTICLES / "menisku-yirtigi.txt", "--faq", path)
    assert "added: 6" in out
    kb = knowledge.load(path)
    mine = [e for e in kb.entries if e.article == "meniskus-yirtigi-nedir"]
    assert len(mine) == 6 and all(e.lang == "tr" for e in mine)
    assert any("en: 6 entries without a translation" in w for w in knowledge.warnings(kb))
    reply = Chatbot.from_file(path).ask("Menisküs yırtığı kendiliğinden iyileşir mi?")
    assert reply.lang == "tr" and reply.match.id == \
        "faq-meniskus-yirtigi-kendiliginden-iyilesir-mi"


def test_same_question_in_two_articles_stays_two_entries_of_two_articles(runner, tmp_path):
    path = tmp_path / "faq.json"
    run(runner, SEED, "--faq", path)
    seed_entries = entries(path)
    out = run(runner, PLANTAR, "--faq", path, "--url", PLANTAR_URL)
    assert "added: 34" in out and "changed: 0" in out and "removed: 0" in out
    after = entries(path)
    assert all(after[i] == e for i, e in seed_entries.items())   # the other article untouched
    kb = knowledge.load(path)
    asked = [e for e in kb.entries if e.question == "What are the symptoms?"]
    assert {(e.id, e.article) for e in asked} == {
        ("faq-what-are-the-symptoms", "what-is-bone-marrow-edema"),
        ("faq-plantar-fasciitis-what-are-the-symptoms", "plantar-fasciitis")}
    assert kb.article("plantar-fasciitis").url == PLANTAR_URL


# -- re-import ----------------------------------------------------------------------------------

def test_reimport_after_an_edit(runner, tmp_path):
    path, article = tmp_path / "faq.json", tmp_path / "plantar-fasciitis.txt"
    shutil.copy(PLANTAR, article)
    run(runner, article, "--faq", path, "--url", PLANTAR_URL)
    first = entries(path)
    # Staff add an alternate and a hand-made entry that points at an imported one.
    data = json.loads(path.read_text(encoding="utf-8"))
    for e in data["entries"]:
        if e["id"] == "faq-do-insoles-help":
            e["alternates"].append("are orthotic insoles worth it")
        if e["id"] == "sec-medication":
            e["alternates"].append("painkillers for heel pain")
    data["entries"].append({"id": "clinic-parking", "kind": "clinic", "question": "Parking?",
                            "answer": "Ask at reception.", "related": ["sec-injections"]})
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    hand_made = entries(path)["clinic-parking"]
    # The article changes: an answer, a section removed, a question reworded.
    text = article.read_text(encoding="utf-8")
    text = text.replace("Yes, heel cups and arch supports can reduce strain on the plantar "
                        "fascia.", "Often: heel cups and arch supports spread the load.")
    start = text.index("5. Injections")
    text = text[:start] + text[text.index("Extracorporeal Shock Wave"):]
    text = text.replace("Which shoes are best?", "What shoes should I wear?")
    article.write_text(text, encoding="utf-8")
    out = run(runner, article, "--faq", path)        # found again by its slug from the URL
    assert "added: 0" in out and "removed: 1" in out and "- sec-injections" in out
    assert "changed: 3" in out   # the answer, the question, and the options' overview
    after = entries(path)
    assert after["faq-do-insoles-help"]["answer"] == \
        "Often: heel cups and arch supports spread the load."
    assert "are orthotic insoles worth it" in after["faq-do-insoles-help"]["alternates"]
    assert "painkillers for heel pain" in after["sec-medication"]["alternates"]
    assert "sec-injections" not in after
    assert "- Injections" not in after["sec-treatment-options"]["answer"]
    assert after["clinic-parking"] == dict(hand_made, related=[])   # no dangling reference
    renamed = after["faq-which-shoes-are-best"]      # same text, reworded heading: same entry
    assert renamed["question"] == "What shoes should I wear?"
    unchanged = set(first) - {"sec-injections", "faq-do-insoles-help",
                              "faq-which-shoes-are-best", "sec-treatment-options"}
    assert all(after[i] == first[i] for i in unchanged if i != "sec-medication")
    kb = knowledge.load(path)
    assert kb.article("plantar-fasciitis").parts["faq-what-shoes-should-i-wear"] == \
        "faq-which-shoes-are-best"
    # Once more: nothing left to do, ids stable.
    again = run(runner, article, "--faq", path)
    assert "nothing written" in again and entries(path).keys() == after.keys()


def test_a_part_the_clinic_left_out_is_not_brought_back(runner, tmp_path):
    path = tmp_path / "faq.json"
    run(runner, PLANTAR, "--faq", path, "--url", PLANTAR_URL)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["entries"] = [e for e in data["entries"] if e["id"] != "faq-is-it-dangerous"]
    data["articles"][0]["parts"]["faq-is-it-dangerous"]["entry"] = None
    path.write_text(json.dumps(data), encoding="utf-8")
    out = run(runner, PLANTAR, "--faq", path, "--url", PLANTAR_URL)
    assert "added: 0" in out and "left out by the clinic (not re-added): 1" in out
    assert "faq-is-it-dangerous" not in entries(path)


def test_dry_run_writes_nothing(runner, faq_copy, tmp_path):
    path, _ = faq_copy
    out = run(runner, PLANTAR, "--faq", path, "--dry-run", "--url", PLANTAR_URL)
    assert "added: 34" in out and "dry run: nothing written" in out
    # The seed's key is taken even though its curated entry is called faq-symptoms.
    assert "+ faq-plantar-fasciitis-what-are-the-symptoms  What are the symptoms?" in out
    assert path.read_bytes() == FAQ.read_bytes()
    new = tmp_path / "new.json"
    run(runner, SEED, "--faq", new, "--dry-run")
    assert not new.exists() and editor.versions(path) == []


# -- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("name, content, message", [
    ("empty.txt", b"", "is empty"),
    ("blank.md", b"  \n\n\t\n", "is empty"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a text file"),
    ("latin1.txt", "Menisküs yırtığı\n\nçok".encode("iso-8859-9"), "not a text file"),
    ("wall.txt", b"Heel pain is common. It often settles with rest and stretching. "
                 b"See a doctor if it does not.\n", "found no headings"),
    ("wall.html", b"<html><body><p>Only a paragraph.</p></body></html>", "found no headings"),
    ("article.docx", b"PK\x03\x04", "unknown kind of file (.docx)"),
    ("article", b"What is it?\n\nA thing.\n", "unknown kind of file (no extension)"),
])
def test_bad_input_is_a_clear_error_and_leaves_the_file_alone(runner, faq_copy, tmp_path,
                                                              name, content, message):
    path, _ = faq_copy
    article = tmp_path / name
    article.write_bytes(content)
    out = run(runner, article, "--faq", path, code=2)
    assert "Error:" in out and message in out and "Traceback" not in out
    assert path.read_bytes() == FAQ.read_bytes() and editor.versions(path) == []


def test_bad_options_and_missing_article(runner, faq_copy, tmp_path):
    path, _ = faq_copy
    assert "cannot read it" in run(runner, tmp_path / "nope.txt", "--faq", path, code=2)
    assert "--url" in run(runner, SEED, "--faq", path, "--url", "javascript:alert(1)", code=2)
    assert "--lang" in run(runner, SEED, "--faq", path, "--lang", "xx", code=2)
    assert "--slug" in run(runner, SEED, "--faq", path, "--slug", "Not A Slug", code=2)
    english_only = tmp_path / "en.json"
    run(runner, SEED, "--faq", english_only)
    out = run(runner, ARTICLES / "menisku-yirtigi.txt", "--faq", english_only, code=2)
    assert "'tr'" in out and "languages" in out
    assert path.read_bytes() == FAQ.read_bytes()


def test_a_broken_knowledge_file_is_reported_not_overwritten(runner, tmp_path):
    broken = tmp_path / "faq.json"
    broken.write_text('{"version": 1, "entries": [{"id": "x"}]}', encoding="utf-8")
    before = broken.read_bytes()
    out = run(runner, SEED, "--faq", broken, code=1)
    assert "chatbot check" in out and broken.read_bytes() == before


# -- the editor: validated, atomic, versioned ---------------------------------------------------

def test_a_change_that_fails_validation_is_refused_and_nothing_written(faq_copy):
    path, _ = faq_copy
    doc = editor.load(path)

    def duplicate_an_id(data):
        data["entries"].append(dict(data["entries"][0]))
        return data, None

    with pytest.raises(KnowledgeError, match="duplicate id"):
        doc.apply(duplicate_an_id)
    assert not doc.changed                       # the document is as it was read
    doc.data["entries"][0]["answer"] = ""        # bypassing apply: write still validates
    with pytest.raises(KnowledgeError, match="answer"):
        doc.write()
    assert path.read_bytes() == FAQ.read_bytes()
    assert editor.versions(path) == []
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_write_keeps_the_previous_version_and_can_restore_it(faq_copy):
    path, _ = faq_copy
    doc = editor.load(path)

    def rename_clinic(data):
        data["clinic"]["name"] = "Renamed Clinic"
        return data, "done"

    assert doc.apply(rename_clinic) == "done"
    kept = doc.write()
    assert kept.read_bytes() == FAQ.read_bytes() and editor.versions(path) == [kept]
    assert knowledge.load(path).clinic.name == "Renamed Clinic"
    for name in ("Second", "Third"):
        doc.data["clinic"]["name"] = name
        doc.write(keep=2)
    assert len(editor.versions(path)) == 2
    oldest = editor.versions(path)[0]           # "Renamed Clinic", by its name in the folder
    editor.restore(path, oldest.name)
    assert knowledge.load(path).clinic.name == "Renamed Clinic"
    assert len(editor.versions(path)) == 3       # restoring kept the file it replaced


def test_a_file_changed_since_it_was_read_is_not_overwritten(faq_copy):
    path, _ = faq_copy
    doc = editor.load(path)
    doc.data["clinic"]["name"] = "Mine"
    other = editor.load(path)
    other.data["clinic"]["name"] = "Theirs"
    other.write()
    with pytest.raises(EditError, match="changed since it was read"):
        doc.write()
    assert knowledge.load(path).clinic.name == "Theirs"


def test_an_empty_or_missing_knowledge_file_starts_without_entries(tmp_path):
    for path, content in ((tmp_path / "a.json", None), (tmp_path / "b.json", b""),
                          (tmp_path / "c.json", b'{"version": 1, "entries": []}')):
        if content is not None:
            path.write_bytes(content)
        doc = editor.load(path)
        assert doc.data["entries"] == []
        doc.apply(lambda data: importer.merge(data, parse_file(SEED)))
        doc.write()
        assert len(knowledge.load(path)) == 40


# -- the schema ---------------------------------------------------------------------------------

def test_article_ties_are_validated(faq_copy):
    _, data = faq_copy
    data["articles"][0]["url"] = "ftp://example"
    parts = data["articles"][0]["parts"]
    parts["faq-can-it-recur"]["entry"] = "no-such-entry"
    parts["faq-can-it-become-chronic"]["entry"] = "faq-what-is"   # owned twice
    data["entries"][2]["article"] = "another-article"
    data["entries"][3]["lang"] = "de"
    with pytest.raises(KnowledgeError) as info:
        knowledge.parse(data, "faq.json")
    problems = "\n".join(info.value.problems)
    assert "url: must be an http(s) address" in problems
    assert "'no-such-entry' is not an entry id" in problems
    assert "'faq-what-is' is already owned" in problems
    assert "entry 'faq-symptoms': article: 'another-article' is not the slug" in problems
    assert "entry 'faq-locations': lang: 'de'" in problems


def test_slugs_are_stable_ascii():
    assert importer.slug("1. Knee Joint") == "1-knee-joint"
    assert importer.slug("Menisküs Yırtığı Nedir?") == "meniskus-yirtigi-nedir"
    assert importer.slug("Jumper’s Knee") == "jumpers-knee"
    assert len(importer.slug("word " * 40)) <= importer.SLUG_CHARS
    assert parse_file(SEED).parts == parse_file(SEED).parts


# -- headings above numbered sub-headings ------------------------------------------------------

def test_a_heading_with_text_above_numbered_sub_headings_is_an_entry_of_its_own():
    article = parse_file(TRIGGER)
    sections = {p.question: p for p in article.sections}
    assert [(p.question, p.source) for p in article.sections][3:] == [
        ("Treatment Options", "Treatment Options"),
        ("Rest and Splinting", "Treatment Options"),
        ("Steroid Injection", "Treatment Options"),
        ("Surgical Treatment", "Surgical Treatment"),
        ("Open Release", "Surgical Treatment"),
        ("Percutaneous Release", "Surgical Treatment")]
    # The parent's own text is its own; a sub-heading holds only what is under it.
    assert sections["Surgical Treatment"].answer.startswith("Surgery is considered when")
    assert sections["Open Release"].answer == ("Through a small cut in the palm, the surgeon "
                                               "divides the tight pulley so the tendon can "
                                               "glide freely again.")
    assert sections["Rest and Splinting"].answer.startswith("Avoiding repeated gripping")
    # After the last sub-heading, paragraphs about the parent's subject (the operations in
    # general, the treatments together) go back to the parent; one about the sub-heading's
    # own subject (a second injection) stays with it.
    surgical = sections["Surgical Treatment"].answer
    assert "local anaesthesia" in surgical and "success rate of surgery" in surgical
    assert sections["Percutaneous Release"].answer == (
        "A needle is used instead of a cut to divide the pulley. This release suits fingers "
        "where the pulley is easy to feel.")
    assert "A second injection may be given" in sections["Steroid Injection"].answer
    assert sections["Treatment Options"].answer.endswith(
        "Most patients improve with these non-surgical treatments within a few months, and "
        "only a small number need an operation.")
    assert "Conclusion" not in sections
    assert any("'Conclusion': a summary of the article" in note for note in article.skipped)
    for part in article.parts:
        for word in FURNITURE:
            assert word not in part.answer and word not in part.question, (part.key, word)


def test_a_turkish_article_with_sub_headings_and_its_page_furniture():
    article = parse_file(TETIK)
    assert article.lang == "tr"
    assert article.title == "Tetik Parmak Nedir? Nedenleri, Belirtileri ve Tedavisi"
    sections = {p.question: p for p in article.sections}
    assert [(p.question, p.source) for p in article.sections][2:] == [
        ("Tedavi Seçenekleri", "Tedavi Seçenekleri"),
        ("İstirahat ve Atel", "Tedavi Seçenekleri"),
        ("Kortizon Enjeksiyonu", "Tedavi Seçenekleri"),
        ("Cerrahi Tedavi", "Cerrahi Tedavi"),
        ("Açık Gevşetme", "Cerrahi Tedavi"),
        ("Perkütan Gevşetme", "Cerrahi Tedavi")]
    # "ameliyat" and "cerrahi" are one concept (the language's synonyms).
    assert sections["Cerrahi Tedavi"].answer.endswith("Hasta aynı gün evine döner.")
    assert "anestezi" not in sections["Perkütan Gevşetme"].answer
    assert sections["Tedavi Seçenekleri"].answer.endswith(
        "Hastaların çoğu bu ameliyatsız tedavilerle birkaç ay içinde iyileşir.")
    assert "Sonuç" not in sections
    everything = " ".join(p.question + " " + p.answer for p in article.parts)
    for furniture in ("sayfanın başı", "gün önce", "dakikalık okuma", "ornekklinik",
                      "Simgesi", "Pazartesi"):
        assert furniture not in everything


def test_a_parent_heading_answers_the_general_question(runner, tmp_path):
    path = tmp_path / "faq.json"
    run(runner, TRIGGER, "--faq", path)
    bot = Chatbot.from_file(path)
    assert bot.ask("what is the treatment for trigger finger?").match.id == \
        "sec-treatment-options"
    assert bot.ask("when is surgery needed for trigger finger?").match.id == \
        "sec-surgical-treatment"
    assert bot.ask("how long does trigger finger surgery take?").match.id == \
        "sec-surgical-treatment"


def test_a_long_heading_gets_an_id_that_reads_whole(runner, tmp_path):
    path = tmp_path / "faq.json"
    article = parse_file(TRIGGER)
    title = article.sections[0]
    # The key re-imports match by is made as it always was ...
    assert title.key == "sec-trigger-finger-stenosing-tenosynovitis-causes-symptoms-and"
    run(runner, TRIGGER, "--faq", path)
    # ... while a new entry's id leaves out the bracketed aside rather than cut the phrase.
    kb = knowledge.load(path)
    record = kb.article(article.slug)
    assert record.parts[title.key] == "sec-trigger-finger-causes-symptoms-and-treatment"
    assert kb.get("sec-trigger-finger-causes-symptoms-and-treatment").question == title.question
    assert importer._short_slug("Karpal Tünel Sendromu Nedir? Nedenleri, Belirtileri ve "
                                "Ameliyatsız Tedavi Yöntemleri", language.load("tr")) == \
        "karpal-tunel-sendromu-nedir"
    assert importer._short_slug("Why does my shoulder hurt more at night when I lie on "
                                "the other side?", language.load("en")) == \
        "why-does-my-shoulder-hurt-more-at-night-when-i-lie"      # not "...-lie-on-the"
    again = run(runner, TRIGGER, "--faq", path)
    assert "nothing written" in again and entries(path).keys() == {
        e.id for e in kb.entries}


def test_reimport_keeps_staff_work_on_parent_and_sub_heading_entries(runner, tmp_path):
    path, article = tmp_path / "faq.json", tmp_path / "trigger-finger.txt"
    shutil.copy(TRIGGER, article)
    run(runner, article, "--faq", path)
    data = json.loads(path.read_text(encoding="utf-8"))
    by_id = {e["id"]: e for e in data["entries"]}
    by_id["sec-surgical-treatment"]["alternates"].append("do I need an operation")
    by_id["sec-open-release"]["answer"] = "The surgeon frees the tendon through a small cut."
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("take about 15 minutes", "take about 20 minutes"),
                       encoding="utf-8")
    out = run(runner, article, "--faq", path)
    assert "changed: 1" in out and "sec-surgical-treatment" in out and "added: 0" in out
    after = entries(path)
    assert "take about 20 minutes" in after["sec-surgical-treatment"]["answer"]
    assert after["sec-surgical-treatment"]["alternates"] == ["do I need an operation"]
    assert after["sec-open-release"]["answer"] == \
        "The surgeon frees the tendon through a small cut."


def test_a_file_imported_before_parents_had_entries_keeps_the_clinics_answers(runner,
                                                                            faq_copy):
    """The shipped file as an importer that glued a parent's text onto its sub-headings left
    it: a re-import of the unchanged article keeps every curated answer."""
    path, data = faq_copy
    article = parse_file(SEED)
    record = data["articles"][0]
    for part in article.parts:
        if record["parts"][part.key]["entry"] is None:
            del record["parts"][part.key]          # the parent headings were no parts
        elif part.was:
            record["parts"][part.key]["digest"] = part.was
    assert sum(1 for p in article.parts if p.was) == 3
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = run(runner, SEED, "--faq", path)
    assert "added: 4" in out and "removed: 0" in out and "changed: 3" in out
    assert out.count("the clinic's edited answer kept") == 3
    after = entries(path)
    for entry in data["entries"]:
        assert after[entry["id"]] == entry, entry["id"]          # curated entries as they were
    assert after["sec-how-is-bone-marrow-edema-treated"]["answer"].startswith(
        "Treatment depends on the severity")
    again = run(runner, SEED, "--faq", path)
    assert "nothing written" in again


def test_an_unedited_entry_cut_the_old_way_is_re_cut(runner, tmp_path):
    path = tmp_path / "faq.json"
    run(runner, TRIGGER, "--faq", path)
    data = json.loads(path.read_text(encoding="utf-8"))
    article = parse_file(TRIGGER)
    by_question = {p.question: p for p in article.parts}
    parent, first = by_question["Surgical Treatment"], by_question["Open Release"]
    glued = "Surgery is considered when the finger stays locked, or when catching returns " \
        f"after two injections.\n\n{first.answer}"                # as the importer cut it
    assert importer.digest(glued) == first.was
    record = data["articles"][0]
    del record["parts"][parent.key]
    record["parts"][first.key]["digest"] = first.was
    data["entries"] = [e for e in data["entries"] if e["id"] != "sec-surgical-treatment"]
    for e in data["entries"]:
        if e["id"] == "sec-open-release":
            e["answer"] = glued
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = run(runner, TRIGGER, "--faq", path)
    assert "answer re-cut from the unchanged article" in out and "added: 1" in out
    after = entries(path)
    assert after["sec-open-release"]["answer"] == first.answer
    assert after["sec-surgical-treatment"]["answer"] == parent.answer


# -- staff edits of imported entries -----------------------------------------------------------

def edit(path, entry_id, lang, **fields):
    return editor.change(path, editor.edit_entry(entry_id, lang, **fields),
                         action="edit-entry", summary=f"{entry_id} ({lang})")


def test_a_staff_edit_survives_an_unchanged_reimport_until_the_article_changes(
        runner, faq_copy, tmp_path):
    path, _ = faq_copy
    staff_en = "Often it settles with rest; the doctor follows it with MRI until it has."
    staff_tr = "Çoğu zaman dinlenmeyle geçer; doktor MR ile takip eder."
    assert edit(path, "faq-heal-on-own", "en", answer=staff_en,
                title="Will it heal by itself?") == ("en", True)
    assert edit(path, "faq-heal-on-own", "tr", answer=staff_tr) == ("tr", True)
    edited = entries(path)["faq-heal-on-own"]
    assert edited["translations"]["tr"]["reviewed"] is True   # staff wrote it: reviewed
    out = run(runner, SEED, "--faq", path)                      # the article as it was
    assert "changed: 0" in out and "nothing written" in out
    assert entries(path)["faq-heal-on-own"] == edited
    # The article's own answer changes later: the article's new text replaces the staff
    # edit (the report says so; the edit stays in the versions), the Turkish is to review.
    changed = tmp_path / "seed.txt"
    changed.write_text(SEED.read_text(encoding="utf-8").replace(
        "Mild cases may resolve with rest, but medical supervision is important.",
        "Mild cases often settle with rest; a doctor should follow the healing."),
        encoding="utf-8")
    out = run(runner, changed, "--faq", path)
    assert "faq-heal-on-own" in out and "replacing the clinic's edited one" in out
    after = entries(path)["faq-heal-on-own"]
    assert after["answer"].startswith("Mild cases often settle with rest")
    assert after["question"] == "Will it heal by itself?"         # the staff title stays
    assert after["translations"]["tr"]["answer"] == staff_tr
    assert after["translations"]["tr"]["reviewed"] is False
    kept = editor.history(path)[1]
    assert staff_en in kept.path.read_text(encoding="utf-8")      # restorable


def test_a_reworded_heading_keeps_a_title_staff_wrote(runner, tmp_path):
    path, article = tmp_path / "faq.json", tmp_path / "plantar-fasciitis.txt"
    shutil.copy(PLANTAR, article)
    run(runner, article, "--faq", path, "--url", PLANTAR_URL)
    first = entries(path)
    assert edit(path, "faq-which-shoes-are-best", "en",
                title="Which shoes help heel pain?") == ("en", True)
    text = article.read_text(encoding="utf-8")
    for old, new in (("Which shoes are best?", "What shoes should I wear?"),
                     ("Do insoles help?", "Are insoles useful?")):
        assert old in text
        text = text.replace(old, new)
    article.write_text(text, encoding="utf-8")
    out = run(runner, article, "--faq", path)
    assert "faq-which-shoes-are-best" in out and "the clinic's own title kept" in out
    after = entries(path)
    assert after["faq-which-shoes-are-best"]["question"] == "Which shoes help heel pain?"
    assert after["faq-which-shoes-are-best"]["answer"] == first["faq-which-shoes-are-best"][
        "answer"]
    assert after["faq-do-insoles-help"]["question"] == "Are insoles useful?"   # not edited


def test_edit_entry_checks_what_it_writes(faq_copy):
    path, _ = faq_copy
    before = path.read_bytes()
    with pytest.raises(EditError, match="no entry"):
        edit(path, "no-such-entry", "en", answer="x")
    with pytest.raises(KnowledgeError):                      # not one of the file's languages
        edit(path, "faq-heal-on-own", "de", title="Heilt es?", answer="Oft.")
    data = json.loads(before)
    data["entries"] = [dict(e, translations={}) if e["id"] == "clinic-hours" else e
                       for e in data["entries"]]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(EditError, match="no tr text yet"):
        edit(path, "clinic-hours", "tr", answer="Hafta içi 9-18.")
    assert edit(path, "clinic-hours", "tr", title="Çalışma saatleri?",
                answer="Hafta içi 9-18.") == ("tr", True)
    assert entries(path)["clinic-hours"]["translations"]["tr"]["answer"] == "Hafta içi 9-18."
    assert edit(path, "clinic-hours", "tr", answer="Hafta içi 9-18.") == ("tr", False)
