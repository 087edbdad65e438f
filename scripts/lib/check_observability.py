#!/usr/bin/env python3
"""Checks configs/grafana/neonhub.json and configs/prometheus/alerts.yml against the code.

  python3 scripts/lib/check_observability.py [--promtool PATH]

- the dashboard is valid JSON with a schemaVersion, a Prometheus datasource variable, the
  rows of issue 16, and every panel target on that datasource;
- every metric name in a dashboard expression or an alert rule is exported by the code
  (grepped from Sources/) or is one of DESIGN §3's names still waiting for its feature
  (PENDING below; remove a name from it when the code exports it);
- every alert's runbook_url anchor is a heading of docs/RUNBOOK.md;
- with promtool, every dashboard expression parses as PromQL (written as a recording rule
  with Grafana's variables substituted, then `promtool check rules`).
Exits 1 on the first class of problem found, listing every instance of it.
"""
import json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DASHBOARD = os.path.join(ROOT, "configs/grafana/neonhub.json")
ALERTS = os.path.join(ROOT, "configs/prometheus/alerts.yml")

# DESIGN §3 names that no code exports yet (none left: the queue and webhooks export theirs).
PENDING = {
}
# Prometheus' own series.
BUILTIN = {"up"}
ROWS = ["HTTP", "Agents", "Connectors", "Queue", "Database", "Process"]
NAME = re.compile(r"\b((?:neonhub|process)_[a-z0-9_]+)\b")


def exported_names():
    names = set()
    for folder, _, files in os.walk(os.path.join(ROOT, "Sources")):
        for f in files:
            if f.endswith(".swift"):
                with open(os.path.join(folder, f), encoding="utf-8") as handle:
                    text = handle.read()
                names.update(m for m in NAME.findall(text) if not m.startswith("neonhub_\\"))
                # ProcessMetrics writes `metric("process_…", …)`; the regex above finds those too.
    names.discard("neonhub_")
    return names


def base(name):
    for suffix in ("_bucket", "_count", "_sum"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def main():
    promtool = None
    if "--promtool" in sys.argv:
        promtool = sys.argv[sys.argv.index("--promtool") + 1]
    problems = []
    try:
        with open(DASHBOARD, encoding="utf-8") as handle:
            dash = json.load(handle)
    except (OSError, ValueError) as error:
        print(f"[observability] {DASHBOARD}: not valid JSON: {error}")
        return 1
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
        problems.append("schemaVersion missing or older than 36")
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problems.append('no Prometheus datasource variable named "datasource"')
    titles = [p.get("title") for p in dash.get("panels", []) if p.get("type") == "row"]
    for wanted in ROWS:
        if wanted not in titles:
            problems.append(f"row {wanted!r} missing")
    ids = [p.get("id") for p in dash.get("panels", [])]
    if len(ids) != len(set(ids)):
        problems.append("duplicate panel ids")
    exprs = []
    for panel in dash.get("panels", []):
        if panel.get("type") == "row":
            continue
        if panel.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"panel {panel.get('title')!r} does not use ${{datasource}}")
        if not panel.get("targets"):
            problems.append(f"panel {panel.get('title')!r} has no query")
        for target in panel.get("targets", []):
            exprs.append((panel.get("title"), target.get("expr", "")))

    known = exported_names()
    waiting = set()
    with open(ALERTS, encoding="utf-8") as handle:
        alert_text = handle.read()
    sources = [(f"panel {title!r}", expr) for title, expr in exprs]
    sources += [("alerts.yml", line) for line in alert_text.splitlines() if not line.lstrip().startswith("#")]
    for where, text in sources:
        for name in NAME.findall(text):
            b = base(name)
            if b in known or name in known or b in BUILTIN:
                continue
            if b in PENDING:
                waiting.add(b)
                continue
            problems.append(f"{where}: metric {name} is neither exported by Sources/ nor a pending DESIGN §3 name")
    for name in sorted(PENDING):
        if name in known:
            problems.append(f"{name} is exported now: remove it from PENDING in {os.path.relpath(__file__, ROOT)}")

    # Every runbook_url names a heading of docs/RUNBOOK.md (GitHub's anchor rules).
    with open(os.path.join(ROOT, "docs/RUNBOOK.md"), encoding="utf-8") as handle:
        anchors = {re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
                   for line in handle if line.startswith("## ")}
    for anchor in re.findall(r'runbook_url: "docs/RUNBOOK.md#([^"]+)"', alert_text):
        if anchor not in anchors:
            problems.append(f"alerts.yml: runbook_url #{anchor} is not a heading of docs/RUNBOOK.md")
    if "runbook_url" not in alert_text:
        problems.append("alerts.yml has no runbook_url")

    if promtool and not problems:
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as rules:
            rules.write("groups:\n  - name: dashboard\n    rules:\n")
            for i, (_, expr) in enumerate(exprs):
                e = expr.replace("$__rate_interval", "5m").replace("$instance", ".*")
                rules.write(f"      - record: dashboard:expr_{i}\n        expr: {json.dumps(e)}\n")
        result = subprocess.run([promtool, "check", "rules", rules.name], capture_output=True, text=True)
        os.unlink(rules.name)
        if result.returncode != 0:
            problems.append("a dashboard expression is not valid PromQL:\n" + result.stdout + result.stderr)

    if problems:
        for p in problems:
            print(f"[observability] {p}")
        return 1
    print(f"[observability] dashboard: {len(exprs)} queries in {len(dash['panels']) - len(titles)} panels, rows {', '.join(titles)}; "
          f"every metric name checked ({len(known)} exported; waiting for their feature: {', '.join(sorted(waiting)) or 'none'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
