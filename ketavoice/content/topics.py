"""The clinic's approved answers to common questions ([answers.<topic>]) and the expected after-effects
it reassures about ([expected_effects.<id>]): read from content.toml, every problem reported.

Both are recognised with word patterns (the language of `ketavoice.understanding.patterns`); both keep
example utterances that run as tests, and name the public source their words follow.
"""

from __future__ import annotations

from typing import Any

from ketavoice.content.model import ExpectedEffect, Topic
from ketavoice.content.reader import Problems, check_keys, join, read_patterns, read_str, read_str_list

# What an answer may say at most: a drowsy listener follows three short turns (ask-anything issue).
MAX_ANSWER_TURNS = 3
MIN_TOPIC_EXAMPLES = 8
TOPIC_KEYS = ("name", "say", "home_say", "patterns", "examples", "source")
EFFECT_KEYS = ("name", "patterns", "reply", "home_reply", "examples", "calm", "source")


def build_topics(table: dict[str, Any] | None, problems: Problems) -> tuple[Topic, ...]:
    if table is None:
        return ()
    topics: list[Topic] = []
    for topic_id, entry in table.items():
        path = join("answers", topic_id)
        if not isinstance(entry, dict):
            problems.add(path, "expected a table")
            continue
        check_keys(
            entry, path, problems, allowed=TOPIC_KEYS, required=("say", "patterns", "examples", "source")
        )
        say = read_str_list(entry, "say", path, problems, required=True, non_empty=True)
        home_say = read_str_list(entry, "home_say", path, problems)
        for key, turns in (("say", say), ("home_say", home_say)):
            if len(turns) > MAX_ANSWER_TURNS:
                problems.add(join(path, key), f"has {len(turns)} turns (at most {MAX_ANSWER_TURNS})")
        examples = read_str_list(entry, "examples", path, problems, required=True)
        if len(examples) < MIN_TOPIC_EXAMPLES:
            problems.add(
                join(path, "examples"), f"has {len(examples)} examples (at least {MIN_TOPIC_EXAMPLES})"
            )
        topics.append(
            Topic(
                id=topic_id,
                name=read_str(entry, "name", path, problems) or topic_id.replace("_", " "),
                say=say,
                home_say=home_say,
                patterns=_patterns(entry, path, problems),
                examples=examples,
                source=read_str(entry, "source", path, problems, required=True),
            )
        )
    return tuple(topics)


def build_expected_effects(table: dict[str, Any] | None, problems: Problems) -> tuple[ExpectedEffect, ...]:
    if table is None:
        return ()
    effects: list[ExpectedEffect] = []
    for effect_id, entry in table.items():
        path = join("expected_effects", effect_id)
        if not isinstance(entry, dict):
            problems.add(path, "expected a table")
            continue
        check_keys(
            entry, path, problems, allowed=EFFECT_KEYS, required=("name", "patterns", "reply", "source")
        )
        effects.append(
            ExpectedEffect(
                id=effect_id,
                name=read_str(entry, "name", path, problems, required=True),
                patterns=_patterns(entry, path, problems),
                reply=read_str_list(entry, "reply", path, problems, required=True, non_empty=True),
                home_reply=read_str_list(entry, "home_reply", path, problems),
                examples=read_str_list(entry, "examples", path, problems),
                calm=read_str_list(entry, "calm", path, problems),
                source=read_str(entry, "source", path, problems, required=True),
            )
        )
    return tuple(effects)


def _patterns(entry: dict[str, Any], path: str, problems: Problems) -> tuple[str, ...]:
    return read_patterns(entry, "patterns", path, problems, required=True)
