"""Whether a message is about what an entry is about, judged by the words the visitor typed.

A term the matcher shares with an entry may have come from an everyday word: "last night"
reads "chronic" and "sleep" through the lay synonyms, "visa application" shares "application"
with "Ice Application", "galatasaray bu hafta" shares "hafta" with the athletes' entry. A term
carries a topic when one of the words it was read from

- is medical vocabulary (`chatbot/data/<lang>/domain.json`, plus the medical cue lists of
  `cues.json`: body parts, medicines, conditions, interventions, records);
- is a word of the knowledge rare in the language (Zipf below `rare_zipf`: "bioplasty"), or
  the knowledge's own word (in `own_entries` entries, as written, under `own_zipf`: "virus"
  in a covid FAQ);
- names one of the articles' topics, or is a lay phrase of two content words read as a
  medical term ("cut me open": surgery).

A message with such a term is about medicine, and the decision's other rules apply. One with
none ("is it serious", "how long", "who won the arsenal game last night") is answered from an
article's entry only when the entry explains most of it, each word weighing by how rare it
is in the language (`Topicality.explains`, used by `dialogue.py`); from the clinic's own
entries (hours, contact) only when they together explain most of it, when the visitor would
come ("tomorrow", "akşam": `cues.json` "times") aside ("who invented the telephone" is no
request to the clinic).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .language import DATA, Language
from .matcher import Weights


@dataclass(frozen=True)
class TopicWeights:
    """Tuning of the topic check; chosen on the dev sets (docs/matching.md)."""

    rare_zipf: float = 3.5   # a typed word rarer than this in the language carries a topic
    # An entry that shares no such word with a message that has none answers only if it
    # explains this share of the message ('how long', 'is it serious': all of it).
    coverage: float = 0.55
    # A word the knowledge uses as written in this many entries, and less common than this,
    # is its own vocabulary ("virus" in a covid FAQ, "elbow" in an elbow article).
    own_entries: int = 3
    own_zipf: float = 5.0


def lexicon(lang: Language) -> tuple[str, ...]:
    """The language's medical vocabulary: domain.json and the medical cue lists."""
    path = DATA / lang.code / "domain.json"
    words = list(json.loads(path.read_text(encoding="utf-8"))["words"]) if path.exists() else []
    own = lang.own_case or {}
    for key in ("body", "medicines", "interventions", "records", "conditions"):
        words += own.get(key, [])
    for key in ("other_condition", "other_treatment", "serious_condition", "other_body_part"):
        words += lang.out_of_scope.get(key, [])
    return (*words, *lang.related_conditions)


class Topicality:
    """Which terms of a message carry a medical topic, in one language."""

    def __init__(self, lang: Language, topic_terms: frozenset[str], *,
                 weights: TopicWeights | None = None, word_weights: Weights | None = None):
        self.lang = lang
        self.weights = weights or TopicWeights()
        # Everyday words weigh what the matcher gives words the knowledge never uses
        # (`Weights.unseen`, docs/matching.md "Scores").
        self.word_weights = word_weights or Weights()
        self._topic_terms = topic_terms
        self._medical = _WordList(lang, lexicon(lang))
        self._times = _WordList(lang, lang.times)

    def medical_words(self, words: tuple[str, ...]) -> set[str]:
        """The words of a message that are medical vocabulary, alone or in a phrase."""
        return self._medical.found(words)

    def rare(self, word: str, below: float | None = None) -> bool:
        """Whether a typed word is rarer than `below` (default `rare_zipf`) in the language
        (an unknown word is rare)."""
        return self._zipf(word) < (self.weights.rare_zipf if below is None else below)

    def carriers(self, analysis, known) -> frozenset[str]:
        """The terms of an analysed message that carry a topic (see the module's docstring).

        `known(term)`: whether the knowledge uses a term; a rare word it does not use
        ("galatasaray", a typo) carries no topic of ours.
        """
        key = (self, "carriers")
        if key not in analysis.memo:
            medical = self.medical_words(analysis.words)
            out = set()
            for term in analysis.weights:
                typed = analysis.sources.get(term, (term,))
                # A lay phrase of two content words or more read as a medical term ("cut me
                # open": surgery) is as specific as the term; one everyday word ("last":
                # chronic, "night": sleep) is not.
                phrase = sum(w not in self.lang.stopwords for w in typed) >= 2 and \
                    term in self._medical.stems
                uses = known(term)
                if term in self._topic_terms or phrase or any(w in medical for w in typed) or \
                        uses and any(self.rare(w) for w in typed) or \
                        uses >= self.weights.own_entries and \
                        any(self.lang.stem(w) == term and self.rare(w, self.weights.own_zipf)
                            for w in typed):
                    out.add(term)
            analysis.memo[key] = frozenset(out)
        return analysis.memo[key]

    def explains(self, analysis, entry_terms: set[str], known, *, request: bool = False) -> bool:
        """Whether an entry may answer a message, as far as its topic goes.

        It may when the message has a topic-carrying term (the subject is medical; the
        question itself may be everyday words: "...ağrı... kendi geçmesini beklemek doğru
        mu"). A message with none ("how long", "is it serious", "who won the arsenal game
        last night") is answered only by an entry that explains most of it: `coverage` of
        its words, each weighing by how rare the typed word is in the language (the
        knowledge's weights would make "week" or "application" look rare). Terms read from
        the same typed words ("hafta sonu": week, weekday) are one word of the message.

        `request`: the entry is one of the clinic's own (hours, contact), whose subject is
        everyday words by nature; `entry_terms` are then those of all of them. When the
        visitor would come or call ("tomorrow", "at 8pm", "akşam 7'de") is the request's
        circumstance: it counts when the entries name it ("öğle arası", "are you open
        now"), and is never held against them: "what time do you open tomorrow" is
        explained whole, "what time does the pharmacy close" a third.
        """
        if self.carriers(analysis, known):
            return True
        words: dict[tuple[str, ...], bool] = {}
        for term in analysis.weights:
            typed = analysis.sources.get(term, (term,))
            words[typed] = words.get(typed, False) or term in entry_terms
        if request:
            times = self._times.found(analysis.words)
            words = {typed: covered for typed, covered in words.items()
                     if covered or not all(w in times or w.isdigit() for w in typed)}
        weights = {typed: self._everyday_weight(typed) for typed in words}
        total = sum(weights.values())
        covered = sum(w for typed, w in weights.items() if words[typed])
        return total > 0 and covered / total >= self.weights.coverage

    def _everyday_weight(self, typed: tuple[str, ...]) -> float:
        """How much a typed word (a phrase: its rarest word) says, by its frequency: "last"
        little, "arsenal" a lot."""
        zipf = min((self._zipf(w) for w in typed if w not in self.lang.stopwords),
                   default=self.word_weights.oov_zipf_top)
        return self.word_weights.unseen(zipf)

    def _zipf(self, word: str) -> float:
        """How common a typed word is in the language (0 when unknown)."""
        return max(self.lang.common.get(word, 0.0), self.lang.zipf(word))


class _WordList:
    """Words and phrases of a list found in a message, by their stems ("akşamları": akşam)."""

    def __init__(self, lang: Language, entries):
        self.lang = lang
        self._words: set[str] = set()
        self.stems: set[str] = set()
        self._phrases: set[tuple[str, ...]] = set()
        for entry in entries:
            ws = lang.words(entry)
            if len(ws) == 1:
                self._words.add(ws[0])
                self.stems.add(lang.stem(ws[0]))
            elif ws:
                self._phrases.add(tuple(lang.stem(w) for w in ws))
        self._longest = max((len(p) for p in self._phrases), default=1)

    def found(self, words: tuple[str, ...]) -> set[str]:
        """The words of a message on the list, alone or in a phrase."""
        stems = [self.lang.stem(w) for w in words]
        found = {w for w, s in zip(words, stems, strict=True)
                 if w in self._words or s in self.stems}
        for size in range(2, self._longest + 1):
            for i in range(len(words) - size + 1):
                if tuple(stems[i:i + size]) in self._phrases:
                    found.update(words[i:i + size])
        return found
