#!/usr/bin/env python3
"""Line coverage per target from llvm-cov, as a table and a JSON file.

  coverage_report.py LLVM_COV PROFDATA BINARY OUT_JSON [--enforce]

Runs `llvm-cov export -summary-only` on the test binary, groups the files under
Sources/<Target>/ by target (tests, test support and dependencies are not counted), prints a
table, writes OUT_JSON, and compares with the gate: >= 85 % overall, >= 80 % for HTTPCore,
Postgres and NeonHub. Prints every shortfall; exits 1 on one only with --enforce.
"""
import json, os, subprocess, sys

OVERALL = 85.0
PER_TARGET = {"HTTPCore": 80.0, "Postgres": 80.0, "NeonHub": 80.0}


def main():
    llvm_cov, profdata, binary, out = sys.argv[1:5]
    enforce = "--enforce" in sys.argv
    root = os.getcwd() + "/Sources/"
    result = subprocess.run([llvm_cov, "export", "-summary-only", f"-instr-profile={profdata}", binary],
                            capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        return 2
    data = json.loads(result.stdout)
    targets = {}
    for entry in data["data"]:
        for f in entry["files"]:
            name = f["filename"]
            if not name.startswith(root):
                continue
            target = name[len(root):].split("/", 1)[0]
            lines = f["summary"]["lines"]
            t = targets.setdefault(target, {"files": 0, "lines": 0, "covered": 0})
            t["files"] += 1
            t["lines"] += lines["count"]
            t["covered"] += lines["covered"]
    total_lines = sum(t["lines"] for t in targets.values())
    total_covered = sum(t["covered"] for t in targets.values())
    pct = lambda c, n: round(100.0 * c / n, 2) if n else 100.0
    for t in targets.values():
        t["percent"] = pct(t["covered"], t["lines"])
    overall = pct(total_covered, total_lines)

    print(f"{'target':<16} {'files':>5} {'lines':>7} {'covered':>7} {'line %':>7}  gate")
    for name in sorted(targets):
        t = targets[name]
        gate = f">= {PER_TARGET[name]:.0f} %" if name in PER_TARGET else ""
        print(f"{name:<16} {t['files']:>5} {t['lines']:>7} {t['covered']:>7} {t['percent']:>7.2f}  {gate}")
    print(f"{'overall':<16} {sum(t['files'] for t in targets.values()):>5} {total_lines:>7} {total_covered:>7} {overall:>7.2f}  >= {OVERALL:.0f} %")

    shortfalls = []
    if overall < OVERALL:
        shortfalls.append(f"overall {overall:.2f} % < {OVERALL:.0f} % ({OVERALL - overall:.2f} points short)")
    for name, floor in PER_TARGET.items():
        p = targets.get(name, {"percent": 0.0})["percent"]
        if p < floor:
            shortfalls.append(f"{name} {p:.2f} % < {floor:.0f} % ({floor - p:.2f} points short)")
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "w") as handle:
        json.dump({"overall": {"lines": total_lines, "covered": total_covered, "percent": overall},
                   "targets": targets, "gate": {"overall": OVERALL, "perTarget": PER_TARGET},
                   "shortfalls": shortfalls, "enforced": enforce}, handle, indent=2, sort_keys=True)
    print(f"written to {out}")
    for s in shortfalls:
        print(f"coverage shortfall: {s}")
    return 1 if shortfalls and enforce else 0


if __name__ == "__main__":
    sys.exit(main())
