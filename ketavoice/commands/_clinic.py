"""Options shared by the commands that talk to the clinic store (not a command: the `_` hides it)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketavoice.clinic.config import ClinicConfig


def add_clinic_arguments(parser: argparse.ArgumentParser, *, room: bool = True) -> None:
    parser.add_argument("--database-url", default=None, metavar="URL",
                        help="the clinic store (default: $KETAVOICE_DATABASE_URL); omit to work alone")
    if room:
        parser.add_argument("--room", default=None,
                            help="this machine's room name (default: $KETAVOICE_ROOM)")


def config_from(args: argparse.Namespace) -> ClinicConfig | None:
    from ketavoice.clinic.config import clinic_config

    room = getattr(args, "room", None)
    return clinic_config(getattr(args, "database_url", None), room if isinstance(room, str) else None)


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
