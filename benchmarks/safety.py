"""Speed of the red-flag gate: typical messages, and long ones packed with trigger words.

    python benchmarks/safety.py

The gate reads a bounded window around each match and its patterns have bounded gaps, so its
time grows with the message's length, not faster: the last table doubles the length and shows
the time roughly doubling. Figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.safety import check  # noqa: E402

# Words that start many rules without completing them: the worst case for a regex gate.
TRIGGERS = ("no fever or chest pain, I can't, my leg, cast, since the injection, not suicidal, "
            "ateşim yok, bacağım, düştüm, alçı, kendimi, pills, myself, numb, blue, fell, "
            "if I had, last year, bone, what if, göğsüm, nefes, tonight, ")


def timed(messages: list[str], repeat: int = 3) -> list[float]:
    """Return milliseconds per message, best of `repeat` runs for each."""
    out = []
    for message in messages:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            check(message)
            best = min(best, time.perf_counter() - start)
        out.append(best * 1000)
    return out


def main() -> None:
    labelled = [json.loads(line)["text"] for line in
                (ROOT / "tests" / "data" / "redflags.jsonl").read_text("utf-8").splitlines()]
    check("warm up the rule cache")
    print(f"Python {platform.python_version()}, {platform.machine()}")
    questions = [json.loads(line)["query"] for line in
                 (ROOT / "tests" / "data" / "dev.jsonl").read_text("utf-8").splitlines()]
    for name, messages in (("labelled list", labelled), ("dev-set questions", questions)):
        ms = sorted(timed(messages))
        print(f"{name} ({len(ms)} messages): median {statistics.median(ms):.2f} ms, "
              f"p95 {ms[int(len(ms) * 0.95)]:.2f} ms, max {ms[-1]:.2f} ms")
    print("length  ms (trigger words throughout)")
    for length in (125, 250, 500, 1000, 2000):
        message = (TRIGGERS * (length // len(TRIGGERS) + 1))[:length]
        print(f"{length:6}  {statistics.median(timed([message], repeat=5)):.2f}")


if __name__ == "__main__":
    main()
