#!/usr/bin/env bash
# deploy/vendor.sh -- the browser libraries the pages serve themselves, from /static/vendor/ (never
# from a CDN): `npm ci` installs what package-lock.json pins from the npm registry, then Leaflet's
# built files are copied to api/static/vendor/leaflet/ (gitignored). Run by `make` (the install
# stamp) and the Dockerfile.
#
# Without npm, or if the install fails, the pages still work, without maps: place search and typed
# coordinates remain, and /docs points to /openapi.json instead of showing Swagger UI (also served
# from here: swagger-ui-dist). This says so and exits 0, unless MECHANIC_REQUIRE_VENDOR=1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/api/static/vendor/leaflet"

missing() {
  echo "vendor: $1: the pages will have no maps (place search and coordinates still work)" >&2
  [[ "${MECHANIC_REQUIRE_VENDOR:-0}" == 1 ]] && exit 1
  exit 0
}

command -v npm >/dev/null 2>&1 || missing "npm is not installed (install Node.js 18+ and npm, then run make again)"
cd "$ROOT"
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error || missing "npm ci failed"
rm -rf "$DEST"
mkdir -p "$DEST"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$DEST/"
cp -r node_modules/leaflet/dist/images "$DEST/"
cp node_modules/leaflet/LICENSE "$DEST/LICENSE.txt"
DOCS="$ROOT/api/static/vendor/swagger-ui"
rm -rf "$DOCS"
mkdir -p "$DOCS"
cp node_modules/swagger-ui-dist/{swagger-ui-bundle.js,swagger-ui.css,favicon-32x32.png,LICENSE} "$DOCS/"
echo "vendor: leaflet $(node -p 'require("./node_modules/leaflet/package.json").version' 2>/dev/null || echo '?') in api/static/vendor/leaflet" >&2
