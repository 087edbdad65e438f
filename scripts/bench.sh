#!/usr/bin/env bash
# Benchmarks a release build of NeonHub (loopback only; every run is bounded).
#   scripts/bench.sh [--cases http,trpc,db,agents,connectors,queue] [--rounds N] [-d 8s] [--peers LIST] [--clients N]
#                    [--jobs N] [--workers W] [--batch B] [--no-build]
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
# queue: `neonhub bench queue --mode noop` (--jobs no-op jobs, --workers workers) beside PgQueuer
#       (scripts/bench/pgqueuer_bench.py, from PyPI in a private virtualenv under .build-bench/venv)
#       with the same job count, workers and batch (jobs claimed per round trip and run at once
#       by a worker: our claimBatch, PgQueuer's batch_size, default 10 = PgQueuer's default) on the
#       same Postgres, after one unrecorded warm-up each, the order alternating per round; then publish jobs (a real POST each, to a loopback nginx answering {"id": …},
#       scripts/bench/publish-fake.nginx.conf.in) with 2 worker tasks in one process and with
#       2 worker processes, each checked for exactly-once bookkeeping and one POST per job.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
neonhub_setup

CASES="http,trpc,db,agents"; ROUNDS=1; DURATION=8s; PEERS="hummingbird,flyingfox,node,nginx"; CLIENTS=8; BUILD=1
JOBS=10000; QUEUE_WORKERS=4; BATCH=10
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) CASES=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    -d|--duration) DURATION=$2; shift 2 ;;
    --peers) PEERS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --workers) QUEUE_WORKERS=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
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
FAKE=""; SERVER=""
# Stop what this run started however it ends: an error, Ctrl-C or a TERM from `timeout` (bash
# runs the EXIT trap on a signal only when the signal is trapped).
cleanup() {
  [ -z "$SERVER" ] || { kill -TERM "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; }
  [ -z "$FAKE" ] || { kill -TERM "$FAKE" 2>/dev/null; wait "$FAKE" 2>/dev/null || true; }
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
FAKE_DIR=""
if [[ ",$CASES," == *",connectors,"* || ",$CASES," == *",queue,"* ]]; then
  # The provider the connectors case calls: nginx on loopback answering Mailchimp's ping.
  command -v nginx >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq nginx-light >/dev/null; } || true
  command -v nginx >/dev/null || die "nginx not found: apt-get install -y nginx-light"
  FAKE_PORT=${BENCH_FAKE_PORT:-18091}
  FAKE_DIR=$(mktemp -d -t neonhub-bench-fake.XXXXXX)
  if [[ ",$CASES," == *",queue,"* ]]; then
    # This fake also answers the Mailchimp ping, for a run with both cases.
    sed -e "s#@PORT@#$FAKE_PORT#g" -e "s#@RUNDIR@#$FAKE_DIR#g" scripts/bench/publish-fake.nginx.conf.in > "$FAKE_DIR/nginx.conf"
  else
    sed -e "s#@PORT@#$FAKE_PORT#g" -e "s#@RUNDIR@#$FAKE_DIR#g" scripts/bench/mailchimp-fake.nginx.conf.in > "$FAKE_DIR/nginx.conf"
  fi
  # Without the caller's descriptors beyond stdio: a lock the caller holds (flock on a build
  # lock) must not outlive this run in an nginx that inherited it.
  (
    for fd in /proc/self/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null; done
    exec nginx -p "$FAKE_DIR" -c "$FAKE_DIR/nginx.conf" -e "$FAKE_DIR/error.log"
  ) &
  FAKE=$!
  printf '{"mailchimp": {"baseUrl": "http://127.0.0.1:%s/3.0"}}' "$FAKE_PORT" > "$FAKE_DIR/endpoints.json"
  export CONNECTOR_ENDPOINTS_FILE="$FAKE_DIR/endpoints.json"
  export TOKEN_VAULT_KEY=${TOKEN_VAULT_KEY:-$(head -c 32 /dev/urandom | base64)}
fi
# The queue case runs its own workers: the server's would claim its jobs.
SERVER_WORKERS=4
[[ ",$CASES," == *",queue,"* ]] && SERVER_WORKERS=0
# The rate limiter would (correctly) refuse a benchmark's traffic from one address.
export JWT_SECRET=${JWT_SECRET:-bench-secret-0123456789abcdefghijklmnopqrstuv}
PORT=$PORT HOST=127.0.0.1 LOG_LEVEL=warning RATE_LIMIT_PER_MINUTE=1000000000 DB_POOL_SIZE=32 WORKERS=$SERVER_WORKERS \
  AGENT_DAILY_TOKEN_BUDGET=1000000000000 "$BIN" serve >"$LOG" 2>&1 &
SERVER=$!
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

if [[ ",$CASES," == *",queue,"* ]]; then
  DSN=${DATABASE_URL:-$("$BIN" db url)}
  # asyncpg takes URLs only: the embedded cluster's `host=… port=… user=… dbname=…` as one.
  PG_URL=$(python3 - "$DSN" <<'PY'
import re, sys, urllib.parse
dsn = sys.argv[1]
if "://" in dsn:
    print(dsn); sys.exit()
kv = {k: (a if a != "" else b) for k, a, b in re.findall(r"(\w+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S+))", dsn)}
query = {k: kv[k] for k in ("host", "port") if k in kv}
print("postgresql://%s@/%s?%s" % (kv.get("user", "postgres"), kv.get("dbname", "postgres"), urllib.parse.urlencode(query)))
PY
)
  VENV=.build-bench/venv   # git-ignored (.build-*/)
  if ! "$VENV/bin/python" -c 'import pgqueuer, asyncpg' 2>/dev/null; then
    say "queue: installing PgQueuer ${PGQUEUER_VERSION:-1.6.0} from PyPI into $VENV"
    python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install -y python3-venv)"
    "$VENV/bin/pip" install -q "pgqueuer==${PGQUEUER_VERSION:-1.6.0}" asyncpg || die "pip install pgqueuer failed"
  fi
  RESULTS=$(mktemp -t neonhub-bench-queue.XXXXXX.jsonl)
  say "queue: $JOBS no-op jobs, $QUEUE_WORKERS workers, batch $BATCH: ours vs PgQueuer $("$VENV/bin/python" -c 'import pgqueuer; print(pgqueuer.__version__)'), $ROUNDS round(s), order alternating"
  run_ours() { "$BIN" bench queue --mode noop --jobs "$1" --workers "$QUEUE_WORKERS" --claim-batch "$BATCH" --database-url "$DSN" | tail -1; }
  run_pgq() { "$VENV/bin/python" scripts/bench/pgqueuer_bench.py --dsn "$PG_URL" --jobs "$1" --workers "$QUEUE_WORKERS" --batch-size "$BATCH" | tail -1; }
  # Warm-up, unrecorded: both schemas exist and hold some history, as a live queue's do.
  run_ours 2000 >/dev/null; run_pgq 2000 >/dev/null
  for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then run_ours "$JOBS" | tee -a "$RESULTS"; run_pgq "$JOBS" | tee -a "$RESULTS"
    else run_pgq "$JOBS" | tee -a "$RESULTS"; run_ours "$JOBS" | tee -a "$RESULTS"; fi
  done

  # Publish jobs: a real POST per job to the loopback fake; 2 worker tasks in this process,
  # then 2 processes of 1 worker each, each worker claiming --batch jobs at a time. nginx logs
  # every POST it answered.
  POSTS_URL="http://127.0.0.1:$FAKE_PORT/v1/posts"
  say "queue: $JOBS publish jobs to $POSTS_URL, 2 workers (1 process × 2 tasks, 2 processes × 1 task), batch $BATCH, $ROUNDS round(s)"
  run_publish() {   # PROCESSES WORKERS
    : > "$FAKE_DIR/posts.log"
    local line
    line=$("$BIN" bench queue --mode publish --jobs "$JOBS" --workers "$2" --processes "$1" --claim-batch "$BATCH" --fake-url "$POSTS_URL" --database-url "$DSN" | tail -1)
    sleep 1.5   # nginx flushes its log buffer every second
    local posts keys
    posts=$(wc -l < "$FAKE_DIR/posts.log")
    keys=$(awk '{print $2}' "$FAKE_DIR/posts.log" | sort -u | wc -l)
    printf '%s\n' "${line%\}},\"fake_posts\":$posts,\"fake_distinct_keys\":$keys}" | tee -a "$RESULTS"
  }
  for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then run_publish 0 2; run_publish 2 1; else run_publish 2 1; run_publish 0 2; fi
  done

  python3 - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
ours = [r for r in rows if r["queue"] == "neonhub" and r["mode"] == "noop"]
pgq = [r for r in rows if r["queue"] == "pgqueuer"]
print("\nround\tneonhub jobs/s\tPgQueuer jobs/s\tratio\tneonhub enqueue/s\tPgQueuer enqueue/s\texactly once (ours/PgQueuer)")
ratios = []
for i, (a, b) in enumerate(zip(ours, pgq), 1):
    ratios.append(a["jobs_per_s"] / b["jobs_per_s"])
    print(f'{i}\t{a["jobs_per_s"]:.0f}\t{b["jobs_per_s"]:.0f}\t{ratios[-1]:.2f}\t{a["enqueue_jobs_per_s"]:.0f}\t{b["enqueue_jobs_per_s"]:.0f}\t{a["exactly_once"]}/{b["exactly_once"]}')
if ratios:
    print(f'median\t{statistics.median(r["jobs_per_s"] for r in ours):.0f}\t{statistics.median(r["jobs_per_s"] for r in pgq):.0f}\t{statistics.median(ratios):.2f}\t(target ≥ 1.5)')
publish = [r for r in rows if r["mode"] == "publish"]
print("\npublish\tprocesses × workers (batch)\tjobs/s\texactly once\tremote ids (distinct)\tPOSTs at the fake (distinct keys)")
for r in publish:
    shape = f'{r["processes"]} × {r["workers"]} ({r["claim_batch"]})'
    print(f'\t{shape}\t{r["jobs_per_s"]:.0f}\t{r["exactly_once"] and r["fake_posts"] == r["jobs"] == r["fake_distinct_keys"]}\t{r["remote_ids"]} ({r["distinct_remote_ids"]})\t{r["fake_posts"]} ({r["fake_distinct_keys"]})')
for shape in sorted({(r["processes"], r["workers"]) for r in publish}):
    values = [r["jobs_per_s"] for r in publish if (r["processes"], r["workers"]) == shape]
    print(f'median\t{shape[0]} × {shape[1]}\t{statistics.median(values):.0f}\t(target ≥ 2000)')
PY
  say "queue: results in $RESULTS"
fi
