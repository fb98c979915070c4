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
# The speech tests and benchmarks also speak with mbrola's German diphone voices (recordings
# of human speakers, nearer to what a microphone hears than espeak-ng's formant voice). They
# are in Debian's contrib (mbrola) and non-free (the voices: non-commercial licence)
# components, so only the dev extra installs them, never a household's installation.
MBROLA=()
if [ "$EXTRA" = "dev" ]; then
    command -v mbrola >/dev/null || MBROLA+=(mbrola)
    for n in 1 2 3 4 5 6 7; do
        [ -d "/usr/share/mbrola/de$n" ] || MBROLA+=("mbrola-de$n")
    done
fi
if ((${#MBROLA[@]})); then
    CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    SOURCES=/etc/apt/sources.list.d/hausgeist-mbrola.sources
    if [ -n "$CODENAME" ] && [ ! -e "$SOURCES" ]; then
        cat >"$SOURCES" <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: $CODENAME
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
fi
if ((${#APT_PACKAGES[@]} + ${#BROWSER[@]} + ${#MBROLA[@]})); then
    apt-get update
fi
if ((${#APT_PACKAGES[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"
fi
if ((${#BROWSER[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${BROWSER[@]}"
fi
if ((${#MBROLA[@]})); then
    # mbrola-de1 ... de7 are what espeak-ng speaks as the voices mb-de1 ... mb-de7.
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        mbrola mbrola-de1 mbrola-de2 mbrola-de3 mbrola-de4 mbrola-de5 mbrola-de6 mbrola-de7
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
