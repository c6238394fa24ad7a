"""What staff should look at: weak answers, and the same question asked many ways, grouped.

    weak(bot, message, reply)      an answer worth a second look (low score, or an
                                   out-of-scope-looking request answered by a clinic entry)
    clusters(bot, items)           review items (unanswered, weak, voted not helpful) grouped
                                   by meaning, largest first, each with its nearest entry and
                                   whether the bot answers its examples now ("fixed")

Grouping reuses the matcher's normalisation, per language (typos mended against the clinic's
words, stems, synonyms, stopwords out, each term weighed as the matcher weighs it), plus the
out-of-scope and personal-advice categories a message hits ("how much", "fee", "ücret":
a cost question) as one more term. Two messages are alike by their weighted term overlap
(Dice); clusters are built by average linkage over that similarity, cut at THRESHOLD, chosen
on labelled paraphrase and unrelated pairs in English and Turkish (docs/staff.md).
Pure core: no Flask, no database.
"""

from __future__ import annotations

import weakref
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .dialogue import Chatbot, Reply

# An answer under this score is reviewable: on the dev sets, 13 % of answers fall under it and
# they hold half of the wrong ones (docs/staff.md).
WEAK_SCORE = 0.6
# Average-linkage cut on the weighted term overlap (docs/staff.md: labelled pairs).
THRESHOLD = 0.4
# The weight of a category a message hits ("cost"), as a term: about a content word, so two
# questions about different things that both ask the price stay apart.
CATEGORY_WEIGHT = 1.5
# Words the content itself uses weigh this much of what the matcher gives them (see features).
KNOWN_FACTOR = 0.2
MAX_EXAMPLES = 8
KIND_ORDER = ("unanswered", "not_helpful", "weak_answer")   # which kind names a mixed cluster


def weak(bot: Chatbot, message: str, reply: Reply) -> bool:
    """Whether an answer deserves a look: answered with a low score, or an out-of-scope-looking
    request ("how much is an appointment") answered by a clinic entry (contact, hours...)."""
    if not reply.answered or reply.reason == "urgent" or reply.match is None:
        return False
    if reply.match.score < WEAK_SCORE:
        return True
    if reply.match.kind != "clinic":
        return False
    return bool(bot.speakers[reply.lang].matcher.analyse(message).out_of_scope)


@dataclass
class Example:
    """One wording (several identical messages share it) and the exchanges that sent it."""

    text: str
    lang: str
    terms: dict[str, float]
    items: list[dict] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)




_REFERENCE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _reference(bot: Chatbot, lang: str) -> frozenset[str]:
    """The terms of the entries' titles and answers in a language: what the content is about.

    Alternates are left out, so that adding a visitor's wording (the usual fix) does not
    change how the other messages of its cluster are compared.
    """
    matcher = bot.speakers[lang].matcher
    if matcher not in _REFERENCE:
        terms: set[str] = set()
        for entry in bot.knowledge.entries:
            words = entry.text(lang)
            for text in (words.question, words.answer):
                terms.update(matcher.analyse(text, correct=False).weights)
        _REFERENCE[matcher] = frozenset(terms)
    return _REFERENCE[matcher]


def features(bot: Chatbot, text: str, lang: str) -> dict[str, float]:
    """The weighted terms a message is compared by (its language's normalisation)."""
    matcher = bot.speakers[lang].matcher
    # Words the content lacks stay as typed: here they are the news, not typos.
    analysis = matcher.analyse(text, correct=False)
    known = _reference(bot, lang)
    # What an unanswered question is about is mostly in the words the content lacks ("park",
    # "voucher"); the content's own words ("appointment", "clinic") are its setting.
    terms = {t: w * (KNOWN_FACTOR if t in known else 1.0) for t, w in analysis.weights.items()}
    for category in (*analysis.out_of_scope, *analysis.personal):
        terms["@" + category] = CATEGORY_WEIGHT
    return terms


def similarity(a: dict[str, float], b: dict[str, float]) -> float:
    """Weighted Dice overlap of two term sets (0..1)."""
    total = sum(a.values()) + sum(b.values())
    if total <= 0:
        return 0.0
    return sum(a[t] + b[t] for t in a.keys() & b.keys()) / total


def _matrix(examples: list[Example]) -> np.ndarray:
    """Pairwise similarity of examples, accumulated term by term (an inverted index)."""
    n = len(examples)
    shared = np.zeros((n, n), dtype=np.float64)
    postings: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        for term in ex.terms:
            postings.setdefault(term, []).append(i)
    for term, docs in postings.items():
        if len(docs) < 2:
            continue
        idx = np.asarray(docs)
        w = np.array([examples[i].terms[term] for i in docs])
        shared[np.ix_(idx, idx)] += w[:, None] + w[None, :]
    totals = np.array([sum(ex.terms.values()) for ex in examples])
    denominator = totals[:, None] + totals[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        sims = np.where(denominator > 0, shared / denominator, 0.0)
    np.fill_diagonal(sims, 1.0)
    return sims


def group(examples: list[Example], threshold: float = THRESHOLD) -> list[list[int]]:
    """Average-linkage clustering cut at `threshold`; return groups of example indexes."""
    n = len(examples)
    if n == 0:
        return []
    sims = _matrix(examples)
    # An average-linkage cluster never spans two components of the graph of pairs at or over
    # the threshold: cluster each component on its own (small matrices).
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(sims >= threshold, k=1)), strict=True):
        parent[root(int(i))] = root(int(j))
    components: dict[int, list[int]] = {}
    for i in range(n):
        components.setdefault(root(i), []).append(i)
    groups = []
    for members in components.values():
        groups.extend(_average_linkage(sims[np.ix_(members, members)],
                                       [examples[i].count for i in members], members,
                                       threshold))
    return groups


def _average_linkage(sims: np.ndarray, sizes: list[int], ids: list[int],
                     threshold: float) -> list[list[int]]:
    m = len(ids)
    if m == 1:
        return [ids]
    sims = sims.copy()
    np.fill_diagonal(sims, -np.inf)
    sizes_ = np.array(sizes, dtype=np.float64)
    members = {i: [ids[i]] for i in range(m)}
    while len(members) > 1:
        flat = int(np.argmax(sims))
        i, j = divmod(flat, m)
        if sims[i, j] < threshold:
            break
        # Lance-Williams for average linkage (each wording weighs by how often it was sent).
        merged = (sims[i] * sizes_[i] + sims[j] * sizes_[j]) / (sizes_[i] + sizes_[j])
        sims[i, :], sims[:, i] = merged, merged
        sims[i, i] = -np.inf
        sims[j, :], sims[:, j] = -np.inf, -np.inf
        sizes_[i] += sizes_[j]
        members[i].extend(members.pop(j))
    return list(members.values())


def examples_of(bot: Chatbot, items: list[dict]) -> list[Example]:
    """Gather review items into wordings, per language (identical words: one example)."""
    by_key: dict[tuple[str, tuple[str, ...]], Example] = {}
    for item in items:
        lang = item.get("lang")
        if lang not in bot.speakers:
            lang = bot.language_of(item["text"])
        words = tuple(bot.speakers[lang].lang.words(item["text"]))
        key = (lang, words)
        if key not in by_key:
            by_key[key] = Example(item["text"], lang, features(bot, item["text"], lang))
        by_key[key].items.append(item)
    return list(by_key.values())


def clusters(bot: Chatbot, items: list[dict], *, threshold: float = THRESHOLD,
             limit: int | None = None) -> list[dict]:
    """Group review items (Store.review rows) by meaning; largest first, as the API shows them.

    Each cluster says its kind (unanswered, not_helpful or weak_answer: the most common among
    its messages), its nearest entry, and whether the bot now answers every example ("fixed").
    """
    examples = examples_of(bot, items)
    out = []
    for lang in sorted({ex.lang for ex in examples}):
        in_lang = [ex for ex in examples if ex.lang == lang]
        for members in group(in_lang, threshold):
            out.append([in_lang[i] for i in members])
    # Largest first; among equals, the most recently asked (ISO times sort as text).
    out.sort(key=lambda exs: max(_last(ex) for ex in exs), reverse=True)
    out.sort(key=lambda exs: sum(ex.count for ex in exs), reverse=True)
    return [_describe(bot, exs) for exs in out[:limit]]


def _last(ex: Example) -> str:
    return max(i["created_at"] for i in ex.items)


def _describe(bot: Chatbot, exs: list[Example]) -> dict:
    items = [item for ex in exs for item in ex.items]
    oldest = min(items, key=lambda i: (i["created_at"], i["id"]))
    kinds = Counter(i["kind"] for i in items)
    kind = max(KIND_ORDER, key=lambda k: (kinds[k], -KIND_ORDER.index(k)))
    exs = sorted(sorted(exs, key=_last, reverse=True), key=lambda ex: ex.count, reverse=True)
    lang = exs[0].lang
    replies = [bot.ask(ex.text, lang=ex.lang) for ex in exs]
    shown = [_example(bot, ex, reply) for ex, reply in zip(exs[:MAX_EXAMPLES], replies,
                                                            strict=False)]
    return {
        "id": oldest["id"],
        "size": len(items),
        "lang": lang,
        "kind": kind,
        "examples": shown,
        "nearest": _nearest(bot, exs, lang),
        "first_seen": min(i["created_at"] for i in items),
        "last_seen": max(i["created_at"] for i in items),
        # Every example, not only those shown: fixed means the bot answers them all now.
        "fixed": all(_ok(bot, ex, reply) for ex, reply in zip(exs, replies, strict=True)),
        "members": [i["id"] for i in items],
    }


def _example(bot: Chatbot, ex: Example, reply: Reply) -> dict:
    newest = max(ex.items, key=lambda i: i["created_at"])
    entry = bot.knowledge.get(newest["match_id"]) if newest.get("match_id") else None
    return {
        "text": ex.text,
        "count": ex.count,
        "kind": newest["kind"],
        # What the bot answered then (its entry, the visitor's comment on it) and does now.
        "answered_with": {"id": newest["match_id"],
                          "title": entry.text(ex.lang).question if entry else None}
        if newest.get("answered") and newest.get("match_id") else None,
        "comment": newest.get("comment"),
        "answered_now": {"id": reply.match.id, "title": reply.match.title}
        if _ok(bot, ex, reply) else None,
    }


def _ok(bot: Chatbot, ex: Example, reply: Reply) -> bool:
    """Whether this reply settles the example: a confident answer, and for a reply voted
    not helpful, another entry than the one that was voted down."""
    if not reply.answered or reply.reason == "urgent" or weak(bot, ex.text, reply):
        return False
    voted_down = {i["match_id"] for i in ex.items if i["kind"] == "not_helpful"}
    return reply.match.id not in voted_down


def _nearest(bot: Chatbot, exs: list[Example], lang: str) -> dict | None:
    """The entry the matcher ranks first for the cluster's wordings (weighted by count)."""
    matcher = bot.speakers[lang].matcher
    floor = bot.policy.suggest_threshold
    votes: dict[str, float] = {}
    best_score: dict[str, float] = {}
    for ex in exs:
        ranked = matcher.rank(ex.text, limit=1)
        if ranked and ranked[0].score >= floor:
            top = ranked[0]
            votes[top.entry.id] = votes.get(top.entry.id, 0.0) + top.score * ex.count
            best_score[top.entry.id] = max(best_score.get(top.entry.id, 0.0), top.score)
    if not votes:
        return None
    entry_id = max(votes, key=lambda e: (votes[e], e))
    entry = bot.knowledge.get(entry_id)
    return {"id": entry_id, "title": entry.text(lang).question,
            "score": round(best_score[entry_id], 4)}
