"""Where ketavoice keeps its data, always owner-only."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "KETAVOICE_HOME"


def data_home() -> Path:
    """$KETAVOICE_HOME, else $XDG_DATA_HOME/ketavoice, else ~/.local/share/ketavoice."""
    explicit = os.environ.get(HOME_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "ketavoice"


def private_dir(path: Path) -> Path:
    """Create `path` (and parents we create) as 0700 and tighten it if it already exists.

    A folder already 0700 is left alone, so an existing home on a read-only medium is no error here.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.stat(path).st_mode & 0o777 != 0o700:
        os.chmod(path, 0o700)
    return path


def private_file_opener(path: str, flags: int) -> int:
    """An `open(..., opener=)` that creates files 0600 regardless of the umask."""
    return os.open(path, flags, 0o600)
