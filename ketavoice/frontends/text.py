"""The text front end behind `ketavoice chat`: stdin lines in, spoken lines (or JSON lines) out.

Given `wake` (the `LineInbox` it reads from), the station's acknowledgements of this session's alerts
reach the running session: the inbox yields `WOKEN` and the engine, on this thread, is told.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import TextIO

from ketavoice.clinic.link import ClinicLink, LinkedEngine
from ketavoice.content.model import Content
from ketavoice.engine.engine import Engine
from ketavoice.engine.events import (
    Action,
    Alert,
    Ended,
    Event,
    Finish,
    Listen,
    Saved,
    Say,
    Silence,
    Started,
    Typed,
)
from ketavoice.frontends.inbox import Woken
from ketavoice.journal.base import Journal
from ketavoice.terminal import safe_text


class TextFrontEnd:
    def __init__(
        self,
        content: Content,
        journal: Journal,
        *,
        patient_id: str,
        dialogue: str | None,
        jsonl: bool,
        kiosk: bool,
        out: TextIO,
        link: ClinicLink | None = None,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.engine = Engine(
            content, journal, patient_id=patient_id, dialogue=dialogue, clock=time.time, kiosk=kiosk,
            reach=link.reach if link is not None else "station",
        )
        self._linked = None if link is None else LinkedEngine(self.engine, link)
        self._driven: Engine | LinkedEngine = self.engine if self._linked is None else self._linked
        if self._linked is not None and wake is not None:
            self._linked.follow_acknowledgements(wake)
        self.jsonl = jsonl
        self.out = out

    def run(self, lines: Iterable[str | Woken]) -> None:
        """Feed `lines` to the engine (`WOKEN`: apply the station's acknowledgements that wait); however
        the loop ends, the session is ended (a note under read-back is kept as a draft), even when the
        output stream or the input fails."""
        try:
            self._send(Started())
            for line in lines:
                if self.engine.finished:
                    break
                if isinstance(line, Woken):
                    if self._linked is not None:
                        self._show_all(self._linked.take_acknowledgements())
                    continue
                text = line.rstrip("\r\n")
                self._send(Typed(text) if text.strip() else Silence(0.0))
        finally:
            if not self.engine.finished:
                try:
                    self._send(Ended())
                except OSError:  # stdout gone: end the session without showing it
                    if not self.engine.finished:
                        self.engine.handle(Ended())

    def _send(self, event: Event) -> None:
        self._show_all(self._driven.handle(event))

    def _show_all(self, actions: Iterable[Action]) -> None:
        for action in actions:
            self._show(action)
        self.out.flush()

    def _show(self, action: Action) -> None:
        if self.jsonl:
            self.out.write(json.dumps(action.to_json()) + "\n")
            self.out.flush()
            return
        # Say texts read the patient's words back: never let them carry terminal escape sequences.
        if isinstance(action, Say):
            self.out.write(f"ketavoice: {safe_text(action.text, multiline=True)}\n")
        elif isinstance(action, Alert):
            alert = f"!! STAFF ALERT ({action.level}): {action.text}"
            self.out.write(f"{safe_text(alert, multiline=True)}\n")
        elif isinstance(action, Saved):
            self.out.write(f"   [saved {action.kind}]\n")
        elif isinstance(action, Finish):
            self.out.write(f"   [session {action.status}]\n")
        elif isinstance(action, Listen):
            pass
