#!/usr/bin/env bash
# Set up cstrdf on a fresh Debian 12 machine with Python 3.11: system packages, a virtual
# environment in .venv, and the package with its test extras (editable). Safe to run again.
# As non-root it skips apt (and warns if a package is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# ---------------------------------------------------------------------------------------------
# System packages. Later issues add theirs here (e.g. virtuoso-opensource, chromium).
APT_PACKAGES=(
    python3-venv          # python -m venv with ensurepip
    default-jre-headless  # Java for Jena (second SHACL engine) and HermiT (owlready2)
    libapache-jena-java   # Apache Jena jars: SHACL, RIOT, ARQ
    raptor2-utils         # rapper: a strict Turtle checker
    virtuoso-opensource   # Virtuoso: a real triple store for the load and cross-engine tests
    chromium              # headless browser for the site tests (no browser downloads)
    chromium-driver       # its WebDriver, for Selenium
    fonts-dejavu-core     # a font, so screenshots show text
)
# ---------------------------------------------------------------------------------------------

say() { printf 'setup.sh: %s\n' "$*" >&2; }

missing_packages() {
    local pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            printf '%s\n' "$pkg"
        fi
    done
}

if command -v dpkg-query >/dev/null 2>&1; then
    mapfile -t missing < <(missing_packages)
    if ((${#missing[@]})); then
        if [ "$(id -u)" -eq 0 ]; then
            say "installing ${missing[*]}"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        else
            say "warning: not root, so not installing: ${missing[*]} (some tests will fail without them)"
        fi
    fi
else
    say "warning: no dpkg-query (not Debian?); install by hand: ${APT_PACKAGES[*]}"
fi

# Python 3.11 or newer: prefer python3.11, then python3.
PYTHON=""
for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
        && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        PYTHON="$candidate"
        break
    fi
done
if [ -z "$PYTHON" ] && [ ! -x .venv/bin/python ]; then
    say "error: Python 3.11 or newer is needed"
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    say "creating .venv with $PYTHON"
    "$PYTHON" -m venv .venv
fi

say "installing cstrdf (editable) with its test extras into .venv"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
say "ready: .venv/bin/cstrdf $(.venv/bin/cstrdf --version | cut -d' ' -f2)"
