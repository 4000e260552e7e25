"""`ketavoice understand TEXT [--step STEP_ID] [--json]`: what ketavoice makes of one utterance."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

NAMES = ("understand",)
HELP = "Show the intent (and value) ketavoice understands in TEXT."


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("text", nargs="+", help="the utterance (words may be given unquoted)")
    parser.add_argument("--step", default=None, help="understand in the context of this step id")
    parser.add_argument("--dialogue", default=None, help="the dialogue the step belongs to")
    parser.add_argument("--content", default=None, help="path to a content.toml")
    parser.add_argument("--json", action="store_true", help='print {"text", "intent", "value", "flag"}')


def run(args: argparse.Namespace) -> int:
    from ketavoice.commands._args import selected_step
    from ketavoice.content import load_content
    from ketavoice.terminal import safe_text
    from ketavoice.understanding import understand

    content = load_content(Path(args.content) if args.content else None)
    text = " ".join(args.text)
    step = selected_step(content, args.dialogue, args.step)
    meaning = understand(content, text, step)
    if args.json:
        print(json.dumps(meaning.to_json()))
    else:
        value = "" if meaning.value is None else f" ({meaning.value})"
        flag = meaning.flag
        tier = "" if flag is None else f" [{flag.certainty} {flag.level}: {flag.concept}]"
        print(safe_text(f"{meaning.intent}{value}{tier}"))
    return 0
