"""The dialogue engine on the real default content and a real SQLite journal, with a fake clock."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ketavoice.content.model import Content
from ketavoice.engine.events import Ended, Finish, Heard, Pressed, SetRate, Silence, Tick
from ketavoice.errors import JournalError
from ketavoice.journal.sqlite import SqliteJournal
from tests.engine_driver import Driver, alerts, listens, make_driver, ordinary_answer, saved, says


def test_whole_dialogue_by_typing_saves_mood_and_note(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    answers = {"mood_rating": "about a seven", "mood_note": "yes"}
    for _ in range(60):
        if d.engine.finished:
            break
        step = d.step
        if step.id == "mood_note" and d.engine.pending_listen and d.engine.pending_listen.expect == "note":
            d.type("I feel calm but very sleepy")
        elif step.id == "mood_note" and d.engine.pending_listen and "retry" in _grammar_words(d):
            d.type("yes")
        else:
            d.type(answers.get(step.id, ordinary_answer(step)))
    assert d.engine.finished
    assert isinstance(d.log[-1], Finish) and d.log[-1].status == "completed"
    moods = d.journal.moods("p1")
    notes = d.journal.notes("p1")
    assert [m.rating for m in moods] == [7]
    assert [n.text for n in notes] == ["I feel calm but very sleepy"]
    assert notes[0].machine_transcript is False
    kinds = [s.kind for s in saved(d.log)]
    assert kinds == ["mood", "note"]


def _grammar_words(d: Driver) -> set[str]:
    listen = d.engine.pending_listen
    assert listen is not None
    return {word for phrase in listen.phrases for word in phrase.split()}


def test_every_step_is_visited_on_the_way_through(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    visited = []
    while not d.engine.finished:
        visited.append(d.engine.step_id)
        d.type(ordinary_answer(d.step))
    for required in ("welcome", "feeling", "ride_home", "mood_rating", "mood_note", "closing"):
        assert required in visited


# Aftercare every post-session dialogue must say (issue 9, clinical review section b), as words said in
# a step's main turn or a reply (not only in help).
AFTERCARE = (
    "driv", "24 hours", "alcohol", "cannabis", "sleeping, anxiety, or pain pills", "stay with you",
    "light food", "sips of water", "detached", "blurry", "it passes", "stand up slowly",
    "nurse will check you", "mood dips", "call the clinic", "usual care", "bladder pain", "blood",
    "rash", "trouble breathing: call 911", "several", "normal", "care team",
)


def test_guidance_carries_the_key_facts(content: Content) -> None:
    text = " ".join(
        " ".join([*s.say, s.prompt, *(c.reply for c in s.choices), s.yes_reply, s.no_reply, s.correction])
        for s in content.dialogue("post_session").steps
    ).lower()
    for fact in AFTERCARE:
        assert fact in text, fact
    assert "prescribed medicines as usual" not in text and "realistic" not in text
    assert content.clinic.phone in text  # {clinic_phone} was filled in


def test_ride_home_no_gives_advice_and_a_staff_alert(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("ride_home")
    actions = d.type("no I don't")
    assert [a.level for a in alerts(actions)] == ["warning"]
    assert content.dialogue("post_session").step("ride_home").no_reply in says(actions)
    assert len(d.journal.open_alerts("p1")) == 1


def test_teach_back_corrects_gently_then_moves_on(content: Content, ketavoice_home: Path) -> None:
    teach = next(s for s in content.dialogue("post_session").steps if s.expected)
    wrong = "yes" if teach.expected == "no" else "no"
    d = make_driver(content, ketavoice_home)
    d.walk_to(teach.id)
    first = d.type(wrong)
    assert teach.correction in says(first) and d.engine.step_id == teach.id
    second = d.type(wrong)
    assert teach.correction in says(second) and d.engine.step_id != teach.id


def test_teach_back_right_answer_moves_on(content: Content, ketavoice_home: Path) -> None:
    teach = next(s for s in content.dialogue("post_session").steps if s.expected)
    d = make_driver(content, ketavoice_home)
    d.walk_to(teach.id)
    actions = d.type(teach.expected or "")
    assert teach.correction not in says(actions) and d.engine.step_id != teach.id


@pytest.mark.parametrize(
    "said,value", [("7", 7), ("seven out of ten", 7), ("7/10", 7), ("zero", 0), ("ten", 10)]
)
def test_mood_rating_saved(content: Content, ketavoice_home: Path, said: str, value: int) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("mood_rating")
    actions = d.type(said)
    assert [s.value for s in saved(actions)] == [value]
    assert [m.rating for m in d.journal.moods("p1")] == [value]


def test_mood_rating_out_of_range_and_nonsense_ask_again(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("mood_rating")
    assert not saved(d.type("twelve out of ten")) and d.engine.step_id == "mood_rating"
    assert not saved(d.type("12")) and d.engine.step_id == "mood_rating"
    assert not saved(d.type("purple")) and d.engine.step_id == "mood_rating"
    assert d.journal.moods("p1") == []


def test_rating_by_key(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("mood_rating")
    assert [s.value for s in saved(d.send(Pressed("4")))] == [4]


def _to_note_recording(content: Content, home: Path) -> Driver:
    d = make_driver(content, home)
    d.walk_to("mood_note")
    d.type("yes")
    assert d.engine.pending_listen is not None and d.engine.pending_listen.expect == "note"
    assert d.engine.pending_listen.phrases == ()
    return d


def test_spoken_note_read_back_and_saved_only_on_yes(content: Content, ketavoice_home: Path) -> None:
    d = _to_note_recording(content, ketavoice_home)
    audio = b"\x01\x00" * 16000
    actions = d.send(Heard("i slept badly and feel low done", 0.9, audio))
    assert any("i slept badly and feel low" in text for text in says(actions))
    assert d.journal.notes("p1") == []
    actions = d.type("yes")
    [note] = d.journal.notes("p1")
    assert note.text == "i slept badly and feel low" and note.machine_transcript
    assert note.audio_path and Path(note.audio_path).stat().st_size > len(audio)
    assert Path(note.audio_path).stat().st_mode & 0o777 == 0o600
    assert [s.kind for s in saved(actions)] == ["note"]


def test_note_try_again_and_cancel(content: Content, ketavoice_home: Path) -> None:
    d = _to_note_recording(content, ketavoice_home)
    d.type("first try")
    d.type("try again")
    assert d.engine.pending_listen.expect == "note"
    d.type("second try")
    d.type("cancel")
    assert d.journal.notes("p1", include_drafts=True) == []
    assert d.engine.step_id != "mood_note"


def test_typed_note_straight_at_the_offer(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("mood_note")
    actions = d.type("Feeling hopeful today, a bit foggy")
    assert any("Feeling hopeful today, a bit foggy" in t for t in says(actions))
    d.type("yes")
    assert [n.text for n in d.journal.notes("p1")] == ["Feeling hopeful today, a bit foggy"]


def test_end_of_input_keeps_unconfirmed_note_as_draft(content: Content, ketavoice_home: Path) -> None:
    d = _to_note_recording(content, ketavoice_home)
    d.type("half a thought")
    actions = d.send(Ended())
    assert [s.kind for s in saved(actions)] == ["draft"]
    assert d.journal.notes("p1") == []
    assert [n.status for n in d.journal.notes("p1", include_drafts=True)] == ["draft"]
    assert isinstance(actions[-1], Finish) and actions[-1].status == "ended"


class FailingSaves(SqliteJournal):
    def save_mood(self, session_id: int, rating: int, now: float) -> int:
        raise JournalError("disk full")

    def save_note(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
        raise JournalError("disk full")


def test_failed_save_is_never_acknowledged(content: Content, ketavoice_home: Path) -> None:
    journal = FailingSaves(ketavoice_home / "j.sqlite3")
    d = make_driver(content, ketavoice_home, journal=journal)
    d.walk_to("mood_rating")
    actions = d.type("six")
    assert not saved(actions)
    assert content.messages.save_failed in says(actions)
    assert d.engine.step_id == "mood_rating"
    d.type("next")
    d.walk_to("mood_note")
    d.type("yes")
    d.type("a note that cannot be saved")
    actions = d.type("yes")
    assert not saved(actions) and content.messages.save_failed in says(actions)


def test_stop_needs_confirmation(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("feeling")
    actions = d.type("stop")
    assert content.messages.stop_confirm in says(actions) and not d.engine.finished
    d.type("no")
    assert d.engine.step_id == "feeling" and not d.engine.finished
    d.type("stop")
    actions = d.type("yes")
    assert d.engine.finished and isinstance(actions[-1], Finish) and actions[-1].status == "stopped"


def test_silence_reprompts_add_information_then_wait_longer(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("ride_home")
    step = d.step
    heard = [says(d.send(Silence(12.0))) for _ in range(content.timing.max_reprompts)]
    assert all(texts for texts in heard)
    assert len({tuple(texts) for texts in heard}) == len(heard)  # each re-prompt differs
    assert all(text in step.reprompts for texts in heard for text in texts)
    actions = d.send(Silence(12.0))
    assert content.messages.long_wait in says(actions)
    assert listens(actions)[0].timeout == content.timing.long_wait
    assert not alerts(d.log)  # not a kiosk
    d.type("yes")
    assert d.engine.step_id != "ride_home"


def test_kiosk_alerts_staff_when_check_in_goes_unanswered(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home, kiosk=True)
    d.walk_to("mood_rating")
    raised = []
    for _ in range(content.timing.unanswered_alert_after + 2):
        raised += alerts(d.send(Silence(12.0)))
    assert [a.text for a in raised] == [content.messages.unanswered_alert]
    assert len(d.journal.open_alerts("p1")) == 1


def test_tick_past_the_deadline_is_silence(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    timeout = d.engine.pending_listen.timeout  # type: ignore[union-attr]
    assert d.send(Tick(d.clock.advance(timeout - 1))) == []
    actions = d.send(Tick(d.clock.advance(2)))
    assert says(actions) and listens(actions)


def test_answer_to_a_superseded_listen_is_dropped(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    old = d.engine.pending_listen
    assert old is not None
    d.type("okay")
    assert d.send(Heard("yes", 0.9, listen_id=old.listen_id)) == []
    assert d.send(Silence(10.0, listen_id=old.listen_id)) == []


def test_slower_and_faster_change_the_rate_within_bounds(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    start = d.engine.rate_wpm
    actions = d.type("slower please")
    rates = [a.rate_wpm for a in actions if isinstance(a, SetRate)]
    assert rates == [start - content.voice.rate_step_wpm]
    for _ in range(30):
        d.type("slower")
    assert d.engine.rate_wpm == content.voice.min_rate_wpm
    assert content.messages.at_slowest in says(d.type("slower"))
    d.type("faster")
    assert d.engine.rate_wpm == content.voice.min_rate_wpm + content.voice.rate_step_wpm


def test_back_and_next_move_through_guidance(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    assert content.messages.cannot_go_back in says(d.type("go back"))
    d.type("next")
    second = d.engine.step_id
    assert second != content.dialogue("post_session").start
    d.type("back")
    assert d.engine.step_id == content.dialogue("post_session").start


def test_checkin_dialogue(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home, dialogue="checkin")
    while not d.engine.finished:
        d.type("three" if d.step.kind == "number" else ordinary_answer(d.step))
    assert [m.rating for m in d.journal.moods("p1")] == [3]
    sessions = d.journal.sessions("p1")  # type: ignore[attr-defined]
    assert [s.dialogue for s in sessions] == ["checkin"]


def test_typed_note_containing_okay_is_still_the_note(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("mood_note")
    d.type("I feel okay today but my thoughts are slow")
    d.type("yes")
    assert [n.text for n in d.journal.notes("p1")] == ["I feel okay today but my thoughts are slow"]


def test_cancel_while_recording_discards_and_moves_on(content: Content, ketavoice_home: Path) -> None:
    d = _to_note_recording(content, ketavoice_home)
    d.type("cancel")
    assert d.engine.step_id != "mood_note"
    assert d.journal.notes("p1", include_drafts=True) == []


def test_stop_while_confirming_a_note_keeps_it_as_a_draft(content: Content, ketavoice_home: Path) -> None:
    d = _to_note_recording(content, ketavoice_home)
    d.type("a thought worth keeping")
    d.type("stop")
    d.type("yes")
    assert d.engine.finished
    assert [(n.text, n.status) for n in d.journal.notes("p1", include_drafts=True)] == [
        ("a thought worth keeping", "draft")
    ]


def test_long_wait_while_recording_still_listens_free_form(content: Content, ketavoice_home: Path) -> None:
    d = _to_note_recording(content, ketavoice_home)
    for _ in range(content.timing.max_reprompts + 1):
        actions = d.send(Silence(12.0))
    [listen] = listens(actions)
    assert (listen.expect, listen.phrases, listen.timeout) == ("note", (), content.timing.long_wait)


@pytest.mark.parametrize("first_word_timeout", [3.0, 30.0, 300.0])
def test_listen_timeouts_come_from_content(
    content: Content, ketavoice_home: Path, first_word_timeout: float
) -> None:
    from ketavoice.content import default_content_path, load_content

    text = default_content_path().read_text(encoding="utf-8")
    tuned_text = re.sub(r"(?m)^first_word_timeout = .*$", f"first_word_timeout = {first_word_timeout}", text)
    assert tuned_text != text
    tuned_path = ketavoice_home.parent / "tuned.toml"
    tuned_path.write_text(tuned_text, encoding="utf-8")
    d = make_driver(load_content(tuned_path), ketavoice_home)
    assert d.engine.pending_listen is not None
    assert d.engine.pending_listen.timeout == first_word_timeout
