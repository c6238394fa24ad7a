"""`chatbot serve` and `make run`: the port is checked before anything claims to be serving."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from chatbot.cli import main
from conftest import FAQ, ROOT, free_port


def test_serve_on_a_busy_port_exits_2_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("CHATBOT_FAQ_PATH", str(FAQ))
    monkeypatch.setenv("CHATBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 2, result.output
    assert f"port {port} on 127.0.0.1 is already in use" in result.output
    assert "--port" in result.output and "make run PORT=" in result.output  # how to fix it
    assert "serving" not in result.output


def test_serve_on_an_unknown_host_exits_2(monkeypatch):
    monkeypatch.setenv("CHATBOT_FAQ_PATH", str(FAQ))
    result = CliRunner().invoke(main, ["serve", "--host", "no-such-host.invalid"])
    assert result.exit_code == 2, result.output
    assert "cannot listen on no-such-host.invalid" in result.output


def test_make_run_serves_on_the_port_given(tmp_path):
    make, bin_dir = shutil.which("make"), Path(sys.executable).parent
    if make is None or not (bin_dir / "chatbot").exists():
        pytest.skip("needs make and the `chatbot` script next to this Python")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    env["CHATBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.sqlite3'}"
    log = tmp_path / "make-run.log"
    # -o: take the virtualenv as it is (no reinstall); BIN: this Python's scripts.
    with log.open("wb") as out:
        process = subprocess.Popen([make, "-o", ".venv/.run", "run", f"PORT={port}",
                                    f"BIN={bin_dir}"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health",
                                            timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        assert f"serving on http://127.0.0.1:{port}" in log.read_text()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
