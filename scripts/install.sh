#!/usr/bin/env bash
# Installs hausgeist into ./.venv (system packages first, then Python packages).
# Idempotent: a second run only checks what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
EXTRA=${1:-}

# System packages hausgeist needs; apt-get update runs first, and only when something is missing.
APT_PACKAGES=()
if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    APT_PACKAGES+=(python3-venv)
fi
# mpd plays music for households that use it and for the media tests; sox makes test audio.
command -v mpd >/dev/null || APT_PACKAGES+=(mpd)
command -v sox >/dev/null || APT_PACKAGES+=(sox)
# espeak-ng speaks replies (German voice) and makes the speech tests' audio.
command -v espeak-ng >/dev/null || APT_PACKAGES+=(espeak-ng)
# The test suite drives the web UI in Debian's Chromium, installed with its recommended
# packages (fonts, GTK), as the browser test was run.
BROWSER=()
if [ "$EXTRA" = "dev" ]; then
    command -v chromium >/dev/null || BROWSER+=(chromium)
fi
if ((${#APT_PACKAGES[@]} + ${#BROWSER[@]})); then
    apt-get update
fi
if ((${#APT_PACKAGES[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"
fi
if ((${#BROWSER[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${BROWSER[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=23"
if [ -n "$EXTRA" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$EXTRA]"
else
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
fi
# Compile the German grammar once into the package, so that every start is fast.
.venv/bin/python -m hausgeist.language.build
