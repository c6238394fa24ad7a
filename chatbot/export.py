"""The unanswered questions as CSV for a spreadsheet: one column set for `chatbot unanswered
--csv` and the admin page's download (web/admin.js writes the same; a test compares the two)."""

from __future__ import annotations

import csv
import io
import re

COLUMNS = ("created_at", "text", "best_id", "best_score")
# A cell a spreadsheet would run as a formula (visitors' own text lands here): kept as text.
FORMULA = re.compile(r"\s*[=+\-@\t\r]")


def cell(value: object) -> str:
    """Return a value as the admin page writes it: null empty, numbers as JavaScript does."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    text = str(value)
    return "'" + text if FORMULA.match(text) else text


def unanswered_csv(items: list[dict]) -> str:
    """Return the unanswered questions as CSV: a header row, then one row per item."""
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerows([cell(item[name]) for name in COLUMNS] for item in items)
    return out.getvalue()
