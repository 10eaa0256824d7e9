#!/usr/bin/env bash
# deploy/chromium.sh -- Debian's Chromium for the browser tests (pytest -m browser).
#
# Usage:
#   deploy/chromium.sh install   apt-get install chromium (+ chromium-driver) if /usr/bin/chromium is
#                                missing (root only), then print the binary's path on stdout.
#   deploy/chromium.sh path      Print the binary's path, or fail if it is not installed.
#
# Environment:
#   MECHANIC_CHROMIUM             binary to use instead of /usr/bin/chromium
#   MECHANIC_CHROMIUM_DRIVER=0    do not install chromium-driver (default 1: install it too)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MECHANIC_LOG_PREFIX="chromium"
# shellcheck source=deploy/_lib.sh
source "$HERE/_lib.sh"

BIN="${MECHANIC_CHROMIUM:-/usr/bin/chromium}"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

path() {
  [[ -x "$BIN" ]] || die "Chromium not found at $BIN: run '$0 install' (as root)"
  printf '%s\n' "$BIN"
}

install() {
  if [[ ! -x "$BIN" ]]; then
    [[ "$BIN" == /usr/bin/chromium ]] || die "MECHANIC_CHROMIUM=$BIN does not exist"
    local pkgs=(chromium)
    [[ "${MECHANIC_CHROMIUM_DRIVER:-1}" == 1 ]] && pkgs+=(chromium-driver)
    apt_install "${pkgs[@]}"
  fi
  local v
  v="$("$BIN" --headless --no-sandbox --version 2>/dev/null || true)"
  [[ -n "$v" ]] || die "$BIN is installed but does not run (try: $BIN --headless --no-sandbox --version)"
  log "$v at $BIN"
  printf '%s\n' "$BIN"
}

case "${1:-}" in
  install) install ;;
  path) path ;;
  *) usage ;;
esac
