"""Live knowledge: a changed file is served on the next call, a broken one never is; the editor's
versions and concurrent changes."""

import json
import threading

import pytest

from chatbot import editor
from chatbot.config import BY_NAME
from chatbot.errors import KnowledgeError, NotFound
from chatbot.live import LiveBot

VOCABULARY = BY_NAME["VOCABULARY_PATH"].default
WORDING = "do you rent out crutches"


def test_changes_are_served_at_once_and_a_broken_file_never(faq_copy):
    path, data = faq_copy
    live = LiveBot(path, VOCABULARY)
    first = live.current()
    assert live.current() is first                       # nothing changed: the same bot
    assert not first.ask("can I pay with bitcoin at the clinic").answered
    editor.change(path, editor.add_alternate("clinic-contact", "can I pay with bitcoin", "en"),
                  action="add-alternate", summary="test")
    second = live.current()
    assert second is not first and second.ask("can I pay with bitcoin").answered
    assert not first.ask("can I pay with bitcoin").answered   # a request's bot never changes

    good = path.read_bytes()
    path.write_bytes(good.replace(b'"answer": "', b'"answer": 7, "x": "', 1))
    assert live.current() is second and live.stale
    assert live.status()["state"] == "stale" and "answer" in live.status()["problems"][0]
    path.write_bytes(b"")                                 # truncated by a crash
    assert live.current() is second and live.stale
    path.write_bytes(good)
    assert live.current() is not second and not live.stale   # mended: served again


def test_a_vocabulary_change_is_picked_up_too(faq_copy, tmp_path):
    path, _ = faq_copy
    vocabulary = tmp_path / "vocabulary.json"
    vocabulary.write_text(json.dumps({"out_of_scope": {}}), encoding="utf-8")
    live = LiveBot(path, vocabulary)
    before = live.current()
    vocabulary.write_text(json.dumps({"out_of_scope": {"cost": ["bitcoin"]}}), encoding="utf-8")
    after = live.current()
    assert after is not before
    assert after.ask("can I pay with bitcoin").reason == "out_of_scope"


def test_a_broken_file_at_start_stops_start_up(faq_copy):
    path, _ = faq_copy
    path.write_bytes(b"{")
    with pytest.raises(KnowledgeError):
        LiveBot(path, VOCABULARY)


def test_a_change_that_fails_validation_leaves_the_file_untouched(faq_copy):
    path, _ = faq_copy
    before = path.read_bytes()
    with pytest.raises(KnowledgeError):
        editor.change(path, editor.add_entry("A question?", "   ", lang="en"),
                      action="add-entry", summary="empty answer")
    with pytest.raises(NotFound):
        editor.change(path, editor.add_alternate("no-such-entry", "hello", "en"),
                      action="add-alternate", summary="unknown entry")
    assert path.read_bytes() == before and editor.versions(path) == []
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_history_says_what_made_each_version_and_restores_it(faq_copy):
    path, _ = faq_copy
    editor.change(path, editor.add_alternate("clinic-hours", WORDING, "en"),
                  action="add-alternate", summary="clinic-hours: crutches")
    new_id, written = editor.change(path, editor.add_entry("Do you rent crutches?", "No.",
                                                           lang="en"),
                                    action="add-entry", summary="crutches entry")
    assert written and new_id == "faq-do-you-rent-crutches"
    found = editor.history(path)
    assert [(v.id == "current", v.action) for v in found] == [
        (True, "add-entry"), (False, "add-alternate"), (False, "file")]
    assert found[0].created_at >= found[1].created_at >= found[2].created_at
    assert found[2].summary.startswith("written outside chatbot")
    editor.restore(path, editor.find_version(path, found[1].id).path)
    now = json.loads(path.read_text(encoding="utf-8"))
    assert not any(e["id"] == new_id for e in now["entries"])
    assert editor.history(path)[0].action == "restore"
    with pytest.raises(NotFound):
        editor.find_version(path, "19990101T000000000000Z")


def test_concurrent_changes_are_all_kept(faq_copy):
    path, _ = faq_copy
    texts = [f"threaded wording {i}" for i in range(10)]
    errors = []

    def add(text):
        try:
            editor.change(path, editor.add_alternate("clinic-hours", text, "en"),
                          action="add-alternate", summary=text)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    entry = next(e for e in json.loads(path.read_text(encoding="utf-8"))["entries"]
                 if e["id"] == "clinic-hours")
    assert set(texts) <= set(entry["alternates"])
    assert len(editor.versions(path)) == 10
