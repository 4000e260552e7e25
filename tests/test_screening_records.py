"""Issue 18, screening: every item ends in a record (answered / declined / unclear), "skip" declines one
item and never the battery, a partial screen is saved on stop, end of input or a hold, PHQ-9 item 9 and
the two-tier ASQ at home, and the per-item statuses in `notes --json` and the FHIR export."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ketavoice.content import load_content
from ketavoice.content.model import Content
from ketavoice.engine.events import Ended, Listen, Pressed
from ketavoice.journal.fhir import ITEM_STATUS
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.screening.model import ItemAnswer, Screening
from tests.engine_driver import Driver, alerts, make_driver, says

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(None)


def _at_screening(content: Content, home: Path) -> Driver:
    driver = make_driver(content, home, dialogue="checkin")
    driver.walk_to("mood_rating")
    driver.type("seven")
    assert driver.engine.step_id == "screening"
    return driver


def _records(driver: Driver) -> dict[str, list[tuple[str, str, int, str]]]:
    found: dict[str, list[tuple[str, str, int, str]]] = {}
    for screening in driver.journal.screenings("p1"):
        found[screening.form] = [(a.item, a.answer, a.value, a.status) for a in screening.answers]
    return found


def _severity(driver: Driver, form: str) -> str:
    return next(s.severity for s in driver.journal.screenings("p1") if s.form == form)


@pytest.mark.parametrize("skip", ["skip", "next", "go on", "continue", "move on"])
def test_skip_on_an_asq_item_declines_that_item_only(
    content: Content, tmp_path: Path, skip: str
) -> None:
    driver = _at_screening(content, tmp_path)
    driver.type("yes")
    actions = driver.type(skip)
    assert "That's okay. Your care team will follow up." in says(actions)
    assert "Thank you for telling me." not in says(actions)
    assert driver.engine.step_id == "screening"
    assert "thoughts about killing yourself" in " ".join(says(actions))
    for answer in ("no", "no", "no"):  # items 3, 4 and the acuity item (a positive screen asks it)
        driver.type(answer)
    assert _records(driver)["ASQ"] == [
        ("asq1", "yes", 1, "answered"), ("asq2", "declined", 1, "declined"), ("asq3", "no", 0, "answered"),
        ("asq4", "no", 0, "answered"), ("asq5", "no", 0, "answered"),
    ]


def test_key_c_declines_the_item_and_the_battery_goes_on(content: Content, tmp_path: Path) -> None:
    driver = _at_screening(content, tmp_path)
    for answer in ("no", "no", "no", "no"):
        driver.type(answer)
    actions = driver.send(Pressed("c"))  # PHQ item 1
    assert "How often have you been feeling down" in " ".join(says(actions))
    driver.type("not at all")
    phq = _records_after_finish(driver)["PHQ-2"]
    assert phq == [("phq9_1", "", 0, "declined"), ("phq9_2", "not_at_all", 0, "answered")]
    assert _severity(driver, "PHQ-2") == "incomplete"


def test_a_skipped_phq2_item_steps_up_and_the_score_is_incomplete(content: Content, tmp_path: Path) -> None:
    driver = _at_screening(content, tmp_path)
    for answer in ("no", "no", "no", "no", "skip", "not at all"):
        driver.type(answer)
    # The skipped item could have scored 3: the PHQ-9 is asked, not dropped.
    assert driver.engine.step_id == "screening" and "PHQ-2" not in _records(driver)
    for _ in range(7):
        driver.type("several days")
    [phq9] = [s for s in driver.journal.screenings("p1") if s.form == "PHQ-9"]
    assert phq9.severity == "incomplete" and phq9.score == 7 and not phq9.complete
    assert phq9.answers[0].status == "declined"


def test_stop_mid_asq_saves_the_partial_screen_and_gives_the_crisis_lines(
    content: Content, tmp_path: Path
) -> None:
    driver = _at_screening(content, tmp_path)
    driver.type("yes")
    driver.type("stop")
    actions = driver.type("yes")
    assert _records(driver)["ASQ"] == [("asq1", "yes", 1, "answered")]
    [alert] = alerts(actions)
    assert alert.level == "crisis" and "stopped before the end" in alert.text
    said = " ".join(says(actions))
    assert "988" in said and "911" in said
    assert said.index("988") < said.index(content.messages.stopped)
    assert driver.engine.finished


def test_end_of_input_mid_asq_saves_the_partial_screen_and_alerts(content: Content, tmp_path: Path) -> None:
    driver = _at_screening(content, tmp_path)
    driver.type("yes")
    driver.type("yes")
    actions = driver.send(Ended())
    assert _records(driver)["ASQ"] == [("asq1", "yes", 1, "answered"), ("asq2", "yes", 1, "answered")]
    assert [a.level for a in alerts(actions)] == ["crisis"]


def test_a_red_flag_answer_is_kept_and_the_partial_screen_saved_at_the_hold(
    content: Content, tmp_path: Path
) -> None:
    driver = _at_screening(content, tmp_path)
    driver.type("no")
    driver.type("yes, they'd be better off if I was dead")
    assert driver.engine.on_hold
    assert _records(driver)["ASQ"] == [("asq1", "no", 0, "answered"), ("asq2", "yes", 1, "answered")]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("I don't want to talk about it", "declined"), ("none of your business", "declined"),
        ("rather not", "declined"), ("pass", "declined"), ("skip", "declined"),
        ("absolutely not", "no"), ("of course not", "no"), ("no way", "no"),
    ],
)
def test_asq_refusals_and_emphatic_noes(content: Content, tmp_path: Path, answer: str, expected: str) -> None:
    driver = _at_screening(content, tmp_path)
    actions = driver.type(answer)
    assert "better off if you were dead" in " ".join(says(actions))  # item 2 next, no re-ask
    assert not alerts(actions)
    [(_, recorded, _, status)] = [r for r in _records_after_finish(driver)["ASQ"] if r[0] == "asq1"]
    assert recorded == expected and status == ("declined" if expected == "declined" else "answered")


def _records_after_finish(driver: Driver) -> dict[str, list[tuple[str, str, int, str]]]:
    driver.send(Ended())
    return _records(driver)


@pytest.mark.parametrize("answer", ["ok", "okay", "not now", "no, but I used to", "probably not"])
def test_asq_unclear_answers_are_asked_again_then_unsure(
    content: Content, tmp_path: Path, answer: str
) -> None:
    driver = _at_screening(content, tmp_path)
    actions = driver.type(answer)
    assert "You can say yes or no." in says(actions) and not alerts(actions)
    assert "have you wished you were dead" in " ".join(says(actions))
    driver.type(answer)
    assert _records_after_finish(driver)["ASQ"][0] == ("asq1", "unsure", 1, "unclear")


def test_asq_items_listen_for_yes_or_no(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path, dialogue="checkin")
    driver.walk_to("mood_rating")
    actions = driver.type("seven")
    [listen] = [a for a in actions if isinstance(a, Listen)]
    assert listen.expect == "yes_no"


def _to_item9(content: Content, home: Path) -> Driver:
    driver = _at_screening(content, home)
    for answer in ("no", "no", "no", "no", "nearly every day", "nearly every day"):
        driver.type(answer)
    for _ in range(6):
        driver.type("several days")
    return driver


def test_phq9_item9_yes_is_several_days_and_runs_the_crisis_flow(content: Content, tmp_path: Path) -> None:
    driver = _to_item9(content, tmp_path)
    actions = driver.type("yes")
    assert [(a.level, a.certainty) for a in alerts(actions)] == [("crisis", "certain")]
    assert driver.engine.on_hold and "988" in " ".join(says(actions))
    assert _records(driver)["PHQ-9"][-1] == ("phq9_9", "several_days", 1, "answered")


@pytest.mark.parametrize("answer", ["I'd rather not say", "I don't know", "skip"])
def test_phq9_item9_declined_or_unknown_alerts_staff(content: Content, tmp_path: Path, answer: str) -> None:
    driver = _to_item9(content, tmp_path)
    actions = driver.type(answer)
    [alert] = alerts(actions)
    assert alert.level == "crisis" and "item 9" in alert.text
    assert not driver.engine.on_hold and driver.engine.step_id == "screening"  # on to the GAD
    item9 = _records(driver)["PHQ-9"][-1]
    assert item9[0] == "phq9_9" and item9[3] in ("declined", "unclear") and item9[2] == 0
    assert _severity(driver, "PHQ-9") == "incomplete"


def test_home_non_acute_positive_asq_alerts_the_clinic_and_goes_on(content: Content, tmp_path: Path) -> None:
    driver = _at_screening(content, tmp_path)
    for answer in ("no", "no", "no", "yes, once, years ago"):
        driver.type(answer)
    actions = driver.type("no")  # acuity
    [alert] = alerts(actions)
    assert alert.level == "crisis" and "non-acute positive" in alert.text and "today" in alert.text
    assert "988" in " ".join(says(actions)) and not driver.engine.on_hold
    assert "little interest or pleasure" in " ".join(says(actions))


@pytest.mark.parametrize(
    "answers",
    [
        ["yes", "no", "no", "no", "yes"],  # item 5, acuity: yes
        ["no", "no", "yes, right now", "no", "no"],  # item 3 with thoughts now
    ],
)
def test_home_acute_positive_asq_holds_with_988_and_911(
    content: Content, tmp_path: Path, answers: list[str]
) -> None:
    driver = _at_screening(content, tmp_path)
    actions = []
    for answer in answers:
        actions = driver.type(answer)
    said = " ".join(says(actions))
    assert driver.engine.on_hold and "988" in said and "911" in said
    assert "acute positive" in alerts(actions)[0].text


@pytest.mark.parametrize(
    ("answer", "said_back"),
    [
        ("five or six days out of the fourteen", "That's several days."),
        ("most of the fortnight", "That's more than half the days."),
        ("round the clock", "That's nearly every day."),
        ("not that I've noticed", "So, not at all."),
        ("less than half the days", "That's several days."),
    ],
)
def test_frequency_answers_are_said_back(
    content: Content, tmp_path: Path, answer: str, said_back: str
) -> None:
    driver = _at_screening(content, tmp_path)
    for no in ("no", "no", "no", "no"):
        driver.type(no)
    assert said_back in says(driver.type(answer))


@pytest.mark.parametrize("answer", ["exactly half", "about half the time", "a bit", "it depends", "yes"])
def test_unclear_frequency_answers_are_asked_again_with_the_choices(
    content: Content, tmp_path: Path, answer: str
) -> None:
    driver = _at_screening(content, tmp_path)
    for no in ("no", "no", "no", "no"):
        driver.type(no)
    actions = driver.type(answer)
    assert content.instrument("phq9").options in says(actions)
    assert "little interest or pleasure" in " ".join(says(actions))


def _cli(home: Path, command: list[str], lines: list[str] | None = None) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KETAVOICE_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "ketavoice", *command], input="".join(f"{line}\n" for line in lines or []),
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )
    return result.stdout


def test_checkin_jsonl_skip_keeps_the_battery_and_notes_and_fhir_carry_statuses(
    ketavoice_home: Path,
) -> None:
    lines = ["okay", "6", "yes", "skip", "no", "no", "no", "skip", "not at all"]
    events = [json.loads(line) for line in _cli(ketavoice_home, ["checkin", "--jsonl"], lines).splitlines()]
    said = " ".join(str(e.get("text")) for e in events if e["type"] == "say")
    assert "That's okay. Your care team will follow up." in said and "feeling down" in said
    rows = json.loads(_cli(ketavoice_home, ["notes", "--json"]))
    asq = next(r for r in rows if r["type"] == "screening" and r["form"] == "ASQ")
    statuses = [a["status"] for a in asq["answers"]]
    assert statuses == ["answered", "declined", "answered", "answered", "answered"]
    phq = next(r for r in rows if r["type"] == "screening" and r["form"] == "PHQ-2")
    assert phq["answers"][0] == {"item": "phq9_1", "answer": None, "value": None, "status": "declined"}
    assert phq["severity"] == "incomplete"
    out = ketavoice_home / "bundle.json"
    _cli(ketavoice_home, ["export", "--fhir", "--output", str(out)])
    bundle = json.loads(out.read_text(encoding="utf-8"))
    resources = [entry["resource"] for entry in bundle["entry"]]
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    statuses = [
        [ext["valueCode"] for ext in item.get("extension", []) if ext["url"] == ITEM_STATUS]
        for response in responses for item in response["item"] if item.get("extension")
    ]
    assert ["declined"] in statuses
    skipped = next(i for r in responses for i in r["item"] if i["linkId"] == "44250-9")
    assert "answer" not in skipped


def test_statuses_round_trip_and_rows_written_before_them_read_back(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path)
    session = journal.start_session("p1", "checkin", 1.0)
    answers = (ItemAnswer("asq1", "unsure", 1, "unclear"), ItemAnswer("asq2", "declined", 1, "declined"))
    result = Screening("asq", "ASQ", answers, 2, "incomplete", True, True, complete=False)
    journal.save_screening(session, result, 2.0)
    [record] = journal.screenings("p1")
    assert [a.status for a in record.answers] == ["unclear", "declined"]
    journal.close()
    with sqlite3.connect(path) as conn:  # a row as schema 4 wrote it: no status, no unanswered count
        assert conn.execute("SELECT unanswered FROM screenings").fetchone() == (2,)
        conn.execute(
            "UPDATE screenings SET answers = ?",
            ('[{"item":"asq1","answer":"yes","value":1},{"item":"asq2","answer":"declined","value":1}]',),
        )
    [old] = SqliteJournal(path).screenings("p1")
    assert [a.status for a in old.answers] == ["answered", "declined"]


def test_answers_said_to_be_noted_are_records_in_notes_and_fhir(ketavoice_home: Path) -> None:
    lines = ["okay", "6", "no", "no", "no", "no", "not at all", "not at all", "not at all", "not at all",
             "better", "yes", "no", "yes", "no", "no", "okay"]
    _cli(ketavoice_home, ["checkin", "--jsonl"], lines)
    rows = json.loads(_cli(ketavoice_home, ["notes", "--json"]))
    answers = [(r["step"], r["text"]) for r in rows if r["type"] == "answer"]
    assert answers == [
        ("since_last_session", "better"), ("nausea_check", "yes"), ("detached_check", "no"),
        ("headache_check", "yes"), ("bladder_check", "no"),
    ]
    assert all(r["question"] for r in rows if r["type"] == "answer")
    out = ketavoice_home / "bundle.json"
    _cli(ketavoice_home, ["export", "--fhir", "--output", str(out)])
    bundle = json.loads(out.read_text(encoding="utf-8"))
    observed = {
        r["code"]["coding"][0]["code"]: r["valueString"]
        for r in (entry["resource"] for entry in bundle["entry"])
        if r["resourceType"] == "Observation" and "valueString" in r
    }
    assert observed == {
        "step-since_last_session": "better", "step-nausea_check": "yes", "step-detached_check": "no",
        "step-headache_check": "yes", "step-bladder_check": "no",
    }
