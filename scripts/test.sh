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

say "running swift test…"
swift test "$@"

say "validating the OpenAPI document (openapi-spec-validator)…"
validate_openapi "$(swift build --show-bin-path)/neonhub"
