"""Background replication for the command-line front ends (`chat`, `checkin`, `voice`).

With no clinic store configured this does nothing. A bad configuration is reported on stderr and the
session runs alone: the journal keeps everything and a later `ketavoice sync` delivers it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from ketavoice.errors import KetavoiceError


@contextmanager
def background_sync(journal_path: Path, err: TextIO | None = None) -> Iterator[None]:
    """Replicate in a thread while the block runs; at the end, one last pass if the store answers."""
    from ketavoice.clinic.config import clinic_config

    stream = err if err is not None else sys.stderr
    try:
        config = clinic_config()
    except KetavoiceError as error:
        print(f"ketavoice: clinic sync off: {error}", file=stream)
        config = None
    if config is None:
        yield
        return
    from ketavoice.clinic.replicator import Replicator, SyncWorker

    worker = SyncWorker(journal_path, config).start()
    try:
        yield
    finally:
        worker.stop()
        if worker.last_error is None:
            try:
                replicator = Replicator(journal_path, config)
                try:
                    replicator.sync_once()
                finally:
                    replicator.close()
            except KetavoiceError as error:
                worker.last_error = str(error)
        if worker.last_error is not None:
            print(f"ketavoice: not everything reached the clinic store yet ({worker.last_error}); "
                  "it stays queued here for the next sync.", file=stream)
