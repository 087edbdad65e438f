#!/usr/bin/env bash
# Starts a real Prometheus (Debian's `prometheus` package) on loopback, scraping a local NeonHub
# with the committed alert rules loaded, in a temporary data folder removed on exit.
#   scripts/observe.sh [TARGET]        TARGET host:port of NeonHub (default localhost:4100)
# Environment: OBSERVE_PORT (Prometheus' port, default 9090), SCRAPE_INTERVAL (default 5s).
# Runs in the foreground; Ctrl-C (or SIGTERM) stops Prometheus and removes its data.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/.." || die "cannot find the project folder"
ensure_tool prometheus prometheus
ensure_tool promtool prometheus

TARGET=${1:-${NEONHUB_TARGET:-localhost:4100}}
PORT=${OBSERVE_PORT:-9090}
INTERVAL=${SCRAPE_INTERVAL:-5s}
RULES="$PWD/configs/prometheus/alerts.yml"
promtool check rules "$RULES" >/dev/null || die "the alert rules do not load: promtool check rules $RULES"

WORK=$(mktemp -d -t neonhub-observe.XXXXXX)
cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: $INTERVAL
  evaluation_interval: $INTERVAL
rule_files:
  - "$RULES"
scrape_configs:
  - job_name: neonhub
    metrics_path: /metrics
    static_configs:
      - targets: ["$TARGET"]
YAML

PROM_PID=
cleanup() {
  [ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
  --web.listen-address="127.0.0.1:$PORT" --storage.tsdb.retention.time=1d \
  --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1 && break
  kill -0 "$PROM_PID" 2>/dev/null || { cat "$WORK/prometheus.log" >&2; die "prometheus exited"; }
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1 || die "prometheus did not become ready on 127.0.0.1:$PORT"

cat >&2 <<TEXT
[neonhub] Prometheus is scraping http://$TARGET/metrics every $INTERVAL (pid $PROM_PID, data in $WORK)
[neonhub]   targets:  http://127.0.0.1:$PORT/targets
[neonhub]   alerts:   http://127.0.0.1:$PORT/alerts   (rules from configs/prometheus/alerts.yml)
[neonhub]   query:    http://127.0.0.1:$PORT/graph?g0.expr=sum%20by%20(route)%20(rate(neonhub_http_requests_total%5B1m%5D))
[neonhub]   API:      curl -s http://127.0.0.1:$PORT/api/v1/targets
[neonhub]   Grafana:  add http://127.0.0.1:$PORT as a Prometheus data source, import configs/grafana/neonhub.json
[neonhub] Ctrl-C stops it and removes the data.
TEXT
wait "$PROM_PID"
