"""Export one patient's mood history (ratings and notes) as a CSV or JSON file, owner-only.

The rows and their text come from `ketavoice.journal.export` (the same as `ketavoice notes`); this
module only names the file and writes it to a private folder (0700), 0600.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from ketavoice.journal.export import HISTORY_FIELDS, HistoryRow, to_csv, to_json
from ketavoice.paths import private_dir, private_file_opener

ExportFormat = Literal["csv", "json"]


def safe_name(patient_id: str) -> str:
    """A file-name-safe form of a patient id (letters, digits, - and _ only)."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", patient_id).strip("_")
    return cleaned[:40] or "patient"


def export_history(
    rows: Sequence[HistoryRow], folder: Path, patient_id: str, fmt: ExportFormat, now: float
) -> Path:
    """Write the rows to `folder` as `history-<patient>-<UTC time>.<fmt>`, 0600; return the path."""
    private_dir(folder)
    stamp = datetime.fromtimestamp(now, tz=timezone.utc).strftime("%Y%m%d-%H%M%S")
    path = folder / f"history-{safe_name(patient_id)}-{stamp}.{fmt}"
    text = to_csv(rows, HISTORY_FIELDS) if fmt == "csv" else to_json(rows, HISTORY_FIELDS)
    with open(path, "w", encoding="utf-8", newline="", opener=private_file_opener) as handle:
        handle.write(text)
    path.chmod(0o600)
    return path
