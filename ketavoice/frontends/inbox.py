"""One queue for a line-by-line front end: patient lines read from a byte stream on a reader thread, and
wake-ups posted from other threads (the clinic sync: the station acknowledged an alert).

The engine is not thread-safe, so nothing but the front end's own loop touches it: the loop takes items
in arrival order and, on a wake-up, asks `LinkedEngine.take_acknowledgements` for what changed. End of
input (or an input error) ends the iteration, exactly as the end of `read_lines` does.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import BinaryIO, Final

from ketavoice.frontends.lines import MAX_LINE_CHARS, read_lines


class Woken:
    """An item of the inbox that is no line: another thread asked the loop to look (see `wake`)."""

    def __repr__(self) -> str:
        return "WOKEN"


WOKEN: Final = Woken()


class LineInbox:
    """Iterate to get each line of `stream` (as `read_lines` gives it) or `WOKEN`, in arrival order."""

    def __init__(self, stream: BinaryIO, max_chars: int = MAX_LINE_CHARS) -> None:
        self._stream = stream
        self._max_chars = max_chars
        self._queue: queue.SimpleQueue[str | Woken | None] = queue.SimpleQueue()  # None: end of input
        # A daemon: the loop may stop before the input ends (the session finished, the output failed),
        # and the process must not then wait on a read that may never return.
        self._reader = threading.Thread(target=self._read, name="ketavoice-lines", daemon=True)

    def wake(self) -> None:
        """Thread-safe and never blocks: the loop gets `WOKEN` after the lines already read."""
        self._queue.put(WOKEN)

    def __iter__(self) -> Iterator[str | Woken]:
        if not self._reader.is_alive() and self._reader.ident is None:
            self._reader.start()
        while True:
            item = self._queue.get()
            if item is None:
                return
            yield item

    def _read(self) -> None:
        try:
            for line in read_lines(self._stream, self._max_chars):
                self._queue.put(line)
        except (OSError, ValueError):
            pass  # the input failed or was closed: that is its end (the session is ended, not lost)
        finally:
            self._queue.put(None)
