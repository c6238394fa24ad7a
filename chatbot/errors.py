"""Exceptions raised by the chatbot package.

    ChatbotError                 base of everything this package raises on purpose
    ├── ConfigError              a setting is malformed or unsafe (lists every problem)
    ├── KnowledgeError           the knowledge file is unreadable or invalid (lists every problem)
    ├── StoreError               the log database refused a write or read
    │   └── StoreUnavailable     it could not be reached in time (down, hung, locked, read-only,
    │                            full): try again later, nothing is wrong with the data
    ├── ArticleError             an article to import is empty, binary, of an unknown kind or
    │                            has no headings
    ├── EditError                a change to the knowledge file was refused (it changed since
    │   │                        it was read, or the result is invalid: see KnowledgeError)
    │   └── NotFound             the entry or version a change names does not exist
    └── StarterError             a clinic folder cannot be made there (`chatbot init`)
"""

from __future__ import annotations


class ChatbotError(Exception):
    """Base class of the package's own errors."""


class ConfigError(ChatbotError):
    """The settings cannot be used; `problems` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))


class KnowledgeError(ChatbotError):
    """The knowledge file could not be loaded; `problems` lists each one."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s):\n{listing}")


class StoreError(ChatbotError):
    """The log database failed."""


class StoreUnavailable(StoreError):
    """The log database did not answer in time or could not take the write; retry later."""


class ArticleError(ChatbotError):
    """An article cannot be imported; the message says why and what to give instead."""


class EditError(ChatbotError):
    """A change to the knowledge file was not written; the file is as it was."""


class NotFound(EditError):
    """The entry or version a change names does not exist."""


class StarterError(ChatbotError):
    """A clinic folder cannot be made there; nothing was written."""
