"""Build `Content` from a parsed content.toml, reporting shape problems (keys, types, empty values).

Cross-references (step ids, reachability, ranges, placeholders, duplicates) are checked afterwards in
`ketavoice.content.validate`, on the built values. Broken parts are kept with defaults, so step indices
stay aligned with the file and later checks still run.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from ketavoice.content.model import (
    PHRASE_INTENTS,
    RED_FLAG_LEVELS,
    STEP_KINDS,
    Choice,
    Content,
    Dialogue,
    Intent,
    Messages,
    NumberExample,
    Numbers,
    RedFlag,
    Step,
    StepKind,
    Timing,
    Voice,
)
from ketavoice.content.reader import (
    PHRASE_RE,
    Problems,
    check_keys,
    join,
    read_bool,
    read_float,
    read_int,
    read_phrases,
    read_str,
    read_str_list,
    table_at,
    type_name,
)

TOP_LEVEL = ("meta", "voice", "timing", "messages", "intents", "numbers", "red_flags", "dialogues")
REQUIRED_TOP_LEVEL = ("meta", "messages", "intents", "numbers", "red_flags", "dialogues")
MESSAGE_KEYS = tuple(f.name for f in fields(Messages))
VOICE_INT_KEYS = ("rate_wpm", "rate_step_wpm", "min_rate_wpm", "max_rate_wpm")
TIMING_INT_KEYS = ("max_reprompts", "unanswered_alert_after")

COMMON_STEP_KEYS = ("id", "kind", "say", "prompt", "reprompts", "help", "next")
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "info": (),
    "choice": ("choices", "other_reply"),
    "yes_no": (
        "yes_reply",
        "no_reply",
        "yes_next",
        "no_next",
        "yes_alert",
        "no_alert",
        "expected",
        "correction",
    ),
    "number": ("min_value", "max_value", "reply", "out_of_range"),
    "note": ("record_prompt", "readback", "saved", "skipped", "cancelled"),
    "end": (),
}
REQUIRED_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "choice": ("choices",),
    "number": ("reply", "out_of_range"),
    "note": ("record_prompt", "readback", "saved", "skipped", "cancelled"),
}
ALL_STEP_KEYS = tuple(f.name for f in fields(Step))


def build_content(data: dict[str, Any], source: str, problems: Problems) -> Content:
    """Turn the parsed TOML document into `Content`, adding every shape problem to `problems`."""
    check_keys(data, "", problems, allowed=TOP_LEVEL, required=REQUIRED_TOP_LEVEL, what="table")
    meta = table_at(data, "meta", "", problems) or {}
    if "meta" in data:
        check_keys(meta, "meta", problems, allowed=("name", "version", "default_dialogue"))
        read_str(meta, "name", "meta", problems, required=True)
        read_int(meta, "version", "meta", problems, required=True)
    default_dialogue = read_str(meta, "default_dialogue", "meta", problems, required="meta" in data)
    return Content(
        source=source,
        voice=_voice(table_at(data, "voice", "", problems) or {}, problems),
        timing=_timing(table_at(data, "timing", "", problems) or {}, problems),
        messages=_messages(table_at(data, "messages", "", problems), problems),
        intents=_intents(table_at(data, "intents", "", problems), problems),
        numbers=_numbers(table_at(data, "numbers", "", problems), problems),
        red_flags=_red_flags(table_at(data, "red_flags", "", problems), problems),
        dialogues=_dialogues(table_at(data, "dialogues", "", problems), problems),
        default_dialogue=default_dialogue,
    )


def _voice(table: dict[str, Any], problems: Problems) -> Voice:
    defaults = Voice()
    check_keys(table, "voice", problems, allowed=[f.name for f in fields(Voice)])
    ints = {
        key: read_int(table, key, "voice", problems, default=getattr(defaults, key)) for key in VOICE_INT_KEYS
    }
    return Voice(
        rate_wpm=ints["rate_wpm"],
        rate_step_wpm=ints["rate_step_wpm"],
        min_rate_wpm=ints["min_rate_wpm"],
        max_rate_wpm=ints["max_rate_wpm"],
        volume=read_float(table, "volume", "voice", problems, default=defaults.volume),
        ready_tone=read_bool(table, "ready_tone", "voice", problems, default=defaults.ready_tone),
    )


def _timing(table: dict[str, Any], problems: Problems) -> Timing:
    defaults = Timing()
    names = [f.name for f in fields(Timing)]
    check_keys(table, "timing", problems, allowed=names)
    values: dict[str, Any] = {}
    for name in names:
        if name in TIMING_INT_KEYS:
            values[name] = read_int(table, name, "timing", problems, default=getattr(defaults, name))
        else:
            values[name] = read_float(table, name, "timing", problems, default=getattr(defaults, name))
    return Timing(**values)


def _messages(table: dict[str, Any] | None, problems: Problems) -> Messages:
    table = table if table is not None else {}
    check_keys(table, "messages", problems, allowed=MESSAGE_KEYS)
    texts = {key: read_str(table, key, "messages", problems, required=True) for key in MESSAGE_KEYS}
    return Messages(**texts)


def _intents(table: dict[str, Any] | None, problems: Problems) -> tuple[Intent, ...]:
    if table is None:
        return ()
    check_keys(table, "intents", problems, allowed=PHRASE_INTENTS, required=PHRASE_INTENTS, what="intent")
    intents: list[Intent] = []
    for name in PHRASE_INTENTS:
        path = join("intents", name)
        entry = table_at(table, name, "intents", problems)
        if entry is None:
            continue
        check_keys(entry, path, problems, allowed=("phrases", "examples", "keys"))
        keys = read_str_list(entry, "keys", path, problems)
        for index, key in enumerate(keys):
            if len(key) != 1:
                problems.add(join(join(path, "keys"), index), f'"{key}" must be a single character')
        intents.append(
            Intent(
                name=name,
                phrases=read_phrases(entry, "phrases", path, problems),
                examples=read_str_list(entry, "examples", path, problems),
                keys=keys,
            )
        )
    return tuple(intents)


def _numbers(table: dict[str, Any] | None, problems: Problems) -> Numbers:
    if table is None:
        return Numbers(words=())
    check_keys(table, "numbers", problems, allowed=("words", "examples"), required=("words",))
    words: list[tuple[str, int]] = []
    words_table = table_at(table, "words", "numbers", problems)
    if words_table is not None and not words_table:
        problems.add("numbers.words", "must not be empty")
    for word, value in (words_table or {}).items():
        path = join("numbers.words", word)
        if not PHRASE_RE.match(word):
            problems.add(path, f'"{word}" must be lowercase words (letters and apostrophes, single spaces)')
        if isinstance(value, bool) or not isinstance(value, int):
            problems.add(path, f"expected an integer, got {type_name(value)}")
            continue
        words.append((word, value))
    examples: list[NumberExample] = []
    raw_examples = table.get("examples", [])
    if not isinstance(raw_examples, list):
        problems.add("numbers.examples", f"expected an array of tables, got {type_name(raw_examples)}")
        raw_examples = []
    for index, raw in enumerate(raw_examples):
        path = join("numbers.examples", index)
        if not isinstance(raw, dict):
            problems.add(path, f"expected a table with text and value, got {type_name(raw)}")
            continue
        check_keys(raw, path, problems, allowed=("text", "value"))
        examples.append(
            NumberExample(
                text=read_str(raw, "text", path, problems, required=True),
                value=read_int(raw, "value", path, problems, required=True),
            )
        )
    return Numbers(words=tuple(words), examples=tuple(examples))


def _red_flags(table: dict[str, Any] | None, problems: Problems) -> tuple[RedFlag, ...]:
    if table is None:
        return ()
    check_keys(table, "red_flags", problems, allowed=RED_FLAG_LEVELS, required=RED_FLAG_LEVELS, what="level")
    flags: list[RedFlag] = []
    for level in RED_FLAG_LEVELS:
        path = join("red_flags", level)
        entry = table_at(table, level, "red_flags", problems)
        if entry is None:
            continue
        check_keys(entry, path, problems, allowed=("phrases", "script", "alert", "examples"))
        flags.append(
            RedFlag(
                level=level,
                phrases=read_phrases(entry, "phrases", path, problems),
                script=read_str_list(entry, "script", path, problems, required=True, non_empty=True),
                alert=read_str(entry, "alert", path, problems, required=True),
                examples=read_str_list(entry, "examples", path, problems),
            )
        )
    return tuple(flags)


def _dialogues(table: dict[str, Any] | None, problems: Problems) -> tuple[Dialogue, ...]:
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
    if kind != "end" and "prompt" not in raw:
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
        yes_reply=text("yes_reply"),
        no_reply=text("no_reply"),
        yes_next=next_id("yes_next"),
        no_next=next_id("no_next"),
        yes_alert=text("yes_alert"),
        no_alert=text("no_alert"),
        expected="yes" if expected == "yes" else "no" if expected == "no" else None,
        correction=text("correction"),
        min_value=read_int(raw, "min_value", path, problems, default=0) if number else 0,
        max_value=read_int(raw, "max_value", path, problems, default=10) if number else 10,
        reply=text("reply"),
        out_of_range=text("out_of_range"),
        record_prompt=text("record_prompt"),
        readback=text("readback"),
        saved=text("saved"),
        skipped=text("skipped"),
        cancelled=text("cancelled"),
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
        check_keys(item, item_path, problems, allowed=("id", "phrases", "reply"))
        choices.append(
            Choice(
                id=read_str(item, "id", item_path, problems, required=True),
                phrases=read_phrases(item, "phrases", item_path, problems),
                reply=read_str(item, "reply", item_path, problems, required=True),
            )
        )
    return tuple(choices)
