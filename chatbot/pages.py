"""The browser-facing files in web/: the widget script and stylesheet, the demo and admin pages."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, request, send_from_directory

WEB = Path(__file__).resolve().parent.parent / "web"

bp = Blueprint("pages", __name__)

# Only these files are served: nothing else in web/ (or above it) is reachable.
FILES = {"": "index.html", "tr": "index.tr.html", "demo.css": "demo.css", "widget.js": "widget.js",
         "widget.css": "widget.css", "admin": "admin.html", "admin.js": "admin.js",
         "admin.css": "admin.css"}


@bp.get("/favicon.ico")
def favicon():
    return "", 204


@bp.get("/")
@bp.get("/<name>")
def page(name: str = ""):
    if name == "" and request.args.get("lang") in FILES:  # /?lang=tr: the Turkish demo page
        name = request.args["lang"]
    filename = FILES.get(name)
    if filename is None or not (WEB / filename).is_file():
        abort(404)
    response = send_from_directory(WEB, filename, max_age=300)
    if filename.startswith("widget."):
        # The widget is loaded by other origins' pages.
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response
