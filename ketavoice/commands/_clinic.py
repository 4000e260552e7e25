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
