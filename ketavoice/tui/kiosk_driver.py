"""The kiosk's terminal driver: Textual's Linux driver with bounded pastes and a key-flood limiter.

Textual's input parser turns escape sequences it does not know into single key presses, also inside a
bracketed paste: a megabyte paste full of `ESC [31m` became about a million key presses (Enter among
them), froze the kiosk for minutes and grew it to 2 GB. Two guards:

- `PasteFilter` sits in front of the parser: inside a bracketed paste it removes control characters
  (ESC included) and keeps only the first PASTE_KEEP_CHARS, so the parser never sees a sequence there
  and its work is bounded; the app then cuts the Paste event to MAX_PASTE_CHARS (`KetavoiceApp.on_event`).
- `KeyFloodGate`: a token bucket. A burst of up to BURST_KEYS keys passes whole (an on-screen keyboard,
  dictation or a fast typist sends a whole answer and its Enter in one write: trial v3 finding 15, where
  a limit of 20 keys cut "yes my sister is driving me" and lost the Enter); the bucket refills at
  KEYS_PER_SECOND, faster than anyone types. Once it is empty (a paste in a terminal without bracketed
  paste, or sequences split so the filter cannot see them), every key is dropped until the keyboard has
  been quiet for QUIET_SECONDS, and the driver tells the app once per flood (`InputDropped`), so the
  kiosk says it dropped input instead of staying silent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from textual import events
from textual._xterm_parser import XTermParser
from textual.drivers import linux_driver
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from ketavoice.tui.app import MAX_PASTE_CHARS

BURST_KEYS = MAX_PASTE_CHARS  # the longest answer the kiosk takes from a paste may also come as keys
KEYS_PER_SECOND = 40.0  # the bucket's refill: a fast typist manages about 15
QUIET_SECONDS = 0.5
PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
PASTE_KEEP_CHARS = MAX_PASTE_CHARS * 2


def _strip_controls(text: str) -> str:
    return "".join(ch for ch in text if (ch >= " " and not "\x7f" <= ch <= "\x9f") or ch in "\t\n\r")


class PasteFilter:
    """Rewrites terminal input so a bracketed paste reaches the parser short and free of control characters.

    Outside a paste the input passes unchanged. A paste start or end cut by the end of a read is held back
    until it is complete (but a lone ESC is never held: it is the Escape key).
    """

    def __init__(self) -> None:
        self.in_paste = False
        self.kept = 0
        self.pending = ""

    def push(self, data: str) -> str:
        out: list[str] = []
        data = self.pending + data
        self.pending = ""
        while data:
            if not self.in_paste:
                start = data.find(PASTE_START)
                if start < 0:
                    # Hold back a paste start cut by the end of a read ("ESC [ 2 0"), never a lone ESC: that
                    # is the Escape key, which must reach the parser at once.
                    held = _partial(data, PASTE_START, minimum=2)
                    out.append(data[: len(data) - held])
                    self.pending = data[len(data) - held :]
                    break
                out.append(data[: start + len(PASTE_START)])
                data = data[start + len(PASTE_START):]
                self.in_paste, self.kept = True, 0
                continue
            end = data.find(PASTE_END)
            if end < 0:
                held = _partial(data, PASTE_END)
                body, self.pending = (data[:-held], data[-held:]) if held else (data, "")
                out.append(self._keep(body))
                break
            out.append(self._keep(data[:end]) + PASTE_END)
            data = data[end + len(PASTE_END):]
            self.in_paste = False
        return "".join(out)

    def _keep(self, body: str) -> str:
        room = PASTE_KEEP_CHARS - self.kept
        if room <= 0:
            return ""
        kept = _strip_controls(body[: room * 4])[:room]
        self.kept += len(kept)
        return kept


def _partial(data: str, marker: str, minimum: int = 1) -> int:
    """How many characters (at least `minimum`) at the end of `data` could begin `marker`; else 0."""
    for length in range(min(len(marker) - 1, len(data)), minimum - 1, -1):
        if marker.startswith(data[-length:]):
            return length
    return 0


class PasteFilteringParser(XTermParser):
    """Textual's parser behind a PasteFilter."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self.paste_filter = PasteFilter()

    def feed(self, data: str) -> Iterable[Message]:
        if not data:
            return super().feed(data)  # "" is end of input for the parser
        filtered = self.paste_filter.push(data)
        if not filtered:
            return ()  # all of it was dropped paste: nothing to parse (never "", which would end input)
        return super().feed(filtered)


class KeyFloodGate:
    """Decides, key by key, whether a key is typing (let through) or part of a flood (dropped)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.budget = float(BURST_KEYS)
        self.flooding = False
        self.last_key: float | None = None
        self.dropped = 0
        self.floods = 0  # how many floods began: the driver tells the app once per flood

    def allow(self) -> bool:
        now = self.clock()
        quiet = 0.0 if self.last_key is None else max(0.0, now - self.last_key)
        self.last_key = now
        if self.flooding:
            if quiet < QUIET_SECONDS:
                self.dropped += 1
                return False
            self.flooding = False
        self.budget = min(float(BURST_KEYS), self.budget + quiet * KEYS_PER_SECOND)
        if self.budget < 1.0:
            self.flooding = True
            self.floods += 1
            self.dropped += 1
            return False
        self.budget -= 1.0
        return True


class InputDropped(Message):
    """Keys came faster than any typing and some were dropped: the kiosk tells the patient."""


class KioskDriver(LinuxDriver):
    """LinuxDriver reading through a PasteFilteringParser, whose key events pass a KeyFloodGate."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.gate = KeyFloodGate()

    def run_input_thread(self) -> None:
        # The Linux driver builds its parser from this module-level name when its input thread starts;
        # the kiosk child runs no other app, and the replacement is a drop-in subclass.
        if getattr(linux_driver, "XTermParser", None) is XTermParser:
            vars(linux_driver)["XTermParser"] = PasteFilteringParser
        super().run_input_thread()

    def process_message(self, message: Message) -> None:
        if isinstance(message, events.Key):
            floods = self.gate.floods
            if not self.gate.allow():
                if self.gate.floods != floods:
                    super().process_message(InputDropped())
                return
        super().process_message(message)
