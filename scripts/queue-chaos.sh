#!/usr/bin/env bash
# The publish queue's load and fault test (issue 13, item 8), one command:
#
#   scripts/queue-chaos.sh
#   JOBS=1000 CONNECTIONS=6 SEED=7 RATE_LIMIT_STYLE=graph scripts/queue-chaos.sh
#
# What it does, all torn down on exit (processes, the throwaway cluster, the temp folder):
# 1. builds neonhub (debug; CONFIGURATION=release for release) holding /tmp/neonhub-swift.lock;
# 2. starts a throwaway PostgreSQL cluster (`neonhub db url` in a fresh folder: the embedded
#    cluster manager of the server and the test harness, Unix socket only, no TCP);
# 3. starts scripts/lib/fake_meta_graph.py on loopback, a Meta Graph API fake that injects
#    429s with Retry-After (or Graph's own throttling codes), transient 500s, "late" answers
#    where the post IS created and the answer comes after CONNECTOR_TIMEOUT, and (1 %)
#    permanent refusals, and counts every post it creates;
# 4. starts `neonhub serve` with WORKERS=0 (HTTP only) pointed at the fake
#    (CONNECTOR_ENDPOINTS_FILE), CONNECTOR_TIMEOUT=1 s;
# 5. connects CONNECTIONS Meta connections over OAuth as a browser would
#    (connectors.authorizeUrl → consent at the fake → GET /oauth/callback/meta), spread over
#    TENANTS tenants, each connection a different Facebook user with PAGES Pages;
# 6. schedules JOBS `page.createPost` jobs with distinct messages over every connection and
#    Page through `publish.schedule` (bearer tokens from `neonhub token`);
# 7. starts two `neonhub worker` processes (WORKERS=4 each), SIGKILLs the first once KILL_AFTER
#    jobs have succeeded and starts it again; its leased jobs come back after the lease
#    (QUEUE_LEASE_SECONDS, 10 s here) and are reconciled with the fake before anything is sent;
# 8. waits until every job is final, then checks: every job succeeded or is in the DLQ with a
#    reason, no job left queued/running, 0 duplicates at the fake, every succeeded job's
#    remote_id is exactly one post at the fake (on its Page, with its message), no post without
#    a job; prints the numbers, the elapsed time and jobs per second. Exits 1 if a check fails.
#
# Settings (environment): JOBS (500), CONNECTIONS (4), TENANTS (3), PAGES (2 per connection),
# KILL_AFTER (150), SEED (13), RATE_LIMIT_STYLE (http429|graph), RATE_LIMIT_RATE (0.05),
# ERROR_RATE (0.05), LATE_RATE (0.03), PERMANENT_RATE (0.01), LEASE (10), DEADLINE (600 s),
# KEEP=1 keeps the folder with the logs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
neonhub_setup
ensure_tool psql postgresql-client

JOBS=${JOBS:-500}
CONNECTIONS=${CONNECTIONS:-4}
TENANTS=${TENANTS:-3}
PAGES=${PAGES:-2}
KILL_AFTER=${KILL_AFTER:-150}
SEED=${SEED:-13}
RATE_LIMIT_STYLE=${RATE_LIMIT_STYLE:-http429}
RATE_LIMIT_RATE=${RATE_LIMIT_RATE:-0.05}
ERROR_RATE=${ERROR_RATE:-0.05}
LATE_RATE=${LATE_RATE:-0.03}
PERMANENT_RATE=${PERMANENT_RATE:-0.01}
LEASE=${LEASE:-10}
DEADLINE=${DEADLINE:-600}
CONFIGURATION=${CONFIGURATION:-debug}
PROJECT=$PWD
# A function, not a string: a project folder with a space in its path stays one argument.
py() { python3 "$PROJECT/scripts/lib/queue_chaos.py" "$@"; }

chaos() { printf '[chaos] %s\n' "$*" >&2; }

say "building neonhub ($CONFIGURATION; waits for /tmp/neonhub-swift.lock)…"
build_status=0
timeout 1200 flock /tmp/neonhub-swift.lock swift build -c "$CONFIGURATION" --product neonhub 2>&1 \
  | grep -vE '^\[[0-9]+/[0-9]+\]' >&2 || build_status=${PIPESTATUS[0]}
[ "$build_status" -eq 0 ] || die "build failed"
BIN=$(swift build -c "$CONFIGURATION" --show-bin-path)/neonhub
[ -x "$BIN" ] || die "build produced no binary at $BIN"

WORK=$(mktemp -d -t neonhub-chaos.XXXXXX)
chmod 0755 "$WORK"
FAKE_PID= SERVER_PID= WORKER_A= WORKER_B= CLUSTER=
stop() { # pid signal
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "-$2" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop "$WORKER_A" TERM; stop "$WORKER_B" TERM; stop "$SERVER_PID" TERM; stop "$FAKE_PID" TERM
  [ -n "$CLUSTER" ] && [ "${KEEP:-0}" != 1 ] && (cd "$WORK" && env -u DATABASE_URL "$BIN" db reset --yes >/dev/null 2>&1) || true
  if [ "$status" -ne 0 ]; then
    for log in server worker-a worker-a2 worker-b fake; do
      [ -s "$WORK/$log.log" ] && { say "$log log (last 15 lines):"; tail -n 15 "$WORK/$log.log" >&2; }
    done
  fi
  if [ "${KEEP:-0}" = 1 ]; then say "kept $WORK (and its cluster: cd $WORK && $BIN db reset --yes)"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Secrets of this run only.
JWT_SECRET=$(head -c 32 /dev/urandom | base64)
TOKEN_VAULT_KEY=$(head -c 32 /dev/urandom | base64)
META_CLIENT_ID=$(python3 -c 'import secrets; print(secrets.randbelow(9 * 10**15) + 10**15)')
META_CLIENT_SECRET=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export JWT_SECRET TOKEN_VAULT_KEY META_CLIENT_ID META_CLIENT_SECRET

# The fake.
python3 "$PROJECT/scripts/lib/fake_meta_graph.py" --port 0 --port-file "$WORK/fake.port" \
  --client-id "$META_CLIENT_ID" --client-secret "$META_CLIENT_SECRET" --users "$CONNECTIONS" --pages-per-user "$PAGES" \
  --seed "$SEED" --rate-limit-style "$RATE_LIMIT_STYLE" --rate-limit-rate "$RATE_LIMIT_RATE" --error-rate "$ERROR_RATE" \
  --late-rate "$LATE_RATE" --late-delay 2.5 --permanent-rate "$PERMANENT_RATE" > "$WORK/fake.log" 2>&1 &
FAKE_PID=$!
for _ in $(seq 1 50); do [ -s "$WORK/fake.port" ] && break; sleep 0.1; done
[ -s "$WORK/fake.port" ] || die "the Graph fake did not start"
FAKE="http://127.0.0.1:$(cat "$WORK/fake.port")"
printf '{"meta": {"baseUrl": "%s/v25.0", "tokenUrl": "%s/v25.0/oauth/access_token"}}\n' "$FAKE" "$FAKE" > "$WORK/endpoints.json"

# The throwaway cluster: `neonhub db url` starts the embedded cluster of $WORK and prints its URL.
unset DATABASE_URL
CLUSTER=1
DATABASE_URL=$(cd "$WORK" && "$BIN" db url 2>"$WORK/cluster.log") || { cat "$WORK/cluster.log" >&2; die "could not start the cluster"; }
export DATABASE_URL

export HOST=127.0.0.1 LOG_LEVEL=info LOG_FORMAT=text RATE_LIMIT_PER_MINUTE=1000000 \
  MIGRATIONS_DIR="$PROJECT/Migrations" CONNECTORS_DIR="$PROJECT/configs/connectors" LLM_PRICES_FILE="$PROJECT/configs/llm-prices.json" \
  CONNECTOR_ENDPOINTS_FILE="$WORK/endpoints.json" CONNECTOR_TIMEOUT=1 APP_URL=http://127.0.0.1:9/app QUEUE_LEASE_SECONDS="$LEASE" \
  SHUTDOWN_GRACE=2

chaos "starting neonhub serve (WORKERS=0) against the fake at $FAKE…"
(cd "$WORK" && exec env PORT=0 WORKERS=0 "$BIN" serve) > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
PORT=
for _ in $(seq 1 120); do
  kill -0 "$SERVER_PID" 2>/dev/null || die "neonhub serve exited during start-up"
  PORT=$(sed -nE 's/.* port=([0-9]+) .*listening$/\1/p' "$WORK/server.log" | tail -n 1)
  if [ -n "$PORT" ] && curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then break; fi
  PORT=
  sleep 0.5
done
[ -n "$PORT" ] || die "neonhub serve did not answer /health within 60 s"
SERVER="http://127.0.0.1:$PORT"

# Connections: connection i belongs to tenant chaos-(i mod TENANTS) and is Facebook user i.
: > "$WORK/connections.jsonl"
for i in $(seq 0 $((CONNECTIONS - 1))); do
  tenant="chaos-tenant-$((i % TENANTS + 1))"
  token=$("$BIN" token --tenant "$tenant" --role user --subject "chaos-user-$i" --ttl 7200)
  line=$(py connect --server "$SERVER" --fake "$FAKE" --token "$token" --user "$i") || die "connecting Meta for $tenant failed"
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d.update(tenant=sys.argv[2], token=sys.argv[3]); print(json.dumps(d))' \
    "$line" "$tenant" "$token" >> "$WORK/connections.jsonl"
done
chaos "connected $CONNECTIONS Meta connections in $TENANTS tenants, $((CONNECTIONS * PAGES)) Pages"

RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
scheduled=$(py schedule --server "$SERVER" --connections "$WORK/connections.jsonl" --jobs "$JOBS" --run-id "$RUN_ID" --out "$WORK/jobs.jsonl") \
  || die "scheduling failed"
chaos "scheduled $scheduled jobs through publish.schedule"

start_worker() { # log file
  (cd "$WORK" && exec env WORKERS=4 "$BIN" worker) > "$WORK/$1" 2>&1 &
}
START=$(date +%s.%N)
start_worker worker-a.log; WORKER_A=$!
start_worker worker-b.log; WORKER_B=$!
chaos "two workers started (pids $WORKER_A and $WORKER_B, 4 workers each); SIGKILL of $WORKER_A after $KILL_AFTER successes"

KILLED=0 IN_FLIGHT=?
while :; do
  read -r succeeded final total < <(py progress --db "$DATABASE_URL")
  if [ "$KILLED" = 0 ] && [ "$succeeded" -ge "$KILL_AFTER" ]; then
    IN_FLIGHT=$(py running-for --db "$DATABASE_URL" --pid "$WORKER_A")
    kill -KILL "$WORKER_A"; wait "$WORKER_A" 2>/dev/null || true
    chaos "SIGKILL worker $WORKER_A at $succeeded succeeded ($IN_FLIGHT jobs leased to it); restarting it"
    start_worker worker-a2.log; WORKER_A=$!
    KILLED=1
  fi
  [ "$final" -ge "$total" ] && break
  now=$(date +%s.%N)
  if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) - float(sys.argv[2]) > float(sys.argv[3]) else 1)" "$now" "$START" "$DEADLINE"; then
    chaos "not every job is final after $DEADLINE s ($final of $total)"
    break
  fi
  sleep 0.5
done
END=$(date +%s.%N)
ELAPSED=$(python3 -c 'import sys; print(float(sys.argv[1]) - float(sys.argv[2]))' "$END" "$START")
[ "$KILLED" = 1 ] || chaos "warning: the run ended before $KILL_AFTER jobs succeeded; no worker was killed"

py check --db "$DATABASE_URL" --fake "$FAKE" --jobs "$WORK/jobs.jsonl" --elapsed "$ELAPSED" --in-flight "$IN_FLIGHT"
[ "$KILLED" = 1 ] || die "no worker was killed"
