#!/usr/bin/env bash
# deploy/test.sh -- the project's test command (`make test`).
#
#   bash deploy/test.sh [PYTEST-ARGS...]
#
# Provisions REAL services, runs pytest against them, tears them down, and exits with pytest's code:
#   * Apache Kafka 4.x (KRaft, single node) from Maven Central jars     (deploy/kafka.sh)
#   * PostgreSQL from Debian's packages, database mechanic_test          (deploy/postgres.sh)
#   * Chromium from Debian packages, for the browser tests             (deploy/chromium.sh)
# A service that cannot be provisioned fails the run (exit 1) with its log tail.
#
# Exported to pytest:
#   MECHANIC_KAFKA_BOOTSTRAP     127.0.0.1:<kafka port>           (default port 19092, controller 19093)
#   MECHANIC_TEST_POSTGRES_URL   postgresql+psycopg://mechanic:mechanic@127.0.0.1:<pg port>/mechanic_test
#                                (default port 15432; the role may CREATE DATABASE)
#   MECHANIC_REQUIRE_REAL=1      tests marked kafka/postgres must fail, not skip, without their service
#   MECHANIC_TEST_ARTIFACTS      absolute path of test-artifacts/ (gitignored)
#   MECHANIC_CHROMIUM            path of the Chromium binary (unless MECHANIC_TEST_BROWSER=0)
#   MECHANIC_TEST_KAFKA_DATA_DIR, MECHANIC_TEST_KAFKA_CONTROLLER_PORT, MECHANIC_TEST_PG_DATA_DIR,
#   MECHANIC_TEST_PG_PORT        where the services run, for tests that kill and restart them
#
# Knobs:
#   MECHANIC_TEST_KAFKA_PORT, MECHANIC_TEST_KAFKA_CONTROLLER_PORT, MECHANIC_TEST_PG_PORT
#       fixed ports; if unset and a default port is taken (another run on this machine), free ports
#       are picked instead.
#   MECHANIC_TEST_BROWSER=0     skip installing Chromium (browser tests then fail under REQUIRE_REAL)
#   MECHANIC_KEEP_TEST_DIR=1    keep the temporary data directory
#   MECHANIC_ALLOW_NO_TESTS=1   map pytest's exit 5 (no tests collected) to 0
# Logs (kafka-server.log, kafka.out, postgres.log, ...) are copied to test-artifacts/ at exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MECHANIC_LOG_PREFIX="test"
# shellcheck source=deploy/_lib.sh
source "$ROOT/deploy/_lib.sh"

PYTHON="$ROOT/.venv/bin/python"
PYTEST="$ROOT/.venv/bin/pytest"
ARTIFACTS="$ROOT/test-artifacts"
T_START=$SECONDS

if [[ ! -x "$PYTEST" ]]; then
  log "no $PYTEST: installing the virtualenv (make .venv/.installed)"
  make -s .venv/.installed || die "could not create the virtualenv; run 'make test' from a clean checkout"
fi

mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/kafka-server.log "$ARTIFACTS"/kafka.out "$ARTIFACTS"/kafka-format.out \
  "$ARTIFACTS"/postgres.log "$ARTIFACTS"/postgres-initdb.log "$ARTIFACTS"/provision.txt
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mechanic-test.XXXXXX")"
chmod 755 "$RUN_DIR" # the PostgreSQL server runs as another OS user when we are root
KAFKA_DIR="$RUN_DIR/kafka"
PG_DIR="$RUN_DIR/postgres"
KAFKA_START_PID=""

# shellcheck disable=SC2317  # only reached through the EXIT trap
collect_logs() {
  [[ -f "$KAFKA_DIR/logs/server.log" ]] && cp "$KAFKA_DIR/logs/server.log" "$ARTIFACTS/kafka-server.log"
  [[ -f "$KAFKA_DIR/logs/kafka.out" ]] && cp "$KAFKA_DIR/logs/kafka.out" "$ARTIFACTS/kafka.out"
  [[ -f "$KAFKA_DIR/logs/format.out" ]] && cp "$KAFKA_DIR/logs/format.out" "$ARTIFACTS/kafka-format.out"
  [[ -f "$PG_DIR/postgres.log" ]] && cp "$PG_DIR/postgres.log" "$ARTIFACTS/postgres.log" && chmod 644 "$ARTIFACTS/postgres.log"
  [[ -f "$PG_DIR/initdb.log" ]] && cp "$PG_DIR/initdb.log" "$ARTIFACTS/postgres-initdb.log"
  return 0
}

# shellcheck disable=SC2317
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [[ -n "$KAFKA_START_PID" ]] && kill -0 "$KAFKA_START_PID" 2>/dev/null; then
    kill "$KAFKA_START_PID" 2>/dev/null
    wait "$KAFKA_START_PID" 2>/dev/null
  fi
  bash "$ROOT/deploy/kafka.sh" stop "$KAFKA_DIR"
  bash "$ROOT/deploy/postgres.sh" stop "$PG_DIR"
  collect_logs
  if [[ "${MECHANIC_KEEP_TEST_DIR:-0}" == 1 ]]; then
    log "kept $RUN_DIR"
  else
    rm -rf "$RUN_DIR"
  fi
  log "done in $((SECONDS - T_START))s, exit code $rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# pick_port VAR DEFAULT WHAT: the port from $VAR if set (must be free: checked by the service
# scripts), else DEFAULT if free, else a free one.
pick_port() {
  local var="$1" default="$2" what="$3"
  if [[ -n "${!var:-}" ]]; then
    printf '%s\n' "${!var}"
  elif port_in_use "$default"; then
    local p
    p="$(free_port)"
    log "WARNING: default port $default for $what is taken (another test run? a leftover?); using $p" >&2
    printf '%s\n' "$p"
  else
    printf '%s\n' "$default"
  fi
}

KAFKA_PORT="$(pick_port MECHANIC_TEST_KAFKA_PORT 19092 'Kafka')"
KAFKA_CPORT="$(pick_port MECHANIC_TEST_KAFKA_CONTROLLER_PORT 19093 'Kafka controller')"
if [[ "$KAFKA_CPORT" == "$KAFKA_PORT" ]]; then KAFKA_CPORT="$(free_port)"; fi
PG_PORT="$(pick_port MECHANIC_TEST_PG_PORT 15432 'PostgreSQL')"

# --- provision -------------------------------------------------------------------------------
t=$SECONDS
bash "$ROOT/deploy/kafka.sh" fetch
T_FETCH=$((SECONDS - t))
t=$SECONDS
bash "$ROOT/deploy/postgres.sh" install
T_PGINSTALL=$((SECONDS - t))

# Kafka's JVM takes a few seconds to boot: start it in the background while PostgreSQL starts.
t=$SECONDS
bash "$ROOT/deploy/kafka.sh" start "$KAFKA_DIR" "$KAFKA_PORT" "$KAFKA_CPORT" &
KAFKA_START_PID=$!
if ! bash "$ROOT/deploy/postgres.sh" start "$PG_DIR" "$PG_PORT"; then
  die "PostgreSQL could not be started (log tail above; logs in test-artifacts/)"
fi
T_PG=$((SECONDS - t))
if ! wait "$KAFKA_START_PID"; then
  KAFKA_START_PID=""
  die "Kafka could not be started (log tail above; logs in test-artifacts/)"
fi
KAFKA_START_PID=""
T_KAFKA=$((SECONDS - t))

if [[ "${MECHANIC_TEST_BROWSER:-1}" == 1 ]]; then
  MECHANIC_CHROMIUM="$(bash "$ROOT/deploy/chromium.sh" install)"
  export MECHANIC_CHROMIUM
fi

export MECHANIC_KAFKA_BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
MECHANIC_TEST_POSTGRES_URL="$(bash "$ROOT/deploy/postgres.sh" url "$PG_DIR")"
export MECHANIC_TEST_POSTGRES_URL
export MECHANIC_REQUIRE_REAL=1
export MECHANIC_TEST_ARTIFACTS="$ARTIFACTS"
# For the fault-injection tests, which kill and restart the services themselves.
export MECHANIC_TEST_KAFKA_DATA_DIR="$KAFKA_DIR" MECHANIC_TEST_KAFKA_CONTROLLER_PORT="$KAFKA_CPORT"
export MECHANIC_TEST_PG_DATA_DIR="$PG_DIR" MECHANIC_TEST_PG_PORT="$PG_PORT"

# End-to-end check with the project's own client libraries, so a broken service fails here, loudly,
# rather than as a hundred confusing test errors.
t=$SECONDS
if ! "$PYTHON" - <<'EOF'; then
import os
import sys

import psycopg
from kafka import KafkaAdminClient

bootstrap = os.environ["MECHANIC_KAFKA_BOOTSTRAP"]
try:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000, client_id="mechanic-test-probe")
    admin.list_topics()
    admin.close()
except Exception as exc:  # noqa: BLE001
    sys.exit(f"Kafka at {bootstrap} does not answer: {exc!r}")

url = os.environ["MECHANIC_TEST_POSTGRES_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
try:
    with psycopg.connect(url, connect_timeout=10) as conn:
        conn.execute("SELECT 1").fetchone()
except Exception as exc:  # noqa: BLE001
    sys.exit(f"PostgreSQL at {url} does not answer: {exc!r}")
EOF
  tail_file "$KAFKA_DIR/logs/server.log" 40
  tail_file "$PG_DIR/postgres.log" 20
  die "service check failed"
fi
T_CHECK=$((SECONDS - t))

{
  echo "kafka      $MECHANIC_KAFKA_BOOTSTRAP (controller 127.0.0.1:$KAFKA_CPORT)"
  echo "postgres   $MECHANIC_TEST_POSTGRES_URL"
  echo "chromium   ${MECHANIC_CHROMIUM:-not requested}"
  echo "seconds    kafka fetch $T_FETCH, postgres install $T_PGINSTALL, postgres start $T_PG," \
    "kafka start $T_KAFKA (parallel), client check $T_CHECK"
} | tee "$ARTIFACTS/provision.txt" >&2

# --- test ------------------------------------------------------------------------------------
log "pytest $*"
set +e
"$PYTEST" "$@"
rc=$?
set -e
if [[ "$rc" -eq 5 && "${MECHANIC_ALLOW_NO_TESTS:-0}" == 1 ]]; then
  log "WARNING: pytest collected no tests (exit 5); MECHANIC_ALLOW_NO_TESTS=1 maps it to 0"
  rc=0
fi
exit "$rc"
