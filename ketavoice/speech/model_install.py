"""Installing a Vosk model from a ZIP safely, and `model download` (the only network code path).

A ZIP is checked before anything is written: no absolute paths, no `..`, no symbolic links, no devices.
It is unpacked into a temporary folder beside the target, its layout verified, then renamed into place,
so a bad archive never leaves a half-installed model behind.
"""

from __future__ import annotations

import json
import shutil
import stat
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

from ketavoice.errors import ModelError
from ketavoice.speech.models import VOSK_MODEL_LIST_URL, repo_models_dir, verify_model


def _check_member(info: zipfile.ZipInfo) -> None:
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ModelError(f"refusing ZIP: absolute path {info.filename!r}")
    if ".." in path.parts:
        raise ModelError(f"refusing ZIP: path escapes the folder {info.filename!r}")
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        raise ModelError(f"refusing ZIP: {info.filename!r} is a link or special file")


def _model_root(unpacked: Path) -> Path:
    if (unpacked / "am").is_dir():
        return unpacked
    children = [child for child in unpacked.iterdir() if not child.name.startswith(("__MACOSX", "."))]
    if len(children) == 1 and children[0].is_dir():
        return children[0]
    return unpacked


def install_zip(archive: Path, *, models_dir: Path | None = None, force: bool = False,
                name: str | None = None) -> Path:
    """Unpack `archive` into `models_dir` (default: the repo's models/) and return the model folder."""
    target_dir = models_dir or repo_models_dir()
    try:
        bundle = zipfile.ZipFile(archive)
    except FileNotFoundError as error:
        raise ModelError(f"{archive}: no such file") from error
    except (zipfile.BadZipFile, OSError) as error:
        raise ModelError(f"{archive}: not a readable ZIP file ({error})") from error
    with bundle:
        members = bundle.infolist()
        if not members:
            raise ModelError(f"{archive}: the ZIP is empty")
        for member in members:
            _check_member(member)
        target_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".install-", dir=target_dir) as scratch:
            unpacked = Path(scratch) / "unpacked"
            try:
                bundle.extractall(unpacked)
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise ModelError(f"{archive}: the ZIP is damaged ({error})") from error
            root = _model_root(unpacked)
            problems = verify_model(root)
            if problems:
                raise ModelError(f"{archive} is not a Vosk model: {'; '.join(problems)}")
            folder_name = name or (root.name if root != unpacked else archive.stem)
            destination = target_dir / folder_name
            if destination.exists():
                if not force:
                    raise ModelError(f"{destination} already exists; use --force to replace it")
                shutil.rmtree(destination)
            root.rename(destination)
    return destination


def download_model(name: str, *, models_dir: Path | None = None, force: bool = False,
                   timeout: float = 30.0, list_url: str = VOSK_MODEL_LIST_URL) -> Path:
    """Download the Vosk model `name` from Vosk's model list and install it. Needs the network."""
    try:
        with urllib.request.urlopen(list_url, timeout=timeout) as response:
            listing = json.load(response)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise ModelError(
            f"cannot reach the Vosk model list at {list_url} ({error}); this machine looks offline. "
            "Copy a model ZIP here and run `ketavoice model install ZIP` instead."
        ) from error
    except ValueError as error:
        raise ModelError(f"the Vosk model list at {list_url} is not valid JSON") from error
    entries = [entry for entry in listing if isinstance(entry, dict) and entry.get("name") == name]
    if not entries:
        known = sorted(str(entry.get("name")) for entry in listing if isinstance(entry, dict))
        close = [model for model in known if name.lower() in model.lower()][:5]
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        raise ModelError(f"no Vosk model named {name!r} in the model list{hint}")
    url = str(entries[0].get("url", ""))
    if not url.startswith("https://"):
        raise ModelError(f"the model list gives no https URL for {name!r}")
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / f"{name}.zip"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(archive, "wb") as out:
                shutil.copyfileobj(response, out)
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise ModelError(f"downloading {url} failed ({error})") from error
        return install_zip(archive, models_dir=models_dir, force=force, name=name)
