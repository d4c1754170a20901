#!/usr/bin/env bash
# Creates (once) the Python venv with pyreadstat that tests/web/labelled_readers reads the .sav and
# .dta files back with, and prints its interpreter for FIELDWORK_READERS_PYTHON:
#   export FIELDWORK_READERS_PYTHON="$(bash scripts/labelled_readers_venv.sh)"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-$here/../target/labelled-readers-venv}"
if ! "$venv/bin/python" -c "import pyreadstat" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    -r "$here/labelled_readers_requirements.txt" >&2
fi
echo "$(cd "$venv" && pwd)/bin/python"
