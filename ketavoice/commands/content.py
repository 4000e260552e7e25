"""`ketavoice content check [PATH]`: validate a content.toml and print every problem, one per line."""

from __future__ import annotations

import argparse

NAMES = ("content",)
HELP = "Work with content.toml (check: validate it and list every problem)."


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    actions = parser.add_subparsers(dest="content_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate a content.toml; exit 1 and list every problem, or print OK",
        description="Validate a content.toml (default: the one ketavoice uses) and list every problem.",
    )
    check.add_argument("path", nargs="?", default=None, help="file to check (default: the default content)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ketavoice.content.loader import default_content_path, load_content
    from ketavoice.errors import ContentError
    from ketavoice.terminal import safe_text

    path = Path(args.path) if args.path else default_content_path()
    try:
        content = load_content(path)
    except ContentError as error:
        for problem in error.problems:
            print(safe_text(str(problem)))
        return 1
    steps = sum(len(dialogue.steps) for dialogue in content.dialogues)
    print(f"{safe_text(str(path))}: OK ({len(content.dialogues)} dialogues, {steps} steps)")
    return 0
