"""What the TUI needs from the engine and the voice side, as small Protocols.

The TUI depends on these shapes rather than on the concrete classes, so screens can be built and tested
with the real engine or, for the voice edge, with the fake audio devices from `ketavoice.speech`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol

from ketavoice.engine.events import Action, Event, Listen

VoiceStateName = Literal["listening", "speaking", "idle"]
StateCallback = Callable[[VoiceStateName, float], None]


class DialogueEngine(Protocol):
    """The part of `ketavoice.engine.engine.Engine` the TUI uses."""

    def handle(self, event: Event) -> list[Action]: ...

    @property
    def finished(self) -> bool: ...

    @property
    def step_id(self) -> str | None: ...

    @property
    def pending_listen(self) -> Listen | None: ...

    @property
    def session_id(self) -> int | None: ...


class VoicePerformer(Protocol):
    """Carries out actions on real (or fake) devices, blocking; a Listen returns Heard or Silence."""

    def perform(self, action: Action) -> Event | None: ...

    def close(self) -> None: ...
