"""`ketavoice chat` and `ketavoice checkin`: the dialogue on stdin/stdout, one patient line per input line.

A blank line counts as silence. End of input keeps everything confirmed (an unconfirmed note becomes a
draft) and exits 0, or 1 when an alert could not be saved here or delivered to a configured clinic store
(said on stderr). Input bytes that are not UTF-8 become U+FFFD and overlong lines are cut
(`frontends.lines`), so no input can crash the session and lose the note being read back. Lines are
read on a thread (`frontends.inbox`) so that, with a clinic store, the station's acknowledgement of an
alert raised here ends the room's hold while the session runs, without waiting for another line.
"""

from __future__ import annotations

import argparse

NAMES = ("chat", "checkin")
HELP = "Run the dialogue on stdin/stdout (checkin: the short between-session check-in)."


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--patient", default="default", help="patient id (default: %(default)s)")
    parser.add_argument("--jsonl", action="store_true", help="print every engine action as one JSON line")
    parser.add_argument("--content", default=None, help="path to a content.toml")
    parser.add_argument(
        "--kiosk", action="store_true", help="clinic rules: alert staff on unanswered check-ins"
    )
    if name == "chat":
        parser.add_argument("--dialogue", default=None, help="dialogue name (default: the content's default)")
    parser.set_defaults(dialogue_default="checkin" if name == "checkin" else None)


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from ketavoice.clinic.background import background_sync
    from ketavoice.content import load_content
    from ketavoice.frontends.inbox import LineInbox
    from ketavoice.frontends.text import TextFrontEnd
    from ketavoice.journal import open_journal

    content = load_content(Path(args.content) if args.content else None)
    dialogue = getattr(args, "dialogue", None) or args.dialogue_default
    with open_journal() as journal, background_sync(journal.path) as link:
        inbox = LineInbox(sys.stdin.buffer)
        front = TextFrontEnd(
            content,
            journal,
            patient_id=args.patient,
            dialogue=dialogue,
            jsonl=args.jsonl,
            kiosk=args.kiosk,
            out=sys.stdout,
            link=link,
            wake=inbox.wake,
        )
        front.run(inbox)
    # An alert not saved here or not delivered to the store is a failure, said on stderr at exit.
    return 1 if link.problems() else 0
