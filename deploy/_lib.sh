# shellcheck shell=bash
# Shared helpers for the deploy/ scripts. Sourced, never executed.

MECHANIC_LOG_PREFIX="${MECHANIC_LOG_PREFIX:-mechanic}"

log() { printf '[%s %s] %s\n' "$MECHANIC_LOG_PREFIX" "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$MECHANIC_LOG_PREFIX" "$*" >&2
  exit 1
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# apt_install [APT-GET-OPTION...] PKG...: install Debian packages (root only), running
# `apt-get update` once per process.
_MECHANIC_APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install these packages by hand: $*"
  is_root || die "need root to apt-get install $* (or install them yourself and re-run)"
  export DEBIAN_FRONTEND=noninteractive
  if [[ "$_MECHANIC_APT_UPDATED" -eq 0 ]]; then
    log "apt-get update"
    apt-get update -q >&2 || die "apt-get update failed"
    _MECHANIC_APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  apt-get install -y -q "$@" >&2 || die "apt-get install $* failed"
}

# port_in_use PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# require_free_port PORT WHAT
require_free_port() {
  if port_in_use "$1"; then
    die "port 127.0.0.1:$1 (for $2) is already in use; a leftover from an earlier run? \
find it with: ss -ltnp 'sport = :$1'"
  fi
}

# pid_alive PIDFILE: true if PIDFILE names a live process.
pid_alive() {
  local pid
  [[ -s "$1" ]] || return 1
  pid="$(<"$1")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# tail_file FILE [N]: print the last N lines of FILE to stderr, framed.
tail_file() {
  local f="$1" n="${2:-60}"
  if [[ -f "$f" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$n" "$f" >&2
    tail -n "$n" "$f" >&2 || true
    printf -- '----- end of %s -----\n' "$f" >&2
  else
    printf -- '----- (no %s) -----\n' "$f" >&2
  fi
}
