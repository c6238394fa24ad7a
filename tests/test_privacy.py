"""Personal data sent to the live API is found nowhere it is kept or shown: not in the database,
the admin API, either CSV export (admin page and `chatbot unanswered --csv`) or the server log;
and no CSV cell can run as a spreadsheet formula.

Every shape of test_redact.SHAPES and every message of the red-team lists (tests/data/pii*.jsonl)
goes through a real server with SQLite, inside a message the bot cannot answer (a price question
before it), so its text is stored; with PostgreSQL, the shapes and every fourth list message
(the code path is the same; the database's column types are what differs).
"""

from __future__ import annotations

import csv
import io
import json
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import create_engine, text
from test_redact import PII, SHAPES, digits_of

from conftest import start_server, stop_server

TOKEN = "privacy-token-for-the-live-test"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
# A price question first, in the message's language: the bot declines it, so the whole
# message is stored (redacted).
DECLINED = "How much does it cost? "
DECLINED_TR = "Ücreti ne kadar? "
MESSAGES = [(row["text"], row["pii"]) for row in PII] + SHAPES
# Cells a spreadsheet would run as formulas (after the price question, and alone).
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "  +1+1 cmd", "-2+3", "@SUM(A1)",
            "\t=1+1", "\r=1+1"]


def leaks(blob: str, items: list[str]) -> list[str]:
    """The personal-data items found in blob, as written or as their digits alone."""
    found = [item for item in items if item in blob]
    digits = digits_of(blob)
    found += [item for item in items if len(digits_of(item)) >= 6 and digits_of(item) in digits]
    return found


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request):
    return request.param


@pytest.fixture
def server(request, database, tmp_path):
    settings = {"ADMIN_TOKEN": TOKEN, "RATE_LIMIT": "100000/minute"}
    if database == "postgresql":
        settings["DATABASE_URL"] = request.getfixturevalue("postgres_url")
    live = start_server(tmp_path, **settings)
    live.log_path = tmp_path / f"server-{urlsplit(live.url).port}.log"
    yield live
    stop_server(live)


def test_the_clinics_doctor_is_kept_in_what_is_stored(server):
    """The server tells the redactor the clinic it serves (its knowledge file's clinic block):
    the clinic's doctor stays in the stored question, the visitor and another doctor go."""
    reply = server.chat(DECLINED + "Dr. Özer said 6 weeks of rest, my GP Dr. Kaya said 3. "
                        "I'm Ayşe Demir.").json()
    assert not reply["answered"]
    items = server.request("GET", "/api/v1/admin/unanswered?limit=10", headers=ADMIN).json()
    text = next(i["text"] for i in items["items"] if i["id"] == reply["query_id"])
    assert "Dr. Özer said 6 weeks" in text
    assert "Kaya" not in text and "Ayşe" not in text and "Demir" not in text


def test_personal_data_is_stored_nowhere(server, database):
    messages = MESSAGES if database == "sqlite" else SHAPES + MESSAGES[:-len(SHAPES)][::4]
    # The log holds no visitor text at all: any message's data in it is a leak (short items
    # would match timestamps and durations).
    everything = [item for _, items in messages for item in items
                  if len(item) >= 4 and not (item.isdigit() and len(item) < 6)]
    expected: dict[str, list[str]] = {}     # query_id -> what must not be in its stored text
    stored = 0
    for i, (message, items) in enumerate(messages):
        for prefix in (DECLINED, DECLINED_TR):
            response = server.chat(prefix + message, session_id=f"ayse_kaya_05321234567_{i}")
            assert response.status == 200, response.body
            reply = response.json()
            expected[reply["query_id"]] = items
            if not reply["answered"]:
                break
        stored += not reply["answered"]
        if i % 50 == 0:  # the feedback path too
            server.request("POST", "/api/v1/feedback",
                           json_body={"query_id": reply["query_id"], "helpful": False})
    # Urgent messages keep no text at all; every other one must be stored for this to test much.
    assert stored >= 0.95 * len(messages)
    for formula in FORMULAS:
        for message in (formula, DECLINED + formula):
            stored += not server.chat(message).json()["answered"]
    # Free text in a path or a query string, and a malformed request line, reach the logs only
    # through redaction, or not at all.
    server.request("GET", "/api/v1/faq/" + quote("ayse.kaya@example.com 0532 123 45 67")
                   + "?q=" + quote("Ayşe Yılmaz TR330006100519786457841326"))
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    with socket.create_connection((host, port), timeout=5) as raw:
        raw.sendall(b"BROKEN 0532 123 45 67 ayse.kaya@example.com\r\n\r\n")
        raw.recv(1024)


    _check_journal(server, expected)    # the local journal is storage too: before the database

    api_items = []
    while True:
        page = server.request("GET", f"/api/v1/admin/unanswered?limit=500&offset={len(api_items)}",
                              headers=ADMIN).json()
        api_items += page["items"]
        if len(api_items) >= page["total"]:
            break
    for item in api_items:
        assert not leaks(item["text"], expected.get(item["id"], [])), item["text"]

    # The admin API waited for the journal to reach the database; now read that directly.
    rows = _database_rows(server.env["CHATBOT_DATABASE_URL"])
    # Unanswered rows are what the admin API and the CSV list; an answered message's text is
    # held too (a day, for a "not helpful" vote), and checked for leaks with the rest below.
    texts = [row["text"] for row in rows if row["text"] is not None and not row["answered"]]
    assert len(texts) >= stored
    assert sorted(i["text"] for i in api_items) == sorted(texts)
    for row in rows:
        assert not leaks(row["text"] or "", expected.get(row["id"], [])), row["text"]
        assert "ayse" not in str(row["session_id"]) and "0532" not in str(row["session_id"])
        # Every column, each on its own: the digits of a row's id, timestamp and digest run
        # together held a birth date's by chance ("...58-1-4a0c-b219-eea5..." -> "14021951").
        # (A year alone would match a timestamp's microseconds: ".195221" holds "1952".)
        items = [item for item in expected.get(row["id"], []) if len(item) >= 4
                 and not (item.isdigit() and len(item) < 6)]
        for value in row.values():
            assert not leaks(str(value) if value is not None else "", items), (value, row)
    _check_journal(server, expected)    # and after: what it still holds

    admin_csv = server.request("GET", "/api/v1/admin/unanswered.csv?limit=100000", headers=ADMIN)
    assert admin_csv.status == 200
    assert admin_csv.headers["Content-Type"].startswith("text/csv")
    cli = subprocess.run([sys.executable, "-m", "chatbot", "unanswered", "--csv", "--limit",
                          "100000"], env=server.env, capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parent.parent)
    assert cli.returncode == 0, cli.stderr
    for export in (admin_csv.body.decode(), cli.stdout):
        records = list(csv.DictReader(io.StringIO(export)))
        assert len(records) == len(texts)
        for record in records:
            assert not leaks(record["text"], expected.get(record["id"], [])), record["text"]
        # Spreadsheet-safe: no cell starts a formula, also after spaces (the text survives).
        cells = [cell for row in csv.reader(io.StringIO(export)) for cell in row]
        assert sum("HYPERLINK" in cell for cell in cells) == 2
        for cell in cells:
            assert cell.lstrip()[:1] not in ("=", "+", "-", "@") and cell[:1] not in "\t\r", cell

    stop_server(server)  # flush and close the log
    log = server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "GET /api/v1/faq/" in log and '"-" 400 ' in log    # both were logged...
    assert "?q=" not in log and "ip=127.0.0.1" not in log           # ...without query or IP
    assert '"GET /api/v1/admin/unanswered HTTP/1.1" 200 ' in log    # our own numbers stay
    for line in log.splitlines():
        assert not leaks(line, everything + ["ayse.kaya@example.com", "0532 123 45 67",
                                             "TR330006100519786457841326", "Yılmaz"]), line


def _check_journal(server, expected: dict[str, list[str]]) -> None:
    """The journal's entries (pending ones hold the exchange) leak nothing, nor do the lines
    of the processes' inboxes, where they are first written."""
    path = server.env["CHATBOT_JOURNAL_PATH"]
    spool = sqlite3.connect(path)
    try:
        payloads = list(spool.execute("SELECT query_id, payload FROM entries "
                                      "WHERE payload IS NOT NULL"))
    finally:
        spool.close()
    for inbox in Path(path + ".inbox").glob("*.log"):
        for line in inbox.read_text().splitlines():
            head, payload = line.split("\t", 1)
            payloads.append((json.loads(head)[1], payload))
    for query_id, payload in payloads:
        fields = json.loads(payload)
        # The visitor's words: the rest (a score, the time) has digits of its own, which a
        # one-digit item ("son rakamı 9 değil 8") would match.
        words = " ".join(fields.get(name) or "" for name in ("text", "comment"))
        assert not leaks(words, expected.get(query_id, [])), payload


def _database_rows(url: str) -> list[dict]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(text("SELECT * FROM exchanges"))]
    finally:
        engine.dispose()
