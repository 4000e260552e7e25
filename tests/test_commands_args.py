"""`--dialogue`/`--step` resolved once for every command: unknown names are a clear usage error (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ketavoice.cli import main
from ketavoice.commands._args import UsageError, selected_step
from ketavoice.content import load_content


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETAVOICE_HOME", str(tmp_path / "home"))


def test_selected_step_defaults_to_the_content_dialogue() -> None:
    content = load_content()
    first = content.dialogue(content.default_dialogue).steps[0]
    assert selected_step(content, None, None) is None
    assert selected_step(content, None, first.id) is first
    with pytest.raises(UsageError, match=r"no step 'nope' in dialogue .*\(steps: "):
        selected_step(content, None, "nope")
    with pytest.raises(UsageError, match=r"no dialogue 'nod' \(dialogues: "):
        selected_step(content, "nod", first.id)


def test_understand_unknown_step_or_dialogue_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["understand", "yes", "--step", "nope"]) == 2
    assert "no step 'nope'" in capsys.readouterr().err
    assert main(["understand", "yes", "--dialogue", "nod", "--step", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no dialogue 'nod'" in err and "Traceback" not in err


def test_understand_with_a_known_step_still_answers(capsys: pytest.CaptureFixture[str]) -> None:
    content = load_content()
    step = next(s for s in content.dialogue(content.default_dialogue).steps if s.kind == "yes_no")
    assert main(["understand", "yes", "--step", step.id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["intent"] == "yes"
