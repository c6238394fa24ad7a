"""Measure a bot on labelled questions: top-1, answered-correct, declined-correct, per category
and per language. A reply in another language than the question's is a wrong reply."""

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
    lang: str | None = None   # the question's language (None: the knowledge file's default)
    article: str | None = None  # the article page the visitor asks from (the widget says so)


@dataclass
class Result:
    """Counts over one evaluation run; rates are properties."""

    cases: int = 0
    in_scope: int = 0          # cases with an expected entry
    top1: int = 0              # in-scope cases whose best-ranked entry is acceptable
    answered_correct: int = 0  # in-scope cases answered with an acceptable entry
    shown: int = 0             # in-scope cases whose answer, or first suggestion, is acceptable
    declined: int = 0          # out-of-scope cases (expected null)
    declined_correct: int = 0  # out-of-scope cases the bot did not answer
    seconds: float = 0.0
    per_category: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list = field(default_factory=list)
    per_language: dict = field(default_factory=dict)   # language -> Result

    @property
    def correct(self) -> int:
        return self.answered_correct + self.declined_correct

    def rate(self, part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    def summary(self) -> dict:
        """Return the figures as plain data (per language too when there are several)."""
        out = self._figures()
        if len(self.per_language) > 1:
            out["per_language"] = {lang: {k: v for k, v in sub._figures().items()
                                          if k != "per_category"}
                                   for lang, sub in sorted(self.per_language.items())}
        return out

    def _figures(self) -> dict:
        return {
            "cases": self.cases,
            "top1": round(self.rate(self.top1, self.in_scope), 4),
            "answered_correct": round(self.rate(self.answered_correct, self.in_scope), 4),
            "shown": round(self.rate(self.shown, self.in_scope), 4),
            "declined_correct": round(self.rate(self.declined_correct, self.declined), 4),
            "overall": round(self.rate(self.correct, self.cases), 4),
            "ms_per_query": round(1000 * self.seconds / max(self.cases, 1), 3),
            "per_category": {k: {"correct": c, "cases": n, "rate": round(c / n, 4)}
                             for k, (c, n) in sorted(self.per_category.items())},
        }


def read_cases(path: str | Path) -> list[Case]:
    """Read a JSONL file of `{"query", "expected", "acceptable"?, "category"?, "lang"?,
    "article"?}` lines."""
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
            lang = row.get("lang")
            if lang is not None and not isinstance(lang, str):
                raise TypeError("'lang' must be a language code")
            article = row.get("article")
            if article is not None and not isinstance(article, str):
                raise TypeError("'article' must be an article's slug")
            cases.append(Case(str(row["query"]), expected, frozenset(acceptable),
                              row.get("category") or "uncategorised", lang, article))
        except (ValueError, KeyError, TypeError) as exc:
            raise ChatbotError(f"{path}:{number}: not a query line ({exc})") from None
    return cases


def evaluate(bot, cases: list[Case], *, hint: bool = False) -> Result:
    """Ask the bot every case and count what it got right.

    `hint`: pass each question's language as the widget does (`lang`); without it the bot
    must tell the language from the message alone.
    """
    result = Result()
    default = bot.knowledge.default_language
    if hasattr(bot, "prepare"):
        bot.prepare()  # as the server does before it serves: ms/query is a visitor's wait
    for case in cases:
        lang = case.lang or default
        start = time.perf_counter()
        reply = bot.ask(case.query, lang=lang if hint else None, article=case.article)
        seconds = time.perf_counter() - start
        if lang not in result.per_language:
            result.per_language[lang] = Result()
        for tally in (result, result.per_language[lang]):
            ok = _count(tally, case, reply, lang, seconds)
        if not ok:
            got = reply.match.id if reply.answered and reply.match else \
                f"(declined: {reply.reason}, best {reply.best.id if reply.best else None} " \
                f"{reply.best.score if reply.best else 0:.2f})"
            if reply.lang != lang:
                got += f" in {reply.lang}"
            result.misses.append({"query": case.query, "expected": case.expected,
                                  "category": case.category, "got": got, "lang": lang})
    return result


def _count(result: Result, case: Case, reply, lang: str, seconds: float) -> bool:
    """Add one reply to the counts; return whether it was right (and in the right language)."""
    result.seconds += seconds
    result.cases += 1
    same_language = reply.lang == lang
    if case.expected:
        result.in_scope += 1
        best = reply.best.id if reply.best else None
        result.top1 += best in case.acceptable
        # What the visitor sees first: the answer, or the first "did you mean" when declined.
        first = reply.match if reply.answered else (reply.suggestions or (None,))[0]
        result.shown += first is not None and first.id in case.acceptable and same_language
        ok = reply.answered and reply.match is not None and \
            reply.match.id in case.acceptable and same_language
        result.answered_correct += ok
    else:
        result.declined += 1
        ok = (not reply.answered or (reply.match is not None and reply.match.kind == "safety")) \
            and same_language
        result.declined_correct += ok
    tally = result.per_category[case.category]
    tally[0] += ok
    tally[1] += 1
    return ok
