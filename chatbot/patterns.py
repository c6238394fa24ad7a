"""Reading a regex's own parse: which characters a match can start with, to search faster.

Python's regex engine tries a pattern at every position of a text. Told the characters a
match can start with (a lookahead class in front), it skips the other positions quickly: a
large alternation ("is it {condition}|should i * {intervention}|...") runs about twice as
fast on a message. The red-flag rules and the matcher's judgement frames are compiled so.
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
