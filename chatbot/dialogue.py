"""Turn a message into a reply: answer, "did you mean", ask for more, or decline with the contact.

    Chatbot.ask(message, lang=None, article=None)
                                         in the message's language (see Chatbot.language_of);
                                         `article`: the page the visitor is on (slug or URL)
      empty ............................ ask for a question
      red flag (emergency) ............. urgent-care advice with the emergency number, in the
                                         message's language; a crisis gets its own calm reply
      out-of-scope request ............. decline (price, insurance, other diseases...) + contact
      personal judgement or dose ....... decline: "only a doctor can judge your case" + contact,
                                         the general entry as a suggestion
      vague (only generic words) ....... ask to say more + suggestions
      could be about several articles .. ask which topic, one suggestion per article (a
                                         message naming no topic goes to the page's article)
      confident best entry ............. answer (+ runner-up, other questions, related entries):
                                         its own phrasing, or score, coverage and a topic word;
                                         a message with no medical word: an entry that
                                         explains most of it (topicality.py)
      plausible entries ................ not answered, "did you mean" suggestions
      otherwise ........................ fallback with the clinic's contact
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from . import config, knowledge, language, safety
from .knowledge import Clinic, Entry, Knowledge
from .language import Language
from .matcher import Analysis, Candidate, Matcher, Vocabulary, Weights
from .semantic import Encoder
from .text import fold
from .topicality import Topicality

# Every text the bot writes itself is data, per language: chatbot/data/<lang>/replies.json.
NOTICE = language.load("en").text("notice")
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# Where one long sentence of a story breaks into clauses
STORY_CLAUSE = re.compile(r"[,;:]|\s[-\u2013\u2014]\s")


@lru_cache(maxsize=16)
def _part_boundaries(also: tuple[str, ...]) -> re.Pattern:
    """Where a message asking several things splits: sentence ends and a language's joiners
    ("also", "ayrıca")."""
    joiners = "|".join(rf"\b{re.escape(w)}\b" for w in also)
    return re.compile(r"[?!.;\n]+" + (f"|{joiners}" if joiners else ""))


@dataclass(frozen=True)
class Policy:
    """Decision thresholds on the matcher's confidence; chosen on the dev set (docs/matching.md)."""

    answer_threshold: float = 0.34
    answer_coverage: float = 0.35   # ...and the entry must cover this share of the message
    # An entry with no alternates (a fresh import) is asked one way only, so what a message
    # adds beyond it is nothing it was written to answer: it must cover more of the message.
    bare_answer_coverage: float = 0.45
    # ...and reach this score (None: the language's `bare_answer_threshold`, else the
    # answer threshold): one phrasing of a language that inflects its words meets a message's
    # word forms less often, so the same coverage scores lower (Turkish: 0.30).
    bare_answer_threshold: float | None = None
    suggest_threshold: float = 0.25
    suggest_coverage: float = 0.5   # a suggestion must cover this share of the message's weight
    # ...or read this much like one of the ways its section's kind is asked (kinds.json)
    suggest_asked: float = 0.5
    margin: float = 0.05            # a runner-up this close is offered as a suggestion (and
    # among a story question's candidates this close, the whole story breaks the tie)
    topic_margin: float = 0.1       # another article's best this close: ask which topic
    max_suggestions: int = 3
    vague_max_terms: int = 3
    verbatim: float = 0.9           # a message this close to a phrasing is never "vague"
    smalltalk_coverage: float = 0.5  # small talk must account for much of the message...
    smalltalk_uncovered: float = 0.5  # ...and leave no topic word heavier than this out
    foreign_ratio: float = 1.0      # a foreign word this heavy beside a single shared word
    language_margin: float = 0.05   # another language must match this much better to win
    # A message with no medical word needs an article's entry that explains most of it
    topic_check: bool = True        # (topicality.py)
    # Out-of-scope cues that are the visitor's circumstances, not what they ask the clinic for
    circumstances: tuple[str, ...] = ("lifestyle",)
    article_alone: bool = True      # a message about one known article is read as in it alone


@dataclass(frozen=True)
class Match:
    id: str
    kind: str
    title: str
    score: float
    source: str | None = None

    @classmethod
    def of(cls, candidate: Candidate, lang: str | None = None) -> Match:
        e = candidate.entry
        words = e.text(lang)
        return cls(id=e.id, kind=e.kind, title=words.question, score=round(candidate.score, 4),
                   source=words.source)

    def public(self) -> dict:
        return {"id": self.id, "kind": self.kind, "title": self.title, "score": self.score}


@dataclass(frozen=True)
class Reply:
    answered: bool
    text: str
    match: Match | None = None
    suggestions: tuple[Match, ...] = ()
    # answer | personal | empty | out_of_scope | vague | which_topic | suggest | no_match |
    # urgent
    reason: str = "answer"
    best: Match | None = None  # best candidate, also when not answered (for the log)
    category: str | None = None  # out-of-scope or urgent category
    lang: str = "en"             # the language the reply is written in (the visitor's)


@dataclass(frozen=True)
class Speaker:
    """Everything the bot needs to converse in one language, built once."""

    lang: Language
    matcher: Matcher
    clinic: Clinic
    topics: tuple[str, ...]   # what the knowledge is about: its articles' topics
    topicality: Topicality    # which of a message's words carry a medical topic

    @property
    def code(self) -> str:
        return self.lang.code

    @property
    def topic(self) -> str:
        """The topics as one phrase for the bot's texts ("a, b and c")."""
        *rest, last = self.topics
        return f"{', '.join(rest)} {self.lang.text('and')} {last}" if rest else last


class Chatbot:
    """The whole bot: knowledge, matcher and decision policy behind one `ask` method.

    One matcher per language of the knowledge file; each message is answered in the language
    it is written in (`ask(message, lang=...)` is a hint for messages that could be either).
    """

    def __init__(self, kb: Knowledge, vocabulary: Vocabulary | dict | None = None, *,
                 weights: Weights | None = None, policy: Policy | None = None,
                 semantic: Encoder | None = None):
        self.knowledge = kb
        self.policy = policy or Policy()
        if not isinstance(vocabulary, dict):  # one vocabulary: the default language's
            vocabulary = {kb.default_language: vocabulary}
        self.speakers: dict[str, Speaker] = {}
        for code in kb.languages:
            lang = language.load(code)
            matcher = Matcher(kb, vocabulary.get(code), weights=weights, language=lang)
            self.speakers[code] = Speaker(
                lang=lang, matcher=matcher, clinic=kb.clinic.in_language(code),
                topics=tuple(kb.topic_names(code)),
                topicality=Topicality(lang, matcher.topic_terms(),
                                      word_weights=matcher.weights))
        self._alone_speakers: dict[tuple[str, str], Speaker] = {}
        self._alone_lock = threading.Lock()
        # Words of the clinic's own texts in each language tell short messages apart.
        self._own_words = {code: sp.matcher.words_known() for code, sp in self.speakers.items()}
        self._remember_votes()
        # Optional (semantic.py): which entry answers, and a suggestion where words find none.
        self.semantic = {code: semantic.index(kb, code) for code in self.speakers} \
            if semantic is not None else {}

    def _remember_votes(self) -> None:
        # What a word says of its language depends only on the word here: remembered (a memo,
        # never pickled or copied with the bot).
        languages = [sp.lang for sp in self.speakers.values()]
        self._evidence = lru_cache(maxsize=65536)(
            lambda raw: language.word_evidence(raw, languages, self._own_words))

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items()
                if k not in ("_evidence", "_alone_lock", "_alone_speakers")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._alone_speakers, self._alone_lock = {}, threading.Lock()
        self._remember_votes()

    @classmethod
    def from_file(cls, path: str | Path, *, vocabulary_path: str | Path | None = None,
                  **kwargs) -> Chatbot:
        """Load, validate and index a knowledge file (raises KnowledgeError).

        The vocabulary file is the default language's (default: `vocabulary.json` beside the
        knowledge file); another language's is found beside it as `vocabulary.<lang>.json`.
        Each is optional: a language without one matches with the package's data only.
        """
        if vocabulary_path is None:
            vocabulary_path = Path(path).with_name(config.BY_NAME["VOCABULARY_PATH"].default)
        kb = knowledge.load(path)
        vocabularies = {}
        for code in kb.languages:
            local = Vocabulary.path_for(vocabulary_path, code, kb.default_language)
            vocabularies[code] = Vocabulary.load(local, language.load(code)) \
                if local and local.exists() else None
        return cls(kb, vocabularies, **kwargs)

    @property
    def clinic(self) -> knowledge.Clinic:
        return self.knowledge.clinic

    @property
    def matcher(self) -> Matcher:
        """The default language's matcher."""
        return self.speakers[self.knowledge.default_language].matcher

    @property
    def languages(self) -> tuple[str, ...]:
        return self.knowledge.languages

    def language_of(self, message: str, hint: str | None = None) -> str:
        """Return the language to answer a message in: the one it is clearly written in, else
        the hint, else the language whose phrasings it matches best."""
        if len(self.speakers) == 1:
            return self.knowledge.default_language
        found = language.detect(message, [sp.lang for sp in self.speakers.values()],
                                extra=self._own_words, evidence=self._evidence)
        if found.clear:
            return found.lang
        if hint in self.speakers:
            return hint
        # "mr", "talus", "hey": the default language, unless another language's phrasings
        # explain the message clearly better.
        scores = {}
        for code, sp in self.speakers.items():
            analysis = sp.matcher.analyse(message)
            ranked = sp.matcher.rank(analysis, limit=1)
            scores[code] = max(ranked[0].score if ranked else 0.0,
                               sp.matcher.closest_phrasing(analysis)[1])
        # Near-equal matches: the language the words lean to ("hiperintens" is in the Turkish
        # texts only), else the default.
        lean = found.lang if found.scores[found.lang] > 0 else self.knowledge.default_language
        best = max(scores, key=scores.get)
        return best if scores[best] > scores[lean] + self.policy.language_margin else lean

    def ask(self, message: str, lang: str | None = None, article: str | None = None) -> Reply:
        """Answer one visitor message, in its language (`lang`: a hint, "en" or "tr"...).

        `article`: the page the visitor asks from, as an article's slug or its page's address
        (unknown ones are ignored); a question that names no topic is about that article.
        """
        if lang is not None and lang not in self.speakers:
            raise ValueError(f"unknown language {lang!r} (known: {', '.join(self.languages)})")
        if not isinstance(message, str) or not any(
                sp.lang.words(message) for sp in self.speakers.values()):
            sp = self.speakers[lang or self.knowledge.default_language]
            return Reply(False, sp.lang.text("empty", topic=sp.topic), reason="empty",
                         lang=sp.code)
        sp = self.speakers[self.language_of(message, lang)]
        urgent = safety.check(message)
        if urgent:
            return self._urgent(urgent, sp.code)
        matcher, p = sp.matcher, self.policy
        analysis = matcher.analyse(message)
        page = self.knowledge.article_for(article)
        about = self._named(sp, analysis, page)
        if len(about) == 1 and p.article_alone:
            # The article in question is known: read the message as that article alone would
            # (with the clinic's entries of no article). Its words weigh what they weigh in
            # it, so a second article neither makes its topic words heavy nor its everyday
            # words rare, and another article's alternates do not compete.
            sp = self._alone(sp, next(iter(about)))
            matcher = sp.matcher
            analysis = matcher.analyse(message)
        whole = sp.matcher is self.speakers[sp.code].matcher
        ranked = self._promote_verbatim(sp, analysis, self._rank_story(
            sp, message, matcher.rank(analysis, limit=12),
            (lambda r: self._by_article(sp, analysis, r, about)[0]) if whole else (lambda r: r)))
        topics: list[Candidate] = []
        if whole:
            ranked, topics, about = self._by_article(sp, analysis, ranked, about)
        best = Match.of(ranked[0], sp.code) if ranked else None
        # The article in question: the one named or the page's, else the best entry's.
        subject = next(iter(about)) if len(about) == 1 else \
            ranked[0].entry.article if ranked else None
        out_of_scope = matcher.out_of_scope(analysis, subject)
        if out_of_scope and self._asks_out_of_scope(sp, message, subject) and \
                not self._clinic_request(sp, analysis, out_of_scope, ranked):
            return self._out_of_scope(sp, out_of_scope, ranked, best)
        if analysis.personal:
            return self._personal(sp, analysis, ranked, best, page)
        if self._is_vague(sp, analysis):
            examples = self._suggest(sp, ranked)
            return Reply(False, sp.lang.text("vague" if examples else "vague_alone"),
                         suggestions=examples, reason="vague", best=best, lang=sp.code)
        if topics:
            return Reply(False, sp.lang.text("which_topic"), suggestions=self._suggest(sp, topics),
                         reason="which_topic", best=best, lang=sp.code)
        if analysis.anchors == frozenset() and any(t in sp.lang.courtesy for t in analysis.terms):
            # "thanks, that's clear": courtesy and nothing topical is small talk.
            ranked = sorted(ranked, key=lambda c: c.entry.kind != "smalltalk")
        elif analysis.anchors:
            # A message raising a topic its small talk does not know ("what surgery is there
            # if nothing else works": goodbye's "that's all") is about the topic.
            ranked = sorted(ranked, key=lambda c: c.entry.kind == "smalltalk" and
                            self._raises_topic(sp, analysis, c.entry))
            ranked = self._generic_after(sp, analysis, ranked)
        if ranked and self._confident(sp, ranked[0], analysis):
            if self.semantic:
                ranked = self._semantic_order(sp, message, analysis, ranked)
                best = Match.of(ranked[0], sp.code)
            top = ranked[0]
            others = [c for c in ranked[1:] if c.score >= top.score - p.margin]
            others += self._other_questions(sp, message, top.entry)
            others += [c for c in ranked[1:] if c.entry.id in top.entry.related]
            return Reply(True, self._answer_text(sp, top.entry), match=Match.of(top, sp.code),
                         suggestions=self._suggest(sp, others), best=best, lang=sp.code)
        if self.semantic and ranked:
            ranked = self._semantic_order(sp, message, analysis, ranked)
            best = Match.of(ranked[0], sp.code)
        plausible = [c for c in ranked if c.score >= p.suggest_threshold
                     and (c.coverage >= p.suggest_coverage or self._bare_only(sp, c)
                          or c.asked >= p.suggest_asked)]
        if about:  # the article in question's own entries, not another's, are the suggestions
            plausible = [c for c in plausible if c.entry.article in (None, *about)]
        if about and plausible and ranked[0] is not plausible[0] and ranked[0].anchored \
                and ranked[0].entry.article in about:
            # The best entry of the article in question outranks every plausible one: it is
            # the first to offer, though it covers less of the message (a long section's
            # text covers everyday words by chance).
            plausible = [ranked[0], *plausible]
        if plausible:
            return Reply(False, sp.lang.text("suggest"),
                         suggestions=self._suggest(sp, self._rescue(sp, message, plausible)),
                         reason="suggest", best=best, lang=sp.code)
        # Declined, but what shares a topic word with the message is still worth a look.
        near = [c for c in ranked[: p.max_suggestions] if c.anchored
                and c.score >= p.suggest_threshold]
        return Reply(False, self._fallback_text(sp),
                     suggestions=self._suggest(sp, self._rescue(sp, message, near)),
                     reason="no_match", best=best, lang=sp.code)

    # -- decisions --------------------------------------------------------------------------

    def prepare(self) -> None:
        """Build now what is otherwise built on first use: the red-flag rules (2-3 s) and each
        article's own matcher (in a knowledge file of several; 0.1-0.3 s each), so that no
        visitor's first message waits for them."""
        safety.languages()
        if len(self.knowledge.articles) < 2 or not self.policy.article_alone:
            return
        for sp in self.speakers.values():
            for article in self.knowledge.articles:
                self._alone(sp, article.slug)

    def _alone(self, sp: Speaker, slug: str) -> Speaker:
        """The speaker of one article of a knowledge file of several (built by `prepare`, or
        on first use)."""
        key = (sp.code, slug)
        if key not in self._alone_speakers:
            with self._alone_lock:
                if key not in self._alone_speakers:
                    kb = self.knowledge
                    alone = replace(kb, entries=tuple(e for e in kb.entries
                                                      if e.article in (None, slug)),
                                    articles=tuple(a for a in kb.articles if a.slug == slug))
                    self._alone_speakers[key] = replace(sp, matcher=Matcher(
                        alone, sp.matcher.vocabulary, weights=sp.matcher.weights,
                        language=sp.lang))
        return self._alone_speakers[key]

    def _confident(self, sp: Speaker, top: Candidate, analysis: Analysis) -> bool:
        """Whether the best candidate is good enough to answer with."""
        p, matcher = self.policy, sp.matcher
        closest, _ = matcher.verbatim(analysis, p.verbatim)
        if closest is top.entry:
            return True  # the message is one of the entry's own phrasings ("crutches", "rest")
        if top.entry.kind == "smalltalk":
            # Small talk only when no topic was raised: "does it hurt a lot" is no "thanks a lot".
            # A light verb the entry lacks ("bu cevapları yapay zekâ mı veriyor") raises no topic.
            return top.coverage >= p.smalltalk_coverage and \
                not self._raises_topic(sp, analysis, top.entry)
        coverage, threshold = p.answer_coverage, p.answer_threshold
        if not top.entry.text(sp.code).alternates:
            coverage = p.bare_answer_coverage
            threshold = p.bare_answer_threshold if p.bare_answer_threshold is not None else \
                sp.lang.bare_answer_threshold or p.answer_threshold
        if not (top.score >= threshold and top.coverage >= coverage and top.anchored):
            return False
        # "visa application" shares only "application" with "Ice Application"; "who
        # invented the telephone" only "telephone" with the clinic's contact.
        request = top.entry.kind == "clinic"
        if p.topic_check and not sp.topicality.explains(
                analysis, matcher.terms_of_kind("clinic") if request else
                matcher.terms_of(top.entry), matcher.knows, request=request):
            return False
        # "How do I treat a cold?": one word in common with the entry and a foreign topic
        # at least as heavy as it is another subject, not a question about ours.
        shared = [t for t in analysis.weights if t in matcher.terms_of(top.entry)]
        heaviest_foreign = max((analysis.weights[t] for t in matcher.foreign(analysis)),
                               default=0.0)
        return not (len(shared) == 1 and
                    heaviest_foreign >= p.foreign_ratio * analysis.weights[shared[0]])

    def _raises_topic(self, sp: Speaker, analysis: Analysis, entry: Entry) -> bool:
        """Whether a message raises a topic a small-talk entry does not know: topic words it
        leaves out weigh `smalltalk_uncovered`, or one names an article's topic (in an
        article read alone its topic words weigh next to nothing: "benim yırtığım kısmi mi,
        anlayabilir misiniz" is no "thanks")."""
        uncovered = analysis.anchors - sp.matcher.terms_of(entry)
        return sum(analysis.weights[t] for t in uncovered) >= self.policy.smalltalk_uncovered \
            or bool(uncovered & sp.matcher.topic_terms())

    def _generic_after(self, sp: Speaker, analysis: Analysis,
                       ranked: list[Candidate]) -> list[Candidate]:
        """Put the clinic's own entries (hours, contact) and small talk after an article's
        entry that covers more of a medical message than they do.

        Thirty alternates give such an entry a Dice and a fuzzy score a freshly imported
        entry, asked one way only, never reaches: "ameliyat kapalı mı açık mı yapılıyor"
        met the hours through "açık" and "kapalı", "ameliyattan sonra ağrı çok olur mu" the
        contact through "ağrı". A medical word of the message that such an entry has and the
        clinic's does not says the message is about the entry's subject, not a request to the
        clinic ("I want to see the doctor about my knee" is one: the clinic's articles have
        alternates, and their entries compete on equal terms).
        """
        rival = next((c for c in ranked if c.entry.article), None)
        if rival is None or rival.entry.text(sp.code).alternates:
            return ranked  # entries with alternates compete on equal terms
        carriers = sp.topicality.carriers(analysis, sp.matcher.knows) & \
            sp.matcher.terms_of(rival.entry)
        return sorted(ranked, key=lambda c: c.entry.article is None and
                      c.entry.kind in ("clinic", "smalltalk") and c.coverage < rival.coverage
                      and bool(carriers - sp.matcher.terms_of(c.entry)))

    def _bare_only(self, sp: Speaker, c: Candidate) -> bool:
        """Whether only the stricter bar of an entry with no alternates kept it from being
        the answer: it is then still the first thing to offer."""
        p = self.policy
        return not c.entry.text(sp.code).alternates and c.anchored and \
            c.score >= p.answer_threshold and c.coverage >= p.answer_coverage

    def _semantic_order(self, sp: Speaker, message: str, analysis: Analysis,
                        ranked: list[Candidate]) -> list[Candidate]:
        """Semantic mode: the best entry's article's top candidates re-ordered by meaning too
        (never when the message repeats the best entry's own phrasing)."""
        index = self.semantic[sp.code]
        closest, _ = sp.matcher.verbatim(analysis, self.policy.verbatim)
        if closest is ranked[0].entry:
            return ranked
        return index.rerank(message, ranked)

    def _rescue(self, sp: Speaker, message: str, candidates: list[Candidate]) -> list[Candidate]:
        """Semantic mode: put the entry the model finds closest first among the suggestions
        of an unanswered message, when it is close enough (`semantic.Blend.suggest`); its
        score is then that cosine."""
        index = self.semantic.get(sp.code)
        found = index.closest(message) if index is not None else None
        if found is None or found[0].kind == "smalltalk" or \
                (candidates and candidates[0].entry is found[0]):
            return candidates
        entry, cosine = found
        return [Candidate(entry=entry, score=cosine, dice=0.0, coverage=0.0, fuzzy=0.0,
                          anchored=False), *candidates]

    def _promote_verbatim(self, sp: Speaker, analysis: Analysis,
                          ranked: list[Candidate]) -> list[Candidate]:
        """Put the entry whose own phrasing the message repeats first (breaks exact ties)."""
        closest, similarity = sp.matcher.verbatim(analysis, self.policy.verbatim)
        if closest is not None and not ranked:
            # Only function words ("what are you?"), but one of our phrasings, word for word.
            return [Candidate(entry=closest, score=similarity, dice=1.0, coverage=1.0,
                              fuzzy=similarity)]
        if closest is None or not ranked or ranked[0].entry is closest:
            return ranked
        hit = [c for c in ranked if c.entry is closest]
        if not hit or hit[0].score < ranked[0].score - self.policy.margin:
            return ranked
        return hit + [c for c in ranked if c.entry is not closest]

    def _named(self, sp: Speaker, analysis: Analysis, page) -> frozenset[str]:
        """The articles a message is about: those it names, else the page's (and the page's
        alone when it names it among others)."""
        if len(self.knowledge.articles) < 2:
            return frozenset()
        named = sp.matcher.articles_named(analysis)
        if page is not None and (not named or page.slug in named):
            return frozenset({page.slug})
        return named

    def _by_article(self, sp: Speaker, analysis: Analysis, ranked: list[Candidate],
                    named: frozenset[str]) -> tuple[list[Candidate], list[Candidate],
                                                    frozenset[str]]:
        """Put the entries of the article the message is about (`named`, as `_named` found
        them) first; when it could be about several, return the best entry of each as the
        topics to ask about; and the articles it is about (none when that is not known).

        A message is about an article when it uses words only that article uses ("heel",
        "sling"), else about the page's article when the widget says which page it is on.
        "What are the symptoms?" on no page, with the symptoms of two articles near level,
        is a question for the visitor, not a guess.
        """
        if len(self.knowledge.articles) < 2 or not ranked:
            return ranked, [], frozenset()
        # A word several articles share ("shoulder") narrows the choice to them when nothing
        # else does; the visitor's page stands.
        among = named or sp.matcher.articles_named(analysis, shared=True)
        if among:
            first = [c for c in ranked if c.entry.article is None or c.entry.article in among]
            if not any(c.entry.article in among for c in first):
                # The article in question has no entry among the best of all: its best come
                # first all the same (a story's everyday words can favour another article).
                first = sp.matcher.rank(analysis, limit=len(ranked), articles=among)
            ranked = first + [c for c in ranked if c not in first]
        top = ranked[0]
        if named or top.entry.article is None or top.score < self.policy.suggest_threshold:
            return ranked, [], named
        per_article: dict[str, Candidate] = {}
        for c in ranked:
            if c.entry.article and c.score >= top.score - self.policy.topic_margin and \
                    (not among or c.entry.article in among):
                per_article.setdefault(c.entry.article, c)
        return ranked, (list(per_article.values()) if len(per_article) > 1 else []), named

    def _clinic_request(self, sp: Speaker, analysis: Analysis, out_of_scope: tuple[str, ...],
                        ranked) -> bool:
        """Whether a message asks the clinic for something (a consultation, its hours) and
        its out-of-scope words are only the visitor's circumstances ("before I fly to
        Turkey"): advice on those would be out of scope, the request is not."""
        # A medical word says the request is for care ("a consultation with the doctor"),
        # not for the circumstance ("book me a flight").
        return bool(ranked) and ranked[0].entry.kind == "clinic" and \
            set(out_of_scope) <= set(self.policy.circumstances) and \
            bool(sp.topicality.carriers(analysis, sp.matcher.knows)) and \
            self._confident(sp, ranked[0], analysis)

    def _asks_out_of_scope(self, sp: Speaker, message: str, subject: str | None) -> bool:
        """In a story, only the sentence that asks decides what is asked for."""
        asking = self._asking_sentences(sp, message)
        return not asking or any(sp.matcher.out_of_scope(sp.matcher.analyse(s), subject)
                                 for s in asking)

    @staticmethod
    def _asks(sp: Speaker, text: str) -> bool:
        """Whether a sentence or clause is put as a question: it ends with "?", opens with a
        question word ("do I need...", "what happens if..."), or, in a language that marks
        questions with particles, holds a question word or particle anywhere ("bu
        aletlerden mi oluyor", "ikisinin farkı ne") since visitors often type no "?"."""
        if text.rstrip().endswith("?"):
            return True
        words = sp.lang.words(text)
        return bool(words) and (words[0] in sp.lang.interrogatives or bool(
            sp.lang.particles and sp.lang.interrogatives.intersection(words)))

    @classmethod
    def _asking_sentences(cls, sp: Speaker, message: str) -> list[str]:
        """The asking parts of a message that tells a story (else none): its question
        sentences, wherever they stand (the question may come before the story), else its
        last sentence; in a message of one sentence, its last clause if it ends with "?",
        else the last clause that asks of a story told in one run-on sentence."""
        sentences = [s for s in SENTENCE.split(message) if len(sp.lang.words(s)) >= 3]
        if len(sentences) == 1:
            # "hello doctor, my MRI shows..., I am scared, do I need surgery?"
            clauses = [c for c in STORY_CLAUSE.split(sentences[0])
                       if len(sp.lang.words(c)) >= 3]
            if sentences[0].rstrip().endswith("?"):
                return clauses[-1:] if len(clauses) >= 2 else []
            # With no "?", two clauses are a question with its own context ("mrda beyaz
            # bir alan var dediler, ödem böyle mi görünür"); a story runs on longer.
            return [c for c in clauses if cls._asks(sp, c)][-1:] if len(clauses) >= 3 else []
        if len(sentences) < 2:
            return []
        return [s for s in sentences if cls._asks(sp, s)] or sentences[-1:]

    def _rank_story(self, sp: Speaker, message: str, ranked: list[Candidate],
                    by_article) -> list[Candidate]:
        """In a message that tells a story, let the question itself speak if it is clearer.

        Stories ("I fell skiing three weeks ago... How long until I can ski again?") dilute
        the question with everyday words; the part that asks is usually the best query.
        "What does that mean?" points back, so it is also tried with the sentence before it.
        A part replaces the whole only if it names a topic (is anchored, and not only with
        generic words such as the topic's own name), is no small talk ("... merak ettim") and
        scores higher among the entries of the article the whole message is about
        (`by_article`): "Bu neden oluyor?" after a story of numb hands at night repeats one
        article's phrasing word for word, but the story says which article it asks.
        The story still counts, as a tie-breaker: the part's candidates within
        `Policy.margin` of its best are ordered by the whole message's score ("Ameliyat
        olalı 3 gün oldu, dizime buz koyuyorum... bu neden bu kadar önemli?" is about the
        first two weeks, not any stage). They keep their own signals: the decision is taken
        on the part's scores.
        """
        sentences = [s for s in SENTENCE.split(message) if len(sp.lang.words(s)) >= 3]
        asked = False  # whether a part replaced the whole
        for sentence in self._asking_sentences(sp, message):
            i = sentences.index(sentence) if sentence in sentences else 0
            with_previous = " ".join(sentences[max(i - 1, 0): i] + [sentence])
            for part_text in dict.fromkeys((sentence, with_previous)):  # each text once
                analysis = sp.matcher.analyse(part_text)
                if self._generic(sp, analysis):
                    continue  # "is it bone marrow edema?": the story before it says what
                part = by_article(sp.matcher.rank(analysis))[:8]
                if part and part[0].anchored and part[0].entry.kind != "smalltalk" and \
                        (not ranked or part[0].score > by_article(ranked)[0].score):
                    ranked, asked = part, True
        if not asked:
            return ranked
        # Near ties among the part's candidates: the whole message, story and all, decides
        whole = {c.entry.id: c.score for c in sp.matcher.rank(sp.matcher.analyse(message))}
        near = [c for c in ranked if c.score >= ranked[0].score - self.policy.margin]
        return sorted(near, key=lambda c: -whole.get(c.entry.id, 0.0)) + ranked[len(near):]

    def _generic(self, sp: Speaker, analysis: Analysis) -> bool:
        """Whether every content word of the message is a generic one ("bone", "pain")."""
        content = [w for w in analysis.words if w not in sp.lang.stopwords]
        return bool(content) and all(sp.matcher.is_vague(w) for w in content)

    def _is_vague(self, sp: Speaker, analysis: Analysis) -> bool:
        """Only generic words ("bone", "pain"), unless the message is one of our phrasings."""
        # "What is edema in the bone?" is a question; "bone", "bone pain?" are not.
        if len(analysis.words) > self.policy.vague_max_terms or not self._generic(sp, analysis) \
                or sp.lang.interrogatives.intersection(analysis.words):
            return False
        if any(set(sp.matcher.terms_of_text(topic)) <= set(analysis.terms)
               for topic in sp.topics):
            # A topic's own name ("bone marrow edema"), or another name for it ("ilik ödemi"),
            # asks what it is.
            return False
        return sp.matcher.verbatim(analysis, self.policy.verbatim)[0] is None

    def _other_questions(self, sp: Speaker, message: str, answered: Entry) -> list[Candidate]:
        """Best entries for the other sentences of a message that asks several things."""
        parts = [p for p in _part_boundaries(sp.lang.also).split(fold(message))
                 if any(w not in sp.lang.stopwords and not sp.matcher.is_vague(w)
                        for w in sp.lang.words(p))]
        if len(parts) < 2:
            return []
        found = []
        for part in parts:
            ranked = sp.matcher.rank(part, limit=1)
            if ranked and ranked[0].entry.id != answered.id and \
                    ranked[0].score >= self.policy.answer_threshold:
                found.append(ranked[0])
        return found

    def _suggest(self, sp: Speaker, candidates) -> tuple[Match, ...]:
        seen, out = set(), []
        for c in candidates:
            if c.entry.id not in seen and c.score >= self.policy.suggest_threshold and \
                    c.entry.kind != "smalltalk":
                seen.add(c.entry.id)
                out.append(Match.of(c, sp.code))
        return tuple(out[: self.policy.max_suggestions])

    def _urgent(self, flag: safety.Flag, lang: str) -> Reply:
        """Urgent care in the visitor's language; a crisis, violence, breathing and a poisoning
        each get their own reply."""
        # The visitor's language when the red-flag rules speak it, else the one that fired.
        if lang in safety.reply_languages():
            flag = replace(flag, language=lang)
        text_ = safety.urgent_text(flag, emergency_number=self.clinic.emergency_number,
                                   crisis_line=self.clinic.crisis_line,
                                   poison_line=self.clinic.poison_line)
        match = Match(id="safety-urgent", kind="safety", title="Urgent care", score=1.0)
        return Reply(True, text_, match=match, reason="urgent", best=match,
                     category=flag.category, lang=flag.language)

    def _personal(self, sp: Speaker, analysis: Analysis, ranked, best, page) -> Reply:
        """Decline a judgement of the visitor's own case: only a doctor can make it.

        The reply says so, gives the clinic's contact, and offers the general entry (the
        article's own answer to "How is {topic} diagnosed?", "Which medications are used...?",
        else the best entry) as a suggestion: general information one click away, never the
        answer to "do I have it?" or "how many mg should I take?".
        """
        kind = analysis.personal[0]
        top = ranked[0] if ranked and ranked[0].score >= self.policy.suggest_threshold else None
        # The article in question: the page's, else the best entry's, else the only one.
        slug = page.slug if page is not None else \
            (top.entry.article if top is not None and top.entry.article else None)
        if slug is None and len(self.knowledge.articles) == 1:
            slug = self.knowledge.articles[0].slug
        article = self.knowledge.article(slug)
        topic = article.topic(sp.code) if article else sp.lang.text("this_condition")
        general = sp.lang.replies["personal_general"].get(kind)
        first = []
        content = {w for w in analysis.words if w not in sp.lang.stopwords}
        names_only = any(content <= set(sp.lang.words(t)) for t in sp.topics)
        if article is not None and general and (top is None or names_only or
                                                top.entry.kind in ("smalltalk", "clinic")
                                                or self._generic(sp, analysis) or kind == "dose"):
            first = [c for c in sp.matcher.rank(general.format(topic=topic), limit=3)
                     if c.entry.article == slug and c.entry.kind in ("faq", "section")][:1]
        seen = {c.entry.id for c in first}
        others = [c for c in ranked if c.entry.id not in seen and c.entry.kind != "clinic"]
        suggestions = self._suggest(sp, first + others)
        body = sp.lang.replies["doctor_only"][kind].format(topic=topic) + "\n\n" + \
            sp.lang.text("personal_contact")
        if suggestions:
            body += " " + sp.lang.text("personal_see_also")
        return Reply(False, self._with_contact(sp, body), reason="personal", best=best,
                     category=kind, lang=sp.code, suggestions=suggestions)

    def _out_of_scope(self, sp: Speaker, categories: tuple[str, ...], ranked, best) -> Reply:
        category = categories[0]
        if category == "everyday":  # the weather, a recipe: no clinic's subject, as no match
            return Reply(False, self._fallback_text(sp), reason="no_match", best=best,
                         lang=sp.code)
        # Some requests deserve their own words ("is it cancer?", a question about a child).
        own = sp.lang.replies.get("out_of_scope_own", {}).get(category)
        names = sp.lang.replies["out_of_scope_what"]
        text = own.format(topic=sp.topic) if own else \
            sp.lang.text("out_of_scope", what=names.get(category, names["other"]))
        return Reply(False, self._with_contact(sp, text),
                     reason="out_of_scope", best=best, lang=sp.code,
                     suggestions=self._suggest(sp, [c for c in ranked
                                                    if c.score >= self.policy.answer_threshold]),
                     category=category)

    # -- texts ------------------------------------------------------------------------------

    def _answer_text(self, sp: Speaker, entry: Entry) -> str:
        answer = entry.text(sp.code).answer
        if entry.kind == "clinic":
            return self._with_contact(sp, answer, notice=False)
        return answer

    def _fallback_text(self, sp: Speaker) -> str:
        return self._with_contact(sp, sp.lang.text("fallback", topic=sp.topic))

    def _with_contact(self, sp: Speaker, body: str, *, notice: bool = True) -> str:
        """Append the clinic's name and whichever contact fields are configured."""
        lines = [sp.clinic.name, *sp.clinic.contact_lines(sp.lang.replies["contact_labels"])]
        out = body + "\n\n" + "\n".join(lines)
        return out + ("\n\n" + sp.lang.text("notice") if notice else "")
