"""The `chatbot` command: a thin shell over the same objects the server uses."""

from __future__ import annotations

import errno
import json
import re
import shlex
import socket
import sys
from pathlib import Path

import click

from . import config, knowledge
from .errors import ChatbotError, ConfigError, KnowledgeError, StoreError


def _settings(**overrides) -> dict:
    try:
        return config.load({k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _knowledge_error(exc: KnowledgeError) -> click.ClickException:
    """The error, and where a clinic folder comes from when there is no knowledge file."""
    message = str(exc)
    if not Path(exc.path).exists():
        message += ("\nNo knowledge file there. Make a clinic folder with `chatbot init DIR`, "
                    "then run commands inside it or set CHATBOT_HOME=DIR.")
    return click.ClickException(message)


def _bot(faq_path: str | None = None):
    from .dialogue import Chatbot
    from .semantic import from_settings

    settings = _settings()
    try:
        return Chatbot.from_file(faq_path or settings["FAQ_PATH"],
                                 vocabulary_path=settings["VOCABULARY_PATH"],
                                 semantic=from_settings(settings))
    except KnowledgeError as exc:
        raise _knowledge_error(exc) from None
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _store(*, drain: bool = True):
    from .app import create_app

    try:
        app = create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    except KnowledgeError as exc:
        raise _knowledge_error(exc) from None
    if drain:
        # What the journal kept while the database was out reaches it before it is read.
        pending = app.extensions["chatbot_journal"].drain()
        if pending:
            click.echo(f"({pending} exchange(s) still in the journal, not yet in the database)",
                       err=True)
    return app.extensions["chatbot_store"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Self-hosted FAQ chatbot for a medical clinic.

    Settings come from CHATBOT_* environment variables (see `chatbot settings`). The clinic's
    files are found in its folder: CHATBOT_HOME, else the current directory if it holds a
    faq.json (`chatbot init DIR` makes one).
    """


@main.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--name", required=True, help="The clinic's name, as visitors see it.")
@click.option("--languages", "codes", default="en,tr", show_default=True,
              help="The clinic's languages, comma-separated, the default first.")
@click.option("--topic", help="What the clinic's articles are about, in the default language "
                              "(the bot's own texts name it). Default: 'this condition'.")
def init(folder: str, name: str, codes: str, topic: str | None):
    """Make a new clinic's folder: knowledge file (clinic details, small talk, no articles),
    vocabularies, instance folder, settings example; then print the next steps."""
    from . import starter
    from .errors import StarterError

    try:
        made = starter.make(folder, [c.strip() for c in codes.split(",") if c.strip()],
                            name=name, topic=topic)
    except StarterError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"made the clinic folder {made.folder}:")
    for file_name, meaning in made.files:
        click.echo(f"  {file_name:<22} {meaning}")
    click.echo("next steps:")
    if Path.cwd().resolve() != made.folder:
        where = shlex.quote(str(made.folder))
        click.echo(f"  cd {where}  (or export CHATBOT_HOME={where})")
    steps = [("chatbot import ARTICLE.txt --url URL", "add an article from the clinic's site "
                                                     "(.txt, .md or .html)"),
              ('chatbot clinic set phone "+90 212 555 01 23"',
               "and email, booking_url, address, hours"),
              ("chatbot check", "what is still missing"),
              ("chatbot serve", "the bot, the widget and the demo page on "
                                "http://127.0.0.1:8000")]
    width = max(len(command) for command, _ in steps)
    for command, meaning in steps:
        click.echo(f"  {command:<{width}}  {meaning}")
    click.echo("On the clinic's site: docs/embedding.md (the script tag, CHATBOT_CORS_ORIGINS).")


@main.group(invoke_without_command=True)
@click.pass_context
def clinic(ctx):
    """Show the clinic's details (name, hours, contact), per language; `set` changes one."""
    if ctx.invoked_subcommand is not None:
        return
    path = _settings()["FAQ_PATH"]
    try:
        kb = knowledge.load(path)
    except KnowledgeError as exc:
        raise _knowledge_error(exc) from None
    click.echo(f"{path}:")
    for name in knowledge.CLINIC_FIELDS:
        value = getattr(kb.clinic, name)
        others = [f"{lang}: {local[name]}" for lang, local in kb.clinic.translations.items()
                  if name in local and local[name] != value]
        click.echo(f"  {name:<16} {value or '(not set)'}"
                   + (f"  ({'; '.join(others)})" if others else ""))
    for warning in knowledge.warnings(kb):
        if warning.startswith("clinic:"):
            click.echo(f"warning: {warning}")


@clinic.command(name="set")
@click.argument("field", type=click.Choice(knowledge.CLINIC_FIELDS))
@click.argument("value", required=False)
@click.option("--lang", help="Set it for one language only (the others keep theirs).")
@click.option("--unset", is_flag=True, help="Remove the value (the field is shown nowhere).")
def clinic_set(field: str, value: str | None, lang: str | None, unset: bool):
    """Set one of the clinic's details, e.g. `chatbot clinic set phone "+90 212 555 01 23"`.

    Written to the knowledge file, checked first (a malformed e-mail, phone or address is
    refused); the previous file is kept in <name>.versions/.
    """
    from . import editor

    if (value is None) != unset:
        raise click.UsageError("give a VALUE, or --unset to remove it")
    path = _settings()["FAQ_PATH"]
    try:
        doc = editor.load(path)
    except KnowledgeError as exc:
        raise _knowledge_error(exc) from None
    languages = list(doc.data.get("languages") or ["en"])
    if lang is not None and lang not in languages:
        raise click.BadParameter(f"must be one of: {', '.join(languages)}", param_hint="--lang")

    def change(data):
        block = data.setdefault("clinic", {})
        if lang is None:
            block[field] = None if unset else value
            return data, None
        current = block.get(field)
        if current is None and lang != languages[0] and not unset:
            raise click.UsageError(
                f"{field} has no value yet: set the default language's first (chatbot clinic "
                f"set {field} VALUE --lang {languages[0]}, or without --lang for every "
                "language)")
        texts = dict(current) if isinstance(current, dict) else \
            {code: current for code in languages if current is not None}
        if unset:
            texts.pop(lang, None)
        else:
            texts[lang] = value
        # A value in some languages only: the default language's stands in for the others.
        block[field] = texts or None
        return data, None

    try:
        doc.apply(change)
    except KnowledgeError as exc:
        problems = [p for p in exc.problems if p.startswith(f"clinic: {field}")] or exc.problems
        raise click.ClickException("nothing written: " + "; ".join(problems)) from None
    kb = doc.validate()
    shown = getattr(kb.clinic.in_language(lang or kb.default_language), field)
    click.echo(f"clinic {field}" + (f" ({lang})" if lang else "") + f": {shown or '(not set)'}")
    if not doc.changed:
        click.echo(f"{path}: already so, nothing written")
        return
    try:
        kept = doc.write(action="clinic-set",
                         summary=f"clinic {field}" + (f" ({lang})" if lang else ""))
    except (ChatbotError, OSError) as exc:
        raise click.ClickException(f"nothing written: {exc}") from None
    for warning in knowledge.warnings(kb):
        if warning.startswith(f"clinic: {field}"):
            click.echo(f"warning: {warning}")
    click.echo(f"wrote {path}" + (f" (previous version: {kept})" if kept else "")
               + "; a running server picks it up by itself")

@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes. Above 1, set CHATBOT_RATE_LIMIT_STORAGE to Redis so the "
                   "processes share their rate-limit counters.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256),
              help="Threads per worker.")
def serve(host: str, port: int, workers: int, threads: int):
    """Serve the API, the widget and the admin page (gunicorn workers, waitress HTTP)."""
    from . import server
    from .app import create_app

    _check_port(host, port)
    try:
        app = create_app()
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)  # a configuration problem, like a usage error: fix it, don't retry
    except KnowledgeError as exc:
        raise click.ClickException(str(exc)) from None
    store, journal = app.extensions["chatbot_store"], app.extensions["chatbot_journal"]
    click.echo(f"knowledge: {app.config['CHATBOT']['FAQ_PATH']} "
               f"({len(app.extensions['chatbot'].current().knowledge)} entries)")
    # Bounded by CHATBOT_DATABASE_TIMEOUT: a database that is down or hangs delays start-up a
    # few seconds at most, and the server starts anyway.
    db_ok = store.connect()
    journal.record_db_state(db_ok)
    click.echo(f"database:  {store.safe_url}" + ("" if db_ok else
               "  DOWN: answering anyway; exchanges wait in the journal until it is back"))
    status = journal.status()
    click.echo(f"journal:   {journal.spool.path} ({status['pending']} exchange(s) pending)")
    admin = "on" if app.config["CHATBOT"]["ADMIN_TOKEN"] else "off (set CHATBOT_ADMIN_TOKEN)"
    click.echo(f"admin API: {admin}")
    click.echo(f"serving on http://{host}:{port}  (demo page: /, widget: /widget.js)")
    store.dispose()  # each worker opens its own connections after the fork
    settings = app.config["CHATBOT"]
    server.serve(app, host=host, port=port, workers=workers, threads=threads,
                 client_timeout=settings["CLIENT_TIMEOUT"],
                 max_body_bytes=settings["MAX_BODY_BYTES"],
                 # Each worker starts its journal threads (replaying what a previous run left)
                 # and puts what it holds in memory on disk when it exits.
                 hooks={"post_worker_init": lambda worker: journal.start(),
                        "worker_exit": lambda server, worker: journal.stop()})


def _check_port(host: str, port: int) -> None:
    """Exit 2 with a clear message unless host:port can be bound (gunicorn would fail later)."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        click.echo(f"Error: cannot listen on {host}: {exc.strerror}. Check --host.", err=True)
        sys.exit(2)
    family, kind, proto, _, address = addresses[0]
    with socket.socket(family, kind, proto) as probe:
        # As gunicorn does: a port whose last connections are in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                reason = "is already in use (another `chatbot serve` or another program)"
            elif exc.errno == errno.EACCES:
                reason = "needs more privileges (ports below 1024 are reserved)"
            else:
                reason = f"cannot be used: {exc.strerror}"
            click.echo(f"Error: port {port} on {host} {reason}. Stop that program or pick "
                       "another port: chatbot serve --port 8080 (make run PORT=8080).", err=True)
            sys.exit(2)


@main.command()
@click.argument("message")
@click.option("--json", "as_json", is_flag=True, help="Print the reply as the API's JSON.")
@click.option("--faq", "faq_path", help="Knowledge file (default: CHATBOT_FAQ_PATH).")
@click.option("--lang", help="Language hint (en, tr...): used when the message could be "
                             "either; a message clearly in another language is answered in it.")
def ask(message: str, as_json: bool, faq_path: str | None, lang: str | None):
    """Ask the bot one question and print its reply (in the question's language)."""
    bot = _bot(faq_path)
    if lang is not None and lang not in bot.languages:
        raise click.BadParameter(f"must be one of: {', '.join(bot.languages)}",
                                 param_hint="--lang")
    reply = bot.ask(message, lang=lang)
    if as_json:
        click.echo(json.dumps({
            "answered": reply.answered, "reply": reply.text,
            "match": reply.match.public() if reply.match else None,
            "suggestions": [{"id": s.id, "title": s.title, "score": s.score}
                            for s in reply.suggestions], "lang": reply.lang},
            ensure_ascii=False, indent=2))
        return
    click.echo(reply.text)
    if reply.match:
        click.echo(f"\n[{reply.match.id}, score {reply.match.score:.2f}]")
    if reply.suggestions:
        # As the widget: no caption when the reply itself leads into the list ("For example:").
        if reply.answered:
            click.echo("\nYou could also ask:")
        elif not reply.text.rstrip().endswith((":", "?")):
            click.echo("\nDid you mean:")
        else:
            click.echo()
        for s in reply.suggestions:
            click.echo(f"  - {s.title}  [{s.id}, {s.score:.2f}]")


@main.command()
@click.argument("path", required=False)
def check(path: str | None):
    """Validate a knowledge file (default: CHATBOT_FAQ_PATH); exit 1 listing every problem.

    Missing and unreviewed translations are warnings, listed per language: the file works,
    but the clinic should check them.
    """
    path = path or _settings()["FAQ_PATH"]
    try:
        kb = knowledge.load(path)
    except KnowledgeError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    kinds = {}
    for e in kb.entries:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    click.echo(f"{path}: OK, {len(kb)} entries ({summary}), languages: "
               + ", ".join(kb.languages))
    for article in kb.articles:
        click.echo(f"article {article.slug}: {article.title!r} ({article.lang}, "
                   f"{len(article.entries)} entries)")
    for warning in knowledge.warnings(kb):
        click.echo(f"warning: {warning}")


@main.command(name="import")
@click.argument("article", type=click.Path(dir_okay=False))
@click.option("--faq", "faq_path", help="Knowledge file to add it to (default: CHATBOT_FAQ_PATH).")
@click.option("--url", help="The article's address on the clinic's site (recorded; its last "
                            "part names the article).")
@click.option("--lang", help="The article's language (default: detected).")
@click.option("--slug", "article_slug", help="The article's id in the knowledge file (default: "
                                             "from --url, else from its title).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def import_(article: str, faq_path: str | None, url: str | None, lang: str | None,
            article_slug: str | None, dry_run: bool):
    """Add an article's sections and FAQ pairs to the knowledge file, or bring them up to date.

    ARTICLE is text copied from the clinic's page (.txt), Markdown (.md) or the saved page
    (.html). Entries keep the article's own words; re-importing an edited article updates the
    entries it owns and keeps what staff added (alternates, translations). The result is
    validated, then written atomically; the previous file is kept in <name>.versions/.
    """
    from . import editor, importer, language
    from .errors import ArticleError

    def usage(message: str):
        click.echo(f"Error: {message}", err=True)
        sys.exit(2)  # bad input, like a usage error: the knowledge file is untouched

    path = faq_path or _settings()["FAQ_PATH"]
    if url is not None and not re.match(r"https?://[^\s/]+\S*$", url):
        usage(f"--url {url!r}: must be an http(s) address")
    if lang is not None and lang not in language.available():
        usage(f"--lang {lang!r}: no language data (known: "
              f"{', '.join(sorted(language.available()))})")
    if article_slug is not None and not knowledge.SLUG.fullmatch(article_slug):
        usage(f"--slug {article_slug!r}: use lower-case letters, digits and hyphens")
    try:
        source, fmt = importer.read(article)
        doc = editor.load(path)
        languages = tuple(doc.data.get("languages") or ()) or None
        parsed = importer.parse(source, fmt, lang=lang, url=url, article_slug=article_slug,
                                name=article)
    except ArticleError as exc:
        usage(str(exc))
    except KnowledgeError as exc:
        raise click.ClickException(f"{exc}\nFix the knowledge file first (chatbot check).") \
            from None
    if languages and parsed.lang not in languages:
        usage(f"{article}: the article is in {parsed.lang!r}, which the knowledge file does not "
              f"list in its languages ({', '.join(languages)})")
    try:
        report = doc.apply(lambda data: importer.merge(data, parsed))
    except KnowledgeError as exc:
        raise click.ClickException(f"the import would leave the knowledge file invalid, so "
                                   f"nothing was written:\n{exc}") from None
    _print_import(report, parsed)
    if dry_run:
        click.echo("dry run: nothing written")
        return
    if not doc.changed:
        click.echo(f"{path}: already up to date, nothing written")
        return
    try:
        kept = doc.write(action="import", summary=f"article {report.slug!r}: "
                         f"{len(report.added)} added, {len(report.changed)} changed, "
                         f"{len(report.removed)} removed")
    except (ChatbotError, OSError) as exc:
        raise click.ClickException(f"nothing written: {exc}") from None
    click.echo(f"wrote {path}" + (f" (previous version: {kept})" if kept else "")
               + "; a running server picks it up by itself")


def _print_import(report, parsed) -> None:
    state = "new" if report.new_article else "already imported"
    click.echo(f"article {report.slug!r} ({state}): {parsed.title!r}, {parsed.lang}, "
               f"{len(parsed.sections)} sections, {len(parsed.faq)} FAQ pairs")
    for label, rows, mark in (("added", report.added, "+"), ("changed", report.changed, "~"),
                              ("removed", report.removed, "-")):
        click.echo(f"{label}: {len(rows)}")
        for row in rows:
            click.echo(f"  {mark} {row[0]}  {row[1]}" + (f"  ({row[2]})" if len(row) > 2 else ""))
    if report.unchanged:
        click.echo(f"unchanged: {len(report.unchanged)}")
    if report.kept_out:
        click.echo(f"left out by the clinic (not re-added): {len(report.kept_out)}")
    for note in parsed.skipped:
        click.echo(f"skipped: {note}")


@main.command()
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (for a spreadsheet).")
@click.option("--clusters", "as_clusters", is_flag=True,
              help="Group what staff should review (unanswered, weak answers, 'not helpful' "
                   "votes) by meaning, largest first, with the nearest entry.")
@click.option("--lang", help="Only the messages in this language (en, tr...).")
def unanswered(limit: int, as_csv: bool, as_clusters: bool, lang: str | None):
    """List the questions the bot could not answer, newest first, with their language."""
    languages = _bot().languages if lang is not None else ()
    if lang is not None and lang not in languages:
        raise click.BadParameter(f"must be one of: {', '.join(languages)}", param_hint="--lang")
    if as_clusters:
        return _print_clusters(limit, lang)
    try:
        items, total = _store().unanswered(limit=limit, lang=lang)
    except StoreError as exc:
        raise click.ClickException(f"{exc}: check CHATBOT_DATABASE_URL") from None
    if as_csv:
        from .export import unanswered_csv

        click.echo(unanswered_csv(items), nl=False)
        return
    click.echo(f"{total} unanswered question(s)" + (f", newest {len(items)}:" if items else "."))
    for item in items:
        best = f"  (closest: {item['best_id']} {item['best_score']:.2f})" if item["best_id"] else ""
        click.echo(f"{item['created_at']}  {item['lang'] or '?'}  {item['text']}{best}")


def _print_clusters(limit: int, lang: str | None = None) -> None:
    from . import review

    store = _store()
    try:
        items = store.review(days=_settings()["RETENTION_DAYS"])
    except StoreError as exc:
        raise click.ClickException(f"{exc}: check CHATBOT_DATABASE_URL") from None
    items = [item for item in items if lang is None or item["lang"] == lang]
    found = review.clusters(_bot(), items, limit=limit)
    click.echo(f"{len(found)} cluster(s) of {len(items)} message(s) to review" +
               (":" if found else "."))
    for c in found:
        nearest = (f"nearest: {c['nearest']['id']} {c['nearest']['score']:.2f}"
                   if c["nearest"] else "nearest: none")
        fixed = ", fixed" if c["fixed"] else ""
        click.echo(f"\n[{c['id']}] {c['size']} x {c['kind']} ({c['lang']}), {nearest}{fixed}, "
                   f"last {c['last_seen']}")
        for ex in c["examples"]:
            count = f" (x{ex['count']})" if ex["count"] > 1 else ""
            click.echo(f"  - {ex['text']}{count}")


@main.command()
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as the API's JSON.")
def stats(days: int, as_json: bool):
    """Show how the bot did over the last days: messages, answer rate, votes, per day."""
    try:
        figures = _store().stats(days)
    except StoreError as exc:
        raise click.ClickException(f"{exc}: check CHATBOT_DATABASE_URL") from None
    if as_json:
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    click.echo(f"last {days} day(s): {figures['messages']} message(s), {figures['answered']} "
               f"answered ({figures['answer_rate']:.0%}), {figures['unanswered']} not; "
               f"votes: {figures['helpful']} helpful, {figures['not_helpful']} not helpful")
    if figures["languages"]:
        click.echo("languages: " + ", ".join(f"{k} {v}" for k, v in figures["languages"].items()))
    if figures["top_entries"]:
        click.echo("answered most with:")
        for row in figures["top_entries"]:
            click.echo(f"  {row['count']:>5}  {row['id']}")
    busy = [d for d in figures["per_day"] if d["messages"]]
    if busy:
        click.echo("per day (messages / answered):")
        for d in busy:
            click.echo(f"  {d['date']}  {d['messages']:>5} / {d['answered']}")


@main.command(name="add-alternate")
@click.argument("entry_id")
@click.argument("text")
@click.option("--lang", help="The wording's language (default: detected).")
@click.option("--faq", "faq_path", help="Knowledge file (default: CHATBOT_FAQ_PATH).")
def add_alternate(entry_id: str, text: str, lang: str | None, faq_path: str | None):
    """Add TEXT as another way visitors ask entry ENTRY_ID (validated, written atomically,
    the previous file kept; a running server picks it up by itself)."""
    from . import editor

    path = faq_path or _settings()["FAQ_PATH"]
    text = " ".join(text.split())
    if not text:
        raise click.BadParameter("is empty", param_hint="TEXT")
    bot = _bot(path)
    if lang is not None and lang not in bot.languages:
        raise click.BadParameter(f"must be one of: {', '.join(bot.languages)}",
                                 param_hint="--lang")
    lang = lang or bot.language_of(text)
    try:
        where, written = editor.change(path, editor.add_alternate(entry_id, text, lang),
                                       action="add-alternate",
                                       summary=f"{entry_id}: alternate {text!r} ({lang})")
    except ChatbotError as exc:
        raise click.ClickException(f"nothing written: {exc}") from None
    if not written:
        click.echo(f"{entry_id} already has that wording; nothing written")
        return
    reply = _bot(path).ask(text, lang=lang)
    now = f"answered with {reply.match.id}" if reply.answered and reply.match else "not answered"
    click.echo(f"added to {entry_id} ({where}); the bot now: {now}")


@main.command(name="edit-answer")
@click.argument("entry_id")
@click.option("--lang", help="The language of the text to change (default: the entry's own).")
@click.option("--file", "answer_file", type=click.File("r", encoding="utf-8"),
              help="The new answer, a UTF-8 text file ('-': standard input).")
@click.option("--title", help="The new title (the question as visitors see it).")
@click.option("--faq", "faq_path", help="Knowledge file (default: CHATBOT_FAQ_PATH).")
def edit_answer(entry_id: str, lang: str | None, answer_file, title: str | None,
                faq_path: str | None):
    """Replace entry ENTRY_ID's answer (--file) and/or title (--title) in one language
    (validated, written atomically, the previous file kept; a running server picks it up by
    itself). An entry imported from an article keeps the edit until that part of the article
    changes."""
    from . import editor
    from .redact import strip_control

    path = faq_path or _settings()["FAQ_PATH"]
    answer = strip_control(answer_file.read()).strip() if answer_file else None
    title = strip_control(title).strip() if title is not None else None
    if answer_file and not answer:
        raise click.BadParameter("the file is empty", param_hint="--file")
    if title == "":
        raise click.BadParameter("is empty", param_hint="--title")
    if answer is None and title is None:
        raise click.UsageError("give the new answer (--file) and/or the new title (--title)")
    bot = _bot(path)
    entry = bot.knowledge.get(entry_id)
    if entry is None:
        raise click.BadParameter(f"no entry with id {entry_id!r}", param_hint="ENTRY_ID")
    if lang is not None and lang not in bot.languages:
        raise click.BadParameter(f"must be one of: {', '.join(bot.languages)}",
                                 param_hint="--lang")
    lang = lang or entry.lang
    what = " and ".join(n for n, v in (("title", title), ("answer", answer)) if v is not None)
    try:
        _, written = editor.change(path, editor.edit_entry(entry_id, lang, title=title,
                                                           answer=answer),
                                   action="edit-entry", summary=f"{entry_id}: {what} edited "
                                                               f"({lang})")
    except ChatbotError as exc:
        raise click.ClickException(f"nothing written: {exc}") from None
    if not written:
        click.echo(f"{entry_id} ({lang}) says that already; nothing written")
        return
    click.echo(f"edited the {what} of {entry_id} ({lang}); a running server picks it up by "
               "itself")


@main.command()
@click.option("--faq", "faq_path", help="Knowledge file (default: CHATBOT_FAQ_PATH).")
def versions(faq_path: str | None):
    """List the knowledge file's versions, newest (the current content) first."""
    from . import editor

    path = faq_path or _settings()["FAQ_PATH"]
    found = editor.history(path)
    if not found:
        click.echo(f"{path}: no such file")
        return
    for v in found:
        row = v.public()
        click.echo(f"{row['id']:<24} {row['created_at']}  {row['action']:<14} {row['summary']}")


@main.command()
@click.argument("version")
@click.option("--faq", "faq_path", help="Knowledge file (default: CHATBOT_FAQ_PATH).")
def restore(version: str, faq_path: str | None):
    """Put VERSION (an id from `chatbot versions`, or `previous`: the one before the current)
    back as the current content; the current one is kept as a version in turn."""
    from . import editor
    from .errors import NotFound

    path = faq_path or _settings()["FAQ_PATH"]
    if version == "current":
        click.echo("that is the current content; nothing written")
        return
    try:
        if version == "previous":
            kept = editor.history(path)[1:2]
            if not kept:
                raise NotFound(f"{path} has no previous version")
            version = kept[0].id
        found = editor.find_version(path, version)
        editor.restore(path, found.path,
                       summary=f"restored the version of {found.public()['created_at']} "
                               f"({found.action}: {found.summary})"[:300])
    except NotFound as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except ChatbotError as exc:
        raise click.ClickException(f"nothing written: {exc}") from None
    click.echo(f"restored {version} as {path}; a running server picks it up by itself")


@main.command()
@click.option("--older-than", "days", type=click.IntRange(0), default=None,
              help="Days to keep (default: CHATBOT_RETENTION_DAYS).")
def purge(days: int | None):
    """Delete logged exchanges older than the retention period."""
    days = _settings()["RETENTION_DAYS"] if days is None else days
    try:
        removed = _store().purge(days)
    except StoreError as exc:
        raise click.ClickException(f"{exc}: check CHATBOT_DATABASE_URL") from None
    click.echo(f"removed {removed} exchange(s) older than {days} day(s)")


@main.command()
def migrate():
    """Bring the log database's schema up to date (the server also does it when it starts)."""
    store = _store(drain=False)
    try:
        before = store.revision()
        after = store.migrate()
    except StoreError as exc:
        raise click.ClickException(f"{exc}: check CHATBOT_DATABASE_URL") from None
    if before == after:
        click.echo(f"{store.safe_url}: schema up to date (revision {after})")
    else:
        click.echo(f"{store.safe_url}: schema upgraded from {before or 'empty'} to {after}")


@main.command(name="eval")
@click.argument("queries", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False))
@click.option("--faq", "faq_path", help="Knowledge file: the clinic format or a plain list.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--misses/--no-misses", default=True, show_default=True,
              help="List the questions it got wrong.")
@click.option("--hint", is_flag=True,
              help="Pass each question's language to the bot, as the widget does.")
def eval_(queries: tuple[str, ...], faq_path: str | None, as_json: bool, misses: bool,
          hint: bool):
    """Measure matching on labelled questions (JSONL: query, expected, acceptable, category,
    lang), per category and per language; a reply in the wrong language counts as wrong."""
    from .evaluate import evaluate, read_cases

    bot = _bot(faq_path)
    try:
        cases = [case for path in queries for case in read_cases(path)]
    except ChatbotError as exc:
        raise click.ClickException(str(exc)) from None
    result = evaluate(bot, cases, hint=hint)
    summary = result.summary()
    if as_json:
        click.echo(json.dumps(dict(summary, misses=result.misses if misses else []), indent=2,
                              ensure_ascii=False))
        return
    click.echo(f"{summary['cases']} questions ({result.in_scope} answerable, "
               f"{result.declined} to decline), {summary['ms_per_query']} ms/query")
    for key in ("top1", "answered_correct", "declined_correct", "overall"):
        click.echo(f"  {key:<17} {summary[key]:.3f}")
    for lang, row in summary.get("per_language", {}).items():
        click.echo(f"  {lang}: {row['cases']} questions, overall {row['overall']:.3f}, top1 "
                   f"{row['top1']:.3f}, answered {row['answered_correct']:.3f}, declined "
                   f"{row['declined_correct']:.3f}")
    click.echo("per category:")
    for name, row in summary["per_category"].items():
        click.echo(f"  {name:<17} {row['rate']:.3f}  ({row['correct']}/{row['cases']})")
    if misses and result.misses:
        click.echo(f"misses ({len(result.misses)}):")
        for m in result.misses:
            click.echo(f"  [{m['lang']} {m['category']}] {m['query']!r}: expected "
                       f"{m['expected']}, got {m['got']}")


@main.command()
def settings():
    """List every setting with its environment variable, current value and meaning."""
    values = config.load()
    for s in config.SETTINGS:
        shown = "(set)" if s.name == "ADMIN_TOKEN" and values[s.name] else values[s.name]
        click.echo(f"{s.env} = {shown!r}\n    {s.help}")


if __name__ == "__main__":
    main()
