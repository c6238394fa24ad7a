"""HTTP API under /api/v1: parse and validate, call the core, shape JSON. Nothing else."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import uuid

from flask import Blueprint, current_app, jsonify, request

from .errors import StoreError
from .export import unanswered_csv
from .redact import strip_control

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class ApiError(Exception):
    """An error answered as `{"error": {"code", "message"}}` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _bot():
    return current_app.extensions["chatbot"]


def _store():
    return current_app.extensions["chatbot_store"]


def _settings() -> dict:
    return current_app.config["CHATBOT"]


def json_body() -> dict:
    """Return the request's JSON object or raise ApiError saying what is wrong with it."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type",
                       "Send the body as JSON with 'Content-Type: application/json'.")
    raw = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_utf8", "The body is not valid UTF-8.") from None
    try:
        body = json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json",
                       f"The body is not valid JSON (line {exc.lineno}, column {exc.colno}).") \
            from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "The body must be a JSON object.")
    return body


@bp.post("/chat")
def chat():
    body = json_body()
    message = body.get("message")
    if message is None:
        raise ApiError(400, "missing_message", "The body needs a 'message' string.")
    if not isinstance(message, str):
        raise ApiError(400, "invalid_message", "'message' must be a string.")
    message = strip_control(message)
    if not message.strip():
        raise ApiError(400, "empty_message", "'message' is empty.")
    limit = _settings()["MAX_MESSAGE_CHARS"]
    if len(message) > limit:
        raise ApiError(400, "message_too_long",
                       f"'message' has {len(message)} characters; the limit is {limit}.")
    session_id = body.get("session_id")
    if session_id is not None and (not isinstance(session_id, str)
                                   or not SESSION_ID.fullmatch(session_id)):
        raise ApiError(400, "invalid_session_id",
                       "'session_id' must be 1-64 letters, digits, '-' or '_'.")

    reply = _bot().ask(message)
    query_id = str(uuid.uuid4())
    _log_exchange(query_id, reply, message, session_id)
    return jsonify({
        "answered": reply.answered,
        "reply": reply.text,
        "match": reply.match.public() if reply.match else None,
        "suggestions": [{"id": s.id, "title": s.title, "score": s.score}
                        for s in reply.suggestions],
        "source": reply.match.source if reply.match else None,
        "query_id": query_id,
    })


def _log_exchange(query_id: str, reply, message: str, session_id: str | None) -> None:
    best = reply.best
    # Urgent messages keep only their category: what someone wrote in an emergency is theirs.
    keep_text = not reply.answered and reply.reason != "urgent"
    try:
        _store().record(
            query_id=query_id, answered=reply.answered, reason=reply.reason,
            match_id=reply.match.id if reply.match else None,
            score=reply.match.score if reply.match else None,
            best_id=best.id if best else None, best_score=best.score if best else None,
            # The store redacts it: every path that writes text goes through the same function.
            category=reply.category, text=message if keep_text else None,
            # Only a digest: whatever a client put in its session id is never stored.
            session_id=hashlib.sha256(session_id.encode()).hexdigest()[:16] if session_id
            else None)
    except StoreError:
        log.warning("exchange %s not logged: database unavailable", query_id)


@bp.get("/health")
def health():
    return jsonify({"status": "ok", "entries": len(_bot().knowledge)})


@bp.get("/faq")
def faq_list():
    return jsonify({"entries": [{"id": e.id, "kind": e.kind, "title": e.question}
                                for e in _bot().knowledge.entries]})


@bp.get("/faq/<path:entry_id>")
def faq_entry(entry_id: str):
    entry = _bot().knowledge.get(entry_id)
    if entry is None:
        raise ApiError(404, "not_found", f"No entry with id {entry_id!r}.")
    return jsonify(entry.public())


@bp.get("/clinic")
def clinic():
    return jsonify(_bot().clinic.public())


@bp.post("/feedback")
def feedback():
    body = json_body()
    query_id, helpful = body.get("query_id"), body.get("helpful")
    if not isinstance(query_id, str) or not query_id:
        raise ApiError(400, "invalid_query_id", "'query_id' must be the id from a chat reply.")
    if not isinstance(helpful, bool):
        raise ApiError(400, "invalid_helpful", "'helpful' must be true or false.")
    try:
        found = _store().feedback(query_id, helpful)
    except StoreError:
        raise ApiError(503, "unavailable", "Feedback cannot be saved right now.") from None
    if not found:
        raise ApiError(404, "not_found", "No chat reply with that 'query_id'.")
    return jsonify({"ok": True})


def _require_admin() -> None:
    token = _settings()["ADMIN_TOKEN"]
    if not token:
        raise ApiError(404, "not_found", "The requested URL was not found.")
    header = request.headers.get("Authorization", "")
    given = header[7:] if header.startswith("Bearer ") else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise ApiError(401, "unauthorized", "A valid 'Authorization: Bearer <token>' is needed.")


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


@bp.get("/admin/unanswered")
def admin_unanswered():
    _require_admin()
    limit = _int_arg("limit", 50, 1, 500)
    offset = _int_arg("offset", 0, 0, 10**9)
    try:
        items, total = _store().unanswered(limit=limit, offset=offset)
    except StoreError:
        raise ApiError(503, "unavailable", "The log database is unavailable.") from None
    return jsonify({"items": items, "total": total})


@bp.get("/admin/unanswered.csv")
def admin_unanswered_csv():
    _require_admin()
    limit = _int_arg("limit", 1000, 1, 100000)
    offset = _int_arg("offset", 0, 0, 10**9)
    try:
        items, _ = _store().unanswered(limit=limit, offset=offset)
    except StoreError:
        raise ApiError(503, "unavailable", "The log database is unavailable.") from None
    # Built here, as `chatbot unanswered --csv` builds it: one function neutralises formulas.
    return current_app.response_class(
        unanswered_csv(items), mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="unanswered.csv"'})


@bp.get("/admin/stats")
def admin_stats():
    _require_admin()
    try:
        return jsonify(_store().stats())
    except StoreError:
        raise ApiError(503, "unavailable", "The log database is unavailable.") from None
