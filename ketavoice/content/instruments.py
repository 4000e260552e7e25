"""Validated questionnaires ([instruments.*] in content.toml) as frozen values, with their loader and checks.

The tables hold each item's published wording and its spoken form, the answer options with their values
and the phrases people use for them, the cut-offs and the few lines said around the questions. Scoring
lives in `ketavoice.screening`; this module only guarantees the shape the scorer relies on (see the
invariants on `Instrument`). Problems are reported with the same key paths and collector as the rest of
the content loader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from ketavoice.content.reader import (
    Problems,
    check_keys,
    join,
    read_bool,
    read_int,
    read_phrases,
    read_str,
    read_str_list,
    table_at,
    type_name,
)

Scoring = Literal["sum", "any_yes"]
SCORINGS: tuple[Scoring, ...] = ("sum", "any_yes")
# The bundled content must carry these (the check-in asks them); a clinic's own file need not.
REQUIRED_INSTRUMENTS = ("asq", "phq9", "gad7")

_LOINC = re.compile(r"^\d{1,7}-\d$")
_ANSWER_CODE = re.compile(r"^LA\d{1,6}-\d$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")

COMMON_KEYS = (
    "name", "title", "source", "licence", "scoring", "loinc", "score_loinc", "numbered", "intro", "options",
    "closing", "answers", "items", "declined_reply", "positive_alert", "resources", "unanswered_alert",
)
SUM_KEYS = (
    "short_name", "short_items", "short_cutoff", "short_loinc", "short_score_loinc", "step_up", "positive_at",
    "crisis_item", "crisis_above", "bands",
)
# Texts said aloud (checked against the per-turn word limit).
SPOKEN_FIELDS = ("intro", "options", "closing", "step_up", "declined_reply")


@dataclass(frozen=True)
class Answer:
    """One answer option: any of `phrases` selects it; `value` is what it scores."""

    id: str
    value: int
    label: str
    phrases: tuple[str, ...]
    code: str = ""
    said_back: str = ""  # said after an answer understood from the patient's own words ("That's ...")


@dataclass(frozen=True)
class Item:
    """One question: `text` as published, `ask` as spoken. `acuity`: asked only after a positive answer."""

    id: str
    text: str
    ask: str
    loinc: str = ""
    acuity: bool = False


@dataclass(frozen=True)
class Band:
    """Scores from `min` up (to the next band's min) have this severity."""

    min: int
    severity: str


@dataclass(frozen=True)
class Instrument:
    """A validated questionnaire.

    Invariants (checked by the loader): items and answers non-empty, ids unique, no phrase on two answers;
    sum scoring: bands start at 0 and rise, 1 <= short_items < len(items) when a short form is given,
    crisis_item names an item; any_yes: at most one acuity item, and it is the last.
    """

    key: str
    name: str
    title: str
    source: str
    licence: str
    scoring: Scoring
    intro: str
    options: str
    closing: str
    answers: tuple[Answer, ...]
    items: tuple[Item, ...]
    loinc: str = ""
    score_loinc: str = ""
    numbered: bool = False
    short_name: str = ""
    short_items: int = 0
    short_cutoff: int = 0
    short_loinc: str = ""
    short_score_loinc: str = ""
    step_up: str = ""
    positive_at: int = 0
    crisis_item: str = ""
    crisis_above: int = 0
    bands: tuple[Band, ...] = ()
    # Said when an item is declined ("That's okay. Your care team will follow up.").
    declined_reply: str = ""
    # Staff alert for a positive screen that does not hold the dialogue (the ASQ's non-acute tier at home).
    positive_alert: str = ""
    # Lines said with that alert, and before a stop with a positive partial screen (988, the clinic).
    resources: tuple[str, ...] = ()
    # Staff alert when the crisis item is declined or left unclear (PHQ-9 item 9).
    unanswered_alert: str = ""

    @property
    def max_value(self) -> int:
        return max((answer.value for answer in self.answers), default=0)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def answer(self, answer_id: str) -> Answer:
        for answer in self.answers:
            if answer.id == answer_id:
                return answer
        raise KeyError(answer_id)


def build_instruments(table: dict[str, Any] | None, problems: Problems) -> tuple[Instrument, ...]:
    """Every [instruments.KEY] table, in file order; shape problems go to `problems`."""
    if table is None:
        return ()
    found: list[Instrument] = []
    for key in table:
        path = join("instruments", key)
        entry = table_at(table, key, "instruments", problems)
        if entry is None:
            continue
        if not _ID.match(key):
            problems.add(path, "an instrument key must be lowercase letters, digits and _")
        found.append(_instrument(key, entry, path, problems))
    return tuple(found)


def _instrument(key: str, entry: dict[str, Any], path: str, problems: Problems) -> Instrument:
    scoring_value = read_str(entry, "scoring", path, problems, required=True)
    if scoring_value and scoring_value not in SCORINGS:
        problems.add(join(path, "scoring"), f'"{scoring_value}" is not a scoring ({", ".join(SCORINGS)})')
    scoring: Scoring = "any_yes" if scoring_value == "any_yes" else "sum"
    is_sum = scoring_value == "sum"
    allowed = COMMON_KEYS + SUM_KEYS if is_sum or scoring_value not in SCORINGS else COMMON_KEYS
    for name in entry:
        if name in SUM_KEYS and name not in allowed:
            problems.add(join(path, name), f'only sum-scored instruments take "{name}"')
    check_keys({k: v for k, v in entry.items() if k not in SUM_KEYS}, path, problems, allowed=allowed)

    def text(name: str, *, required: bool = True) -> str:
        return read_str(entry, name, path, problems, required=required)

    def code(name: str, pattern: re.Pattern[str] = _LOINC) -> str:
        value = read_str(entry, name, path, problems)
        if value and not pattern.match(value):
            problems.add(join(path, name), f'"{value}" is not a LOINC code (like 44249-1)')
        return value

    has_short = is_sum and "short_items" in entry
    instrument = Instrument(
        key=key,
        name=text("name"),
        title=text("title"),
        source=text("source"),
        licence=text("licence"),
        scoring=scoring,
        intro=text("intro"),
        options=text("options"),
        closing=text("closing"),
        answers=_answers(entry, path, problems),
        items=_items(entry, path, problems),
        loinc=code("loinc"),
        score_loinc=code("score_loinc"),
        numbered=read_bool(entry, "numbered", path, problems, default=False),
        short_name=text("short_name", required=has_short) if is_sum else "",
        short_items=read_int(entry, "short_items", path, problems) if is_sum else 0,
        short_cutoff=read_int(entry, "short_cutoff", path, problems, required=has_short) if is_sum else 0,
        short_loinc=code("short_loinc") if is_sum else "",
        short_score_loinc=code("short_score_loinc") if is_sum else "",
        step_up=text("step_up", required=has_short) if is_sum else "",
        positive_at=read_int(entry, "positive_at", path, problems, required=is_sum) if is_sum else 0,
        crisis_item=text("crisis_item", required=False) if is_sum else "",
        crisis_above=read_int(entry, "crisis_above", path, problems) if is_sum else 0,
        bands=_bands(entry, path, problems, required=is_sum) if is_sum else (),
        declined_reply=text("declined_reply", required=False),
        positive_alert=text("positive_alert", required=False),
        resources=read_str_list(entry, "resources", path, problems, required=False, non_empty=False),
        unanswered_alert=text("unanswered_alert", required=False),
    )
    return instrument


def _tables(
    entry: dict[str, Any], name: str, path: str, problems: Problems
) -> list[tuple[str, dict[str, Any]]]:
    """The [[path.name]] array of tables as (key path, table) pairs; problems for anything else."""
    key_path = join(path, name)
    value = entry.get(name)
    if value is None:
        problems.add(path, f'missing required key "{name}"')
        return []
    if not isinstance(value, list):
        problems.add(key_path, f"expected an array of tables ([[{key_path}]]), got {type_name(value)}")
        return []
    if not value:
        problems.add(key_path, "must not be empty")
    tables: list[tuple[str, dict[str, Any]]] = []
    for index, raw in enumerate(value):
        item_path = join(key_path, index)
        if not isinstance(raw, dict):
            problems.add(item_path, f"expected a table, got {type_name(raw)}")
            continue
        tables.append((item_path, raw))
    return tables


def _answers(entry: dict[str, Any], path: str, problems: Problems) -> tuple[Answer, ...]:
    answers: list[Answer] = []
    for answer_path, raw in _tables(entry, "answers", path, problems):
        allowed = ("id", "value", "label", "phrases", "code", "said_back")
        check_keys(raw, answer_path, problems, allowed=allowed)
        value = read_int(raw, "value", answer_path, problems, required=True)
        if value < 0:
            problems.add(join(answer_path, "value"), f"must not be negative, got {value}")
        answer_code = read_str(raw, "code", answer_path, problems)
        if answer_code and not _ANSWER_CODE.match(answer_code):
            problems.add(join(answer_path, "code"), f'"{answer_code}" is not a LOINC answer code (LA6568-5)')
        answers.append(
            Answer(
                id=read_str(raw, "id", answer_path, problems, required=True),
                value=value,
                label=read_str(raw, "label", answer_path, problems, required=True),
                phrases=read_phrases(raw, "phrases", answer_path, problems),
                code=answer_code,
                said_back=read_str(raw, "said_back", answer_path, problems),
            )
        )
    return tuple(answers)


def _items(entry: dict[str, Any], path: str, problems: Problems) -> tuple[Item, ...]:
    items: list[Item] = []
    for item_path, raw in _tables(entry, "items", path, problems):
        check_keys(raw, item_path, problems, allowed=("id", "text", "ask", "loinc", "acuity"))
        loinc = read_str(raw, "loinc", item_path, problems)
        if loinc and not _LOINC.match(loinc):
            problems.add(join(item_path, "loinc"), f'"{loinc}" is not a LOINC code (like 44250-9)')
        items.append(
            Item(
                id=read_str(raw, "id", item_path, problems, required=True),
                text=read_str(raw, "text", item_path, problems, required=True),
                ask=read_str(raw, "ask", item_path, problems, required=True),
                loinc=loinc,
                acuity=read_bool(raw, "acuity", item_path, problems, default=False),
            )
        )
    return tuple(items)


def _bands(entry: dict[str, Any], path: str, problems: Problems, *, required: bool) -> tuple[Band, ...]:
    if "bands" not in entry:
        if required:
            problems.add(path, 'missing required key "bands"')
        return ()
    bands: list[Band] = []
    for band_path, raw in _tables(entry, "bands", path, problems):
        check_keys(raw, band_path, problems, allowed=("min", "severity"))
        bands.append(
            Band(
                min=read_int(raw, "min", band_path, problems, required=True),
                severity=read_str(raw, "severity", band_path, problems, required=True),
            )
        )
    return tuple(bands)


# -- cross-checks on built values ---------------------------------------------------------------------


def validate_instruments(instruments: tuple[Instrument, ...], problems: Problems) -> None:
    """Ids, phrases, cut-offs and the acuity item: everything the scorer trusts."""
    for instrument in instruments:
        path = join("instruments", instrument.key)
        _check_answers(instrument, path, problems)
        _check_items(instrument, path, problems)
        if instrument.scoring == "sum":
            _check_sum(instrument, path, problems)


def check_required_instruments(instruments: tuple[Instrument, ...], problems: Problems) -> None:
    """The bundled content must keep the instruments the check-in asks."""
    have = {instrument.key for instrument in instruments}
    for key in REQUIRED_INSTRUMENTS:
        if key not in have:
            problems.add("instruments", f'the default content must define the instrument "{key}"')


def instrument_texts(instruments: tuple[Instrument, ...]) -> Iterator[tuple[str, str]]:
    """(key path, text) for every line an instrument says aloud: the fixed lines and each item's ask."""
    for instrument in instruments:
        path = join("instruments", instrument.key)
        for name in SPOKEN_FIELDS:
            value = getattr(instrument, name)
            if value:
                yield join(path, name), value
        for index, line in enumerate(instrument.resources):
            yield join(join(path, "resources"), index), line
        for index, answer in enumerate(instrument.answers):
            if answer.said_back:
                yield _at(path, "answers", index, "said_back"), answer.said_back
        for index, item in enumerate(instrument.items):
            yield join(join(join(path, "items"), index), "ask"), item.ask


def _at(path: str, *keys: str | int) -> str:
    """`path` followed by `keys`: _at("a", "items", 2, "id") is a.items[2].id."""
    for key in keys:
        path = join(path, key)
    return path


def _check_answers(instrument: Instrument, path: str, problems: Problems) -> None:
    ids: set[str] = set()
    owner: dict[str, str] = {}
    for index, answer in enumerate(instrument.answers):
        if answer.id in ids:
            problems.add(_at(path, "answers", index, "id"), f'duplicate answer id "{answer.id}"')
        ids.add(answer.id)
        for phrase in answer.phrases:
            if owner.get(phrase, answer.id) != answer.id:
                problems.add(
                    _at(path, "answers", index, "phrases"),
                    f'"{phrase}" is also a phrase of answer "{owner[phrase]}"',
                )
            owner.setdefault(phrase, answer.id)
    positive = any(answer.value > 0 for answer in instrument.answers)
    if instrument.scoring == "any_yes" and instrument.answers and not positive:
        problems.add(_at(path, "answers"), "an any_yes instrument needs an answer valued above 0 (yes)")


def _check_items(instrument: Instrument, path: str, problems: Problems) -> None:
    first: dict[str, int] = {}
    acuity = [index for index, item in enumerate(instrument.items) if item.acuity]
    for index, item in enumerate(instrument.items):
        if item.id in first:
            where = f"first at items[{first[item.id]}]"
            problems.add(_at(path, "items", index, "id"), f'duplicate item id "{item.id}" ({where})')
        first.setdefault(item.id, index)
        if item.acuity and instrument.scoring != "any_yes":
            problems.add(_at(path, "items", index, "acuity"), "only an any_yes instrument has an acuity item")
    if instrument.scoring != "any_yes" or not acuity:
        return
    if len(acuity) > 1:
        problems.add(_at(path, "items", acuity[1], "acuity"), "only one item can be the acuity item")
    elif acuity[0] != len(instrument.items) - 1:
        problems.add(_at(path, "items", acuity[0], "acuity"), "the acuity item must be the last")
    if len(instrument.items) == len(acuity):
        problems.add(_at(path, "items"), "needs a screening item before the acuity item")


def _check_sum(instrument: Instrument, path: str, problems: Problems) -> None:
    items = len(instrument.items)
    top = items * instrument.max_value
    bands = instrument.bands
    if bands and bands[0].min != 0:
        problems.add(_at(path, "bands", 0, "min"), f"the first band must start at 0, not {bands[0].min}")
    for index in range(1, len(bands)):
        if bands[index].min <= bands[index - 1].min:
            before = bands[index - 1].min
            problems.add(_at(path, "bands", index, "min"), f"must be above the band before ({before})")
    if bands and bands[-1].min > top:
        last = _at(path, "bands", len(bands) - 1, "min")
        problems.add(last, f"is above the highest possible score ({top})")
    if instrument.items and not 0 < instrument.positive_at <= top:
        problems.add(_at(path, "positive_at"), f"must be between 1 and the highest possible score ({top})")
    if instrument.short_items or instrument.short_name:
        if not 1 <= instrument.short_items < items:
            problems.add(_at(path, "short_items"), f"must be between 1 and {max(items - 1, 1)}")
        short_top = instrument.short_items * instrument.max_value
        if not 0 < instrument.short_cutoff <= short_top:
            message = f"must be between 1 and the short form's top score ({short_top})"
            problems.add(_at(path, "short_cutoff"), message)
    if instrument.crisis_item:
        if instrument.crisis_item not in {item.id for item in instrument.items}:
            problems.add(_at(path, "crisis_item"), f'"{instrument.crisis_item}" names no item')
        if not 0 <= instrument.crisis_above < instrument.max_value:
            problems.add(_at(path, "crisis_above"), f"must be between 0 and {instrument.max_value - 1}")
