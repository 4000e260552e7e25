"""The default content.toml loads into complete, typed values; where the default file is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketavoice.content import default_content_path, load_content
from ketavoice.content.loader import is_bundled, parse_content, repo_content_path
from ketavoice.content.model import PHRASE_INTENTS, STEP_KINDS, Content
from ketavoice.errors import ContentError

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
REQUIRED_STEPS = ("welcome", "feeling", "ride_home", "mood_rating", "mood_note", "closing")


def test_default_path_is_the_repo_file_in_a_checkout() -> None:
    assert default_content_path() == REPO / "content.toml" == repo_content_path()


def test_environment_overrides_the_default_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "clinic.toml"
    own.write_bytes((DATA / "clinic.toml").read_bytes())
    monkeypatch.setenv("KETAVOICE_CONTENT", str(own))
    assert default_content_path() == own
    assert load_content().default_dialogue == "aftercare"


def test_default_content_loads(content: Content) -> None:
    assert content.default_dialogue == "post_session"
    assert [dialogue.name for dialogue in content.dialogues] == ["post_session", "checkin"]
    assert content.source == str(REPO / "content.toml")


def test_required_step_ids_are_present(content: Content) -> None:
    ids = [step.id for step in content.dialogue("post_session").steps]
    for step_id in REQUIRED_STEPS:
        assert step_id in ids
    assert ids[0] == "welcome" == content.dialogue("post_session").start
    checkin = content.dialogue("checkin")
    assert [step.id for step in checkin.steps] == [
        "checkin_welcome",
        "mood_rating",
        "screening",
        "since_last_session",
        "nausea_check",
        "detached_check",
        "headache_check",
        "bladder_check",
        "mood_note",
        "next_visit",
        "checkin_end",
    ]


def test_every_step_kind_is_parsed(content: Content) -> None:
    dialogue = content.dialogue("post_session")
    kinds = {step.kind for dialogue in content.dialogues for step in dialogue.steps}
    assert kinds == set(STEP_KINDS)
    feeling = dialogue.step("feeling")
    assert feeling.kind == "choice"
    assert [choice.id for choice in feeling.choices] == ["dizzy", "sleepy", "sick", "okay", "distress"]
    assert "lightheaded" in feeling.choices[0].phrases and feeling.other_reply
    ride = dialogue.step("ride_home")
    assert ride.kind == "yes_no" and ride.no_alert == "Patient has no ride home arranged."
    assert ride.next == "drive_check" and ride.yes_next is None
    drive = dialogue.step("drive_check")
    assert drive.expected == "no" and drive.correction.startswith("Not today.")
    rating = dialogue.step("mood_rating")
    assert (rating.kind, rating.min_value, rating.max_value) == ("number", 0, 10)
    assert "{value}" in rating.reply
    note = dialogue.step("mood_note")
    assert note.kind == "note" and "{note}" in note.readback
    # The clinic note offer says who reads notes and when, and where help is now (not "nobody listens").
    assert "later" in " ".join(note.say) and "staff" in note.help
    assert not any("listening live" in line for line in note.say)
    closing = dialogue.step("closing")
    assert (closing.yes_next, closing.no_next) == ("recap", "goodbye")
    goodbye = dialogue.step("goodbye")
    assert goodbye.kind == "end" and goodbye.next is None and goodbye.say
    assert isinstance(goodbye.say, tuple) and isinstance(rating.reprompts, tuple)


def test_every_listening_step_has_reprompts_and_help(content: Content) -> None:
    for dialogue in content.dialogues:
        for step in dialogue.steps:
            if step.kind in ("end", "screen"):
                continue  # a screen step's questionnaires bring their own questions and options
            assert 2 <= len(step.reprompts) <= 3, step.id
            assert step.help and step.prompt, step.id
            assert len(set(step.reprompts)) == len(step.reprompts), step.id
            if step.kind == "info":
                assert step.prompt.endswith("when you're ready."), step.id


def test_intents_red_flags_and_numbers(content: Content) -> None:
    assert [intent.name for intent in content.intents] == list(PHRASE_INTENTS)
    for intent in content.intents:
        assert len(intent.examples) >= 5, intent.name
    assert content.intent("stop").keys == ()
    keys = [key for intent in content.intents for key in intent.keys]
    assert len(keys) == len(set(keys))
    emergency, crisis = content.red_flags
    assert (emergency.level, crisis.level) == ("emergency", "crisis")
    for phrase in ("can't breathe", "cant breathe", "cannot breathe", "chest pain", "severe headache"):
        assert phrase in emergency.phrases
    for phrase in ("kill myself", "don't want to be alive", "dont want to be alive", "want to die"):
        assert phrase in crisis.phrases
    assert any("988" in line for line in crisis.home_script)
    assert any("911" in line for line in emergency.home_script)
    assert emergency.concepts and crisis.concepts
    words = dict(content.numbers.words)
    assert [words[w] for w in ("zero", "seven", "ten")] == [0, 7, 10]
    assert ("7/10", 7) in [(example.text, example.value) for example in content.numbers.examples]


def test_ints_are_accepted_where_floats_are_expected_and_defaults_fill_in() -> None:
    clinic = load_content(DATA / "clinic.toml")
    assert clinic.timing.first_word_timeout == 10.0
    assert isinstance(clinic.timing.first_word_timeout, float)
    assert clinic.timing.answer_max == 30.0  # not in the file: the model's default
    assert clinic.voice.volume == 0.9


def test_a_clinic_file_may_use_its_own_step_ids() -> None:
    assert load_content(DATA / "clinic.toml").dialogue("aftercare").start == "hello"


def test_a_copy_of_the_default_content_is_a_clinic_file(tmp_path: Path) -> None:
    text = (REPO / "content.toml").read_text(encoding="utf-8").replace('id = "feeling"', 'id = "feelings"')
    text = text.replace('next = "feeling"', 'next = "feelings"')
    copy = tmp_path / "content.toml"
    copy.write_text(text, encoding="utf-8")
    assert load_content(copy).dialogue("post_session").step("feelings").kind == "choice"
    with pytest.raises(ContentError) as caught:
        parse_content(text, "content.toml", require_default_steps=True)
    header = text.splitlines().index("[dialogues.post_session]") + 1
    assert [str(problem) for problem in caught.value.problems] == [
        f'content.toml:{header}: dialogues.post_session: the default content must keep the step "feeling"'
    ]
    assert is_bundled(REPO / "content.toml") and not is_bundled(copy)
