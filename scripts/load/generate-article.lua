-- content.generateArticle (offline template model): a run and a stored draft.
dofile("scripts/load/report.lua")
load_headers()
wrk.method = "POST"
request = function()
  local body = string.format('{"topic":"Email cadence %s for small shops","primaryKeyword":"email cadence","wordCount":600}', load_unique())
  return wrk.format(nil, nil, nil, body)
end
done = load_report("content.generateArticle")
