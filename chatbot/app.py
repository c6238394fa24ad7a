"""create_app(): the only module that knows all the others."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from . import admin, api, config, journal, pages, redact, security, semantic
from .live import LiveBot
from .store import Store

log = logging.getLogger(__name__)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the Flask app: settings, knowledge + matcher, log database, routes, error pages."""
    settings = config.load(overrides)
    config.validate(settings)  # a guessable admin token stops start-up (ConfigError)
    # The log database and journal live in the clinic folder, wherever the command runs.
    app = Flask(__name__, static_folder=None,
                instance_path=str(config.instance_folder(settings)))
    app.config["CHATBOT"] = settings
    # Werkzeug stops reading past this and raises 413 before the body reaches the API.
    app.config["MAX_CONTENT_LENGTH"] = settings["MAX_BODY_BYTES"]
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    # Knowledge is validated and indexed at start (a broken file stops start-up with every
    # problem), then rebuilt in each worker whenever the file changes (live.py).
    # With CHATBOT_SEMANTIC=on the model loads here, once, and every rebuilt bot shares it.
    app.extensions["chatbot"] = LiveBot(settings["FAQ_PATH"], settings["VOCABULARY_PATH"],
                                        semantic=semantic.from_settings(settings))
    # The first question loads what is loaded lazily (red-flag rules, ~0.2 s): ask it here,
    # before gunicorn forks, rather than in every worker on a visitor's first chat.
    app.extensions["chatbot"].current().ask("hello")

    # Redaction's name lists and cue words load now: the first stored question does not wait
    # for them, and a broken data file stops start-up instead of a write.
    redact.lexicon()

    # The log database, reached under a deadline; nothing here waits for it to answer.
    url = settings["DATABASE_URL"] or _default_database(app)
    store = Store(url, timeout=settings["DATABASE_TIMEOUT"],
                  retention_days=settings["RETENTION_DAYS"])
    app.extensions["chatbot_store"] = store
    # Exchanges go to a local journal; its writer drains it into the database with retries, so
    # a database that is down, hung or locked delays no answer and loses no row.
    journal.init_app(app, store, settings["JOURNAL_PATH"]
                     or Path(app.instance_path) / "journal.sqlite3")

    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(pages.bp)
    # Rate limits, CORS allowlist and security headers wrap the routes registered above.
    security.init_app(app)
    _register_errors(app)
    return app


def _default_database(app: Flask) -> str:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + str(Path(app.instance_path) / "chatbot.sqlite3")


def _register_errors(app: Flask) -> None:
    # Under /api every error is JSON: no HTML page, no stack trace, no internal path.
    @app.errorhandler(api.ApiError)
    def _api_error(exc: api.ApiError):
        return api.error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not request.path.startswith("/api/"):
            return exc
        codes = {404: ("not_found", "No such endpoint."),
                 405: ("method_not_allowed", f"{request.method} is not allowed here."),
                 413: ("payload_too_large", "The request body is too large."),
                 429: ("rate_limited", "Too many requests; please wait a moment.")}
        code, message = codes.get(exc.code, (exc.name.lower().replace(" ", "_"), exc.name))
        response = api.error_response(exc.code or 500, code, message)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # The route's pattern, the error's type and where it happened; never the exception's
        # message or the path, which can carry what the visitor wrote.
        route = request.url_rule.rule if request.url_rule else "(no route)"
        log.error("unhandled %s on %s %s\n%s", type(exc).__name__, request.method, route,
                  "".join(traceback.format_tb(exc.__traceback__)).rstrip())
        if request.path.startswith("/api/"):
            return api.error_response(500, "internal_error", "Something went wrong on our side.")
        return "Internal server error", 500
