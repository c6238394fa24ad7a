"""The staff API over real HTTP, against one `chatbot serve --workers 2` shared by the tests."""

import contextlib
import csv
import io
import json
import threading
import time
import uuid
from pathlib import Path

import pytest

from conftest import ADMIN_TOKEN, postgres_schema, start_server, stop_server

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TRIES = 16   # requests at least, spread over both workers


@pytest.fixture(scope="module")
def staff(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("staff"), workers=2, ADMIN_TOKEN=ADMIN_TOKEN,
                          RATE_LIMIT="100000/minute", ADMIN_LOGIN_LIMIT="100000/minute")
    server.faq = server.env["CHATBOT_FAQ_PATH"]
    yield server
    stop_server(server)


def admin(server, method, path, body=None):
    return server.request(method, "/api/v1/admin" + path, json_body=body, headers=ADMIN)


def error_of(response):
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return body["error"]["code"]


def every_worker(server, message, answered, match=None):
    """Ask until both workers were seen (each request opens a new connection, which either
    worker may accept): every answer must agree. Return the workers' pids seen."""
    pids = set()
    for i in range(64):
        body = server.chat(message).json()
        assert body["answered"] is answered, (message, body)
        if match:
            assert body["match"]["id"] == match, body
        pids.add(admin(server, "GET", "/knowledge").json()["pid"])
        if len(pids) == 2 and i >= TRIES:
            break
    return pids


def cluster_with(server, text):
    server.logged()
    found = admin(server, "GET", "/clusters").json()["clusters"]
    return next((c for c in found if text in [e["text"] for e in c["examples"]]), None)


def test_three_wordings_one_cluster_fixed_on_every_worker_and_restored(staff):
    wordings = ["is there parking near the clinic", "where can I park my car?",
                "parking at the clinic?"]
    for w in wordings:
        assert staff.chat(w).json()["answered"] is False
    staff.chat("do you treat gout")   # another question: another cluster
    cluster = cluster_with(staff, wordings[0])
    assert cluster["size"] == 3 and cluster["kind"] == "unanswered" and cluster["lang"] == "en"
    assert sorted(e["text"] for e in cluster["examples"]) == sorted(wordings)
    assert cluster["fixed"] is False and cluster["nearest"]["id"].startswith("clinic-")
    assert set(cluster) >= {"id", "size", "examples", "nearest", "first_seen", "last_seen",
                            "kind"}
    assert cluster["first_seen"] <= cluster["last_seen"]
    assert "gout" not in json.dumps(cluster)

    added = admin(staff, "POST", "/entries/clinic-contact/alternates",
                  {"text": wordings[1], "lang": "en"})
    assert added.status == 200, added.body
    assert added.json()["added"] is True and added.json()["reply"]["answered"] is True
    assert added.json()["version"]["action"] == "add-alternate"
    # The very next chat with that wording is answered, on every worker.
    pids = every_worker(staff, wordings[1], True, "clinic-contact")
    assert len(pids) == 2, "both workers answered"
    cluster = cluster_with(staff, wordings[0])
    now = {e["text"]: e["answered_now"] for e in cluster["examples"]}
    assert now[wordings[1]]["id"] == "clinic-contact"
    assert cluster["fixed"] is all(now.values())     # fixed: every example answered now
    for w in (wordings[0], wordings[2]):
        admin(staff, "POST", "/entries/clinic-contact/alternates", {"text": w})
    assert cluster_with(staff, wordings[0])["fixed"] is True

    versions = admin(staff, "GET", "/versions").json()["versions"]
    assert versions[0]["id"] == "current" and versions[0]["action"] == "add-alternate"
    assert set(versions[0]) == {"id", "created_at", "action", "summary"}
    assert versions[0]["created_at"] >= versions[1]["created_at"]
    # Back to before the three alternates: the wording is unanswered again, everywhere.
    before = versions[3]
    restored = admin(staff, "POST", f"/versions/{before['id']}/restore")
    assert restored.status == 200 and restored.json()["version"]["action"] == "restore"
    every_worker(staff, wordings[1], False)
    assert admin(staff, "GET", "/versions").json()["versions"][0]["action"] == "restore"


def test_a_new_entry_from_a_cluster_answers_its_examples(staff):
    wordings = ["can I bring my dog to the clinic", "are dogs allowed in the clinic"]
    for w in wordings:
        staff.chat(w)
    created = admin(staff, "POST", "/entries", {
        "question": "Can I bring my dog?", "answer": "Only assistance dogs, please.",
        "alternates": wordings, "lang": "en"})
    assert created.status == 201, created.body
    entry = created.json()["entry"]
    assert entry["id"] == "faq-can-i-bring-my-dog" and entry["alternates"] == wordings
    assert created.json()["reply"]["match"]["id"] == entry["id"]
    every_worker(staff, wordings[1], True, entry["id"])
    assert staff.request("GET", f"/api/v1/faq/{entry['id']}").status == 200
    again = admin(staff, "POST", "/entries", {"question": "Can I bring my dog?",
                                              "answer": "Yes."})
    assert again.json()["entry"]["id"] == "faq-can-i-bring-my-dog-2"   # ids never collide


def test_turkish_wording_goes_to_the_turkish_text(staff):
    added = admin(staff, "POST", "/entries/clinic-contact/alternates",
                  {"text": "otopark var mı acaba"})
    assert added.status == 200 and added.json()["lang"] == "tr"
    data = json.loads(Path(staff.faq).read_text(encoding="utf-8"))
    entry = next(e for e in data["entries"] if e["id"] == "clinic-contact")
    assert "otopark var mı acaba" in entry["translations"]["tr"]["alternates"]
    assert "otopark var mı acaba" not in entry["alternates"]
    same = admin(staff, "POST", "/entries/clinic-contact/alternates",
                 {"text": "Otopark var mı, acaba?"})
    assert same.json()["added"] is False          # the same wording is not added twice


@pytest.mark.parametrize("path, body, status, code", [
    ("/entries/clinic-contact/alternates", {}, 400, "invalid_text"),
    ("/entries/clinic-contact/alternates", {"text": "  \u200b "}, 400, "invalid_text"),
    ("/entries/clinic-contact/alternates", {"text": 7}, 400, "invalid_text"),
    ("/entries/clinic-contact/alternates", {"text": "a" * 501}, 400, "text_too_long"),
    ("/entries/clinic-contact/alternates", {"text": "hi", "lang": "de"}, 400, "invalid_lang"),
    ("/entries/no-such-entry/alternates", {"text": "hello there"}, 404, "not_found"),
    ("/entries", {"answer": "x"}, 400, "invalid_question"),
    ("/entries", {"question": "x?", "answer": ""}, 400, "invalid_answer"),
    ("/entries", {"question": "x?", "answer": "y", "alternates": "z"}, 400,
     "invalid_alternates"),
    ("/entries", {"question": "x?", "answer": "y", "alternates": [""]}, 400,
     "invalid_alternates"),
    ("/entries", {"question": "x?", "answer": "y", "kind": "smalltalk"}, 400, "invalid_kind"),
    ("/entries", {"question": "x?", "answer": "y" * 5001}, 400, "text_too_long"),
    ("/clusters/nope/dismiss", None, 404, "not_found"),
    ("/versions/20000101T000000000000Z/restore", None, 404, "not_found"),
    ("/versions/current/restore", None, 409, "already_current"),
    ("PATCH /entries/faq-heal-on-own", {}, 400, "nothing_to_change"),
    ("PATCH /entries/faq-heal-on-own", {"title": " \u200b"}, 400, "invalid_title"),
    ("PATCH /entries/faq-heal-on-own", {"title": 7}, 400, "invalid_title"),
    ("PATCH /entries/faq-heal-on-own", {"answer": ""}, 400, "invalid_answer"),
    ("PATCH /entries/faq-heal-on-own", {"answer": "y" * 5001}, 400, "text_too_long"),
    ("PATCH /entries/faq-heal-on-own", {"title": "t" * 501}, 400, "text_too_long"),
    ("PATCH /entries/faq-heal-on-own", {"answer": "Ja.", "lang": "de"}, 400, "invalid_lang"),
    ("PATCH /entries/no-such-entry", {"answer": "Yes."}, 404, "not_found"),
    ("PATCH /entries/clinic-contact/alternates", {"text": "hi"}, 405, "method_not_allowed"),
])
def test_bad_changes_get_json_errors_and_write_nothing(staff, path, body, status, code):
    before = Path(staff.faq).read_bytes()
    method, _, path = path.rpartition(" ")   # POST unless the case names another method
    response = admin(staff, method or "POST", path, body)
    assert response.status == status, response.body
    assert error_of(response) == code
    assert Path(staff.faq).read_bytes() == before


def test_bodies_must_be_json_objects(staff):
    raw = staff.request("POST", "/api/v1/admin/entries", data=b"{", headers=dict(
        ADMIN, **{"Content-Type": "application/json"}))
    assert raw.status == 400 and error_of(raw) == "invalid_json"
    form = staff.request("POST", "/api/v1/admin/entries", data=b"q=1", headers=dict(
        ADMIN, **{"Content-Type": "application/x-www-form-urlencoded"}))
    assert form.status == 415 and error_of(form) == "unsupported_media_type"


@pytest.mark.parametrize("method, path", [
    ("GET", "/stats"), ("GET", "/clusters"), ("GET", "/versions"), ("GET", "/knowledge"),
    ("POST", "/clusters/x/dismiss"), ("POST", "/entries"),
    ("POST", "/entries/clinic-contact/alternates"), ("POST", "/versions/x/restore"),
    ("PATCH", "/entries/clinic-contact"), ("GET", "/unanswered?lang=tr")])
def test_every_admin_route_needs_the_token(staff, method, path):
    response = staff.request(method, "/api/v1/admin" + path, json_body={},
                             headers={"Authorization": "Bearer wrong-token-0123456789abc"})
    assert response.status == 401 and error_of(response) == "unauthorized"


def test_stats(staff):
    staff.chat("kemik iliği ödemi kendiliğinden geçer mi")
    staff.logged()
    stats = admin(staff, "GET", "/stats?days=7").json()
    assert set(stats) == {"messages", "answered", "unanswered", "helpful", "not_helpful",
                          "answer_rate", "top_entries", "per_day", "languages"}
    assert stats["messages"] == stats["answered"] + stats["unanswered"] > 0
    assert stats["answer_rate"] == round(stats["answered"] / stats["messages"], 4)
    assert len(stats["per_day"]) == 7 and stats["per_day"][-1]["messages"] > 0
    assert sum(d["messages"] for d in stats["per_day"]) == stats["messages"]
    assert stats["languages"]["tr"] >= 1 and stats["languages"]["en"] >= 1
    assert all(set(row) == {"id", "title", "count"} for row in stats["top_entries"])
    for days in ("0", "abc", "3651", "-1"):
        response = admin(staff, "GET", f"/stats?days={days}")
        assert response.status == 400 and error_of(response) == "invalid_days", days


def test_a_not_helpful_vote_explains_itself(staff):
    chat = staff.chat("can it heal by itself? call me on 0532 123 45 67").json()
    assert chat["answered"] is True
    vote = {"query_id": chat["query_id"], "helpful": False,
            "comment": "I asked about swimming, mail me at ayse@example.com"}
    # 202: recorded at once, applied once the exchange is stored (any instance's reply).
    assert staff.request("POST", "/api/v1/feedback", json_body=vote).status == 202
    cluster = cluster_with(staff, "can it heal by itself? call me on [phone]")
    assert cluster is not None and cluster["kind"] == "not_helpful"
    example = cluster["examples"][0]
    assert example["answered_with"]["id"] == chat["match"]["id"]
    assert "[email]" in example["comment"] and "ayse@" not in example["comment"]
    assert example["answered_now"] is None     # the same entry still answers: not fixed
    # A second vote replaces the first: helpful after all, so nothing left to review.
    vote.update(helpful=True, comment=None)
    assert staff.request("POST", "/api/v1/feedback", json_body=vote).status == 202
    assert cluster_with(staff, "can it heal by itself? call me on [phone]") is None
    for bad, code in (({"comment": 5}, "invalid_comment"),
                      ({"comment": "x" * 501}, "comment_too_long")):
        response = staff.request("POST", "/api/v1/feedback", json_body=dict(vote, **bad))
        assert response.status == 400 and error_of(response) == code
    # A vote for a reply no instance gave is taken (it may be in another instance's journal)
    # and later dropped; it never shows up for review.
    stray = str(uuid.uuid4())
    unknown = staff.request("POST", "/api/v1/feedback", json_body={
        "query_id": stray, "helpful": False, "comment": "x"})
    assert unknown.status == 202


def test_dismissed_clusters_leave_the_review(staff):
    staff.chat("do you sell gift vouchers")
    staff.chat("can I buy a gift voucher")
    cluster = cluster_with(staff, "do you sell gift vouchers")
    assert cluster["size"] == 2
    done = admin(staff, "POST", f"/clusters/{cluster['id']}/dismiss")
    assert done.status == 200 and done.json() == {"dismissed": 2}
    assert cluster_with(staff, "do you sell gift vouchers") is None
    again = admin(staff, "POST", f"/clusters/{cluster['id']}/dismiss")
    assert again.status == 404


def test_a_file_edited_by_hand_is_served_and_a_broken_one_is_not(staff):
    wording = "do you have a wheelchair ramp"
    data = json.loads(Path(staff.faq).read_text(encoding="utf-8"))
    entry = next(e for e in data["entries"] if e["id"] == "clinic-contact")
    entry["alternates"].append(wording)
    with open(staff.faq, "w", encoding="utf-8") as out:   # in place, as an editor may
        json.dump(data, out, ensure_ascii=False)
    every_worker(staff, wording, True, "clinic-contact")
    good = Path(staff.faq).read_bytes()
    with open(staff.faq, "wb") as out:
        out.write(good[: len(good) // 2])                  # a save cut short
    try:
        for _ in range(TRIES):
            assert staff.request("GET", "/api/v1/health").json()["knowledge"] == "stale"
            assert staff.chat(wording).json()["answered"] is True   # the last good content
        state = admin(staff, "GET", "/knowledge").json()
        assert state["state"] == "stale" and "invalid JSON" in state["problems"][0]
        refused = admin(staff, "POST", "/entries/clinic-contact/alternates", {"text": "hello"})
        assert refused.status == 422 and error_of(refused) == "invalid_change"
        assert Path(staff.faq).read_bytes() == good[: len(good) // 2]
        # Restoring a version mends it.
        version = admin(staff, "GET", "/versions").json()["versions"][1]
        assert admin(staff, "POST", f"/versions/{version['id']}/restore").status == 200
        for _ in range(TRIES):
            assert staff.request("GET", "/api/v1/health").json()["knowledge"] == "ok"
    finally:
        with open(staff.faq, "wb") as out:
            out.write(good)


def test_concurrent_edits_never_lose_one_another(staff):
    texts = [f"concurrent wording number {i} {uuid.uuid4().hex[:6]}" for i in range(8)]
    results = []

    def add(text):
        results.append(admin(staff, "POST", "/entries/clinic-hours/alternates",
                             {"text": text, "lang": "en"}).status)

    threads = [threading.Thread(target=add, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [200] * 8
    data = json.loads(Path(staff.faq).read_text(encoding="utf-8"))
    entry = next(e for e in data["entries"] if e["id"] == "clinic-hours")
    assert set(texts) <= set(entry["alternates"])
    deadline = time.monotonic() + 5
    while not staff.chat(texts[0]).json()["answered"]:
        assert time.monotonic() < deadline


# -- on SQLite and PostgreSQL: each message's language; fixing an answer -----------------------

@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def both(request, tmp_path_factory):
    """Two workers on each database (the language filter is SQL; edits live-reload)."""
    settings = dict(workers=2, ADMIN_TOKEN=ADMIN_TOKEN, RATE_LIMIT="100000/minute",
                    ADMIN_LOGIN_LIMIT="100000/minute")
    with contextlib.ExitStack() as stack:
        if request.param == "postgresql":
            settings["DATABASE_URL"] = stack.enter_context(postgres_schema())
        server = start_server(tmp_path_factory.mktemp(f"both-{request.param}"), **settings)
        stack.callback(stop_server, server)
        server.faq = server.env["CHATBOT_FAQ_PATH"]
        yield server


def test_each_logged_message_has_its_language_and_can_be_filtered(both):
    turkish = ["otopark var mı", "otoparkınız var mı acaba", "arabamı nereye park ederim"]
    english = ["is there parking near the clinic", "where can I park my car?"]
    for text in turkish + english:
        assert both.chat(text).json()["answered"] is False, text
    every = admin(both, "GET", "/unanswered?limit=500").json()["items"]
    langs = {item["text"]: item["lang"] for item in every}
    assert all(langs[t] == "tr" for t in turkish) and all(langs[t] == "en" for t in english)
    only = admin(both, "GET", "/unanswered?lang=tr&limit=500").json()
    assert sorted(i["text"] for i in only["items"]) == sorted(turkish)
    assert only["total"] == 3 and {i["lang"] for i in only["items"]} == {"tr"}
    table = admin(both, "GET", "/unanswered.csv?lang=en")
    rows = list(csv.DictReader(io.StringIO(table.body.decode("utf-8"))))
    assert table.status == 200 and sorted(r["text"] for r in rows) == sorted(english)
    assert {r["lang"] for r in rows} == {"en"}
    clusters = admin(both, "GET", "/clusters?lang=tr").json()["clusters"]
    assert clusters and {c["lang"] for c in clusters} == {"tr"}
    assert {e["text"] for c in clusters for e in c["examples"]} == set(turkish)
    for path in ("/unanswered?lang=de", "/unanswered.csv?lang=", "/clusters?lang=EN"):
        response = admin(both, "GET", path)
        assert response.status == 400 and error_of(response) == "invalid_lang", path


def replies_on_every_worker(server, message, start):
    """Ask until both workers answered: every reply must start with `start`."""
    pids = set()
    for i in range(64):
        body = server.chat(message, lang="tr").json()
        assert body["reply"].startswith(start), (message, body["reply"][:80])
        pids.add(admin(server, "GET", "/knowledge").json()["pid"])
        if len(pids) == 2 and i >= TRIES:
            return
    raise AssertionError("one worker never answered")


def test_staff_fix_an_answer_and_the_next_chat_says_it(both):
    question = "kemik iliği ödemi kendiliğinden geçer mi"
    old = both.chat(question, lang="tr").json()
    assert old["match"]["id"] == "faq-heal-on-own"
    fixed = "Çoğu zaman dinlenmeyle geçer.\n\nDoktorunuz MR ile takip eder."
    edited = admin(both, "PATCH", "/entries/faq-heal-on-own", {"lang": "tr", "answer": fixed})
    assert edited.status == 200, edited.body
    body = edited.json()
    assert body["changed"] is True and body["entry"]["answer"] == fixed
    assert body["entry"]["lang"] == "tr" and body["reply"]["match"]["id"] == "faq-heal-on-own"
    assert body["version"]["action"] == "edit-entry" and "(tr)" in body["version"]["summary"]
    replies_on_every_worker(both, question, fixed)
    data = json.loads(Path(both.faq).read_text(encoding="utf-8"))
    entry = next(e for e in data["entries"] if e["id"] == "faq-heal-on-own")
    assert entry["translations"]["tr"]["reviewed"] is True
    assert entry["answer"] == json.loads(both.request(
        "GET", "/api/v1/faq/faq-heal-on-own").body)["answer"]       # English untouched
    again = admin(both, "PATCH", "/entries/faq-heal-on-own", {"lang": "tr", "answer": fixed})
    assert again.json()["changed"] is False
    # The title, in the entry's own language by default.
    titled = admin(both, "PATCH", "/entries/faq-heal-on-own",
                   {"title": "Will bone marrow edema heal by itself?"})
    assert titled.json()["entry"]["lang"] == "en"
    assert json.loads(both.request("GET", "/api/v1/faq/faq-heal-on-own").body)["title"] == \
        "Will bone marrow edema heal by itself?"
    # Restorable: back to before the answer was edited.
    versions = admin(both, "GET", "/versions").json()["versions"]
    assert [v["action"] for v in versions[:2]] == ["edit-entry", "edit-entry"]
    assert admin(both, "POST", f"/versions/{versions[2]['id']}/restore").status == 200
    replies_on_every_worker(both, question, old["reply"][:60])


def test_an_entry_gets_a_translation_from_the_admin_api(both):
    created = admin(both, "POST", "/entries", {
        "question": "Is there wifi for patients?", "answer": "Yes, ask at reception.",
        "lang": "en"}).json()["entry"]
    path = f"/entries/{created['id']}"
    half = admin(both, "PATCH", path, {"lang": "tr", "answer": "Evet, resepsiyona sorun."})
    assert half.status == 400 and error_of(half) == "incomplete_translation"
    whole = admin(both, "PATCH", path, {"lang": "tr", "title": "Hastalar için wifi var mı?",
                                        "answer": "Evet, resepsiyona sorun."})
    assert whole.status == 200 and whole.json()["entry"]["lang"] == "tr"
    replies_on_every_worker(both, "Hastalar için wifi var mı?", "Evet, resepsiyona sorun.")
