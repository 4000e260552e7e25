"""The screening-answer benchmark on the development sets (tests/data/eval_v3/, independent writers)
stays at or above the figures reached when `ketavoice/screening/frequency.py` and `yes_no.py` were
written (bench/run_screening_answers.py; the held-out figures are in the README, never asserted here)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.bench_loader import load_bench

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "tests" / "data" / "eval_v3"


def _bench() -> ModuleType:
    return load_bench("run_screening_answers")


@pytest.fixture(scope="module")
def dev() -> dict[str, dict[str, object]]:
    if not (DEV / "frequency.tsv").exists() or not (DEV / "asq.tsv").exists():
        pytest.fail("the development sets tests/data/eval_v3/frequency.tsv and asq.tsv are missing")
    figures: dict[str, dict[str, object]] = _bench().set_figures(DEV)
    return figures


def test_frequency_dev_figures(dev: dict[str, dict[str, object]]) -> None:
    frequency = dev["frequency"]
    assert frequency["clear"] == 220 and frequency["unclear"] == 80
    assert frequency["clear_wrong"] == 0
    # "sometimes" is several days (as the clinical review reads it); this writer had it unclear
    assert float(str(frequency["clear_right_pct"])) >= 99.5
    assert float(str(frequency["unclear_asked_again_pct"])) >= 98.7


def test_frequency_dev_figures_second_writer(dev: dict[str, dict[str, object]]) -> None:
    frequency = dev["frequency_E"]
    assert frequency["clear"] == 212 and frequency["unclear"] == 67
    assert frequency["clear_wrong"] == 0
    assert float(str(frequency["clear_right_pct"])) >= 97.1
    assert float(str(frequency["unclear_asked_again_pct"])) >= 97.0


def test_asq_dev_figures(dev: dict[str, dict[str, object]]) -> None:
    asq = dev["asq"]
    assert asq["clear_wrong"] == 0 and asq["unsafe"] == 0 and asq["false_positive"] == 0
    assert float(str(asq["clear_right_pct"])) >= 99.3
    assert float(str(asq["unclear_asked_again_pct"])) >= 100.0
