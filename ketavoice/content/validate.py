"""Cross-checks on built `Content`: ids, reachability, ranges, placeholders and duplicates.

Runs after `build_content`, so it sees typed values; it reports with the same key paths the file uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ketavoice.content.instruments import instrument_texts, validate_instruments
from ketavoice.content.model import Content, Dialogue, Step, Timing, Voice
from ketavoice.content.reader import Problems, join
from ketavoice.content.turns import SPOKEN_STEP_FIELDS, check_heard_lengths, check_turn_lengths

TIMING_RANGES: dict[str, tuple[float, float]] = {
    "first_word_timeout": (2, 600),
    "answer_end_silence": (0.5, 30),
    "answer_max": (5, 600),
    "note_end_silence": (1, 60),
    "note_max": (10, 1800),
    "long_wait": (10, 3600),
    "max_reprompts": (1, 10),
    "unanswered_alert_after": (1, 20),
    "low_confidence": (0, 1),
    "complete_answer_silence": (0.2, 5),
    "complete_answer_confidence": (0, 1),
    "min_end_silence": (0.5, 30),
}
VOICE_RANGES: dict[str, tuple[float, float]] = {
    "rate_wpm": (60, 400),
    "min_rate_wpm": (60, 400),
    "max_rate_wpm": (60, 400),
    "rate_step_wpm": (1, 100),
    "volume": (0, 1),
}
# Step ids the product itself relies on (DESIGN.md contracts); checked only for the bundled content.
REQUIRED_DEFAULT_STEPS = ("welcome", "feeling", "ride_home", "mood_rating", "mood_note", "closing")
DEFAULT_DIALOGUE = "post_session"

# Allowed in every text: filled from [clinic] phone when content is loaded (ketavoice.content.fill).
CLINIC_PHONE = "clinic_phone"
_BRACES = re.compile(r"\{([^{}]*)\}|[{}]")
# Every text field of a step: what is said aloud, plus the staff alert texts.
TEXT_FIELDS = ("prompt", *SPOKEN_STEP_FIELDS, "yes_alert", "no_alert", "other_alert")


def validate_content(content: Content, problems: Problems) -> None:
    """Add every cross-reference and range problem of `content` to `problems`."""
    _check_ranges(content.voice, content.timing, problems)
    names = [dialogue.name for dialogue in content.dialogues]
    if content.default_dialogue and names and content.default_dialogue not in names:
        problems.add("meta.default_dialogue", f"names no dialogue (have: {', '.join(names)})")
    for dialogue in content.dialogues:
        _check_dialogue(dialogue, problems)
    _check_intents(content, problems)
    _check_placeholders(content, problems)
    validate_instruments(content.instruments, problems)
    _check_screen_steps(content, problems)
    check_turn_lengths(content, problems)
    check_heard_lengths(content, problems)


def _check_screen_steps(content: Content, problems: Problems) -> None:
    known = {instrument.key for instrument in content.instruments}
    for dialogue in content.dialogues:
        for index, step in enumerate(dialogue.steps):
            for position, key in enumerate(step.instruments):
                if key not in known:
                    step_path = join(join(join("dialogues", dialogue.name), "steps"), index)
                    where = join(join(step_path, "instruments"), position)
                    problems.add(where, f'names no instrument (have: {", ".join(sorted(known)) or "none"})')


def check_required_default_steps(content: Content, problems: Problems) -> None:
    """The bundled content must keep the step ids other tools rely on (a clinic's own file need not)."""
    try:
        dialogue = content.dialogue(DEFAULT_DIALOGUE)
    except KeyError:
        problems.add("dialogues", f'the default content must define the dialogue "{DEFAULT_DIALOGUE}"')
        return
    ids = {step.id for step in dialogue.steps}
    for step_id in REQUIRED_DEFAULT_STEPS:
        if step_id not in ids:
            problems.add(
                join("dialogues", DEFAULT_DIALOGUE), f'the default content must keep the step "{step_id}"'
            )


def _check_ranges(voice: Voice, timing: Timing, problems: Problems) -> None:
    for section, values, ranges in (("voice", voice, VOICE_RANGES), ("timing", timing, TIMING_RANGES)):
        for name, (low, high) in ranges.items():
            value = getattr(values, name)
            if not low <= value <= high:
                problems.add(
                    join(section, name), f"{_num(value)} is out of range ({_num(low)} to {_num(high)})"
                )
    if timing.min_end_silence > timing.answer_end_silence:
        problems.add("timing.min_end_silence", "must not be greater than answer_end_silence")
    if voice.min_rate_wpm > voice.max_rate_wpm:
        problems.add("voice.min_rate_wpm", "must not be greater than max_rate_wpm")
    elif not voice.min_rate_wpm <= voice.rate_wpm <= voice.max_rate_wpm:
        problems.add("voice.rate_wpm", "must be between min_rate_wpm and max_rate_wpm")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _ways_on(step: Step) -> list[tuple[str, str]]:
    """(field, target id) pairs this step can move to."""
    ways = [(name, getattr(step, name)) for name in ("next", "yes_next", "no_next")]
    return [(name, target) for name, target in ways if target]


def _check_dialogue(dialogue: Dialogue, problems: Problems) -> None:
    path = join("dialogues", dialogue.name)
    first_index: dict[str, int] = {}
    for index, step in enumerate(dialogue.steps):
        if not step.id:
            continue
        if step.id in first_index:
            problems.add(
                join(join(join(path, "steps"), index), "id"),
                f'duplicate step id "{step.id}" (first at steps[{first_index[step.id]}])',
            )
        else:
            first_index[step.id] = index
    if dialogue.start and dialogue.steps and dialogue.start not in first_index:
        problems.add(join(path, "start"), f'"{dialogue.start}" names no step')
    dangling = False
    for index, step in enumerate(dialogue.steps):
        step_path = join(join(path, "steps"), index)
        for name, target in _ways_on(step):
            if target not in first_index:
                dangling = True
                problems.add(join(step_path, name), f'"{target}" names no step')
        if not _check_way_on(step, step_path, problems):
            dangling = True
        _check_step_values(step, step_path, problems)
    # A dangling or missing next makes everything after it look unreachable: report the cause only.
    if dialogue.start in first_index and not dangling:
        _check_reachable(dialogue, first_index, path, problems)


def _check_way_on(step: Step, step_path: str, problems: Problems) -> bool:
    """Report a non-end step with no way on; True when the step is fine."""
    if step.kind == "end" or not step.id:
        return True
    if step.kind == "yes_no":
        if not step.next and not (step.yes_next and step.no_next):
            missing = " and ".join(n for n in ("yes_next", "no_next") if not getattr(step, n))
            problems.add(
                step_path, f"a yes_no step needs next, or both yes_next and no_next (missing {missing})"
            )
            return False
    elif not step.next:
        problems.add(step_path, f'a {step.kind} step needs "next" (only end steps finish a dialogue)')
        return False
    return True


def _check_reachable(dialogue: Dialogue, first_index: dict[str, int], path: str, problems: Problems) -> None:
    seen = {dialogue.start}
    todo = [dialogue.start]
    while todo:
        step = dialogue.steps[first_index[todo.pop()]]
        for _, target in _ways_on(step):
            if target in first_index and target not in seen:
                seen.add(target)
                todo.append(target)
    for index, step in enumerate(dialogue.steps):
        if step.id and first_index.get(step.id) == index and step.id not in seen:
            problems.add(
                join(join(path, "steps"), index), f'step "{step.id}" is unreachable from "{dialogue.start}"'
            )
    if not any(dialogue.steps[first_index[i]].kind == "end" for i in seen):
        problems.add(path, "no end step is reachable from start")


def _check_step_values(step: Step, step_path: str, problems: Problems) -> None:
    if step.kind == "number" and step.min_value >= step.max_value:
        problems.add(join(step_path, "min_value"), f"must be less than max_value ({step.max_value})")
    if step.kind == "choice":
        ids: set[str] = set()
        owner: dict[str, str] = {}
        for index, choice in enumerate(step.choices):
            choice_path = join(join(step_path, "choices"), index)
            if choice.id in ids:
                problems.add(join(choice_path, "id"), f'duplicate choice id "{choice.id}"')
            ids.add(choice.id)
            for phrase in choice.phrases:
                if owner.get(phrase, choice.id) != choice.id:
                    problems.add(
                        join(choice_path, "phrases"),
                        f'"{phrase}" is also a phrase of choice "{owner[phrase]}"',
                    )
                owner.setdefault(phrase, choice.id)


def _check_intents(content: Content, problems: Problems) -> None:
    key_owner: dict[str, str] = {}
    phrase_owner: dict[str, str] = {}
    for intent in content.intents:
        path = join("intents", intent.name)
        if intent.name == "stop" and intent.keys:
            problems.add(join(path, "keys"), "stop has no key: a stray key press must never end a session")
        for key in intent.keys:
            if key in key_owner and key_owner[key] != intent.name:
                problems.add(join(path, "keys"), f'key "{key}" is also a key of intent "{key_owner[key]}"')
            key_owner.setdefault(key, intent.name)
        for phrase in intent.phrases:
            if phrase in phrase_owner and phrase_owner[phrase] != intent.name:
                problems.add(
                    join(path, "phrases"), f'"{phrase}" is also a phrase of intent "{phrase_owner[phrase]}"'
                )
            phrase_owner.setdefault(phrase, intent.name)
    flag_owner: dict[str, str] = {}
    for flag in content.red_flags:
        path = join(join("red_flags", flag.level), "phrases")
        for phrase in flag.phrases:
            if phrase in flag_owner and flag_owner[phrase] != flag.level:
                problems.add(path, f'"{phrase}" is also a {flag_owner[phrase]} phrase')
            flag_owner.setdefault(phrase, flag.level)
            if phrase in phrase_owner:
                problems.add(
                    path, f'"{phrase}" is also a phrase of intent "{phrase_owner[phrase]}" (red flags win)'
                )


def _texts(content: Content) -> Iterator[tuple[str, str, frozenset[str]]]:
    """(key path, text, allowed placeholders) for every text ketavoice says or shows."""
    for name in content.messages.__dataclass_fields__:
        heard = {"red_flag_confirm": frozenset({"heard"}), "heard_check": frozenset({"heard"}),
                 "confirm_number": frozenset({"value"})}.get(name, frozenset())
        yield join("messages", name), getattr(content.messages, name), heard
    escort = content.escort
    for name in escort.__dataclass_fields__:
        value = getattr(escort, name)
        if isinstance(value, tuple):
            for index, line in enumerate(value):
                yield join(join("escort", name), index), line, frozenset()
        else:
            allowed_here = {"mood_line": frozenset({"time", "rating"}),
                            "alert_line": frozenset({"time", "text"})}.get(name, frozenset())
            yield join("escort", name), value, allowed_here
    for flag in content.red_flags:
        path = join("red_flags", flag.level)
        yield join(path, "alert"), flag.alert, frozenset()
        for index, line in enumerate(flag.script):
            yield join(join(path, "script"), index), line, frozenset()
        for index, carrier in enumerate(flag.carriers):
            yield join(join(path, "carriers"), index), carrier, frozenset({"phrase"})
        for frame, _phrases in flag.frames:
            yield join(join(path, "frames"), frame), frame, frozenset({"phrase"})
    for dialogue in content.dialogues:
        for step_index, step in enumerate(dialogue.steps):
            step_path = join(join(join("dialogues", dialogue.name), "steps"), step_index)
            for list_name in ("say", "reprompts"):
                for index, line in enumerate(getattr(step, list_name)):
                    yield join(join(step_path, list_name), index), line, frozenset()
            for name in TEXT_FIELDS:
                allowed: frozenset[str] = frozenset()
                if step.kind == "number" and name in ("reply", "out_of_range"):
                    allowed = frozenset({"value"})
                elif step.kind == "note" and name == "readback":
                    allowed = frozenset({"note"})
                yield join(step_path, name), getattr(step, name), allowed
            for index, choice in enumerate(step.choices):
                yield join(join(join(step_path, "choices"), index), "reply"), choice.reply, frozenset()
    for path, text in instrument_texts(content.instruments):
        yield path, text, frozenset()


def _check_placeholders(content: Content, problems: Problems) -> None:
    for flag in content.red_flags:
        for index, carrier in enumerate(flag.carriers):
            if "{phrase}" not in carrier:
                problems.add(
                    join(join(join("red_flags", flag.level), "carriers"), index), "must contain {phrase}"
                )
        for frame, _phrases in flag.frames:
            if "{phrase}" not in frame:
                problems.add(
                    join(join(join("red_flags", flag.level), "frames"), frame), "must contain {phrase}"
                )
    for path, text, allowed in _texts(content):
        for match in _BRACES.finditer(text):
            name = match.group(1)
            if name is None:
                problems.add(path, 'unmatched brace (write placeholders as "{name}")')
            elif name == CLINIC_PHONE:
                if not content.clinic.phone:
                    problems.add(path, "uses {clinic_phone}, but [clinic] phone is not set")
            elif name not in allowed:
                where = ", ".join("{" + a + "}" for a in sorted(allowed)) if allowed else "none"
                problems.add(path, f"unknown placeholder {{{name}}} (allowed here: {where})")
