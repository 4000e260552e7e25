"""Understanding: text to meaning (intent, value, red flags in three tiers), and recognizer phrase lists."""

from __future__ import annotations

from ketavoice.meaning import Flag, Understood
from ketavoice.understanding.grammar import grammar_phrases
from ketavoice.understanding.intents import flags_in, intent_for_key, understand

__all__ = ["Flag", "Understood", "flags_in", "grammar_phrases", "intent_for_key", "understand"]
