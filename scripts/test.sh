#!/usr/bin/env bash
# Runs every test: installs what is missing (as root), then `swift test`, then validates the
# OpenAPI document. Tests that need a database start their own throwaway PostgreSQL cluster.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
neonhub_setup

say "running swift test…"
swift test "$@"

say "validating the OpenAPI document (openapi-spec-validator)…"
PY=python3
if ! "$PY" -c 'import openapi_spec_validator' 2>/dev/null; then
  # A private virtualenv: system Pythons (PEP 668) refuse `pip install` outside one.
  VENV=.build/py-venv
  if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv)"; fi
  "$VENV/bin/python" -m pip install -q openapi-spec-validator || die "could not install openapi-spec-validator from PyPI"
  PY="$VENV/bin/python"
fi
SPEC=$(mktemp -t neonhub-openapi.XXXXXX.json)
"$(swift build --show-bin-path)/neonhub" openapi > "$SPEC"
"$PY" -m openapi_spec_validator "$SPEC" || die "the OpenAPI document is invalid"
rm -f "$SPEC"
