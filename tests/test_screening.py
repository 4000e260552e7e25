"""Screening logic against the published rules, on the real instruments in content.toml (table tests).

PHQ-9: Kroenke, Spitzer & Williams 2001 (bands 5/10/15/20); PHQ-2: Kroenke 2003 (>= 3 steps up);
GAD-7: Spitzer et al. 2006 (bands 5/10/15); GAD-2: Kroenke et al. 2007 (>= 3); ASQ: NIMH toolkit (any yes
or a refusal positive; acuity item only then; yes to it acute).
"""

from __future__ import annotations

import pytest

from ketavoice.content.instruments import Instrument
from ketavoice.content.model import Content
from ketavoice.screening.answers import interpret
from ketavoice.screening.model import ItemAnswer
from ketavoice.screening.plan import is_crisis_answer, line_before, next_item, steps_up
from ketavoice.screening.scoring import score, severity_of


def _answers(instrument: Instrument, values: list[int]) -> list[ItemAnswer]:
    by_value = {answer.value: answer.id for answer in instrument.answers}
    return [ItemAnswer(item.id, by_value[v], v) for item, v in zip(instrument.items, values, strict=False)]


def _administer(instrument: Instrument, values: list[int]) -> list[ItemAnswer]:
    """Follow the plan, answering each asked item with the next value; stops when the plan stops."""
    given: list[ItemAnswer] = []
    answers = iter(values)
    by_value = {answer.value: answer.id for answer in instrument.answers}
    while (item := next_item(instrument, given)) is not None:
        value = next(answers)
        given.append(ItemAnswer(item.id, by_value[value], value))
    return given


@pytest.mark.parametrize(
    ("total", "severity"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
     (15, "moderately severe"), (19, "moderately severe"), (20, "severe"), (27, "severe")],
)
def test_phq9_bands(content: Content, total: int, severity: str) -> None:
    assert severity_of(content.instrument("phq9"), total) == severity


@pytest.mark.parametrize(
    ("total", "severity"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
     (15, "severe"), (21, "severe")],
)
def test_gad7_bands(content: Content, total: int, severity: str) -> None:
    assert severity_of(content.instrument("gad7"), total) == severity


@pytest.mark.parametrize("key", ["phq9", "gad7"])
@pytest.mark.parametrize(
    ("short_values", "steps"),
    [([0, 0], False), ([1, 1], False), ([2, 0], False), ([0, 2], False), ([2, 1], True), ([1, 2], True),
     ([3, 0], True), ([0, 3], True), ([3, 3], True)],
)
def test_short_form_steps_up_at_three(
    content: Content, key: str, short_values: list[int], steps: bool
) -> None:
    instrument = content.instrument(key)
    given = _answers(instrument, short_values)
    assert steps_up(instrument, given) is steps
    following = next_item(instrument, given)
    assert (following is not None) is steps
    if steps:
        assert following == instrument.items[2]
        assert line_before(instrument, given) == instrument.step_up
    else:
        result = score(instrument, given)
        assert result.form == instrument.short_name and result.complete
        assert result.severity == "negative" and not result.positive
        assert line_before(instrument, given) == instrument.closing


def test_phq_and_gad_forms_and_loinc(content: Content) -> None:
    phq, gad = content.instrument("phq9"), content.instrument("gad7")
    assert (phq.name, phq.short_name, phq.loinc, phq.short_loinc) == ("PHQ-9", "PHQ-2", "44249-1", "55757-9")
    assert (gad.name, gad.short_name, gad.loinc) == ("GAD-7", "GAD-2", "69737-5")
    assert [len(phq.items), len(gad.items)] == [9, 7]
    assert phq.items[8].loinc == "44260-8" and gad.items[0].loinc == "69725-0"


@pytest.mark.parametrize(
    ("values", "form", "total", "severity", "positive"),
    [
        ([1, 1], "PHQ-2", 2, "negative", False),
        ([2, 1, 0, 0, 0, 0, 0, 0, 0], "PHQ-9", 3, "minimal", False),
        ([2, 1, 1, 1, 0, 0, 0, 0, 0], "PHQ-9", 5, "mild", False),
        ([2, 2, 2, 2, 1, 1, 0, 0, 0], "PHQ-9", 10, "moderate", True),
        ([3, 3, 3, 3, 3, 0, 0, 0, 0], "PHQ-9", 15, "moderately severe", True),
        ([3, 3, 3, 3, 3, 3, 2, 0, 0], "PHQ-9", 20, "severe", True),
        ([3, 3, 3, 3, 3, 3, 3, 3, 3], "PHQ-9", 27, "severe", True),
    ],
)
def test_phq_administered_and_scored(
    content: Content, values: list[int], form: str, total: int, severity: str, positive: bool
) -> None:
    instrument = content.instrument("phq9")
    given = _administer(instrument, values)
    assert len(given) == len(values)
    result = score(instrument, given)
    assert (result.form, result.score, result.severity, result.positive) == (form, total, severity, positive)
    assert result.complete and result.crisis is (len(values) == 9 and values[8] > 0)


@pytest.mark.parametrize(
    ("values", "form", "total", "severity"),
    [([0, 2], "GAD-2", 2, "negative"), ([2, 1, 0, 0, 0, 0, 0], "GAD-7", 3, "minimal"),
     ([2, 1, 1, 1, 0, 0, 0], "GAD-7", 5, "mild"), ([2, 2, 2, 2, 1, 1, 0], "GAD-7", 10, "moderate"),
     ([3, 3, 3, 3, 3, 0, 0], "GAD-7", 15, "severe"), ([3] * 7, "GAD-7", 21, "severe")],
)
def test_gad_administered_and_scored(
    content: Content, values: list[int], form: str, total: int, severity: str
) -> None:
    instrument = content.instrument("gad7")
    result = score(instrument, _administer(instrument, values))
    assert (result.form, result.score, result.severity) == (form, total, severity)
    assert result.positive is (total >= 10) and not result.crisis


@pytest.mark.parametrize(("item9", "crisis"), [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item9_above_zero_is_a_crisis(content: Content, item9: int, crisis: bool) -> None:
    instrument = content.instrument("phq9")
    given = _administer(instrument, [2, 2, 0, 0, 0, 0, 0, 0, item9])
    assert is_crisis_answer(instrument, given[-1]) is crisis
    assert score(instrument, given).crisis is crisis
    assert not any(is_crisis_answer(instrument, answer) for answer in given[:-1])


@pytest.mark.parametrize(
    ("answers", "asked", "severity", "positive", "acute"),
    [
        (["no", "no", "no", "no"], 4, "negative", False, False),
        (["yes", "no", "no", "no", "no"], 5, "non-acute positive", True, False),
        (["no", "no", "no", "yes", "no"], 5, "non-acute positive", True, False),
        (["no", "yes", "yes", "no", "yes"], 5, "acute positive", True, True),
        (["no", "declined", "no", "no", "no"], 5, "non-acute positive", True, False),
        (["no", "no", "unsure", "no", "no"], 5, "non-acute positive", True, False),
    ],
)
def test_asq(
    content: Content, answers: list[str], asked: int, severity: str, positive: bool, acute: bool
) -> None:
    instrument = content.instrument("asq")
    given: list[ItemAnswer] = []
    for answer_id in answers:
        item = next_item(instrument, given)
        assert item is not None
        given.append(ItemAnswer(item.id, answer_id, instrument.answer(answer_id).value))
    assert next_item(instrument, given) is None and len(given) == asked
    assert [a.item for a in given][-1] == ("asq5" if asked == 5 else "asq4")
    result = score(instrument, given)
    assert (result.severity, result.positive, result.acute) == (severity, positive, acute)
    assert result.crisis is positive and result.complete


def test_asq_interrupted_is_incomplete(content: Content) -> None:
    instrument = content.instrument("asq")
    result = score(instrument, [ItemAnswer("asq1", "yes", 1)])
    assert (result.severity, result.positive, result.complete) == ("incomplete", True, False)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("not at all", "not_at_all"), ("Never.", "not_at_all"), ("no", "not_at_all"), ("0", "not_at_all"),
        ("zero", "not_at_all"), ("several days", "several_days"), ("a few days", "several_days"),
        ("one", "several_days"), ("1", "several_days"), ("two days", "several_days"),
        ("most days", "more_than_half"), ("more than half the days", "more_than_half"),
        ("2", "more_than_half"),
        ("I'd say a two", "more_than_half"), ("every day", "nearly_every_day"),
        ("almost every day", "nearly_every_day"), ("nearly every day", "nearly_every_day"),
        ("three", "nearly_every_day"), ("all the time honestly", "nearly_every_day"),
        ("not every day, just a few days", "several_days"),
        # unclear: asked again, never guessed
        ("not every day", None), ("I don't know", None), ("yes", None), ("4", None), ("seven", None),
        ("no, every day", None), ("a few days, or most days", None), ("", None),
        # "sometimes" is several days, as the clinical review (v3, frequency table) reads it; said back
        ("um, sometimes I guess", "several_days"), ("sometimes, mostly at night", "several_days"),
        ("I sleep about 5 hours a night", None), ("there hasn't been a day without it", "nearly_every_day"),
        ("the whole two weeks I've been fine with that", "not_at_all"), ("mor than haf", "more_than_half"),
        ("most days except the weekends", "more_than_half"), ("every bloody day", "nearly_every_day"),
    ],
)
def test_frequency_answers(content: Content, text: str, answer: str | None) -> None:
    for key in ("phq9", "gad7"):
        found = interpret(content.instrument(key), text)
        assert (found.id if found else None) == answer, (key, text)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("yes", "yes"), ("Yeah, I have.", "yes"), ("sometimes", "yes"), ("no", "no"), ("No I haven't", "no"),
        ("never", "no"), ("not really", None), ("I'm not sure", "unsure"), ("maybe", "unsure"),
        ("I'd rather not say", "declined"), ("pass", "declined"),
        ("um", None), ("one", None), ("maybe yes", None), ("not yes", None),
    ],
)
def test_yes_no_answers(content: Content, text: str, answer: str | None) -> None:
    found = interpret(content.instrument("asq"), text)
    assert (found.id if found else None) == answer


def test_every_answer_phrase_is_understood_as_its_answer(content: Content) -> None:
    for instrument in content.instruments:
        for option in instrument.answers:
            for phrase in option.phrases:
                found = interpret(instrument, phrase)
                assert found is not None and found.id == option.id, (instrument.key, phrase)


def test_intro_and_lines(content: Content) -> None:
    for instrument in content.instruments:
        assert line_before(instrument, []) == instrument.intro
        assert instrument.source and instrument.licence
