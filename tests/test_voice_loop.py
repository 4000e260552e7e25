"""The whole dialogue by voice: WAV answers -> PocketSphinx -> engine -> SQLite journal, speech to WAV."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from ketavoice.cli import main
from ketavoice.content.model import Content
from ketavoice.engine.engine import Engine
from ketavoice.errors import TTSError
from ketavoice.journal import open_journal
from ketavoice.speech.loop import VoiceIO, run_voice
from ketavoice.speech.sources import WavFileSource
from ketavoice.speech.speakers import WavSinkSpeaker
from ketavoice.speech.sphinx_recognizer import SphinxRecognizer
from tests.audio_fixtures import SpeechMaker, speech  # noqa: F401

# welcome, feeling, ride home, drive check, six aftercare steps, mood, note offer, note, save, what to
# expect, mood dip, when to get help (two steps), its teach-back, three more aftercare steps, closing.
ANSWERS = ["okay", "okay", "yes", "no", *["okay"] * 6, "seven", "yes", "the garden is lovely today", "yes",
           *["okay"] * 4, "yes", *["okay"] * 3, "no"]


def _answers(speech: SpeechMaker) -> list[Path]:  # noqa: F811
    return [speech(text, "en-us", 120 if " " in text else 150) for text in ANSWERS]


def test_whole_dialogue_by_voice_saves_rating_note_and_audio(
    speech: SpeechMaker, content: Content, ketavoice_home: Path, tmp_path: Path  # noqa: F811
) -> None:
    lines: list[tuple[str, str]] = []
    states: list[str] = []
    sink = WavSinkSpeaker(tmp_path / "said")
    io = VoiceIO(WavFileSource(_answers(speech)), SphinxRecognizer(), sink, rate_wpm=content.voice.rate_wpm,
                 on_line=lambda role, text: lines.append((role, text)),
                 on_state=lambda state, level: states.append(state))
    with open_journal() as journal:
        engine = Engine(content, journal, patient_id="p1", clock=time.time)
        assert run_voice(engine, io) is True
    patient = [text for role, text in lines if role == "patient"]
    assert patient[0] == "okay" and patient[1] in ("okay", "ok") and patient[2] == "yes"  # "ok": same choice
    assert ("saved", "saved mood") in lines and ("saved", "saved note") in lines
    assert lines[-1] == ("status", "session completed")
    assert sink.tones == len(patient)  # a ready tone before every listen
    assert {"listening", "speaking", "idle"} <= set(states)
    assert len(sink.files) == len(sink.spoken) > 20
    out = main(["notes", "--patient", "p1", "--json"])
    assert out == 0


def test_voice_command_end_to_end(speech: SpeechMaker, ketavoice_home: Path, tmp_path: Path,  # noqa: F811
                                  capsys: pytest.CaptureFixture[str]) -> None:
    said = tmp_path / "said"
    args = ["voice", "--patient", "p2", "--backend", "pocketsphinx", "--audio-out", str(said), "--audio-in"]
    assert main(args + [str(p) for p in _answers(speech)]) == 0
    out = capsys.readouterr().out
    assert "ketavoice: Hello. Your session is over." in out
    assert "patient: seven" in out
    assert "[saved mood]" in out and "[saved note]" in out
    assert main(["notes", "--patient", "p2", "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)
    assert [row["rating"] for row in notes if row["type"] == "mood"] == [7]
    note_rows = [row for row in notes if row["type"] == "note"]
    assert len(note_rows) == 1 and note_rows[0]["audio_path"], notes
    assert note_rows[0]["machine_transcript"] is True
    audio = Path(note_rows[0]["audio_path"])
    if not audio.is_absolute():
        audio = ketavoice_home / audio
    assert audio.is_file() and audio.stat().st_mode & 0o777 == 0o600
    assert audio.stat().st_size > 16000  # the patient's own recording, seconds of it
    assert note_rows[0].get("text")
    assert sorted(os.listdir(said))[0] == "0001.wav"


def test_tts_failure_keeps_the_dialogue_going(speech: SpeechMaker, content: Content,  # noqa: F811
                                              ketavoice_home: Path) -> None:
    class BrokenSpeaker:
        def say(self, text: str, rate_wpm: int) -> None:
            raise TTSError("speech engine hung")

        def tone(self) -> None:
            raise TTSError("no player")

        def close(self) -> None:
            pass

    problems: list[str] = []
    lines: list[tuple[str, str]] = []
    io = VoiceIO(WavFileSource(_answers(speech)[:3]), SphinxRecognizer(), BrokenSpeaker(),
                 on_problem=problems.append, on_line=lambda role, text: lines.append((role, text)))
    with open_journal() as journal:
        engine = Engine(content, journal, patient_id="p3", clock=time.time)
        run_voice(engine, io)
        assert engine.step_id not in ("welcome", "feeling")  # answers were still heard and acted on
    assert io.tts_failures > 3 and any("speech output failed" in p for p in problems)
    assert ("assistant", "Hello. Your session is over.") in lines  # the text is still shown


def test_microphone_lost_mid_session_switches_to_typed_answers(
    speech: SpeechMaker, content: Content, ketavoice_home: Path, tmp_path: Path  # noqa: F811
) -> None:
    from ketavoice.engine.events import Typed

    typed = iter(["okay", "yes"])
    problems: list[str] = []
    source = WavFileSource(_answers(speech), fail_after_seconds=4.0)
    io = VoiceIO(source, SphinxRecognizer(), WavSinkSpeaker(tmp_path / "s"))
    with open_journal() as journal:
        engine = Engine(content, journal, patient_id="p4", clock=time.time)
        def keyboard(listen: object) -> Typed | None:
            answer = next(typed, None)
            return None if answer is None else Typed(answer)

        run_voice(engine, io, keyboard=keyboard, on_problem=problems.append)
        assert engine.finished  # typed input ran out -> Ended: what was said so far is kept
    assert next(typed, None) is None  # both typed answers were taken by the same session
    assert any("stopped delivering audio" in p and "typed answers" in p for p in problems)
