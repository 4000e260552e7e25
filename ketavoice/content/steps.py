"""Build the `dialogues` part of Content: dialogues, their steps and a choice step's choices.

Each step kind takes only its own keys (see `KIND_KEYS`); a key of another kind is reported as such,
a key of no kind as unknown with a "did you mean".
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from ketavoice.content.model import STEP_KINDS, Choice, Dialogue, Step, StepKind
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

COMMON_STEP_KEYS = ("id", "kind", "say", "prompt", "reprompts", "help", "next")
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "info": (),
    "choice": ("choices", "other_reply", "other_alert", "record"),
    "yes_no": (
        "yes_reply",
        "no_reply",
        "yes_next",
        "no_next",
        "yes_alert",
        "no_alert",
        "expected",
        "correction",
        "unsure_as",
        "record",
        "asks_when",
        "asks_ride",
    ),
    "number": ("min_value", "max_value", "reply", "out_of_range"),
    "note": ("record_prompt", "readback", "saved", "skipped", "cancelled"),
    "screen": ("instruments",),
    "end": (),
}
REQUIRED_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "screen": ("instruments",),
    "choice": ("choices",),
    "number": ("reply", "out_of_range"),
    "note": ("record_prompt", "readback", "saved", "skipped", "cancelled"),
}
ALL_STEP_KEYS = tuple(f.name for f in fields(Step))


def build_dialogues(table: dict[str, Any] | None, problems: Problems) -> tuple[Dialogue, ...]:
    """Every [dialogues.NAME] table, with its steps in file order (broken ones kept, so indices match)."""
    if table is None:
        return ()
    if not table:
        problems.add("dialogues", "must define at least one dialogue")
    dialogues: list[Dialogue] = []
    for name in table:
        path = join("dialogues", name)
        entry = table_at(table, name, "dialogues", problems)
        if entry is None:
            continue
        check_keys(entry, path, problems, allowed=("title", "start", "steps"), required=("steps",))
        raw_steps = entry.get("steps", [])
        steps_path = join(path, "steps")
        if not isinstance(raw_steps, list):
            problems.add(
                steps_path, f"expected an array of tables ([[{steps_path}]]), got {type_name(raw_steps)}"
            )
            raw_steps = []
        elif not raw_steps and "steps" in entry:
            problems.add(steps_path, "must not be empty")
        dialogues.append(
            Dialogue(
                name=name,
                title=read_str(entry, "title", path, problems, required=True),
                start=read_str(entry, "start", path, problems, required=True),
                steps=tuple(
                    _step(raw, join(steps_path, index), problems) for index, raw in enumerate(raw_steps)
                ),
            )
        )
    return tuple(dialogues)


def _step(raw: object, path: str, problems: Problems) -> Step:
    if not isinstance(raw, dict):
        problems.add(path, f"expected a table, got {type_name(raw)}")
        return Step(id="", kind="end")
    step_id = read_str(raw, "id", path, problems, required=True)
    kind_value = read_str(raw, "kind", path, problems, required=True)
    if kind_value and kind_value not in STEP_KINDS:
        problems.add(join(path, "kind"), f'"{kind_value}" is not a step kind ({", ".join(STEP_KINDS)})')
    kind: StepKind = kind_value if kind_value in STEP_KINDS else "info"
    own_keys = COMMON_STEP_KEYS + KIND_KEYS[kind]
    for key in raw:
        if key in own_keys:
            continue
        if key in ALL_STEP_KEYS and kind_value in STEP_KINDS:
            owner = next(k for k, keys in KIND_KEYS.items() if key in keys)
            problems.add(join(path, key), f'only {owner} steps take "{key}" (this step is {kind})')
        elif key not in ALL_STEP_KEYS:
            check_keys({key: None}, path, problems, allowed=ALL_STEP_KEYS)
    if kind_value in STEP_KINDS:
        for key in REQUIRED_KIND_KEYS.get(kind, ()):
            if key not in raw:
                problems.add(path, f'missing required key "{key}" for a {kind} step')
    if kind == "end" and "next" in raw:
        problems.add(join(path, "next"), "an end step finishes the dialogue and cannot have a next")
    if kind not in ("end", "screen") and "prompt" not in raw:
        problems.add(path, 'missing required key "prompt"')
    if kind == "end" and "say" not in raw:
        problems.add(path, 'missing required key "say" for an end step')

    def text(key: str) -> str:
        return read_str(raw, key, path, problems) if key in own_keys else ""

    def next_id(key: str) -> str | None:
        if key not in own_keys or key not in raw:
            return None
        return read_str(raw, key, path, problems) or None

    expected = text("expected")
    if expected and expected not in ("yes", "no"):
        problems.add(join(path, "expected"), f'must be "yes" or "no", not "{expected}"')
        expected = ""
    if expected and "correction" not in raw:
        problems.add(path, 'missing required key "correction" (a teach-back step with "expected" needs one)')
    unsure_as = text("unsure_as")
    if unsure_as and unsure_as not in ("yes", "no"):
        problems.add(join(path, "unsure_as"), f'must be "yes" or "no", not "{unsure_as}"')
    number = kind == "number"
    return Step(
        id=step_id,
        kind=kind,
        say=read_str_list(raw, "say", path, problems, non_empty=kind == "end"),
        prompt=text("prompt"),
        reprompts=read_str_list(raw, "reprompts", path, problems),
        help=text("help"),
        next=next_id("next") if kind != "end" else None,
        choices=_choices(raw, path, problems) if kind == "choice" else (),
        other_reply=text("other_reply"),
        other_alert=text("other_alert"),
        yes_reply=text("yes_reply"),
        no_reply=text("no_reply"),
        yes_next=next_id("yes_next"),
        no_next=next_id("no_next"),
        yes_alert=text("yes_alert"),
        no_alert=text("no_alert"),
        expected="yes" if expected == "yes" else "no" if expected == "no" else None,
        correction=text("correction"),
        unsure_as="yes" if unsure_as == "yes" else "no" if unsure_as == "no" else None,
        record=read_bool(raw, "record", path, problems, default=False),
        asks_when=read_bool(raw, "asks_when", path, problems, default=False) if kind == "yes_no" else False,
        asks_ride=read_bool(raw, "asks_ride", path, problems, default=False) if kind == "yes_no" else False,
        min_value=read_int(raw, "min_value", path, problems, default=0) if number else 0,
        max_value=read_int(raw, "max_value", path, problems, default=10) if number else 10,
        reply=text("reply"),
        out_of_range=text("out_of_range"),
        record_prompt=text("record_prompt"),
        readback=text("readback"),
        saved=text("saved"),
        skipped=text("skipped"),
        cancelled=text("cancelled"),
        instruments=read_str_list(raw, "instruments", path, problems, non_empty=True)
        if kind == "screen"
        else (),
    )


def _choices(raw: dict[str, Any], path: str, problems: Problems) -> tuple[Choice, ...]:
    value = raw.get("choices")
    choices_path = join(path, "choices")
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.add(choices_path, f"expected an array of tables ([[...choices]]), got {type_name(value)}")
        return ()
    if not value:
        problems.add(choices_path, "must not be empty")
    choices: list[Choice] = []
    for index, item in enumerate(value):
        item_path = join(choices_path, index)
        if not isinstance(item, dict):
            problems.add(item_path, f"expected a table, got {type_name(item)}")
            continue
        check_keys(item, item_path, problems, allowed=("id", "phrases", "reply", "denied", "alert"))
        choices.append(
            Choice(
                id=read_str(item, "id", item_path, problems, required=True),
                phrases=read_phrases(item, "phrases", item_path, problems),
                reply=read_str(item, "reply", item_path, problems, required=True),
                denied=read_str(item, "denied", item_path, problems),
                alert=read_str(item, "alert", item_path, problems),
            )
        )
    ids = {choice.id for choice in choices}
    for index, choice in enumerate(choices):
        if choice.denied and choice.denied not in ids:
            problems.add(
                join(join(choices_path, index), "denied"), f'no choice "{choice.denied}" in this step'
            )
    return tuple(choices)
