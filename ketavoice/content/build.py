"""Build `Content` from a parsed content.toml, reporting shape problems (keys, types, empty values).

Dialogues and steps are built in `ketavoice.content.steps`. Cross-references (step ids, reachability,
ranges, placeholders, duplicates) are checked afterwards in `ketavoice.content.validate`, on the built
values. Broken parts are kept with defaults, so step indices stay aligned with the file.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

from ketavoice.content.instruments import build_instruments
from ketavoice.content.model import (
    DEFAULT_MAX_HEARD_WORDS,
    DEFAULT_MAX_TURN_WORDS,
    OPTIONAL_INTENTS,
    PHRASE_INTENTS,
    RED_FLAG_LEVELS,
    Clinic,
    Concept,
    Content,
    Escort,
    Intent,
    Messages,
    NumberExample,
    Numbers,
    RedFlag,
    Timing,
    Understanding,
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
    read_patterns,
    read_phrases,
    read_str,
    read_str_list,
    table_at,
    type_name,
)
from ketavoice.content.steps import build_dialogues
from ketavoice.content.topics import build_expected_effects, build_topics

TOP_LEVEL = (
    "meta",
    "voice",
    "timing",
    "messages",
    "escort",
    "intents",
    "numbers",
    "red_flags",
    "dialogues",
    "understanding",
    "clinic",
    "instruments",
    "answers",
    "expected_effects",
)
REQUIRED_TOP_LEVEL = ("meta", "messages", "escort", "intents", "numbers", "red_flags", "dialogues")
META_KEYS = ("name", "version", "default_dialogue", "max_turn_words", "max_heard_words")
MESSAGE_KEYS = tuple(f.name for f in fields(Messages))
REQUIRED_MESSAGE_KEYS = tuple(f.name for f in fields(Messages) if f.default is MISSING)
ESCORT_KEYS = tuple(f.name for f in fields(Escort))
ESCORT_OPTIONAL_KEYS = ("alerts_heading", "alert_line", "no_alerts")
ESCORT_LIST_KEYS = ("instructions", "call_for_help")
VOICE_INT_KEYS = ("rate_wpm", "rate_step_wpm", "min_rate_wpm", "max_rate_wpm")
TIMING_INT_KEYS = ("max_reprompts", "unanswered_alert_after")


def build_content(data: dict[str, Any], source: str, problems: Problems) -> Content:
    """Turn the parsed TOML document into `Content`, adding every shape problem to `problems`."""
    check_keys(data, "", problems, allowed=TOP_LEVEL, required=REQUIRED_TOP_LEVEL, what="table")
    meta = table_at(data, "meta", "", problems) or {}
    if "meta" in data:
        check_keys(meta, "meta", problems, allowed=META_KEYS)
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
        dialogues=build_dialogues(table_at(data, "dialogues", "", problems), problems),
        escort=_escort(table_at(data, "escort", "", problems), problems),
        default_dialogue=default_dialogue,
        understanding=_understanding(table_at(data, "understanding", "", problems) or {}, problems),
        clinic=_clinic(table_at(data, "clinic", "", problems), problems),
        instruments=build_instruments(table_at(data, "instruments", "", problems), problems),
        max_turn_words=read_int(meta, "max_turn_words", "meta", problems, default=DEFAULT_MAX_TURN_WORDS),
        answers=build_topics(table_at(data, "answers", "", problems), problems),
        expected_effects=build_expected_effects(table_at(data, "expected_effects", "", problems), problems),
        max_heard_words=read_int(meta, "max_heard_words", "meta", problems, default=DEFAULT_MAX_HEARD_WORDS),
    )


def _clinic(table: dict[str, Any] | None, problems: Problems) -> Clinic:
    """The optional [clinic] table: the phone said for {clinic_phone}, as it should be spoken."""
    if table is None:
        return Clinic()
    check_keys(table, "clinic", problems, allowed=("phone",))
    phone = read_str(table, "phone", "clinic", problems, required=True)
    if any(char in phone for char in "{}\n\r"):
        problems.add("clinic.phone", "must be one line without braces")
    elif len(phone.split()) > 12:
        problems.add("clinic.phone", f"has {len(phone.split())} words (at most 12: it is said in sentences)")
    return Clinic(phone=phone)


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
    texts = {key: read_str(table, key, "messages", problems, required=True) for key in REQUIRED_MESSAGE_KEYS}
    optional = {
        key: read_str(table, key, "messages", problems)
        for key in MESSAGE_KEYS
        if key not in REQUIRED_MESSAGE_KEYS
    }
    return Messages(**texts, **{key: text for key, text in optional.items() if text})


def _escort(table: dict[str, Any] | None, problems: Problems) -> Escort:
    """The [escort] table; when it is absent only the missing table is reported, not each key."""
    values: dict[str, Any] = {key: () if key in ESCORT_LIST_KEYS else "" for key in ESCORT_KEYS}
    if table is None:
        return Escort(**values)
    check_keys(table, "escort", problems, allowed=ESCORT_KEYS)
    for key in ESCORT_KEYS:
        if key in ESCORT_OPTIONAL_KEYS:
            if key in table:
                values[key] = read_str(table, key, "escort", problems, required=True)
            else:
                del values[key]  # the dataclass default
        elif key in ESCORT_LIST_KEYS:
            values[key] = read_str_list(table, key, "escort", problems, required=True, non_empty=True)
        else:
            values[key] = read_str(table, key, "escort", problems, required=True)
    return Escort(**values)


def _intents(table: dict[str, Any] | None, problems: Problems) -> tuple[Intent, ...]:
    if table is None:
        return ()
    required = [name for name in PHRASE_INTENTS if name not in OPTIONAL_INTENTS]
    check_keys(table, "intents", problems, allowed=PHRASE_INTENTS, required=required, what="intent")
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
        check_keys(entry, path, problems, allowed=RED_FLAG_KEYS)
        concepts = _concepts(entry.get("concepts", []), join(path, "concepts"), problems)
        phrases = read_phrases(entry, "phrases", path, problems, required=not concepts)
        flags.append(
            RedFlag(
                level=level,
                phrases=phrases,
                script=read_str_list(entry, "script", path, problems, required=True, non_empty=True),
                alert=read_str(entry, "alert", path, problems, required=True),
                examples=read_str_list(entry, "examples", path, problems),
                carriers=read_str_list(entry, "carriers", path, problems),
                frames=_frames(entry, path, problems),
                home_script=read_str_list(entry, "home_script", path, problems),
                concepts=concepts,
                check=read_str(entry, "check", path, problems) or RedFlag.check,
                companion_script=read_str_list(entry, "companion_script", path, problems),
                companion_home_script=read_str_list(entry, "companion_home_script", path, problems),
            )
        )
    return tuple(flags)


RED_FLAG_KEYS = (
    "phrases", "script", "home_script", "alert", "examples", "carriers", "frames", "concepts", "check",
    "companion_script", "companion_home_script",
)


def _frames(entry: dict[str, Any], path: str, problems: Problems) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """[red_flags.<level>.frames]: sentence frame -> the phrases that fit it."""
    table = table_at(entry, "frames", path, problems)
    if table is None:
        return ()
    frames_path = join(path, "frames")
    return tuple(
        (frame, read_str_list(table, frame, frames_path, problems, non_empty=True)) for frame in table
    )
CONCEPT_KEYS = tuple(f.name for f in fields(Concept))


def _concepts(raw: object, path: str, problems: Problems) -> tuple[Concept, ...]:
    if not isinstance(raw, list):
        problems.add(path, f"expected an array of tables, got {type_name(raw)}")
        return ()
    concepts: list[Concept] = []
    for index, entry in enumerate(raw):
        where = join(path, index)
        if not isinstance(entry, dict):
            problems.add(where, f"expected a table, got {type_name(entry)}")
            continue
        check_keys(entry, where, problems, allowed=CONCEPT_KEYS, required=("id", "name", "patterns"))
        certainty = read_str(entry, "certainty", where, problems) or "certain"
        if certainty not in ("certain", "possible"):
            problems.add(join(where, "certainty"), 'must be "certain" or "possible"')
            certainty = "certain"
        others = entry.get("others", False)
        if not isinstance(others, bool):
            problems.add(join(where, "others"), f"expected a boolean, got {type_name(others)}")
            others = False
        concepts.append(
            Concept(
                id=read_str(entry, "id", where, problems, required=True),
                name=read_str(entry, "name", where, problems, required=True),
                patterns=_patterns(entry, "patterns", where, problems, required=True),
                check=read_str(entry, "check", where, problems),
                unless=_patterns(entry, "unless", where, problems),
                certainty="possible" if certainty == "possible" else "certain",
                others=others,
                examples=read_str_list(entry, "examples", where, problems),
                calm=read_str_list(entry, "calm", where, problems),
            )
        )
    return tuple(concepts)


_patterns = read_patterns


def _understanding(table: dict[str, Any], problems: Problems) -> Understanding:
    path = "understanding"
    check_keys(table, path, problems, allowed=_UNDERSTANDING_KEYS)
    rewrites: list[tuple[str, str]] = []
    for index, entry in enumerate(read_str_list(table, "rewrites", path, problems)):
        heard, _, meant = (part.strip() for part in entry.partition("="))
        if not PHRASE_RE.match(heard) or not PHRASE_RE.match(meant):
            problems.add(join(join(path, "rewrites"), index), 'expected "words as heard = words as matched"')
            continue
        rewrites.append((heard, meant))
    return Understanding(
        rewrites=tuple(rewrites),
        idioms=_patterns(table, "idioms", path, problems),
        mood_low=read_phrases(table, "mood_low", path, problems, required=False),
        mood_middle=read_phrases(table, "mood_middle", path, problems, required=False),
        mood_high=read_phrases(table, "mood_high", path, problems, required=False),
        called=read_phrases(table, "called", path, problems, required=False),
        not_called=read_phrases(table, "not_called", path, problems, required=False),
        today=read_phrases(table, "today", path, problems, required=False),
        tomorrow=read_phrases(table, "tomorrow", path, problems, required=False),
        ride_people=read_phrases(table, "ride_people", path, problems, required=False),
        ride_taking=read_phrases(table, "ride_taking", path, problems, required=False),
        ride_self=read_phrases(table, "ride_self", path, problems, required=False),
        ride_pending=read_phrases(table, "ride_pending", path, problems, required=False),
    )


_UNDERSTANDING_KEYS = (
    "rewrites", "idioms", "mood_low", "mood_middle", "mood_high", "called", "not_called", "today", "tomorrow",
    "ride_people", "ride_taking", "ride_self", "ride_pending",
)
