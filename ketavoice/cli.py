"""`ketavoice` command line: discovers the subcommand modules in `ketavoice.commands`."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from ketavoice import __version__, commands
from ketavoice.errors import KetavoiceError
from ketavoice.terminal import safe_text


def _command_modules() -> list[ModuleType]:
    names = sorted(
        info.name for info in pkgutil.iter_modules(commands.__path__) if not info.name.startswith("_")
    )
    return [importlib.import_module(f"ketavoice.commands.{name}") for name in names]


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = argparse.ArgumentParser(
        prog="ketavoice",
        description="Offline voice companion for the hours after a ketamine infusion. "
        "With no command, opens the terminal UI.",
    )
    parser.add_argument("--version", action="version", version=f"ketavoice {__version__}")
    parser.add_argument("--voice", action="store_true", help="with no command: add the voice loop to the TUI")
    parser.add_argument("--patient", default=None, help="with no command: the patient id")
    parser.add_argument("--content", default=None, help="with no command: path to a content.toml")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    by_name: dict[str, ModuleType] = {}
    for module in _command_modules():
        names: tuple[str, ...] = module.NAMES
        for name in names:
            sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
            module.add_arguments(sub, name)
            by_name[name] = module
    return parser, by_name


def main(argv: Sequence[str] | None = None) -> int:
    parser, by_name = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "tui"
    module = by_name.get(command)
    if module is None:
        parser.print_help()
        return 2
    from ketavoice.commands._args import UsageError

    try:
        result: int = module.run(args)
        return result
    except UsageError as error:
        print(f"ketavoice: {safe_text(str(error), multiline=True)}", file=sys.stderr)
        return 2
    except KetavoiceError as error:
        print(f"ketavoice: {safe_text(str(error), multiline=True)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
