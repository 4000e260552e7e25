#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the clinic-store tests and print the URL to use.
# Usage: eval "$(bash scripts/pg_test_server.sh start)"   (exports KETAVOICE_TEST_DATABASE_URL)
#        bash scripts/pg_test_server.sh stop
# Data lives in KETAVOICE_PG_DIR (default /tmp/ketavoice-pg-$UID-$PORT); fsync is off: test data only.
set -euo pipefail
action="${1:-start}"
port="${KETAVOICE_PG_PORT:-55432}"
data="${KETAVOICE_PG_DIR:-/tmp/ketavoice-pg-$(id -u)-$port}"
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
  echo "pg_test_server: PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)" >&2
  exit 1
fi
# PostgreSQL refuses to run as root: as root, run its tools as the postgres user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    if [ ! -f "$data/PG_VERSION" ]; then
      rm -rf "$data"; mkdir -p "$data"
      [ "$(id -u)" -eq 0 ] && chown postgres: "$data"
      chmod 700 "$data"
      as_owner "$bindir/initdb" -D "$data" -U postgres -A trust --no-sync >"$data.initdb.log" 2>&1 \
        || { cat "$data.initdb.log" >&2; exit 1; }
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      as_owner "$bindir/pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" \
        -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
    fi
    as_owner "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'ketavoice_test'" | grep -q 1 \
      || as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres ketavoice_test
    echo "export KETAVOICE_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:$port/ketavoice_test"
    ;;
  stop)
    as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2; exit 2;;
esac
