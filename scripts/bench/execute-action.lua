-- wrk script: POST /trpc/connectors.executeAction of Mailchimp's `ping` on a connection made by
-- scripts/bench.sh (a recorded run of the `connector` agent plus one outbound call to the
-- loopback fake). Token and connection id come from the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.body = '{"connectionId":"' .. os.getenv("BENCH_CONNECTION") .. '","action":"ping"}'

done = function(summary, latency, requests)
  io.write(string.format("EXECUTE_RESULT rps=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status))
end
