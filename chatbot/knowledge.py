"""Load and validate the knowledge file into frozen entries; errors name file, entry and field."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import KnowledgeError

KINDS = ("faq", "section", "clinic", "smalltalk")
CLINIC_FIELDS = ("name", "doctor", "hours", "phone", "email", "booking_url", "address",
                 "emergency_number", "crisis_line", "poison_line")
CONTACT_FIELDS = ("phone", "email", "booking_url", "address")
CONTACT_LABELS = {"phone": "Phone", "email": "E-mail", "booking_url": "Book online",
                  "address": "Address", "hours": "Opening hours"}
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# What a visitor can act on, checked where the clinic writes it (the widget links these).
FIELD_SHAPES = {
    "phone": (re.compile(r"\+?[\d\s().\-/]*\d[\d\s().\-/]*"), "a phone number: digits, spaces, "
              "+ ( ) - . /"),
    "email": (re.compile(r"[^\s@<>\"]+@[^\s@<>\"]+\.[^\s@<>\"]+"), "an e-mail address"),
    "booking_url": (re.compile(r"https?://[^\s<>\"]+"), "an http(s) address"),
    "emergency_number": (re.compile(r"\d{2,6}"), "a short number such as 112"),
}
# The layouts the chat widget turns into a tel: link (web/widget.js, PHONE_SHAPE and isPhone).
PHONE_SHAPE = re.compile(r"\+?(?:\d{1,4}[ .-]?)?(?:\(\+?\d{1,5}\)[ .-]?)?\d+(?:[ .-]\d+)*")


@dataclass(frozen=True)
class Text:
    """An entry's words in one language: its title, the ways visitors ask it, its answer."""

    question: str
    answer: str
    alternates: tuple[str, ...] = ()
    source: str | None = None
    reviewed: bool = True   # False: a translation the clinic has not checked yet


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    question: str            # question, answer, alternates, source: in the default language
    answer: str
    alternates: tuple[str, ...] = ()
    source: str | None = None
    related: tuple[str, ...] = ()
    lang: str = "en"         # the language the fields above are in (the file's default, or
                             # the language of the article the entry was imported from)
    article: str | None = None  # slug of the article the entry is about (see Article)
    translations: dict[str, Text] = field(default_factory=dict, hash=False, compare=False)

    def text(self, lang: str | None = None) -> Text:
        """Return the entry's words in a language (the default language's if it has none)."""
        if lang and lang != self.lang and lang in self.translations:
            return self.translations[lang]
        return Text(self.question, self.answer, self.alternates, self.source)

    def has(self, lang: str) -> bool:
        """Whether the entry has its own text in a language."""
        return lang == self.lang or lang in self.translations

    def public(self, lang: str | None = None) -> dict:
        """Return the entry as the API shows it, in a language."""
        t = self.text(lang)
        return {"id": self.id, "kind": self.kind, "lang": lang if self.has(lang or self.lang)
                else self.lang, "title": t.question, "answer": t.answer,
                "alternates": list(t.alternates), "source": t.source,
                "related": list(self.related)}


@dataclass(frozen=True)
class Article:
    """An article the knowledge comes from (chatbot import): what it is, and which entries it
    owns: `parts` maps each of its sections and FAQ pairs (a stable key made from its
    heading) to the entry made from it, or None where the clinic chose to leave it out."""

    slug: str
    title: str
    lang: str
    url: str | None = None
    parts: dict[str, str | None] = field(default_factory=dict, hash=False, compare=False)
    # What the article is about, per language ("plantar fasciitis"): named in the bot's texts,
    # and implied in every question of its entries ("What causes it?").
    topics: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def entries(self) -> tuple[str, ...]:
        """Ids of the entries the article owns, in the article's order."""
        return tuple(e for e in self.parts.values() if e)

    def topic(self, lang: str | None = None) -> str:
        """Return the article's topic in a language (its own language's if it has none)."""
        return self.topics.get(lang or "") or self.topics.get(self.lang) or self.title


@dataclass(frozen=True)
class Clinic:
    name: str = "the clinic"
    doctor: str | None = None
    hours: str | None = None
    phone: str | None = None
    email: str | None = None
    booking_url: str | None = None
    address: str | None = None
    emergency_number: str = "112"
    crisis_line: str | None = None  # named in the crisis reply only when the clinic sets one
    poison_line: str | None = None  # ...in the poisoning reply (Turkey: 114, UZEM)
    # Fields that read differently in another language (hours, name...): lang -> field -> text.
    translations: dict[str, dict[str, str]] = field(default_factory=dict, hash=False,
                                                    compare=False)

    def in_language(self, lang: str | None) -> Clinic:
        """Return the clinic with its fields in a language (untranslated fields as they are)."""
        local = self.translations.get(lang or "")
        if not local:
            return self
        return replace(self, **local, translations={})

    def contact_lines(self, labels: dict[str, str] | None = None) -> list[str]:
        """Return the filled-in contact fields as 'Label: value' lines."""
        labels = {**CONTACT_LABELS, **(labels or {})}
        lines = [f"{labels[name]}: {getattr(self, name)}" for name in CONTACT_FIELDS
                 if getattr(self, name)]
        if self.hours:
            lines.append(f"{labels['hours']}: {self.hours}")
        return lines

    def public(self) -> dict:
        return {name: getattr(self, name) for name in CLINIC_FIELDS}


@dataclass(frozen=True)
class Knowledge:
    entries: tuple[Entry, ...]
    clinic: Clinic = field(default_factory=Clinic)
    version: int = 1
    path: str = "<memory>"
    topic: str = "this condition"  # what the content is about, named in the bot's own texts
    languages: tuple[str, ...] = ("en",)   # the first is the default
    topics: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    articles: tuple[Article, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})
        object.__setattr__(self, "_articles", {a.slug: a for a in self.articles})

    def article(self, slug: str | None) -> Article | None:
        """Return the article with this slug (None for None or an unknown slug)."""
        return self._articles.get(slug) if slug else None

    def article_for(self, ref: str | None) -> Article | None:
        """Return the article a page refers to: its slug, or the address of its page (scheme,
        "www.", query, fragment and a final slash aside); None if none matches."""
        if not ref:
            return None
        if ref in self._articles:
            return self._articles[ref]
        page = page_key(ref)
        return next((a for a in self.articles if a.url and page_key(a.url) == page), None)

    def topic_names(self, lang: str | None = None) -> list[str]:
        """Return what the knowledge is about, in a language: its articles' topics (in the
        file's order, each once), else the file's topic."""
        names = [a.topic(lang) for a in self.articles]
        return list(dict.fromkeys(names)) or [self.topic_in(lang)]

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def topic_in(self, lang: str | None) -> str:
        """Return the topic's name in a language (the default language's if it has none)."""
        return self.topics.get(lang or "", self.topic)

    def __len__(self) -> int:
        return len(self.entries)


def callable_phone(number: str) -> bool:
    """Whether the chat widget makes a phone number a link: with the country code (+90 ...)
    or the trunk 0 (0212 ...), at a real length."""
    if not PHONE_SHAPE.fullmatch(number):
        return False
    digits = re.sub(r"\D", "", number)
    if number.lstrip("(").startswith("+"):
        return 8 <= len(digits) <= 15
    first = re.match(r"\D*(\d+)", number)[1]
    return digits.startswith("0") and (len(first) >= 3 or first == "0") \
        and 10 <= len(digits) <= 15


def page_key(url: str) -> str:
    """Reduce a page address to what identifies the page ("https://www.x.com/a/?q#f" ->
    "x.com/a")."""
    rest = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip().lower())
    rest = re.split(r"[?#]", rest, maxsplit=1)[0].rstrip("/")
    return rest[4:] if rest.startswith("www.") else rest


def warnings(kb: Knowledge) -> list[str]:
    """List what the clinic should still see to (the file loads and works without it): contact
    details, and per language missing and unreviewed translations and entries without
    alternates."""
    out = []
    clinic = kb.clinic
    if not (clinic.phone or clinic.email or clinic.booking_url):
        out.append("clinic: no phone, e-mail or booking address: every \"please contact the "
                   "clinic\" gives the visitor nothing to contact. Set them, e.g. "
                   "chatbot clinic set phone \"+90 212 555 01 23\"")
    for name, value in [("phone", clinic.phone)] + [
            (f"phone ({lang})", local["phone"]) for lang, local in clinic.translations.items()
            if "phone" in local]:
        if value and not callable_phone(value):
            out.append(f"clinic: {name}: {value!r} will not be a link visitors can tap: write it "
                       "with the country code (+90 212 555 01 23) or the trunk 0 "
                       "(0212 555 01 23)")
    for lang in kb.languages:
        missing = [e.id for e in kb.entries if not e.has(lang)]
        if missing:
            out.append(f"{lang}: {len(missing)} entr{'y' if len(missing) == 1 else 'ies'} "
                       "without a translation (their own language's text is shown): "
                       + ", ".join(missing))
        if not kb.articles and lang not in kb.topics and lang != kb.default_language:
            out.append(f"{lang}: topic: no translation")
        for article in kb.articles:
            if lang not in article.topics and lang != article.lang:
                out.append(f"{lang}: article {article.slug!r}: topic: no translation (its "
                           f"{article.lang} name, {article.topic()!r}, is used)")
        unreviewed = [e.id for e in kb.entries if lang in e.translations
                      and not e.translations[lang].reviewed]
        if unreviewed:
            out.append(f"{lang}: {len(unreviewed)} translation(s) not reviewed by the clinic "
                       "(set \"reviewed\": true once checked): " + ", ".join(unreviewed))
        bare = [e.id for e in kb.entries if e.has(lang) and not e.text(lang).alternates]
        if bare:
            out.append(f"{lang}: {len(bare)} entr{'y' if len(bare) == 1 else 'ies'} without "
                       "alternates (add the ways visitors ask, from chatbot unanswered: the "
                       "cheapest accuracy there is): " + ", ".join(bare))
    return out


def load(path: str | Path) -> Knowledge:
    """Read and validate a knowledge file; raise KnowledgeError listing every problem.

    Accepts the versioned clinic format and, for evaluation sets, a plain JSON list of
    `{"id", "question", "answer", "alternates"?}` objects.
    """
    path = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise KnowledgeError(path, [f"cannot read file: {exc.strerror or exc}"]) from None
    return loads(raw, path)


def loads(raw: bytes, path: str = "<memory>") -> Knowledge:
    """Decode and validate a knowledge file's bytes (see `load`); `path` names it in errors."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise KnowledgeError(path, [f"not UTF-8 (byte {exc.start})"]) from None
    except json.JSONDecodeError as exc:
        raise KnowledgeError(path, [f"invalid JSON at line {exc.lineno} column {exc.colno}: "
                                    f"{exc.msg}"]) from None
    return parse(data, path)


def parse(data: object, path: str = "<memory>") -> Knowledge:
    """Validate already-decoded knowledge data (see `load`)."""
    problems: list[str] = []
    if isinstance(data, list):
        data = {"version": 1, "clinic": {}, "entries": [dict(e, kind=e.get("kind", "faq"))
                                                        if isinstance(e, dict) else e
                                                        for e in data]}
    if not isinstance(data, dict):
        raise KnowledgeError(path, ["top level must be an object with 'entries' (or a list)"])
    if data.get("version", 1) != 1:
        problems.append(f"version: unsupported {data.get('version')!r} (expected 1)")
    languages = _languages(data.get("languages", ["en"]), problems)
    topics = _localised("topic", data.get("topic", "this condition"), languages, problems)
    clinic = _clinic(data.get("clinic", {}), languages, problems)
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        problems.append("entries: must be a non-empty list")
        raw_entries = []
    entries = [e for i, item in enumerate(raw_entries)
               if (e := _entry(item, i, languages, problems)) is not None]
    articles = _articles(data.get("articles", []), languages, raw_entries, problems)
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            problems.append(f"entry {entry.id!r}: id: duplicate id")
        seen.add(entry.id)
    # An entry with other problems still has an id: pointing at it is not a second problem.
    known = seen | {item["id"] for item in raw_entries
                    if isinstance(item, dict) and isinstance(item.get("id"), str)}
    for entry in entries:
        for target in entry.related:
            if target not in known:
                problems.append(f"entry {entry.id!r}: related: {target!r} is not an entry id")
    if problems:
        raise KnowledgeError(path, problems)
    default = languages[0]
    return Knowledge(entries=tuple(entries), clinic=clinic, version=1, path=path,
                     topic=topics.get(default, "this condition"), languages=languages,
                     topics=topics, articles=articles)


def _articles(raw: object, languages: tuple[str, ...], raw_entries: list,
              problems: list[str]) -> tuple[Article, ...]:
    """Validate the articles and the entries' ties to them: an entry names a known article,
    and an article owns only entries that name it, each once."""
    if not isinstance(raw, list):
        problems.append("articles: must be a list of {slug, title, url, lang, parts}")
        return ()
    items = {item["id"]: item for item in raw_entries
             if isinstance(item, dict) and isinstance(item.get("id"), str)}
    out: list[Article] = []
    owner: dict[str, str] = {}
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.append(f"articles[{index}]: must be an object")
            continue
        name = item.get("slug")
        where = f"article {name!r}" if isinstance(name, str) else f"articles[{index}]"
        before = len(problems)
        if not isinstance(name, str) or not SLUG.fullmatch(name):
            problems.append(f"{where}: slug: must be lower-case letters, digits and hyphens")
        elif any(a.slug == name for a in out):
            problems.append(f"{where}: slug: duplicate")
        if not isinstance(item.get("title"), str) or not item["title"].strip():
            problems.append(f"{where}: title: must be a non-empty string")
        url = item.get("url")
        if url is not None and (not isinstance(url, str)
                                or not re.match(r"https?://\S+$", url)):
            problems.append(f"{where}: url: must be an http(s) address or null")
        if item.get("lang") not in languages:
            problems.append(f"{where}: lang: must be one of the file's languages "
                            f"({', '.join(languages)})")
        parts = item.get("parts", {})
        if not isinstance(parts, dict):
            problems.append(f"{where}: parts: must be an object of key: "
                            "{\"entry\": id or null, \"digest\": text}")
            parts = {}
        owned: dict[str, str | None] = {}
        for key, part in parts.items():
            at = f"{where}: parts: {key}"
            if not isinstance(part, dict) or not isinstance(part.get("digest"), str):
                problems.append(f"{at}: must be {{\"entry\": id or null, \"digest\": text}}")
                continue
            target = part.get("entry")
            owned[key] = target
            if target is None:
                continue  # the clinic left this part out: a re-import does not bring it back
            if not isinstance(target, str) or target not in items:
                problems.append(f"{at}: entry {target!r} is not an entry id (set it to null to "
                                "keep this part out of the knowledge)")
            elif target in owner:
                problems.append(f"{at}: entry {target!r} is already owned by "
                                f"{owner[target]}")
            elif items[target].get("article") != name:
                problems.append(f"{at}: entry {target!r} must say \"article\": {name!r}")
            else:
                owner[target] = f"article {name!r}"
        topics = {}
        raw_topic = item.get("topic")
        if isinstance(raw_topic, str) and item.get("lang") in languages:
            raw_topic = {item["lang"]: raw_topic}  # a plain string is in the article's language
        if raw_topic is not None:
            topics = _localised(f"{where}: topic", raw_topic, languages, problems,
                                required=False)
        if len(problems) == before:
            if item["lang"] not in topics:
                from .language import load as language  # its stopwords trim the title
                topics[item["lang"]] = language(item["lang"]).topic_of(item["title"])
            out.append(Article(slug=name, title=item["title"].strip(), lang=item["lang"],
                               url=url, parts=owned, topics=topics))
    known = {a.slug for a in out} | {a.get("slug") for a in raw if isinstance(a, dict)}
    for entry_id, item in items.items():
        name = item.get("article")
        if name is not None and (not isinstance(name, str) or name not in known):
            problems.append(f"entry {entry_id!r}: article: {name!r} is not the slug of one of "
                            "the file's articles")
    return tuple(out)


def _languages(raw: object, problems: list[str]) -> tuple[str, ...]:
    from .language import available  # the languages the package has data for

    if not isinstance(raw, list) or not raw or not all(isinstance(c, str) for c in raw):
        problems.append("languages: must be a non-empty list of language codes, the default "
                        "first (e.g. [\"en\", \"tr\"])")
        return ("en",)
    known = available()
    for code in raw:
        if code not in known:
            problems.append(f"languages: {code!r} has no language data (known: "
                            f"{', '.join(sorted(known))})")
    if len(set(raw)) != len(raw):
        problems.append("languages: a language is listed twice")
    return tuple(dict.fromkeys(raw))


def _localised(where: str, value: object, languages: tuple[str, ...],
               problems: list[str], *, required: bool = True) -> dict[str, str]:
    """Read a text given as a string (the default language) or as {language: text}."""
    if isinstance(value, str):
        value = {languages[0]: value}
    if not isinstance(value, dict):
        problems.append(f"{where}: must be a string or an object of language: string")
        return {}
    out = {}
    for lang, text in value.items():
        if lang not in languages:
            problems.append(f"{where}: {lang}: not one of the file's languages "
                            f"({', '.join(languages)})")
        elif not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: {lang}: must be a non-empty string")
        else:
            out[lang] = text.strip()
    if required and languages[0] not in out and \
            not any(p.startswith(f"{where}: ") for p in problems):
        problems.append(f"{where}: {languages[0]}: missing (the default language)")
    return out


def _clinic(raw: object, languages: tuple[str, ...], problems: list[str]) -> Clinic:
    if not isinstance(raw, dict):
        problems.append("clinic: must be an object")
        return Clinic()
    values: dict[str, str] = {}
    translations: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        if key not in CLINIC_FIELDS:
            problems.append(f"clinic: {key}: unknown field (known: {', '.join(CLINIC_FIELDS)})")
        elif isinstance(value, dict):
            texts = _localised(f"clinic: {key}", value, languages, problems)
            values[key] = texts.get(languages[0], "")
            for lang, text in texts.items():
                _shape(f"clinic: {key}: {lang}", key, text, problems)
                if lang != languages[0]:
                    translations.setdefault(lang, {})[key] = text
        elif value is not None and (not isinstance(value, str) or not value.strip()):
            problems.append(f"clinic: {key}: must be a non-empty string, an object of "
                            "language: string, or null")
        elif value is not None:
            values[key] = value.strip()
            _shape(f"clinic: {key}", key, values[key], problems)
    return Clinic(**{k: v for k, v in values.items() if v}, translations=translations)


def _shape(where: str, key: str, value: str, problems: list[str]) -> None:
    if key in FIELD_SHAPES and not FIELD_SHAPES[key][0].fullmatch(value):
        problems.append(f"{where}: {value!r} is not {FIELD_SHAPES[key][1]}")


def _text(item: dict, where: str, problems: list[str], *, translation: bool) -> Text | None:
    """Validate one language's question, answer, alternates, source (and reviewed flag)."""
    before = len(problems)
    for name in ("question", "answer"):
        value = item.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: {name}: must be a non-empty string")
    source = item.get("source")
    if source is not None and not isinstance(source, str):
        problems.append(f"{where}: source: must be a string or null")
    alternates = _strings(item, "alternates", where, problems)
    # A translation nobody has confirmed is unreviewed: safer to list too much for review.
    reviewed = item.get("reviewed", not translation)
    if not isinstance(reviewed, bool):
        problems.append(f"{where}: reviewed: must be true or false")
    if len(problems) > before:
        return None
    return Text(question=item["question"].strip(), answer=item["answer"].strip(),
                alternates=alternates, source=source, reviewed=reviewed)


def _strings(item: dict, name: str, where: str, problems: list[str]) -> tuple[str, ...]:
    value = item.get(name, [])
    if not isinstance(value, list):
        problems.append(f"{where}: {name}: must be a list of strings")
        value = []
    bad = [i for i, v in enumerate(value) if not isinstance(v, str) or not v.strip()]
    if bad:
        problems.append(f"{where}: {name}[{bad[0]}]: must be a non-empty string")
    return tuple(v.strip() for v in value if isinstance(v, str) and v.strip())


def _entry(item: object, index: int, languages: tuple[str, ...],
           problems: list[str]) -> Entry | None:
    if not isinstance(item, dict):
        problems.append(f"entries[{index}]: must be an object")
        return None
    entry_id = item.get("id")
    where = f"entry {entry_id!r}" if isinstance(entry_id, str) and entry_id else \
        f"entries[{index}]"
    before = len(problems)
    if not isinstance(entry_id, str) or not entry_id.strip():
        problems.append(f"{where}: id: must be a non-empty string")
    kind = item.get("kind")
    if kind not in KINDS:
        problems.append(f"{where}: kind: {kind!r} is not one of {', '.join(KINDS)}")
    # The entry's own question/answer/alternates/source are in the default language; other
    # languages go under "translations": {"tr": {...}}, so a new language is new data only.
    main = _text(item, where, problems, translation=False)
    related = _strings(item, "related", where, problems)
    own = item.get("lang", languages[0])
    if own not in languages:
        problems.append(f"{where}: lang: {own!r} is not one of the file's languages "
                        f"({', '.join(languages)})")
        own = languages[0]
    translations: dict[str, Text] = {}
    raw = item.get("translations", {})
    if not isinstance(raw, dict):
        problems.append(f"{where}: translations: must be an object of language: "
                        "{question, answer, alternates}")
        raw = {}
    for lang, value in raw.items():
        at = f"{where}: translations: {lang}"
        if lang == own or lang not in languages:
            others = [code for code in languages if code != own]
            problems.append(f"{at}: not one of the file's other languages "
                            f"({', '.join(others) or 'none declared in languages'})")
        elif not isinstance(value, dict):
            problems.append(f"{at}: must be an object with question, answer, alternates")
        elif (text := _text(value, at, problems, translation=True)) is not None:
            translations[lang] = text
    if len(problems) > before or main is None:
        return None
    return Entry(id=entry_id.strip(), kind=kind, question=main.question, answer=main.answer,
                 alternates=main.alternates, source=main.source, related=related,
                 lang=own, article=item.get("article"), translations=translations)
