"""Redaction speed: typical messages, 500-character messages, and inputs built to be slow.

    python benchmarks/redaction.py [--phonenumbers]
    python benchmarks/redaction.py --pii tests/data/pii.jsonl [--misses]

Prints the minimum, median and 99th percentile of redact() per message, and the time per
character as the message grows (it should stay flat: the redactor is linear in the message's
length).
With --phonenumbers it also times Google's libphonenumber port (`pip install phonenumbers`)
finding phone numbers in the same messages, for comparison.

With --pii it measures a labelled list instead (JSONL: text, pii, kinds, keep): the share of
personal-data items removed, per kind and language, and the share of lines whose keep items
all survived. A line's language is Turkish when it has a Turkish letter or a common Turkish
word, English otherwise; a line with several kinds counts its items under each.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.redact import redact, serve  # noqa: E402

# The red-team lists were written for the first customer: the redactor serves its clinic, as the
# app does once it has loaded the knowledge file (its doctor's name is kept).
_clinic = json.loads((ROOT / "data" / "faq.json").read_text(encoding="utf-8"))["clinic"]
serve(*_clinic["name"].values(), *_clinic["doctor"].values())

CLINICAL = ("My knee has been hurting for 3-6 months, the MRI showed bone marrow edema at the "
            "medial femoral condyle. I take 400 mg ibuprofen twice a day, my fever was 38.5 "
            "degrees last week. Can I walk, swim or cycle? Dizim 2 aydır ağrıyor, MR çektirdim, "
            "kemik iliği ödemi çıktı. Ne zaman geçer, ameliyat gerekir mi? L4-L5 fıtığım da var. ")
PERSONAL = ("Merhaba, adım Ayşe Yılmaz, 45 yaşındayım. Numaram 0532 123 45 67, e-posta ayse at "
            "gmail dot com. Adresim Atatürk Cad. No:12 D:5 Kadıköy/İstanbul. Doğum tarihim "
            "12.03.1979, TC 10000000146. My son Will Smith (born 19850312) has knee pain; call "
            "him on five three two one two three four five six seven or +44 7700 900123. ")
ADVERSARIAL = {
    "digits and spaces": "0 " * 250,
    "digits and dots": "1." * 250,
    "at signs": "a@" * 250,
    "capitalised names": "Ayşe Mehmet " * 45,
    "number words": "five " * 100,
    "one long word": "a" * 500,
    "street words": "Cad. No:1 " * 50,
    "filler letters between digits": "1 x 2 x " * 63,
    "initials before surnames": "J. Park R " * 50,
    "glue words between digits": "5 and then " * 46,
    "digits on lines": "0 5\n" * 125,
    "jobs at employers": "nurse at Kenmare Hospital and " * 17,
    "news clauses": "I'm the one from the news, " * 19,
    "roles at named places": "the night manager of the Shell station and " * 12,
    "a plate read out": "plate 3 4 A B C 1 2 " * 25,
    "initials before unlisted surnames": "K. Nakamura and " * 31,
    "full names before works": "Kemal Sunal filmleri " * 24,
    "titles few hold": "milli judocu, Türkiye şampiyonu ve " * 15,
}


def per_call(text: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        redact(text)
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> dict:
    times = sorted(times)
    # The minimum is the machine's best case, robust when other jobs share the cores.
    return {"min_ms": round(times[0], 3), "median_ms": round(statistics.median(times), 3),
            "p99_ms": round(times[int(len(times) * 0.99) - 1], 3)}


TURKISH_WORDS = set("ve bir bu mi mı mu mü ile için benim ben var yok ne adım dizim ağrı çok "
                    "numaram adresim doğum tarihim nasıl olur mu".split())


def language(text: str) -> str:
    words = set(text.lower().split())
    return "tr" if any(c in "çğıöşüÇĞİÖŞÜ" for c in text) or words & TURKISH_WORDS else "en"


def pii_figures(rows: list[dict]) -> tuple[dict, list[dict]]:
    """Removal per kind and language, keep survival; and the lines that fell short."""
    removed: dict[str, list[int]] = {}
    kept_lines, misses = 0, []
    for row in rows:
        out = redact(row["text"])
        lang = language(row["text"])
        left = [item for item in row["pii"] if item in out]
        lost = [item for item in row.get("keep", []) if item not in out]
        for kind in row.get("kinds") or ["unlabelled"]:
            for key in (f"{kind}", f"{kind} ({lang})", f"all ({lang})", "all"):
                pair = removed.setdefault(key, [0, 0])
                pair[0] += len(row["pii"]) - len(left)
                pair[1] += len(row["pii"])
        kept_lines += not lost
        if left or lost:
            misses.append({"text": row["text"], "redacted": out, "left": left, "lost": lost,
                           "kinds": row.get("kinds", [])})
    figures = {"lines": len(rows),
               "keep: lines whose keep items all survived": round(kept_lines / len(rows), 3),
               "pii items removed": {k: f"{v[0]}/{v[1]} = {v[0] / v[1]:.3f}" if v[1] else "-"
                                     for k, v in sorted(removed.items())}}
    return figures, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phonenumbers", action="store_true")
    parser.add_argument("--pii", type=Path, help="a labelled JSONL list to measure instead")
    parser.add_argument("--misses", action="store_true", help="with --pii: list the misses")
    args = parser.parse_args()
    if args.pii:
        rows = [json.loads(line) for line in args.pii.read_text(encoding="utf-8").splitlines()
                if line.strip()]
        figures, misses = pii_figures(rows)
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        if args.misses:
            for miss in misses:
                print(json.dumps(miss, ensure_ascii=False))
        return
    redact("warm up: Ayşe 0532 123 45 67")
    dev = [json.loads(line)["query"] for line in
           (ROOT / "tests" / "data" / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    results = {"machine": f"{platform.machine()}, Python {platform.python_version()}"}
    times = [t for q in dev for t in per_call(q, 5)]
    results["dev set questions (681, ~60 chars)"] = summary(times)
    results["500 chars, clinical, no personal data"] = summary(per_call(CLINICAL[:500], 300))
    results["500 chars, full of personal data"] = summary(per_call(PERSONAL[:500], 300))
    for name, text in ADVERSARIAL.items():
        results[f"500 chars, adversarial: {name}"] = summary(per_call(text[:500], 50))
    growth = {}
    for size in (125, 250, 500, 1000, 2000, 4000):
        text = (PERSONAL * (size // len(PERSONAL) + 1))[:size]
        growth[size] = round(statistics.median(per_call(text, 30)) * 1000 / size, 2)
    results["microseconds per character, by length"] = growth
    if args.phonenumbers:
        import phonenumbers

        def find(text: str) -> float:
            start = time.perf_counter()
            list(phonenumbers.PhoneNumberMatcher(text, "TR"))
            return (time.perf_counter() - start) * 1000

        results["phonenumbers.PhoneNumberMatcher, 500 chars of personal data"] = {
            "median_ms": round(statistics.median(find(PERSONAL[:500]) for _ in range(300)), 3)}
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
