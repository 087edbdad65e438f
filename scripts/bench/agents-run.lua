-- wrk script: POST /trpc/agents.run of the diagnostic echo agent (2 tool rows, 3 metric rows).
-- The bearer token comes from the environment (BENCH_TOKEN), minted by `neonhub token`.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.body = '{"agent":"echo","input":{"text":"Benchmark run of the echo agent."}}'

done = function(summary, latency, requests)
  io.write(string.format("AGENTS_RESULT rps=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status))
end
