"""`ketavoice` with no command (or `ketavoice tui`): the caregiver console.

`--voice`, `--patient` and `--content` belong to the top-level parser; this module only reads them.
"""

from __future__ import annotations

import argparse

from ketavoice.commands._clinic import add_clinic_arguments, config_from

NAMES = ("tui",)
HELP = "Open the caregiver console (the default when no command is given)."


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--dialogue", default=None, help="dialogue name (default: the content's default)")
    parser.add_argument("--high-contrast", action="store_true", help="start with high-contrast colours")
    parser.add_argument("--large-text", action="store_true", help="start in the large-text layout")
    parser.add_argument("--backend", choices=("auto", "vosk", "pocketsphinx"), default="auto",
                        help="with --voice: speech recognizer")
    add_clinic_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ketavoice.content import load_content
    from ketavoice.journal import open_journal
    from ketavoice.paths import data_home
    from ketavoice.tui.app import KetavoiceApp

    content_arg = getattr(args, "content", None)
    content = load_content(Path(content_arg) if content_arg else None)
    patient_id = getattr(args, "patient", None) or "default"
    factory = None
    if getattr(args, "voice", False):
        from ketavoice.tui.voice_io import voice_factory

        factory = voice_factory(content, backend=getattr(args, "backend", "auto"))
    home = data_home()
    config = config_from(args)
    with open_journal(home) as journal:
        sync = None
        if config is not None:
            from ketavoice.clinic.replicator import SyncWorker

            sync = SyncWorker(journal.path, config)
        app = KetavoiceApp(
            content, journal, patient_id=patient_id, home=home, voice_factory=factory,
            dialogue=getattr(args, "dialogue", None),
            high_contrast=bool(getattr(args, "high_contrast", False)),
            large_text=bool(getattr(args, "large_text", False)), sync=sync,
        )
        result = app.run()
    return int(result or 0)
