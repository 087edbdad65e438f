#!/usr/bin/env python3
"""The HTTP and SQL side of scripts/queue-chaos.sh (standard library only; SQL through psql).

  queue_chaos.py connect  --server URL --fake URL --token T --user N     → one Meta connection (JSON line)
  queue_chaos.py schedule --server URL --connections FILE --jobs N --out FILE
  queue_chaos.py progress --db URL                                        → "succeeded final total"
  queue_chaos.py running-for --db URL --pid PID                           → jobs leased by that worker process
  queue_chaos.py check    --db URL --fake URL --jobs FILE --elapsed S …   → the report; exit 1 if a check fails

`connect` does what a browser does: connectors.authorizeUrl (state, redirect_uri), the consent
(the fake's POST /__authorize answers the code the dialog would redirect with), then NeonHub's
GET /oauth/callback/meta?code=…&state=…, whose redirect to APP_URL names the new connection.
"""

import argparse
import concurrent.futures
import http.client
import json
import subprocess
import sys
import threading
from collections import Counter
from urllib.parse import parse_qs, urlencode, urlsplit


def call(method, url, body=None, token=None, form=False, timeout=30):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = {}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        if form:
            data = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), raw


def trpc(server, procedure, token, payload):
    status, _, raw = call("POST", f"{server}/trpc/{procedure}", payload, token)
    envelope = json.loads(raw or b"{}")
    if status != 200:
        raise RuntimeError(f"{procedure} answered {status}: {raw[:300]!r}")
    return envelope["result"]["data"]


def connect(args):
    authorization = trpc(args.server, "connectors.authorizeUrl", args.token, {"connector": "meta"})
    query = {k: v[-1] for k, v in parse_qs(urlsplit(authorization["url"]).query).items()}
    status, _, raw = call("POST", f"{args.fake}/__authorize", {"redirect_uri": query["redirect_uri"], "user": str(args.user),
                                                                "scope": query.get("scope", "")}, form=True)
    if status != 200:
        raise RuntimeError(f"the fake refused the consent: {raw!r}")
    consent = json.loads(raw)
    callback = f"{args.server}/oauth/callback/meta?" + urlencode({"code": consent["code"], "state": query["state"]})
    status, headers, raw = call("GET", callback)
    location = headers.get("Location") or headers.get("location") or ""
    outcome = {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}
    if status not in (302, 303) or "connectionId" not in outcome:
        raise RuntimeError(f"the callback did not connect (HTTP {status}, Location {location!r}): {raw[:300]!r}")
    print(json.dumps({"connectionId": outcome["connectionId"], "user": args.user, "pages": consent["pages"]}))


def schedule(args):
    connections = [json.loads(line) for line in open(args.connections) if line.strip()]
    targets = [(c, page) for c in connections for page in c["pages"]]
    plan = []
    for index in range(args.jobs):
        c, page = targets[index % len(targets)]
        plan.append({"index": index, "tenant": c["tenant"], "token": c["token"], "connectionId": c["connectionId"], "page": page,
                     "message": f"Chaos run {args.run_id}: post {index + 1:04d} of {args.jobs} for page {page}"})
    lock = threading.Lock()
    out = []

    def one(item):
        data = trpc(args.server, "publish.schedule", item["token"], {
            "connectionId": item["connectionId"], "action": "page.createPost", "accountId": item["page"],
            "input": {"message": item["message"]}})
        if not data.get("created"):
            raise RuntimeError(f"job {item['index']} was not created: {data}")
        with lock:
            out.append({k: v for k, v in item.items() if k != "token"} | {"jobId": data["job"]["id"]})

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for future in concurrent.futures.as_completed([pool.submit(one, item) for item in plan]):
            future.result()
    with open(args.out, "w") as f:
        for item in sorted(out, key=lambda i: i["index"]):
            f.write(json.dumps(item) + "\n")
    print(len(out))


def psql(db, sql):
    result = subprocess.run(["psql", db, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def progress(args):
    print(psql(args.db, """
        SELECT count(*) FILTER (WHERE status = 'succeeded') || ' ' ||
               count(*) FILTER (WHERE status IN ('succeeded', 'dlq', 'cancelled')) || ' ' || count(*)
        FROM publish_jobs WHERE kind = 'publish'"""))


def running_for(args):
    # The worker's lease holder names are "<host>:<pid>:<random>#<n>".
    print(psql(args.db, f"SELECT count(*) FROM publish_jobs WHERE status = 'running' AND locked_by LIKE '%:{int(args.pid)}:%'"))


def check(args):
    jobs_planned = {j["jobId"].lower(): j for j in (json.loads(line) for line in open(args.jobs) if line.strip())}
    rows = json.loads(psql(args.db, """
        SELECT coalesce(json_agg(json_build_object('id', id, 'status', status, 'dlqReason', dlq_reason, 'remoteId', remote_id,
                                                   'attempts', attempts, 'message', payload #>> '{input,message}', 'page', account_id)), '[]')
        FROM publish_jobs WHERE kind = 'publish'""") or "[]")
    outcomes = dict(line.split("|") for line in psql(args.db, """
        SELECT a.outcome || '|' || count(*) FROM publish_attempts a JOIN publish_jobs j ON j.id = a.job_id
        WHERE j.kind = 'publish' GROUP BY a.outcome ORDER BY a.outcome""").splitlines() if line)
    system = json.loads(psql(args.db, """
        SELECT coalesce(json_agg(json_build_object('kind', kind, 'status', status, 'attempts', attempts, 'dlqReason', dlq_reason,
                                                   'lastError', last_error)), '[]')
        FROM publish_jobs WHERE kind <> 'publish'""") or "[]")
    system_attempts = psql(args.db, """
        SELECT coalesce(json_agg(json_build_object('kind', j.kind, 'outcome', a.outcome, 'error', a.error, 'worker', a.worker)), '[]')
        FROM publish_attempts a JOIN publish_jobs j ON j.id = a.job_id WHERE j.kind <> 'publish' AND a.outcome <> 'succeeded'""")
    status, _, raw = call("GET", f"{args.fake}/__stats")
    stats = json.loads(raw)

    posts_by_message = {}
    posts_by_id = Counter()
    for post in stats["allPosts"]:
        posts_by_message.setdefault(post["message"], []).append(post)
        posts_by_id[post["id"]] += 1
    by_status = Counter(r["status"] for r in rows)
    dlq_reasons = Counter(r["dlqReason"] or "(none)" for r in rows if r["status"] == "dlq")
    failures = []

    def expect(ok, text):
        if not ok:
            failures.append(text)

    expect(len(rows) == len(jobs_planned), f"{len(rows)} publish jobs in the database, {len(jobs_planned)} scheduled")
    expect(set(r["id"].lower() for r in rows) == set(jobs_planned), "the jobs in the database are not the jobs scheduled")
    unfinished = [r for r in rows if r["status"] not in ("succeeded", "dlq", "cancelled")]
    expect(not unfinished, f"{len(unfinished)} jobs not final: {Counter(r['status'] for r in unfinished)}")
    no_reason = [r["id"] for r in rows if r["status"] == "dlq" and not r["dlqReason"]]
    expect(not no_reason, f"{len(no_reason)} DLQ jobs without a reason")
    expect(stats["duplicates"] == 0, f"{stats['duplicates']} duplicate posts at the fake: {stats['duplicatePosts'][:5]}")
    expect(stats["duplicateMessagesAnywhere"] == 0, f"{stats['duplicateMessagesAnywhere']} messages posted more than once (any Page)")
    expect(all(n == 1 for n in posts_by_id.values()), "a post id appears twice at the fake")
    bad_succeeded = []
    dlq_with_post = []
    for r in rows:
        posts = posts_by_message.get(r["message"], [])
        if r["status"] == "succeeded":
            if not (len(posts) == 1 and posts[0]["id"] == r["remoteId"] and posts[0]["page"] == r["page"]):
                bad_succeeded.append({"job": r["id"], "remoteId": r["remoteId"], "postsAtFake": [p["id"] for p in posts]})
        else:
            expect(len(posts) <= 1, f"job {r['id']} ({r['status']}) has {len(posts)} posts")
            if posts:
                dlq_with_post.append({"job": r["id"], "reason": r["dlqReason"], "post": posts[0]["id"]})
    expect(not bad_succeeded, f"{len(bad_succeeded)} succeeded jobs whose remote_id is not exactly one post at the fake: {bad_succeeded[:5]}")
    # A DLQ job may have a post only when its reason says the outcome is not known.
    wrong_dlq = [d for d in dlq_with_post if d["reason"] != "outcome_unknown"]
    expect(not wrong_dlq, f"{len(wrong_dlq)} DLQ jobs with a post at the fake although their reason says it failed: {wrong_dlq[:5]}")
    known = {r["message"] for r in rows}
    strays = [p["id"] for p in stats["allPosts"] if p["message"] not in known]
    expect(not strays, f"{len(strays)} posts at the fake belong to no job")

    # The recurring jobs (token refresh, health check, cleanup) ran beside the publishes: none may fail.
    dead_system = [j for j in system if j["status"] == "dlq"]
    expect(not dead_system, f"{len(dead_system)} recurring jobs in the DLQ: {dead_system[:3]}")

    elapsed = float(args.elapsed)
    report = {
        "jobs": len(rows), "succeeded": by_status.get("succeeded", 0), "dlq": by_status.get("dlq", 0),
        "dlqReasons": dict(dlq_reasons), "dlqWithPostAtFake": dlq_with_post, "notFinal": len(unfinished),
        "postsAtFake": stats["posts"], "duplicatesAtFake": stats["duplicates"], "faultsInjected": stats["faults"],
        "fakeRequests": stats["requests"], "attemptOutcomes": outcomes,
        "systemJobs": system, "systemJobFailedAttempts": json.loads(system_attempts or "[]"),
        "killedWorkerJobsInFlight": args.in_flight, "elapsedSeconds": round(elapsed, 1),
        "jobsPerSecond": round(len(rows) / elapsed, 2) if elapsed > 0 else None,
    }
    print(json.dumps(report, indent=2))
    lines = [
        f"jobs                      {len(rows)}",
        f"succeeded (published)     {report['succeeded']}",
        f"in the DLQ                {report['dlq']}" + "".join(f"\n  {n:>4}  {reason}" for reason, n in sorted(dlq_reasons.items())),
        f"posts at the fake         {stats['posts']}",
        f"duplicates at the fake    {stats['duplicates']}",
        f"not final                 {len(unfinished)}",
        f"faults injected           " + ", ".join(f"{k} {v}" for k, v in stats["faults"].items()),
        f"attempt outcomes          " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())),
        f"killed worker's leases    {args.in_flight} jobs running when it was killed",
        f"elapsed                   {elapsed:.1f} s (workers started → every job final)",
        f"throughput                {report['jobsPerSecond']} jobs/s",
    ]
    sys.stderr.write("\n".join("[chaos] " + line for text in lines for line in text.split("\n")) + "\n")
    if failures:
        for text in failures:
            sys.stderr.write(f"[chaos] CHECK FAILED: {text}\n")
        sys.exit(1)
    sys.stderr.write("[chaos] every check passed: each job published exactly once or in the DLQ with its reason; 0 duplicates\n")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("connect")
    p.add_argument("--server", required=True)
    p.add_argument("--fake", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--user", type=int, required=True)
    p = sub.add_parser("schedule")
    p.add_argument("--server", required=True)
    p.add_argument("--connections", required=True)
    p.add_argument("--jobs", type=int, required=True)
    p.add_argument("--run-id", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("progress")
    p.add_argument("--db", required=True)
    p = sub.add_parser("running-for")
    p.add_argument("--db", required=True)
    p.add_argument("--pid", required=True)
    p = sub.add_parser("check")
    p.add_argument("--db", required=True)
    p.add_argument("--fake", required=True)
    p.add_argument("--jobs", required=True)
    p.add_argument("--elapsed", required=True)
    p.add_argument("--in-flight", default="?")
    args = parser.parse_args()
    {"connect": connect, "schedule": schedule, "progress": progress, "running-for": running_for, "check": check}[args.command](args)


if __name__ == "__main__":
    main()
