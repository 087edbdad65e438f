-- agent_runs_running (started_at) WHERE status = 'running' serves no query: finding the runs
-- a dead process left behind goes by runner (agent_runs_active_runner), and listing by status
-- by tenant (agent_runs_tenant_status_created). Yet every `running` row wrote an entry into
-- it: one index write fewer for each run that waits on a provider (connectors.executeAction).
DROP INDEX IF EXISTS agent_runs_running;
