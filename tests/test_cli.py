"""The `chatbot` command through click's CliRunner."""

import json

import pytest
from click.testing import CliRunner

from chatbot.cli import main
from conftest import DEV_SET, FAQ


@pytest.fixture
def runner(monkeypatch, tmp_path):
    monkeypatch.setenv("CHATBOT_FAQ_PATH", str(FAQ))
    monkeypatch.setenv("CHATBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("CHATBOT_JOURNAL_PATH", str(tmp_path / "journal.sqlite3"))
    return CliRunner()


def test_ask_prints_the_answer_and_its_entry(runner):
    result = runner.invoke(main, ["ask", "does it always need an operation?"])
    assert result.exit_code == 0, result.output
    assert "[faq-surgery" in result.output


def test_ask_json_matches_the_api_shape(runner):
    result = runner.invoke(main, ["ask", "what are the symptoms", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["answered"] is True and body["match"]["id"] in {"faq-symptoms", "sec-symptoms"}


def test_check_passes_on_the_clinic_file(runner):
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "20 faq" in result.output


def test_check_lists_each_problem_and_exits_1(runner, faq_copy):
    path, data = faq_copy
    data["entries"][1]["id"] = data["entries"][0]["id"]
    data["entries"][2]["answer"] = ""
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert f"entry {data['entries'][0]['id']!r}: id: duplicate id" in result.output
    assert f"entry {data['entries'][2]['id']!r}: answer: must be a non-empty string" \
        in result.output


def test_check_on_missing_file(runner, tmp_path):
    result = runner.invoke(main, ["check", str(tmp_path / "missing.json")])
    assert result.exit_code == 1 and "cannot read file" in result.output


def test_unanswered_lists_what_the_server_logged(runner, monkeypatch, tmp_path):
    from chatbot.app import create_app

    app = create_app()
    client = app.test_client()
    client.post("/api/v1/chat", json={"message": "do you repair bicycles, 0532 111 22 33?"})
    client.post("/api/v1/chat", json={"message": "what causes bone marrow edema?"})
    client.post("/api/v1/chat", json={"message": "bisiklet tamiri yapıyor musunuz?"})
    result = runner.invoke(main, ["unanswered"])
    assert result.exit_code == 0, result.output
    assert "2 unanswered question(s)" in result.output
    assert "  en  do you repair bicycles, [phone]?" in result.output
    assert "  tr  bisiklet tamiri yapıyor musunuz?" in result.output
    turkish = runner.invoke(main, ["unanswered", "--lang", "tr"])
    assert "1 unanswered question(s)" in turkish.output and "bicycles" not in turkish.output
    as_csv = runner.invoke(main, ["unanswered", "--csv"])
    assert as_csv.output.splitlines()[0] == "created_at,lang,text,best_id,best_score,id"
    assert len(as_csv.output.splitlines()) == 3
    assert ",tr,bisiklet tamiri" in as_csv.output
    wrong = runner.invoke(main, ["unanswered", "--lang", "de"])
    assert wrong.exit_code == 2 and "must be one of: en, tr" in wrong.output


def test_purge(runner):
    result = runner.invoke(main, ["purge", "--older-than", "30"])
    assert result.exit_code == 0, result.output
    assert "removed 0 exchange(s) older than 30 day(s)" in result.output


def test_eval_on_the_dev_set(runner):
    result = runner.invoke(main, ["eval", str(DEV_SET), "--json", "--no-misses"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["cases"] >= 300 and 0 <= summary["overall"] <= 1


def test_eval_rejects_a_broken_queries_file(runner, tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"query": "x", "expected": null}\nnot json\n')
    result = runner.invoke(main, ["eval", str(bad)])
    assert result.exit_code == 1 and "q.jsonl:2" in result.output


def test_broken_knowledge_file_is_a_clear_message(runner, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = runner.invoke(main, ["ask", "hello", "--faq", str(bad)])
    assert result.exit_code == 1 and "invalid JSON" in result.output


def test_settings_are_all_documented(runner):
    from chatbot import config

    result = runner.invoke(main, ["settings"])
    assert result.exit_code == 0
    readme = (FAQ.parent.parent / "README.md").read_text(encoding="utf-8")
    for setting in config.SETTINGS:
        assert setting.env in result.output
        assert setting.env in readme, f"{setting.env} missing from README"


def test_migrate_creates_then_reports_an_up_to_date_schema(runner):
    first = runner.invoke(main, ["migrate"])
    assert first.exit_code == 0, first.output
    assert "schema upgraded from empty to 0002" in first.output
    again = runner.invoke(main, ["migrate"])
    assert again.exit_code == 0 and "schema up to date (revision 0002)" in again.output


def test_migrate_on_an_unreachable_database_is_a_clear_error(runner, monkeypatch):
    monkeypatch.setenv("CHATBOT_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:9/none")
    result = runner.invoke(main, ["migrate"])
    assert result.exit_code == 1 and "check CHATBOT_DATABASE_URL" in result.output


def test_edit_answer_changes_what_the_bot_says_and_can_be_undone(runner, faq_copy, tmp_path):
    path, _ = faq_copy
    question = "kemik iliği ödemi kendiliğinden geçer mi"
    before = runner.invoke(main, ["ask", question, "--faq", str(path)]).output
    answer = tmp_path / "answer.txt"
    answer.write_text("Çoğu zaman dinlenmeyle geçer.\n\nDoktorunuz MR ile takip eder.\n",
                      encoding="utf-8")
    result = runner.invoke(main, ["edit-answer", "faq-heal-on-own", "--lang", "tr", "--file",
                                  str(answer), "--faq", str(path)])
    assert result.exit_code == 0, result.output
    assert "edited the answer of faq-heal-on-own (tr)" in result.output
    now = runner.invoke(main, ["ask", question, "--faq", str(path)]).output
    assert now.startswith("Çoğu zaman dinlenmeyle geçer.\n\nDoktorunuz MR ile takip eder.")
    same = runner.invoke(main, ["edit-answer", "faq-heal-on-own", "--lang", "tr", "--file",
                                str(answer), "--faq", str(path)])
    assert "nothing written" in same.output
    versions = runner.invoke(main, ["versions", "--faq", str(path)]).output
    assert "edit-entry" in versions.splitlines()[0]
    assert runner.invoke(main, ["restore", "previous", "--faq", str(path)]).exit_code == 0
    assert runner.invoke(main, ["ask", question, "--faq", str(path)]).output == before
    for args, message in (
            (["nope", "--title", "X?"], "no entry with id 'nope'"),
            (["faq-heal-on-own"], "give the new answer (--file) and/or the new title"),
            (["faq-heal-on-own", "--title", " "], "--title: is empty"),
            (["faq-heal-on-own", "--title", "X?", "--lang", "de"], "must be one of: en, tr")):
        bad = runner.invoke(main, ["edit-answer", *args, "--faq", str(path)])
        assert bad.exit_code == 2 and message in bad.output, bad.output
