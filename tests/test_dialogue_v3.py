"""Dialogue safety v3 (issue 18, dialogue part): a home hold a patient can get out of safely, yes/no with
negation and subject, no loop anywhere, asking for a person, mixed answers, and the spoken "when to get
help" step. Real SQLite journals; the engine driven as tests/engine_driver.py does, `chat --jsonl` /
`checkin --jsonl` through the CLI where the issue names it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ketavoice.content import load_content
from ketavoice.content.model import Content
from ketavoice.engine.events import Action, Alert, Finish, Listen, Say
from ketavoice.understanding import understand
from tests.engine_driver import Driver, make_driver

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(None)


def _said(actions: list[Action]) -> str:
    return " ".join(action.text for action in actions if isinstance(action, Say))


def _alerts(actions: list[Action]) -> list[Alert]:
    return [action for action in actions if isinstance(action, Alert)]


def _listen(actions: list[Action]) -> Listen:
    found = [action for action in actions if isinstance(action, Listen)]
    assert found, actions
    return found[-1]


def _finished(actions: list[Action]) -> bool:
    return any(isinstance(action, Finish) for action in actions)


def _home_hold(content: Content, home: Path) -> Driver:
    driver = make_driver(content, home, dialogue="checkin")
    actions = driver.type("I want to kill myself")
    assert _listen(actions).hold
    assert "Did you call? Say I called, or not yet." in _said(actions)
    return driver


# ---- 1. the home hold --------------------------------------------------------------------------------


@pytest.mark.parametrize("said", ["okay", "ok", "yes", "alright"])
def test_okay_in_the_home_hold_is_an_acknowledgement_not_a_call(
    content: Content, tmp_path: Path, said: str
) -> None:
    driver = _home_hold(content, tmp_path)
    actions = driver.type(said)
    assert not _finished(actions)
    assert _listen(actions).hold
    assert "Thank you for calling" not in _said(actions)
    assert "Did you call?" in _said(actions)


@pytest.mark.parametrize("said", ["I called", "I've called them", "I texted 988", "they're on the way"])
def test_a_call_ends_the_home_hold_and_is_recorded(content: Content, tmp_path: Path, said: str) -> None:
    driver = _home_hold(content, tmp_path)
    actions = driver.type(said)
    assert _finished(actions)
    assert "Thank you for calling" in _said(actions)
    outcome = _alerts(actions)
    assert outcome and "says they called" in outcome[0].text and said in outcome[0].text
    stored = [alert.text for alert in driver.journal.alerts(patient_id="p1")]
    assert any("says they called" in text for text in stored)


@pytest.mark.parametrize("said", ["no", "not yet", "I can't", "stop", "I haven't called"])
def test_not_yet_gets_other_ways_and_a_means_restriction_line(
    content: Content, tmp_path: Path, said: str
) -> None:
    driver = _home_hold(content, tmp_path)
    actions = driver.type(said)
    text = _said(actions)
    assert not _finished(actions) and _listen(actions).hold
    assert "text 988" in text and "someone nearby to call 911" in text
    assert "Unlock your door" in text and "pills or weapons" in text
    assert "Please call now. I'll wait." not in text  # never the bare loop
    assert [a.text for a in _alerts(actions) if "not called" in a.text]
    # Recorded once per hold, and the other ways said again each time.
    again = driver.type("not yet")
    assert not _alerts(again) and "text 988" in _said(again)
    assert _finished(driver.type("ok I called them"))


def test_a_home_hold_left_at_end_of_input_is_recorded(content: Content, tmp_path: Path) -> None:
    from ketavoice.engine.events import Ended

    driver = _home_hold(content, tmp_path)
    actions = driver.send(Ended())
    assert _finished(actions)
    assert any("without a confirmed call" in alert.text for alert in _alerts(actions))


def _run(home: Path, command: str, lines: list[str]) -> list[dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KETAVOICE_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "ketavoice", command, "--jsonl", "--patient", "v3"],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_checkin_jsonl_home_hold_okay_then_not_yet_then_called(tmp_path: Path) -> None:
    events = _run(tmp_path, "checkin", ["okay", "i want to kill myself", "okay", "I can't", "I texted 988"])
    said = [str(e["text"]) for e in events if e["type"] == "say"]
    assert "Okay. Please call or text now. I'll wait." in said
    assert any("Move away from any pills or weapons" in text for text in said)
    assert said[-1].startswith("Thank you for calling")
    assert events[-1]["type"] == "finish" and events[-1]["status"] == "stopped"
    alerts = [str(e["text"]) for e in events if e["type"] == "alert"]
    assert any("not called" in text for text in alerts) and any("says they called" in text for text in alerts)


# ---- 2. yes/no with negation and subject ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("no one is coming", "no"),
        ("nobody will drive me", "no"),
        ("nobody's coming to get me", "no"),
        ("absolutely not", "no"),
        ("of course not", "no"),
        ("certainly not", "no"),
        ("i'll drive", "no"),
        ("i drove here", "no"),
        ("nobody", "no"),
        ("i live alone", "no"),
        ("ya", "yes"),
        ("yea", "yes"),
        ("yess", "yes"),
        ("yup", "yes"),
        ("my sister is picking me up", "yes"),
        ("I'm taking an uber", "unsure"),
        ("a taxi", "unsure"),
        ("yeah, no one is coming", "unknown"),  # both yes and no: unclear
    ],
)
def test_ride_home_answers(content: Content, said: str, intent: str) -> None:
    step = content.dialogue("post_session").step("ride_home")
    assert understand(content, said, step).intent == intent


NO_RIDE = ["no one is coming", "nobody will drive me", "absolutely not", "i live alone"]


@pytest.mark.parametrize("said", NO_RIDE)
def test_no_ride_home_alerts_staff(content: Content, tmp_path: Path, said: str) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("ride_home")
    actions = driver.type(said)
    assert "Let them do the driving" not in _said(actions)
    assert [a for a in _alerts(actions) if "no ride home" in a.text]


@pytest.mark.parametrize(
    ("said", "right"),
    [
        ("tonight", False),
        ("later today", False),
        ("in a few hours", False),
        ("this evening", False),
        ("after I get home", False),
        ("now", False),
        ("in 3 hours", False),
        ("tomorrow", True),
        ("tmrw", True),
        ("after a night's sleep", True),
        ("not today", True),
        ("in 24 hours", True),
    ],
)
def test_drive_teach_back_resolves_time_words(content: Content, said: str, right: bool) -> None:
    step = content.dialogue("post_session").step("drive_check")
    assert understand(content, said, step).intent == ("no" if right else "yes")


def test_today_at_the_teach_back_gets_the_correction_then_the_alert(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("drive_check")
    first = driver.type("tonight")
    assert "Not today" in _said(first) and not _alerts(first) and driver.engine.step_id == "drive_check"
    second = driver.type("in a few hours")
    assert [a for a in _alerts(second) if "can drive today" in a.text]
    assert driver.engine.step_id != "drive_check"


def test_bench_yes_no_dev_figures() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run_yes_no.py")],
        capture_output=True, text=True, timeout=120, check=True,
    )
    figures = json.loads(done.stdout)
    ride, drive = figures["ride_home"], figures["drive_teachback"]
    # 87: "can i just get a taxi" is a question since ask-anything (answered or saved, then asked again).
    assert ride["lines"] == 93 and ride["exact"] >= 87 and ride["no_or_unsure_read_as_yes"] == 0
    assert drive["lines"] == 60 and drive["wrong_accepted_as_right"] == 0
    assert drive["correct_right"] == "27/27" and drive["wrong_right"] == "20/20"


# ---- 3. no loop anywhere -------------------------------------------------------------------------------

NONSENSE = "purple wobble clatter"
MAX_TURNS_PER_STEP = 6  # three misses, and room for a check or a correction
# A screen step asks every item of its questionnaires; each item is bounded by the screening flow.
MAX_TURNS_PER_ITEM = 3


@pytest.mark.parametrize("dialogue", ["post_session", "checkin"])
def test_nonsense_at_every_step_ends_it_within_a_bounded_number_of_turns(
    content: Content, tmp_path: Path, dialogue: str
) -> None:
    steps = [step for step in content.dialogue(dialogue).steps if step.kind != "end"]
    for index, step in enumerate(steps):
        driver = make_driver(content, tmp_path / f"{dialogue}-{index}", dialogue=dialogue)
        driver.walk_to(step.id)
        items = sum(len(content.instrument(key).items) for key in step.instruments)
        bound = MAX_TURNS_PER_STEP + MAX_TURNS_PER_ITEM * items
        for _turn in range(bound):
            actions = driver.type(NONSENSE)
            if driver.engine.step_id != step.id or driver.engine.finished or driver.engine.on_hold:
                break
        else:
            raise AssertionError(f"{dialogue}.{step.id}: still asking after {bound} nonsense answers")
        assert actions


def test_misses_offer_keys_then_keep_the_words_and_move_on(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("mood_rating")
    assert "Sorry" in _said(driver.type("blah"))
    assert "repeat" == understand(content, "repeat").intent
    driver.type("repeat")  # a command in between does not reset the count
    assert "press a number key" in _said(driver.type("blah blah"))
    third = driver.type("blah blah blah")
    kept = [a for a in _alerts(third) if "not understood" in a.text]
    assert kept and kept[0].level == "note" and "blah blah blah" in kept[0].text
    assert driver.engine.step_id == "mood_note"


def test_three_unclear_ride_answers_count_as_no_with_an_alert(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("ride_home")
    driver.type("purple")
    assert "press Y or N" in _said(driver.type("wobble"))
    third = driver.type("clatter")
    texts = [a.text for a in _alerts(third)]
    assert any("no ride home" in text for text in texts) and any("clatter" in text for text in texts)
    assert driver.engine.step_id == "drive_check"


def test_unclear_answers_to_stop_carry_on(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("ride_home")
    driver.type("stop")
    driver.type("wobble")
    carried = driver.type("wobble")
    assert "carry on" in _said(carried) and not driver.engine.finished


# ---- 4. asking for a person ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "said", ["i need the nurse", "can someone come", "help me please", "get someone", "i want a person"]
)
def test_staff_is_its_own_intent(content: Content, said: str) -> None:
    for step in content.dialogue("post_session").steps:
        assert understand(content, said, step).intent == "staff", step.id


CLINIC_STEPS = ["welcome", "feeling", "ride_home", "drive_check", "mood_rating", "mood_note"]


@pytest.mark.parametrize("step_id", CLINIC_STEPS)
def test_asking_for_a_person_in_the_clinic_alerts_staff(
    content: Content, tmp_path: Path, step_id: str
) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to(step_id)
    actions = driver.type("i need the nurse")
    alerts = _alerts(actions)
    assert [(a.level, a.certainty) for a in alerts] == [("note", "certain")]
    assert "I've asked a nurse to come." in _said(actions)
    assert driver.engine.step_id == step_id and not driver.engine.on_hold


def test_asking_for_a_person_at_home_gives_the_clinic(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path, dialogue="checkin")
    driver.walk_to("mood_rating")
    actions = driver.type("can someone come")
    assert "Call the clinic" in _said(actions) and "tell them now" in _said(actions)
    assert not _alerts(actions) and driver.engine.step_id == "mood_rating"


def test_chat_jsonl_help_me_please_alerts_staff(tmp_path: Path) -> None:
    events = _run(tmp_path, "chat", ["okay", "help me please"])
    alerts = [e for e in events if e["type"] == "alert"]
    assert alerts and alerts[0]["level"] == "note"
    # No clinic store here: nobody was asked to come, and the room is told so.
    said = [e["text"] for e in events if e["type"] == "say"]
    assert "I've asked a nurse to come." not in said
    assert "The nurse station can't be reached from here. Please call out for staff." in said


# ---- 5. mixed answers ----------------------------------------------------------------------------------


def test_distress_wins_in_a_mixed_answer_with_the_words(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("feeling")
    actions = driver.type("dizzy and scared")
    assert "it passes" not in _said(actions)
    alerts = _alerts(actions)
    assert alerts and "dizzy and scared" in alerts[0].text


def test_unknown_words_beside_a_reassuring_choice_go_to_staff(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("feeling")
    actions = driver.type("good, just a bit of a headache")
    assert "I'm glad" not in _said(actions)
    assert [a for a in _alerts(actions) if "headache" in a.text]


def test_a_low_mood_in_words_twice_is_recorded_and_leads_to_the_asq(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("mood_rating")
    assert "how low" in _said(driver.type("really bad"))
    actions = driver.type("really bad")
    texts = [a.text for a in _alerts(actions)]
    assert any("low (no number)" in text for text in texts)
    assert any(text == content.messages.low_mood_alert for text in texts)
    assert driver.engine.pending_listen is not None
    assert "ending your life" in _said(actions) or "wished you were dead" in _said(actions)


# ---- 6. when to get help, and turns measured as heard ------------------------------------------------


def test_the_talk_says_when_to_get_help_with_a_teach_back(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("get_help_check")
    said = _said(driver.log)
    signs = ("chest pain", "trouble breathing", "fainting", "a seizure", "severe headache", "can't be woken")
    for sign in signs:
        assert sign in said, sign
    assert "call or text 988" in said and "about 4 hours" in said
    assert "keep stress low" not in said  # said later, before the next session
    first = driver.type("no")
    assert "Call 911 for chest pain." in _said(first) and not _alerts(first)
    second = driver.type("no")
    assert [a for a in _alerts(second) if "call 911 for chest pain" in a.text]
    assert "keep stress low" in _said(second)


def test_the_escort_page_and_the_talk_name_the_same_911_signs(content: Content) -> None:
    page = " ".join(content.escort.call_for_help).lower()
    talk = " ".join(
        " ".join(content.dialogue("post_session").step(step_id).say).lower()
        for step_id in ("get_help", "get_help_more")
    )
    for sign in ("chest pain", "trouble breathing", "fainting", "seizure", "headache", "woken", "988"):
        assert sign in page and sign in talk, sign


def test_content_check_measures_turns_as_heard() -> None:
    from ketavoice.content.loader import parse_content
    from ketavoice.errors import ContentError

    bundled = (ROOT / "content.toml").read_text(encoding="utf-8")
    old = 'reply = "I\'m glad. You may feel a little off for a while. Ask for help to stand."'
    assert bundled.count(old) == 1
    # 20 words alone (under 25); with the ride-home question that follows it, 32 as heard.
    longer = old.replace("to stand.", "to stand, and take it slowly.")
    with pytest.raises(ContentError) as caught:
        parse_content(bundled.replace(old, longer), "content.toml")
    found = [str(problem) for problem in caught.value.problems]
    assert len(found) == 1
    heard = "dialogues.post_session.steps[1].choices[3].reply: 32 words heard before the next listen"
    assert heard in found[0]
