"""The journal: where sessions, moods, notes, alerts and the audit trail are kept (see `base.Journal`).

`open_journal` imports the SQLite adapter lazily so that importing `ketavoice.journal.base` (as the pure
engine does) pulls in no threading or sqlite3.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketavoice.journal.sqlite import SqliteJournal

DB_NAME = "journal.sqlite3"


def journal_path(home: Path | None = None) -> Path:
    """Where the journal file lives: HOME/journal.sqlite3 (HOME defaults to `paths.data_home()`)."""
    from ketavoice.paths import data_home

    return (home if home is not None else data_home()) / DB_NAME


def open_journal(home: Path | None = None, *, readonly: bool = False) -> SqliteJournal:
    """Open (creating if needed, 0700/0600) the SQLite journal under `home`.

    `readonly=True` opens an existing journal for reading only and changes nothing on disk.
    """
    from ketavoice.journal.sqlite import SqliteJournal

    return SqliteJournal(journal_path(home), readonly=readonly)
