"""Loading [instruments], [clinic] and the per-turn word limit: the bundled file and hostile variations."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketavoice.content.loader import parse_content
from ketavoice.content.model import Content
from ketavoice.content.turns import spoken_turns, word_count
from ketavoice.errors import ContentError

REPO = Path(__file__).resolve().parents[1]
BUNDLED = (REPO / "content.toml").read_text(encoding="utf-8")


def problems(text: str, *, bundled: bool = False) -> list[str]:
    with pytest.raises(ContentError) as caught:
        parse_content(text, "content.toml", require_default_steps=bundled)
    return [str(problem) for problem in caught.value.problems]


def _replace(old: str, new: str) -> str:
    assert BUNDLED.count(old) == 1, old
    return BUNDLED.replace(old, new)


def test_bundled_instruments_load(content: Content) -> None:
    assert [i.key for i in content.instruments] == ["asq", "phq9", "gad7"]
    asq = content.instrument("asq")
    assert asq.scoring == "any_yes" and [i.acuity for i in asq.items] == [False] * 4 + [True]
    assert all(i.source and i.licence for i in content.instruments)
    phq = content.instrument("phq9")
    assert [a.value for a in phq.answers] == [0, 1, 2, 3] and phq.crisis_item == "phq9_9"
    assert [b.min for b in phq.bands] == [0, 5, 10, 15, 20]
    assert [b.min for b in content.instrument("gad7").bands] == [0, 5, 10, 15]


def test_every_spoken_turn_is_within_the_limit(content: Content) -> None:
    assert content.max_turn_words == 25
    turns = list(spoken_turns(content))
    assert len(turns) > 150
    for path, text in turns:
        assert word_count(text, content.clinic.phone) <= 25, path
        assert "{clinic_phone}" not in text, path  # filled in when loaded


def test_word_count_counts_placeholders_and_the_phone() -> None:
    assert word_count("Noted {value} out of ten.") == 5
    assert word_count("Call the clinic at {clinic_phone}.", "555 0100") == 6
    assert word_count("Call the clinic at {clinic_phone}.", "the number on your discharge sheet") == 10


def test_the_limit_is_configurable_and_reported_per_turn() -> None:
    found = problems(_replace("max_turn_words = 25 ", "max_turn_words = 15 "))
    assert found and all("words (limit 15)" in line for line in found)
    assert any(line.startswith("content.toml:") and ".say: turn has" in line for line in found)
    assert problems(_replace("max_turn_words = 25 ", "max_turn_words = 2 ")) == [
        "content.toml:14: meta.max_turn_words: 2 is out of range (5 to 200)"
    ]


def test_bundled_content_must_keep_its_instruments() -> None:
    start = BUNDLED.index("[instruments.gad7]")
    without_gad = BUNDLED[:start]
    found = problems(without_gad, bundled=True)
    assert 'content.toml: instruments: the default content must define the instrument "gad7"' in found
    # The check-in's screening step names it too, and says so (a clinic's file then drops it there).
    assert len(found) == 2 and "instruments[2]: names no instrument" in found[1]
    parse_content(without_gad.replace('"asq", "phq9", "gad7"', '"asq", "phq9"'), "content.toml")


def test_clinic_phone_is_filled_and_checked() -> None:
    content = parse_content(
        _replace('phone = "the number on your discharge sheet"', 'phone = "555 0100"'), "c"
    )
    assert "call the clinic at 555 0100." in content.dialogue("post_session").step("mood_dip").say[0]
    assert any("555 0100" in line for line in content.escort.instructions)
    found = problems(_replace('phone = "the number on your discharge sheet"', 'phone = "{x}"'))
    assert any("clinic.phone: must be one line without braces" in line for line in found)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'scoring = "any_yes"',
            'scoring = "max"',
            'instruments.asq.scoring: "max" is not a scoring (sum, any_yes)',
        ),
        (
            'ask = "Are you having thoughts of killing yourself right now?"\nacuity = true',
            'ask = "Are you having thoughts of killing yourself right now?"',
            None,
        ),
        (
            'id = "asq4"',
            'id = "asq3"',
            'instruments.asq.items[3].id: duplicate item id "asq3" (first at items[2])',
        ),
        (
            'code = "LA33-6"',
            'code = "yes"',
            'instruments.asq.answers[0].code: "yes" is not a LOINC answer code',
        ),
        (
            "short_cutoff = 3\nshort_loinc",
            "short_cutoff = 7\nshort_loinc",
            "instruments.phq9.short_cutoff: must be between 1 and the short form's top score (6)",
        ),
        ("crisis_above = 0", "crisis_above = 3", "instruments.phq9.crisis_above: must be between 0 and 2"),
        ('loinc = "44249-1"', 'loinc = "PHQ9"', 'instruments.phq9.loinc: "PHQ9" is not a LOINC code'),
        (
            'ask = "How often have you had trouble relaxing?"',
            'ask = "How often have you had trouble {relaxing}?"',
            "instruments.gad7.items[3].ask: unknown placeholder {relaxing} (allowed here: none)",
        ),
    ],
)
def test_instrument_defects_are_reported(old: str, new: str, expected: str | None) -> None:
    if expected is None:  # no acuity item at all is allowed (the ASQ without item 5 still screens)
        parse_content(_replace(old, new), "content.toml")
        return
    found = problems(_replace(old, new))
    assert any(expected in line for line in found), found
    assert all(line.startswith("content.toml:") for line in found)


def test_a_sum_key_on_an_any_yes_instrument_is_refused() -> None:
    found = problems(_replace('scoring = "any_yes"', 'scoring = "any_yes"\npositive_at = 1'))
    assert any(
        'instruments.asq.positive_at: only sum-scored instruments take "positive_at"' in p for p in found
    )


def test_an_answer_phrase_on_two_answers_is_refused() -> None:
    found = problems(
        _replace('"dont know", "possibly", "perhaps",', '"dont know", "possibly", "perhaps", "yes",')
    )
    assert any('"yes" is also a phrase of answer "yes"' in p for p in found)
