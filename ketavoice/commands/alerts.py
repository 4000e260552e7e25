"""`ketavoice alerts`: staff alerts for scripts and checks; `ketavoice alerts ack ID --by NAME`.

From the clinic store when one is configured (every room; ids are clinic-wide), else from this machine's
journal. Acknowledging needs the staff PIN set with `kiosk set-pin` on this machine, read from stdin;
every attempt and every acknowledgement is audited.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ketavoice.commands._clinic import add_clinic_arguments, config_from, report_refused

if TYPE_CHECKING:
    from ketavoice.clinic.config import ClinicConfig

NAMES = ("alerts",)
HELP = "List staff alerts (--open, --room R, --json), or acknowledge one: alerts ack ID --by NAME."
FIELDS = ("id", "room", "patient", "level", "certainty", "text", "created_at", "acknowledged_at",
          "acknowledged_by")
MAX_STAFF_NAME = 60


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("action", nargs="?", choices=("list", "ack"), default="list",
                        help="list alerts (default) or acknowledge one")
    parser.add_argument("alert_id", nargs="?", type=int, metavar="ID", help="ack: the alert's id")
    parser.add_argument("--by", default=None, metavar="NAME", help="ack: the staff member's name")
    parser.add_argument("--open", action="store_true", help="only alerts not yet acknowledged")
    parser.add_argument("--room", dest="room_filter", default=None, metavar="R", help="only this room")
    parser.add_argument("--json", action="store_true", help="print one JSON list of objects")
    add_clinic_arguments(parser, room=False)


def run(args: argparse.Namespace) -> int:
    if args.action == "ack":
        return _acknowledge(args)
    import json
    import sys

    rows = _rows(args)
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(format_table(rows))
    report_refused(("alert",))
    return 0


def _rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    from ketavoice.journal import journal_path, open_journal

    config = config_from(args)
    room_filter: str | None = args.room_filter
    if config is not None:
        from ketavoice.clinic.pgstore import ClinicStore

        with ClinicStore(config) as store:
            alerts = store.alerts(open_only=args.open, room=room_filter)
        return [_row(a.id, a.room, a.patient, a.level, a.certainty, a.text, a.created_at,
                     a.acknowledged_at, a.acknowledged_by, words=a.words) for a in alerts]
    if not journal_path().exists():
        return []
    with open_journal() as journal:
        found = journal.alerts_with_rooms(open_only=args.open)
    return [_row(a.id, room, a.patient_id, a.level, a.certainty, a.text, a.created_at, a.acknowledged_at,
                 a.acknowledged_by) for a, room in found if room_filter is None or room == room_filter]


def _row(alert_id: int, room: str, patient: str, level: str, certainty: str, text: str, created: float,
         acked: float | None, acked_by: str | None, words: str | None = None) -> dict[str, Any]:
    from ketavoice.journal.export import iso_time

    row: dict[str, Any] = {
        "id": alert_id, "room": room, "patient": patient, "level": level, "certainty": certainty,
        "text": text, "created_at": iso_time(created),
        "acknowledged_at": iso_time(acked) if acked is not None else None, "acknowledged_by": acked_by,
    }
    if words is not None:
        row["words"] = words
    return row


def format_table(rows: list[dict[str, Any]]) -> str:
    """The human-readable list; every stored value passes through `terminal.safe_line` (patient ids,
    rooms, words and staff names come from outside and may hold escape sequences or line breaks)."""
    from ketavoice.terminal import safe_line

    if not rows:
        return "No alerts.\n"
    lines = []
    for row in rows:
        when = safe_line(row["created_at"]).replace("T", " ")[:16]
        state = f"acknowledged by {safe_line(row['acknowledged_by'])}" if row["acknowledged_at"] else "OPEN"
        room, patient = safe_line(row["room"]) or "-", safe_line(row["patient"])
        lines.append(f"#{safe_line(row['id']):<5} {when}  room {room:<10} patient {patient:<12} "
                     f"{safe_line(row['level']).upper()} ({safe_line(row['certainty'])})  {state}\n"
                     f"        {safe_line(row['text'])}")
    return "\n".join(lines) + "\n"


def _acknowledge(args: argparse.Namespace) -> int:
    import sys
    import time

    from ketavoice.commands._args import UsageError
    from ketavoice.errors import JournalError, KioskError
    from ketavoice.paths import data_home
    from ketavoice.tui.pin import PinStore

    if args.alert_id is None:
        raise UsageError("alerts ack needs the alert's ID (see `ketavoice alerts --open`)")
    staff = " ".join((args.by or "").split())
    if not staff or len(staff) > MAX_STAFF_NAME or not staff.isprintable():
        raise UsageError(f"alerts ack needs --by NAME: the staff member's name (1 to {MAX_STAFF_NAME} "
                         "printable characters)")
    home = data_home()
    pins = PinStore(home)
    if not pins.is_set():
        raise KioskError("no staff PIN is set on this machine: run `ketavoice kiosk set-pin` first")
    pin = sys.stdin.readline().strip()
    check = pins.check(pin)
    config = config_from(args)
    _audit_local(f"pin_{'ok' if check.ok else 'throttled' if check.throttled else 'failed'}",
                 f"alerts ack {args.alert_id} by {staff}: PIN "
                 f"{'accepted' if check.ok else 'refused'}", time.time())
    if check.throttled:
        raise KioskError(f"too many wrong PINs: wait {check.wait_text} and try again")
    if not check.ok:
        raise KioskError("wrong staff PIN; the alert was not acknowledged")
    if config is not None:
        return _ack_in_store(config, args.alert_id, staff)
    from ketavoice.journal import journal_path, open_journal

    if not journal_path().exists():
        raise JournalError(f"alert {args.alert_id} not found: this machine has no journal yet")
    with open_journal() as journal:
        known = {a.id: a for a, _ in journal.alerts_with_rooms()}
        alert = known.get(args.alert_id)
        if alert is None:
            raise JournalError(f"there is no alert {args.alert_id} in this machine's journal")
        if alert.acknowledged_at is not None:
            print(f"Alert {args.alert_id} was already acknowledged.")
            return 0
        journal.acknowledge_alert(args.alert_id, staff, time.time())
        journal.audit(alert.session_id, "staff", "acknowledge",
                      f"alert {args.alert_id} acknowledged by {staff} (command line)", time.time())
    print(f"Alert {args.alert_id} acknowledged by {staff}.")
    return 0


def _ack_in_store(config: ClinicConfig, alert_id: int, staff: str) -> int:
    from ketavoice.clinic.pgstore import ClinicStore
    from ketavoice.errors import ClinicError

    with ClinicStore(config) as store:
        outcome = store.acknowledge(alert_id, staff, via="cli")
    if outcome == "missing":
        raise ClinicError(f"there is no alert {alert_id} in the clinic store")
    if outcome == "already":
        print(f"Alert {alert_id} was already acknowledged.")
        return 0
    print(f"Alert {alert_id} acknowledged by {staff}; its room clears at its next sync.")
    return 0


def _audit_local(kind: str, text: str, now: float) -> None:
    from ketavoice.errors import KetavoiceError
    from ketavoice.journal import open_journal

    try:
        with open_journal() as journal:
            journal.audit(None, "staff", kind, text, now)
    except KetavoiceError:
        pass  # the store keeps its own audit of acknowledgements; a PIN attempt line is best effort
