"""One broken content file per defect: each must fail with exactly the expected problems and lines.

Every file in tests/data/broken/ is tests/data/clinic.toml with one defect (its first line says which).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ketavoice.content import load_content
from ketavoice.errors import ContentError

DATA = Path(__file__).parent / "data"
BROKEN = DATA / "broken"
REPO = Path(__file__).resolve().parents[1]

EXPECTED: dict[str, list[str]] = {
    "syntax_error": [
        "syntax_error.toml:9: TOML syntax error: Expected '=' after a key in a key/value pair (column 10)"
    ],
    "unknown_key": ['unknown_key.toml:15: timing.long_wiat: unknown key; did you mean "long_wait"?'],
    "unknown_step_key": [
        'unknown_step_key.toml:103: dialogues.aftercare.steps[0].hlep: unknown key; did you mean "help"?'
    ],
    "unknown_start": ['unknown_start.toml:95: dialogues.aftercare.start: "helo" names no step'],
    "missing_step": [
        'missing_step.toml:129: dialogues.aftercare.steps[2].yes_next: "rating" names no step',
        'missing_step.toml:130: dialogues.aftercare.steps[2].no_next: "rating" names no step',
    ],
    "dangling_next": ['dangling_next.toml:104: dialogues.aftercare.steps[0].next: "hwo" names no step'],
    "unreachable_step": [
        'unreachable_step.toml:132: dialogues.aftercare.steps[3]: step "rating" is unreachable from "hello"'
    ],
    "duplicate_step_id": [
        'duplicate_step_id.toml:159: dialogues.aftercare.steps[6].id: duplicate step id "bye" '
        "(first at steps[5])"
    ],
    "empty_phrases": ["empty_phrases.toml:65: intents.back.phrases: must not be empty"],
    "timeout_out_of_range": [
        "timeout_out_of_range.toml:14: timing.first_word_timeout: 1 is out of range (2 to 600)"
    ],
    "bad_placeholder": [
        "bad_placeholder.toml:138: dialogues.aftercare.steps[3].reply: unknown placeholder {score} "
        "(allowed here: {value})"
    ],
    "carrier_without_phrase": [
        "carrier_without_phrase.toml:87: red_flags.emergency.carriers[1]: must contain {phrase}"
    ],
    "placeholder_wrong_place": [
        "placeholder_wrong_place.toml:19: messages.help: unknown placeholder {note} (allowed here: none)"
    ],
    "wrong_type": ["wrong_type.toml:16: timing.max_reprompts: expected an integer, got a string"],
    "end_with_next": [
        "end_with_next.toml:157: dialogues.aftercare.steps[5].next: an end step finishes the dialogue and "
        "cannot have a next"
    ],
    "wrong_kind_field": [
        "wrong_kind_field.toml:105: dialogues.aftercare.steps[0].min_value: "
        'only number steps take "min_value" (this step is info)'
    ],
    "duplicate_key": ['duplicate_key.toml:44: intents.no.keys: key "y" is also a key of intent "yes"'],
    "phrase_two_intents": [
        'phrase_two_intents.toml:74: intents.done.phrases: "stop" is also a phrase of intent "stop"'
    ],
    "duplicate_choice_id": [
        "duplicate_choice_id.toml:119: dialogues.aftercare.steps[1].choices[1].id: "
        'duplicate choice id "dizzy"'
    ],
    "missing_message": ['missing_message.toml:18: messages: missing required key "resume"'],
    "no_way_on": [
        'no_way_on.toml:132: dialogues.aftercare.steps[3]: a number step needs "next" '
        "(only end steps finish a dialogue)"
    ],
    "rate_outside_limits": [
        "rate_outside_limits.toml:9: voice.rate_wpm: must be between min_rate_wpm and max_rate_wpm"
    ],
    "number_min_not_below_max": [
        "number_min_not_below_max.toml:136: dialogues.aftercare.steps[3].min_value: must be less than "
        "max_value (5)"
    ],
    "unknown_default_dialogue": [
        "unknown_default_dialogue.toml:6: meta.default_dialogue: names no dialogue (have: aftercare)"
    ],
    "phrase_not_lowercase": [
        'phrase_not_lowercase.toml:38: intents.yes.phrases[0]: "Yes" must be lowercase words '
        "(letters and apostrophes, single spaces)"
    ],
    "empty_text": ["empty_text.toml:109: dialogues.aftercare.steps[1].prompt: must not be empty"],
    "bad_expected": [
        'bad_expected.toml:129: dialogues.aftercare.steps[2].expected: must be "yes" or "no", not "maybe"'
    ],
    "red_flag_phrase_is_intent": [
        'red_flag_phrase_is_intent.toml:89: red_flags.crisis.phrases: "stop" is also a phrase of intent '
        '"stop" (red flags win)'
    ],
    "stop_with_key": [
        "stop_with_key.toml:60: intents.stop.keys: "
        "stop has no key: a stray key press must never end a session"
    ],
    "escort_misspelled_key": [
        'escort_misspelled_key.toml:158: escort: missing required key "instructions"',
        'escort_misspelled_key.toml:162: escort.intsructions: unknown key; did you mean "instructions"?',
    ],
    "escort_bad_placeholder": [
        "escort_bad_placeholder.toml:166: escort.mood_line: unknown placeholder {score} "
        "(allowed here: {rating}, {time})"
    ],
    "turn_too_long": [
        "turn_too_long.toml:117: dialogues.aftercare.steps[1].choices[0].reply: turn has 26 words (limit 16)"
    ],
    "clinic_phone_unset": [
        "clinic_phone_unset.toml:110: dialogues.aftercare.steps[1].other_reply: uses {clinic_phone}, "
        "but [clinic] phone is not set"
    ],
    "instrument_bad_cutoffs": [
        'instrument_bad_cutoffs.toml:180: instruments.mood2.crisis_item: "mood9" names no item',
        "instrument_bad_cutoffs.toml:183: instruments.mood2.bands[0].min: "
        "the first band must start at 0, not 1",
    ],
    # Whole-file problems and keys that are never written out: no line is printed, none is invented.
    "missing_table": ['missing_table.toml: missing required table "meta"'],
    "dialogue_without_header": [
        'dialogue_without_header.toml: dialogues.aftercare: missing required key "title"',
        'dialogue_without_header.toml: dialogues.aftercare: missing required key "start"',
    ],
}


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(path)
    assert str(caught.value) == "\n".join(str(problem) for problem in caught.value.problems)
    return [str(problem) for problem in caught.value.problems]


def test_the_base_file_is_valid() -> None:
    content = load_content(DATA / "clinic.toml")
    assert [step.id for step in content.dialogue("aftercare").steps] == [
        "hello",
        "how",
        "ride",
        "rating",
        "note",
        "bye",
    ]


def test_every_broken_file_has_an_expectation() -> None:
    assert sorted(path.stem for path in BROKEN.glob("*.toml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 15


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_reports_exactly_its_defect(name: str) -> None:
    assert problems_of(BROKEN / f"{name}.toml") == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reported_line_is_the_offending_one(name: str) -> None:
    """Belt and braces for the table above: each printed line holds the key the problem names."""
    path = BROKEN / f"{name}.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    with pytest.raises(ContentError) as caught:
        load_content(path)
    for problem in caught.value.problems:
        if problem.line is None or not problem.key_path:
            continue
        written = lines[problem.line - 1].strip()
        last = problem.key_path.rsplit(".", 1)[-1].split("[", 1)[0]
        assert written.startswith((last, "[")), (problem, written)


def test_many_problems_are_all_reported_in_file_order() -> None:
    assert problems_of(DATA / "many_problems.toml") == [
        "many_problems.toml:14: timing.first_word_timeout: 1 is out of range (2 to 600)",
        'many_problems.toml:15: timing.long_wiat: unknown key; did you mean "long_wait"?',
        'many_problems.toml:18: messages: missing required key "resume"',
        "many_problems.toml:64: intents.back.phrases: must not be empty",
        'many_problems.toml:103: dialogues.aftercare.steps[0].next: "hwo" names no step',
        'many_problems.toml:118: dialogues.aftercare.steps[1].choices[1].id: duplicate choice id "dizzy"',
        "many_problems.toml:137: dialogues.aftercare.steps[3].reply: unknown placeholder {score} "
        "(allowed here: {value})",
        "many_problems.toml:156: dialogues.aftercare.steps[5].next: an end step finishes the dialogue and "
        "cannot have a next",
    ]


def test_missing_file_is_a_content_error(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nowhere.toml") == [
        f"nowhere.toml: file not found: {tmp_path / 'nowhere.toml'}"
    ]


def _check(path: Path | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    where = [str(path)] if path is not None else []
    return subprocess.run(
        [sys.executable, "-m", "ketavoice", "content", "check", *where],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )


def test_content_check_command_ok() -> None:
    result = _check(DATA / "clinic.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"{DATA / 'clinic.toml'}: OK (1 dialogues, 6 steps)\n"


def test_content_check_command_checks_the_default_content() -> None:
    result = _check(None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == f"{REPO / 'content.toml'}: OK (2 dialogues, 34 steps)\n"


def test_content_check_command_lists_every_problem() -> None:
    result = _check(DATA / "many_problems.toml")
    assert result.returncode == 1
    printed = result.stdout.splitlines()
    assert printed == problems_of(DATA / "many_problems.toml")
    assert len(printed) == 8
