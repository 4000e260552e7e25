"""Turn sqlite3 and OS failures into `JournalError`s whose messages never carry patient text.

sqlite3's own messages can quote values (constraint failures, bad SQL), so only the error *name* and our
own wording reach the user.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from ketavoice.errors import JournalCorrupt, JournalError, JournalReadOnly

RESTORE_HINT = "move it aside (do not delete it) and restore the journal from backup"
FULL_ADVICE = "Free some space (or lift the file size limit) and try again."
READ_ONLY_ADVICE = "`ketavoice notes` can still read it."
LOCK_SECONDS = 5
LOW_SPACE_BYTES = 1024 * 1024

# Primary result codes (the low byte of an extended code).
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_CONSTRAINT = 19
SQLITE_NOTADB = 26
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_PERM = 3


def primary_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def is_busy(error: sqlite3.Error) -> bool:
    return primary_code(error) in (SQLITE_BUSY, SQLITE_LOCKED) or "locked" in str(error)


def is_corruption(error: sqlite3.Error) -> bool:
    code = primary_code(error)
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return True
    text = str(error)
    return "malformed" in text or "not a database" in text


def translate(error: sqlite3.Error, what: str, where: str) -> JournalError:
    """A JournalError for a failed `what` (e.g. "save the note") on the journal at `where`.

    Each cause gets its own message and advice; only real damage says to restore from backup, so a full
    disk or a lock never leads a clinic to swap a sound journal for an older copy.
    """
    code = primary_code(error)
    name = getattr(error, "sqlite_errorname", None) or type(error).__name__
    if is_corruption(error):
        return JournalCorrupt(
            f"the journal {where} is damaged or not a database ({name}); could not {what}. "
            f"Nothing more will be written to it: {RESTORE_HINT}."
        )
    if code == SQLITE_FULL or (code == SQLITE_IOERR and disk_full_suspected(where)):
        return JournalError(
            f"the disk is full: could not {what} in the journal {where} ({name}); nothing was half-written "
            f"and the journal is not damaged. {FULL_ADVICE}"
        )
    if code == SQLITE_IOERR:
        return JournalError(
            f"the disk reported an input/output error: could not {what} in the journal {where} ({name}); "
            "nothing was half-written. Check the disk (and the system log), then try again."
        )
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return JournalError(
            f"the journal {where} stayed locked by another program for more than {LOCK_SECONDS} s: could "
            f"not {what}. The journal is not damaged: close the other ketavoice using it, then try again."
        )
    if code in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN):
        if read_only_file_system(where):
            return JournalReadOnly(
                f"the journal {where} is on a read-only file system ({name}): could not {what}. Nothing was "
                f"changed. {READ_ONLY_ADVICE}"
            )
        if code == SQLITE_READONLY:
            return JournalReadOnly(
                f"the journal {where} cannot be written ({name}): its file or folder is read-only; could not "
                f"{what}. Nothing was changed. {READ_ONLY_ADVICE}"
            )
        return JournalReadOnly(
            f"the journal {where} could not be opened for writing ({name}), permission denied or a missing "
            f"folder: could not {what}. Check that its folder exists and that this user may write there. "
            f"{READ_ONLY_ADVICE}"
        )
    if code == SQLITE_CONSTRAINT:
        return JournalError(f"could not {what}: it refers to a record the journal does not have ({name}).")
    return JournalError(f"could not {what} in the journal {where} ({name}).")


def describe_os_error(error: OSError) -> str:
    """A plain-words cause for an OS error, without quoting anything but the error's own name."""
    number = error.errno or 0
    if number in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if number == errno.EFBIG:
        return "a file size limit was reached (the disk is full for this program)"
    if number == errno.EROFS:
        return "the file system is read-only"
    if number in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if number == errno.EIO:
        return "the disk reported an input/output error"
    if number == errno.ELOOP:
        return "it is a symbolic link, which ketavoice does not follow"
    name = errno.errorcode.get(number, type(error).__name__)
    return f"{name}: {error.strerror or 'OS error'}"


def translate_os(error: OSError, what: str, where: str) -> JournalError:
    """A JournalError for a failed file operation (WAV writing, folder creation, opening the journal)."""
    number = error.errno or 0
    if number in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return JournalError(
            f"{describe_os_error(error)}: could not {what} under {where}; nothing was half-written. "
            f"{FULL_ADVICE}"
        )
    if number in (errno.EROFS, errno.EACCES, errno.EPERM):
        return JournalReadOnly(
            f"could not {what} under {where}: {describe_os_error(error)}. Nothing was changed. "
            f"{READ_ONLY_ADVICE}"
        )
    return JournalError(f"could not {what} under {where} ({describe_os_error(error)}).")


def disk_full_suspected(where: str) -> bool:
    """True when the file system holding `where` is (nearly) full or a file size limit is in force.

    SQLite reports a full disk met while sizing its shared-memory file as SQLITE_IOERR_SHMSIZE (or other
    IOERR codes), not SQLITE_FULL, so the free space is looked at directly.
    """
    limit = _file_size_limit()
    if limit is not None:
        return True
    path = Path(where)
    for candidate in (path, path.parent):
        try:
            stats = os.statvfs(candidate)
        except OSError:
            continue
        return stats.f_bavail * stats.f_frsize < LOW_SPACE_BYTES
    return False


def read_only_file_system(where: str) -> bool:
    """True when the file system holding `where` is mounted read-only."""
    path = Path(where)
    for candidate in (path, path.parent):
        try:
            return bool(os.statvfs(candidate).f_flag & os.ST_RDONLY)
        except OSError:
            continue
    return False


def _file_size_limit() -> int | None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    return None if soft == resource.RLIM_INFINITY else int(soft)
