"""Speed of the red-flag gate: typical messages, and long ones packed with trigger words.

    python benchmarks/safety.py
    python benchmarks/safety.py --labelled FILE [--misses]

With --labelled it measures a labelled list instead (JSONL: text, flag = category or null):
emergencies caught and look-alikes flagged, per language (Turkish when a line has a Turkish
letter or a common Turkish word), as the first-contact figures in docs/safety.md were taken.

The gate reads a bounded window around each match and its patterns have bounded gaps, so its
time grows with the message's length, not faster: the last table doubles the length and shows
the time roughly doubling. Figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
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


TURKISH_LETTER = re.compile(r"[çğıöşüÇĞİÖŞÜ]")
TURKISH_WORD = re.compile(r"\b(?:ve|bir|mi|mu|ne|ben|bu|cok|var|yok|dizim|agri|agriyor|bacagim|"
                          r"ayagim|oldu|icin|ama|simdi|hic|gibi|kadar|sonra|diye|nasil|neden|"
                          r"benim|annem|babam|kizim|oglum)\b", re.IGNORECASE)


def recall(path: Path, misses: bool) -> None:
    """Print emergencies caught and look-alikes flagged on a labelled list, per language."""
    counts: dict[str, list[int]] = {}  # language -> [emergencies, caught, look-alikes, flagged]
    wrong = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        text = row["text"]
        lang = "tr" if TURKISH_LETTER.search(text) or TURKISH_WORD.search(text) else "en"
        got = check(text)
        c = counts.setdefault(lang, [0, 0, 0, 0])
        if row["flag"]:
            c[0] += 1
            c[1] += got is not None
        else:
            c[2] += 1
            c[3] += got is not None
        if (got is None) == bool(row["flag"]):
            wrong.append((row["flag"], got.category if got else None, text))
    counts["all"] = [sum(c[i] for c in counts.values()) for i in range(4)]
    for lang, (em, caught, alike, flagged) in counts.items():
        print(f"{lang}: emergencies caught {caught}/{em} = {caught / max(em, 1):.3f}, "
              f"look-alikes flagged {flagged}/{alike} = {flagged / max(alike, 1):.3f}")
    if misses:
        for want, got, text in wrong:
            print(f"  {'missed ' + want if want else 'false alarm ' + got}: {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", type=Path, help="a labelled JSONL list to measure")
    parser.add_argument("--misses", action="store_true", help="list what it got wrong")
    args = parser.parse_args()
    if args.labelled:
        recall(args.labelled, args.misses)
        return
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
