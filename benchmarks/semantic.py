"""What semantic mode (CHATBOT_SEMANTIC=on, chatbot/semantic.py) costs: start-up, memory, ask().

    pip install -e '.[semantic]'
    python benchmarks/semantic.py [--faq data/faq.json] [--asks 200]

Start-up: the clinic's file indexed with no cache (first start), then with the cache the first
start wrote (every later start, and a reload that changed nothing); memory: the process's
resident set before and after (model + vectors); ask(): dev questions in English and Turkish,
each asked with semantic mode off and on in turn (the same machine load for both), each pass a
new text (trailing spaces) so no memo serves a repeat. The quality figures are
`python benchmarks/articles.py --semantic`.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot import Chatbot, semantic  # noqa: E402
from chatbot.evaluate import read_cases  # noqa: E402


def rss_mb() -> float:
    """Resident set now (Linux /proc), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faq", default=str(ROOT / "data" / "faq.json"))
    parser.add_argument("--asks", type=int, default=200, help="questions per language")
    args = parser.parse_args()
    cache = Path(tempfile.mkdtemp()) / semantic.CACHE_FILE

    start = time.perf_counter()
    lexical = Chatbot.from_file(args.faq)
    print(f"lexical bot built                {time.perf_counter() - start:8.2f} s")
    before = rss_mb()
    start = time.perf_counter()
    encoder = semantic.Encoder(cache=cache)
    print(f"model loaded                     {time.perf_counter() - start:8.2f} s")
    start = time.perf_counter()
    Chatbot.from_file(args.faq, semantic=encoder)
    print(f"semantic bot built, no cache     {time.perf_counter() - start:8.2f} s  "
          f"({len(encoder._vectors)} texts embedded)")
    start = time.perf_counter()
    cached = semantic.Encoder(cache=cache)
    bot = Chatbot.from_file(args.faq, semantic=cached)
    print(f"model + bot again, from cache    {time.perf_counter() - start:8.2f} s  "
          f"(cache file {cache.stat().st_size / 1e6:.1f} MB)")
    print(f"resident memory: {before:.0f} MB lexical -> {rss_mb():.0f} MB with two encoders "
          f"and their vectors")

    for lang, name in (("en", "dev.jsonl"), ("tr", "dev_tr.jsonl")):
        queries = [c.query for c in read_cases(ROOT / "tests" / "data" / name)][: args.asks]
        times = {"off": [], "on": []}
        for n, q in enumerate(queries):
            for mode, b in (("off", lexical), ("on", bot)):
                text = q + " " * (n % 7 + 1)
                t = time.perf_counter()
                b.ask(text, lang=lang)
                times[mode].append(1000 * (time.perf_counter() - t))
        for mode, ts in times.items():
            ts.sort()
            print(f"ask() {lang} semantic {mode:<3}  p50 {statistics.median(ts):6.2f} ms  "
                  f"p95 {ts[int(0.95 * len(ts))]:6.2f} ms  ({len(ts)} questions)")


if __name__ == "__main__":
    main()
