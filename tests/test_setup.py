"""A new clinic: `chatbot init`, its folder found from anywhere, its details, `chatbot check`."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from chatbot import config, knowledge
from chatbot.cli import main
from conftest import FAQ, ROOT, LiveServer, free_port, stop_server
from test_widget import ask, browser, links_of, open_panel, opened, site  # noqa: F401 (fixtures)

SEED = ROOT / "tests" / "data" / "articles" / "bone-marrow-edema.txt"
PHONE = "+90 212 555 01 23"
BIN = Path(sys.executable).parent / "chatbot"  # the installed command, as staff type it


def run(*args, cwd, home=None, **env):
    """Run `chatbot ARGS` in cwd with no CHATBOT_* setting but those given."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    environ.update({f"CHATBOT_{k}": str(v) for k, v in env.items()})
    if home is not None:
        environ["CHATBOT_HOME"] = str(home)
    command = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "chatbot"]
    return subprocess.run(command + [str(a) for a in args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def clinic(tmp_path):
    """A clinic folder made by `chatbot init`, and an unrelated working directory."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("init", tmp_path / "clinic", "--name", "Dr. Ayşe Kaya Clinic", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    return tmp_path / "clinic", elsewhere


def test_init_makes_a_clinic_folder_and_says_what_to_do_next(clinic):
    folder, _ = clinic
    made = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert made == ["faq.json", "instance", "settings.env.example", "vocabulary.json",
                    "vocabulary.tr.json"]
    kb = knowledge.load(folder / "faq.json")
    assert kb.languages == ("en", "tr") and kb.articles == ()
    assert {e.kind for e in kb.entries} == {"smalltalk", "clinic"}
    assert all(e.has("tr") for e in kb.entries)  # bilingual from the start
    assert kb.clinic.name == "Dr. Ayşe Kaya Clinic" and kb.clinic.phone is None
    assert kb.topic == "this condition" and kb.topic_in("tr") == "bu rahatsızlık"
    # Every setting is in the example, the clinic folder filled in, nothing else set.
    example = (folder / "settings.env.example").read_text()
    active = [line for line in example.splitlines() if line and not line.startswith("#")]
    assert active == [f"CHATBOT_HOME={folder}"]
    assert all(f"# {s.env}=" in example for s in config.SETTINGS if s.name != "HOME")


def test_init_prints_the_next_steps(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path / "c"), "--name", "Clinic"])
    assert result.exit_code == 0, result.output
    steps = result.output.split("next steps:\n", 1)[1]
    order = [steps.index(step) for step in
             (f"cd {tmp_path / 'c'}", "chatbot import", "chatbot clinic set phone",
              "chatbot check", "chatbot serve")]
    assert order == sorted(order), steps
    assert "docs/embedding.md" in steps


def test_init_never_overwrites_and_refuses_bad_input(clinic, tmp_path):
    folder, elsewhere = clinic
    before = {p: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    again = run("init", folder, "--name", "Other", cwd=elsewhere)
    assert again.returncode == 2 and "already" in again.stderr
    assert {p: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    half = tmp_path / "half"
    half.mkdir()
    (half / "vocabulary.json").write_text("{}")
    refused = run("init", half, "--name", "X", cwd=elsewhere)
    assert refused.returncode == 2 and "vocabulary.json" in refused.stderr
    assert sorted(p.name for p in half.iterdir()) == ["vocabulary.json"]
    unknown = run("init", tmp_path / "fr", "--name", "X", "--languages", "fr", cwd=elsewhere)
    assert unknown.returncode == 2 and "'fr'" not in unknown.stderr and "en, tr" in \
        unknown.stderr and not (tmp_path / "fr").exists()
    nameless = run("init", tmp_path / "n", cwd=elsewhere)
    assert nameless.returncode == 2 and "--name" in nameless.stderr


def test_init_in_turkish_first_with_a_topic(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path), "--name", "Kaya Kliniği",
                                       "--languages", "tr,en", "--topic", "diz ağrısı"])
    assert result.exit_code == 0, result.output
    kb = knowledge.load(tmp_path / "faq.json")
    assert kb.default_language == "tr" and kb.topic == "diz ağrısı"
    assert kb.get("smalltalk-greeting").question == "Merhaba"
    assert json.loads((tmp_path / "vocabulary.json").read_text())["out_of_scope"]["cost"][0] \
        == "fiyat"  # the default language's vocabulary is vocabulary.json


def test_every_command_finds_the_clinic_folder_from_anywhere(clinic):
    folder, elsewhere = clinic
    for where, home in ((elsewhere, folder), (folder, None)):  # CHATBOT_HOME, or inside it
        checked = run("check", cwd=where, home=home)
        assert checked.returncode == 0 and f"{folder / 'faq.json'}: OK" in checked.stdout, \
            checked.stderr
        asked = run("ask", "what can you do?", cwd=where, home=home)
        assert "[smalltalk-bot" in asked.stdout, asked.stderr
        listed = run("unanswered", cwd=where, home=home)
        assert listed.returncode == 0 and "0 unanswered question(s)" in listed.stdout
    assert (folder / "instance" / "chatbot.sqlite3").exists()  # the log lives in the folder
    assert not (elsewhere / "instance").exists() and list(elsewhere.iterdir()) == []
    # Relative settings are read from the clinic folder, not from where the command runs.
    (folder / "other.json").write_bytes((folder / "faq.json").read_bytes())
    relative = run("check", cwd=elsewhere, home=folder, FAQ_PATH="other.json")
    assert f"{folder / 'other.json'}: OK" in relative.stdout, relative.stderr


def test_import_and_clinic_details_from_anywhere(clinic):
    folder, elsewhere = clinic
    imported = run("import", SEED, cwd=elsewhere, home=folder)
    assert imported.returncode == 0, imported.stderr
    assert f"wrote {folder / 'faq.json'}" in imported.stdout
    assert len(knowledge.load(folder / "faq.json").articles) == 1
    before = run("ask", "what is your phone number?", cwd=elsewhere, home=folder)
    assert "[clinic-contact" in before.stdout and "Phone" not in before.stdout
    set_phone = run("clinic", "set", "phone", PHONE, cwd=elsewhere, home=folder)
    assert set_phone.returncode == 0, set_phone.stderr
    for question, label in (("what is your phone number?", "Phone"),
                            ("telefon numaranız ne", "Telefon")):
        after = run("ask", question, cwd=elsewhere, home=folder)
        assert f"\n{label}: {PHONE}\n" in after.stdout, after.stdout


def test_a_folder_without_knowledge_says_how_to_make_one(tmp_path):
    result = run("ask", "hello", cwd=tmp_path, home=tmp_path)
    assert result.returncode == 1
    assert "chatbot init DIR" in result.stderr and "Traceback" not in result.stderr
    missing = run("check", cwd=tmp_path, home=tmp_path / "nope")
    assert missing.returncode == 1 and "CHATBOT_HOME" in missing.stderr and "is not a folder" \
        in missing.stderr


def test_the_checkout_is_the_clinic_folder_when_there_is_no_other(tmp_path):
    # `make run` and the tests: no CHATBOT_HOME, a directory without faq.json.
    result = run("settings", cwd=tmp_path)
    assert f"CHATBOT_FAQ_PATH = '{ROOT / 'data' / 'faq.json'}'" in result.stdout
    asked = run("ask", "can it heal by itself?", cwd=tmp_path)
    assert "[faq-heal-on-own" in asked.stdout, asked.stderr


def test_relative_settings_are_read_from_the_clinic_folder(tmp_path):
    environ = {"CHATBOT_HOME": str(tmp_path), "CHATBOT_DATABASE_URL": "sqlite:///log.db?timeout=3",
               "CHATBOT_JOURNAL_PATH": "spool/j.sqlite3", "CHATBOT_VOCABULARY_PATH": "/etc/v.json"}
    values = config.load(environ=environ)
    assert values["FAQ_PATH"] == str(tmp_path / "faq.json")
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path / 'log.db'}?timeout=3"
    assert values["JOURNAL_PATH"] == str(tmp_path / "spool" / "j.sqlite3")
    assert values["VOCABULARY_PATH"] == "/etc/v.json"  # absolute paths stay as they are
    for url in ("sqlite://", "sqlite:////srv/log.db", "postgresql+psycopg://u@db/chatbot"):
        assert config.load(environ=dict(environ, CHATBOT_DATABASE_URL=url))["DATABASE_URL"] == url


# -- the clinic's details -----------------------------------------------------------------------

@pytest.fixture
def in_clinic(clinic, monkeypatch):
    folder, _ = clinic
    monkeypatch.setenv("CHATBOT_HOME", str(folder))
    for name in ("FAQ_PATH", "DATABASE_URL", "JOURNAL_PATH", "VOCABULARY_PATH"):
        monkeypatch.delenv(f"CHATBOT_{name}", raising=False)
    return folder


def test_clinic_set_writes_checked_values_and_keeps_the_previous_file(in_clinic):
    runner = CliRunner()
    done = runner.invoke(main, ["clinic", "set", "phone", PHONE])
    assert done.exit_code == 0, done.output
    assert "picks it up by itself" in done.output and "previous version" in done.output
    assert knowledge.load(in_clinic / "faq.json").clinic.phone == PHONE
    before = (in_clinic / "faq.json").read_bytes()
    for field, value, complaint in (("email", "not an address", "is not an e-mail address"),
                                    ("booking_url", "clinic.example", "http(s) address"),
                                    ("phone", "call us", "is not a phone number"),
                                    ("emergency_number", "one one two", "112")):
        refused = runner.invoke(main, ["clinic", "set", field, value])
        assert refused.exit_code == 1 and complaint in refused.output, refused.output
        assert (in_clinic / "faq.json").read_bytes() == before
    bad_field = runner.invoke(main, ["clinic", "set", "fax", "1"])
    assert bad_field.exit_code == 2 and "phone" in bad_field.output


def test_clinic_set_per_language_and_unset(in_clinic):
    runner = CliRunner()
    first_tr = runner.invoke(main, ["clinic", "set", "hours", "Pazartesi-Cuma", "--lang", "tr"])
    assert first_tr.exit_code == 2 and "--lang en" in first_tr.output
    for args in (["hours", "Monday-Friday 09:00-18:00"],
                 ["hours", "Pazartesi-Cuma 09:00-18:00", "--lang", "tr"]):
        assert runner.invoke(main, ["clinic", "set", *args]).exit_code == 0
    clinic = knowledge.load(in_clinic / "faq.json").clinic
    assert clinic.hours == "Monday-Friday 09:00-18:00"
    assert clinic.in_language("tr").hours == "Pazartesi-Cuma 09:00-18:00"
    shown = runner.invoke(main, ["clinic"]).output
    assert "hours            Monday-Friday 09:00-18:00  (tr: Pazartesi-Cuma 09:00-18:00)" in shown
    assert runner.invoke(main, ["clinic", "set", "hours", "--unset"]).exit_code == 0
    assert knowledge.load(in_clinic / "faq.json").clinic.hours is None
    assert runner.invoke(main, ["clinic", "set", "hours"]).exit_code == 2  # no value


def test_a_phone_the_widget_cannot_link_is_a_warning(in_clinic):
    result = CliRunner().invoke(main, ["clinic", "set", "phone", "212 555 01 23"])
    assert result.exit_code == 0, result.output
    assert "warning: clinic: phone: '212 555 01 23' will not be a link" in result.output


@pytest.mark.parametrize("number, linked", [
    ("+90 212 555 01 23", True), ("0212 555 12 34", True), ("(0212) 555 12 34", True),
    ("+90 (212) 555 01 23", True), ("+1-202-555-0143", True), ("0532 123 45 67", True),
    ("212 555 01 23", False), ("444 0 123", False), ("112", False)])
def test_callable_phone_agrees_with_the_widget(number, linked):
    assert knowledge.callable_phone(number) is linked


# -- chatbot check ------------------------------------------------------------------------------

def test_check_warns_about_missing_contact_details_and_entries_without_alternates(in_clinic):
    runner = CliRunner()
    fresh = runner.invoke(main, ["check"])
    assert fresh.exit_code == 0, fresh.output
    assert "warning: clinic: no phone, e-mail or booking address" in fresh.output
    assert "tr: 5 translation(s) not reviewed" in fresh.output
    assert "without alternates" not in fresh.output
    assert runner.invoke(main, ["import", str(SEED)]).exit_code == 0
    runner.invoke(main, ["clinic", "set", "email", "info@clinic.example"])
    imported = runner.invoke(main, ["check"])
    assert "no phone, e-mail" not in imported.output
    bare = [line for line in imported.output.splitlines() if "without alternates" in line]
    assert len(bare) == 1 and bare[0].startswith("warning: en: 40 entries without alternates")


def test_the_shipped_knowledge_file_warns_that_it_has_nothing_to_contact():
    result = CliRunner().invoke(main, ["check", str(FAQ)])
    assert result.exit_code == 0
    assert "warning: clinic: no phone, e-mail or booking address" in result.output


# -- the whole story, in a browser ---------------------------------------------------------------

def start_in(cwd: Path, **settings) -> LiveServer:
    """`chatbot serve` started in cwd with nothing but `settings` set."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    env.update({f"CHATBOT_{k}": str(v) for k, v in settings.items()})
    command = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "chatbot"]
    log_path = cwd / f"serve-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command + ["serve", "--port", str(port)], cwd=cwd, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    live = LiveServer(f"http://127.0.0.1:{port}", env, process, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(live.output())
        try:
            if live.request("GET", "/api/v1/health").status == 200:
                return live
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start within 30 s")


def test_a_new_clinic_from_init_to_the_widget_on_its_site(tmp_path, site, browser):  # noqa: F811
    # As the next steps say: init in an empty directory, then work inside the new folder; the
    # server is started from elsewhere, with CHATBOT_HOME.
    empty, folder = tmp_path / "empty", tmp_path / "empty" / "new-clinic"
    empty.mkdir()
    for args in (["init", "new-clinic", "--name", "Dr. Ayşe Kaya Clinic"], ["import", SEED],
                 ["clinic", "set", "phone", PHONE]):
        done = run(*args, cwd=empty if args[0] == "init" else folder)
        assert done.returncode == 0, (args, done.stderr)
    bot = start_in(tmp_path, HOME=folder, CORS_ORIGINS=site.origin)
    try:
        assert f"knowledge: {folder / 'faq.json'}" in bot.output()
        with opened(browser, site("new-clinic.html", bot.url), bypass_csp=False) as pg:
            open_panel(pg)
            for question in ("what is your phone number?", "what about my cat?",
                             "how much does the bioplasty cost?"):
                reply = ask(pg, question).locator(".cc-bubble")
                text = reply.inner_text()
                assert text.count(PHONE) == 1, (question, text)
                phones = [link for link in links_of(reply) if link[1].startswith("tel:")]
                assert [link[:2] for link in phones] == [[PHONE, "tel:+902125550123"]], \
                    (question, phones)
            answer = ask(pg, "what is bone marrow edema?").inner_text()
            assert "fluid" in answer  # the imported article answers
    finally:
        stop_server(bot)
    assert (folder / "instance" / "journal.sqlite3").exists()


