#!/usr/bin/env bash
# Set up a virtualenv and open ketavoice on its embedded defaults (pass --voice to add speech).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/ketavoice ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[whisper,clinic]'
fi
exec .venv/bin/ketavoice "$@"
