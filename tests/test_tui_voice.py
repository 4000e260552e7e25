"""--voice in the TUI: speech from a scripted microphone (espeak-ng + sox audio, real PocketSphinx) and a
WAV-writing speaker feed the same engine as the keys; when the voice side fails, the session goes on."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.message import Message
from textual.pilot import Pilot

from ketavoice.content.model import Content
from ketavoice.errors import AudioError
from ketavoice.speech.sources import MicrophoneSource, WavFileSource
from ketavoice.speech.speakers import WavSinkSpeaker
from ketavoice.tui.app import KetavoiceApp
from ketavoice.tui.inspect import screen_text
from ketavoice.tui.voice import VoiceNotice, VoiceState
from ketavoice.tui.voice_io import voice_factory
from ketavoice.tui.widgets import Notice, StatusLine
from tests.test_tui_console import SIZE, make_app, prompt, run, type_line


def speak_to_wav(text: str, folder: Path) -> Path:
    """The patient's voice: espeak-ng at a slow rate, converted by sox to 16 kHz mono 16-bit."""
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    assert espeak and sox, "espeak-ng and sox are required"
    raw, wav = folder / "raw.wav", folder / f"{text.replace(' ', '_')}.wav"
    subprocess.run([espeak, "-v", "en-us", "-s", "120", "-w", str(raw), text], check=True,
                   capture_output=True)
    subprocess.run([sox, str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True,
                   capture_output=True)
    return wav


async def wait_until(pilot: Pilot[int], condition: Callable[[], bool], timeout: float = 60.0) -> None:
    waited = 0.0
    while not condition():
        if waited > timeout:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.1)
        waited += 0.1


def test_speech_and_keys_drive_one_engine_and_a_dead_mic_falls_back(
    content: Content, ketavoice_home: Path, tmp_path: Path
) -> None:
    said = speak_to_wav("yes", tmp_path)
    speaker_out = tmp_path / "spoken"
    speakers: list[WavSinkSpeaker] = []

    def make_speaker() -> WavSinkSpeaker:
        speakers.append(WavSinkSpeaker(speaker_out))
        return speakers[-1]

    factory = voice_factory(content, make_source=lambda: WavFileSource([said]), make_speaker=make_speaker,
                            backend="pocketsphinx")
    app, journal = make_app(content, ketavoice_home, voice_factory=factory)
    states: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, VoiceState):
            states.append(message.state)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=hook) as pilot:
            # The welcome is spoken, "yes" is heard from the scripted microphone...
            await wait_until(pilot, lambda: "Patient (spoken): yes" in screen_text(app))
            await wait_until(pilot, lambda: "How do you feel" in prompt(app))
            # ...then the microphone runs dry mid-session: shown, and the keys carry on.
            status = app.screen.query_one(StatusLine)
            await wait_until(pilot, lambda: status.voice_state == "failed")
            assert "✗ VOICE OFF" in screen_text(app)
            notice = str(app.screen.query_one(Notice).content)
            assert notice.startswith("✗ Voice stopped (AudioError") and "keyboard" in notice
            await type_line(pilot, "sleepy")
            assert "drive you home" in prompt(app)

    run(scenario)
    assert {"speaking", "listening", "idle"} <= set(states)  # the indicator was fed by the voice loop
    assert speakers and speakers[0].spoken[0].startswith("Hello.")
    assert all(path.stat().st_size > 1000 for path in speakers[0].files)
    audit = journal.audit_trail(journal.sessions("p-test")[0].id)
    patient_inputs = [a.kind for a in audit if a.actor == "patient"]
    assert patient_inputs == ["heard", "typed"]  # speech and keys, one engine, one session


def test_recognizer_fallback_notes_reach_the_screen(content: Content, ketavoice_home: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETAVOICE_MODEL", str(tmp_path / "no-such-vosk-model"))
    factory = voice_factory(content, make_source=lambda: WavFileSource([speak_to_wav("yes", tmp_path)]),
                            make_speaker=lambda: WavSinkSpeaker(tmp_path / "spoken"))
    app, _journal = make_app(content, ketavoice_home, voice_factory=factory)
    notices: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, VoiceNotice):
            notices.append(message.text)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=hook) as pilot:
            await wait_until(pilot, lambda: "PocketSphinx" in str(app.screen.query_one(Notice).content))
            assert any("Vosk" in text for text in notices)

    run(scenario)


def test_no_microphone_at_start_is_shown_and_keys_work(content: Content, ketavoice_home: Path,
                                                       tmp_path: Path) -> None:
    def no_microphone() -> MicrophoneSource:
        return MicrophoneSource(device=4242)  # the real adapter, asked for a device that is not there

    factory = voice_factory(content, make_source=no_microphone,
                            make_speaker=lambda: WavSinkSpeaker(tmp_path / "spoken"), backend="pocketsphinx")
    app, _journal = make_app(content, ketavoice_home, voice_factory=factory)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            status = app.screen.query_one(StatusLine)
            await wait_until(pilot, lambda: status.voice_state == "failed")
            assert "AudioError" in str(app.screen.query_one(Notice).content)
            await type_line(pilot, "c")
            assert "How do you feel" in prompt(app)

    run(scenario)


def test_voice_worker_bug_never_takes_the_ui_down(content: Content, ketavoice_home: Path) -> None:
    def broken_factory(_on_state: object) -> object:
        raise RuntimeError("driver exploded")

    app: KetavoiceApp
    app, _journal = make_app(content, ketavoice_home, voice_factory=broken_factory)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            status = app.screen.query_one(StatusLine)
            await wait_until(pilot, lambda: status.voice_state == "failed")
            assert "unexpected RuntimeError" in str(app.screen.query_one(Notice).content)
            await type_line(pilot, "c")
            assert "How do you feel" in prompt(app)

    run(scenario)


def test_audio_error_type_is_what_the_adapter_raises() -> None:
    source = MicrophoneSource(device=4242)
    with pytest.raises(AudioError):
        source.open()


def test_push_to_talk_listens_only_after_the_key(
    content: Content, ketavoice_home: Path, tmp_path: Path
) -> None:
    said = speak_to_wav("yes", tmp_path)
    source = WavFileSource([said])
    factory = voice_factory(content, make_source=lambda: source,
                            make_speaker=lambda: WavSinkSpeaker(tmp_path / "spoken"), backend="pocketsphinx")
    app, _journal = make_app(content, ketavoice_home, voice_factory=factory, push_to_talk_key="f8")

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: "press F8 to talk" in screen_text(app))
            await pilot.pause(0.5)
            assert source.played == [] and "Patient (spoken)" not in screen_text(app)
            await pilot.press("f8")
            await wait_until(pilot, lambda: "Patient (spoken): yes" in screen_text(app))
            await wait_until(pilot, lambda: "How do you feel" in prompt(app))

    run(scenario)
