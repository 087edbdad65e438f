#!/usr/bin/env bash
# The API conformance gate: serves NeonHub against a throwaway database and runs schemathesis
# over its own OpenAPI document with every check, a fixed seed and bounded examples. Any
# failure fails the script. Every procedure in the registry is in the document, so a procedure
# added later is tested from the day it lands.
#
#   scripts/conformance.sh                 # the gate (what CI runs after scripts/test.sh)
#   SEED=7 MAX_EXAMPLES=50 scripts/conformance.sh
#
# What it starts, all torn down on exit: `neonhub serve` (the debug build, reused when
# scripts/test.sh built it) on a free loopback port, with its own embedded PostgreSQL cluster
# in a fresh folder (DATABASE_URL is ignored), a random JWT_SECRET and vault key, mock
# connectors (USE_MOCK_CONNECTORS=true: every connector action answers from fixtures, no
# network), and an admin token minted with `neonhub token`.
#
# Settings that are not exclusions:
# - RATE_LIMIT_PER_MINUTE is raised: the run sends ~1,300 requests in about a minute with one
#   token. 429 is declared on every procedure and would pass every check, but it would answer
#   most cases before they reach the procedure.
# - --request-timeout 2: a subscription (agents.onRunEvent) is an endless event stream;
#   schemathesis reads a stream until the request timeout and then validates the events it
#   got. Every other answer takes milliseconds.
# - --generation-database none: no example store, so a run depends on the seed alone.
# - one worker (the default): with several, Python 3.11's ast.parse, which Hypothesis calls to
#   describe filters, fails across threads ("AST constructor recursion depth mismatch").
# No check is excluded.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
neonhub_setup

SCHEMATHESIS_VERSION=4.32.5
SEED=${SEED:-17}
MAX_EXAMPLES=${MAX_EXAMPLES:-20}
PROJECT=$PWD

say "building neonhub (debug; reused when up to date)…"
swift build --product neonhub 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || die "build failed"
BIN=$(swift build --show-bin-path)/neonhub
[ -x "$BIN" ] || die "build produced no binary at $BIN"

# The virtualenv scripts/test.sh uses for openapi-spec-validator (system Pythons, PEP 668,
# refuse `pip install` outside one).
VENV=.build/py-venv
ST=$VENV/bin/st
if ! "$ST" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
  say "installing schemathesis $SCHEMATHESIS_VERSION into $VENV…"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
  "$VENV/bin/python" -m pip install -q "schemathesis==$SCHEMATHESIS_VERSION" || die "could not install schemathesis from PyPI"
fi

# The server's folder: its embedded cluster lives below it (or where EmbeddedClusterPlacement
# moves it when the postgres user cannot enter; `db reset` finds it either way).
WORK=$(mktemp -d -t neonhub-conformance.XXXXXX)
chmod 0755 "$WORK"
SERVER_PID=
cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  (cd "$WORK" && "$BIN" db reset --yes >/dev/null 2>&1) || true
  if [ "$status" -ne 0 ] && [ -f "$WORK/server.log" ]; then
    say "server log (last 40 lines):"
    tail -n 40 "$WORK/server.log" >&2
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT INT TERM

unset DATABASE_URL
export JWT_SECRET TOKEN_VAULT_KEY
JWT_SECRET=$(head -c 32 /dev/urandom | base64)
TOKEN_VAULT_KEY=$(head -c 32 /dev/urandom | base64)
say "starting neonhub serve against a throwaway database in $WORK…"
(
  cd "$WORK"
  exec env HOST=127.0.0.1 PORT=0 LOG_LEVEL=info LOG_FORMAT=text USE_MOCK_CONNECTORS=true RATE_LIMIT_PER_MINUTE=1000000 \
    MIGRATIONS_DIR="$PROJECT/Migrations" CONNECTORS_DIR="$PROJECT/configs/connectors" \
    LLM_PRICES_FILE="$PROJECT/configs/llm-prices.json" \
    "$BIN" serve
) > "$WORK/server.log" 2>&1 &
SERVER_PID=$!

# PORT=0: the kernel picks a free port, which the server names in its "listening" line.
PORT=
for _ in $(seq 1 120); do
  kill -0 "$SERVER_PID" 2>/dev/null || die "neonhub serve exited during start-up"
  PORT=$(sed -nE 's/.* port=([0-9]+) .*listening$/\1/p' "$WORK/server.log" | tail -n 1)
  if [ -n "$PORT" ] && curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then break; fi
  PORT=
  sleep 0.5
done
[ -n "$PORT" ] || die "neonhub serve did not answer /health within 60 s"

TOKEN=$("$BIN" token --tenant conformance --role admin)
say "schemathesis $SCHEMATHESIS_VERSION --checks all, seed $SEED, at most $MAX_EXAMPLES examples per operation"
cd "$WORK"
"$PROJECT/$ST" run "http://127.0.0.1:$PORT/openapi.json" \
  --checks all --seed "$SEED" --max-examples "$MAX_EXAMPLES" \
  --request-timeout 2 --generation-database none --no-color \
  -H "Authorization: Bearer $TOKEN" || die "schemathesis found failures (see above; the seed reproduces them)"
say "conformance: clean"
