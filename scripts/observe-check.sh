#!/usr/bin/env bash
# Proves scripts/observe.sh: starts `neonhub serve` (debug build, embedded PostgreSQL) on a free
# port, runs observe.sh against it on another free port, waits a scrape interval, then asks
# Prometheus' HTTP API that the target is up and every rule group loaded with health "ok".
# Stops both. Called by scripts/check.sh; expects `swift build` to have run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
neonhub_setup
ensure_tool prometheus prometheus

ROOT=$PWD
BIN=${NEONHUB_BIN:-$(swift build --show-bin-path)/neonhub}
[ -x "$BIN" ] || die "no $BIN: run swift build first"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")   # the server runs from another folder
APP_PORT=$(free_port)
PROM_PORT=$(free_port)
# The server's working folder holds its embedded cluster (.neonhub/), deleted at the end.
WORKDIR=$ROOT/.build/observe-check
mkdir -p "$WORKDIR"
LOGS=$(mktemp -d -t neonhub-observe-check.XXXXXX)
SERVER_PID= OBSERVE_PID=
stop() {
  [ -n "$OBSERVE_PID" ] && kill "$OBSERVE_PID" 2>/dev/null && wait "$OBSERVE_PID" 2>/dev/null
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  # Delete the embedded cluster wherever it lives: from a clone in a 0700 folder (.ci/run) it
  # sits in /var/lib/neonhub/clusters/, which a fresh clone would never reuse.
  (cd "$WORKDIR" && LLVM_PROFILE_FILE=/dev/null "$BIN" db reset --yes >/dev/null 2>&1) || true
  rm -rf "$LOGS"
}
trap stop EXIT
fail() { say "server log:"; tail -20 "$LOGS/server.log" >&2 || true; say "observe log:"; tail -20 "$LOGS/observe.log" >&2 || true; die "$*"; }

(cd "$WORKDIR" && exec env -u DATABASE_URL PORT="$APP_PORT" HOST=127.0.0.1 LOG_FORMAT=json \
  MIGRATIONS_DIR="$ROOT/Migrations" CONNECTORS_DIR="$ROOT/configs/connectors" LLM_PRICES_FILE="$ROOT/configs/llm-prices.json" \
  JWT_SECRET=observe-check-secret-0123456789abcdef LLVM_PROFILE_FILE=/dev/null "$BIN" serve) >"$LOGS/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  curl -fsS "http://127.0.0.1:$APP_PORT/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "neonhub serve exited"
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$APP_PORT/health" >/dev/null || fail "neonhub did not answer /health on port $APP_PORT within 60 s"
say "neonhub serving on 127.0.0.1:$APP_PORT"

INTERVAL=2
OBSERVE_PORT=$PROM_PORT SCRAPE_INTERVAL=${INTERVAL}s "$ROOT/scripts/observe.sh" "127.0.0.1:$APP_PORT" >"$LOGS/observe.log" 2>&1 &
OBSERVE_PID=$!
API=http://127.0.0.1:$PROM_PORT/api/v1
ok=
for _ in $(seq 1 30); do
  sleep "$INTERVAL"
  kill -0 "$OBSERVE_PID" 2>/dev/null || fail "observe.sh exited"
  TARGETS=$(curl -fsS "$API/targets" 2>/dev/null) || continue
  RULES=$(curl -fsS "$API/rules" 2>/dev/null) || continue
  if python3 - "$TARGETS" "$RULES" "$APP_PORT" <<'PY'
import json, sys
targets, rules, port = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
active = targets["data"]["activeTargets"]
up = [t for t in active if t["labels"].get("instance") == f"127.0.0.1:{port}" and t["health"] == "up"]
groups = rules["data"]["groups"]
loaded = [r for g in groups for r in g["rules"]]
bad = [r["name"] for r in loaded if r.get("health") != "ok"]
ready = bool(up) and len(loaded) > 0 and not bad and all(r.get("lastEvaluation", "0001").startswith("0001") is False for r in loaded)
if ready:
    print(f"[neonhub] prometheus: target 127.0.0.1:{port} up (last scrape {up[0]['lastScrape']}), "
          f"{len(loaded)} rules in {len(groups)} groups loaded, all health ok", file=sys.stderr)
sys.exit(0 if ready else 1)
PY
  then ok=1; break; fi
done
[ -n "$ok" ] || fail "Prometheus did not report the target up and every rule healthy within 60 s: $TARGETS $RULES"
# The alerts that need no feature beyond today's code must be quiet on a healthy server.
FIRING=$(curl -fsS "$API/alerts" | python3 -c 'import json,sys; print(" ".join(a["labels"]["alertname"] for a in json.load(sys.stdin)["data"]["alerts"] if a["state"]=="firing"))')
[ -z "$FIRING" ] || fail "alerts firing on a healthy server: $FIRING"
say "observe.sh works: the server is scraped and the rules evaluate"
