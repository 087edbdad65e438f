-- connectors.executeAction in mock mode (Slack conversations.list from its fixture, through the
-- real runtime): a recorded run with one tool execution.
dofile("scripts/load/report.lua")
load_headers()
wrk.method = "POST"
wrk.body = string.format('{"connectionId":"%s","action":"conversations.list","input":{}}', os.getenv("LOAD_SLACK"))
done = load_report("connectors.executeAction")
