#!/usr/bin/env bash
# One command from a fresh clone to the whole test suite: installs (Chromium included), then
# typecheck, lint, format check, unit + integration tests (Vitest) and end-to-end tests
# (Playwright), ending with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browsers
exec node scripts/test-all.mjs
