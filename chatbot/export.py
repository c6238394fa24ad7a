"""CSV for spreadsheets: the one function every CSV the project writes goes through.

A cell that a spreadsheet would read as a formula (=, +, -, @, or a tab or carriage return
first, also after leading spaces) gets a leading apostrophe, so `=HYPERLINK(...)` typed by a
visitor shows as text when staff open the file (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io

UNANSWERED_COLUMNS = ("created_at", "lang", "text", "best_id", "best_score", "id")
# Fullwidth forms too: some spreadsheets fold them to ASCII before parsing a formula.
FORMULA_START = frozenset("=+-@＝＋－＠")


def spreadsheet_safe(value) -> str:
    """Return a cell's text that no spreadsheet will evaluate as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("\t", "\r") or text.lstrip()[:1] in FORMULA_START:
        return "'" + text
    return text


def to_csv(columns, rows) -> str:
    """Render rows (dicts) as CSV with a header, every cell made spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([spreadsheet_safe(row.get(column)) for column in columns])
    return out.getvalue()


def unanswered_csv(items: list[dict]) -> str:
    """The unanswered-questions CSV, as `chatbot unanswered --csv` and the admin page write it."""
    return to_csv(UNANSWERED_COLUMNS, items)
