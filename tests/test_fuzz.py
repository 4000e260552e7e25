"""Property-based fuzzing (Hypothesis) of every parser that takes outside input.

Each property is the same promise: for any input, a result or a clear error (a KetavoiceError
subclass), never another exception, and within a time bound (Hypothesis' `deadline` per example).
Runs are derandomized (the same examples every CI run) and sized to keep the whole file under a minute.
"""

from __future__ import annotations

import io
import random
import struct
import wave
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketavoice.content.loader import parse_content
from ketavoice.content.model import Content
from ketavoice.errors import AudioError, ContentError
from ketavoice.frontends.lines import read_lines
from ketavoice.frontends.text import TextFrontEnd
from ketavoice.journal.memory import MemoryJournal
from ketavoice.speech.wavio import WavAudio, decode_wav
from ketavoice.terminal import safe_text
from ketavoice.understanding import understand

REPO = Path(__file__).parents[1]
CONTENT_TEXT = (REPO / "content.toml").read_text(encoding="utf-8")


def fuzz(max_examples: int, deadline_ms: int) -> settings:
    """Fixed examples (derandomized, no example database), `deadline_ms` per example."""
    return settings(max_examples=max_examples, deadline=deadline_ms, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Everything that has hurt a terminal or a parser before: controls, escapes, bidi, surrogates' neighbours,
# emoji, digits of other scripts, TOML and markup punctuation.
HOSTILE_CHARS = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from(list("\x00\x07\x08\t\n\r\x1b\x7f\x85\x9b\x9c\u200b\u202e\u2066\u2028\ufeff\ufffd")),
    st.sampled_from(list("[]{}=.,#\"'\\0123456789-+_eE:")),
    st.sampled_from(["😀", "١", "５", "é", "ß", "İ", "ﬁ"]),
)
HOSTILE_TEXT = st.text(HOSTILE_CHARS, max_size=400)
ESCAPE_SNIPPETS = ["\x1b[31m", "\x1b]0;title\x07", "\x1b]52;c;aGk=\x1b\\", "\x1bP1$q\x1b\\", "\x9b2J", "\x1b"]


def _words(content: Content) -> list[str]:
    words: set[str] = set()
    for dialogue in content.dialogues:
        for step in dialogue.steps:
            words.update(str(step.id).split("_"))
    return sorted(words) + ["yes", "no", "chest", "pain", "seven", "10", "-3", "1e309", "nan", "help", "stop"]


# ---- understanding --------------------------------------------------------------------------------------

@fuzz(300, 500)
@given(data=st.data())
def test_understanding_never_crashes(content: Content, data: st.DataObject) -> None:
    steps = [None, *(step for dialogue in content.dialogues for step in dialogue.steps)]
    step = data.draw(st.sampled_from(steps))
    text = data.draw(st.one_of(
        HOSTILE_TEXT,
        st.lists(st.sampled_from(_words(content)), max_size=12).map(" ".join),
        st.lists(st.one_of(st.sampled_from(_words(content)), HOSTILE_TEXT), max_size=6).map(" ".join),
    ))
    result = understand(content, text, step)
    assert isinstance(result.intent, str) and result.intent


# ---- the chat line reader and the text front end ------------------------------------------------------

@fuzz(300, 500)
@given(data=st.binary(max_size=5000), max_chars=st.integers(1, 300))
def test_line_reader_any_bytes(data: bytes, max_chars: int) -> None:
    for line in read_lines(io.BytesIO(data), max_chars):
        assert len(line) <= max_chars
        assert "\n" not in line
        line.encode("utf-8")  # no lone surrogates: SQLite and the terminal can take every line


@fuzz(120, 2000)
@given(lines=st.lists(st.one_of(
    HOSTILE_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
    st.sampled_from([b"yes", b"no", b"7", b"okay", b"my chest hurts", b"", b"\xff\xfe"]),
    st.sampled_from(ESCAPE_SNIPPETS).map(lambda e: ("I feel " + e + "odd").encode()),
), max_size=25))
def test_whole_chat_on_fuzzed_stdin(content: Content, lines: list[bytes]) -> None:
    out = io.StringIO()
    journal = MemoryJournal()
    front = TextFrontEnd(content, journal, patient_id="fuzz", dialogue=None, jsonl=False, kiosk=False,
                         out=out)
    front.run(read_lines(io.BytesIO(b"\n".join(lines) + b"\n")))
    shown = out.getvalue()
    assert "\x1b" not in shown and "\x9b" not in shown and "\x07" not in shown
    assert front.engine.finished


# ---- the content loader ------------------------------------------------------------------------------

def _mutate(text: str, seed: int, edits: int, snippets: list[str]) -> str:
    rng = random.Random(seed)
    chars = list(text)
    for _ in range(edits):
        where = rng.randrange(len(chars) + 1)
        kind = rng.randrange(4)
        if kind == 0 and chars:
            del chars[where : where + rng.randrange(1, 40)]
        elif kind == 1:
            chars[where:where] = list(rng.choice(snippets))
        elif kind == 2 and chars:
            chars[min(where, len(chars) - 1)] = chr(rng.randrange(0x110000 // 8))
        else:
            chars[where:where] = list(str(rng.choice([10**30, -1, 1e309, 0.5, "nan", "inf", "1979-05-27"])))
    return "".join(chars).replace("\ud800", "")


TOML_SNIPPETS = ["[", "]", "{", "}", "=", ".", '"', "'''", '"""', "\n", "#", "[[dialogues]]", "a.b.c = 1",
                 "x = [[[[1]]]]", "{a={b={c=1}}}", "\ufeff", "\x00", "1" * 80, "[" * 40, "{x=" * 40]


@fuzz(150, 3000)
@given(seed=st.integers(0, 2**32), edits=st.integers(1, 12))
def test_mutated_content_file(seed: int, edits: int) -> None:
    text = _mutate(CONTENT_TEXT, seed, edits, TOML_SNIPPETS)
    try:
        parse_content(text, "content.toml")
    except ContentError as error:
        for problem in error.problems:
            assert str(problem).startswith("content.toml")


@fuzz(250, 1000)
@given(text=st.one_of(HOSTILE_TEXT, st.lists(st.sampled_from(TOML_SNIPPETS + ["k", " ", "1"]), max_size=80)
                      .map("".join)))
def test_arbitrary_toml_text(text: str) -> None:
    try:
        parse_content(text, "content.toml")
    except ContentError as error:
        assert error.problems


# ---- the WAV reader -------------------------------------------------------------------------------------

def _valid_wav(frames: int, rate: int, channels: int, width: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(b"\x01" * frames * channels * width)
    return buffer.getvalue()


def _decode(data: bytes) -> None:
    try:
        audio = decode_wav(io.BytesIO(data), "fuzz.wav")
    except AudioError as error:
        assert str(error).startswith("fuzz.wav: ")
        return
    assert isinstance(audio, WavAudio) and len(audio.pcm) % 2 == 0


@fuzz(300, 1000)
@given(data=st.binary(max_size=2000))
def test_random_bytes_as_wav(data: bytes) -> None:
    _decode(data)


@fuzz(400, 2000)
@given(frames=st.integers(0, 800), rate=st.sampled_from([8000, 16000, 44100]), channels=st.integers(1, 3),
       width=st.integers(1, 4), cut=st.integers(0, 100),
       flips=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 255)), max_size=6))
def test_mutated_wav_headers(frames: int, rate: int, channels: int, width: int,
                             flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_valid_wav(frames, rate, channels, width))
    for where, value in flips:
        if where < len(data):
            data[where] = value
    if cut:
        del data[-cut:]
    _decode(bytes(data))


@fuzz(100, 1000)
@given(size=st.sampled_from([0, 1, 16, 0x7FFFFFFF, 0xFFFFFFFF]), field=st.sampled_from([4, 16, 40]))
def test_hostile_chunk_sizes(size: int, field: int) -> None:
    data = bytearray(_valid_wav(100, 16000, 1, 2))
    data[field:field + 4] = struct.pack("<I", size)
    _decode(bytes(data))


# ---- the terminal edge -----------------------------------------------------------------------------------

@fuzz(300, 500)
@given(text=st.lists(st.one_of(HOSTILE_TEXT, st.sampled_from(ESCAPE_SNIPPETS)), max_size=8).map("".join),
       multiline=st.booleans())
def test_safe_text_leaves_nothing_a_terminal_obeys(text: str, multiline: bool) -> None:
    shown = safe_text(text, multiline=multiline)
    allowed = "\n\t" if multiline else ""
    assert not any((ord(ch) < 0x20 and ch not in allowed) or 0x7F <= ord(ch) <= 0x9F for ch in shown)
    assert not any(ch in shown for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert safe_text(shown, multiline=multiline) == shown
