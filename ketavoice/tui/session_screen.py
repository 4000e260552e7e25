"""The session screen: turns keys, typed lines and speech into engine events and shows the actions.

No dialogue rule lives here. Events go to `engine.handle` on the app thread only (voice results arrive
as messages); each returned action is rendered: Say -> prompt + transcript, Listen -> answer keys,
Alert -> persistent banner, Saved -> a calm line, Finish -> the end state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input

from ketavoice.content.model import Content
from ketavoice.engine.events import (
    Acknowledge,
    Action,
    Alert,
    Ended,
    Event,
    Expect,
    Finish,
    Heard,
    Listen,
    Pressed,
    Saved,
    Say,
    SetRate,
    Started,
    Tick,
    Typed,
)
from ketavoice.errors import KetavoiceError
from ketavoice.frontends.lines import MAX_LINE_CHARS as MAX_ANSWER_CHARS
from ketavoice.tui.keys import answer_keys_for
from ketavoice.tui.ports import DialogueEngine
from ketavoice.tui.voice import VoiceBridge, VoiceFailed, VoiceNotice, VoiceResult, VoiceState
from ketavoice.tui.widgets import (
    AlertBanner,
    AnswerKey,
    AnswerKeys,
    BannerAlert,
    Notice,
    PromptView,
    StatusLine,
    Transcript,
)


class SessionFinished(Message):
    """The engine finished the dialogue (the kiosk resets after it)."""

    def __init__(self, status: str) -> None:
        super().__init__()
        self.status = status


class AcknowledgeRequested(Message):
    """Staff asked to acknowledge the newest open alert; the app decides who may (PIN in kiosk)."""

    def __init__(self, alert_id: int) -> None:
        super().__init__()
        self.alert_id = alert_id


class SessionProgress(Message):
    """The dialogue moved to `step` (and raised `raised`, if any): the app tells the clinic sync."""

    def __init__(self, step: str, alert: bool = False, raised: Alert | None = None) -> None:
        super().__init__()
        self.step = step
        self.alert = alert or raised is not None
        self.raised = raised


class SessionScreen(Screen[None]):
    """One patient's dialogue."""

    BINDINGS = [
        Binding("escape", "toggle_focus", "Mode", show=True),
        Binding("f7", "acknowledge", "Ack alert", show=True),
    ]

    def __init__(
        self,
        engine: DialogueEngine,
        content: Content,
        *,
        patient_label: str,
        clock: Callable[[], float] = time.time,
        tick_seconds: float | None = 1.0,
        voice: VoiceBridge | None = None,
        open_alerts: Sequence[BannerAlert] = (),
        ack_hint: str = "Staff: press F7 to acknowledge.",
        push_to_talk_key: str | None = None,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.content = content
        self.patient_label = patient_label
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.voice = voice
        self.push_to_talk_key = push_to_talk_key
        self._initial_alerts = tuple(open_alerts)
        self._ack_hint = ack_hint
        self.expect: Expect | None = None
        self.active_keys: dict[str, AnswerKey] = {}
        self.last_activity = clock()
        self.finished = False
        self._tick_timer: Timer | None = None
        self._waiting_for_talk: Listen | None = None
        # Keys mode: a letter that is not an answer key means the patient is typing a word; the rest of
        # that word (up to Enter, space or Esc) is swallowed, so "yes" cannot fire [s] Slower.
        self._swallowing_word = False

    def compose(self) -> ComposeResult:
        yield StatusLine(self.patient_label, id="status")
        yield AlertBanner(self._ack_hint, id="banner")
        yield PromptView("", id="prompt")
        yield Transcript(id="transcript")
        yield Notice("", id="notice")
        yield AnswerKeys(id="keys")
        yield Input(placeholder="Type an answer and press Enter", id="answer", max_length=MAX_ANSWER_CHARS)
        # Compact, and no palette hint, so every binding fits in 80 columns.
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        banner = self.query_one(AlertBanner)
        for alert in self._initial_alerts:
            banner.add(alert)
        self.query_one("#answer", Input).focus()
        self.watch(self, "focused", self._focus_changed)
        if self.voice is not None:
            self.voice.start(self)
            self.query_one(StatusLine).set_state("idle")
        self.dispatch(Started())
        if self.tick_seconds is not None:
            self._tick_timer = self.set_interval(self.tick_seconds, self._tick)

    def on_unmount(self) -> None:
        """However the screen goes (reset, quit, crash), the voice worker must not outlive it."""
        if self.voice is not None:
            self.voice.stop()

    # ---- input -> events --------------------------------------------------------------------------

    @on(Input.Submitted, "#answer")
    def _typed(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        event.input.clear()
        if not text or self.finished:
            return
        lowered = text.lower()
        if lowered in self.active_keys and self.active_keys[lowered].typed is None:
            self.press(lowered)
            return
        self._transcribe_patient(text)
        self.dispatch(Typed(text))

    @on(AnswerKeys.Chosen)
    def _chosen(self, event: AnswerKeys.Chosen) -> None:
        answer = event.answer
        if answer.typed is not None:
            self._transcribe_patient(answer.typed)
            self.dispatch(Typed(answer.typed))
        else:
            self.press(answer.key)

    def on_key(self, event: events.Key) -> None:
        """Answer keys work directly whenever the typing box does not have focus."""
        if self.push_to_talk_key is not None and event.key == self.push_to_talk_key:
            event.stop()
            self.talk()
            return
        if isinstance(self.focused, Input) or self.finished:
            return
        if event.key in ("enter", "space", "escape"):
            if self._swallowing_word and event.key != "escape":
                event.stop()  # the Enter ending a typed word must not press the focused answer key
                event.prevent_default()
            self._swallowing_word = False
            return
        character = (event.character or "").lower()
        if not character or not character.isprintable():
            return
        if self._swallowing_word:
            event.stop()
            return
        if character in self.active_keys and self.active_keys[character].typed is None:
            event.stop()
            self.press(character)
            return
        if character.isalnum():
            event.stop()
            self._swallowing_word = True
            self.query_one(Notice).show_info("Keys mode: one key answers. Press Esc to type words.")

    def press(self, key: str) -> None:
        answer = self.active_keys.get(key)
        label = f"[{key}] {answer.label}".rstrip() if answer is not None else f"[{key}]"
        self._transcribe_patient(label)
        self.dispatch(Pressed(key))

    def _focus_changed(self, focused: object) -> None:
        """Keys mode and typing mode look different: the active area is highlighted, the other dimmed."""
        self._swallowing_word = False
        typing = isinstance(focused, Input)
        self.set_class(not typing, "-keys-mode")
        answer = self.query_one("#answer", Input)
        answer.border_title = "TYPING: type, then Enter" if typing else "KEYS MODE: press a key · Esc to type"

    def action_toggle_focus(self) -> None:
        answer_input = self.query_one("#answer", Input)
        if self.focused is answer_input:
            buttons = self.query(".answer-key")
            if buttons:
                buttons.first().focus()
        else:
            answer_input.focus()

    def action_acknowledge(self) -> None:
        newest = self.query_one(AlertBanner).newest()
        if newest is not None:
            self.post_message(AcknowledgeRequested(newest.alert_id))

    def acknowledge(self, alert_id: int, staff: str) -> None:
        """Called by the app once staff are allowed to acknowledge."""
        if self.dispatch(Acknowledge(alert_id=alert_id, staff=staff)):
            self.query_one(AlertBanner).resolve(alert_id)

    def banner_alert(self, alert_id: int) -> BannerAlert | None:
        return next((a for a in self.query_one(AlertBanner).alerts if a.alert_id == alert_id), None)

    def shows_alert(self, alert_id: int) -> bool:
        return any(alert.alert_id == alert_id for alert in self.query_one(AlertBanner).alerts)

    def talk(self) -> None:
        """Push-to-talk: start the listen that is waiting for the talk key."""
        if self._waiting_for_talk is not None and self.voice is not None:
            listen, self._waiting_for_talk = self._waiting_for_talk, None
            self.voice.submit([listen])

    def _tick(self) -> None:
        if self.finished:
            return
        if self.voice is not None and self.voice.running and self._waiting_for_talk is None:
            return  # the voice side times its own listens and reports Silence
        self.dispatch(Tick(self.clock()))

    def end(self) -> None:
        """The front end is closing this session (kiosk reset / idle lock): the engine keeps a draft."""
        if self._tick_timer is not None:
            self._tick_timer.stop()
        if not self.finished:
            self.dispatch(Ended())
        if self.voice is not None:
            self.voice.stop()

    # ---- events -> engine -> actions ----------------------------------------------------------------

    def dispatch(self, event: Event) -> bool:
        """Hand one event to the engine and render its actions; show (never swallow) an error."""
        if not isinstance(event, Tick):
            self.last_activity = self.clock()
        try:
            actions = self.engine.handle(event)
        except KetavoiceError as error:
            self.query_one(Notice).show_error(f"Not saved: {error}. Please tell staff.")
            return False
        self.render_actions(actions)
        return True

    def render_actions(self, actions: Sequence[Action]) -> None:
        if any(isinstance(action, Listen) for action in actions):
            # A new question: an old "Saved" (or any hint) must not linger into it. A Saved in this same
            # batch is shown again below, so it stays for exactly the turn that follows it.
            self.query_one(Notice).clear_hint()
        voice_actions: list[Action] = []
        says = [action for action in actions if isinstance(action, Say)]
        if says:
            prompt = self.query_one(PromptView)
            prompt.update(" ".join(say.text for say in says))
            prompt.set_class(any(say.urgent for say in says), "-urgent")
        for action in actions:
            if isinstance(action, Say):
                self.query_one(Transcript).add_line("Assistant", action.text, urgent=action.urgent)
                voice_actions.append(action)
            elif isinstance(action, SetRate):
                self.query_one(Notice).show_info(f"Speaking rate: {action.rate_wpm} words a minute.")
                voice_actions.append(action)
            elif isinstance(action, Listen):
                self._show_listen(action)
                voice_actions.append(action)
            elif isinstance(action, Alert):
                shown = BannerAlert(action.alert_id, action.level, action.text, action.certainty)
                self.query_one(AlertBanner).add(shown)
                self.post_message(SessionProgress(action.step, raised=action))
            elif isinstance(action, Saved):
                self.query_one(Notice).show_ok(saved_text(action))
            elif isinstance(action, Finish):
                self._show_finish(action)
        if self.voice is not None and self.voice.running and voice_actions:
            last = voice_actions[-1]
            if self.push_to_talk_key is not None and isinstance(last, Listen):
                self._waiting_for_talk = last
                voice_actions.pop()
                self.query_one(StatusLine).set_extra(f"press {self.push_to_talk_key.upper()} to talk")
            if voice_actions:
                self.voice.submit(voice_actions)

    def _show_listen(self, listen: Listen) -> None:
        self.post_message(SessionProgress(listen.step))
        self.expect = listen.expect
        answers = answer_keys_for(self.content, listen)
        self.active_keys = {answer.key: answer for answer in answers if answer.key}
        self.query_one(AnswerKeys).set_answers(answers)
        placeholder = {
            "note": "Type the note, then press Enter",
            "number": "Type a number from 0 to 10 and press Enter",
            "yes_no": "Type yes or no (or press y / n) and Enter",
        }.get(listen.expect, "Type an answer and press Enter")
        self.query_one("#answer", Input).placeholder = placeholder

    def _show_finish(self, finish: Finish) -> None:
        self.finished = True
        self.active_keys = {}
        self.query_one(AnswerKeys).set_answers(())
        self.query_one("#answer", Input).disabled = True
        self.query_one(Notice).show_info(f"Session {finish.status}. Thank you.")
        if self.voice is not None:
            self.voice.stop_after_pending()
        self.post_message(SessionFinished(finish.status))

    def _transcribe_patient(self, text: str, spoken: bool = False) -> None:
        self.query_one(Transcript).add_line("Patient (spoken)" if spoken else "Patient", text)

    # ---- voice results ------------------------------------------------------------------------------

    @on(VoiceResult)
    def _voice_result(self, message: VoiceResult) -> None:
        if self.finished:
            return
        event = message.event  # carries its listen_id: the engine drops answers to superseded listens
        if isinstance(event, Heard):
            self._transcribe_patient(event.text, spoken=True)
        self.dispatch(event)

    @on(VoiceState)
    def _voice_state(self, message: VoiceState) -> None:
        self.query_one(StatusLine).set_state(message.state, message.level)
        if message.state == "listening":
            self.query_one(StatusLine).set_extra("")

    @on(VoiceNotice)
    def _voice_notice(self, message: VoiceNotice) -> None:
        self.query_one(Notice).show_info(message.text)

    @on(VoiceFailed)
    def _voice_failed(self, message: VoiceFailed) -> None:
        self.query_one(StatusLine).set_state("failed")
        self.query_one(Notice).show_error(f"Voice stopped ({message.reason}). Carry on by keyboard.")
        self.query_one("#answer", Input).focus()


def saved_text(saved: Saved) -> str:
    """The calm confirmation line for a Saved action."""
    if saved.kind == "mood":
        return f"Saved: mood rating {saved.value}."
    if saved.kind == "note":
        return "Saved: note for the care team."
    return "Kept as an unconfirmed draft."


