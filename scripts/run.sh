#!/usr/bin/env bash
# Builds NeonHub (release) and serves it on $PORT (default 4100). With DATABASE_URL unset the
# server starts its own PostgreSQL cluster under .neonhub/postgres/ and migrates it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
neonhub_setup

say "building (release)…"
swift build -c release --product neonhub 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || die "build failed"
BIN=$(swift build -c release --show-bin-path)/neonhub
[ -x "$BIN" ] || die "build produced no binary at $BIN"
say "serving on port ${PORT:-4100} (Ctrl-C stops)"
exec "$BIN" serve "$@"
