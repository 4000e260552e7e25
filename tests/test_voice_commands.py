"""`ketavoice transcribe`, `doctor` and `voice` argument failures, through the real CLI."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest

from ketavoice.cli import main
from tests.audio_fixtures import SpeechMaker, speech, vosk_ko_model  # noqa: F401


def test_transcribe_json_one_object_per_file_in_order(speech: SpeechMaker, tmp_path: Path,  # noqa: F811
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    stereo = tmp_path / "stereo44k.wav"
    import subprocess

    subprocess.run(["sox", str(speech("no")), "-r", "44100", "-c", "2", str(stereo)], check=True)
    files = [speech("yes"), stereo, speech("chest pain"), speech("seven")]
    assert main(["transcribe", *map(str, files), "--step", "mood_rating", "--backend", "pocketsphinx",
                 "--grammar-only", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["file"] for row in rows] == [str(f) for f in files]
    assert {"file", "text", "intent", "value", "flag", "backend", "audio_seconds", "seconds"} <= set(rows[0])
    assert {row["pipeline"] for row in rows} == {"grammar_only"}
    assert [row["backend"] for row in rows] == ["pocketsphinx"] * 4
    assert rows[1]["intent"] == "no"  # stereo 44.1 kHz converted
    assert rows[2]["intent"] == "emergency"  # red flags are in every step's grammar
    assert (rows[3]["intent"], rows[3]["value"]) == ("number", 7)
    assert rows[0]["audio_seconds"] > 0.5 and rows[0]["seconds"] >= 0


def test_transcribe_reports_a_bad_file_and_goes_on(speech: SpeechMaker, tmp_path: Path,  # noqa: F811
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEjunk")
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(speech("yes").read_bytes()[:3000])
    with wave.open(str(speech("yes"))) as wav:
        assert wav.getnframes() * 2 > 3000
    assert main(["transcribe", str(broken), str(truncated), str(speech("yes")), "--backend", "pocketsphinx",
                 "--json"]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "not a readable PCM WAV" in rows[0]["error"]
    assert "truncated WAV" in rows[1]["error"]
    assert rows[2]["text"] == "yes"


def test_transcribe_with_the_korean_vosk_model(speech: SpeechMaker, vosk_ko_model: Path,  # noqa: F811
                                               capsys: pytest.CaptureFixture[str]) -> None:
    korean = speech("안녕하세요", "ko", 120)
    assert main(["transcribe", str(korean), "--model", str(vosk_ko_model), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["backend"] == "vosk" and row["text"].strip()


def test_transcribe_unknown_step(speech: SpeechMaker, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert main(["transcribe", str(speech("yes")), "--step", "nope", "--json"]) == 2
    assert "no step 'nope'" in capsys.readouterr().err


def test_transcribe_falls_back_and_says_so(speech: SpeechMaker, tmp_path: Path,  # noqa: F811
                                           capsys: pytest.CaptureFixture[str]) -> None:
    args = ["transcribe", str(speech("yes")), "--backend", "vosk", "--model", str(tmp_path), "--json"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["backend"] == "pocketsphinx"
    assert "using PocketSphinx" in captured.err


def test_doctor_reports_what_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["doctor", "--no-tts"])
    out = capsys.readouterr().out
    assert "PocketSphinx: bundled en-us model loads" in out
    assert "Would use: PocketSphinx" in out
    assert "microphones" in out
    assert status in (0, 1)  # 1 here: this machine has no microphone, and doctor says so


def test_voice_with_a_missing_recording_is_a_clear_error(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["voice", "--audio-in", str(tmp_path / "gone.wav"), "--audio-out", str(tmp_path / "o")]) == 2
    assert "no such recording" in capsys.readouterr().err
