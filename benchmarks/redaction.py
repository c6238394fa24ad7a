"""Redaction speed: typical messages, 500-character messages, and inputs built to be slow.

    python benchmarks/redaction.py [--phonenumbers]

Prints the median and 99th percentile of redact() per message, and the time per character as
the message grows (it should stay flat: the redactor is linear in the message's length).
With --phonenumbers it also times Google's libphonenumber port (`pip install phonenumbers`)
finding phone numbers in the same messages, for comparison.
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

from chatbot.redact import redact  # noqa: E402

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
    return {"median_ms": round(statistics.median(times), 3),
            "p99_ms": round(times[int(len(times) * 0.99) - 1], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phonenumbers", action="store_true")
    args = parser.parse_args()
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
