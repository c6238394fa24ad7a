"""The HTTP API over real HTTP against a live gunicorn server."""

import json
import re
import uuid

import pytest

from conftest import ADMIN_TOKEN, ROOT, start_server, stop_server

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def error_of(response):
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return body["error"]["code"]


def test_health_and_faq_listing(live):
    health = live.request("GET", "/api/v1/health")
    assert health.status == 200
    assert health.json()["status"] == "ok" and health.json()["entries"] >= 40
    assert health.json()["db"] == "ok"
    assert health.json()["pending_log_rows"] >= 0 and health.json()["dropped_log_rows"] == 0
    listing = live.request("GET", "/api/v1/faq").json()
    article = listing["articles"][0]
    assert article["slug"] == "what-is-bone-marrow-edema" and article["topic"] == \
        "bone marrow edema"
    assert {"id": "faq-what-is", "kind": "faq", "title": "What is bone marrow edema?"} in \
        article["entries"]
    assert {"id": "clinic-hours", "kind": "clinic", "title": "When is the clinic open?"} in \
        listing["entries"]
    assert len(article["entries"]) + len(listing["entries"]) == health.json()["entries"]


def test_single_entry_with_answer(live):
    entry = live.request("GET", "/api/v1/faq/faq-surgery").json()
    assert entry["id"] == "faq-surgery" and entry["kind"] == "faq"
    assert "rare" in entry["answer"].lower()
    missing = live.request("GET", "/api/v1/faq/no-such-entry")
    assert missing.status == 404 and error_of(missing) == "not_found"


def test_chat_answers_a_question(live):
    response = live.chat("can it heal by itself?", session_id="abc-123")
    assert response.status == 200
    body = response.json()
    assert set(body) >= {"answered", "reply", "match", "suggestions", "query_id"}
    assert body["answered"] is True
    assert body["match"]["id"] == "faq-heal-on-own"
    assert set(body["match"]) == {"id", "kind", "title", "score"}
    assert 0 < body["match"]["score"] <= 1
    assert body["reply"] and len(body["query_id"]) == 36


def test_off_topic_gets_fallback_with_contact_and_no_match(live):
    body = live.chat("what is the best recipe for lasagna?").json()
    assert body["answered"] is False and body["match"] is None
    assert "contact" in body["reply"].lower()
    assert "not medical advice" in body["reply"]


def test_unanswered_messages_reach_the_admin_api_newest_first(live):
    marker = "Do you sell lasagna recipes number"
    for i in range(2):
        assert live.chat(f"{marker} {i}?").json()["answered"] is False
    live.chat(f"{marker} 1?")  # a repeat is its own row: repeats show what matters
    answered = live.chat("what are the symptoms of bone marrow edema").json()
    assert answered["answered"] is True
    body = live.request("GET", "/api/v1/admin/unanswered?limit=3", headers=ADMIN).json()
    texts = [item["text"] for item in body["items"]]
    assert texts == [f"{marker} 1?", f"{marker} 1?", f"{marker} 0?"]
    assert body["total"] >= 3
    item = body["items"][0]
    assert set(item) >= {"id", "text", "created_at", "best_id", "best_score"}
    assert item["created_at"].endswith("Z")
    everything = live.request("GET", "/api/v1/admin/unanswered?limit=500", headers=ADMIN).json()
    assert not any("symptoms of bone marrow edema" in i["text"] for i in everything["items"])
    page2 = live.request("GET", "/api/v1/admin/unanswered?limit=1&offset=1", headers=ADMIN)
    assert page2.json()["items"][0]["id"] == body["items"][1]["id"]


def test_stored_text_is_redacted(live):
    live.chat("call me on 0532 123 45 67 or mail ayse@example.com about lasagna")
    items = live.request("GET", "/api/v1/admin/unanswered?limit=5", headers=ADMIN).json()["items"]
    stored = next(i["text"] for i in items if "lasagna" in i["text"])
    assert "[phone]" in stored and "[email]" in stored
    assert "0532" not in stored and "ayse@" not in stored


@pytest.mark.parametrize("headers, status, code", [
    ({}, 401, "unauthorized"),
    ({"Authorization": "Bearer wrong"}, 401, "unauthorized"),
    ({"Authorization": ADMIN_TOKEN}, 401, "unauthorized"),
    ({"Authorization": f"Basic {ADMIN_TOKEN}"}, 401, "unauthorized"),
    ({"Authorization": f"Bearer {ADMIN_TOKEN}x"}, 401, "unauthorized"),
])
def test_admin_needs_the_token(live, headers, status, code):
    response = live.request("GET", "/api/v1/admin/unanswered", headers=headers)
    assert response.status == status and error_of(response) == code


@pytest.mark.parametrize("header", [f"bearer {ADMIN_TOKEN}", f"BEARER {ADMIN_TOKEN}",
                                    f"  Bearer   {ADMIN_TOKEN}  "])
def test_admin_scheme_is_case_insensitive(live, header):
    response = live.request("GET", "/api/v1/admin/stats", headers={"Authorization": header})
    assert response.status == 200, response.body


def test_admin_paging_arguments_are_checked(live):
    for query in ("limit=0", "limit=abc", "offset=-1", "limit=100000"):
        response = live.request("GET", f"/api/v1/admin/unanswered?{query}", headers=ADMIN)
        assert response.status == 400, query


def test_feedback_on_an_answer(live):
    query_id = live.chat("is physical therapy effective").json()["query_id"]
    ok = live.request("POST", "/api/v1/feedback", json_body={"query_id": query_id,
                                                             "helpful": True})
    assert ok.status == 200 and ok.json() == {"ok": True}
    stats = live.request("GET", "/api/v1/admin/stats", headers=ADMIN).json()
    assert stats["helpful"] >= 1
    unknown = live.request("POST", "/api/v1/feedback",
                           json_body={"query_id": str(uuid.uuid4()), "helpful": False})
    assert unknown.status == 404 and error_of(unknown) == "not_found"
    # Not an id the chat hands out: refused before it reaches storage (never a 503).
    for bad in ("nope", query_id + "\x00", "\ud800" * 36, query_id.replace("-", "")):
        refused = live.request("POST", "/api/v1/feedback",
                               data=json.dumps({"query_id": bad, "helpful": True}).encode(),
                               headers=JSON)
        assert refused.status == 400 and error_of(refused) == "invalid_query_id", bad
    wrong = live.request("POST", "/api/v1/feedback", json_body={"query_id": query_id,
                                                                "helpful": "yes"})
    assert wrong.status == 400 and error_of(wrong) == "invalid_helpful"


JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("data, headers, status, code", [
    (b'{"message": ', JSON, 400, "invalid_json"),
    (b'{"message": "caf\xe9"}', JSON, 400, "invalid_utf8"),
    (b'["message"]', JSON, 400, "invalid_body"),
    (b'{}', JSON, 400, "missing_message"),
    (b'{"message": 42}', JSON, 400, "invalid_message"),
    (b'{"message": null}', JSON, 400, "missing_message"),
    (b'{"message": ["a"]}', JSON, 400, "invalid_message"),
    (b'{"message": "   \\n "}', JSON, 400, "empty_message"),
    (b'{"message": "' + b"a" * 501 + b'"}', JSON, 400, "message_too_long"),
    (b'{"message": "hi", "session_id": "../../etc"}', JSON, 400, "invalid_session_id"),
    (b'{"message": "hi", "session_id": 7}', JSON, 400, "invalid_session_id"),
    (b'{"message": "hi"}', {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
    (b'message=hi', {"Content-Type": "application/x-www-form-urlencoded"}, 415,
     "unsupported_media_type"),
    (b'{"message": "' + b"a" * 70000 + b'"}', JSON, 413, "payload_too_large"),
])
def test_bad_chat_requests_get_json_errors(live, data, headers, status, code):
    response = live.request("POST", "/api/v1/chat", data=data, headers=headers)
    assert response.status == status, response.body[:200]
    assert response.headers["Content-Type"].startswith("application/json")
    assert error_of(response) == code


def test_unknown_route_and_wrong_method_are_json(live):
    missing = live.request("GET", "/api/v1/nothing-here")
    assert missing.status == 404 and error_of(missing) == "not_found"
    wrong = live.request("GET", "/api/v1/chat")
    assert wrong.status == 405 and error_of(wrong) == "method_not_allowed"
    assert "POST" in wrong.headers["Allow"]
    assert b"<html" not in missing.body.lower() and b"Traceback" not in wrong.body


def test_hostile_markup_comes_back_as_plain_data(live):
    body = live.chat("<script>alert(1)</script><img src=x onerror=alert(2)>").json()
    assert body["answered"] is False
    assert "<script>" not in body["reply"]


def test_admin_is_off_without_a_token(tmp_path):
    server = start_server(tmp_path)
    try:
        response = server.request("GET", "/api/v1/admin/unanswered",
                                  headers={"Authorization": "Bearer anything"})
        assert response.status == 404 and error_of(response) == "not_found"
    finally:
        stop_server(server)


def test_database_down_still_answers(tmp_path):
    # Nothing listens on port 9: every write fails, the visitor still gets answers.
    server = start_server(tmp_path, ADMIN_TOKEN=ADMIN_TOKEN,
                          DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:9/none")
    try:
        answered = server.chat("how is bone marrow edema diagnosed?")
        assert answered.status == 200 and answered.json()["answered"] is True
        declined = server.chat("what is the capital of France?")
        assert declined.status == 200 and declined.json()["answered"] is False
        admin = server.request("GET", "/api/v1/admin/unanswered",
                               headers=ADMIN)
        assert admin.status == 503 and error_of(admin) == "unavailable"
    finally:
        stop_server(server)


def test_session_id_is_stored_only_as_a_digest(live, tmp_path):
    from sqlalchemy import create_engine, text

    live.chat("lasagna again", session_id="05321234567")
    live.logged()
    engine = create_engine(live.env["CHATBOT_DATABASE_URL"])
    with engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT session_id FROM exchanges"))]
    engine.dispose()
    assert "05321234567" not in stored
    assert any(s and len(s) == 16 for s in stored)


def test_readme_lists_every_error_code():
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "chatbot").glob("*.py"))
    codes = set(re.findall(r'ApiError\(\d{3}, "(\w+)"', source))  # raised by the API
    codes |= set(re.findall(r'\b\d{3}: \("(\w+)"', source))  # mapped from HTTP errors
    codes |= {"invalid_limit", "invalid_offset"}  # built as f"invalid_{name}"
    assert len(codes) > 20
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not [c for c in sorted(codes) if f"`{c}`" not in readme]
