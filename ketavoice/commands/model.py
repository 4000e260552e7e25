"""`ketavoice model list | install ZIP | verify [PATH] | download NAME`: manage Vosk models.

Only `download` uses the network, and only when the user runs it.
"""

from __future__ import annotations

import argparse

NAMES = ("model",)
HELP = "List, install, verify or download Vosk speech models."


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    actions = parser.add_subparsers(dest="model_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="show the models found, where, and which one is used")
    listing.add_argument("--model", default=None, help="an explicit model folder to consider first")
    install = actions.add_parser("install", help="unpack a model ZIP safely into models/")
    install.add_argument("zip", help="the model ZIP file")
    install.add_argument("--force", action="store_true", help="replace an installed model of the same name")
    install.add_argument("--dest", default=None, help="folder to install into (default: the repo's models/)")
    verify = actions.add_parser("verify", help="check a model folder's layout and that Vosk can load it")
    verify.add_argument("path", nargs="?", default=None, help="model folder (default: the one in use)")
    download = actions.add_parser("download", help="download a model by name (needs the network)")
    download.add_argument("name", help="a name from Vosk's model list (vosk-model-small-en-us-0.15)")
    download.add_argument("--force", action="store_true", help="replace an installed model of the same name")
    download.add_argument("--dest", default=None, help="folder to install into (default: the repo's models/)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ketavoice.speech.models import candidate_models, choose_model, verify_model

    action = args.model_action
    if action == "list":
        explicit = Path(args.model) if args.model else None
        found = candidate_models(explicit)
        chosen, _notes = choose_model(explicit)
        if not found:
            print("No Vosk model found (looked in --model, $KETAVOICE_MODEL, models/, Vosk's cache folders).")
        for info in found:
            mark = "*" if chosen is not None and info.path == chosen.path else " "
            state = "ok" if info.usable else "NOT USABLE: " + "; ".join(info.problems)
            print(f"{mark} {info.path}  [{info.source}]  {state}")
        if chosen is None:
            print("Using: PocketSphinx's bundled English model. To use Vosk: `ketavoice model install ZIP`.")
        else:
            print(f"Using: Vosk model {chosen.path}")
        return 0
    if action == "install":
        from ketavoice.speech.model_install import install_zip

        destination = install_zip(Path(args.zip), models_dir=Path(args.dest) if args.dest else None,
                                  force=args.force)
        print(f"Installed {destination}")
        return 0
    if action == "verify":
        from ketavoice.errors import ModelError
        from ketavoice.speech.vosk_recognizer import load_vosk_model

        if args.path is None:
            chosen, _notes = choose_model(None)
            if chosen is None:
                print("No Vosk model found to verify; PocketSphinx's bundled model will be used.")
                return 1
            path = chosen.path
        else:
            path = Path(args.path)
        problems = verify_model(path)
        if problems:
            print(f"{path}: NOT USABLE")
            for problem in problems:
                print(f"  - {problem}")
            return 1
        try:
            load_vosk_model(path)
        except ModelError as error:
            print(f"{path}: layout ok, but loading failed: {error}")
            return 1
        print(f"{path}: ok (layout verified, Vosk loaded it)")
        return 0
    from ketavoice.speech.model_install import download_model

    models_dir = Path(args.dest) if args.dest else None
    destination = download_model(args.name, models_dir=models_dir, force=args.force)
    print(f"Downloaded and installed {destination}")
    return 0
