"""Options shared by the commands that talk to the clinic store (not a command: the `_` hides it)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketavoice.clinic.config import ClinicConfig


# `ps` shows every process's arguments to every user: a password there is a password given away.
URL_ON_COMMAND_LINE = (
    "--database-url is refused: a password on the command line is visible to every user in `ps`. "
    "Set KETAVOICE_DATABASE_URL, or pass --database-url-file PATH (a file only you can read, "
    "chmod 600), or use a libpq service: KETAVOICE_DATABASE_URL=service=NAME with the password in "
    "PGPASSFILE."
)


def add_clinic_arguments(parser: argparse.ArgumentParser, *, room: bool = True) -> None:
    parser.add_argument("--database-url", default=None, metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--database-url-file", default=None, metavar="PATH",
                        help="a file (mode 600) whose first line is the clinic store's connection string "
                             "(default: $KETAVOICE_DATABASE_URL_FILE, else $KETAVOICE_DATABASE_URL); "
                             "omit to work alone")
    if room:
        parser.add_argument("--room", default=None,
                            help="this machine's room name (default: $KETAVOICE_ROOM)")


def config_from(args: argparse.Namespace) -> ClinicConfig | None:
    from ketavoice.clinic.config import clinic_config
    from ketavoice.commands._args import UsageError

    if getattr(args, "database_url", None) is not None:
        raise UsageError(URL_ON_COMMAND_LINE)
    room = getattr(args, "room", None)
    url_file = getattr(args, "database_url_file", None)
    return clinic_config(room=room if isinstance(room, str) else None,
                         url_file=url_file if isinstance(url_file, str) else None)


def report_refused(kinds: tuple[str, ...] | None = None) -> None:
    """On stderr: records of this machine the clinic store refused (kept only here), by kind and id.
    Best effort and silent when there is no journal: this only adds to what the command shows."""
    import sys

    from ketavoice.clinic.outbox import Outbox
    from ketavoice.errors import KetavoiceError
    from ketavoice.journal import journal_path

    path = journal_path()
    if not path.is_file():
        return
    try:
        with Outbox(path) as outbox:
            refused = [r for r in outbox.refused() if kinds is None or r.kind in kinds]
    except KetavoiceError:
        return
    if refused:
        print(f"ketavoice: the clinic store refused {', '.join(str(r) for r in refused)}: kept only on this "
              "machine, the nurse station has not seen it.", file=sys.stderr)
