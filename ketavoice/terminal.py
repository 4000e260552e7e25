"""The one function every piece of text passes through before it reaches a terminal.

Patient words, patient ids, file names and error messages can hold escape sequences (window titles,
clear-screen, OSC 52 clipboard writes) or control characters. `safe_text` removes whole escape sequences
(CSI, OSC, DCS, APC, PM, SOS and two-character ESC forms, in both their 7-bit and 8-bit spellings), every
other C0/C1 control and DEL, and the Unicode bidirectional overrides that can make text read backwards.
`safe_line` is the same on one bounded line, for table cells and list lines (`notes`, `alerts`, the
station). JSON and CSV outputs escape on their own and do not need it; the TUI never parses outside text
as markup (widgets get `rich.text.Text`, toasts go through `tui.plain.PlainNotifyApp`, markup=False).
"""

from __future__ import annotations

import re

# A string-type sequence (OSC, DCS, SOS, PM, APC) runs to BEL or ST (ESC \ or U+009C); an unterminated one
# runs to the end of the text. CSI: parameters, intermediates, one final byte. Other ESC forms: ESC,
# optional intermediates, one final character.
_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|(?=\x1b)|$)"
    r"|(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
_BIDI_AND_C1 = r"\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(r"[\x00-\x1f" + _BIDI_AND_C1 + "]")
_CONTROL_KEEP_LINES = re.compile(r"[\x00-\x08\x0b-\x1f" + _BIDI_AND_C1 + "]")
_LINE_BREAK = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
_OTHER_BREAK = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")


def safe_text(text: str, *, multiline: bool = False) -> str:
    """`text` without escape sequences, control characters or bidi overrides, safe to print.

    With `multiline=False` (the default) every run of line breaks and tabs becomes one space, so a value
    cannot forge extra lines of output; with `multiline=True` line breaks become newlines and tabs stay.
    """
    cleaned = _SEQUENCE.sub("", text)
    if multiline:
        return _CONTROL_KEEP_LINES.sub("", _OTHER_BREAK.sub("\n", cleaned))
    return _CONTROL.sub("", _LINE_BREAK.sub(" ", cleaned))


def safe_line(text: object, limit: int | None = None) -> str:
    """`safe_text` on one line with runs of spaces collapsed, cut to `limit` characters (ending in …).

    For table cells, toasts and list lines on staff screens; None and empty values become "".
    """
    if text is None:
        return ""
    single = " ".join(safe_text(str(text)).split())
    if limit is None or len(single) <= limit:
        return single
    return single[: max(limit - 1, 0)] + "…"
