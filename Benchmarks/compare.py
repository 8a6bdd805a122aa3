#!/usr/bin/env python3
"""Merge the Swift (ordo-one JMH export) and Python peer timings into one table.

Writes results/<date>.md and .json plus, for an unfiltered run, results/latest.md and latest.json.
Ratio = peer median time / BayesKit median time: above 1, BayesKit is faster.
Standard library only, so it runs with any Python 3.9+.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import statistics
import subprocess


def swift_timings(jmh_path):
    """{benchmark name: {median_s, min_s, calls}} from an ordo-one `--format jmh` file.
    Its wall-clock samples are in microseconds (rawData, one value per call)."""
    with open(jmh_path) as f:
        elements = json.load(f)
    out = {}
    for element in elements:
        # "package.benchmark.<target>.<name with spaces as _>"
        _, _, target, name = element["benchmark"].split(".", 3)
        wall = element["secondaryMetrics"].get("Time (wall clock)")
        if wall is None:
            continue
        assert wall["scoreUnit"] == "μs", wall["scoreUnit"]
        samples = [v * 1e-6 for v in wall["rawData"][0]]
        out[name] = {"target": target, "median_s": statistics.median(samples),
                     "min_s": min(samples), "calls": len(samples)}
    return out


def cpuinfo():
    model, sockets_cores = None, None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model is None:
                    model = line.split(":", 1)[1].strip()
    except OSError:
        model = platform.processor() or None
    mem_gb = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        load = " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        load = None
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": mem_gb,
            "os": f"{platform.system()} {platform.release()}", "arch": platform.machine(),
            "load_average": load}


def git_revision(repo):
    # GIT_OPTIONAL_LOCKS=0: `git status` must not refresh the index (read-only).
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")
    try:
        rev = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True, env=env).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True, env=env).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def fmt_ms(seconds):
    if seconds is None:
        return "–"
    ms = seconds * 1e3
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}"


def build(tasks, swift, peers, args):
    rows = []
    for task in tasks:
        if args.filter and not re.fullmatch(args.filter, task["id"]):
            continue
        mine = swift.get(task["id"])
        row = {"task": task["id"], "title": task["title"], "n": task["n"],
               "bayeskit": dict(mine or {"missing": "no Swift benchmark of this name ran"},
                                code=task.get("bayeskit")),
               "peers": []}
        for name, p in peers["results"].get(task["id"], {}).items():
            entry = dict(p, name=name)
            if mine and "median_s" in p:
                entry["ratio"] = p["median_s"] / mine["median_s"]
                entry["ratio_min"] = p["min_s"] / mine["min_s"]
            row["peers"].append(entry)
        # A task may compare against other Swift benchmarks of the same run
        # (e.g. the same kernel without progress polling) instead of, or as
        # well as, Python peers.
        for name, other in task.get("swift_baselines", {}).items():
            base = swift.get(other)
            if not base or "median_s" not in base:
                continue
            entry = dict(base, name=name, code=f"Swift benchmark `{other}`")
            if mine and "median_s" in mine:
                entry["ratio"] = base["median_s"] / mine["median_s"]
                entry["ratio_min"] = base["min_s"] / mine["min_s"]
            row["peers"].append(entry)
        rows.append(row)
    return rows


def markdown(report):
    m, v = report["machine"], report["versions"]
    lines = [
        f"# BayesKit vs Python peers, {report['date']}",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']} {m['arch']}",
        f"- Threads: {report['threads']} (OMP_NUM_THREADS / MKL_NUM_THREADS / torch.set_num_threads); "
        f"load average after the run: {m.get('load_average') or 'unknown'} (above ~0.5 per core, expect noise)",
        f"- Versions: {v['swift']}; Python {v['python']}, NumPy {v['numpy']}, SciPy {v['scipy']}, "
        f"PyTorch {v['torch'] or 'not installed'}",
        f"- BayesKit commit: {report['git'] or 'unknown'}",
        "- Times: median wall time of one call, in ms (min in the JSON); "
        "ratio = peer / BayesKit, so above 1 means BayesKit is faster.",
        "",
        "| Task | n | BayesKit (ms) | Peer | Peer (ms) | Ratio |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for row in report["rows"]:
        mine = row["bayeskit"]
        first = True
        for p in row["peers"] or [{}]:
            task = f"{row['title']} (`{row['task']}`)" if first else ""
            n = f"{row['n']:,}" if first else ""
            me = (fmt_ms(mine.get("median_s")) if "median_s" in mine else "missing") if first else ""
            peer_time = "skipped" if "skipped" in p else fmt_ms(p.get("median_s"))
            lines.append(f"| {task} | {n} | {me} | {p.get('name', '–')} | {peer_time} | "
                         f"{fmt_ratio(p.get('ratio'))} |")
            first = False
    lines += ["", "What each column runs:", ""]
    for row in report["rows"]:
        lines.append(f"- `{row['task']}`: BayesKit `{row['bayeskit'].get('code')}`"
                     + "".join(f"; {p['name']} `{p['code']}`" for p in row["peers"]))
    return "\n".join(lines) + "\n"


def with_long_calls(swift, folder):
    """Adds the benchmarks whose calls take over a second (ordo-one's JMH export
    drops them: their integer throughput rounds to 0), from the per-call wall
    times they record themselves in `<folder>/<id>.json` (`call_seconds`)."""
    for path in glob.glob(os.path.join(folder, "*.json")):
        try:
            with open(path) as f:
                record = json.load(f)
        except (OSError, ValueError):
            continue
        calls = record.get("call_seconds") if isinstance(record, dict) else None
        name = os.path.basename(path)[:-5]
        if calls and name not in swift:
            swift[name] = {"target": "BayesKitBenchmarks", "median_s": statistics.median(calls), "min_s": min(calls),
                           "calls": len(calls), "timing": "per-call wall clock recorded by the benchmark itself"}
    return swift


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", required=True)
    parser.add_argument("--swift", required=True, help="ordo-one JMH export")
    parser.add_argument("--peers", required=True, help="peers.py output")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--swift-version", default="Swift (unknown version)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--filter", default=None)
    parser.add_argument("--repo", default=".")
    args = parser.parse_args()

    with open(args.tasks) as f:
        tasks = json.load(f)["tasks"]
    with open(args.peers) as f:
        peers = json.load(f)
    now = datetime.datetime.now().astimezone()
    report = {
        "date": now.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": cpuinfo(),
        "threads": args.threads,
        "versions": dict(swift=args.swift_version, **peers["versions"]),
        "peer_threads": peers["threads"],
        "git": git_revision(args.repo),
        "filter": args.filter,
        "rows": build(tasks, with_long_calls(swift_timings(args.swift), os.path.dirname(args.swift)), peers, args),
    }
    text = markdown(report)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = os.path.join(args.out_dir, now.strftime("%Y-%m-%d-%H%M"))
    # A filtered run is a partial table: it gets its dated files but leaves
    # latest.* (the last full run) alone.
    targets = (stem,) if args.filter else (stem, os.path.join(args.out_dir, "latest"))
    for path in targets:
        with open(path + ".md", "w") as f:
            f.write(text)
        with open(path + ".json", "w") as f:
            json.dump(report, f, indent=2, ensure_ascii=False)
            f.write("\n")
    print(text)
    print(f"wrote {stem}.md, {stem}.json" + ("" if args.filter else ", latest.md, latest.json") + f" in {args.out_dir}")


if __name__ == "__main__":
    main()
