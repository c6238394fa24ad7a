"""Reading a regex's own parse: which characters a match can start with, to search faster.

Python's regex engine tries a pattern at every position of a text. Told the characters a
match can start with (a lookahead class in front), it skips the other positions quickly: a
large alternation ("is it {condition}|should i * {intervention}|...") runs about twice as
fast on a message. The red-flag rules and the matcher's judgement frames are compiled so.

Read the same way, the literal strings one of which every match holds (`needles`): a text
holding none of them is not searched at all.
"""

from __future__ import annotations

import re
from functools import lru_cache

_FLAGS_FIRST = re.compile(r"\(\?[aiLmsux]+\)")  # global flags must stay at the very start


def compile_quick(pattern: str) -> re.Pattern:
    """Compile a pattern, told the characters its matches start with when that is known."""
    first = first_chars(pattern)
    if first and not _FLAGS_FIRST.match(pattern):
        pattern = f"(?=[{''.join(re.escape(ch) for ch in sorted(first))}])(?:{pattern})"
    return re.compile(pattern)


@lru_cache(maxsize=2)
def parse(pattern: str):
    """The regex module's own parse of a pattern (read twice per red-flag rule: first
    characters and needles; parsing is most of loading the rules)."""
    from re import _parser
    return _parser.parse(pattern)


def first_chars(pattern: str) -> set[str] | None:
    """Return the characters any match of a regex starts with, or None if that is not known."""
    try:
        from re import _constants as c
        first, nullable = _first_of(parse(pattern).data, c)
    except Exception:  # a private module of the standard library changed: go without
        return None
    return None if nullable else first


def class_chars(items, c, *, widest: int, digits: bool) -> set[str] | None:
    """The characters a parsed class ("[a-z0-9']") can match, or None when it is too wide to
    list: a range of `widest` characters or more, a negation, a category (\\d only if
    `digits`)."""
    chars: set[str] = set()
    for kind, value in items:
        if kind is c.LITERAL:
            chars.add(chr(value))
        elif kind is c.RANGE and value[1] - value[0] < widest:
            chars.update(map(chr, range(value[0], value[1] + 1)))
        elif digits and kind is c.CATEGORY and value is c.CATEGORY_DIGIT:
            chars.update("0123456789")
        else:
            return None
    return chars


def _first_of(items, c) -> tuple[set[str] | None, bool]:
    """First characters of a parsed regex sequence, and whether it can match nothing."""
    found: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            return found | {chr(av)}, False
        if op is c.IN:
            chars = class_chars(av, c, widest=128, digits=True)
            return (None, False) if chars is None else (found | chars, False)
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero width: what follows starts the match
        if op is c.SUBPATTERN:
            sub, nullable = _first_of(av[-1].data, c)
        elif op is c.ATOMIC_GROUP:
            sub, nullable = _first_of(av.data, c)
        elif op is c.BRANCH:
            sub, nullable = set(), False
            for branch in av[1]:
                one, empty = _first_of(branch.data, c)
                if one is None:
                    return None, False
                sub, nullable = sub | one, nullable or empty
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            sub, nullable = _first_of(av[2].data, c)
            nullable = nullable or av[0] == 0
        else:
            return None, False
        if sub is None:
            return None, False
        found |= sub
        if not nullable:
            return found, False
    return found, True


NEEDLES_MAX = 64  # strings in a set of alternatives before it stops being spelt out


def needles(pattern: str) -> frozenset[str] | None:
    """Return literal strings one of which every match of a regex contains, or None if the
    regex guarantees none (then it always runs). Read from the regex's own parse, as RE2's
    and Hyperscan's prefilters do: "\\b(?:my|his) (?:leg|arm)\\b.{0,9}bent" gives the four
    phrases "my leg", "my arm"... (the longest strings the parse allows are the rarest)."""
    try:
        from re import _constants as c
        parsed = parse(pattern)
        if parsed.state.flags & c.SRE_FLAG_IGNORECASE:
            return None
        _, needed = _literal_of(parsed.data, c)
    except Exception:  # a private module of the standard library changed: go without
        return None
    return frozenset(needed) if needed else None


def _literal_of(items, c) -> tuple[set[str] | None, set[str] | None]:
    """For a parsed regex sequence: every string it can match, if few (else None), and the
    best set of strings one of which every match contains (None if there is none)."""
    run: set[str] = {""}   # the strings of the fixed stretch being read
    candidates: list[set[str]] = []
    exact_all: set[str] | None = {""}

    def close(stretch):
        if stretch and "" not in stretch:
            candidates.append(stretch)

    for op, av in items:
        exact, needed = _literal_node(op, av, c)
        if needed:
            candidates.append(needed)
        if exact is not None and len(run) * len(exact) <= NEEDLES_MAX:
            run = {a + b for a in run for b in exact}
        else:  # the stretch ends here; a new one starts after a variable part
            close(run)
            run = exact if exact is not None else {""}
        if exact is None or exact_all is None or len(exact_all) * len(exact) > NEEDLES_MAX:
            exact_all = None
        else:
            exact_all = {a + b for a in exact_all for b in exact}
    close(run)
    best = max(candidates, key=lambda s: (min(map(len, s)), -len(s)), default=None)
    return exact_all, best


def _literal_node(op, av, c) -> tuple[set[str] | None, set[str] | None]:
    if op is c.LITERAL:
        return {chr(av)}, None
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return {""}, None  # zero width: the stretch around it goes on
    if op is c.IN:
        return class_chars(av, c, widest=16, digits=False), None
    if op is c.SUBPATTERN:
        if av[1] & c.SRE_FLAG_IGNORECASE:
            raise ValueError("case-insensitive group")
        return _literal_of(av[-1].data, c)
    if op is c.ATOMIC_GROUP:
        return _literal_of(av.data, c)
    if op is c.BRANCH:
        exact: set[str] | None = set()
        needed: set[str] | None = set()
        for branch in av[1]:
            one, need = _literal_of(branch.data, c)
            exact = exact | one if exact is not None and one is not None else None
            if need is None and one is not None and "" not in one:
                need = one
            needed = needed | need if needed is not None and need is not None else None
        if exact is not None and len(exact) > NEEDLES_MAX:
            exact = None
        return exact, (exact if exact is not None and "" not in exact else needed)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, high, sub = av
        one, need = _literal_of(sub.data, c)
        if low == 0:
            return (one | {""} if one is not None and high == 1 else None), None
        if need is None and one is not None and "" not in one:
            need = one
        return (one if low == high == 1 else None), need
    return None, None  # any character, a class, a back reference: nothing fixed
