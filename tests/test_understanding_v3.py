"""Understanding v3: the person beside the patient, scenes said in plain words, expected effects and
questions. Tables of single utterances; the evaluation sets run in bench/run_understanding_v3.py and in
test_understanding_v3_sets.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ketavoice.content.model import Content
from ketavoice.understanding import understand

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("he took his sleeping tablets with half a bottle of vodka and won't answer me", "emergency"),
        ("my husband is clutching his chest and sweating", "emergency"),
        ("she keeps talking about not being around for Christmas", "crisis"),
        ("he said he wants to kill himself", "crisis"),
        ("my wife's face is drooping on one side", "emergency"),
    ],
)
def test_a_companions_report_about_the_patient_is_certain(content: Content, text: str, level: str) -> None:
    flag = understand(content, text).flag
    assert flag is not None and flag.certainty == "certain" and flag.level == level
    assert flag.subject == "companion"


@pytest.mark.parametrize(
    "text",
    [
        "my dog had a seizure last year",
        "my cousin in Ohio had a stroke",
        "the actor in the film had a seizure scene",
        "my phone's about to die",
        "my grandad died of a heart attack in the nineties",
        "my neighbour's son was cutting himself at school, his mum told me",
    ],
)
def test_animals_things_screens_and_people_far_away_are_calm(content: Content, text: str) -> None:
    assert not understand(content, text).red_flag


@pytest.mark.parametrize(
    "text",
    [
        "my words are coming out jumbled",
        "my foot won't lift and I keep dragging it",
        "I can't hold the fork in my right hand",
        "the headache hit like a thunderclap",
        "one eye just went dark",
        "I have to stop between words to breathe",
        "he went rigid and now he's jerking",
        "the cannula spot keeps bleeding through the plaster",
        "I know the dizziness is expected, but my left arm is numb",
        "I looked up how high the bridge is",
        "I've been saving up my pills",
        "I keep punching the wall until my knuckles bleed",
        "I burned my arm with a lighter on purpose",
        "I gave my cat away, I won't need her where I'm going",
    ],
)
def test_scenes_said_in_plain_words_are_caught(content: Content, text: str) -> None:
    flag = understand(content, text).flag
    assert flag is not None, text


@pytest.mark.parametrize(
    "text",
    [
        "my battery is dying",
        "the colours look faint",
        "I OD'd on TV last night",
        "the printer had a fit",
        "I almost passed out at the bill",
        "I can finally breathe again",
        "my chest felt tight at noon, it's gone now",
        "I feel a bit odd",
        "that joke killed me",
        "I'm drowning in emails",
    ],
)
def test_objects_idioms_relief_and_effects_that_are_gone_are_never_certain(
    content: Content, text: str
) -> None:
    assert not understand(content, text).red_flag, text


def test_numbness_and_headache_are_asked_about_themselves(content: Content) -> None:
    face = understand(content, "i cant feel my face", content.dialogue("post_session").step("ride_home"))
    assert face.flag is not None and face.flag.concept_id == "numbness"
    headache = understand(content, "I have a bad headache").flag
    assert headache is not None and "headache" in headache.check
    double = understand(content, "I'm seeing double").flag
    assert double is not None and "numb" not in double.check


def test_every_expected_effect_example_is_reassured(content: Content) -> None:
    for effect in content.expected_effects:
        assert len(effect.examples) >= 1
        for example in effect.examples:
            meaning = understand(content, example)
            assert (meaning.intent, meaning.value, meaning.flag) == ("expected_effect", effect.id, None), (
                example
            )
        for calm in effect.calm:
            assert understand(content, calm).flag is not None, calm  # one-sided: a stroke sign, not expected


def test_every_answer_topic_example_is_a_question_with_its_topic(content: Content) -> None:
    wanted = {
        "driving",
        "alcohol",
        "food",
        "sleep",
        "medication",
        "side_effects_duration",
        "next_session",
        "results_timing",
        "when_to_call",
        "activity",
        "work",
        "companion",
    }
    assert wanted <= {topic.id for topic in content.answers}
    for topic in content.answers:
        assert len(topic.examples) >= 8 and topic.source
        for example in topic.examples:
            meaning = understand(content, example)
            assert (meaning.intent, meaning.value) == ("question", topic.id), example
            assert not meaning.red_flag


@pytest.mark.parametrize(
    ("text", "step"),
    [
        ("can I drive tomorrow", "ride_home"),
        ("is it ok to have a glass of wine tonight", "feeling"),
        ("when will I feel better", "feeling"),
        ("can I go back to work on monday", "welcome"),
        ("how long does this last", "feeling"),
        ("hw long till i can drink agen", "drive_check"),
    ],
)
def test_a_question_is_never_an_answer(content: Content, text: str, step: str) -> None:
    meaning = understand(content, text, content.dialogue("post_session").step(step))
    assert meaning.intent == "question" and meaning.flag is None


def test_commands_asked_as_questions_stay_commands(content: Content) -> None:
    assert understand(content, "can you repeat that").intent == "repeat"
    assert understand(content, "what are the options again").intent == "repeat"
    assert understand(
        content, "a four? yeah a four", content.dialogue("post_session").step("mood_rating")
    ).intent == ("number")


def test_a_red_flag_in_a_question_is_judged_first(content: Content) -> None:
    meaning = understand(content, "is it normal that my chest hurts this much?")
    assert meaning.flag is not None and meaning.flag.level == "emergency"


def _understand_json(text: str, home: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KETAVOICE_HOME": str(home)}
    out = subprocess.run(
        [sys.executable, "-m", "ketavoice", "understand", text, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    row: dict[str, object] = json.loads(out.stdout)
    return row


def test_understand_json_gives_the_topic(tmp_path: Path) -> None:
    row = _understand_json("can I have a beer tonight?", tmp_path)
    assert row["intent"] == "question" and row["topic"] == "alcohol" and row["flag"] is None
    row = _understand_json("how much does a session cost", tmp_path)
    assert row["intent"] == "question" and row["topic"] is None


@pytest.mark.parametrize(
    ("text", "certainty"),
    [
        # C-SSRS / ASQ time frames: within weeks, or still going on, is no history
        ("I tried to overdose last week", "certain"),
        ("I made my will last week and gave my sister my passwords", "certain"),
        ("I tried to kill myself years ago", "possible"),
        # an intent said on a condition is an intent; a question about one is not
        ("if this doesn't work I'm going to kill myself", "certain"),
        # "gone for good", "should've died": no relief, no one dead
        ("just want to be gone for good", "certain"),
        ("my girlfriend keeps saying she should've died in the accident", "certain"),
    ],
)
def test_crisis_in_time_and_on_conditions(content: Content, text: str, certainty: str) -> None:
    flag = understand(content, text).flag
    assert flag is not None and flag.level == "crisis" and flag.certainty == certainty, (text, flag)


@pytest.mark.parametrize(
    "text",
    [
        "a girl from my old school took her own life when we were sixteen",
        "what if I get suicidal thoughts after the ketamine?",
        "I'm going to hang the washing out when we get back",
    ],
)
def test_crisis_words_of_long_ago_questions_and_chores_are_not_certain(content: Content, text: str) -> None:
    flag = understand(content, text).flag
    assert flag is None or flag.certainty != "certain", (text, flag)


@pytest.mark.parametrize(
    "text",
    [
        "my neighbour told me about a guy who collapsed at the gym",  # a stranger in a story
        "my uncle had a heart attack at sixty",  # an age: a time that is over
        "my great aunt took her own life in the 1960s",  # a decade written as a year
        "she's been reading about shipwrecks, all those people drowning",  # something read about
        "he's not hard to wake at all, he opens his eyes when I say his name",
    ],
)
def test_stories_ages_decades_reading_and_easy_waking_are_not_certain(content: Content, text: str) -> None:
    flag = understand(content, text).flag
    assert flag is None or flag.certainty != "certain", (text, flag)


def test_a_question_whether_to_call_asks_about_the_danger_and_a_statement_beside_it_is_certain(
    content: Content,
) -> None:
    asked = understand(content, "do I need to call 911 for chest pain")
    assert asked.intent == "question" and asked.flag is not None and asked.flag.certainty == "possible"
    said = understand(content, "should I call an ambulance, I have crushing chest pain").flag
    assert said is not None and said.certainty == "certain"
    assert understand(content, "at what point is the confusion an emergency").intent == "question"


@pytest.mark.parametrize(
    ("text", "effect"),
    [
        ("my fingers are numb on both hands", "tingling"),
        ("it's like a sheet of glass between me and the world, I feel depersonalised", "dissociation"),
        ("the floor feels like it's tilting a bit", "dizziness"),
        ("so tired, I just want to rest my eyes", "sleepiness"),
        ("pt reports symmetric paraesthesia in both hands", "tingling"),
    ],
)
def test_expected_effects_in_other_words_are_reassured(content: Content, text: str, effect: str) -> None:
    meaning = understand(content, text)
    assert meaning.intent == "expected_effect" and meaning.value == effect, (text, meaning)


def test_one_sided_numbness_stays_a_flag_beside_the_both_sides_rule(content: Content) -> None:
    flag = understand(content, "my left hand is numb").flag
    assert flag is not None and flag.level == "emergency"
