#!/usr/bin/env bash
# A mixed load test of a release build, on loopback, in mock mode (no provider, no LLM key):
# every call type runs at once, each from its own wrk at its own concurrency, while SSE
# subscribers stay connected to agents.onRunEvent. Prints p50/p95/p99 and errors per call type.
#   scripts/load.sh [-d 30s] [--sse N] [--scale K] [--no-build] [--bin PATH]
# --scale multiplies every call type's connection count (default 1: reads 16, agents.run 8,
# content.generateArticle 4, connectors.executeAction 8, publish.schedule 4; SSE 50).
# Target (docs/PERFORMANCE.md): p95 < 500 ms for every call type and 0 errors.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
neonhub_setup

DURATION=30s; SSE=50; SCALE=1; BUILD=1; BIN=""
while [ $# -gt 0 ]; do
  case "$1" in
    -d|--duration) DURATION=$2; shift 2 ;;
    --sse) SSE=$2; shift 2 ;;
    --scale) SCALE=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --bin) BIN=$2; BUILD=0; shift 2 ;;
    *) die "unknown argument: $1" ;;
  esac
done
command -v wrk >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq wrk >/dev/null; } || true
command -v wrk >/dev/null || die "wrk not found: apt-get install -y wrk"

if [ "$BUILD" = 1 ]; then
  say "building (release)…"
  swift build -c release --product neonhub >/dev/null || die "build failed"
fi
BIN=${BIN:-$(swift build -c release --show-bin-path)/neonhub}
[ -x "$BIN" ] || die "no binary at $BIN"
PORT=${LOAD_PORT:-18190}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d -t neonhub-load.XXXXXX)
LOG="$WORK/server.log"

export JWT_SECRET=${JWT_SECRET:-load-secret-0123456789abcdefghijklmnopqrstuv}
export TOKEN_VAULT_KEY=${TOKEN_VAULT_KEY:-$(head -c 32 /dev/urandom | base64)}
# Mock connectors and the offline template model: the load is ours, not a provider's. The
# per-address rate limit and the daily token budget would (correctly) refuse a load test.
PORT=$PORT HOST=127.0.0.1 LOG_LEVEL=warning USE_MOCK_CONNECTORS=true LLM_PROVIDER=template \
  RATE_LIMIT_PER_MINUTE=1000000000 AGENT_DAILY_TOKEN_BUDGET=1000000000000 WORKERS=${WORKERS:-4} \
  "$BIN" serve >"$LOG" 2>&1 &
SERVER=$!
SSE_PIDS=()
cleanup() {
  for pid in "${SSE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 300); do
  curl -sf -o /dev/null "$BASE/health" && break
  kill -0 $SERVER 2>/dev/null || die "server exited (log: $LOG)"
  sleep 0.1
done
curl -sf -o /dev/null "$BASE/health" || die "server did not answer (log: $LOG)"

TENANT="load-$(date +%s)"
export LOAD_TOKEN=$("$BIN" token --tenant "$TENANT" --role user)
ADMIN=$("$BIN" token --tenant "$TENANT" --role admin)
connect() {   # connector -> connection id (mock mode: no credentials needed)
  curl -sf -X POST "$BASE/trpc/connectors.connect" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d "{\"connector\":\"$1\",\"credentials\":{},\"name\":\"load $1\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["result"]["data"]["id"])' || die "connectors.connect $1 failed (log: $LOG)"
}
export LOAD_SLACK=$(connect slack)
export LOAD_META=$(connect meta)

# SSE subscribers: each holds agents.onRunEvent open for the whole run and must still be
# connected, having received events, at the end.
SSE_INPUT='%7B%22agent%22%3A%22social%22%7D'
for i in $(seq 1 "$SSE"); do
  curl -sN -H "Authorization: Bearer $LOAD_TOKEN" -H 'Accept: text/event-stream' \
    "$BASE/trpc/agents.onRunEvent?input=$SSE_INPUT" >"$WORK/sse-$i.out" 2>/dev/null &
  SSE_PIDS+=($!)
done

c() { echo $(( $1 * SCALE )); }
say "load: ${DURATION} of reads ×$(c 16), agents.run ×$(c 8), content.generateArticle ×$(c 4), connectors.executeAction ×$(c 8), publish.schedule ×$(c 4), $SSE SSE subscribers"
run_wrk() {   # script connections path
  wrk -t1 -c"$2" -d"$DURATION" --timeout 10s -s "scripts/load/$1" "$BASE$3" >"$WORK/$1.out" 2>&1
}
run_wrk reads.lua "$(c 16)" /trpc/agents.list &
W1=$!
run_wrk agents-run.lua "$(c 8)" /trpc/agents.run &
W2=$!
run_wrk generate-article.lua "$(c 4)" /trpc/content.generateArticle &
W3=$!
run_wrk execute-action.lua "$(c 8)" /trpc/connectors.executeAction &
W4=$!
run_wrk publish-schedule.lua "$(c 4)" /trpc/publish.schedule &
W5=$!
wait $W1 $W2 $W3 $W4 $W5

SSE_ALIVE=0; SSE_EVENTS=0; SSE_EMPTY=0
for i in "${!SSE_PIDS[@]}"; do
  kill -0 "${SSE_PIDS[$i]}" 2>/dev/null && SSE_ALIVE=$((SSE_ALIVE + 1))
  n=$(grep -c '^data:' "$WORK/sse-$((i + 1)).out" || true)
  SSE_EVENTS=$((SSE_EVENTS + n))
  [ "$n" -gt 0 ] || SSE_EMPTY=$((SSE_EMPTY + 1))
done

# Jobs the workers finished during the run (the queue drains after the load stops).
sleep 2
JOBS=$(curl -sf "$BASE/metrics" | awk '/^neonhub_queue_jobs_completed_total/ {s += $NF} END {print s + 0}')
ERRLINES=$(grep -c ' error ' "$LOG" || true)

printf '\n%-26s %9s %8s %8s %8s %8s %7s\n' "call type" requests "req/s" "p50 ms" "p95 ms" "p99 ms" errors
FAIL=0
for f in reads agents-run generate-article execute-action publish-schedule; do
  line=$(grep '^LOAD_RESULT' "$WORK/$f.lua.out" || true)
  [ -n "$line" ] || { cat "$WORK/$f.lua.out"; die "wrk $f produced no result"; }
  read -r _ name requests rps p50 p95 p99 errors <<<"$line"
  printf '%-26s %9s %8s %8s %8s %8s %7s\n' "$name" "$requests" "$rps" "$p50" "$p95" "$p99" "$errors"
  awk -v p="$p95" 'BEGIN {exit !(p >= 500)}' && FAIL=1
  [ "$errors" = 0 ] || FAIL=1
done
printf '%-26s %s held for %s, %s events received, %s received none\n' "SSE agents.onRunEvent" "$SSE_ALIVE/$SSE" "$DURATION" "$SSE_EVENTS" "$SSE_EMPTY"
printf 'publish jobs completed by the workers: %s; server error log lines: %s\n' "$JOBS" "$ERRLINES"
[ "$SSE_ALIVE" = "$SSE" ] || FAIL=1
if [ "$FAIL" = 0 ]; then say "load: every call type p95 < 500 ms with 0 errors"; else say "load: target missed (server log: $LOG)"; fi
exit $FAIL
