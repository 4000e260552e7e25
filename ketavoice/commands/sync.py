"""`ketavoice sync`: deliver this machine's pending records to the clinic store now, and pull back
acknowledgements. Exit 0 when everything is delivered; 1 with a clear message when the store can't be
reached (nothing is lost: the records stay queued in the journal), when it answered but refused the
records, or when it refused a record in this pass (that record is set aside, kept only in the journal and
named by its id on every run, so it never blocks the records behind it)."""

from __future__ import annotations

import argparse

from ketavoice.commands._clinic import add_clinic_arguments, config_from

NAMES = ("sync",)
HELP = "Deliver this machine's pending records to the clinic store (PostgreSQL) and exit."


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    add_clinic_arguments(parser)


def run(args: argparse.Namespace) -> int:
    import sys

    from ketavoice.clinic.outbox import Outbox
    from ketavoice.clinic.pgstore import ClinicStore
    from ketavoice.clinic.replicator import Replicator
    from ketavoice.commands._args import UsageError
    from ketavoice.errors import ClinicError, ClinicUnreachable
    from ketavoice.journal import journal_path

    config = config_from(args)
    if config is None:
        raise UsageError("no clinic store is configured: set KETAVOICE_DATABASE_URL or pass "
                         "--database-url-file PATH")
    path = journal_path()
    if not path.exists():
        with ClinicStore(config):
            pass  # proves the store answers and has our schema
        print(f"Nothing to deliver (no journal yet); the clinic store at {config.safe_url} answers.")
        return 0
    replicator = Replicator(path, config)
    try:
        report = replicator.sync_once()
    except ClinicError as error:
        with Outbox(path) as outbox:
            waiting = outbox.pending_count()
        if isinstance(error, ClinicUnreachable):
            print(f"ketavoice sync: {error}. {waiting} record(s) wait on this machine and will be delivered "
                  "when the store answers.", file=sys.stderr)
        else:  # it answered: saying it is not answering would send staff looking for the wrong fault
            print(f"ketavoice sync: the clinic store answered but did not take the records: {error}. "
                  f"{waiting} record(s) wait on this machine.", file=sys.stderr)
        return 1
    finally:
        replicator.close()
    back = f"; {len(report.acknowledged)} acknowledgement(s) received" if report.acknowledged else ""
    if report.renewed_from is not None:
        from ketavoice.clinic.replicator import copy_note

        print(f"Note for staff: {copy_note(report.renewed_from)}.", file=sys.stderr)
    print(f"Delivered {report.delivered} record(s) to {config.safe_url}; {report.pending} pending{back}.")
    with Outbox(path) as outbox:
        refused = outbox.refused()
    if refused:
        print(f"ketavoice sync: the clinic store refused {len(refused)} record(s); they are kept only on "
              f"this machine: {', '.join(str(r) for r in refused)}.", file=sys.stderr)
    return 0 if report.pending == 0 and not report.refused else 1
