#!/usr/bin/env bash
# Runs every test: installs what is missing (as root), then `swift test`, then validates the
# OpenAPI document. Tests that need a database start their own throwaway PostgreSQL cluster.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/openapi.sh"
neonhub_setup
# XML signatures are checked with an implementation that is not ours (SuccessFactors' SAML assertions).
ensure_test_tool xmlsec1 xmlsec1 "the SAML assertion and SuccessFactors tests"
# A TLS front that asks for client certificates, before ADP's fake (mutual TLS).
ensure_test_tool socat socat "the ADP (mutual TLS) tests"

say "running swift test ($SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH tests at a time)…"
# The test log is also kept, so that a failure is restated at the end: with 1,600 tests
# running in parallel, the lines that say which one failed are otherwise far above the tail
# a CI summary shows.
TEST_LOG=$(mktemp)
trap 'rm -f "$TEST_LOG"' EXIT
if ! swift test "$@" 2>&1 | tee "$TEST_LOG"; then
  say "swift test failed; the failing tests and their issues:"
  grep -E '✘|recorded an issue|Fatal error|error: ' "$TEST_LOG" | grep -v 'Test run with' | head -60 >&2 || true
  grep -E 'Test run with|Executed .* tests' "$TEST_LOG" | tail -2 >&2 || true
  exit 1
fi

say "validating the OpenAPI document (openapi-spec-validator)…"
validate_openapi "$(swift build --show-bin-path)/neonhub"
