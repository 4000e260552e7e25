"""Subcommands of the `ketavoice` CLI, one module each.

A command module defines `NAMES` (tuple of subcommand names it serves, first is the main one), `HELP`,
`add_arguments(parser, name)` and `run(args) -> int`. Top-level imports stay light (argparse only):
heavy imports (textual, vosk, ...) happen inside `run`, so `ketavoice chat` starts fast.
"""
