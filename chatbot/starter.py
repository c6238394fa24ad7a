"""A new clinic's folder (`chatbot init`): what every clinic starts from, in its languages.

    DIR/faq.json                 the clinic block, small talk, how to reach the clinic; no
                                 articles yet (`chatbot import` adds them)
    DIR/vocabulary[.<lang>].json requests the articles cannot serve, questions only a doctor
                                 can answer, words too vague to answer
    DIR/instance/                the log database and the journal
    DIR/settings.env.example     every setting, to copy and fill in

The texts are package data, one file per language (chatbot/data/<lang>/starter.json, the same
entry ids in each): the first language is the file's default, the others its translations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from . import config, editor, knowledge, language
from .errors import StarterError

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Made:
    folder: Path
    files: tuple[tuple[str, str], ...]   # (name in the folder, what it is for)


def languages() -> tuple[str, ...]:
    """Languages a clinic can start in: those with language data and starter texts."""
    return tuple(sorted(code for code in language.available()
                        if (DATA / code / "starter.json").is_file()))


def _texts(code: str) -> dict:
    return json.loads((DATA / code / "starter.json").read_text(encoding="utf-8"))


def knowledge_data(codes: list[str], *, name: str, topic: str | None = None) -> dict:
    """Return a new clinic's knowledge data: the first language the default, the others as
    translations (unreviewed, like any translation the clinic has not checked)."""
    texts = {code: _texts(code) for code in codes}
    default = codes[0]
    entries = []
    for item in texts[default]["entries"]:
        entry = dict(item, related=[])
        translations = {}
        for code in codes[1:]:
            local = next((e for e in texts[code]["entries"] if e["id"] == item["id"]), None)
            if local:
                translations[code] = {key: local[key] for key in
                                      ("question", "alternates", "answer", "source")}
                translations[code]["reviewed"] = False
        if translations:
            entry["translations"] = translations
        entries.append(entry)
    clinic = {field: None for field in knowledge.CLINIC_FIELDS}
    clinic.update(name=name.strip(), emergency_number="112")
    return {"version": 1, "languages": list(codes),
            "topic": {default: topic.strip()} if topic else
            {code: texts[code]["topic"] for code in codes},
            "clinic": clinic, "articles": [], "entries": entries}


def make(folder: str | Path, codes: list[str], *, name: str,
         topic: str | None = None) -> Made:
    """Make a clinic folder (it may exist, but not hold a knowledge file); StarterError."""
    folder = Path(folder).expanduser().resolve()
    faq = folder / config.KNOWLEDGE_FILE
    if faq.exists():
        raise StarterError(f"{faq} already exists: {folder} is a clinic folder already "
                           "(nothing was written)")
    if folder.exists() and not folder.is_dir():
        raise StarterError(f"{folder} is a file, not a folder")
    unknown = [code for code in codes if code not in languages()]
    if not codes or unknown or len(set(codes)) != len(codes):
        raise StarterError(f"languages: {', '.join(codes) or 'none'}: give each once, from "
                           f"{', '.join(languages())}")
    if not name.strip():
        raise StarterError("the clinic's name is empty")
    data = knowledge_data(codes, name=name, topic=topic)
    knowledge.parse(data, str(faq))  # the starter texts are package data: a failure is a bug
    texts = {f"vocabulary.{code}.json" if i else "vocabulary.json":
             json.dumps(_texts(code)["vocabulary"], ensure_ascii=False, indent=1) + "\n"
             for i, code in enumerate(codes)}
    texts["settings.env.example"] = config.example(home=folder)
    taken = [n for n in texts if (folder / n).exists()]
    if taken:  # a clinic's own files are never overwritten
        raise StarterError(f"{folder} already holds {', '.join(taken)} (nothing was written)")
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, text in texts.items():
        (folder / file_name).write_text(text, encoding="utf-8")
    (folder / "instance").mkdir(exist_ok=True)
    # The knowledge file last (validated, atomic): a folder with a faq.json is complete.
    editor.Document(path=faq, data=data, original=None).write()
    files = [(config.KNOWLEDGE_FILE, "the knowledge file: the clinic's details, small talk, "
                                     "no articles yet")]
    files += [(n, f"words for matching ({code})") for n, code in zip(texts, codes, strict=False)]
    files += [("instance/", "the log database and the journal"),
              ("settings.env.example", "every setting, to copy and fill in")]
    return Made(folder, tuple(files))
