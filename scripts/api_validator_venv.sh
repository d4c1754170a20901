#!/usr/bin/env bash
# Creates (once) the Python venv with openapi-spec-validator that tests/web/api/openapi.rs checks
# the OpenAPI document with, and prints its interpreter for FIELDWORK_OPENAPI_PYTHON:
#   export FIELDWORK_OPENAPI_PYTHON="$(bash scripts/api_validator_venv.sh)"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-$here/../target/openapi-validator-venv}"
if ! "$venv/bin/python" -c "import openapi_spec_validator" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    -r "$here/api_validator_requirements.txt" >&2
fi
echo "$(cd "$venv" && pwd)/bin/python"
