"""Every global command in every step of every dialogue, and in the note sub-modes, on a real journal.

A position is (dialogue, step, mode): mode "asking" is the step's own question; "recording" and
"confirming" are a note step after "yes" and after the note was heard and read back. Each command is
sent typed, as an answer key where it has one, and spoken (Heard for the pending listen).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ketavoice.content import load_content
from ketavoice.content.model import GLOBAL_INTENTS, Content, Step
from ketavoice.engine.events import Action, Alert, Finish, Heard, Pressed, SetRate
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.understanding import understand
from tests.engine_driver import Driver, alerts, listens, make_driver, ordinary_answer, saved, says

NOTE = "my head feels heavy but calm"


@dataclass(frozen=True)
class Position:
    dialogue: str
    step: str
    mode: str  # asking | recording | confirming

    def __str__(self) -> str:
        return f"{self.dialogue}.{self.step}.{self.mode}"


def _positions(content: Content) -> list[Position]:
    positions = []
    for dialogue in content.dialogues:
        for step in dialogue.steps:
            if step.kind == "end":
                continue
            positions.append(Position(dialogue.name, step.id, "asking"))
            if step.kind == "note":
                positions += [
                    Position(dialogue.name, step.id, "recording"),
                    Position(dialogue.name, step.id, "confirming"),
                ]
    return positions


# Loaded once at collection time only to name the parameters; tests use the `content` fixture.
POSITIONS = _positions(load_content())
VIAS = ("typed", "key", "spoken")
_EXPECT = {
    "info": "any", "choice": "any", "yes_no": "yes_no", "number": "number", "note": "yes_no", "screen": "any"
}


def _expect_of(content: Content, step: Step) -> str:
    """The listen a step opens with; a screen listens as its first instrument's items do (the ASQ's
    yes/no items with `expect: yes_no`, issue 18)."""
    if step.kind == "screen":
        first = next(i for i in content.instruments if i.key == step.instruments[0])
        return "yes_no" if first.scoring == "any_yes" else "any"
    return _EXPECT[step.kind]


def opening(content: Content, step: Step) -> list[str]:
    """What entering `step` says: its sentences and prompt, or a screen's first intro and question."""
    if step.kind == "screen":
        first = next(i for i in content.instruments if i.key == step.instruments[0])
        return [first.intro, first.items[0].ask]
    return [*step.say, step.prompt]


@dataclass
class At:
    """A driver standing at a position, with the steps walked through to get there."""

    d: Driver
    position: Position
    path: list[str]
    content: Content
    via: str = "typed"  # how the last answer came in: a typed session is asked to type its note

    @property
    def step(self) -> Step:
        return self.d.step

    def full_question(self) -> list[str]:
        step = self.step
        if self.position.mode == "recording":
            spoken = self.via == "spoken"
            return [step.record_prompt if spoken else self.content.messages.record_prompt_typed]
        if self.position.mode == "confirming":
            return [step.readback.format(note=NOTE)]
        return opening(self.content, step)

    def short_question(self) -> list[str]:
        if self.position.mode != "asking":
            return self.full_question()
        return opening(self.content, self.step)[-1:]

    def expect(self) -> str:
        if self.position.mode == "recording":
            return "note"
        if self.position.mode == "confirming":
            return "yes_no"
        return _expect_of(self.content, self.step)

    def command(self, name: str, via: str) -> list[Action]:
        self.via = via
        if via == "key":
            return self.d.send(Pressed(self.content.intent(name).keys[0]))
        return self.say_or_type(self.content.intent(name).phrases[0], via)

    def say_or_type(self, text: str, via: str) -> list[Action]:
        if via == "spoken":
            listen = self.d.engine.pending_listen
            assert listen is not None
            return self.d.send(Heard(text, 0.9, None, True, listen.listen_id))
        return self.d.type(text)

    def assert_still_here(self, actions: list[Action], previous_listen_id: int) -> None:
        """Same step, same mode, asked again with a fresh listen of the same kind."""
        [listen] = listens(actions)
        assert listen.step == self.position.step and self.d.engine.step_id == self.position.step
        assert listen.expect == self.expect()
        assert listen.listen_id > previous_listen_id
        assert self.d.engine.pending_listen == listen
        if self.position.mode == "recording":
            assert listen.phrases == ()
        if self.position.mode == "confirming":
            assert "try again" in listen.phrases  # still the read-back's question
        assert not self.d.engine.finished
        assert not alerts(actions) and not saved(actions)

    def listen_id(self) -> int:
        listen = self.d.engine.pending_listen
        assert listen is not None
        return listen.listen_id


def _at(content: Content, home: Path, position: Position) -> At:
    d = make_driver(content, home, dialogue=position.dialogue)
    path: list[str] = []
    for _ in range(50):
        if d.engine.step_id == position.step:
            break
        path.append(d.engine.step_id)
        d.type(ordinary_answer(d.step))
    assert d.engine.step_id == position.step, f"never reached {position}"
    if position.mode in ("recording", "confirming"):
        d.type("yes")
    if position.mode == "confirming":
        d.type(NOTE)
    at = At(d, position, path, content)
    assert d.engine.pending_listen is not None and d.engine.pending_listen.expect == at.expect()
    return at


def _vias(name: str) -> tuple[str, ...]:
    return VIAS if name != "stop" else ("typed", "spoken")  # no key for stop, by design


@pytest.fixture(params=POSITIONS, ids=str)
def at(request: pytest.FixtureRequest, content: Content, ketavoice_home: Path) -> At:
    return _at(content, ketavoice_home, request.param)


@pytest.mark.parametrize("via", VIAS)
def test_repeat_says_the_question_again_and_listens_again(at: At, via: str) -> None:
    before = at.listen_id()
    actions = at.command("repeat", via)
    assert says(actions) == at.full_question()
    at.assert_still_here(actions, before)


@pytest.mark.parametrize("via", VIAS)
def test_help_says_the_steps_help_then_the_question(at: At, via: str) -> None:
    before = at.listen_id()
    actions = at.command("help", via)
    assert at.step.help
    assert says(actions) == [at.step.help, at.content.messages.help, *at.short_question()]
    at.assert_still_here(actions, before)


@pytest.mark.parametrize("name", ["slower", "faster"])
@pytest.mark.parametrize("via", VIAS)
def test_slower_and_faster_set_the_rate_within_bounds(at: At, via: str, name: str) -> None:
    voice = at.content.voice
    sign = -1 if name == "slower" else 1
    limit = voice.min_rate_wpm if name == "slower" else voice.max_rate_wpm
    at_limit = at.content.messages.at_slowest if name == "slower" else at.content.messages.at_fastest
    confirm = at.content.messages.slower if name == "slower" else at.content.messages.faster
    rate = at.d.engine.rate_wpm
    before = at.listen_id()
    actions = at.command(name, via)
    expected = rate + sign * voice.rate_step_wpm
    expected = max(voice.min_rate_wpm, min(voice.max_rate_wpm, expected))
    assert [a for a in actions if isinstance(a, SetRate)] == [SetRate(expected, at.position.step)]
    assert at.d.engine.rate_wpm == expected
    assert says(actions) == [confirm, *at.full_question()]
    at.assert_still_here(actions, before)
    rates = []
    for _ in range((voice.max_rate_wpm - voice.min_rate_wpm) // voice.rate_step_wpm + 1):
        rates += [a.rate_wpm for a in at.command(name, via) if isinstance(a, SetRate)]
    assert all(voice.min_rate_wpm <= r <= voice.max_rate_wpm for r in rates)
    assert at.d.engine.rate_wpm == limit
    before = at.listen_id()
    actions = at.command(name, via)
    assert not [a for a in actions if isinstance(a, SetRate)]
    assert says(actions) == [at_limit, *at.short_question()]
    at.assert_still_here(actions, before)


@pytest.mark.parametrize("via", _vias("stop"))
def test_stop_then_no_carries_on_where_it_was(at: At, via: str) -> None:
    messages = at.content.messages
    actions = at.command("stop", via)
    assert says(actions) == [messages.stop_confirm]
    [listen] = listens(actions)
    assert listen.expect == "yes_no" and not at.d.engine.finished
    before = at.listen_id()
    actions = at.say_or_type("no", via)
    assert says(actions) == [messages.stop_cancelled, *at.short_question()]
    at.assert_still_here(actions, before)
    if at.position.mode == "confirming":  # the note survived the detour: "yes" still saves it
        assert [s.kind for s in saved(at.say_or_type("yes", via))] == ["note"]
        assert [n.text for n in at.d.journal.notes("p1")] == [NOTE]


@pytest.mark.parametrize("via", _vias("stop"))
def test_stop_then_yes_finishes_stopped(at: At, via: str) -> None:
    at.command("stop", via)
    actions = at.say_or_type("yes", via)
    assert at.d.engine.finished
    assert actions[-1] == Finish("stopped", at.position.step)
    assert at.content.messages.stopped in says(actions)
    journal = at.d.journal
    assert isinstance(journal, SqliteJournal)
    assert [s.status for s in journal.sessions("p1")] == ["stopped"]
    drafts = [(n.text, n.status) for n in journal.notes("p1", include_drafts=True)]
    assert drafts == ([(NOTE, "draft")] if at.position.mode == "confirming" else [])
    assert at.d.engine.pending_listen is None
    assert at.d.type("yes") == [] and at.d.send(Pressed("y")) == []  # nothing moves after the end


@pytest.mark.parametrize("via", VIAS)
def test_back_returns_to_the_previous_step(at: At, via: str) -> None:
    moods_before = len(at.d.journal.moods("p1"))
    before = at.listen_id()
    actions = at.command("back", via)
    if not at.path:
        assert says(actions) == [at.content.messages.cannot_go_back, *at.short_question()]
        at.assert_still_here(actions, before)
        return
    previous = at.d.engine.dialogue.step(at.path[-1])
    assert at.d.engine.step_id == previous.id
    assert says(actions) == opening(at.content, previous)
    [listen] = listens(actions)
    assert listen.step == previous.id and listen.expect == _expect_of(at.content, previous)
    assert not at.d.engine.finished and not alerts(actions)
    assert len(at.d.journal.moods("p1")) == moods_before  # going back saves nothing new
    _assert_note_kept_as_draft(at, actions)


@pytest.mark.parametrize("via", VIAS)
def test_next_moves_on(at: At, via: str) -> None:
    step = at.step
    target_id = step.next or step.yes_next or step.no_next
    assert target_id is not None
    target = at.d.engine.dialogue.step(target_id)
    actions = at.command("next", via)
    assert not alerts(actions)
    if step.kind == "screen" and at.position.mode == "asking":
        # Inside a screening "next" (or C) declines the item asked, never the battery (issue 18).
        first = next(i for i in at.content.instruments if i.key == step.instruments[0])
        assert at.d.engine.step_id == step.id and not at.d.engine.finished
        assert first.declined_reply in says(actions)
        return
    if target.kind == "end":
        assert at.d.engine.finished and actions[-1] == Finish("completed", target.id)
        assert says(actions) == list(target.say)
    elif target.kind == "screen":
        assert at.d.engine.step_id == target.id
        [listen] = listens(actions)  # the first questionnaire's first item
        assert listen.step == target.id and listen.expect == _expect_of(at.content, target)
    else:
        assert at.d.engine.step_id == target.id
        assert says(actions) == [*target.say, target.prompt]
        [listen] = listens(actions)
        assert listen.step == target.id and listen.expect == _expect_of(at.content, target)
    _assert_note_kept_as_draft(at, actions)


def _assert_note_kept_as_draft(at: At, actions: list[Action]) -> None:
    """Leaving a read-back unanswered keeps the note as a draft; nothing is ever saved as confirmed."""
    notes = at.d.journal.notes("p1", include_drafts=True)
    if at.position.mode == "confirming":
        assert [(n.text, n.status) for n in notes] == [(NOTE, "draft")]
        assert [s.kind for s in saved(actions)] == ["draft"]
    else:
        assert notes == [] and not saved(actions)


# ---- understanding: every phrase of every command, in every step's context ------------------------


@pytest.mark.parametrize("position", [p for p in POSITIONS if p.mode == "asking"], ids=str)
def test_every_command_phrase_means_that_command_in_every_step(content: Content, position: Position) -> None:
    step = content.dialogue(position.dialogue).step(position.step)
    wrong = [
        (phrase, understand(content, phrase, step).intent)
        for name in GLOBAL_INTENTS
        for phrase in content.intent(name).phrases
        if understand(content, phrase, step).intent != name
    ]
    assert wrong == []


# ---- answer keys ----------------------------------------------------------------------------------

KEYED_NOT_GLOBAL = ("yes", "no", "cancel", "retry", "done")


def test_every_keyed_intent_is_covered_here(content: Content) -> None:
    keyed = {intent.name for intent in content.intents if intent.keys}
    # No key for stop (a stray key press must never end a session) nor for staff (nor call a nurse).
    assert keyed == {name for name in GLOBAL_INTENTS if name not in ("stop", "staff")} | set(KEYED_NOT_GLOBAL)
    assert not content.intent("stop").keys
    assert not content.intent("staff").keys


def _key(content: Content, name: str) -> Pressed:
    return Pressed(content.intent(name).keys[0])


def test_yes_and_no_keys_answer_a_yes_no_step(content: Content, ketavoice_home: Path) -> None:
    step = content.dialogue("post_session").step("ride_home")
    d = _at(content, ketavoice_home / "yes", Position("post_session", "ride_home", "asking")).d
    actions = d.send(_key(content, "yes"))
    assert step.yes_reply in says(actions) and not alerts(actions)
    assert d.engine.step_id == step.next
    d = _at(content, ketavoice_home / "no", Position("post_session", "ride_home", "asking")).d
    actions = d.send(_key(content, "no"))
    assert step.no_reply in says(actions)
    assert [a.level for a in actions if isinstance(a, Alert)] == ["warning"]
    assert d.engine.step_id == step.next


@pytest.mark.parametrize("dialogue", [d.name for d in load_content().dialogues])
def test_note_keys(content: Content, ketavoice_home: Path, dialogue: str) -> None:
    note_step = next(s for s in content.dialogue(dialogue).steps if s.kind == "note")
    offer = Position(dialogue, note_step.id, "asking")

    d = _at(content, ketavoice_home / "y", offer).d
    [listen] = listens(d.send(_key(content, "yes")))
    assert listen.expect == "note"

    d = _at(content, ketavoice_home / "n", offer).d
    assert note_step.skipped in says(d.send(_key(content, "no")))
    assert d.engine.step_id == note_step.next

    confirming = Position(dialogue, note_step.id, "confirming")
    d = _at(content, ketavoice_home / "confirm-y", confirming).d
    assert [s.kind for s in saved(d.send(_key(content, "yes")))] == ["note"]
    assert [n.text for n in d.journal.notes("p1")] == [NOTE]

    d = _at(content, ketavoice_home / "confirm-t", confirming).d
    [listen] = listens(d.send(_key(content, "retry")))
    assert listen.expect == "note" and d.engine.step_id == note_step.id
    d.type("second thoughts")
    d.send(_key(content, "yes"))
    assert [n.text for n in d.journal.notes("p1", include_drafts=True)] == ["second thoughts"]

    d = _at(content, ketavoice_home / "confirm-x", confirming).d
    assert note_step.cancelled in says(d.send(_key(content, "cancel")))
    assert d.journal.notes("p1", include_drafts=True) == [] and d.engine.step_id == note_step.next

    recording = Position(dialogue, note_step.id, "recording")
    d = _at(content, ketavoice_home / "record-x", recording).d
    assert note_step.cancelled in says(d.send(_key(content, "cancel")))
    assert d.journal.notes("p1", include_drafts=True) == [] and d.engine.step_id == note_step.next

    # Done with nothing said: no note, and never a note made of the key's letter.
    d = _at(content, ketavoice_home / "record-d", recording).d
    actions = d.send(_key(content, "done"))
    assert note_step.skipped in says(actions)
    assert d.journal.notes("p1", include_drafts=True) == [] and d.engine.step_id == note_step.next
