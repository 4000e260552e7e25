#!/usr/bin/env bash
# Set up a virtualenv with the test extra and run every check CI runs: ruff, mypy, content check, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test,clinic]'
# The clinic-store tests need a PostgreSQL server: start a throwaway one when the binaries are here.
if [ -z "${KETAVOICE_TEST_DATABASE_URL:-}" ] && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  eval "$(bash scripts/pg_test_server.sh start)"
fi
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/ketavoice content check
.venv/bin/python -m pytest -q "$@"
