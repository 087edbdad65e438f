-- tRPC reads in rotation: the lists and views the frontend polls.
dofile("scripts/load/report.lua")
load_headers()
wrk.method = "GET"
local paths = {
  "/trpc/agents.listRuns?input=%7B%22limit%22%3A20%7D",
  "/trpc/content.listDrafts?input=%7B%22limit%22%3A20%7D",
  "/trpc/connectors.listConnections",
  "/trpc/publish.listJobs?input=%7B%22limit%22%3A20%7D",
  "/trpc/dashboard.connectorHealth",
  "/trpc/agents.list",
}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format(nil, paths[i])
end
done = load_report("trpc.reads")
