"""The README's examples, run: each ```console block against a copy of the shipped files, each
```pycon block as a doctest. Their outputs are what the bot says today, or this test fails.

In a console block, `$ ` starts a command (a trailing backslash continues it); the lines up to
the next command are its output, compared line by line. `…` in a line stands for any text (ids,
times, paths); a line `...` for any number of lines. Every block starts in its own sandbox: a
home folder holding `clinic/` (a copy of the repository's data/: the current directory) and
`Downloads/` (the test articles). `chatbot serve` keeps running in the background until the
block ends, on a free port that stands in for the README's 8000.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT, free_port

README = ROOT / "README.md"
BLOCK = re.compile(r"^```(console|pycon)\n(.*?)^```", re.S | re.M)
BIN = Path(sys.executable).parent


@dataclass
class Command:
    line: int
    text: str
    expected: list[str] = field(default_factory=list)


def blocks(kind: str) -> list[tuple[int, str]]:
    """(line number, text) of each block of a kind in the README."""
    text = README.read_text(encoding="utf-8")
    return [(text[:m.start()].count("\n") + 1, m[2]) for m in BLOCK.finditer(text)
            if m[1] == kind]


def commands(start: int, block: str) -> list[Command]:
    out: list[Command] = []
    continued = False
    for number, line in enumerate(block.splitlines(), start + 1):
        if continued:
            out[-1].text += "\n" + line
        elif line.startswith("$ "):
            out.append(Command(number, line[2:]))
        else:
            assert out, f"README.md line {number}: output before any command"
            out[-1].expected.append(line)
        continued = line.endswith("\\")
    return out


def pattern(expected: list[str], *, prefix: bool = False) -> re.Pattern:
    """A regex over the output's lines: `…` any text in a line, a line `...` any lines."""
    parts = []
    for line in expected:
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append("[^\n]*?".join(re.escape(p) for p in line.rstrip().split("…")) + r"\n")
    return re.compile("".join(parts) + (r"(?:[^\n]*\n)*" if prefix else ""))


def same(expected: list[str], actual: str, *, prefix: bool = False) -> bool:
    """Whether the output is as expected (a blank line at the end of either only separates)."""
    while expected and not expected[-1].strip():
        expected = expected[:-1]
    lines = "".join(line.rstrip() + "\n" for line in actual.rstrip().splitlines())
    return pattern(expected, prefix=prefix).fullmatch(lines) is not None


class Sandbox:
    """A home folder with the shipped clinic and the test articles; runs commands in it."""

    def __init__(self, root: Path):
        self.home = root
        clinic = root / "clinic"
        clinic.mkdir()
        for source in (ROOT / "data").glob("*.json"):
            shutil.copy(source, clinic / source.name)
        shutil.copytree(ROOT / "tests" / "data" / "articles", root / "Downloads")
        self.cwd = clinic
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
        self.env.update(HOME=str(root), PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
                        PYTHONUNBUFFERED="1", COLUMNS="100")
        self.server: subprocess.Popen | None = None
        self.server_log = root / "serve.log"

    def local(self, text: str) -> str:
        """Once it runs, the README's server address (port 8000) is this sandbox's server."""
        if self.server is None:
            return text
        return text.replace("127.0.0.1:8000", f"127.0.0.1:{self.port}")

    def run(self, command: Command) -> tuple[str, bool]:
        """Run a command; return its output and whether it is only a prefix (a server)."""
        words = shlex.split(command.text.replace("\\\n", " "))
        if words[0] == "cd":
            self.cwd = (self.cwd / re.sub(r"^~(?=/|$)", str(self.home), words[1])).resolve()
            return "", False
        if words[:2] == ["chatbot", "serve"]:
            return self.serve(words), True
        result = subprocess.run(["bash", "-c", self.local(command.text)], cwd=self.cwd,
                                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, timeout=120)
        return result.stdout, False

    def serve(self, words: list[str]) -> str:
        assert self.server is None, "one server per block"
        log = open(self.server_log, "w")  # noqa: SIM115 - closed with the process
        command = [str(BIN / "chatbot"), *words[1:], "--port", str(self.port)]
        self.server = subprocess.Popen(command, cwd=self.cwd,
                                       env=self.env, stdout=log, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.server.poll() is None, self.server_log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/health",
                                            timeout=5):
                    return self.server_log.read_text()
            except OSError:
                time.sleep(0.1)
        raise AssertionError("chatbot serve did not answer within 30 s")

    def close(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=15)


CONSOLE = blocks("console")


@pytest.mark.parametrize("start, block", CONSOLE, ids=[f"line-{n}" for n, _ in CONSOLE])
def test_console_block(tmp_path, start, block):
    sandbox = Sandbox(tmp_path)
    try:
        for command in commands(start, block):
            output, prefix = sandbox.run(command)
            expected = [sandbox.local(line) for line in command.expected]
            assert same(expected, output, prefix=prefix), (
                f"README.md line {command.line}: `$ {command.text}` printed (paste it, keeping "
                f"the README's … and ... placeholders):\n{output}")
    finally:
        sandbox.close()


def test_the_readme_has_examples_of_every_kind():
    ran = [c.text.split()[0:2] for start, block in CONSOLE for c in commands(start, block)]
    for command in (["chatbot", "serve"], ["curl", "-s"], ["chatbot", "ask"],
                    ["chatbot", "unanswered"], ["chatbot", "init"], ["chatbot", "import"],
                    ["chatbot", "clinic"], ["chatbot", "check"]):
        assert command in ran, command
    assert blocks("pycon"), "the Library section is a ```pycon block"


def test_pycon_blocks(monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples load data/faq.json as a checkout has it
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for start, block in blocks("pycon"):
        test = parser.get_doctest(block, {}, "README.md", str(README), start)
        result = runner.run(test, out=lambda text: pytest.fail(text, pytrace=False))
        assert result.attempted and not result.failed


def test_placeholders_match_what_they_stand_for():
    assert same(["a … c", "...", "end"], "a b c\nx\ny\nend\n")
    assert same(["a … c", "...", "end"], "a  c\nend\n")
    assert not same(["a … c"], "a b c d\n")
    assert not same(["one"], "one\ntwo\n") and same(["one"], "one\ntwo\n", prefix=True)
    assert not same(["(x)"], "x\n")  # everything else is literal
