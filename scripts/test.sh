#!/usr/bin/env bash
# Run the whole suite: lint, then pytest on SQLite and on PostgreSQL.
# PostgreSQL: $DATABASE_URL if set; else the server on 127.0.0.1:5432 if one answers; else a throwaway
# cluster started here (installing Debian's postgresql when missing and running as root) and stopped after.
# The schemathesis fuzz tests (tests/api/test_fuzz.py: every API operation, every role's token) run inside
# both pytest runs with a few examples each; `scripts/test.sh fuzz` runs them alone on SQLite with more
# (COUNTYHALL_FUZZ_MAX_EXAMPLES, default 50 there).
# Variables it honours: DATABASE_URL (a postgres:// URL for the PostgreSQL run; anything else is ignored there,
# and the SQLite run always unsets it), COUNTYHALL_PG_THROWAWAY=1 (always start a throwaway cluster),
# COUNTYHALL_PG_PORT (its port, default 54329), COUNTYHALL_FUZZ_MAX_EXAMPLES, COUNTYHALL_CHROMIUM (the browser),
# COUNTYHALL_TEST_SEQUENTIAL=1 (run SQLite then PostgreSQL instead of side by side, every browser walk on each),
# COUNTYHALL_BROWSER_SHARE (set by the side-by-side run: which of the browser walk files a run takes).
# Usage: scripts/test.sh [all|sqlite|postgres|fuzz] [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
WHICH=${1:-all}
shift || true

as_root() { [ "$(id -u)" = 0 ]; }
apt_updated=0
apt_install() {
  if ! as_root; then echo "missing system packages: $* (run as root or install them)" >&2; return 1; fi
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Browser tests drive Debian's chromium; PDFs need the Noto CJK fonts.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
# pdftotext and pdffonts check that the PDFs carry the Chinese text and embed the CJK fonts.
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if ((${#need[@]})); then echo "installing ${need[*]}"; apt_install "${need[@]}"; fi

echo "== ruff"
$BIN/ruff check countyhall tests benchmarks
$BIN/ruff format --check --quiet countyhall tests benchmarks || { echo "ruff format: files above are not formatted (make format)"; exit 1; }

run_pytest() {  # label, then pytest args
  local label=$1; shift
  echo "== pytest on $label"
  # --ds: pytest-django prefers an exported DJANGO_SETTINGS_MODULE (a server's env file names production)
  # over pyproject's; the suite always runs on the test settings.
  "$BIN/pytest" -p no:cacheprovider --ds=countyhall.config.settings.test "$@"
}

pg_reachable() {
  $BIN/python - "$1" <<'PY' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
}

PG_TMP=""
stop_throwaway() {
  if [ -n "$PG_TMP" ] && [ -d "$PG_TMP" ]; then
    $PG_AS "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
}

start_throwaway() {
  PG_BIN=""
  if command -v initdb >/dev/null 2>&1; then PG_BIN=$(dirname "$(command -v initdb)"); fi
  if [ -z "$PG_BIN" ]; then PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true); fi
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "no PostgreSQL reachable and none installed: installing Debian's postgresql"
    apt_install postgresql
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  PG_TMP=$(mktemp -d /tmp/countyhall-pg.XXXXXX)
  PG_AS=""
  if as_root; then
    # initdb refuses to run as root: use the postgres system user (created by the package) or our own.
    id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home countyhall-pg
    local owner=postgres; id -u postgres >/dev/null 2>&1 || owner=countyhall-pg
    chown "$owner" "$PG_TMP"; PG_AS="runuser -u $owner --"
  fi
  local port=${COUNTYHALL_PG_PORT:-54329}
  $PG_AS "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  $PG_AS "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/log" -w \
    -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
  trap stop_throwaway EXIT
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "started a throwaway PostgreSQL cluster on port $port"
}

status=0
if [ "$WHICH" = fuzz ]; then
  (unset DATABASE_URL; COUNTYHALL_FUZZ_MAX_EXAMPLES=${COUNTYHALL_FUZZ_MAX_EXAMPLES:-50} \
    run_pytest "SQLite (schemathesis fuzz)" tests/api/test_fuzz.py "$@") || status=1
  exit $status
fi
sqlite_run() {
  (unset DATABASE_URL; COUNTYHALL_REQUIRE_DB=sqlite run_pytest "SQLite" "$@")
}

choose_postgres() {  # sets DATABASE_URL for the PostgreSQL run (or starts a throwaway cluster)
  case "${DATABASE_URL:-}" in
    ""|postgres://*|postgresql://*) ;;
    *) echo "ignoring DATABASE_URL=$DATABASE_URL for the PostgreSQL run: it is not a postgres:// URL"
       unset DATABASE_URL ;;
  esac
  if [ -n "${DATABASE_URL:-}" ] && [ -z "${COUNTYHALL_PG_THROWAWAY:-}" ]; then
    pg_reachable "$DATABASE_URL" || { echo "DATABASE_URL=$DATABASE_URL does not answer" >&2; exit 1; }
  elif [ -z "${COUNTYHALL_PG_THROWAWAY:-}" ] && pg_reachable "postgres://postgres@127.0.0.1:5432/postgres"; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"
  else
    start_throwaway
  fi
}

postgres_run() {
  # A PostgreSQL run that cannot connect fails: COUNTYHALL_REQUIRE_DB makes the tests refuse SQLite.
  COUNTYHALL_REQUIRE_DB=postgresql run_pytest "PostgreSQL ($DATABASE_URL)" "$@"
}

if [ "$WHICH" = all ] && [ -z "${COUNTYHALL_TEST_SEQUENTIAL:-}" ]; then
  # Both databases at once: each run is one Python process that waits on its database, the browser and the
  # subprocesses for part of the time, so on two cores the two side by side take little more than the longer
  # alone (docs/decisions/0014-test-runs-side-by-side.md). Each run's output is printed whole when both end.
  choose_postgres
  LOGS=$(mktemp -d /tmp/countyhall-test-logs.XXXXXX)
  # The browser walks test the pages, which are the same on both databases: the runs share them, so each
  # walk runs once; SQLite, the shorter run without them, takes two files in three (docs/decisions/0016-browser-walks-
  # once-per-run.md); `scripts/test.sh sqlite|postgres` runs all.
  COUNTYHALL_BROWSER_SHARE=0,1/3 sqlite_run "$@" >"$LOGS/sqlite" 2>&1 & sqlite_pid=$!
  COUNTYHALL_BROWSER_SHARE=2/3 postgres_run "$@" >"$LOGS/postgres" 2>&1 & postgres_pid=$!
  sqlite_status=0; postgres_status=0
  wait "$sqlite_pid" || sqlite_status=1
  wait "$postgres_pid" || postgres_status=1
  cat "$LOGS/sqlite" "$LOGS/postgres"
  if [ "$sqlite_status" != 0 ]; then echo "== the SQLite run failed"; status=1; fi
  if [ "$postgres_status" != 0 ]; then echo "== the PostgreSQL run failed"; status=1; fi
  rm -rf "$LOGS"
  exit $status
fi
if [ "$WHICH" = all ] || [ "$WHICH" = sqlite ]; then
  sqlite_run "$@" || status=1
fi
if [ "$WHICH" = all ] || [ "$WHICH" = postgres ]; then
  choose_postgres
  postgres_run "$@" || status=1
fi
exit $status
