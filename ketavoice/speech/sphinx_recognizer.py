"""PocketSphinx recognizer on its bundled US English model: JSGF grammar per listen, LM for notes.

The grammar is one phrase per utterance, each phrase a single compound dictionary word. Speech that fits
no phrase is decoded again free-form (low confidence) so a red flag said in other words still reaches
understanding; noise that is not words at all comes back as "". Audio is buffered, trimmed of long
silence and decoded at `finish()` with whole-utterance normalisation, in tens of milliseconds."""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

from ketavoice.errors import ModelError
from ketavoice.speech.ports import BackendName, Partial, Result, Word
from ketavoice.speech.wavio import trim_silence

# How deep to look in the n-best list, and how many distinct runner-up phrases to keep.
_NBEST_SCAN = 20
_ALTERNATIVES = 3
_FILLERS = frozenset({"<s>", "</s>", "<sil>", "[NOISE]", "++NOISE++", "++BREATH++"})


def _import_pocketsphinx() -> Any:
    try:
        import pocketsphinx
    except (ImportError, OSError) as error:
        raise ModelError(f"the pocketsphinx package cannot be loaded ({error})") from error
    return pocketsphinx


def _jsgf_token(word: str) -> str:
    # Dictionary words are letters, digits and apostrophes; anything else would break the grammar.
    return re.sub(r"[^a-z0-9']", "", word.lower())


class SphinxRecognizer:
    """A `Recognizer` on PocketSphinx's bundled en-us acoustic model and dictionary."""

    def __init__(self) -> None:
        pocketsphinx = _import_pocketsphinx()
        model_dir = pocketsphinx.get_model_path()
        try:
            self._decoder = pocketsphinx.Decoder(
                hmm=os.path.join(model_dir, "en-us", "en-us"),
                dict=os.path.join(model_dir, "en-us", "cmudict-en-us.dict"),
                lm=os.path.join(model_dir, "en-us", "en-us.lm.bin"),
                logfn=os.devnull,
            )
        except (RuntimeError, ValueError, OSError) as error:
            raise ModelError(f"PocketSphinx could not load its bundled model ({error})") from error
        self._lm_search = self._decoder.current_search()
        self._searches: set[str] = set()
        self._compound_words: set[str] = set()
        self._buffer = bytearray()
        self._started = False
        self._grammar_active = False
        self.dropped_phrases: tuple[str, ...] = ()

    @property
    def backend(self) -> BackendName:
        return "pocketsphinx"

    def knows(self, word: str) -> bool:
        return self._decoder.lookup_word(word) is not None

    def usable_phrases(self, phrases: tuple[str, ...]) -> tuple[str, ...]:
        kept = tuple(
            phrase
            for phrase in phrases
            if phrase.split() and all(self.knows(word) for word in phrase.split())
        )
        self.dropped_phrases = tuple(phrase for phrase in phrases if phrase not in kept)
        return kept

    def _phrase_token(self, phrase: str) -> str:
        """One dictionary word for a whole phrase ("go on" -> "go_on", phones "G OW AA N").

        PocketSphinx 5's grammar search returns its best path even when that path has not reached a final
        state, so with "go on" in the grammar a clear "okay" came back as "go". A phrase that is a single
        word can only be recognised whole, which removes that failure.
        """
        words = [_jsgf_token(word) for word in phrase.split()]
        if len(words) == 1:
            return words[0]
        token = "_".join(words)
        if token not in self._compound_words:
            phones = " ".join(str(self._decoder.lookup_word(word)) for word in words)
            self._decoder.add_word(token, phones, False)
            self._compound_words.add(token)
        return token

    def _grammar_search(self, phrases: tuple[str, ...]) -> str:
        usable = sorted(set(self.usable_phrases(phrases)))
        if not usable:
            raise ModelError("none of the listen's phrases are in the PocketSphinx dictionary")
        tokens = [self._phrase_token(phrase) for phrase in usable]
        jsgf = f"#JSGF V1.0;\ngrammar listen;\npublic <utterance> = {' | '.join(tokens)};\n"
        name = "g" + hashlib.sha1(jsgf.encode()).hexdigest()[:12]
        if name not in self._searches:
            try:
                self._decoder.add_jsgf_string(name, jsgf)
            except (RuntimeError, ValueError) as error:
                raise ModelError(f"PocketSphinx rejected the grammar ({error})") from error
            self._searches.add(name)
        return name

    def start(self, phrases: tuple[str, ...] | None) -> None:
        search = self._lm_search if phrases is None else self._grammar_search(phrases)
        self._decoder.activate_search(search)
        self._grammar_active = phrases is not None
        self._buffer = bytearray()
        self._started = True

    def accept(self, chunk: bytes) -> Partial | None:
        if not self._started:
            raise ModelError("PocketSphinx recognizer used before start()")
        self._buffer.extend(chunk)
        return None

    def _decode(self) -> Any:
        self._decoder.start_utt()
        self._decoder.process_raw(trim_silence(bytes(self._buffer)), full_utt=True)
        self._decoder.end_utt()
        return self._decoder.hyp()

    def finish(self) -> Result:
        if not self._started:
            raise ModelError("PocketSphinx recognizer used before start()")
        self._started = False
        if not self._buffer:
            return Result("", 0.0)
        hypothesis = self._decode()
        if (hypothesis is None or not hypothesis.hypstr.strip()) and self._grammar_active:
            # Speech that fits no phrase ("I think I have chest pain") must not be lost: decode it
            # free-form so understanding can still find a red flag in it; confidence stays low.
            self._decoder.activate_search(self._lm_search)
            hypothesis = self._decode()
            if hypothesis is None or not hypothesis.hypstr.strip():
                return Result("", 0.0)
            text = " ".join(re.sub(r"\(\d+\)$", "", word) for word in hypothesis.hypstr.split())
            return Result(text=text, confidence=0.3)
        if hypothesis is None or not hypothesis.hypstr.strip():
            return Result("", 0.0)
        words: list[Word] = []
        frame_rate = 100.0
        for segment in self._decoder.seg() or []:
            if segment.word in _FILLERS or segment.word.startswith("++"):
                continue
            word = re.sub(r"\(\d+\)$", "", segment.word).replace("_", " ")
            words.append(
                Word(
                    word,
                    float(segment.prob),
                    segment.start_frame / frame_rate,
                    segment.end_frame / frame_rate,
                )
            )
        text = " ".join(word.word for word in words) or hypothesis.hypstr
        confidence = sum(word.confidence for word in words) / len(words) if words else 0.5
        return Result(
            text=text,
            confidence=round(min(max(confidence, 0.0), 1.0), 3),
            words=tuple(words),
            alternatives=self._runners_up(text),
        )

    def _runners_up(self, best: str) -> tuple[str, ...]:
        """Up to `_ALTERNATIVES` other grammar phrases from the decoder's n-best list."""
        found: list[str] = []
        try:
            for index, entry in enumerate(self._decoder.nbest()):
                if index >= _NBEST_SCAN or len(found) >= _ALTERNATIVES:
                    break
                if entry is None or not entry.hypstr:
                    continue
                phrase = " ".join(re.sub(r"\(\d+\)$", "", w) for w in entry.hypstr.split()).replace("_", " ")
                if phrase != best and phrase not in found:
                    found.append(phrase)
        except (RuntimeError, ValueError):
            return ()  # n-best is a safety extra; the best hypothesis stands on its own
        return tuple(found)
