#!/usr/bin/env bash
# Installs what Easel needs on a machine that has only Node.js 20+: pnpm, the workspace packages
# (better-sqlite3 compiles from source against Node's headers), and with --browsers, Debian's
# Chromium for the end-to-end tests. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browsers=0
for arg in "$@"; do
  case "$arg" in
    --browsers) want_browsers=1 ;;
    *) echo "usage: $0 [--browsers]" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ "$want_browsers" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Chromium (Debian package)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "12.4.2" ]; then
  echo "==> installing pnpm 12.4.2"
  npm install -g pnpm@12.4.2 >/dev/null 2>&1 || as_root npm install -g pnpm@12.4.2 >/dev/null
fi

echo "==> installing packages"
# better-sqlite3 has no downloadable prebuilt binary here: node-gyp builds it against these headers.
if [ -z "${npm_config_nodedir:-}" ]; then
  node_prefix="$(dirname "$(dirname "$(command -v node)")")"
  if [ -f "$node_prefix/include/node/node.h" ]; then export npm_config_nodedir="$node_prefix"; fi
fi
pnpm install --frozen-lockfile
