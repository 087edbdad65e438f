#!/usr/bin/env bash
# Runs every test: installs what is missing (as root), then `swift test`. Tests that need a
# database start their own throwaway PostgreSQL cluster.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
neonhub_setup

say "running swift test…"
swift test "$@"
