-- agents.run of the social agent (offline template model): a run row, its tool rows, metrics.
dofile("scripts/load/report.lua")
load_headers()
wrk.method = "POST"
request = function()
  local body = string.format('{"agent":"social","input":{"brief":"Spring launch %s of the trail shoe","platforms":["twitter","linkedin"]}}', load_unique())
  return wrk.format(nil, nil, nil, body)
end
done = load_report("agents.run")
