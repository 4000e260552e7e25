"""Run in a child by test_alerts_truthful: the console (the kiosk shares its clinic link) through the
Pilot, with a clinic store, and the disk full for this process from the red flag on (RLIMIT_FSIZE drops
to 1 byte: the alert cannot be journaled). Prints one JSON line of what the room saw.

argv: KETAVOICE_HOME, the clinic store's URL.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.pgstore import ClinicStore
from ketavoice.clinic.replicator import SyncWorker
from ketavoice.content import load_content
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.app import KetavoiceApp
from ketavoice.tui.inspect import screen_text
from tests.test_tui_console import SIZE, type_line

DEADLINE_S = 60.0  # only so a broken build cannot hang the suite


def flat(app: KetavoiceApp) -> str:
    return " ".join(screen_text(app).split())


async def scenario(home: Path, url: str) -> dict[str, object]:
    content = load_content()
    journal = SqliteJournal(home / "journal.sqlite3")
    sync = SyncWorker(journal.path, ClinicConfig(url, "Room T"), interval=0.05)
    app = KetavoiceApp(content, journal, patient_id="p-tui-full", home=home, tick_seconds=None, sync=sync)
    seen: dict[str, object] = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert sync.wait_first_pass(DEADLINE_S)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1))  # from here on the disk is full
        await type_line(pilot, "I have crushing chest pain")
        text = flat(app)
        seen["unreachable_said"] = content.messages.hold_unreachable in text
        # The promise is true only in the line that says the alert arrived (it may arrive at once).
        before_arrival = text.replace(content.messages.hold_reached, "")
        seen["promise_said"] = "Someone is coming" in before_arrival or "told the staff" in before_arrival
        deadline = time.monotonic() + DEADLINE_S
        while content.messages.hold_reached not in flat(app):
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
            await pilot.pause()
        seen["reached_said"] = content.messages.hold_reached in flat(app)
    with ClinicStore(ClinicConfig(url, "")) as store:
        seen["store"] = [[a.room, a.patient, a.level, a.local_id < 0] for a in store.alerts()]
    seen["journal_alerts"] = len(journal.alerts())
    return seen


if __name__ == "__main__":
    print(json.dumps(asyncio.run(scenario(Path(sys.argv[1]), sys.argv[2]))))
