"""The escort summary: one printable page for the person driving the patient home.

Every word on the page comes from content.toml's `[escort]` table (clinics edit it); this module only
picks today's check-in from the journal and lays the page out as plain text or HTML.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from ketavoice.content.model import Content
from ketavoice.journal.base import AlertRecord, MoodRecord, NoteRecord
from ketavoice.paths import private_dir, private_file_opener

SummaryFormat = Literal["txt", "html"]


@dataclass(frozen=True)
class EscortSummary:
    title: str
    date: str
    intro: str
    instructions_heading: str
    instructions: tuple[str, ...]
    call_for_help_heading: str
    call_for_help: tuple[str, ...]
    checkin_heading: str
    checkin: tuple[str, ...]
    alerts_heading: str = ""
    alerts: tuple[str, ...] = ()


def build_summary(
    content: Content,
    moods: Sequence[MoodRecord],
    notes: Sequence[NoteRecord],
    now: float,
    alerts: Sequence[AlertRecord] = (),
) -> EscortSummary:
    """The summary for today: `moods`/`notes`/`alerts` are filtered to the local day of `now`.
    Every alert of the day is listed, acknowledged or not: the driver must know about a red flag."""
    words = content.escort
    today = datetime.fromtimestamp(now).date()
    todays_moods = [m for m in moods if datetime.fromtimestamp(m.created_at).date() == today]
    todays_notes = [n for n in notes if datetime.fromtimestamp(n.created_at).date() == today
                    and n.status == "saved"]
    checkin: list[str] = []
    for mood in sorted(todays_moods, key=lambda m: (m.created_at, m.id)):
        at = datetime.fromtimestamp(mood.created_at).strftime("%H:%M")
        checkin.append(words.mood_line.format(time=at, rating=mood.rating))
    if todays_notes:
        checkin.append(words.note_saved)
    if not checkin:
        checkin.append(words.no_checkin)
    todays_alerts = sorted((a for a in alerts if datetime.fromtimestamp(a.created_at).date() == today),
                           key=lambda a: (a.created_at, a.id))
    alert_lines = [words.alert_line.format(time=datetime.fromtimestamp(a.created_at).strftime("%H:%M"),
                                           text=a.text) for a in todays_alerts] or [words.no_alerts]
    return EscortSummary(
        title=words.title,
        date=today.strftime("%A %d %B %Y"),
        intro=words.intro,
        instructions_heading=words.instructions_heading,
        instructions=words.instructions,
        call_for_help_heading=words.call_for_help_heading,
        call_for_help=words.call_for_help,
        checkin_heading=words.checkin_heading,
        checkin=tuple(checkin),
        alerts_heading=words.alerts_heading,
        alerts=tuple(alert_lines),
    )


def _bullets(lines: Sequence[str], width: int) -> list[str]:
    out: list[str] = []
    for line in lines:
        out.extend(textwrap.wrap(line, width=width, initial_indent="  * ", subsequent_indent="    "))
    return out


def render_text(summary: EscortSummary, width: int = 72) -> str:
    """Plain text, `width` columns, fits one printed page."""
    lines = [summary.title.upper(), summary.date, "", *textwrap.wrap(summary.intro, width), ""]
    lines += [summary.instructions_heading, *_bullets(summary.instructions, width), ""]
    lines += [summary.call_for_help_heading, *_bullets(summary.call_for_help, width), ""]
    lines += [summary.checkin_heading, *_bullets(summary.checkin, width)]
    if summary.alerts:
        lines += ["", summary.alerts_heading, *_bullets(summary.alerts, width)]
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
        f"<h2>{html.escape(summary.instructions_heading)}</h2><ul>{items(summary.instructions)}</ul>\n"
        f"<h2>{html.escape(summary.call_for_help_heading)}</h2><ul>{items(summary.call_for_help)}</ul>\n"
        f"<h2>{html.escape(summary.checkin_heading)}</h2><ul>{items(summary.checkin)}</ul>\n"
        + (f"<h2>{html.escape(summary.alerts_heading)}</h2><ul>{items(summary.alerts)}</ul>\n"
           if summary.alerts else "")
        + "</body></html>\n"
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
