#!/usr/bin/env bash
# Run the whole suite. Under CI=true, run it on SQLite and then on PostgreSQL.
set -u
cd "$(dirname "$0")/.."
PYTEST=".venv/bin/pytest"
export KHAOSAT_DATA_DIR="${KHAOSAT_DATA_DIR:-$PWD/data}"
mkdir -p "$KHAOSAT_DATA_DIR"
args=(-p no:cacheprovider -n 2 --dist loadfile "$@")

echo "== Bộ kiểm thử trên SQLite =="
env -u DATABASE_URL "$PYTEST" "${args[@]}"
rc=$?
[ $rc -ne 0 ] && exit $rc

if [ "${CI:-}" = "true" ] || [ -n "${KHAOSAT_TEST_POSTGRES:-}" ]; then
  echo "== Bộ kiểm thử trên PostgreSQL =="
  if ! command -v pg_ctlcluster >/dev/null 2>&1 && ! command -v pg_isready >/dev/null 2>&1; then
    echo "PostgreSQL không có trên máy này: BỎ QUA nhánh PostgreSQL (không chạy bài nào trên PostgreSQL)."
    exit 0
  fi
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    echo "Không khởi động được PostgreSQL tại 127.0.0.1:5432." >&2
    exit 1
  fi
  # The core areas import no Django and never touch the database: the PostgreSQL leg runs
  # every test that does (the web app, capture concurrency, end-to-end).
  DATABASE_URL="${KHAOSAT_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}" \
    "$PYTEST" "${args[@]}" -m "db_backend"
  rc=$?
  exit $rc
fi
