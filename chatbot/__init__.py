"""Self-hosted FAQ chatbot for medical clinics.

    from chatbot import Chatbot
    bot = Chatbot.from_file("data/faq.json")
    reply = bot.ask("can it heal by itself?")
"""

from .dialogue import NOTICE, Chatbot, Match, Policy, Reply
from .errors import ChatbotError, KnowledgeError, StoreError, StoreUnavailable
from .knowledge import Clinic, Entry, Knowledge
from .matcher import Matcher, Vocabulary, Weights

__all__ = [
    "Chatbot", "ChatbotError", "Clinic", "Entry", "Knowledge", "KnowledgeError", "Match",
    "Matcher", "NOTICE", "Policy", "Reply", "StoreError", "StoreUnavailable", "Vocabulary",
    "Weights",
]
