"""Finding, verifying and installing Vosk models. Only `download` ever touches the network.

Search order: `--model PATH`, `$KETAVOICE_MODEL`, the repository's `models/` folder, Vosk's own cache
folders. A folder is a usable model when it has Vosk's layout: am/final.mdl, conf/, and a graph
(graph/HCLG.fst, graph/HCLr.fst + graph/Gr.fst, or HCLG.fst at the top).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ketavoice

MODEL_ENV = "KETAVOICE_MODEL"
VOSK_MODEL_LIST_URL = "https://alphacephei.com/vosk/models/model-list.json"


@dataclass(frozen=True)
class ModelInfo:
    """A candidate model folder, where it was found, and what is wrong with it (empty = usable)."""

    path: Path
    source: str
    problems: tuple[str, ...]

    @property
    def usable(self) -> bool:
        return not self.problems


def repo_models_dir() -> Path:
    """The `models/` folder at the repository root (beside the `ketavoice` package)."""
    return Path(ketavoice.__file__).resolve().parent.parent / "models"


def vosk_cache_dirs() -> tuple[Path, ...]:
    """Folders where Vosk itself keeps models (its `MODEL_DIRS`), without importing vosk."""
    dirs = [Path.home() / ".cache" / "vosk", Path("/usr/share/vosk"), Path("/usr/local/share/vosk")]
    explicit = os.environ.get("VOSK_MODEL_PATH")
    if explicit:
        dirs.insert(0, Path(explicit))
    local = os.environ.get("LOCALAPPDATA")
    if local:
        dirs.append(Path(local) / "vosk")
    return tuple(dirs)


def verify_model(path: Path) -> tuple[str, ...]:
    """Every reason `path` is not a usable Vosk model folder (empty when it is usable)."""
    if not path.exists():
        return (f"{path} does not exist",)
    if not path.is_dir():
        return (f"{path} is not a folder",)
    problems: list[str] = []
    final_mdl = path / "am" / "final.mdl"
    if not final_mdl.is_file():
        problems.append("missing am/final.mdl")
    elif final_mdl.stat().st_size < 1024:
        problems.append("am/final.mdl is too small to be a model (truncated?)")
    if not (path / "conf").is_dir():
        problems.append("missing conf/")
    elif not ((path / "conf" / "mfcc.conf").is_file() or (path / "conf" / "model.conf").is_file()):
        problems.append("conf/ has neither mfcc.conf nor model.conf")
    graph = path / "graph"
    has_graph = (
        (graph / "HCLG.fst").is_file()
        or ((graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file())
        or (path / "HCLG.fst").is_file()
    )
    if not has_graph:
        problems.append("missing a decoding graph (graph/HCLG.fst, or graph/HCLr.fst + graph/Gr.fst)")
    return tuple(problems)


def _folders(base: Path) -> Iterator[Path]:
    if not base.is_dir():
        return
    if (base / "am").is_dir():
        yield base
        return
    for child in sorted(base.iterdir()):
        if child.is_dir() and not child.name.startswith("."):
            yield child


def candidate_models(explicit: Path | None = None) -> list[ModelInfo]:
    """Every model folder found, in search order, each with its problems."""
    found: list[ModelInfo] = []
    if explicit is not None:
        found.append(ModelInfo(explicit, "--model", verify_model(explicit)))
    env_value = os.environ.get(MODEL_ENV)
    if env_value:
        env_path = Path(env_value).expanduser()
        found.append(ModelInfo(env_path, f"${MODEL_ENV}", verify_model(env_path)))
    for folder in _folders(repo_models_dir()):
        found.append(ModelInfo(folder, "models/", verify_model(folder)))
    for cache in vosk_cache_dirs():
        for folder in _folders(cache):
            found.append(ModelInfo(folder, f"vosk cache {cache}", verify_model(folder)))
    return found


def choose_model(explicit: Path | None = None) -> tuple[ModelInfo | None, list[str]]:
    """The first usable model and notes about the unusable ones found before it (for the user)."""
    notes: list[str] = []
    for info in candidate_models(explicit):
        if info.usable:
            return info, notes
        notes.append(f"Vosk model {info.path} ({info.source}) is not usable: {'; '.join(info.problems)}")
    return None, notes
