#!/usr/bin/env bash
# One command from a fresh clone to a running board: installs, builds client and server, starts the
# server with embedded defaults (SQLite under ./data) and prints the URL to open.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec pnpm start "$@"
