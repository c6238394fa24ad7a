"""What a public API needs: rate limits, a CORS allowlist and protective response headers."""

from __future__ import annotations

import threading
import time

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage
from werkzeug.middleware.proxy_fix import ProxyFix

# Pages we serve ourselves load nothing inline and nothing from elsewhere.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors {frame_ancestors}")


class LazyMemoryStorage(MemoryStorage):
    """`memory://` counters that expire on the requests' own thread, not a timer thread's.

    limits' MemoryStorage starts a threading.Timer (10 ms) on a hit whenever the last one has
    run: under load, a thread start every two or three chats, a third of the limiter's cost.
    Reading a counter already drops it once its window has passed (MemoryStorage.get); what
    the timer adds is sweeping the counters of clients that never came back, so they do not
    pile up. Here a hit does that sweep itself, at most once every SWEEP_EVERY seconds.
    Declaring the "memory" scheme makes limits build this class for `memory://` (its
    registry of storage schemes); Redis and the other schemes are untouched.
    """

    STORAGE_SCHEME = ["memory"]
    SWEEP_EVERY = 1.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timer.cancel()   # the one MemoryStorage starts on creation
        self._next_sweep = 0.0
        self._sweeping = threading.Lock()

    # MemoryStorage calls this (a private name) on every hit to make sure its timer runs.
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.time()
        if now >= self._next_sweep and self._sweeping.acquire(blocking=False):
            try:
                self._next_sweep = now + self.SWEEP_EVERY
                self._MemoryStorage__expire_events()
            finally:
                self._sweeping.release()


def init_app(app: Flask) -> None:
    """Attach the rate limiter and the header/CORS hooks to the app."""
    settings = app.config["CHATBOT"]
    if settings["TRUSTED_PROXIES"]:
        # Behind a proxy every request comes from the proxy: take the visitor's address from the
        # X-Forwarded-For entries the trusted proxies added (and only those: clients can forge).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings["TRUSTED_PROXIES"])
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=settings["RATE_LIMIT_STORAGE"],
        headers_enabled=True,
        # If the shared store (Redis) is down, limit per process rather than fail requests.
        in_memory_fallback_enabled=True,
        key_prefix="chatbot",
    )
    limit = settings["RATE_LIMIT"]
    for endpoint in ("api.chat", "api.feedback"):
        app.view_functions[endpoint] = limiter.limit(limit)(app.view_functions[endpoint])
    # Guessing the admin token: only failed logins count, shared by every admin endpoint, so a
    # client past the limit gets 429 (even with the right token, until the window passes).
    failed_login = limiter.shared_limit(settings["ADMIN_LOGIN_LIMIT"], scope="admin-login",
                                        deduct_when=lambda response: response.status_code == 401)
    admin = {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/admin/")}
    for endpoint in admin:
        app.view_functions[endpoint] = failed_login(app.view_functions[endpoint])
    app.extensions["chatbot_limiter"] = limiter

    origins = {o.strip().rstrip("/") for o in settings["CORS_ORIGINS"].split(",") if o.strip()}
    csp = PAGE_CSP.format(frame_ancestors=settings["FRAME_ANCESTORS"])

    @app.after_request
    def _headers(response):
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
            origin = request.headers.get("Origin", "").rstrip("/")
            if origin and origin in origins:
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Access-Control-Allow-Headers"] = "Content-Type"
                response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
                response.headers["Access-Control-Max-Age"] = "600"
                response.vary.add("Origin")
        elif response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = csp
        return response
