"""Measure a bot on labelled questions: top-1, answered-correct, declined-correct, per category."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ChatbotError


@dataclass(frozen=True)
class Case:
    query: str
    expected: str | None
    acceptable: frozenset[str]
    category: str = "uncategorised"


@dataclass
class Result:
    """Counts over one evaluation run; rates are properties."""

    cases: int = 0
    in_scope: int = 0          # cases with an expected entry
    top1: int = 0              # in-scope cases whose best-ranked entry is acceptable
    answered_correct: int = 0  # in-scope cases answered with an acceptable entry
    declined: int = 0          # out-of-scope cases (expected null)
    declined_correct: int = 0  # out-of-scope cases the bot did not answer
    seconds: float = 0.0
    per_category: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list = field(default_factory=list)

    @property
    def correct(self) -> int:
        return self.answered_correct + self.declined_correct

    def rate(self, part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    def summary(self) -> dict:
        return {
            "cases": self.cases,
            "top1": round(self.rate(self.top1, self.in_scope), 4),
            "answered_correct": round(self.rate(self.answered_correct, self.in_scope), 4),
            "declined_correct": round(self.rate(self.declined_correct, self.declined), 4),
            "overall": round(self.rate(self.correct, self.cases), 4),
            "ms_per_query": round(1000 * self.seconds / max(self.cases, 1), 3),
            "per_category": {k: {"correct": c, "cases": n, "rate": round(c / n, 4)}
                             for k, (c, n) in sorted(self.per_category.items())},
        }


def read_cases(path: str | Path) -> list[Case]:
    """Read a JSONL file of `{"query", "expected", "acceptable"?, "category"?}` lines."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            expected = row["expected"]
            acceptable = set(row.get("acceptable") or [])
            if expected:
                acceptable.add(expected)
            cases.append(Case(str(row["query"]), expected, frozenset(acceptable),
                              row.get("category") or "uncategorised"))
        except (ValueError, KeyError, TypeError) as exc:
            raise ChatbotError(f"{path}:{number}: not a query line ({exc})") from None
    return cases


def evaluate(bot, cases: list[Case]) -> Result:
    """Ask the bot every case and count what it got right."""
    result = Result()
    for case in cases:
        start = time.perf_counter()
        reply = bot.ask(case.query)
        result.seconds += time.perf_counter() - start
        result.cases += 1
        if case.expected:
            result.in_scope += 1
            best = reply.best.id if reply.best else None
            result.top1 += best in case.acceptable
            ok = reply.answered and reply.match is not None and reply.match.id in case.acceptable
            result.answered_correct += ok
        else:
            result.declined += 1
            ok = not reply.answered or (reply.match is not None and reply.match.kind == "safety")
            result.declined_correct += ok
        tally = result.per_category[case.category]
        tally[0] += ok
        tally[1] += 1
        if not ok:
            got = reply.match.id if reply.answered and reply.match else \
                f"(declined: {reply.reason}, best {reply.best.id if reply.best else None} " \
                f"{reply.best.score if reply.best else 0:.2f})"
            result.misses.append({"query": case.query, "expected": case.expected,
                                  "category": case.category, "got": got})
    return result
