-- publish.schedule of a Facebook Page post (mock mode), each with its own content, so each is a
-- new job that the server's workers then publish.
dofile("scripts/load/report.lua")
load_headers()
wrk.method = "POST"
request = function()
  local body = string.format('{"connectionId":"%s","action":"page.createPost","input":{"message":"Load test post %s"}}',
    os.getenv("LOAD_META"), load_unique())
  return wrk.format(nil, nil, nil, body)
end
done = load_report("publish.schedule")
