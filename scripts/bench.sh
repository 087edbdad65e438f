#!/usr/bin/env bash
# Benchmarks a release build of NeonHub (loopback only; every run is bounded).
#   scripts/bench.sh [--cases http,trpc,db,agents,connectors] [--rounds N] [-d 8s] [--peers LIST] [--clients N] [--no-build]
# http: GET /health with wrk, beside the peer servers of ../shared/bench/peers (Hummingbird 2,
#       FlyingFox, Node, nginx) in the same run when that harness exists.
# trpc: a tRPC query returning a small object (system.ping) vs GET /health, same build, same
#       wrk profile, back to back.
# agents: POST agents.run of the diagnostic echo agent (HTTP → run row, 2 tool rows, 3 metric
#       rows committed) with wrk at 32 connections, beside pgbench with 32 clients.
# connectors: POST connectors.executeAction (Mailchimp `ping` on a stored connection: a recorded
#       run plus one outbound call to a loopback nginx standing in for Mailchimp) beside
#       agents.run of the echo agent, same build, same wrk profile (-c32), back to back.
# db:   one agent-run transaction (1 agent_runs + 2 tool_executions + 3 agent_run_metrics
#       inserts) through our pool in pipeline mode (`neonhub bench-db`) vs pgbench running the
#       same statements (scripts/bench/db-transaction.sql) with the same client count.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
neonhub_setup

CASES="http,trpc,db,agents"; ROUNDS=1; DURATION=8s; PEERS="hummingbird,flyingfox,node,nginx"; CLIENTS=8; BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) CASES=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    -d|--duration) DURATION=$2; shift 2 ;;
    --peers) PEERS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    *) die "unknown argument: $1" ;;
  esac
done
command -v wrk >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq wrk >/dev/null; } || true
command -v wrk >/dev/null || die "wrk not found: apt-get install -y wrk"

if [ "$BUILD" = 1 ]; then
  say "building (release)…"
  swift build -c release --product neonhub >/dev/null || die "build failed"
fi
BIN=${BENCH_BIN:-$(swift build -c release --show-bin-path)/neonhub}
PORT=${BENCH_PORT:-18090}
LOG=$(mktemp -t neonhub-bench.XXXXXX.log)
FAKE=""
if [[ ",$CASES," == *",connectors,"* ]]; then
  # The provider the connectors case calls: nginx on loopback answering Mailchimp's ping.
  command -v nginx >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq nginx-light >/dev/null; } || true
  command -v nginx >/dev/null || die "nginx not found: apt-get install -y nginx-light"
  FAKE_PORT=${BENCH_FAKE_PORT:-18091}
  FAKE_DIR=$(mktemp -d -t neonhub-bench-fake.XXXXXX)
  sed -e "s#@PORT@#$FAKE_PORT#g" -e "s#@RUNDIR@#$FAKE_DIR#g" scripts/bench/mailchimp-fake.nginx.conf.in > "$FAKE_DIR/nginx.conf"
  nginx -p "$FAKE_DIR" -c "$FAKE_DIR/nginx.conf" -e "$FAKE_DIR/error.log" &
  FAKE=$!
  printf '{"mailchimp": {"baseUrl": "http://127.0.0.1:%s/3.0"}}' "$FAKE_PORT" > "$FAKE_DIR/endpoints.json"
  export CONNECTOR_ENDPOINTS_FILE="$FAKE_DIR/endpoints.json"
  export TOKEN_VAULT_KEY=${TOKEN_VAULT_KEY:-$(head -c 32 /dev/urandom | base64)}
fi
# The rate limiter would (correctly) refuse a benchmark's traffic from one address.
export JWT_SECRET=${JWT_SECRET:-bench-secret-0123456789abcdefghijklmnopqrstuv}
PORT=$PORT HOST=127.0.0.1 LOG_LEVEL=warning RATE_LIMIT_PER_MINUTE=1000000000 DB_POOL_SIZE=32 \
  AGENT_DAILY_TOKEN_BUDGET=1000000000000 "$BIN" serve >"$LOG" 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; [ -z "$FAKE" ] || { kill -TERM $FAKE 2>/dev/null; wait $FAKE 2>/dev/null || true; }' EXIT
for _ in $(seq 1 300); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" && break
  kill -0 $SERVER 2>/dev/null || die "server exited (log: $LOG)"
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" || die "server did not answer (log: $LOG)"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }   # server user+system time, 1/100 s

wrk_rps() {   # URL -> prints "req/s p50 p99 non2xx server-cpu-µs/req"
  local before after
  before=$(cpu_ticks)
  wrk -t2 -c64 -d"$DURATION" --latency "$1" >"$LOG.wrk"
  after=$(cpu_ticks)
  awk -v ticks=$((after - before)) '
    /requests in/ {total=$1}
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /Non-2xx/ {bad=$NF}
    END {printf "%s %s %s %s %.1f\n", rps, p50, p99, (bad == "" ? 0 : bad), (total > 0 ? ticks * 10000 / total : 0)}' "$LOG.wrk"
}

if [[ ",$CASES," == *",http,"* ]]; then
  PEERS_SH=../shared/bench/peers/run.sh
  if [ -f "$PEERS_SH" ]; then
    say "http: GET /health side by side with peers ($PEERS), $ROUNDS round(s)"
    bash "$PEERS_SH" --peers "$PEERS" --endpoints health --rounds "$ROUNDS" -d "$DURATION" --also "ours=http://127.0.0.1:$PORT"
  else
    say "http: no peer harness; wrk against our /health only"
    wrk -t2 -c64 -d"$DURATION" --latency "http://127.0.0.1:$PORT/health"
  fi
fi

if [[ ",$CASES," == *",trpc,"* ]]; then
  say "trpc: system.ping vs /health (wrk -t2 -c64 -d$DURATION), $ROUNDS round(s)"
  printf 'round\tendpoint\treq/s\tp50\tp99\tnon2xx\tcpu_us/req\n'
  for r in $(seq 1 "$ROUNDS"); do
    printf '%s\t/health\t%s\n' "$r" "$(wrk_rps "http://127.0.0.1:$PORT/health" | tr ' ' '\t')"
    printf '%s\t/trpc/system.ping\t%s\n' "$r" "$(wrk_rps "http://127.0.0.1:$PORT/trpc/system.ping" | tr ' ' '\t')"
  done
fi

if [[ ",$CASES," == *",db,"* ]]; then
  command -v pgbench >/dev/null || die "pgbench not found (Debian package postgresql-contrib / postgresql-client)"
  DSN=${DATABASE_URL:-$("$BIN" db url)}
  SECS=${DURATION%s}
  say "db: $CLIENTS clients, ${SECS}s each, $ROUNDS round(s)"
  for r in $(seq 1 "$ROUNDS"); do
    PG=$(pgbench -n -f scripts/bench/db-transaction.sql -c "$CLIENTS" -j 2 -T "$SECS" -M prepared "$DSN" 2>/dev/null \
         | awk '/^tps/ {print $3} /latency average/ {lat=$4} END {}')
    OURS=$("$BIN" bench-db --clients "$CLIENTS" --seconds "$SECS" --database-url "$DSN" 2>/dev/null | tail -1)
    printf 'round %s\tpgbench tps=%s\tneonhub %s\n' "$r" "$PG" "$OURS"
  done
fi

if [[ ",$CASES," == *",agents,"* ]]; then
  command -v pgbench >/dev/null || die "pgbench not found"
  DSN=${DATABASE_URL:-$("$BIN" db url)}
  SECS=${DURATION%s}
  export BENCH_TOKEN=$("$BIN" token --tenant bench --role user)
  say "agents: agents.run (echo agent) with wrk -t2 -c32 vs pgbench -c32, ${SECS}s, $ROUNDS round(s)"
  # Warm-up, as for the HTTP case: opens the pool's 32 connections and prepares their statements.
  wrk -t2 -c32 -d2s -s scripts/bench/agents-run.lua "http://127.0.0.1:$PORT/trpc/agents.run" >/dev/null
  for r in $(seq 1 "$ROUNDS"); do
    OURS=$(wrk -t2 -c32 -d"$DURATION" --latency -s scripts/bench/agents-run.lua "http://127.0.0.1:$PORT/trpc/agents.run" | grep AGENTS_RESULT)
    PG=$(pgbench -n -f scripts/bench/db-transaction.sql -c 32 -j 2 -T "$SECS" -M prepared "$DSN" 2>/dev/null | awk '/^tps/ {print $3}')
    printf 'round %s\tpgbench(32 clients) tps=%s\tagents.run %s\n' "$r" "$PG" "$OURS"
  done
fi

if [[ ",$CASES," == *",connectors,"* ]]; then
  SECS=${DURATION%s}
  export BENCH_TOKEN=$("$BIN" token --tenant bench --role user)
  ADMIN=$("$BIN" token --tenant bench --role admin)
  BENCH_CONNECTION=$(curl -sf -X POST "http://127.0.0.1:$PORT/trpc/connectors.connect" -H "Authorization: Bearer $ADMIN" \
    -H 'Content-Type: application/json' \
    -d '{"connector":"mailchimp","credentials":{"username":"bench","apiKey":"bench0123456789abcdef-us21"},"variables":{"dc":"us21"}}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["result"]["data"]["id"])') || die "connectors.connect failed (log: $LOG)"
  export BENCH_CONNECTION
  say "connectors: executeAction (Mailchimp ping via a loopback fake) vs agents.run (echo), wrk -t2 -c32, ${SECS}s, $ROUNDS round(s)"
  wrk -t2 -c32 -d2s -s scripts/bench/execute-action.lua "http://127.0.0.1:$PORT/trpc/connectors.executeAction" >/dev/null
  wrk -t2 -c32 -d2s -s scripts/bench/agents-run.lua "http://127.0.0.1:$PORT/trpc/agents.run" >/dev/null
  for r in $(seq 1 "$ROUNDS"); do
    OURS=$(wrk -t2 -c32 -d"$DURATION" --latency -s scripts/bench/execute-action.lua "http://127.0.0.1:$PORT/trpc/connectors.executeAction" | grep EXECUTE_RESULT)
    AGENTS=$(wrk -t2 -c32 -d"$DURATION" --latency -s scripts/bench/agents-run.lua "http://127.0.0.1:$PORT/trpc/agents.run" | grep AGENTS_RESULT)
    printf 'round %s\t%s\t%s\n' "$r" "$OURS" "$AGENTS"
  done
fi
