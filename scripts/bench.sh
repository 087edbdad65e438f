#!/usr/bin/env bash
# Benchmarks a release build of NeonHub with wrk (Debian's `wrk`).
#   scripts/bench.sh [--rounds N] [-d 8s] [--peers LIST]
# With ../shared/bench/peers/run.sh present, our server is measured beside the peer servers
# (Hummingbird 2, FlyingFox, Node, nginx) with the same wrk profile in the same run;
# otherwise wrk runs against our GET /health alone. Loopback only; every run is bounded.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
neonhub_setup

ROUNDS=1; DURATION=8s; PEERS="hummingbird,flyingfox,node,nginx"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    -d|--duration) DURATION=$2; shift 2 ;;
    --peers) PEERS=$2; shift 2 ;;
    *) die "unknown argument: $1" ;;
  esac
done
command -v wrk >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq wrk >/dev/null; } || true
command -v wrk >/dev/null || die "wrk not found: apt-get install -y wrk"

say "building (release)…"
swift build -c release --product neonhub >/dev/null || die "build failed"
BIN=$(swift build -c release --show-bin-path)/neonhub
PORT=${BENCH_PORT:-18090}
LOG=$(mktemp -t neonhub-bench.XXXXXX.log)
PORT=$PORT HOST=127.0.0.1 LOG_LEVEL=warning "$BIN" serve >"$LOG" 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" && break
  kill -0 $SERVER 2>/dev/null || die "server exited (log: $LOG)"
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" || die "server did not answer (log: $LOG)"

PEERS_SH=../shared/bench/peers/run.sh
if [ -x "$PEERS_SH" ] || [ -f "$PEERS_SH" ]; then
  say "side by side with peers ($PEERS), $ROUNDS round(s)"
  bash "$PEERS_SH" --peers "$PEERS" --endpoints health --rounds "$ROUNDS" -d "$DURATION" \
    --also "ours=http://127.0.0.1:$PORT"
else
  say "no peer harness: wrk against our /health only"
  wrk -t2 -c64 -d"$DURATION" --latency "http://127.0.0.1:$PORT/health"
fi
