"""Hostile input at every edge: invalid UTF-8 on stdin, escape sequences, deep or huge content files,
corrupt or endless WAVs. Each gets a clear message or a result, never a traceback."""

from __future__ import annotations

import io
import json
import sqlite3
import time
import wave
from pathlib import Path

import pytest

from ketavoice.content.loader import load_content, parse_content
from ketavoice.errors import AudioError, ContentError
from ketavoice.frontends.lines import MAX_LINE_CHARS, read_lines
from ketavoice.speech.wavio import MAX_WAV_SECONDS, read_wav
from ketavoice.terminal import safe_text
from tests.dialogue_inputs import CHECKIN_TO_NOTE_OFFER
from tests.faults import REPO, run_cli

ESCAPES = "I feel floaty \x1b[31mRED\x1b]0;PWNED\x07 \x1b[2J \x1b]52;c;aGVsbG8=\x1b\\ \x9b31m"


def no_escapes(text: str) -> bool:
    return not any(ch in text for ch in "\x1b\x07\x9b\x9d")


# ---- stdin ---------------------------------------------------------------------------------------------

def test_invalid_utf8_on_stdin_keeps_the_note_as_a_draft_and_ends_the_session(ketavoice_home: Path) -> None:
    """Finding 4: invalid UTF-8 crashed `checkin` with a traceback, lost the note under read-back and left
    the session open."""
    data = CHECKIN_TO_NOTE_OFFER.encode() + b"yes\nDRAFT-TWO please keep\n\xff\xfe\n"
    result = run_cli(ketavoice_home, "checkin", stdin=data)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    with sqlite3.connect(ketavoice_home / "journal.sqlite3") as db:
        notes = db.execute("SELECT text, status FROM notes").fetchall()
        open_sessions = db.execute("SELECT count(*) FROM sessions WHERE ended_at IS NULL").fetchone()[0]
    assert ("DRAFT-TWO please keep", "draft") in notes
    assert open_sessions == 0


def test_invalid_utf8_in_jsonl_mode(ketavoice_home: Path) -> None:
    result = run_cli(ketavoice_home, "checkin", "--jsonl", stdin=b"\xc3\x28\n\xed\xa0\x80\nokay\n\x00\xff\n")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert all(json.loads(line) for line in result.stdout.splitlines())


def test_line_reader_caps_lines_and_replaces_bad_bytes() -> None:
    stream = io.BytesIO(b"a" * 100_000 + b"\nshort\xff\n\xe2\x82")
    lines = list(read_lines(stream))
    assert [len(line) for line in lines] == [MAX_LINE_CHARS, 6, 1]
    assert lines[1] == "short\ufffd" and lines[2] == "\ufffd"


# ---- escape sequences reaching a terminal -----------------------------------------------------------

def test_read_back_and_notes_table_carry_no_escape_sequences(ketavoice_home: Path) -> None:
    """Finding 5: window-title, clear-screen and OSC 52 sequences reached staff terminals in the chat
    read-back ("I heard: ...") and in the `notes` table, patient id included."""
    chat = run_cli(ketavoice_home, "checkin", "--patient", "\x1b[31mevil\x1b]0;x\x07",
                   stdin=f"{CHECKIN_TO_NOTE_OFFER}yes\n{ESCAPES}\nyes\nokay\n")
    assert chat.returncode == 0, chat.stderr
    assert "I heard: “I feel floaty RED" in chat.stdout
    assert no_escapes(chat.stdout)
    table = run_cli(ketavoice_home, "notes")
    assert "note: I feel floaty RED" in table.stdout and "evil" in table.stdout
    assert no_escapes(table.stdout)
    exported = json.loads(run_cli(ketavoice_home, "notes", "--json").stdout)
    assert any("\x1b[31mRED" in str(row.get("text")) for row in exported)  # the journal keeps the words


def test_error_messages_are_cleaned_too(tmp_path: Path) -> None:
    bad = tmp_path / "evil\x1b]0;x\x07.toml"
    bad.write_text("x = [\n")
    result = run_cli(tmp_path, "content", "check", str(bad))
    assert result.returncode == 1 and no_escapes(result.stdout + result.stderr)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b[2Jb", "ab"),
        ("a\x1b]0;title\x07b", "ab"),
        ("a\x1b]52;c;aGk=\x1b\\b", "ab"),
        ("a\x1bP1$qm\x1b\\b", "ab"),
        ("a\x9b2Jb", "ab"),
        ("ok\u202eevil", "okevil"),
        ("two\nlines\r\tx", "two lines x"),
        ("bell\x07 nul\x00 del\x7f", "bell nul del"),
        ("unterminated \x1b]0;title", "unterminated "),
        ("émoji 😀 and ünïcode", "émoji 😀 and ünïcode"),
    ],
)
def test_safe_text(raw: str, shown: str) -> None:
    assert safe_text(raw) == shown


def test_safe_text_multiline_keeps_lines() -> None:
    assert safe_text("one\r\ntwo\tthree\x1b[1m", multiline=True) == "one\ntwo\tthree"


# ---- content.toml ------------------------------------------------------------------------------------

HOSTILE_CONTENT = {
    "inline tables 400 deep": "a = " + "{b=" * 400 + "1" + "}" * 400 + "\n",
    "arrays 100,000 deep": "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
    "integer of 5,001 digits": "x = 1" + "0" * 5000 + "\n",
    "header 100,000 parts deep": "[" + ".".join(["a"] * 100_000) + "]\n",
    "dotted key 50 parts": ".".join(["k"] * 50) + " = 1\n",
}


@pytest.mark.parametrize("name", list(HOSTILE_CONTENT))
def test_hostile_content_is_a_clear_problem_not_a_crash(name: str, tmp_path: Path) -> None:
    """Finding 4 (D5): RecursionError and ValueError tracebacks in `content check` and `chat --content`."""
    path = tmp_path / "content.toml"
    path.write_text(HOSTILE_CONTENT[name])
    started = time.perf_counter()
    with pytest.raises(ContentError) as caught:
        load_content(path)
    assert time.perf_counter() - started < 5
    assert str(caught.value).startswith("content.toml:1: ")
    for args in (("content", "check", str(path)), ("chat", "--content", str(path))):
        result = run_cli(tmp_path, *args, stdin="okay\n")
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "content.toml:1: " in result.stdout + result.stderr


def test_oversized_content_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """D11: a 46 MB file took 100 s to check. Anything over the size limit is refused at once."""
    path = tmp_path / "content.toml"
    with open(path, "w") as handle:
        for number in range(500_000):
            handle.write(f"k{number} = {number}\n")
    started = time.perf_counter()
    with pytest.raises(ContentError, match="at most 1,048,576 bytes"):
        load_content(path)
    assert time.perf_counter() - started < 2


def test_many_unknown_keys_report_a_bounded_list(tmp_path: Path) -> None:
    text = (REPO / "content.toml").read_text() + "".join(f"\n[extra{n}]\nx = 1\n" for n in range(2000))
    with pytest.raises(ContentError) as caught:
        parse_content(text, "content.toml")
    problems = caught.value.problems
    assert len(problems) == 101 and "more problem(s) not shown" in problems[-1].message


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """D12: Notepad's BOM gave "Invalid statement (column 1)"."""
    path = tmp_path / "content.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (REPO / "content.toml").read_bytes())
    assert load_content(path).dialogues


def test_problem_format_is_unchanged_after_the_limits(tmp_path: Path) -> None:
    text = (REPO / "content.toml").read_text().replace("rate_wpm = 140", "rate_wpm = 'fast'", 1)
    with pytest.raises(ContentError) as caught:
        parse_content(text, "content.toml")
    shown = [str(problem) for problem in caught.value.problems]
    assert any(line.startswith("content.toml:") and "voice.rate_wpm:" in line for line in shown)


# ---- WAV -----------------------------------------------------------------------------------------------

def write_wav(path: Path, seconds: float, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\0\0" * int(rate * seconds))
    return path


def test_corrupt_fmt_chunk_size_is_an_audio_error(tmp_path: Path) -> None:
    """Finding 4 (D6): RuntimeError from `wave` on a corrupt fmt chunk size."""
    path = write_wav(tmp_path / "ok.wav", 1.0)
    data = bytearray(path.read_bytes())
    data[16:20] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    with pytest.raises(AudioError, match="not a readable PCM WAV"):
        read_wav(path)
    result = run_cli(tmp_path, "transcribe", "--backend", "pocketsphinx", "--json", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "not a readable PCM WAV" in json.loads(result.stdout.splitlines()[-1])["error"]


def test_overlong_wav_is_refused_by_its_header(tmp_path: Path) -> None:
    """D13: a 10-minute WAV ran past 120 s in the recognizer; the header's length is now capped."""
    path = write_wav(tmp_path / "long.wav", MAX_WAV_SECONDS + 5, rate=8000)
    started = time.perf_counter()
    with pytest.raises(AudioError, match="at most 120 s"):
        read_wav(path)
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("what", ["fifo", "folder"])
def test_only_regular_files_are_read(what: str, tmp_path: Path) -> None:
    import os

    path = tmp_path / "x.wav"
    if what == "fifo":
        os.mkfifo(path)  # opening it would block forever
    else:
        path.mkdir()
    with pytest.raises(AudioError, match="not a regular file"):
        read_wav(path)
