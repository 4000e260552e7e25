"""The voice side of the TUI: one thread worker that runs blocking speech actions and posts results.

The worker only talks to the app by `post_message` (Textual makes that thread-safe); the screen hands
every result to the engine on the app thread. Any failure (no microphone, model, TTS, or a bug) ends the
worker with a `VoiceFailed` message: the screen says so and the session goes on by keyboard.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence

from textual.dom import DOMNode
from textual.message import Message

from ketavoice.engine.events import Action, Event, Listen
from ketavoice.errors import KetavoiceError
from ketavoice.tui.ports import StateCallback, VoicePerformer, VoiceStateName

PerformerFactory = Callable[[StateCallback], VoicePerformer]


class VoiceResult(Message):
    """What a listen produced (Heard or Silence, with its listen_id)."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class VoiceState(Message):
    """listening / speaking / idle, with the microphone level (0..1)."""

    def __init__(self, state: VoiceStateName, level: float) -> None:
        super().__init__()
        self.state: VoiceStateName = state
        self.level = level


class VoiceNotice(Message):
    """Something the voice side fell back on ("no Vosk model, using PocketSphinx"); safe to show."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class VoiceFailed(Message):
    """The voice worker stopped; `reason` is safe to show (no patient words)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


_STOP = None


def _failure_text(error: Exception) -> str:
    """A voice failure for VoiceFailed: ketavoice's own errors say what broke, anything else only its type."""
    if isinstance(error, KetavoiceError):
        return f"{type(error).__name__}: {error}"
    return f"unexpected {type(error).__name__}"


class VoiceBridge:
    """Runs a `VoicePerformer` on one worker thread; actions go in through a queue, in order."""

    def __init__(self, factory: PerformerFactory) -> None:
        self.factory = factory
        self._queue: queue.Queue[list[Action] | None] = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()
        self._target: DOMNode | None = None
        self.running = False
        self._stopped = False
        self._latest_listen = 0
        self.failure: str | None = None

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._pending > 0

    def start(self, target: DOMNode) -> None:
        """Start the worker; results are posted to `target` (the session screen)."""
        self._target = target
        self.running = True
        target.run_worker(self._run, thread=True, exclusive=False, name="voice", group="voice")

    def submit(self, actions: Sequence[Action]) -> None:
        if not self.running:
            return
        with self._lock:
            self._pending += 1
            for action in actions:
                if isinstance(action, Listen):
                    self._latest_listen = max(self._latest_listen, action.listen_id)
        self._queue.put(list(actions))

    def stop_after_pending(self) -> None:
        """Let queued actions (a goodbye) finish, then stop."""
        self._queue.put(_STOP)

    def stop(self) -> None:
        """Stop as soon as the current action ends; queued actions are dropped."""
        self.running = False
        self._stopped = True
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(_STOP)

    def _post(self, message: Message) -> None:
        if self._target is not None:
            self._target.post_message(message)

    def _on_state(self, state: VoiceStateName, level: float) -> None:
        self._post(VoiceState(state, level))

    def _run(self) -> None:
        try:
            performer = self.factory(self._on_state)
        except Exception as error:  # noqa: BLE001 - the UI must outlive any voice failure
            self._fail(_failure_text(error))
            return
        for note in getattr(performer, "notes", ()):
            self._post(VoiceNotice(str(note)))
        try:
            self._loop(performer)
        finally:
            try:
                performer.close()
            except Exception:  # noqa: BLE001 - closing a broken device must not raise into the UI
                pass

    def _loop(self, performer: VoicePerformer) -> None:
        while True:
            try:
                batch = self._queue.get(timeout=0.5)
            except queue.Empty:
                if self._stopped:
                    return
                continue
            if batch is _STOP:
                self.running = False
                self._post(VoiceState("idle", 0.0))
                return
            try:
                for action in batch:
                    if not self.running:
                        break
                    if isinstance(action, Listen) and self._superseded(action):
                        continue  # a newer question is queued: don't take the patient's words for this one
                    event = performer.perform(action)
                    if event is not None:
                        self._post(VoiceResult(event))
            except Exception as error:  # noqa: BLE001 - the UI must outlive any voice failure
                self._fail(_failure_text(error))
                return
            finally:
                with self._lock:
                    self._pending -= 1

    def _superseded(self, listen: Listen) -> bool:
        with self._lock:
            return listen.listen_id < self._latest_listen

    def _fail(self, reason: str) -> None:
        self.running = False
        self.failure = reason
        with self._lock:
            self._pending = 0
        self._post(VoiceFailed(reason))
