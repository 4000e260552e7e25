""""Do you have someone to drive you home?" read by who takes the patient home (issue 18): their own way
or a plan not settled is never yes; someone named as taking them is yes without a yes word."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketavoice.content.model import Content
from ketavoice.understanding import understand
from tests.bench_loader import load_bench

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("my sister is picking me up", "yes"),
        ("my boyfriend's parked round the back", "yes"),
        ("the hubby", "yes"),
        ("i'm taking her home, i'm her son", "yes"),
        ("yes, I'll drive myself, it's not far", "no"),
        ("i'll take the train", "no"),
        ("it's just me today", "no"),
        ("my car's in the car park", "no"),
        ("he isn't coming", "no"),
        ("nobody is picking me up", "no"),
        ("my brother might be able to", "unsure"),
        ("i'll get a taxi", "unsure"),
        ("still waiting to hear from my wife", "unsure"),
        ("yes", "yes"),
        ("no", "no"),
    ],
)
def test_ride_home_answers(content: Content, text: str, intent: str) -> None:
    step = content.dialogue("post_session").step("ride_home")
    assert understand(content, text, step).intent == intent, text


def test_ride_home_dev_figures() -> None:
    figures = load_bench("run_yes_no").figures(ROOT / "tests" / "data" / "eval_v3")
    for name in ("ride_home", "ride_home_E"):
        assert figures[name]["no_or_unsure_read_as_yes"] == 0, name
        assert figures[name]["exact_rate"] >= 0.93, name
    for name in ("drive_teachback", "drive_teachback_E"):
        assert figures[name]["wrong_accepted_as_right"] == 0, name
