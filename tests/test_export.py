"""Every CSV the project writes is spreadsheet-safe (one function, shared by CLI and admin API)."""

import csv
import io

import pytest

from chatbot.export import spreadsheet_safe, unanswered_csv


@pytest.mark.parametrize("cell, expected", [
    ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("   =1+1", "'   =1+1"),       # after leading spaces too
    ("＝1+1", "'＝1+1"),            # fullwidth
    ("how long does it take?", "how long does it take?"),
    ("3-6 months", "3-6 months"),   # a minus inside is fine
    (None, ""),
    (0.78, "0.78"),
])
def test_spreadsheet_safe(cell, expected):
    assert spreadsheet_safe(cell) == expected


def test_unanswered_csv_round_trips_text():
    items = [{"created_at": "2026-11-30T10:00:00Z", "text": 'a "quoted", multi\nline =1',
              "best_id": None, "best_score": None, "id": "q1", "lang": "tr"}]
    rows = list(csv.reader(io.StringIO(unanswered_csv(items))))
    assert rows[0] == ["created_at", "lang", "text", "best_id", "best_score", "id"]
    assert rows[1] == ["2026-11-30T10:00:00Z", "tr", 'a "quoted", multi\nline =1', "", "",
                       "q1"]
