#!/usr/bin/env bash
# Installs hausgeist, then runs its main job on the embedded defaults.
# Until `hausgeist serve` exists (issue 4), the main job is one turn against the demo home.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/hausgeist ask "${1:-Schalte das Licht in der Küche an}"
