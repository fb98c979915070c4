#!/usr/bin/env bash
# Installs hausgeist with its development tools, then runs lint, type checks and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh dev
.venv/bin/ruff check hausgeist tests bench
.venv/bin/mypy
.venv/bin/pytest "$@"
