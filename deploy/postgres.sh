#!/usr/bin/env bash
# deploy/postgres.sh -- a throwaway PostgreSQL server on 127.0.0.1, from Debian's packages.
#
# Usage:
#   deploy/postgres.sh install
#       Make sure initdb/pg_ctl exist (/usr/lib/postgresql/*/bin); if not, apt-get install postgresql
#       (root only; the packaged "main" cluster is not created).
#   deploy/postgres.sh start DATA_DIR [PORT]
#       initdb DATA_DIR/pgdata (first time only), start the server on 127.0.0.1:PORT (default 5432)
#       with its unix socket in DATA_DIR/run, then create the role and database (idempotent).
#       Log: DATA_DIR/postgres.log. Prints nothing on stdout; the URL is given by `url`.
#   deploy/postgres.sh stop DATA_DIR [MODE]
#       Shut down with pg_ctl -m MODE: fast (default), or immediate (a crash: recovery on next start).
#   deploy/postgres.sh status DATA_DIR    Exit 0 if it is running.
#   deploy/postgres.sh url DATA_DIR       Print the SQLAlchemy URL (postgresql+psycopg://...).
#
# When run as root the server runs as the OS user $MECHANIC_PG_OS_USER (default postgres, created
# if missing) via runuser, since PostgreSQL refuses to run as root; DATA_DIR's parents must then be
# traversable by that user (e.g. under /tmp). As a normal user it runs as that user.
#
# Environment:
#   MECHANIC_PG_USER      role to create (default mechanic)
#   MECHANIC_PG_PASSWORD  its password (default mechanic)
#   MECHANIC_PG_DB        database to create, owned by the role (default mechanic_test)
#   MECHANIC_PG_OS_USER   OS user that runs the server when invoked as root (default postgres)
#   MECHANIC_PG_FAST      1 (default) = fsync/synchronous_commit/full_page_writes off: test-only speed
#
# Auth: unix socket = trust; TCP on 127.0.0.1 = scram-sha-256 (the role's password is checked).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MECHANIC_LOG_PREFIX="postgres"
# shellcheck source=deploy/_lib.sh
source "$HERE/_lib.sh"

PG_USER="${MECHANIC_PG_USER:-mechanic}"
PG_PASSWORD="${MECHANIC_PG_PASSWORD:-mechanic}"
PG_DB="${MECHANIC_PG_DB:-mechanic_test}"
OS_USER="${MECHANIC_PG_OS_USER:-postgres}"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

# find_bindir: newest /usr/lib/postgresql/N/bin with initdb, else the directory of initdb on PATH.
find_bindir() {
  local d best="" best_v=-1 v
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] || continue
    v="$(basename "$(dirname "$d")")"
    v="${v%%.*}"
    [[ "$v" =~ ^[0-9]+$ ]] || continue
    if ((v > best_v)); then
      best_v=$v
      best=$d
    fi
  done
  if [[ -z "$best" ]] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    best="$(dirname "$(command -v initdb)")"
  fi
  [[ -n "$best" ]] && printf '%s\n' "$best"
}

install() {
  local bindir
  if bindir="$(find_bindir)"; then
    log "PostgreSQL binaries: $bindir"
    return 0
  fi
  log "PostgreSQL server binaries not found; installing Debian's postgresql"
  # Install postgresql-common first and tell it not to create + start the packaged 'main' cluster.
  apt_install --no-install-recommends postgresql-common
  if [[ -f /etc/postgresql-common/createcluster.conf ]]; then
    sed -i -E 's/^#?[[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' \
      /etc/postgresql-common/createcluster.conf
  fi
  apt_install --no-install-recommends postgresql
  bindir="$(find_bindir)" || die "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"
  log "PostgreSQL binaries: $bindir"
}

ensure_os_user() {
  is_root || return 0
  if ! id -u "$OS_USER" >/dev/null 2>&1; then
    log "creating OS user $OS_USER"
    useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin "$OS_USER" \
      || die "useradd $OS_USER failed"
  fi
}

# as_server_user CMD...: run CMD as the server's OS user.
as_server_user() {
  if is_root; then
    runuser -u "$OS_USER" -- "$@"
  else
    "$@"
  fi
}

bindir_or_die() {
  local b
  b="$(find_bindir)" || die "PostgreSQL server binaries not found: run '$0 install' (as root) first"
  printf '%s\n' "$b"
}

running() { [[ -f "$1/pgdata/postmaster.pid" ]] && as_server_user "$2/pg_ctl" -D "$1/pgdata" status >/dev/null 2>&1; }

sql_quote() { printf "'%s'" "${1//\'/\'\'}"; }

start() {
  [[ $# -ge 1 ]] || usage
  local data="$1" port="${2:-5432}" bindir
  [[ "$port" =~ ^[0-9]+$ ]] || die "port must be a number: '$port'"
  bindir="$(bindir_or_die)"
  ensure_os_user
  mkdir -p "$data"
  data="$(cd "$data" && pwd)"
  if is_root; then
    chown "$OS_USER:" "$data"
    runuser -u "$OS_USER" -- test -w "$data" \
      || die "OS user $OS_USER cannot write $data: a parent directory is not traversable (use a path under /tmp)"
  fi
  local pgdata="$data/pgdata" sock="$data/run" logf="$data/postgres.log"
  as_server_user mkdir -p "$sock"

  if running "$data" "$bindir"; then
    log "already running on $data"
  else
    require_free_port "$port" "PostgreSQL"
    if [[ ! -f "$pgdata/PG_VERSION" ]]; then
      log "initdb $pgdata ($("$bindir/postgres" --version))"
      if ! as_server_user "$bindir/initdb" -D "$pgdata" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$data/initdb.log" 2>&1; then
        tail_file "$data/initdb.log"
        die "initdb failed"
      fi
      {
        echo "# added by deploy/postgres.sh"
        echo "listen_addresses = '127.0.0.1'"
        echo "max_connections = 200"
        echo "shared_buffers = 128MB"
        echo "logging_collector = off"
        echo "log_min_messages = warning"
        echo "log_line_prefix = '%m [%p] %q%u@%d '"
        if [[ "${MECHANIC_PG_FAST:-1}" == 1 ]]; then
          echo "fsync = off"
          echo "synchronous_commit = off"
          echo "full_page_writes = off"
        fi
        echo "include_if_exists = 'mechanic_runtime.conf'"
      } | as_server_user tee -a "$pgdata/postgresql.conf" >/dev/null
    fi
    # Port and socket directory are rewritten on every start (the data dir may be reused).
    printf "port = %s\nunix_socket_directories = '%s'\n" "$port" "${sock//\'/\'\'}" \
      | as_server_user tee "$pgdata/mechanic_runtime.conf" >/dev/null
    log "starting PostgreSQL on 127.0.0.1:$port (data $pgdata)"
    # The log file lives in DATA_DIR, which the server user owns.
    if ! as_server_user "$bindir/pg_ctl" -D "$pgdata" -l "$logf" -w -t 60 start >"$data/pg_ctl.out" 2>&1; then
      tail_file "$data/pg_ctl.out" 20
      tail_file "$logf" 60
      die "PostgreSQL did not start on 127.0.0.1:$port"
    fi
    printf '%s\n' "$port" >"$data/port"
  fi

  port="$(<"$data/port")"
  local psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U postgres -d postgres)
  local role_exists db_exists
  role_exists="$("${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = $(sql_quote "$PG_USER")")"
  if [[ "$role_exists" != 1 ]]; then
    "${psql[@]}" -c "CREATE ROLE \"$PG_USER\" LOGIN CREATEDB PASSWORD $(sql_quote "$PG_PASSWORD")" \
      || die "could not create role $PG_USER"
  else
    "${psql[@]}" -c "ALTER ROLE \"$PG_USER\" LOGIN CREATEDB PASSWORD $(sql_quote "$PG_PASSWORD")" \
      || die "could not update role $PG_USER"
  fi
  # Tests drop their databases WITH (FORCE), which must end an autovacuum worker too.
  "${psql[@]}" -c "GRANT pg_signal_backend TO \"$PG_USER\"" || die "could not grant pg_signal_backend"
  db_exists="$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = $(sql_quote "$PG_DB")")"
  if [[ "$db_exists" != 1 ]]; then
    "${psql[@]}" -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\"" || die "could not create database $PG_DB"
  fi
  log "PostgreSQL ready: database $PG_DB, role $PG_USER on 127.0.0.1:$port"
}

stop() {
  [[ $# -ge 1 ]] || usage
  local data="$1" mode="${2:-fast}" bindir
  [[ "$mode" == fast || "$mode" == immediate ]] || die "stop mode must be fast or immediate: '$mode'"
  bindir="$(bindir_or_die)"
  if [[ ! -f "$data/pgdata/postmaster.pid" ]]; then
    log "not running ($data)"
    return 0
  fi
  log "stopping PostgreSQL ($data, $mode)"
  if ! as_server_user "$bindir/pg_ctl" -D "$data/pgdata" -m "$mode" -w -t 60 stop >"$data/pg_ctl.out" 2>&1; then
    tail_file "$data/pg_ctl.out" 20
    running "$data" "$bindir" && die "pg_ctl stop failed"
  fi
  log "stopped"
}

status() {
  [[ $# -ge 1 ]] || usage
  local bindir
  bindir="$(bindir_or_die)"
  if running "$1" "$bindir"; then
    echo "running"
  else
    echo "not running"
    return 1
  fi
}

url() {
  [[ $# -ge 1 ]] || usage
  [[ -f "$1/port" ]] || die "no server was started on $1"
  printf 'postgresql+psycopg://%s:%s@127.0.0.1:%s/%s\n' "$PG_USER" "$PG_PASSWORD" "$(<"$1/port")" "$PG_DB"
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  install) install ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  status) status "$@" ;;
  url) url "$@" ;;
  *) usage ;;
esac
