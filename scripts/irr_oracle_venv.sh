#!/usr/bin/env bash
# Creates (once) the Python venv that tests/agreement_crosscheck.rs runs scripts/irr_oracle.py
# in, and prints its interpreter for FIELDWORK_PYTHON:
#   export FIELDWORK_PYTHON="$(bash scripts/irr_oracle_venv.sh)"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-$here/../target/irr-oracle-venv}"
if ! "$venv/bin/python" -c "import krippendorff, sklearn, statsmodels" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    -r "$here/irr_oracle_requirements.txt" >&2
fi
echo "$(cd "$venv" && pwd)/bin/python"
