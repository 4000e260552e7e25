"""Turn sqlite3 and OS failures into `JournalError`s whose messages never carry patient text.

sqlite3's own messages can quote values (constraint failures, bad SQL), so only the error *name* and our
own wording reach the user.
"""

from __future__ import annotations

import errno
import sqlite3

from ketavoice.errors import JournalCorrupt, JournalError

RESTORE_HINT = "move it aside (do not delete it) and restore the journal from backup"

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
    """A JournalError for a failed `what` (e.g. "save the note") on the journal at `where`."""
    code = primary_code(error)
    name = getattr(error, "sqlite_errorname", None) or type(error).__name__
    if is_corruption(error):
        return JournalCorrupt(
            f"the journal {where} is damaged or not a database ({name}); could not {what}. "
            f"Nothing more will be written to it: {RESTORE_HINT}."
        )
    if code == SQLITE_FULL:
        return JournalError(
            f"the disk is full: could not {what} in the journal {where}; nothing was half-written. "
            "Free some space and try again."
        )
    if code == SQLITE_IOERR:
        return JournalError(
            f"could not {what}: writing the journal {where} failed ({name}), the disk may be full or "
            "failing; nothing was half-written. Check free space and the disk, then try again."
        )
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return JournalError(f"the journal {where} stayed locked by another program: could not {what}.")
    if code in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN):
        return JournalError(f"the journal {where} cannot be written ({name}): could not {what}.")
    if code == SQLITE_CONSTRAINT:
        return JournalError(f"could not {what}: it refers to a record the journal does not have ({name}).")
    return JournalError(f"could not {what} in the journal {where} ({name}).")


def translate_os(error: OSError, what: str, where: str) -> JournalError:
    """A JournalError for a failed file operation (WAV writing, folder creation)."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return JournalError(
            f"the disk is full: could not {what} under {where}; nothing was half-written. "
            "Free some space and try again."
        )
    name = errno.errorcode.get(error.errno or 0, type(error).__name__)
    return JournalError(f"could not {what} under {where} ({name}: {error.strerror or 'OS error'}).")
