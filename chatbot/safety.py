"""Red-flag gate, run before FAQ matching: a message describing an emergency gets urgent care.

The rules are data, one file per language in chatbot/data/redflags/ (`en.toml`, `tr.toml`); this
module only evaluates them, so a third language is a new file. Every language's rules run on
every message (visitors mix languages and type Turkish without Turkish letters); the language
whose rule fired picks the reply's language.

The gate is for someone describing an emergency happening now, not for questions about the
condition: "can it lead to a fracture?" is a question, "I fell, my leg is bent and I can't stand"
is an emergency. A rule's match counts only if it is
  - not negated: a negator before it in the same sentence ("no fever", "I don't have fever or
    chest pain": the scope runs across a list, and stops at "but", "just", a new subject), or
    after it ("ateş veya göğüs ağrısı yok", "chest pain is not the problem");
  - not hypothetical or causal ("can it cause numbness?", "what if I fall and can't walk?"),
    unless the next sentence says it is the visitor's own (`owned`, below); a laugh ("lol")
    or a minimising question ("is that a sprain?") is nerves, not a hypothetical;
  - not a general question ("is chest pain a symptom?"), unless the visitor says it is theirs
    ("is it normal that my chest hurts?"), or the next sentence does (`owned`: "can you lose
    bowel control with sciatica? it happened twice today");
  - not a subject studied (`study`: "I'm researching heart attack signs for my homework");
  - not history ("I had chest pain last year") unless the visitor says it is still going on;
  - not said to be not now ("(not now)"), not inside an idiom ("bayıldım bu kliniğe": I loved
    it), not inside someone else's story ("in the film a man's leg turned black", until the
    visitor speaks of themselves again);
  - for the `happening` rules (fever with joint pain, shortness of breath...), said about
    someone: a first-person or present-situation cue ("I", "my son", "now", "-iyorum").
"Is this an emergency?" alone describes no symptom and is left to the FAQ (which says when to
seek care). A crisis said indirectly is found from `signals`: two different kinds of weak
evidence in one message ("I've made my peace" and "cancel my appointments permanently").

Text is folded before the rules see it: lower case, accents stripped, Turkish ı/İ mapped to i,
apostrophes dropped ("can't" -> "cant"), punctuation kept only as sentence and clause
boundaries, each language's chat spellings mapped to words ("kms", "cnt"), spoken endings
rewritten to written ones ("olmicam" -> "olmayacagim"), and one typo forgiven in the long,
distinctive words a language lists as `fuzzy` ("sucidal", "unconsious").
"""

from __future__ import annotations

import bisect
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .patterns import compile_quick, needles

# Most important first: the first category that matches wins. Each of the first four tells the
# visitor something the others do not: a crisis gets a calm reply with the crisis line; violence
# the police and a safe place; breathing to call now and stay on the line; a poisoning the
# poison line too. The others share the urgent-care reply.
URGENT_CATEGORIES = ("crisis", "violence", "breathing", "poisoning", "cardiac", "neuro",
                     "circulation", "infection", "injury")
# Lines a clinic may set (chatbot.knowledge.Clinic), each named only in the replies that hold
# its placeholder, and only when set: none is ever invented.
LINES = ("crisis_line", "poison_line")
CONTEXT = 200  # characters read around a match: keeps long messages linear
WINDOW = 40  # ...and words
FUZZY_MIN_LENGTH = 6  # shorter words have too many real neighbours ("numb"/"dumb")
NEVER = r"(?!x)x"  # a context a language leaves out matches nothing
FRAME = "(?#frame)"  # marks a rule part that is the setting, not the symptom
RECENT = "(?#recent)"  # ...a setting that may be past, but not long past (see `distant`)

_TOKEN = re.compile(r"[a-z0-9]+|[.!?;:\n]|,")
_LETTERS = str.maketrans({"ı": "i", "İ": "i", "’": "'", "‘": "'", "`": "'", "ʼ": "'", "ß": "ss"})


@dataclass(frozen=True)
class Flag:
    """An emergency found in a message: its category and the language of the rule that fired."""

    category: str
    language: str


class Language:
    """One language's red-flag rules, compiled from its data file."""

    def __init__(self, code: str, data: dict):
        self.code = code
        terms = data.get("terms", {})
        self._terms = {name: self._alternation(value) for name, value in terms.items()}
        self.spellings: dict[str, str] = data.get("spellings", {})
        self.fuzzy: tuple[str, ...] = tuple(sorted(w for w in data.get("fuzzy", {})
                                                   .get("words", ())))
        self.never_corrected = frozenset(data.get("fuzzy", {}).get("never", ()))
        morphology = data.get("morphology", {})
        self.rewrites = tuple((re.compile(pattern), repl)
                              for pattern, repl in morphology.get("rewrites", ()))
        self.never_rewritten = frozenset(morphology.get("never", ()))
        self._corrected: dict[str, str] = {}
        ctx = data["context"]
        self.negators_before = self._phrases(ctx.get("negators_before", ()))
        self.negators_after = self._phrases(ctx.get("negators_after", ()))
        self.negators_inside = frozenset(ctx.get("negators_inside", ()))
        self.list_negators_after = self._phrases(ctx.get("list_negators_after", ()))
        self.affirming = self._phrases(ctx.get("affirming", ()))
        self.passed_after = self._phrases(ctx.get("passed_after", ()))
        self.list_gap = ctx.get("list_gap", 8)
        self.breakers = self._phrases(ctx.get("breakers", ()))
        self.joiners = frozenset(ctx.get("joiners", ()))
        self.gap_before = ctx.get("gap_before", 6)
        self.gap_after = ctx.get("gap_after", 0)
        self.clause_final = self._regex(ctx.get("clause_final", NEVER))
        self.hypothetical = self._regex(ctx["hypothetical"])
        self.question = self._regex(ctx["question"])
        self.question_head = self._regex(ctx.get("question_head", NEVER))
        self.question_after = self._regex(ctx["question_after"])
        self.history = self._regex(ctx["history"])
        self.still = self._regex(ctx["still"])
        self.resolved = self._regex(ctx.get("resolved", NEVER))
        self.personal = self._regex(ctx["personal"])
        self.situation = self._regex(ctx["situation"])
        self.story = self._regex(ctx.get("story", NEVER))
        self.story_break = self._regex(ctx.get("story_break", NEVER))
        self.not_now = self._regex(ctx.get("not_now", NEVER))
        self.study = self._regex(ctx.get("study", NEVER))
        self.owned = self._regex(ctx.get("owned", NEVER))
        self.past_form = self._regex(ctx.get("past_form", NEVER))
        self.distant = self._regex(ctx.get("distant", NEVER))
        self.idioms = self._regex("|".join(ctx.get("idioms", ())) or NEVER)
        self.frames: set[int] = set()  # id() of the rule parts that are frames
        self.recent: set[int] = set()  # ...of the frames that must not be long past
        # Rule parts and signals with the literal strings one of which each match holds: a
        # pattern none of whose strings is in a message is not run on it (see `possible`).
        self._needles: dict[re.Pattern, frozenset[str] | None] = {}
        self.rules: dict[str, list[tuple[re.Pattern, ...]]] = {}
        self.happening: dict[str, list[tuple[re.Pattern, ...]]] = {}
        self.asking: dict[str, list[tuple[re.Pattern, ...]]] = {}  # count even as a question
        self.conditional: set[str] = set()  # categories that count even in an "if" sentence
        self.unless: dict[str, re.Pattern] = {}  # a sentence with this is not this category
        # Signals: kinds of indirect evidence ("I won't be around", "I gave my cat away"), each
        # too weak alone; `signals_needed` different kinds in one message make the category.
        self.signals: dict[str, list[re.Pattern]] = {}
        self.signals_needed: dict[str, int] = {}
        for category, table in data.get("rules", {}).items():
            if category not in URGENT_CATEGORIES:
                raise ValueError(f"redflags/{code}: unknown category {category!r}")
            self.rules[category] = [self._rule(r) for r in table.get("always", ())]
            self.happening[category] = [self._rule(r) for r in table.get("happening", ())]
            self.asking[category] = [self._rule(r) for r in table.get("asking", ())]
            if not table.get("hypothetical", True):
                self.conditional.add(category)
            if table.get("unless"):
                self.unless[category] = self._regex("|".join(table["unless"]))
            if table.get("signals"):
                self.signals[category] = [self._regex("|".join(kind), filtered=True)
                                          for kind in table["signals"].values()]
                self.signals_needed[category] = table.get("signals_needed", 2)
        self.replies: dict[str, str] = data.get("replies", {})
        # Each category's rules in order ("always", "happening", "asking"), and for each
        # pattern the rules it is a part of: a message's few possible patterns name the only
        # rules that can fire on it.
        self._table: dict[str, list[tuple[tuple[re.Pattern, ...], str]]] = {
            category: [(parts, kind) for kind, table in (("always", self.rules),
                                                        ("happening", self.happening),
                                                        ("asking", self.asking))
                       for parts in table.get(category, ())]
            for category in self.rules}
        self._containing: dict[int, list[tuple[str, int]]] = {}
        for category, table in self._table.items():
            for at, (parts, _) in enumerate(table):
                for part in set(parts):
                    self._containing.setdefault(id(part), []).append((category, at))
        # Patterns are named by id() in these sets: hashing a compiled regex hashes its whole
        # program, every time.
        self._unfiltered = frozenset(id(p) for p, n in self._needles.items() if n is None)
        self._by_needle: dict[str, set[int]] = {}
        for pattern, strings in self._needles.items():
            for needle in strings or ():
                self._by_needle.setdefault(needle, set()).add(id(pattern))
        # Found through their first KEY characters, which a message's own KEY-grams are
        # looked up against in one set operation (shorter needles are looked for directly).
        self._short = tuple(n for n in self._by_needle if len(n) < KEY)
        self._by_key: dict[str, tuple[str, ...]] = {}
        for needle in self._by_needle:
            if len(needle) >= KEY:
                self._by_key[needle[:KEY]] = (*self._by_key.get(needle[:KEY], ()), needle)

    def candidates(self, possible: set[int]) \
            -> dict[str, list[tuple[tuple[re.Pattern, ...], str]]]:
        """Return, by category, the rules (parts, kind) whose every part is possible."""
        found: dict[str, set[int]] = {}
        for pattern in possible:
            for category, at in self._containing.get(pattern, ()):
                found.setdefault(category, set()).add(at)
        out = {}
        for category, ats in found.items():
            table = self._table[category]
            rules = [table[at] for at in sorted(ats)
                     if all(id(p) in possible for p in table[at][0])]
            if rules:
                out[category] = rules
        return out

    def possible(self, text: str) -> set[int]:
        """Return the rule parts and signals (their id()) that can match in a folded text.

        The others hold none of their needles, so the regex engine would find nothing: not
        running them changes no verdict, and most messages need only a few of ~200 patterns.
        """
        found = set(self._unfiltered)
        grams = {text[i:i + KEY] for i in range(len(text) - KEY + 1)}
        for key in self._by_key.keys() & grams:
            for needle in self._by_key[key]:
                if needle in text:
                    found |= self._by_needle[needle]
        for needle in self._short:
            if needle in text:
                found |= self._by_needle[needle]
        return found

    def _expand(self, pattern: str, depth: int = 0) -> str:
        if depth > 5:
            raise ValueError(f"redflags/{self.code}: terms nested too deep in {pattern!r}")
        return re.sub(r"<(\w+)>", lambda m: self._expand(self._terms[m.group(1)], depth + 1),
                      pattern)

    @staticmethod
    def _alternation(value: str | list[str]) -> str:
        if isinstance(value, str):
            return f"(?:{value})"
        # A trailing * is "any ending" (Turkish suffixes: "bacag*" is bacagim, bacagimi...).
        items = [re.sub(r"\*$", r"\\w*", v) for v in value]
        return "(?:" + "|".join(sorted(items, key=len, reverse=True)) + ")"

    def _regex(self, pattern: str, *, filtered: bool = False) -> re.Pattern:
        pattern = self._expand(pattern)
        found = needles(pattern) if filtered else None
        compiled = compile_quick(pattern)
        if filtered:
            self._needles[compiled] = found
        return compiled

    def _rule(self, rule: str | list[str]) -> tuple[re.Pattern, ...]:
        # A list is "all of these, anywhere in the message".
        sources = [rule] if isinstance(rule, str) else rule
        parts = tuple(self._regex(p, filtered=True) for p in sources)
        # A part marked (?#frame) is the setting, not the symptom ("since the operation two
        # weeks ago"): it may be past.
        self.frames.update(id(p) for p, source in zip(parts, sources, strict=True)
                           if source.startswith((FRAME, RECENT)))
        # A part marked (?#recent) may be past too, but not long past: a stroke sign that came
        # and went this morning is a warning, one "in 2021" is medical history.
        self.recent.update(id(p) for p, source in zip(parts, sources, strict=True)
                           if source.startswith(RECENT))
        return parts

    @staticmethod
    def _phrases(items) -> _Phrases:
        return _Phrases(items)

    def correct(self, word: str) -> str:
        """Return the word the rules know it as (chat spelling, colloquial ending, typo)."""
        found = self._corrected.get(word)
        if found is None:
            if len(self._corrected) > 65536:
                self._corrected.clear()
            found = self._corrected[word] = self._correct(word)
        return found

    def _correct(self, word: str) -> str:
        if word in self.spellings:
            return self.spellings[word]
        if word not in self.never_rewritten:
            # A colloquial ending in its written form ("olmicam" -> "olmayacagim"): the rules
            # then need only the written forms.
            for pattern, repl in self.rewrites:
                rewritten, n = pattern.subn(repl, word, count=1)
                if n:
                    return rewritten
        if len(word) < FUZZY_MIN_LENGTH or word in self.never_corrected or not self.fuzzy:
            return word
        return _nearest(word, self.fuzzy)


KEY = 4  # characters a needle is found by (see Language.possible)
class _Phrases:
    """Word sequences ("do not", "hiçbiri yok"), looked up by the word they start or end with."""

    def __init__(self, items):
        self.by_first: dict[str, list[tuple[str, ...]]] = {}
        self.by_last: dict[str, list[tuple[str, ...]]] = {}
        self.words: set[str] = set()
        for phrase in {tuple(p.split()) for p in items}:
            self.by_first.setdefault(phrase[0], []).append(phrase)
            self.by_last.setdefault(phrase[-1], []).append(phrase)
            self.words.update(phrase)
        self.longest = max((len(p) for ps in self.by_first.values() for p in ps), default=0)

    def starting(self, words: list[str], i: int) -> list[tuple[str, ...]]:
        """Return the phrases found in words at i (the longest first is not promised)."""
        return [p for p in self.by_first.get(words[i], ()) if tuple(words[i:i + len(p)]) == p]

    def ends(self, words: list[str], i: int) -> bool:
        return any(i - len(p) + 1 >= 0 and tuple(words[i - len(p) + 1:i + 1]) == p
                   for p in self.by_last.get(words[i], ()))

    def covers(self, words: list[str], i: int) -> bool:
        if words[i] not in self.words:
            return False
        return any(j + len(p) > i for j in range(max(i - self.longest + 1, 0), i + 1)
                   for p in self.starting(words, j))


@lru_cache(maxsize=65536)
def _nearest(word: str, vocabulary: tuple[str, ...]) -> str:
    found = process.extractOne(word, vocabulary, scorer=OSA.distance, score_cutoff=1)
    return found[0] if found else word


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text)
                                 .translate(_LETTERS).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("'", "")
    return re.sub(r"(?<=\d)[.,:](?=\d)", " ", text)  # "39.5" is a number, not two sentences


class _Message:
    """A message as one language reads it: words joined by spaces, with its boundaries."""

    def __init__(self, tokens: list[str], lang: Language):
        self.lang = lang
        self.words: list[str] = []
        self.after: list[str] = []  # the boundary after each word: "", "," or "."
        for token in tokens:
            if token[0].isalnum():
                for word in lang.correct(token).split():
                    self.words.append(word)
                    self.after.append("")
            elif self.words:
                self.after[-1] = "," if token == "," and self.after[-1] != "." else "."
        self.text = " ".join(self.words)
        self.possible = lang.possible(self.text)

    def _lay_out(self) -> None:
        """Word offsets, idioms, sentence and clause bounds: what reading a match needs.

        Done on the first match only (most messages have none), and once: looking the bounds
        up per match keeps long messages without punctuation linear.
        """
        if hasattr(self, "starts"):
            return
        self.starts, at = [], 0
        for word in self.words:
            self.starts.append(at)
            at += len(word) + 1
        # Idioms ("bu kliniğe bayıldım": I loved this clinic): a rule's match inside one says
        # nothing.
        self.idioms = [m.span() for m in self.lang.idioms.finditer(self.text)]
        n = len(self.words)
        self._first = {".": [0] * n, ",": [0] * n}
        self._last = {".": [0] * n, ",": [0] * n}
        for stop in (".", ","):
            ends = {"."} if stop == "." else {".", ","}
            start = 0
            for i in range(n):
                self._first[stop][i] = start
                if self.after[i] in ends or i == n - 1:
                    for j in range(start, i + 1):
                        self._last[stop][j] = i
                    start = i + 1

    def _word_at(self, offset: int) -> int:
        return max(bisect.bisect_right(self.starts, offset) - 1, 0)

    def _bounds(self, first: int, last: int, stop: str) -> tuple[int, int]:
        """Word range of the sentence (stop ".") or clause (stop ",") around words first..last.

        Clamped to WINDOW words either side: what is further away says nothing about a match.
        """
        return (max(self._first[stop][first], first - WINDOW),
                min(self._last[stop][last], last + WINDOW))

    def _phrase_ends(self, i: int, phrases: _Phrases) -> bool:
        return phrases.ends(self.words, i)

    def _phrase_starts(self, i: int, phrases: _Phrases) -> bool:
        return i < len(self.words) and bool(phrases.starting(self.words, i))

    def negated(self, first: int, last: int) -> bool:
        """Whether a negator governs words first..last, before them or after them."""
        lang = self.lang
        # A match that is itself a frame ("since the injection", "iğneden sonra") is not what
        # a negator nearby denies ("hasn't moved since the injection").
        if self._phrase_starts(first, lang.breakers) or self._phrase_ends(last, lang.breakers):
            return False
        if any(w in lang.negators_inside and not self._phrase_covers(i, lang.affirming)
               for i, w in enumerate(self.words[first + 1:last], first + 1)):
            return True  # "göğsümde değil, sırtımda ağrı var": the pattern spanned a denial
        i, gap, comma = first - 1, 0, False
        while i >= 0 and gap <= lang.gap_before and self.after[i] != ".":
            comma = comma or self.after[i] == ","
            if self._phrase_ends(i, lang.negators_before):
                return not comma or self._joined(i, last)
            if self._phrase_ends(i, lang.breakers):
                break
            i, gap = i - 1, gap + 1
        if lang.clause_final.fullmatch(self.words[last]):
            # A finite verb closes a Turkish clause: what follows is another one, unless it
            # says the first one passed ("uyuştu geçti").
            return self.after[last] != "." and self._phrase_starts(last + 1, lang.passed_after)
        i, gap, comma = last + 1, 0, self.after[last] != ""
        while i < len(self.words) and self.after[i - 1] != ".":
            if gap > max(lang.gap_after, lang.list_gap):
                break
            if self._phrase_covers(i, lang.affirming):
                pass  # "yerinde değil" (out of place), "güç kalmadı": the denial is the symptom
            elif self._list_negator(i):
                return True  # "ateş, titreme, uyuşma hiçbiri yok": denies the whole list
            elif gap <= lang.gap_after and self._phrase_starts(i, lang.negators_after):
                return not comma or self._closes_list(first, i)
            if self._phrase_starts(i, lang.breakers) or lang.clause_final.fullmatch(self.words[i]):
                break
            comma = comma or self.after[i] == ","
            i, gap = i + 1, gap + 1
        return False

    def _list_negator(self, i: int) -> bool:
        """Whether a list-wide denial starts at word i and closes its clause ("none of those.")."""
        for p in self.lang.list_negators_after.starting(self.words, i):
            end = i + len(p) - 1
            if end == len(self.words) - 1 or self.after[end] or \
                    self._phrase_starts(end + 1, self.lang.breakers):
                return True
        return False

    def _phrase_covers(self, i: int, phrases: _Phrases) -> bool:
        return phrases.covers(self.words, i)

    def _closes_list(self, first: int, i: int) -> bool:
        """Whether a denial at word i, past a comma, closes a list the match is in.

        "ateş, titreme veya uyuşma yok": the joiner is in the denial's own clause. "buz gibi ve
        mosmor, ağrı yok": that clause names its own noun with no joiner, so it denies only that.
        """
        start = self._first[","][i]
        if start == i:
            return self._joined(first, i)  # "ateş veya titreme, yok": the denial stands alone
        return any(w in self.lang.joiners for w in self.words[start:i])

    def _joined(self, a: int, b: int) -> bool:
        """Whether words a..b (and the rest of b's clause) are one list ("fever, chills or...")."""
        _, end = self._bounds(b, b, ",")
        _, end = self._bounds(end + 1, end + 1, ",") if end + 1 < len(self.words) else (0, end)
        return any(w in self.lang.joiners for w in self.words[a: end + 1])

    def _history(self, first: int, last: int, sentence: str) -> bool:
        """Whether a match is told as past: a history cue, and no sign it is still going on.

        A cue in the match's own clause ("I had a stroke 3 years ago and now...") needs the
        "still" next to the match ("I fell last week and still can't walk"); a cue elsewhere in
        the sentence is cancelled by a "still" anywhere in it.
        """
        lang = self.lang
        if not lang.history.search(sentence):
            return False
        if lang.resolved.search(sentence):
            return True  # "...in 2015 and is fine now": the "now" says it is over
        c_first, c_last = self._bounds(first, last, ",")
        if lang.history.search(" ".join(self.words[c_first:c_last + 1])):
            near = " ".join(self.words[max(first - 4, c_first): min(last + 3, c_last + 1)])
            return not lang.still.search(near)
        return not lang.still.search(sentence)

    def signalled(self, category: str) -> bool:
        """Whether enough different kinds of a category's signals describe this message."""
        kinds = self.lang.signals.get(category)
        if not kinds:
            return False
        kinds = [k for k in kinds if id(k) in self.possible]
        needed = self.lang.signals_needed[category]
        if len(kinds) < needed:
            return False
        found = 0
        for kind in kinds:
            found += any(self.describes(m, category) for m in kind.finditer(self.text))
            if found >= needed:
                return True
        return False

    def _verb_is(self, last: int, form: re.Pattern) -> bool:
        """Whether the match's last word, or the verb right after it, has this form."""
        end = last + 2 if not self.after[last] else last + 1
        return any(form.fullmatch(w) for w in self.words[last:end])

    def _story(self, before: str) -> bool:
        """Whether the text before a match, in its sentence, puts it in someone else's story.

        "I watched a film where a man's leg turned black", "dizide adam intihar etti": the
        frame holds until the visitor speaks of themselves again ("...and now I can't breathe").
        """
        end = max((cue.end() for cue in self.lang.story.finditer(before)), default=None)
        return end is not None and not self.lang.story_break.search(before, end)

    def describes(self, match: re.Match, category: str, asking: bool = False,
                  frame: bool = False, recent: bool = False) -> bool:
        """Tell whether a match is said about a real, present situation (see module doc)."""
        self._lay_out()
        first, last = self._word_at(match.start()), self._word_at(max(match.end() - 1, 0))
        if self.negated(first, last):
            return False
        if any(a < match.end() and match.start() < b for a, b in self.idioms):
            return False
        s_first, s_last = self._bounds(first, last, ".")
        lo = max(self.starts[s_first], match.start() - CONTEXT)
        hi = min(self.starts[s_last] + len(self.words[s_last]), match.end() + CONTEXT)
        before, after = self.text[lo:match.start()], self.text[match.end():hi].strip()
        sentence = before + match.group()
        lang = self.lang
        clause_end = self._bounds(last, last, ",")[1]
        clause_after = self.text[match.end():self.starts[clause_end] + len(self.words[clause_end])]
        # "does sciatica usually make you lose bowel control? happened twice today": the
        # general frame was the visitor's way of telling it (`owned`)
        if category not in lang.conditional and (lang.hypothetical.search(sentence)
                                                 or lang.hypothetical.search(clause_after)) \
                and not self._owned(last):
            return False
        unless = lang.unless.get(category)
        if unless and unless.search(sentence + " " + after):
            return False
        if self._story(before):
            return False
        whole = sentence + " " + after
        # "a tight chest before the dentist (not now)", "for my homework"; a sign that came
        # and went (a `recent` part) is the warning even when it is not there now
        if category not in lang.conditional and (
                (lang.not_now.search(whole) and not recent) or lang.study.search(whole)):
            return False
        if frame:
            # "protez ameliyatı 2 hafta önce": a frame is meant to be past; a (?#recent) one
            # not long past ("in 2021 my face drooped for a few minutes" is history)
            return not (recent and lang.distant.search(whole))
        if self._verb_is(last, lang.past_form):
            return False  # "omzu çıkmıştı": the verb itself says it is over
        if self._history(first, last, whole):
            return False
        if asking:
            return True
        general = lang.question.search(sentence.lstrip()) or lang.question_after.search(after)
        # "can I lose bladder control?" asks about a possibility: its "I" says nothing personal.
        return not general or self._owned(last) or \
            bool(lang.personal.search(lang.question_head.sub("", whole.lstrip())))

    def _owned(self, last: int) -> bool:
        """Whether the sentence after a general question says it is the visitor's own.

        "Can you lose bowel control with sciatica? It happened twice today": the question was
        the visitor's way of telling it.
        """
        start = self._last["."][last] + 1
        if start >= len(self.words):
            return False
        end = min(self._last["."][start], start + WINDOW)
        return bool(self.lang.owned.search(" ".join(self.words[start:end + 1])))


@lru_cache(maxsize=1)
def languages() -> tuple[Language, ...]:
    """Load every language file shipped in chatbot/data/redflags/."""
    folder = resources.files("chatbot") / "data" / "redflags"
    found = sorted((f.name[:-5], f) for f in folder.iterdir() if f.name.endswith(".toml"))
    return tuple(Language(code, tomllib.loads(f.read_text(encoding="utf-8")))
                 for code, f in found)


def check(text: str) -> Flag | None:
    """Return the emergency a message describes (category and language), or None."""
    if not isinstance(text, str):
        return None
    tokens = _TOKEN.findall(_fold(text))
    hits: dict[str, str] = {}
    for lang in languages():
        message = _Message(tokens, lang)
        candidates = lang.candidates(message.possible)
        situation = None
        for category in URGENT_CATEGORIES:
            if category in hits:
                continue
            rules = candidates.get(category, ())
            if situation is None and any(kind == "happening" for _, kind in rules):
                situation = bool(lang.situation.search(message.text))
            if any((kind != "happening" or situation) and all(any(
                        message.describes(m, category, kind == "asking", id(part) in lang.frames,
                                          id(part) in lang.recent)
                        for m in part.finditer(message.text)) for part in parts)
                   for parts, kind in rules) or message.signalled(category):
                hits[category] = lang.code
                break  # a later category of this language can't win over this one
    for category in URGENT_CATEGORIES:
        if category in hits:
            return Flag(category, hits[category])
    return None


def red_flag(text: str) -> str | None:
    """Return the emergency category a message describes, or None."""
    flag = check(text)
    return flag.category if flag else None


def reply_languages() -> frozenset[str]:
    """Return the languages the urgent replies are written in."""
    return frozenset(lang.code for lang in languages() if lang.replies)


def urgent_text(flag: Flag, *, emergency_number: str, **lines: str | None) -> str:
    """Return the urgent reply for a flag, in the language of the rule that fired.

    `lines`: the clinic's `crisis_line` and `poison_line`; each is named, in the sentence the
    language's `replies` give under its name, only in the replies with its placeholder.
    """
    unknown = set(lines) - set(LINES)
    if unknown:
        raise TypeError(f"urgent_text: unknown line {', '.join(sorted(unknown))}")
    replies = next(lang.replies for lang in languages() if lang.code == flag.language)
    text = replies.get(flag.category) or replies["urgent"]
    filled = {name: replies[name].format(**{name: lines[name]}) if lines.get(name) else ""
              for name in LINES}
    return text.format(number=emergency_number, **filled).strip()
