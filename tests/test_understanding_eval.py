"""Understanding on the evaluation sets in tests/data/eval (written from public sources, see their
`source` column): every red flag is caught, at least 90% of them certain; calm lines that share their
words never raise a certain flag and rarely a check question; ordinary answers mean what they say."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ketavoice.content import load_content
from ketavoice.content.model import Content
from ketavoice.understanding import understand

EVAL = Path(__file__).parent / "data" / "eval"


def _rows(name: str) -> list[dict[str, str]]:
    with (EVAL / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(None)


def test_red_flags_are_caught_and_mostly_certain(content: Content) -> None:
    rows = _rows("red_flags.tsv")
    assert len(rows) >= 300
    missed = [row["text"] for row in rows if understand(content, row["text"]).flag is None]
    certain = [row for row in rows if understand(content, row["text"]).red_flag]
    assert not missed
    assert len(certain) / len(rows) >= 0.90


def test_red_flags_are_judged_at_their_level(content: Content) -> None:
    wrong = []
    for row in _rows("red_flags.tsv"):
        flags = understand(content, row["text"]).flags
        if flags and row["level"] not in {flag.level for flag in flags}:
            wrong.append(row["text"])
    assert not wrong


def test_calm_lines_never_raise_the_full_flow(content: Content) -> None:
    rows = _rows("calm.tsv")
    assert len(rows) >= 300
    certain = [row["text"] for row in rows if understand(content, row["text"]).red_flag]
    checked = [row["text"] for row in rows if understand(content, row["text"]).flag is not None]
    assert len(certain) <= len(rows) // 100, certain
    assert len(checked) <= len(rows) // 10, checked


def test_ambiguous_lines_ask_rather_than_alarm_or_ignore(content: Content) -> None:
    rows = _rows("ambiguous.tsv")
    caught = [row for row in rows if understand(content, row["text"]).flag is not None]
    assert len(caught) / len(rows) >= 0.9


@pytest.mark.parametrize(
    ("text", "level", "certainty"),
    [
        ("I took all my pills", "emergency", "certain"),
        ("I wish I could fall asleep and not wake up", "crisis", "certain"),
        ("my family would be better off if I were dead", "crisis", "certain"),
        ("this feels like a heart attack", "emergency", "certain"),
        ("my chest feels heavy", "emergency", "certain"),
        ("I don't want to be around anymore", "crisis", "certain"),
        ("no point living", "crisis", "certain"),
        ("I feel like dying", "crisis", "certain"),
        ("my husband isn't breathing", "emergency", "certain"),
        ("my test hurts", "emergency", "possible"),
        ("hard attack", "emergency", "possible"),
        ("I went to die", "crisis", "possible"),
        ("I used to cut myself", "crisis", "possible"),
        ("my chess feels really tight", "emergency", "possible"),  # one letter off
        ("i want to kill my shelf", "crisis", "possible"),  # one word heard as two
        ("I'm not sure if it's chest pain", "emergency", "possible"),  # doubt, not a hypothetical "if"
        ("I don't think she's breathing", "emergency", "certain"),  # someone next to the patient
        ("I don't really see the point", "crisis", "possible"),
    ],
)
def test_issue_examples(content: Content, text: str, level: str, certainty: str) -> None:
    flag = understand(content, text).flag
    assert flag is not None and (flag.level, flag.certainty) == (level, certainty)


@pytest.mark.parametrize(
    "text",
    [
        "there's no pain in my chest",
        "I'm not suicidal",
        "my dog has seizures",
        "I cut myself shaving",
        "I can't speak French",
        "I can't see my ride yet",
        "I'm dying for a coffee",
        "my knees are killing me",
        "if I get chest pain should I call someone",
        "never thought of hurting myself",
    ],
)
def test_calm_issue_examples_raise_nothing(content: Content, text: str) -> None:
    assert understand(content, text).flag is None


def test_ordinary_answers(content: Content) -> None:
    dialogue = content.dialogue("post_session")
    wrong = []
    for row in _rows("answers.tsv"):
        step = dialogue.step(row["step"])
        meaning = understand(content, row["text"], step)
        expected_value: object = row["value"] or None
        if row["intent"] == "number" and row["value"]:
            expected_value = int(row["value"])
        got = (meaning.intent, meaning.value if row["intent"] in ("choice", "number") else None)
        want = (row["intent"], expected_value if row["intent"] in ("choice", "number") else None)
        moves_on = ("yes", "next")  # at an info step, both go on
        if step.kind == "info" and got[0] in moves_on and want[0] in moves_on:
            continue
        if got != want:
            wrong.append((row["step"], row["text"], got, want))
    assert len(wrong) <= len(_rows("answers.tsv")) // 10, wrong


def _concept_lines(kind: str) -> list[tuple[str, str, str]]:
    content = load_content(None)
    return [
        (flag.level, concept.id, line)
        for flag in content.red_flags
        for concept in flag.concepts
        for line in (concept.examples if kind == "examples" else concept.calm)
    ]


@pytest.mark.parametrize(("level", "concept", "line"), _concept_lines("examples"))
def test_every_concept_example_is_caught_at_its_level(
    content: Content, level: str, concept: str, line: str
) -> None:
    flags = understand(content, line).flags
    assert any(flag.level == level for flag in flags), (concept, line)


@pytest.mark.parametrize(("level", "concept", "line"), _concept_lines("calm"))
def test_no_concept_counter_example_is_certain(content: Content, level: str, concept: str, line: str) -> None:
    assert not understand(content, line).red_flag, (concept, line)


def test_transcribe_and_understand_share_the_flag_contract(content: Content) -> None:
    meaning = understand(content, "my chest feels a bit funny")
    expected = {"level": "emergency", "certainty": "possible", "concept": "chest pain"}
    assert meaning.to_json()["flag"] == expected
    assert meaning.intent not in ("emergency", "crisis")
    certain = understand(content, "I can't breathe").to_json()
    assert certain["intent"] == "emergency" and certain["flag"]["certainty"] == "certain"
