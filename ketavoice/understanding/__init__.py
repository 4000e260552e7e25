"""Understanding: text to intent, and the phrase lists that constrain the recognizers."""

from __future__ import annotations

from ketavoice.understanding.grammar import grammar_phrases
from ketavoice.understanding.intents import Understood, intent_for_key, red_flags_in, understand

__all__ = ["Understood", "grammar_phrases", "intent_for_key", "red_flags_in", "understand"]
