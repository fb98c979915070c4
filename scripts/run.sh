#!/usr/bin/env bash
# Installs hausgeist, then runs its main job on the embedded defaults: `hausgeist serve`
# (SQLite in the data directory, the virtual demo home) on http://127.0.0.1:8080/.
# Arguments go to `hausgeist serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/hausgeist serve "$@"
