"""Look at a journal file without changing a byte of it, its `-wal` or its `-shm`.

A file ketavoice refuses (damaged, foreign, empty, a symlink, a folder) must be left exactly as found:
it may be the only evidence of what was saved. So it is first looked at through its header (plain reads),
then through a read-only SQLite connection that cannot checkpoint, delete or rebuild the side files:

- with a `-shm` present: `mode=ro&readonly_shm=1` (the wal-index is read, never written);
- with no `-wal` (nothing beyond the main file): `mode=ro&immutable=1` (no locks, no side files at all);
- otherwise (a `-wal` and no `-shm`), or when the first way fails for a reason other than damage: the main
  file and its `-wal` are copied into a private temporary folder and the copy is opened.
The same read-only connections let `ketavoice notes` read a journal on read-only media.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ketavoice.errors import JournalCorrupt, JournalError
from ketavoice.journal.sqlerrors import (
    RESTORE_HINT,
    describe_os_error,
    is_corruption,
    translate,
    translate_os,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 100
BUSY_TIMEOUT_SECONDS = 5.0


def check_file(path: Path) -> os.stat_result:
    """Refuse, without opening it as a database, a journal path that is not a plain non-empty SQLite file.

    FileNotFoundError passes through (the caller decides whether to create one).
    """
    where = str(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise translate_os(error, "look at the journal", where) from None
    if stat.S_ISLNK(info.st_mode):
        raise JournalCorrupt(
            f"{where} is a symbolic link; ketavoice does not follow a link for its journal and will not "
            "touch it or its target: replace the link with the journal file itself, or point "
            "KETAVOICE_HOME at the folder that holds it."
        )
    if not stat.S_ISREG(info.st_mode):
        raise JournalCorrupt(
            f"{where} is not a file (a folder or a device); ketavoice will not touch it: move it aside."
        )
    if info.st_size == 0:
        raise JournalCorrupt(
            f"{where} is empty (0 bytes). ketavoice never leaves an empty journal (a new one is written "
            "whole before it gets this name), so a copy or restore went wrong; ketavoice will not touch it: "
            f"{RESTORE_HINT}, or delete it if it never held anything."
        )
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        try:
            header = os.read(fd, HEADER_BYTES)
        finally:
            os.close(fd)
    except OSError as error:
        raise translate_os(error, "read the journal", where) from None
    if len(header) < HEADER_BYTES or not header.startswith(SQLITE_MAGIC):
        raise JournalCorrupt(
            f"{where} is damaged or not a SQLite database (its header is wrong); ketavoice will not touch "
            f"it: {RESTORE_HINT}."
        )
    return info


def damaged(where: str, error: sqlite3.Error) -> JournalCorrupt:
    """The refusal for a file SQLite itself calls damaged or not a database."""
    return JournalCorrupt(
        f"{where} is damaged or not a SQLite database ({getattr(error, 'sqlite_errorname', 'error')}); "
        f"ketavoice will not touch it: {RESTORE_HINT}."
    )


@dataclass
class ReadOnlyConnection:
    """A read-only connection to a journal, and what to clean up once it is closed."""

    conn: sqlite3.Connection
    cleanup: Callable[[], None]

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            self.cleanup()


def _uri(path: Path, options: str) -> str:
    return f"file:{quote(str(path.resolve()))}?{options}"


def _connect(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                           timeout=BUSY_TIMEOUT_SECONDS)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads page 1 now: errors surface here
    except BaseException:
        conn.close()
        raise
    return conn


def _nothing() -> None:
    return None


def open_read_only(path: Path) -> ReadOnlyConnection:
    """A connection that sees everything saved in `path` (its `-wal` included) and writes nothing there."""
    where = str(path)
    wal = Path(f"{path}-wal")
    shm = Path(f"{path}-shm")
    wal_has_pages = wal.exists() and wal.stat().st_size > 0
    first_error: sqlite3.Error | None = None
    if shm.exists() or not wal_has_pages:
        options = "mode=ro&readonly_shm=1" if shm.exists() else "mode=ro&immutable=1"
        try:
            return ReadOnlyConnection(_connect(_uri(path, options)), _nothing)
        except sqlite3.Error as error:
            if is_corruption(error):
                raise damaged(where, error) from None
            first_error = error
    return _open_copy(path, wal if wal_has_pages else None, first_error)


def _open_copy(path: Path, wal: Path | None, first_error: sqlite3.Error | None) -> ReadOnlyConnection:
    where = str(path)
    folder = tempfile.mkdtemp(prefix="ketavoice-probe-")
    os.chmod(folder, 0o700)

    def cleanup() -> None:
        shutil.rmtree(folder, ignore_errors=True)

    try:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        if wal is not None:
            shutil.copyfile(wal, Path(f"{copy}-wal"))
        return ReadOnlyConnection(_connect(_uri(copy, "mode=ro")), cleanup)
    except sqlite3.Error as error:
        cleanup()
        if is_corruption(error):
            raise damaged(where, error) from None
        raise translate(first_error or error, "read it", where) from None
    except OSError as error:
        cleanup()
        if first_error is not None:
            raise translate(first_error, "read it", where) from None
        raise JournalError(
            f"could not read the journal {where}: copying it aside to look at it failed "
            f"({describe_os_error(error)}). The journal was not changed."
        ) from None
    except BaseException:
        cleanup()
        raise


def close_quietly(conn: ReadOnlyConnection) -> None:
    with contextlib.suppress(sqlite3.Error, OSError):
        conn.close()
