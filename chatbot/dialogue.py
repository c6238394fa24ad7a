"""Turn a message into a reply: answer, "did you mean", ask for more, or decline with the contact.

    Chatbot.ask(message)
      empty ............................ ask for a question
      red flag (emergency) ............. urgent-care advice with the emergency number, in the
                                         message's language; a crisis gets its own calm reply
      out-of-scope request ............. decline (price, insurance, other diseases...) + contact
      personal diagnosis or dose ....... general answer + "only a doctor can decide" + contact
      vague (only generic words) ....... ask to say more + suggestions
      confident best entry ............. answer (+ runner-up, other questions, related entries):
                                         its own phrasing, or score, coverage and a topic word
      plausible entries ................ not answered, "did you mean" suggestions
      otherwise ........................ fallback with the clinic's contact
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import config, knowledge, safety, text
from .knowledge import Entry, Knowledge
from .matcher import Analysis, Candidate, Matcher, Vocabulary, Weights

NOTICE = "This chat gives general information, not medical advice."
DOCTOR_ONLY = {  # {topic} is the knowledge file's topic
    "diagnosis": "I can't tell whether you have {topic}: only a doctor can diagnose it, "
                 "and it is confirmed with an MRI scan.",
    "dose": "I can't recommend a medicine or a dose for you: only your doctor can decide that.",
}
OUT_OF_SCOPE = {  # what the decline names, by category of data/vocabulary.json
    "cost": "prices or costs", "insurance": "insurance or payment",
    "prescription": "prescriptions", "logistics": "practical details like that",
    "statistics": "statistics or success rates", "other_condition": "other conditions",
    "other_treatment": "other treatments", "lifestyle": "lifestyle questions like that",
    "children": "children", "other_body_part": "that part of the body",
}
# A message with a question word is a question, however generic its other words.
INTERROGATIVES = frozenset("what whats how why when where which who can could does do is are "
                           "will should".split())
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
PERSONAL_DEFAULT = {"diagnosis": "faq-diagnosis", "dose": "faq-medications"}


@dataclass(frozen=True)
class Policy:
    """Decision thresholds on the matcher's confidence; chosen on the dev set (docs/matching.md)."""

    answer_threshold: float = 0.34
    answer_coverage: float = 0.35   # ...and the entry must cover this share of the message
    suggest_threshold: float = 0.25
    suggest_coverage: float = 0.5   # a suggestion must cover this share of the message's weight
    margin: float = 0.05            # a runner-up this close is offered as a suggestion
    max_suggestions: int = 3
    vague_max_terms: int = 3
    verbatim: float = 0.9           # a message this close to a phrasing is never "vague"
    smalltalk_coverage: float = 0.5  # small talk must account for much of the message
    foreign_ratio: float = 1.0      # a foreign word this heavy beside a single shared word


@dataclass(frozen=True)
class Match:
    id: str
    kind: str
    title: str
    score: float
    source: str | None = None

    @classmethod
    def of(cls, candidate: Candidate) -> Match:
        e = candidate.entry
        return cls(id=e.id, kind=e.kind, title=e.question, score=round(candidate.score, 4),
                   source=e.source)

    def public(self) -> dict:
        return {"id": self.id, "kind": self.kind, "title": self.title, "score": self.score}


@dataclass(frozen=True)
class Reply:
    answered: bool
    text: str
    match: Match | None = None
    suggestions: tuple[Match, ...] = ()
    # answer | personal | empty | out_of_scope | vague | suggest | no_match | urgent
    reason: str = "answer"
    best: Match | None = None  # best candidate, also when not answered (for the log)
    category: str | None = None  # out-of-scope or urgent category


class Chatbot:
    """The whole bot: knowledge, matcher and decision policy behind one `ask` method."""

    def __init__(self, kb: Knowledge, vocabulary: Vocabulary | None = None, *,
                 weights: Weights | None = None, policy: Policy | None = None):
        self.knowledge = kb
        self.matcher = Matcher(kb, vocabulary, weights=weights)
        self.policy = policy or Policy()

    @classmethod
    def from_file(cls, path: str | Path, *, vocabulary_path: str | Path | None = None,
                  **kwargs) -> Chatbot:
        """Load, validate and index a knowledge file (raises KnowledgeError)."""
        if vocabulary_path is None:
            vocabulary_path = config.BY_NAME["VOCABULARY_PATH"].default
        return cls(knowledge.load(path), Vocabulary.load(vocabulary_path), **kwargs)

    @property
    def clinic(self) -> knowledge.Clinic:
        return self.knowledge.clinic

    def ask(self, message: str) -> Reply:
        """Answer one visitor message."""
        if not isinstance(message, str) or not text.words(message):
            return Reply(False, f"Please type your question about {self.knowledge.topic}.",
                         reason="empty")
        urgent = safety.check(message)
        if urgent:
            return self._urgent(urgent)
        analysis = self.matcher.analyse(message)
        ranked = self._promote_verbatim(analysis,
                                        self._rank_story(message,
                                                         self.matcher.rank(analysis, limit=8)))
        best = Match.of(ranked[0]) if ranked else None
        if analysis.out_of_scope and self._asks_out_of_scope(message):
            return self._out_of_scope(analysis, ranked, best)
        if analysis.personal:
            return self._personal(analysis, ranked, best)
        if self._is_vague(analysis):
            return Reply(False, "Could you tell me a little more about what you would like to "
                                "know? For example:", suggestions=self._suggest(ranked),
                         reason="vague", best=best)
        p = self.policy
        if analysis.anchors == frozenset() and any(t in text.COURTESY for t in analysis.terms):
            # "thanks, that's clear": courtesy and nothing topical is small talk.
            ranked = sorted(ranked, key=lambda c: c.entry.kind != "smalltalk")
        if ranked and self._confident(ranked[0], analysis):
            top = ranked[0]
            others = [c for c in ranked[1:] if c.score >= top.score - p.margin]
            others += self._other_questions(message, top.entry)
            others += [c for c in ranked[1:] if c.entry.id in top.entry.related]
            return Reply(True, self._answer_text(top.entry), match=Match.of(top),
                         suggestions=self._suggest(others), best=best)
        plausible = [c for c in ranked if c.score >= p.suggest_threshold
                     and c.coverage >= p.suggest_coverage]
        if plausible:
            return Reply(False, "I'm not sure I understood. Did you mean one of these?",
                         suggestions=self._suggest(plausible), reason="suggest", best=best)
        return Reply(False, self._fallback_text(), reason="no_match", best=best)

    # -- decisions --------------------------------------------------------------------------

    def _confident(self, top: Candidate, analysis: Analysis) -> bool:
        """Whether the best candidate is good enough to answer with."""
        p = self.policy
        closest, similarity = self.matcher.closest_phrasing(analysis)
        if closest is top.entry and similarity >= p.verbatim:
            return True  # the message is one of the entry's own phrasings ("crutches", "rest")
        if top.entry.kind == "smalltalk":
            # Small talk only when no topic was raised: "does it hurt a lot" is no "thanks a lot".
            return top.coverage >= p.smalltalk_coverage and \
                self.matcher.covers(top.entry, analysis.anchors)
        if not (top.score >= p.answer_threshold and top.coverage >= p.answer_coverage
                and top.anchored):
            return False
        # "How do I treat a cold?": one word in common with the entry and a foreign topic
        # at least as heavy as it is another subject, not a question about ours.
        shared = [t for t in analysis.weights if t in self.matcher.terms_of(top.entry)]
        heaviest_foreign = max((analysis.weights[t] for t in self.matcher.foreign(analysis)),
                               default=0.0)
        return not (len(shared) == 1 and
                    heaviest_foreign >= p.foreign_ratio * analysis.weights[shared[0]])

    def _promote_verbatim(self, analysis: Analysis, ranked: list[Candidate]) -> list[Candidate]:
        """Put the entry whose own phrasing the message repeats first (breaks exact ties)."""
        closest, similarity = self.matcher.closest_phrasing(analysis)
        if similarity >= self.policy.verbatim and not ranked:
            # Only function words ("what are you?"), but one of our phrasings, word for word.
            return [Candidate(entry=closest, score=similarity, dice=1.0, coverage=1.0,
                              fuzzy=similarity)]
        if similarity < self.policy.verbatim or not ranked or ranked[0].entry is closest:
            return ranked
        hit = [c for c in ranked if c.entry is closest]
        if not hit or hit[0].score < ranked[0].score - self.policy.margin:
            return ranked
        return hit + [c for c in ranked if c.entry is not closest]

    def _asks_out_of_scope(self, message: str) -> bool:
        """In a story, only the sentence that asks decides what is asked for."""
        asking = self._asking_sentences(message)
        return not asking or any(self.matcher.analyse(s).out_of_scope for s in asking)

    @staticmethod
    def _asking_sentences(message: str) -> list[str]:
        """The question sentences of a message of several sentences (else none)."""
        sentences = [s for s in SENTENCE.split(message) if len(text.words(s)) >= 3]
        if len(sentences) == 1 and sentences[0].rstrip().endswith("?"):
            # "hello doctor, my MRI shows..., I am scared, do I need surgery?"
            clauses = [c for c in sentences[0].split(",") if len(text.words(c)) >= 3]
            return clauses[-1:] if len(clauses) >= 2 else []
        if len(sentences) < 2:
            return []
        return [s for s in sentences if s.rstrip().endswith("?")] or sentences[-1:]

    def _rank_story(self, message: str, ranked: list[Candidate]) -> list[Candidate]:
        """In a message of several sentences, let the question itself speak if it is clearer.

        Stories ("I fell skiing three weeks ago... How long until I can ski again?") dilute
        the question with everyday words; the sentence that asks is usually the best query.
        "What does that mean?" points back, so it is also tried with the sentence before it.
        A part replaces the whole only if it names a topic (is anchored) and scores higher.
        """
        sentences = [s for s in SENTENCE.split(message) if len(text.words(s)) >= 3]
        for sentence in self._asking_sentences(message):
            i = sentences.index(sentence) if sentence in sentences else 0
            with_previous = " ".join(sentences[max(i - 1, 0): i] + [sentence])
            for part_text in dict.fromkeys((sentence, with_previous)):  # each text once
                part = self.matcher.rank(part_text, limit=8)
                if part and part[0].anchored and (not ranked or part[0].score > ranked[0].score):
                    ranked = part
        return ranked

    def _generic(self, analysis: Analysis) -> bool:
        """Whether every content word of the message is a generic one ("bone", "pain")."""
        content = [w for w in analysis.words if w not in text.STOPWORDS]
        return bool(content) and all(w in self.matcher.vocabulary.vague for w in content)

    def _is_vague(self, analysis: Analysis) -> bool:
        """Only generic words ("bone", "pain"), unless the message is one of our phrasings."""
        # "What is edema in the bone?" is a question; "bone", "bone pain?" are not.
        if len(analysis.words) > self.policy.vague_max_terms or not self._generic(analysis) \
                or INTERROGATIVES.intersection(analysis.words):
            return False
        if set(text.words(self.knowledge.topic)) <= set(analysis.words):
            return False  # the topic's own name ("bone marrow edema") asks what it is
        return self.matcher.closest_phrasing(analysis)[1] < self.policy.verbatim

    def _other_questions(self, message: str, answered: Entry) -> list[Candidate]:
        """Best entries for the other sentences of a message that asks several things."""
        vague = self.matcher.vocabulary.vague
        parts = [p for p in re.split(r"[?!.;\n]+|\band also\b|\balso\b", message)
                 if any(w not in text.STOPWORDS and w not in vague for w in text.words(p))]
        if len(parts) < 2:
            return []
        found = []
        for part in parts:
            ranked = self.matcher.rank(part, limit=1)
            if ranked and ranked[0].entry.id != answered.id and \
                    ranked[0].score >= self.policy.answer_threshold:
                found.append(ranked[0])
        return found

    def _suggest(self, candidates) -> tuple[Match, ...]:
        seen, out = set(), []
        for c in candidates:
            if c.entry.id not in seen and c.score >= self.policy.suggest_threshold and \
                    c.entry.kind != "smalltalk":
                seen.add(c.entry.id)
                out.append(Match.of(c))
        return tuple(out[: self.policy.max_suggestions])

    def _urgent(self, flag: safety.Flag) -> Reply:
        """Urgent care in the language of the message; a crisis gets its own calm reply."""
        text_ = safety.urgent_text(flag, emergency_number=self.clinic.emergency_number,
                                   crisis_line=self.clinic.crisis_line)
        match = Match(id="safety-urgent", kind="safety", title="Urgent care", score=1.0)
        return Reply(True, text_, match=match, reason="urgent", best=match,
                     category=flag.category)

    def _personal(self, analysis: Analysis, ranked, best) -> Reply:
        """General information plus a plain statement that only a doctor can decide."""
        kind = analysis.personal[0]
        doctor_only = DOCTOR_ONLY[kind].format(topic=self.knowledge.topic)
        top = ranked[0] if ranked and ranked[0].score >= self.policy.answer_threshold else None
        # "Do I have bone marrow edema?" names no topic: the general answer is the diagnosis one.
        if top is None or top.entry.kind in ("smalltalk", "clinic") or self._generic(analysis):
            default = self.knowledge.get(PERSONAL_DEFAULT[kind])
            top = next((c for c in self.matcher.rank(analysis) if c.entry is default), None)
            if top is None and default is not None:  # "can you tell me if I have it?"
                top = self.matcher.rank(default.question, limit=1)[0]
        if top is None:
            return Reply(False, self._with_contact(doctor_only), reason="personal",
                         best=best, category=kind)
        body = f"{doctor_only}\n\n{top.entry.answer}\n\nTo discuss your own situation, " \
               "please contact the clinic."
        return Reply(True, self._with_contact(body), match=Match.of(top), best=best,
                     suggestions=self._suggest(c for c in ranked[1:] if c.entry is not top.entry),
                     reason="personal", category=kind)

    def _out_of_scope(self, analysis: Analysis, ranked, best) -> Reply:
        what = OUT_OF_SCOPE.get(analysis.out_of_scope[0], "that")
        body = (f"I'm sorry, I can't help with {what}: the clinic's article does not cover it. "
                "Please contact the clinic, they will be glad to help.")
        return Reply(False, self._with_contact(body), reason="out_of_scope", best=best,
                     suggestions=self._suggest([c for c in ranked
                                                if c.score >= self.policy.answer_threshold]),
                     category=analysis.out_of_scope[0])

    # -- texts ------------------------------------------------------------------------------

    def _answer_text(self, entry: Entry) -> str:
        if entry.kind == "clinic":
            return self._with_contact(entry.answer, notice=False)
        return entry.answer

    def _fallback_text(self) -> str:
        return self._with_contact("I'm sorry, I couldn't find an answer to that in the clinic's "
                                  f"information on {self.knowledge.topic}. For anything else, "
                                  "please contact the clinic.")

    def _with_contact(self, body: str, *, notice: bool = True) -> str:
        """Append the clinic's name and whichever contact fields are configured."""
        out = body + "\n\n" + "\n".join([self.clinic.name, *self.clinic.contact_lines()])
        return out + ("\n\n" + NOTICE if notice else "")
