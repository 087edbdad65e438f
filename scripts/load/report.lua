-- Shared by the load scripts: one result line per call type, parsed by scripts/load.sh.
-- errors = non-2xx answers + socket errors (connect, read, write, timeout).
function load_report(name)
  return function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("LOAD_RESULT %s %d %.1f %.1f %.1f %.1f %d\n", name, summary.requests,
      summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
      latency:percentile(95) / 1000, latency:percentile(99) / 1000,
      e.status + e.connect + e.read + e.write + e.timeout))
  end
end

-- A bearer token from the environment (minted by `neonhub token`).
function load_headers()
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("LOAD_TOKEN")
end

-- A request-unique suffix: a random prefix per wrk thread and a counter.
local prefix = nil
local counter = 0
function load_unique()
  if prefix == nil then
    math.randomseed(os.time() + math.floor(os.clock() * 1e6))
    prefix = string.format("%08x", math.random(0, 0x7fffffff))
  end
  counter = counter + 1
  return prefix .. "-" .. counter
end
