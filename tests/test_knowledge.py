"""Loading and validating the knowledge file."""

import json
import re

import pytest

from chatbot import Chatbot, KnowledgeError, knowledge
from conftest import FAQ

REQUIRED = """faq-what-is faq-causes faq-symptoms faq-locations faq-diagnosis faq-heal-on-own
faq-dangerous faq-treatment faq-surgery faq-syndrome faq-recovery-time faq-athletes faq-pregnancy
faq-mri-appearance faq-medications faq-physical-therapy faq-chronic faq-prp-stem-cells
faq-bioplasty faq-recurrence sec-overview sec-primary sec-secondary sec-causes sec-location-knee
sec-location-hip sec-location-ankle-foot sec-location-spine sec-symptoms sec-diagnosis-mri
sec-diagnosis-clinical sec-diagnosis-lab sec-treatment-rest sec-treatment-medication
sec-treatment-physical-therapy sec-bioplasty clinic-hours clinic-contact""".split()


def test_clinic_file_loads_with_every_required_entry():
    kb = knowledge.load(FAQ)
    ids = {e.id for e in kb.entries}
    assert set(REQUIRED) <= ids
    assert sum(e.kind == "faq" for e in kb.entries) == 20
    assert {e.id for e in kb.entries if e.kind == "smalltalk"} >= {
        "smalltalk-greeting", "smalltalk-thanks", "smalltalk-goodbye", "smalltalk-bot"}
    assert all(e.id.startswith("smalltalk-") for e in kb.entries if e.kind == "smalltalk")
    # Unknown clinic fields stay null: nothing invented.
    assert kb.clinic.hours == "Monday-Saturday 09:00-18:00"
    assert kb.clinic.emergency_number == "112"
    assert kb.clinic.phone is None and kb.clinic.address is None


def test_answers_invent_no_contact_details():
    # Phone, e-mail, web address and prices are unknown: no answer may make one up.
    invented = re.compile(r"\d[\d ()-]{6,}\d|@|https?://|www\.|\b(?:TL|EUR|USD|\$|€|₺)\b")
    for entry in knowledge.load(FAQ).entries:
        assert not invented.search(entry.answer), (entry.id, entry.answer)


def write(tmp_path, data, name="faq.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_every_problem_is_listed_with_entry_and_field(faq_copy, tmp_path):
    path, data = faq_copy
    renamed = data["entries"][1]["id"]
    data["entries"][1]["id"] = data["entries"][0]["id"]          # duplicate id
    data["entries"][2]["answer"] = "   "                          # empty answer
    data["entries"][3]["kind"] = "recipe"                         # unknown kind
    data["entries"][4]["alternates"] = "not a list"               # wrong type
    data["entries"][5]["related"] = ["no-such-entry"]             # dangling reference
    broken = write(tmp_path, data, "broken.json")
    with pytest.raises(KnowledgeError) as info:
        knowledge.load(broken)
    problems = info.value.problems
    first, third, fourth, fifth, sixth = (data["entries"][i]["id"] for i in (0, 2, 3, 4, 5))
    assert any(f"entry {first!r}: id: duplicate" in p for p in problems)
    assert any(f"entry {third!r}: answer:" in p for p in problems)
    assert any(f"entry {fourth!r}: kind:" in p for p in problems)
    assert any(f"entry {fifth!r}: alternates:" in p for p in problems)
    assert any(f"entry {sixth!r}: related: 'no-such-entry'" in p for p in problems)
    # The renamed entry's id is gone, so entries (and the article) that pointed at it are
    # reported too.
    orphans = [e for e in data["entries"] if renamed in e.get("related", [])]
    owners = [a for a in data["articles"]
              if renamed in {part["entry"] for part in a["parts"].values()}]
    assert len(problems) == 5 + len(orphans) + len(owners)
    assert str(broken) in str(info.value)


@pytest.mark.parametrize("content, expected", [
    (b"{not json", "invalid JSON at line 1"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"42", "top level must be an object"),
    (b'{"version": 1, "entries": []}', "entries: must be a non-empty list"),
    (b'{"version": 2, "entries": [{"id": "a", "kind": "faq", "question": "q", "answer": "a"}]}',
     "version: unsupported 2"),
    (b'{"entries": [{"id": "a", "kind": "faq", "question": 3, "answer": "a"}]}',
     "entry 'a': question: must be a non-empty string"),
    (b'{"clinic": {"phone": 5}, "entries": [{"id": "a", "kind": "faq", "question": "q", '
     b'"answer": "a"}]}', "clinic: phone: must be a non-empty string"),
    (b'{"entries": [{"kind": "faq", "question": "q", "answer": "a"}]}',
     "entries[0]: id: must be a non-empty string"),
])
def test_each_bad_file_is_explained(tmp_path, content, expected):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(KnowledgeError) as info:
        knowledge.load(path)
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(KnowledgeError, match="cannot read file"):
        Chatbot.from_file(tmp_path / "nope.json")


def test_plain_list_format_of_evaluation_sets(tmp_path):
    path = write(tmp_path, [{"id": "x1", "question": "What is a virus?", "answer": "A germ."},
                            {"id": "x2", "question": "How do I wash hands?", "answer": "Soap."}])
    kb = knowledge.load(path)
    assert [e.kind for e in kb.entries] == ["faq", "faq"]
    assert Chatbot(kb).ask("how should I wash my hands").best.id == "x2"


def test_entries_are_frozen():
    kb = knowledge.load(FAQ)
    with pytest.raises(AttributeError):
        kb.entries[0].answer = "changed"


def test_topic_names_the_content_in_the_bots_own_texts(tmp_path):
    path = write(tmp_path, {"version": 1, "topic": "knee pain",
                            "entries": [{"id": "a", "kind": "faq", "question": "What is it?",
                                         "answer": "Pain in the knee."}]})
    bot = Chatbot.from_file(path)
    assert bot.knowledge.topic == "knee pain"
    assert "knee pain" in bot.ask("").text
    # With articles, the bot names what they are about.
    kb = knowledge.load(FAQ)
    assert kb.topic_names("en") == ["bone marrow edema"]
    assert kb.topic_names("tr") == ["kemik iliği ödemi"]
    bad = write(tmp_path, {"topic": 3, "entries": [{"id": "a", "kind": "faq", "question": "q",
                                                    "answer": "a"}]}, "bad.json")
    with pytest.raises(KnowledgeError, match="topic: must be a string or an object"):
        knowledge.load(bad)


def test_broken_vocabulary_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "vocabulary.json"
    bad.write_text("{not json")
    with pytest.raises(KnowledgeError, match="vocabulary"):
        Chatbot.from_file(FAQ, vocabulary_path=bad)
