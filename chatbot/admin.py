"""The staff API under /api/v1/admin (Bearer token): what visitors asked, and teaching the bot.

    GET  /admin/unanswered?lang=L             unanswered messages, newest first, each with its
                                              language (all languages without ?lang)
    GET  /admin/unanswered.csv?lang=L         the same as CSV (as `chatbot unanswered --csv`)
    GET  /admin/stats?days=N                  counts, per day, per language, top entries
    GET  /admin/clusters?lang=L               reviewable messages grouped by meaning
    POST /admin/clusters/<id>/dismiss         staff have seen it: out of the review
    POST /admin/entries/<id>/alternates       add a visitor's wording to an entry
    POST /admin/entries                       a new entry for a question not covered yet
    PATCH /admin/entries/<id>                 fix an entry's title or answer in a language
    GET  /admin/versions                      the knowledge file's versions, current first
    POST /admin/versions/<id>/restore         put one back
    GET  /admin/knowledge                     what this worker serves; the file's problems

Every change goes through editor.py (validated, atomic, the previous file kept, writers queued on
its lock); this worker then serves it at once, the others on their next request
(live.py). Every route is in chatbot/data/openapi.json too.
"""

from __future__ import annotations

import hmac
from contextlib import contextmanager

from flask import Blueprint, current_app, jsonify, request

from . import editor, export, review
from .api import ApiError, checked_lang, json_body
from .errors import EditError, KnowledgeError, NotFound, StoreError
from .redact import strip_control

bp = Blueprint("admin", __name__, url_prefix="/api/v1/admin")

MAX_ANSWER_CHARS = 5000
MAX_ALTERNATES = 50


def _require_admin() -> None:
    token = current_app.config["CHATBOT"]["ADMIN_TOKEN"]
    if not token:
        raise ApiError(404, "not_found", "The requested URL was not found.")
    # The scheme is case-insensitive (RFC 9110 section 11.1); spaces around are tolerated.
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                            token.encode()):
        # Each 401 counts against the client's ADMIN_LOGIN_LIMIT (security.py).
        raise ApiError(401, "unauthorized", "A valid 'Authorization: Bearer <token>' is needed.")


def _live():
    return current_app.extensions["chatbot"]


def _store():
    return current_app.extensions["chatbot_store"]


def _journal():
    return current_app.extensions["chatbot_journal"]


def _path() -> str:
    return current_app.config["CHATBOT"]["FAQ_PATH"]


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"invalid_{name}", f"'{name}' must be a whole number.") from None
    if not low <= value <= high:
        raise ApiError(400, f"invalid_{name}", f"'{name}' must be between {low} and {high}.")
    return value


def _lang_arg() -> str | None:
    """The `?lang=` filter: one of the knowledge file's languages, or None (all of them)."""
    lang = request.args.get("lang")
    return None if lang is None else checked_lang(lang)


def _unavailable() -> ApiError:
    return ApiError(503, "unavailable", "The log database is unavailable.")


# -- what visitors asked -----------------------------------------------------------------------

def _unanswered(default_limit: int, max_limit: int) -> tuple[list[dict], int]:
    """The unanswered questions the request's limit, offset and lang ask for, and their total."""
    _require_admin()
    limit = _int_arg("limit", default_limit, 1, max_limit)
    offset = _int_arg("offset", 0, 0, 10**9)
    lang = _lang_arg()
    _journal().settle()   # staff see what was asked a moment ago (when the database is up)
    try:
        return _store().unanswered(limit=limit, offset=offset, lang=lang)
    except StoreError:
        raise _unavailable() from None


@bp.get("/unanswered")
def unanswered():
    items, total = _unanswered(50, 500)
    return jsonify({"items": items, "total": total})


@bp.get("/unanswered.csv")
def unanswered_csv():
    items, _ = _unanswered(1000, 100000)
    # Built here, as `chatbot unanswered --csv` builds it: one function neutralises formulas.
    return current_app.response_class(
        export.unanswered_csv(items), mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="unanswered.csv"'})


@bp.get("/stats")
def stats():
    _require_admin()
    raw = request.args.get("days", "30")
    if not raw.isdigit() or not 1 <= int(raw) <= 3650:
        raise ApiError(400, "invalid_days", "'days' must be a whole number from 1 to 3650.")
    _journal().settle()
    try:
        figures = _store().stats(int(raw))
    except StoreError:
        raise _unavailable() from None
    kb = _live().current().knowledge
    for row in figures["top_entries"]:
        entry = kb.get(row["id"])
        row["title"] = entry.question if entry else None   # an entry removed since: no title
    return jsonify(figures)


def _clusters(limit: int | None = None, lang: str | None = None) -> list[dict]:
    _journal().settle()
    retention = current_app.config["CHATBOT"]["RETENTION_DAYS"]
    try:
        items = _store().review(days=retention)
    except StoreError:
        raise _unavailable() from None
    if lang is not None:   # clusters never mix languages: filtering first changes none
        items = [item for item in items if item["lang"] == lang]
    return review.clusters(_live().current(), items, limit=limit)


@bp.get("/clusters")
def clusters():
    _require_admin()
    limit = _int_arg("limit", 100, 1, 1000)
    found = _clusters(limit, _lang_arg())
    for cluster in found:
        del cluster["members"]   # exchange ids: for dismissing, not for showing
    return jsonify({"clusters": found})


@bp.post("/clusters/<cluster_id>/dismiss")
def dismiss(cluster_id: str):
    _require_admin()
    found = next((c for c in _clusters() if c["id"] == cluster_id), None)
    if found is None:
        raise ApiError(404, "not_found", f"No cluster {cluster_id!r} to review (dismissed "
                                         "already, or its messages are gone).")
    try:
        count = _store().dismiss(found["members"])
    except StoreError:
        raise _unavailable() from None
    return jsonify({"dismissed": count})


# -- teaching the bot -------------------------------------------------------------------------

def _clean(value) -> str | None:
    """A string field as stored: control characters out, trimmed; None if nothing is left."""
    if not isinstance(value, str):
        return None
    return strip_control(value).strip() or None


def _too_long(name: str, value: object, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        raise ApiError(400, "text_too_long",
                       f"'{name}' has {len(value)} characters; the limit is {limit}.")


def _lang(body: dict, text: str) -> str:
    lang = body.get("lang")
    return _live().current().language_of(text) if lang is None else checked_lang(lang)


@contextmanager
def _editing():
    """Map the editor's errors to API errors; on success, serve the new content in this worker."""
    try:
        yield
    except NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except KnowledgeError as exc:
        raise _invalid(exc) from None
    except EditError as exc:
        raise ApiError(409, "edit_conflict", str(exc)) from None
    _live().reload()


def _apply(edit, *, action: str, summary: str):
    """Write a change to the knowledge file and serve it in this worker at once."""
    with _editing():
        result, written = editor.change(_path(), edit, action=action, summary=summary)
    return result, written


def _invalid(exc: KnowledgeError) -> ApiError:
    """The file on disk is broken (fix it or restore a version), or the change would break it."""
    problems = "; ".join(exc.problems[:5])
    return ApiError(422, "invalid_change",
                    f"Nothing was written: the knowledge file would not be valid ({problems}). "
                    "If the file on disk is broken, restore a version.")


def _reply_to(text: str, lang: str) -> dict:
    reply = _live().current().ask(text, lang=lang)
    return {"answered": reply.answered,
            "match": reply.match.public() if reply.match else None}


def _current_version() -> dict | None:
    found = editor.history(_path())
    return found[0].public() if found else None


@bp.post("/entries/<path:entry_id>/alternates")
def add_alternate(entry_id: str):
    _require_admin()
    body = json_body()
    # Limits count what was sent (as the chat's do): cleaning can change a text's length.
    _too_long("text", body.get("text"), current_app.config["CHATBOT"]["MAX_MESSAGE_CHARS"])
    text = _clean(body.get("text"))
    if text is None:
        raise ApiError(400, "invalid_text", "'text' must be a non-empty string.")
    lang = _lang(body, text)
    where, written = _apply(editor.add_alternate(entry_id, text, lang),
                            action="add-alternate",
                            summary=f"{entry_id}: alternate {text!r} ({lang})")
    entry = _live().current().knowledge.get(entry_id)
    return jsonify({"added": written, "entry": {"id": entry_id, "title": entry.question},
                    "lang": where or lang, "reply": _reply_to(text, lang),
                    "version": _current_version()})


@bp.post("/entries")
def add_entry():
    _require_admin()
    body = json_body()
    limit = current_app.config["CHATBOT"]["MAX_MESSAGE_CHARS"]
    _too_long("question", body.get("question"), limit)
    _too_long("answer", body.get("answer"), MAX_ANSWER_CHARS)
    question, answer = _clean(body.get("question")), _clean(body.get("answer"))
    if question is None:
        raise ApiError(400, "invalid_question", "'question' must be a non-empty string.")
    if answer is None:
        raise ApiError(400, "invalid_answer", "'answer' must be a non-empty string.")
    alternates = body.get("alternates", [])
    if not isinstance(alternates, list) or len(alternates) > MAX_ALTERNATES or not all(
            isinstance(a, str) and strip_control(a).strip() and len(a) <= limit
            for a in alternates):
        raise ApiError(400, "invalid_alternates",
                       f"'alternates' must be a list of at most {MAX_ALTERNATES} non-empty "
                       f"strings of at most {limit} characters.")
    kind = body.get("kind", "faq")
    if kind not in ("faq", "clinic"):
        raise ApiError(400, "invalid_kind", "'kind' must be \"faq\" or \"clinic\" (a clinic "
                                            "entry's answer ends with the clinic's contact).")
    lang = _lang(body, question)
    new_id, _ = _apply(editor.add_entry(question, answer, lang=lang, kind=kind,
                                        alternates=[strip_control(a).strip()
                                                    for a in alternates]),
                       action="add-entry", summary=f"new entry: {question!r} ({lang})")
    entry = _live().current().knowledge.get(new_id)
    response = jsonify({"entry": entry.public(lang), "reply": _reply_to(question, lang),
                        "version": _current_version()})
    response.status_code = 201
    return response


# No slash in the id (unlike the alternates route): PATCH /entries/<id>/alternates must stay a
# 405, not an edit of an entry "<id>/alternates". `chatbot edit-answer` takes any id.
@bp.patch("/entries/<entry_id>")
def edit_entry(entry_id: str):
    _require_admin()
    body = json_body()
    _too_long("title", body.get("title"), current_app.config["CHATBOT"]["MAX_MESSAGE_CHARS"])
    _too_long("answer", body.get("answer"), MAX_ANSWER_CHARS)
    title, answer = _clean(body.get("title")), _clean(body.get("answer"))
    if body.get("title") is not None and title is None:
        raise ApiError(400, "invalid_title", "'title' must be a non-empty string.")
    if body.get("answer") is not None and answer is None:
        raise ApiError(400, "invalid_answer", "'answer' must be a non-empty string.")
    if title is None and answer is None:
        raise ApiError(400, "nothing_to_change", "Give a 'title', an 'answer' or both.")
    entry = _live().current().knowledge.get(entry_id)
    if entry is None:
        raise ApiError(404, "not_found", f"No entry with id {entry_id!r}.")
    lang = entry.lang if body.get("lang") is None else checked_lang(body["lang"])
    if not entry.has(lang) and (title is None or answer is None):
        raise ApiError(400, "incomplete_translation",
                       f"Entry {entry_id!r} has no {lang} text yet: give both a 'title' and "
                       "an 'answer' to write one.")
    what = " and ".join(n for n, v in (("title", title), ("answer", answer)) if v is not None)
    _, written = _apply(editor.edit_entry(entry_id, lang, title=title, answer=answer),
                        action="edit-entry", summary=f"{entry_id}: {what} edited ({lang})")
    entry = _live().current().knowledge.get(entry_id)
    return jsonify({"changed": written, "entry": entry.public(lang),
                    "reply": _reply_to(entry.text(lang).question, lang),
                    "version": _current_version()})


# -- versions ------------------------------------------------------------------------------------

@bp.get("/versions")
def versions():
    _require_admin()
    return jsonify({"versions": [v.public() for v in editor.history(_path())]})


@bp.post("/versions/<version_id>/restore")
def restore(version_id: str):
    _require_admin()
    if version_id == "current":
        raise ApiError(409, "already_current", "That version is the current content.")
    with _editing():
        version = editor.find_version(_path(), version_id)
        editor.restore(_path(), version.path,
                       summary=f"restored the version of {version.public()['created_at']} "
                               f"({version.action}: {version.summary})"[:300])
    return jsonify({"restored": version_id, "version": _current_version()})


@bp.get("/knowledge")
def knowledge_state():
    _require_admin()
    live = _live()
    live.current()
    return jsonify(live.status())
