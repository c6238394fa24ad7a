"""Turn one article into knowledge entries: pure, no Flask, no writes.

    read(path) ............ the article's text and format (.txt, .md, .html); ArticleError
                            for an empty, binary or unknown file
    parse(text, fmt) ...... ParsedArticle: title, language, and its parts in the article's
                            own words: one per section (heading + text) and per FAQ pair
    merge(data, article) .. the knowledge file's data with the article's entries added,
                            updated or removed, and a Report of what changed

Each format is first read into the same blocks (heading, paragraph, list item), so what an
article *is* (title, sections, FAQ) is decided once, for all formats. Text copied from a
website has no markup: headings are inferred (short lines without final punctuation,
numbered headings), and the page's furniture (navigation, icons, author/date/read-time,
footer) is recognised from data per language, chatbot/data/<lang>/article.json.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

from . import language, text
from .errors import ArticleError

FORMATS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
           ".html": "html", ".htm": "html"}
MAX_BYTES = 5_000_000          # an article, not a site dump
HEADING_WORDS = 14             # a longer line is a paragraph, whatever its punctuation
SLUG_CHARS = 60
PREFIX = {"faq": "faq", "section": "sec"}
# Brand names are the same in every language: a short line naming one is a social icon.
SOCIAL = frozenset("""instagram youtube linkedin facebook twitter tiktok pinterest whatsapp
telegram vimeo snapchat threads""".split())
QUESTION_MARKS = ("?", "？", "؟")
FINAL_PUNCTUATION = ".:;,!…"
BULLET = re.compile(r"^([•●◦○▪■□‣·∙\-*+–—])\s+(.*)$")
NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(.*)$")
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


@dataclass(frozen=True)
class Part:
    """One entry-to-be: a section (heading + text) or a FAQ pair, in the article's words."""

    key: str        # stable within the article ("faq-can-it-heal-on-its-own"); the default id
    kind: str       # "faq" or "section"
    question: str   # the heading or question as the article words it
    answer: str
    source: str     # the heading it sits under (the FAQ's, a parent section's, or its own)
    # The fingerprint the importer gave this text when a parent heading's text was glued
    # onto its first and last sub-headings (before December 2026), where that differs.
    was: str | None = None

    @property
    def digest(self) -> str:
        """Fingerprint of the answer's words: tells an edited article from a re-formatted one."""
        return digest(self.answer)


@dataclass(frozen=True)
class ParsedArticle:
    title: str
    slug: str
    lang: str
    url: str | None
    parts: tuple[Part, ...]
    skipped: tuple[str, ...] = ()   # what was left out, and why (shown to staff)

    @property
    def sections(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.kind == "section")

    @property
    def faq(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.kind == "faq")


def digest(answer: str) -> str:
    """Return a short fingerprint of a text's words (case, accents, punctuation ignored)."""
    words = " ".join(text.words(answer, spelling=None))
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:16]


def slug(value: str, *, limit: int = SLUG_CHARS) -> str:
    """Return a lower-case ASCII slug of a heading ("Knee Joint" -> "knee-joint")."""
    folded = re.sub(r"[^a-z0-9]+", "-", re.sub(r"['’]", "", text.fold(value))).strip("-")
    if len(folded) > limit:
        folded = folded[:limit].rsplit("-", 1)[0]
    return folded


# -- reading ---------------------------------------------------------------------------------

def read(path: str | Path) -> tuple[str, str]:
    """Return (text, format) of an article file; ArticleError says what is wrong with it."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        shown = path.suffix or "no extension"
        raise ArticleError(f"{path}: unknown kind of file ({shown}): give the article as .txt "
                           "(text copied from the page), .md (Markdown) or .html (the saved page)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ArticleError(f"{path}: {len(raw):,} bytes is too large for one article "
                           f"(at most {MAX_BYTES:,})")
    decoded = _decode(raw, fmt)
    if decoded is None:
        raise ArticleError(f"{path}: not a text file (binary, or not UTF-8): save the article "
                           "as UTF-8 text, Markdown or HTML")
    if not decoded.strip():
        raise ArticleError(f"{path}: the file is empty")
    return decoded, fmt


def _decode(raw: bytes, fmt: str) -> str | None:
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"),
                       (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                return None
    if b"\x00" in raw:
        return None
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        # A saved page may declare another charset (windows-1254 on older Turkish sites).
        declared = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", raw[:4096], re.I)
        if fmt != "html" or not declared:
            return None
        try:
            decoded = raw.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            return None
    controls = sum(1 for ch in decoded if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t")
    return None if controls > len(decoded) // 100 else decoded


# -- blocks: what every format is read into ---------------------------------------------------

@dataclass
class Block:
    kind: str            # "heading", "para" or "item"
    text: str
    level: int = 0       # a heading's level (1-6); an item's depth (0 = top)
    numbered: bool = False
    strong: bool = False  # a paragraph wholly in bold: a question in many FAQ layouts


def _clean(value: str) -> str:
    value = unicodedata.normalize("NFC", value).translate(INVISIBLE).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", value).strip()


def _is_question(value: str) -> bool:
    return value.rstrip().endswith(QUESTION_MARKS)


def _heading_like(value: str) -> bool:
    """Whether a line of plain text reads as a heading: short, no sentence-final punctuation."""
    words = value.split()
    return (0 < len(words) <= HEADING_WORDS and len(value) <= 120
            and value[-1] not in FINAL_PUNCTUATION and any(ch.isalpha() for ch in value))


def _text_blocks(source: str) -> list[Block]:
    """Read text copied from a web page: bullets and indented numbers are list items,
    unindented numbered lines and short unpunctuated lines are headings."""
    blocks: list[Block] = []
    indents: list[int] = []       # the open list levels' indentation
    previous_blank = True
    for raw_line in source.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        expanded = raw_line.replace("\t", "    ").replace("\u00a0", " ")
        line = _clean(expanded)
        if not line:
            previous_blank = True
            continue
        indent = len(expanded) - len(expanded.lstrip(" "))
        bullet, numbered = BULLET.match(line), NUMBERED.match(line)
        if bullet or (numbered and indent > 0):
            while indents and indents[-1] > indent:
                indents.pop()
            if not indents or indents[-1] < indent:
                indents.append(indent)
            match = bullet or numbered
            blocks.append(Block("item", match.group(2), level=len(indents) - 1,
                                numbered=bool(numbered)))
        elif indent > 0 and blocks and blocks[-1].kind == "item" and not previous_blank:
            blocks[-1].text += " " + line          # an item's text wrapped onto a new line
        elif (not previous_blank and blocks and blocks[-1].kind == "para"
              and line[0].islower()):
            blocks[-1].text += " " + line          # a paragraph hard-wrapped
        else:
            indents.clear()
            if numbered and _heading_like(numbered.group(2)):
                blocks.append(Block("heading", numbered.group(2), level=3, numbered=True))
            elif _heading_like(line):
                blocks.append(Block("heading", line, level=2))
            elif numbered:
                blocks.append(Block("item", numbered.group(2), numbered=True))
            else:
                blocks.append(Block("para", line))
        previous_blank = False
    return blocks


_INLINE_MD = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),                 # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),             # links: keep the words
    (re.compile(r"<[^>]+>"), ""),                              # inline HTML
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!])"), r"\1"),          # backslash escapes
]
_WHOLLY_BOLD = re.compile(r"^(\*\*|__)(.+)\1[:.]?$")


def _md_inline(value: str) -> tuple[str, bool]:
    value = value.strip()
    bold = _WHOLLY_BOLD.match(value)
    strong = bool(bold) and "**" not in bold.group(2)
    for pattern, replacement in _INLINE_MD:
        value = pattern.sub(replacement, value)
    return _clean(value), strong


def _markdown_blocks(source: str) -> tuple[list[Block], str | None]:
    """Read Markdown: #/## and underlined headings, lists, bold lines, paragraphs."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title = None
    if lines and lines[0].strip() == "---":      # front matter: keep only its title
        end = next((i for i, ln in enumerate(lines[1:], 1) if ln.strip() in ("---", "...")), 0)
        for ln in lines[1:end]:
            key, _, value = ln.partition(":")
            if key.strip().lower() == "title" and value.strip():
                title = _clean(value.strip().strip("\"'"))
        lines = lines[end + 1:]
    blocks: list[Block] = []
    paragraph: list[str] = []
    indents: list[int] = []
    fence = None
    in_comment = False

    def flush():
        if paragraph:
            value, strong = _md_inline(" ".join(paragraph))
            if value:
                blocks.append(Block("para", value, strong=strong))
            paragraph.clear()

    for i, line in enumerate(lines):
        stripped = line.strip()
        if in_comment:
            in_comment = "-->" not in stripped
            continue
        if fence:
            fence = None if stripped.startswith(fence) else fence
            continue
        if stripped.startswith(("```", "~~~")):
            flush()
            fence = stripped[:3]
            continue
        if stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            continue
        if not stripped:
            flush()
            continue
        if paragraph and re.fullmatch(r"=+|-+", stripped):   # underlined heading
            value, _ = _md_inline(" ".join(paragraph))
            paragraph.clear()
            blocks.append(Block("heading", value, level=1 if stripped[0] == "=" else 2))
            continue
        if re.fullmatch(r"([-*_])(\s*\1){2,}", stripped):    # a rule
            flush()
            continue
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", stripped)
        if heading:
            flush()
            indents.clear()
            value, _ = _md_inline(heading.group(2))
            if value:
                blocks.append(Block("heading", value, level=len(heading.group(1))))
            continue
        stripped = re.sub(r"^(>\s?)+", "", stripped)
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
        item = re.match(r"^([-*+]|\d{1,3}[.)])\s+(.*)$", stripped)
        numbered = bool(item) and item.group(1)[0].isdigit()
        # A number opening a wrapped line of a paragraph ("...since\n2019. It") is no list.
        if item and not (numbered and paragraph and not indents):
            flush()
            while indents and indents[-1] > indent:
                indents.pop()
            if not indents or indents[-1] < indent:
                indents.append(indent)
            value, strong = _md_inline(item.group(2))
            blocks.append(Block("item", value, level=len(indents) - 1, numbered=numbered,
                                strong=strong))
            continue
        if indents and indent > 0 and blocks and blocks[-1].kind == "item" and not paragraph:
            value, strong = _md_inline(stripped)
            if _is_question(blocks[-1].text) or (i > 0 and not lines[i - 1].strip()):
                # An answer under a question item, or a new paragraph inside the item.
                blocks.append(Block("para", value, level=len(indents), strong=strong))
            else:
                blocks[-1].text += " " + value
            continue
        if indent == 0:
            indents.clear()  # a paragraph back at the margin ends the list
        paragraph.append(stripped)
    flush()
    return blocks, title


# Elements whose text is never the article: scripts, the site's header, menus and footer.
SKIP = frozenset("""script style noscript template svg canvas iframe object header nav footer
aside form button select option dialog""".split())
SKIP_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search",
                        "dialog", "menu", "menubar"})
BLOCK_TAGS = frozenset("""p div section article main li ul ol h1 h2 h3 h4 h5 h6 blockquote
pre table tr td th dl dt dd figure figcaption br hr body""".split())
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


class _HTMLBlocks(HTMLParser):
    """Collect headings, paragraphs and list items outside skipped elements, noting which
    lie inside <article> and <main> (a builder's page holds far more than the post)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, str]] = []   # (tag, skipped, role)
        self.blocks: list[tuple[Block, bool, bool]] = []   # block, in <article>, in <main>
        self.buffer: list[tuple[str, bool]] = []  # (text, bold)
        self.title: str | None = None
        self.title_text: list[str] | None = None  # collecting <title> while not None

    def _inside(self, name: str) -> bool:
        return any(tag == name or role == name for tag, _, role in self.stack)

    def _role(self) -> tuple[str, int]:
        """What the text being collected is: a heading (level), a list item (depth) or text."""
        for tag, _, role in reversed(self.stack):
            if re.fullmatch(r"h[1-6]", tag):
                return "heading", int(tag[1])
            if role.startswith("heading"):
                level = role.partition(":")[2]
                return "heading", int(level) if level.isdigit() else 2
            if tag == "li":
                return "item", max(sum(t in ("ul", "ol") for t, _, _ in self.stack) - 1, 0)
        return "para", 0

    def flush(self):
        value = _clean("".join(t for t, _ in self.buffer))
        if value and not any(skipped for _, skipped, _ in self.stack):
            kind, level = self._role()
            bold = _clean("".join(t for t, b in self.buffer if b))
            strong = kind != "heading" and len(bold) >= len(value.rstrip(":.")) - 1
            lists = [t for t, _, _ in self.stack if t in ("ul", "ol")]
            self.blocks.append((Block(kind, value, level=level, strong=strong,
                                      numbered=kind == "item" and lists[-1:] == ["ol"]),
                                self._inside("article"), self._inside("main")))
        self.buffer.clear()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        role = attrs.get("role") or ""
        if role == "heading":
            role = f"heading:{attrs.get('aria-level') or 2}"
        if tag in BLOCK_TAGS or role.startswith("heading"):
            self.flush()
        if tag == "title":
            self.title_text = []
        if tag in VOID:
            return
        skipped = tag in SKIP or "hidden" in attrs or attrs.get("aria-hidden") == "true" \
            or role in SKIP_ROLES
        self.stack.append((tag, skipped, role))

    def handle_endtag(self, tag):
        if tag == "title" and self.title_text is not None:
            self.title = _clean("".join(self.title_text)) or None
            self.title_text = None
        if tag in VOID or not any(t == tag for t, _, _ in self.stack):
            return  # a stray end tag: nothing to close
        if tag in BLOCK_TAGS or any(role.startswith("heading") for _, _, role in self.stack):
            self.flush()
        while self.stack and self.stack.pop()[0] != tag:
            pass  # elements left open inside it (<p> without </p>) close with it

    def handle_data(self, data):
        if self.title_text is not None:
            self.title_text.append(data)
        elif not any(skipped for _, skipped, _ in self.stack):
            self.buffer.append((data, any(t in ("strong", "b") for t, _, _ in self.stack)))

    def close(self):
        super().close()
        self.flush()


def _html_blocks(source: str) -> tuple[list[Block], str | None]:
    """Read a saved web page: only the post when the page marks it (<article>, else <main>)."""
    parser = _HTMLBlocks()
    parser.feed(source)
    parser.close()
    found = parser.blocks
    for index in (1, 2):
        inside = [b for b in found if b[index]]
        if any(block.kind == "heading" for block, *_ in inside):
            found = inside
            break
    return [block for block, *_ in found], parser.title


# -- language data ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Cues:
    """What every language's article.json says about articles, merged: furniture is furniture
    whatever the article's language (a Turkish site's builder may speak English)."""

    faq: tuple[str, ...]
    summary: frozenset[str]
    furniture: frozenset[str]
    icon_words: frozenset[str]
    meta: tuple[re.Pattern, ...]


@cache
def cues() -> Cues:
    """Read chatbot/data/*/article.json (cached)."""
    specs = [json.loads(p.read_text(encoding="utf-8"))
             for p in sorted(language.DATA.glob("*/article.json"))]
    gather = lambda key: {_folded(v) for s in specs for v in s.get(key, [])}  # noqa: E731
    return Cues(faq=tuple(sorted(gather("faq_headings"), key=len, reverse=True)),
                summary=frozenset(gather("summary_headings")),
                furniture=frozenset(gather("furniture")),
                icon_words=frozenset(gather("icon_words")),
                meta=tuple(re.compile(p) for s in specs for p in s.get("meta", [])))


def _folded(value: str) -> str:
    """Fold a line for comparing it with the cues: lower case, no accents or punctuation."""
    return " ".join(re.findall(r"[a-z0-9&]+", text.fold(value)))


def _furniture(block: Block, c: Cues) -> bool:
    words = _folded(block.text)
    if not words or words in c.furniture or "©" in block.text or words.startswith("copyright"):
        return True
    tokens = words.split()
    return len(tokens) <= 4 and block.kind != "para" and (
        bool(SOCIAL.intersection(tokens)) or tokens[-1] in c.icon_words)


def _meta(block: Block, c: Cues) -> bool:
    folded = " ".join(text.fold(block.text).split()).strip(" .")
    return block.kind != "heading" and any(p.match(folded) for p in c.meta)


# -- the article's shape ----------------------------------------------------------------------

@dataclass
class _Section:
    heading: str
    level: int
    parent: _Section | None = None
    blocks: list[Block] = field(default_factory=list)
    children: list[_Section] = field(default_factory=list)
    faq: bool = False
    after: list[Block] = field(default_factory=list)  # its text after its sub-sections


def parse(source: str, fmt: str, *, lang: str | None = None, url: str | None = None,
          article_slug: str | None = None, name: str = "the article") -> ParsedArticle:
    """Read an article's text into its title, language and parts; ArticleError if it has no
    headings to tell its sections by.

    The language is detected among all the package knows, unless `lang` says.
    """
    if fmt == "markdown":
        blocks, title = _markdown_blocks(source)
    elif fmt == "html":
        blocks, title = _html_blocks(source)
    elif fmt == "text":
        blocks, title = _text_blocks(source), None
    else:
        raise ArticleError(f"{name}: unknown format {fmt!r}")
    c = cues()
    skipped: list[str] = []
    blocks = [b for b in blocks if not _furniture(b, c)]
    title, blocks = _title(blocks, title, c, fmt)
    if title is None or not any(b.kind == "heading" for b in blocks):
        raise ArticleError(f"{name}: found no headings, so no sections to import: the "
                           "importer needs the article's headings (in copied text: short "
                           "lines of their own, without a final full stop)")
    code = lang or _detect(title, blocks)
    root = _outline(blocks, title, c)
    _hand_back(root, language.load(code), title)
    parts = _parts(root, title, c, skipped)
    if not parts:
        raise ArticleError(f"{name}: found headings but no text under them to import")
    return ParsedArticle(title=title, slug=article_slug or _article_slug(url, title),
                         lang=code, url=url, parts=tuple(parts), skipped=tuple(skipped))


def _article_slug(url: str | None, title: str) -> str:
    if url:
        segments = [s for s in urlparse(url).path.split("/") if s]
        if segments and slug(segments[-1].rsplit(".", 1)[0]):
            return slug(segments[-1].rsplit(".", 1)[0])
    return slug(title) or "article"


def _detect(title: str, blocks: list[Block]) -> str:
    codes = sorted(language.available())
    sample = " ".join([title] + [b.text for b in blocks])[:20000]
    return language.detect(sample, [language.load(code) for code in codes]).lang


def _title(blocks: list[Block], declared: str | None, c: Cues,
           fmt: str) -> tuple[str | None, list[Block]]:
    """Find the article's title; drop what stands before it (the site's header) and the
    author/date/read-time lines and repeated title after it."""
    meta = [i for i, b in enumerate(blocks[:60]) if _meta(b, c)]
    if meta:
        start = meta[0]
        # The author's name is the short line just above the date (a list in Wix's layout).
        if start > 0 and blocks[start - 1].kind == "item" and len(blocks[start - 1].text) < 40:
            start -= 1
        end = meta[0]
        while end + 1 < len(blocks) and (_meta(blocks[end + 1], c) or (
                blocks[end + 1].kind == "item" and end + 1 - meta[0] < 4
                and len(blocks[end + 1].text) < 40 and blocks[end + 1].text[-1] not in ".:")):
            end += 1
        heads = [i for i in range(start) if blocks[i].kind == "heading"]
        if heads:
            title = blocks[heads[-1]].text
            rest = blocks[end + 1:]
            if rest and rest[0].kind == "heading" and _same(rest[0].text, title):
                rest = rest[1:]
            return title, rest
    if fmt != "text":
        firsts = [i for i, b in enumerate(blocks) if b.kind == "heading" and b.level == 1]
        if firsts:
            i = firsts[0]
            rest = [b for b in blocks[i + 1:] if not _meta(b, c)]
            return blocks[i].text, rest
        if declared:
            return declared, [b for b in blocks if not _meta(b, c)]
    # Copied text without a byline: the title is the first heading with text under it.
    for i, block in enumerate(blocks):
        if block.kind == "heading" and i + 1 < len(blocks) and blocks[i + 1].kind != "heading":
            rest = [b for b in blocks[i + 1:] if not _meta(b, c)]
            if rest and rest[0].kind == "heading" and _same(rest[0].text, block.text) \
                    and len(rest) > 1 and rest[1].kind == "heading":
                rest = rest[1:]
            return block.text, rest
    heads = [b for b in blocks if b.kind == "heading"]
    return (heads[0].text, blocks[blocks.index(heads[0]) + 1:]) if heads else (declared, blocks)


def _same(a: str, b: str) -> bool:
    return _folded(a) == _folded(b)


def _strip_number(value: str) -> str:
    return re.sub(r"^\d{1,3}[.)]\s+", "", value).strip()


def _is_faq_heading(value: str, c: Cues) -> bool:
    folded = f" {_folded(value)} "
    return any(f" {cue} " in folded for cue in c.faq)


def _outline(blocks: list[Block], title: str, c: Cues) -> _Section:
    """Nest the blocks into sections. In copied text a numbered heading belongs to the
    unnumbered one before it; under a FAQ heading, every question is the FAQ's."""
    root = _Section(title, 1)
    current = root
    for block in blocks:
        if block.kind != "heading":
            current.blocks.append(block)
            continue
        faq = next((s for s in _chain(current) if s.faq), None)
        if faq is not None and _is_question(block.text):
            current = faq           # a question under the FAQ heading, at whatever level
            current.blocks.append(Block("para", block.text, strong=True))
            continue
        level = max(block.level, 2)
        if block.numbered and faq is None:
            top = next((s for s in _chain(current) if s.level == 2 and not s.faq), None)
            level = 3 if top is not None else 2
        parent = current
        while parent is not root and parent.level >= level:
            parent = parent.parent or root
        section = _Section(_strip_number(block.text), level,
                           parent=parent if parent is not root else None,
                           faq=_is_faq_heading(block.text, c))
        parent.children.append(section)
        current = section
    return root


def _chain(section: _Section | None):
    while section is not None:
        yield section
        section = section.parent


def _parts(root: _Section, title: str, c: Cues, skipped: list[str]) -> list[Part]:
    parts: list[Part] = []
    glued: dict[tuple[str, str], str] = {}
    intro = list(root.blocks)
    # The text before the first heading introduces the article: it goes with a section
    # that repeats the title, else it is a section of its own under the title.
    repeat = next((s for s in root.children if _same(s.heading, title)), None)
    if repeat is not None:
        repeat.blocks[:0] = intro
    elif _render(intro, title, skipped):
        parts.append(_part("section", title, _render(intro, title, skipped), title))
    for section in root.children:
        if section.faq:
            parts.extend(_faq_parts(section, skipped))
        elif _folded(_strip_number(section.heading)) in c.summary:
            skipped.append(f"{section.heading!r}: a summary of the article, left out")
        else:
            parts.extend(_section_parts(section, skipped))
            _glued_digests(section, [], [], glued)
    return [replace(p, was=glued[p.question, p.source])
            if glued.get((p.question, p.source), p.digest) != p.digest else p
            for p in _unique_keys(parts)]


def _glued_digests(section: _Section, lead: list[Block], tail: list[Block],
                   out: dict[tuple[str, str], str]) -> None:
    """Fingerprint the sub-headings' texts as they were cut before a parent heading's text
    was an entry of its own (its text led into its first sub-heading, what followed its
    last sub-heading stayed there): a re-import tells a re-cut from an edited article."""
    blocks = lead + section.blocks
    if not section.children:
        source = section.parent.heading if section.parent else section.heading
        out[section.heading, source] = digest(_render(blocks + tail, section.heading, []))
        return
    if blocks and blocks[-1].kind == "para" and blocks[-1].text.endswith(":"):
        kept = " ".join(re.split(r"(?<=[.!?])\s+", blocks[-1].text)[:-1])
        blocks = blocks[:-1] + ([Block("para", kept)] if kept else [])
    last = len(section.children) - 1
    for i, child in enumerate(section.children):
        _glued_digests(child, blocks if i == 0 else [], section.after if i == last else [],
                       out)


def _section_parts(section: _Section, skipped: list[str]) -> list[Part]:
    """A heading with text of its own is a part, and so is each of its sub-headings: a
    parent's text (before its sub-headings, or handed back after them) stays the parent's."""
    blocks = list(section.blocks)
    if section.children and blocks and blocks[-1].kind == "para" \
            and blocks[-1].text.endswith(":"):
        # "...can be classified into two main categories:" introduces the sub-headings: the
        # page reads on with their titles, and so does the answer (an overview of them).
        blocks.extend(Block("item", child.heading) for child in section.children)
    out: list[Part] = []
    answer = _render(blocks + section.after, section.heading, skipped)
    if answer:
        source = section.parent.heading if section.parent else section.heading
        out.append(_part("section", section.heading, answer, source))
    elif not section.children:
        skipped.append(f"{section.heading!r}: a heading with no text under it, left out")
    for child in section.children:
        out.extend(_section_parts(child, skipped))
    return out


def _hand_back(root: _Section, lang: language.Language, title: str) -> None:
    """Give each parent heading the paragraphs after its last sub-heading that speak of the
    parent's subject or of the other sub-headings, and not of the last sub-heading's own.

    Copied text (and most pages) marks no end to a sub-section: "The success rate of surgery
    is high" after "2. Endoscopic Release" reads as the release's text. The last sub-heading
    keeps its first paragraph (with the list it leads into) and every paragraph that names
    its own subject or names nothing of the parent's: where nothing tells, the text stays
    where the page shows it.
    """
    topic = set(lang.words(lang.topic_of(title)))
    for aside in re.findall(r"\(([^()]*)\)", title):   # "Frozen Shoulder (Adhesive Capsulitis)"
        topic.update(lang.words(aside))
    concepts = lambda value: _concepts(value, lang, topic)  # noqa: E731
    stack = [s for s in root.children if not s.faq]
    while stack:
        section = stack.pop()
        stack.extend(section.children)
        if not section.children or section.children[-1].children:
            continue
        last = section.children[-1]
        own = concepts(last.heading)
        theirs = {w for s in [section, *section.children[:-1]] for w in concepts(s.heading)
                  if not _near(w, own)}
        for i, block in enumerate(last.blocks):
            if i == 0 or block.kind != "para" or last.blocks[i - 1].text.endswith(":"):
                continue  # (after a lead-in whose list the copy lost, the text goes on)
            # A paragraph names its subject early: its first sentence's first words.
            opening = " ".join(re.split(r"(?<=[.!?:])\s+", block.text)[0].split()[:8])
            if not _near_any(concepts(block.text), own) and _near_any(concepts(opening), theirs):
                section.after, last.blocks[i:] = last.blocks[i:], []
                break


def _concepts(value: str, lang: language.Language, topic: set[str]) -> set[str]:
    """A text's content words as concepts: a general synonym's canonical word ("operation"
    -> "surgery"), else the stem; function words and the article's topic left out."""
    canonical = _single_synonyms(lang)
    return {lang.stem(canonical.get(w, w)) for w in lang.words(value)
            if w not in lang.stopwords and w not in topic and not w.isdigit() and len(w) > 2}


@cache
def _single_synonyms(lang: language.Language) -> dict[str, str]:
    out: dict[str, str] = {}
    for group in lang.synonyms:
        words = [lang.words(v) for v in group]
        if len(words[0]) == 1:
            out.update((w[0], words[0][0]) for w in words if len(w) == 1)
    return out


def _near(word: str, others: set[str]) -> bool:
    """Whether a concept is one of others, or shares most of its stem with one
    ("surgeri" and "surgic", "tanı" and "tanısı")."""
    return word in others or any(_prefix(word, o) >= max(4, 2 * min(len(word), len(o)) / 3)
                                 for o in others)


def _near_any(words: set[str], others: set[str]) -> bool:
    return any(_near(w, others) for w in words)


def _prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _faq_parts(section: _Section, skipped: list[str]) -> list[Part]:
    """Pair each question with the text up to the next question, whatever the numbering
    says: a copied list often numbers the answers too ("10. Question? 11. Answer.")."""
    blocks = list(section.blocks)
    for child in section.children:  # a sub-heading under the FAQ that is not a question
        blocks.append(Block("para", child.heading))
        blocks.extend(child.blocks)
    pairs: list[tuple[str, list[Block]]] = []
    for block in blocks:
        short = len(block.text.split()) <= 30
        if _is_question(block.text) and (block.kind == "item" or block.strong or short):
            pairs.append((_strip_number(block.text), []))
        elif pairs:
            pairs[-1][1].append(block)
        elif block.text:
            skipped.append(f"{section.heading!r}: text before the first question, left out")
    out = []
    for question, answer_blocks in pairs:
        if len(answer_blocks) == 1 and answer_blocks[0].kind == "item":
            answer_blocks = [Block("para", answer_blocks[0].text)]  # "• the answer": plain text
        answer = _render(answer_blocks, question, skipped)
        if answer:
            out.append(_part("faq", question, answer, section.heading))
        else:
            skipped.append(f"{question!r}: a question without an answer, left out")
    return out


def _part(kind: str, question: str, answer: str, source: str) -> Part:
    return Part(key=f"{PREFIX[kind]}-{slug(question) or 'untitled'}", kind=kind,
                question=question, answer=answer, source=source)


def _unique_keys(parts: list[Part]) -> list[Part]:
    """Qualify a heading the article repeats ("Treatment" under two parents) by its parent."""
    seen: set[str] = set()
    out = []
    for part in parts:
        key = part.key
        if key in seen:
            key = f"{part.key}-{slug(part.source, limit=24)}"
        n = 2
        while key in seen:
            key, n = f"{part.key}-{n}", n + 1
        seen.add(key)
        out.append(replace(part, key=key))
    return out


def _render(blocks: list[Block], where: str, skipped: list[str]) -> str:
    """Write blocks as an answer: paragraphs apart, "- " list lines under their lead-in
    (a sub-list joins its item's line: the chat shows one level)."""
    blocks = [b for b in blocks if b.text]
    chunks: list[list[str]] = []
    listing, number = False, 0
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "item":
            line = block.text
            subs = []
            while i + 1 < len(blocks) and blocks[i + 1].kind == "item" \
                    and blocks[i + 1].level > block.level:
                i += 1
                subs.append(blocks[i].text)
            if subs:
                joiner = " " if all(s[-1] in ".!?" for s in subs) else "; "
                line += (" " if line.endswith(":") else ": ") + joiner.join(subs)
            number += block.numbered
            line = (f"{number}. " if block.numbered else "- ") + line
            if chunks and (listing or chunks[-1][-1].endswith(":")):
                chunks[-1].append(line)
            else:
                chunks.append([line])
            listing = True
        else:
            listing, number = False, 0
            value = block.text
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if value.endswith(":") and (nxt is None or nxt.kind != "item"):
                # A lead-in whose list is missing (lost when the page was copied): the
                # sentence says nothing on its own.
                if nxt is not None:
                    skipped.append(f"{where!r}: {value.split('. ')[-1]!r} introduces no "
                                   "list (its items were probably lost when the page was "
                                   "copied), left out")
                value = " ".join(re.split(r"(?<=[.!?])\s+", value)[:-1])
            if value:
                chunks.append([value])
        i += 1
    return "\n\n".join("\n".join(chunk) for chunk in chunks).strip()


# -- merging into the knowledge file ------------------------------------------------------------

@dataclass
class Report:
    """What an import did to the knowledge file, for the person running it."""

    article: ParsedArticle
    slug: str
    new_article: bool = False
    added: list[tuple[str, str]] = field(default_factory=list)     # (id, title)
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # (id, title, what)
    removed: list[tuple[str, str]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_out: list[str] = field(default_factory=list)   # parts staff removed: not re-added


def merge(data: dict, article: ParsedArticle) -> tuple[dict, Report]:
    """Return a copy of knowledge data with the article's entries added or brought up to
    date, and what changed.

    The article's record (`articles`) maps each part's key to the entry it became, with the
    fingerprint of the text it was made from. A part whose text is unchanged leaves its entry
    alone (the clinic may have edited its title or answer); a changed part gets the article's
    new text (translations are marked unreviewed); a reworded heading with the same text keeps
    its entry, and becomes its title unless the clinic wrote its own; a part gone from the
    article removes its entry. Alternates, related entries and
    translations staff added stay; other articles' and hand-made entries are never touched.
    """
    data = copy.deepcopy(data)
    languages = data.setdefault("languages", [article.lang])
    entries: list[dict] = data.setdefault("entries", [])
    records: list[dict] = data.setdefault("articles", [])
    # The same article: same address, else same slug, else same title (imported before with
    # --url, now without it).
    record = next((r for r in records if article.url and r.get("url") == article.url), None) \
        or next((r for r in records if r.get("slug") == article.slug), None) \
        or next((r for r in records if _same(r.get("title") or "", article.title)), None)
    report = Report(article=article, slug=record["slug"] if record else article.slug,
                    new_article=record is None)
    if record is None:
        # The topic is named in the bot's texts and implied in every question of the article
        # ("What causes it?"): written out, so staff can see and correct it.
        record = {"slug": article.slug, "title": article.title,
                  "topic": language.load(article.lang).topic_of(article.title),
                  "url": article.url, "lang": article.lang, "parts": {}}
        records.append(record)
    record["title"] = article.title
    record["lang"] = article.lang
    if article.url:
        record["url"] = article.url
    by_id = {e.get("id"): e for e in entries if isinstance(e, dict)}
    # Another article's key is taken even where its entry has another id (curated by hand):
    # the same question in two articles gets the same ids whichever came first.
    taken = set(by_id) | {key for r in records if r is not record for key in r.get("parts", {})}
    old: dict[str, dict] = dict(record.get("parts") or {})
    current = {p.key for p in article.parts}
    vanished = {k: v for k, v in old.items() if k not in current}
    parts: dict[str, dict] = {}
    owned_ids = {v["entry"] for v in old.values() if v.get("entry")}
    insert_at = max((i for i, e in enumerate(entries) if e.get("id") in owned_ids),
                    default=len(entries) - 1) + 1
    for part in article.parts:
        fingerprint = part.digest
        held, renamed = old.get(part.key), None
        if held is None:  # a reworded heading over the same text is the same part
            twin = next((k for k, v in vanished.items() if v.get("digest") == fingerprint
                         and k.split("-", 1)[0] == part.key.split("-", 1)[0]), None)
            if twin is not None:
                held, renamed = vanished.pop(twin), twin
        if held is None:
            entry_id = _free_id(part, report.slug, taken, language.load(article.lang))
            taken.add(entry_id)
            entry = {"id": entry_id, "kind": part.kind, "article": report.slug,
                     "question": part.question, "alternates": [], "answer": part.answer,
                     "source": part.source, "related": []}
            if article.lang != languages[0]:
                entry["lang"] = article.lang
            entries.insert(insert_at, entry)
            insert_at += 1
            by_id[entry_id] = entry
            parts[part.key] = {"entry": entry_id, "digest": fingerprint}
            report.added.append((entry_id, part.question))
            continue
        if not held.get("entry"):
            parts[part.key] = {"entry": None, "digest": fingerprint}
            report.kept_out.append(part.question)
            continue
        entry = by_id[held["entry"]]
        what = []
        if renamed and _heading_of(renamed, entry, part.kind):
            entry["question"] = part.question
            what.append("heading reworded")
        elif renamed:
            what.append("heading reworded; the clinic's own title kept")
        edited = digest(entry.get("answer", "")) != held.get("digest")
        recut = held.get("digest") not in (fingerprint, None) and held.get("digest") == part.was
        if recut and edited:
            # The article is as it was; only the importer cuts it differently now.
            what.append("article unchanged, the clinic's edited answer kept; its parent "
                        "heading's text is now an entry of its own: review it")
        elif held.get("digest") != fingerprint:
            entry["answer"] = part.answer
            entry["source"] = part.source
            what.append("answer re-cut from the unchanged article: its parent heading's text "
                        "is now an entry of its own" if recut else
                        "answer updated from the article"
                        + (", replacing the clinic's edited one: review it" if edited else ""))
            for lang, translation in (entry.get("translations") or {}).items():
                if isinstance(translation, dict):
                    translation["reviewed"] = False
                    what.append(f"{lang} translation marked unreviewed")
        parts[part.key] = {"entry": entry["id"], "digest": fingerprint}
        if what:
            report.changed.append((entry["id"], entry.get("question", ""), "; ".join(what)))
        else:
            report.unchanged.append(entry["id"])
    gone = {v["entry"] for v in vanished.values() if v.get("entry")}
    for entry_id in gone:
        entry = by_id.get(entry_id)
        report.removed.append((entry_id, entry.get("question", "") if entry else ""))
    if gone:
        entries[:] = [e for e in entries if e.get("id") not in gone]
        for e in entries:  # a removed entry must not be pointed at
            if isinstance(e.get("related"), list):
                e["related"] = [r for r in e["related"] if r not in gone]
    record["parts"] = parts
    return data, report


def _heading_of(key: str, entry: dict, kind: str) -> bool:
    """Whether an entry's title is still the heading its part's key was made from, rather
    than a title the clinic wrote (by hand, or from the admin page)."""
    made = _part(kind, entry.get("question", ""), "", "").key
    qualified = f"{made}-{slug(entry.get('source') or '', limit=24)}"
    return key in (made, qualified) or re.fullmatch(re.escape(made) + r"-\d+", key) is not None


def _free_id(part: Part, article_slug: str, taken: set[str], lang: language.Language) -> str:
    """A new entry's id: the part's key, with a long heading's words cut where a reader can
    see why (see _short_slug); with the article's slug in it when another entry has it."""
    base = part.key
    plain = _part(part.kind, part.question, "", "").key
    if base == plain and len(slug(part.question, limit=10**6)) > SLUG_CHARS:
        base = f"{PREFIX[part.kind]}-{_short_slug(part.question, lang)}"
    if base not in taken:
        return base
    prefix, _, rest = base.partition("-")
    candidate = f"{prefix}-{article_slug}-{rest}"
    n = 2
    while candidate in taken:
        candidate = f"{prefix}-{article_slug}-{rest}-{n}"
        n += 1
    return candidate


def _short_slug(heading: str, lang: language.Language) -> str:
    """Slug a heading too long for an id: without its bracketed asides ("Tennis Elbow (Lateral
    Epicondylitis): Causes, Symptoms and Treatment" -> "tennis-elbow-causes-symptoms-and-
    treatment"), else its leading clauses that fit, else cut after a word that is not a
    function word ("...-symptoms", never "...-symptoms-and").

    Only new entries get it: a part's key (what re-imports match by) is made as before, and
    an entry keeps its id for good.
    """
    plain = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", " ", heading)
    if slug(plain, limit=10**6) and len(slug(plain, limit=10**6)) <= SLUG_CHARS:
        return slug(plain, limit=10**6)
    clauses = [c for c in re.split(r"[:;?!|–—]+", plain) if slug(c)]
    kept = ""
    for clause in clauses:
        longer = slug(f"{kept} {clause}", limit=10**6)
        if len(longer) > SLUG_CHARS:
            break
        kept = longer
    if kept:
        return kept
    words = slug(plain).split("-")
    while len(words) > 1 and words[-1] in lang.stopwords:
        words.pop()
    return "-".join(words)
