"""`ketavoice station`: the nurse station, every room and every open alert, live from the clinic store.

Acknowledging needs the staff PIN set on this machine with `ketavoice kiosk set-pin`.
"""

from __future__ import annotations

import argparse

from ketavoice.commands._clinic import add_clinic_arguments, config_from

NAMES = ("station",)
HELP = "Open the nurse station: every room's status and open alerts, live from the clinic store."


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    add_clinic_arguments(parser, room=False)


def run(args: argparse.Namespace) -> int:
    import time

    from ketavoice.commands._args import UsageError
    from ketavoice.errors import KetavoiceError, KioskError
    from ketavoice.journal import open_journal
    from ketavoice.paths import data_home
    from ketavoice.tui.pin import PinStore
    from ketavoice.tui.station_app import StationApp

    config = config_from(args)
    if config is None:
        raise UsageError("the station needs the clinic store: set KETAVOICE_DATABASE_URL or pass "
                         "--database-url-file PATH")
    home = data_home()
    pins = PinStore(home)
    if not pins.is_set():
        raise KioskError("no staff PIN is set on this machine: run `ketavoice kiosk set-pin` first")

    def audit(kind: str, text: str) -> None:
        try:
            with open_journal(home) as journal:
                journal.audit(None, "staff", kind, text, time.time())
        except KetavoiceError:
            pass  # the store audits every acknowledgement itself; PIN attempt lines are best effort

    result = StationApp(config, pins, audit=audit).run()
    return int(result or 0)
