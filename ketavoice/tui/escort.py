"""The escort summary: one printable page for the person driving the patient home.

Instruction sentences come from content.toml (the dialogue's own words about driving, effects fading
and decisions) so the page and the voice never disagree; `escort_text` holds headings and fallbacks.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from ketavoice.content.model import Content, Step
from ketavoice.journal.base import MoodRecord, NoteRecord
from ketavoice.paths import private_dir, private_file_opener
from ketavoice.tui import escort_text

SummaryFormat = Literal["txt", "html"]
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class EscortSummary:
    title: str
    date: str
    intro: str
    instructions: tuple[str, ...]
    call_for_help: tuple[str, ...]
    checkin: tuple[str, ...]


def _step_texts(step: Step) -> Iterator[str]:
    yield from step.say
    yield step.prompt
    yield from step.reprompts
    yield step.help
    for choice in step.choices:
        yield choice.reply
    yield from (step.yes_reply, step.no_reply, step.correction, step.other_reply)


def content_sentences(content: Content) -> list[str]:
    """Every sentence of the default dialogue, in dialogue order."""
    try:
        dialogue = content.dialogue(content.default_dialogue)
    except KeyError:
        return []
    sentences: list[str] = []
    for step in dialogue.steps:
        for text in _step_texts(step):
            sentences.extend(part.strip() for part in _SENTENCE_END.split(text) if part.strip())
    return sentences


def find_sentence(sentences: Sequence[str], *keyword_sets: tuple[str, ...]) -> str | None:
    """The first sentence holding every keyword of the first keyword set that matches anything."""
    for keywords in keyword_sets:
        for sentence in sentences:
            lowered = sentence.lower()
            if all(keyword in lowered for keyword in keywords) and "?" not in sentence:
                return sentence
    return None


def build_summary(
    content: Content, moods: Sequence[MoodRecord], notes: Sequence[NoteRecord], now: float
) -> EscortSummary:
    """The summary for today: `moods`/`notes` are filtered to the local day of `now`."""
    sentences = content_sentences(content)
    instructions = (
        find_sentence(sentences, ("driv", "sleep"), ("driv", "tomorrow")) or escort_text.NO_DRIVING,
        find_sentence(sentences, ("fade", "hour"), ("fade",)) or escort_text.EFFECTS_FADE,
        find_sentence(sentences, ("decision",)) or escort_text.NO_DECISIONS,
        escort_text.STAY_CLOSE,
    )
    today = datetime.fromtimestamp(now).date()
    todays_moods = [m for m in moods if datetime.fromtimestamp(m.created_at).date() == today]
    todays_notes = [n for n in notes if datetime.fromtimestamp(n.created_at).date() == today
                    and n.status == "saved"]
    checkin: list[str] = []
    for mood in sorted(todays_moods, key=lambda m: (m.created_at, m.id)):
        at = datetime.fromtimestamp(mood.created_at).strftime("%H:%M")
        checkin.append(f"Mood rating at {at}: {mood.rating} out of 10.")
    if todays_notes:
        checkin.append(escort_text.NOTE_SAVED)
    if not checkin:
        checkin.append(escort_text.NO_CHECKIN)
    return EscortSummary(
        title=escort_text.TITLE,
        date=today.strftime("%A %d %B %Y"),
        intro=escort_text.INTRO,
        instructions=instructions,
        call_for_help=(escort_text.CALL_911, escort_text.CALL_988),
        checkin=tuple(checkin),
    )


def _bullets(lines: Sequence[str], width: int) -> list[str]:
    out: list[str] = []
    for line in lines:
        out.extend(textwrap.wrap(line, width=width, initial_indent="  * ", subsequent_indent="    "))
    return out


def render_text(summary: EscortSummary, width: int = 72) -> str:
    """Plain text, `width` columns, fits one printed page."""
    lines = [summary.title.upper(), summary.date, "", *textwrap.wrap(summary.intro, width), ""]
    lines += [escort_text.HEADING_INSTRUCTIONS, *_bullets(summary.instructions, width), ""]
    lines += [escort_text.HEADING_CALL, *_bullets(summary.call_for_help, width), ""]
    lines += [escort_text.HEADING_CHECKIN, *_bullets(summary.checkin, width)]
    return "\n".join(lines) + "\n"


def render_html(summary: EscortSummary) -> str:
    """A self-contained printable HTML page (no scripts, no external resources)."""

    def items(lines: Sequence[str]) -> str:
        return "".join(f"<li>{html.escape(line)}</li>" for line in lines)

    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(summary.title)}</title>"
        "<style>body{font-family:sans-serif;font-size:16pt;max-width:40em;margin:1em auto;}"
        "h1{font-size:22pt}h2{font-size:18pt;margin-top:1em}</style></head><body>\n"
        f"<h1>{html.escape(summary.title)}</h1><p>{html.escape(summary.date)}</p>\n"
        f"<p>{html.escape(summary.intro)}</p>\n"
        f"<h2>{html.escape(escort_text.HEADING_INSTRUCTIONS)}</h2><ul>{items(summary.instructions)}</ul>\n"
        f"<h2>{html.escape(escort_text.HEADING_CALL)}</h2><ul>{items(summary.call_for_help)}</ul>\n"
        f"<h2>{html.escape(escort_text.HEADING_CHECKIN)}</h2><ul>{items(summary.checkin)}</ul>\n"
        "</body></html>\n"
    )


def save_summary(summary: EscortSummary, folder: Path, fmt: SummaryFormat, stamp: str) -> Path:
    """Write the summary to `folder/escort-<stamp>.<fmt>` (0600) and return the path."""
    private_dir(folder)
    path = folder / f"escort-{stamp}.{fmt}"
    text = render_text(summary) if fmt == "txt" else render_html(summary)
    with open(path, "w", encoding="utf-8", opener=private_file_opener) as handle:
        handle.write(text)
    path.chmod(0o600)
    return path
