"""Fault-injection helpers: run ketavoice in a child with a full disk, without permissions, or read-only.

- `fsize`: RLIMIT_FSIZE in the child, so every write past that size fails with EFBIG: a full disk for
  that process, on any machine (Python ignores SIGXFSZ, so the write fails instead of killing it).
- `no_dac`: the child drops CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER and CAP_FSETID from its
  bounding set, so even as root it gets EACCES/EPERM on files it does not own: "permission denied" as
  a test running as root can have it.
- `small_tmpfs` / `remount_read_only`: a real small or read-only file system where `mount` is allowed.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import resource
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).parents[1]
PR_CAPBSET_DROP = 24
DAC_CAPABILITIES = (1, 2, 3, 4)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID


def child_env(home: Path) -> dict[str, str]:
    return {"KETAVOICE_HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO),
            "LANG": "C.UTF-8"}


def _preexec(fsize: int | None, no_dac: bool) -> Callable[[], None]:
    def setup() -> None:
        if no_dac:
            libc = ctypes.CDLL(None, use_errno=True)
            for cap in DAC_CAPABILITIES:
                if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return setup


def run_cli(home: Path, *args: str, stdin: str | bytes = b"", fsize: int | None = None,
            no_dac: bool = False, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m ketavoice ARGS` with KETAVOICE_HOME=home, stdout/stderr as text (invalid UTF-8 replaced)."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    result = subprocess.run([sys.executable, "-m", "ketavoice", *args], input=data, capture_output=True,
                            env=child_env(home), timeout=timeout, check=False,
                            preexec_fn=_preexec(fsize, no_dac))
    return subprocess.CompletedProcess(result.args, result.returncode,
                                       result.stdout.decode("utf-8", "replace"),
                                       result.stderr.decode("utf-8", "replace"))


def run_python(home: Path, code: str, *, fsize: int | None = None, no_dac: bool = False,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=child_env(home),
                          timeout=timeout, check=False, preexec_fn=_preexec(fsize, no_dac))


def snapshot(*paths: Path) -> dict[str, tuple[str, int] | None]:
    """sha256 and mode of each path and its -wal/-shm/-journal side files (None: absent); links not
    followed, but a link's target can be passed as a path of its own."""
    state: dict[str, tuple[str, int] | None] = {}
    for path in paths:
        for suffix in ("", "-wal", "-shm", "-journal"):
            side = Path(f"{path}{suffix}")
            if side.is_symlink():
                state[str(side)] = (f"link->{os.readlink(side)}", os.lstat(side).st_mode)
            elif side.is_file():
                state[str(side)] = (hashlib.sha256(side.read_bytes()).hexdigest(), side.stat().st_mode)
            elif side.is_dir():
                state[str(side)] = ("dir", side.stat().st_mode)
            else:
                state[str(side)] = None
    return state


def can_mount() -> bool:
    probe = Path(f"/tmp/ketavoice-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                                 capture_output=True, check=False).returncode == 0
        if mounted:
            subprocess.run(["umount", str(probe)], capture_output=True, check=False)
        return mounted
    except OSError:
        return False
    finally:
        probe.rmdir()


@contextmanager
def small_tmpfs(where: Path, size: str = "600k") -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount(where: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True)


def fill_disk(folder: Path) -> Path:
    """Write a filler file until the file system under `folder` is full; return it."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as handle:
        for chunk in (65536, 4096, 512, 1):
            try:
                while True:
                    handle.write(b"\0" * chunk)
            except OSError:
                continue
    return filler
