#!/usr/bin/env bash
# Runs every test: installs what is missing (as root), then `swift test`, then validates the
# OpenAPI document. Tests that need a database start their own throwaway PostgreSQL cluster.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
neonhub_setup

say "running swift test…"
swift test "$@"

say "validating the OpenAPI document (openapi-spec-validator)…"
if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
  python3 -m pip install -q openapi-spec-validator >/dev/null 2>&1 || say "could not install openapi-spec-validator"
fi
if python3 -c 'import openapi_spec_validator' 2>/dev/null; then
  SPEC=$(mktemp -t neonhub-openapi.XXXXXX.json)
  "$(swift build --show-bin-path)/neonhub" openapi > "$SPEC"
  python3 -m openapi_spec_validator "$SPEC" || die "the OpenAPI document is invalid"
  rm -f "$SPEC"
else
  die "openapi-spec-validator is not available (pip install openapi-spec-validator)"
fi
