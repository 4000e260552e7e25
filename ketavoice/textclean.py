"""The one cleaning every piece of patient text gets where it enters (typed lines, recognised speech,
patient ids) and again when a record leaves for the clinic store: characters no store can keep are
removed. PostgreSQL `text` cannot hold NUL (U+0000), and a lone surrogate (U+D800-U+DFFF) cannot be
encoded as UTF-8 at all; either one made the store refuse a whole batch of records (clinic v3 finding 5).
Display cleaning (escape sequences, controls) is `ketavoice.terminal.safe_text`'s job, not this one's.
"""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` without NUL and lone surrogates (unchanged, and not copied, when it has none)."""
    if _UNSTORABLE.search(text) is None:
        return text
    return _UNSTORABLE.sub("", text)
