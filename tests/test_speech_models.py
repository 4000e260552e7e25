"""Model discovery, verification, safe ZIP install, offline download, and fallback to PocketSphinx."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from ketavoice.cli import main
from ketavoice.errors import ModelError
from ketavoice.speech.model_install import download_model, install_zip
from ketavoice.speech.models import MODEL_ENV, candidate_models, choose_model, verify_model
from ketavoice.speech.recognizers import make_recognizer
from tests.audio_fixtures import vosk_ko_model  # noqa: F401


def _layout(root: Path) -> Path:
    (root / "am").mkdir(parents=True)
    (root / "am" / "final.mdl").write_bytes(os.urandom(4096))
    (root / "conf").mkdir()
    (root / "conf" / "mfcc.conf").write_text("--sample-frequency=16000\n")
    (root / "graph").mkdir()
    (root / "graph" / "HCLG.fst").write_bytes(os.urandom(2048))
    return root


def _zip_of(folder: Path, archive: Path, prefix: str) -> Path:
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                bundle.write(path, f"{prefix}/{path.relative_to(folder)}")
    return archive


def test_verify_names_every_missing_piece(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    problems = verify_model(tmp_path / "m")
    assert any("am/final.mdl" in p for p in problems)
    assert any("conf/" in p for p in problems)
    assert any("graph" in p for p in problems)
    assert verify_model(_layout(tmp_path / "good")) == ()


def test_the_real_korean_model_verifies(vosk_ko_model: Path) -> None:  # noqa: F811
    assert verify_model(vosk_ko_model) == ()


def test_env_model_is_found_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vosk_ko_model: Path  # noqa: F811
) -> None:
    monkeypatch.setenv(MODEL_ENV, str(vosk_ko_model))
    broken = tmp_path / "broken"
    broken.mkdir()
    found = candidate_models(broken)
    assert [info.source for info in found[:2]] == ["--model", f"${MODEL_ENV}"]
    chosen, notes = choose_model(broken)
    assert chosen is not None and chosen.path == vosk_ko_model
    assert "not usable" in notes[0]


def test_install_unpacks_verifies_and_refuses_overwrite(tmp_path: Path) -> None:
    archive = _zip_of(_layout(tmp_path / "src"), tmp_path / "m.zip", "vosk-model-test")
    models = tmp_path / "models"
    installed = install_zip(archive, models_dir=models)
    assert installed == models / "vosk-model-test" and verify_model(installed) == ()
    with pytest.raises(ModelError, match="already exists; use --force"):
        install_zip(archive, models_dir=models)
    assert install_zip(archive, models_dir=models, force=True) == installed
    assert [p.name for p in models.iterdir()] == ["vosk-model-test"]  # no scratch folders left


@pytest.mark.parametrize("bad_name", ["/etc/evil", "../escape/am/final.mdl", "m/../../x"])
def test_install_refuses_path_escapes(tmp_path: Path, bad_name: str) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("m/am/final.mdl", b"x" * 2000)
        bundle.writestr(bad_name, b"x")
    with pytest.raises(ModelError, match="refusing ZIP"):
        install_zip(archive, models_dir=tmp_path / "models")
    assert not (tmp_path / "models").exists()
    assert not (tmp_path / "escape").exists()


def test_install_refuses_symlinks(tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        link = zipfile.ZipInfo("m/am/final.mdl")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        bundle.writestr(link, "/etc/passwd")
    with pytest.raises(ModelError, match="link or special file"):
        install_zip(archive, models_dir=tmp_path / "models")


def test_install_refuses_non_models_and_non_zips(tmp_path: Path) -> None:
    archive = tmp_path / "notmodel.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("readme.txt", "hello")
    with pytest.raises(ModelError, match="is not a Vosk model: missing am/final.mdl"):
        install_zip(archive, models_dir=tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ModelError, match="not a readable ZIP"):
        install_zip(junk, models_dir=tmp_path / "models")


def test_download_offline_fails_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="looks offline"):
        download_model("vosk-model-small-en-us-0.15", models_dir=tmp_path, timeout=2,
                       list_url="http://127.0.0.1:9/model-list.json")


def test_corrupt_vosk_model_falls_back_to_pocketsphinx_and_says_so(tmp_path: Path) -> None:
    choice = make_recognizer("auto", _layout(tmp_path / "corrupt"))
    assert choice.recognizer.backend == "pocketsphinx"
    assert any("could not load" in note for note in choice.notes)
    assert choice.notes[-1] == "using PocketSphinx's bundled English model instead"


def test_missing_model_falls_back(tmp_path: Path) -> None:
    choice = make_recognizer("vosk", tmp_path / "nothing-here")
    assert choice.recognizer.backend == "pocketsphinx"
    assert any("does not exist" in note for note in choice.notes)


def test_model_cli_list_install_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       vosk_ko_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    archive = _zip_of(_layout(tmp_path / "src"), tmp_path / "m.zip", "vosk-model-cli")
    assert main(["model", "install", str(archive), "--dest", str(tmp_path / "models")]) == 0
    assert "Installed" in capsys.readouterr().out
    assert main(["model", "install", str(archive), "--dest", str(tmp_path / "models")]) == 1
    assert "--force" in capsys.readouterr().err
    # layout ok, but random bytes are not loadable
    assert main(["model", "verify", str(tmp_path / "models" / "vosk-model-cli")]) == 1
    assert "loading failed" in capsys.readouterr().out
    assert main(["model", "verify", str(vosk_ko_model)]) == 0
    monkeypatch.setenv(MODEL_ENV, str(vosk_ko_model))
    assert main(["model", "list"]) == 0
    out = capsys.readouterr().out
    assert f"* {vosk_ko_model}" in out and "Using: Vosk model" in out
