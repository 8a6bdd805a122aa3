#!/usr/bin/env bash
# Large-sample MH run of issue 6: 100 million random-walk MH steps in total
# (16 chains x 6.25 M, thin 100) on seed 000's posterior, streamed to draws
# files, then summarised from the files (weights and predictive functionals).
# Reports steps per second, bytes written and the peak resident memory of the
# whole command (GNU time's "Maximum resident set size"); goal < 200 MB.
#
#   bash Benchmarks/large_mcmc.sh              # from the repository root
#   CHAINS=4 DRAWS=250000 bash Benchmarks/large_mcmc.sh   # a smaller run
set -euo pipefail
cd "$(dirname "$0")/.."
CHAINS=${CHAINS:-16}
DRAWS=${DRAWS:-6250000}
THIN=${THIN:-100}
THREADS=${BENCH_THREADS:-2}
OUT=${OUT:-$(mktemp -d /tmp/bayeskit-large.XXXXXX)}
swift build -c release >&2
BIN=.build/release/bayeskit
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install -y time)" >&2; exit 1; }
echo "running $CHAINS chains x $DRAWS steps (thin $THIN) on $THREADS threads into $OUT" >&2
/usr/bin/time -v -o "$OUT/time.txt" "$BIN" mcmc --chains "$CHAINS" --warmup 0 --draws "$DRAWS" --thin "$THIN" \
  --proposal-scale 0.01 --threads "$THREADS" --output "$OUT/run" > "$OUT/stdout.txt"
stamp=$(date -u +%Y-%m-%d-%H%M)
mkdir -p Benchmarks/results
python3 - "$OUT" "$CHAINS" "$DRAWS" "$THIN" "$THREADS" "Benchmarks/results/$stamp-large-mcmc.md" <<'PY'
import json, os, re, sys
out, chains, draws, thin, threads, md = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
r = json.load(open(os.path.join(out, "run", "result.json")))
t = open(os.path.join(out, "time.txt")).read()
rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
wall = r["timing"]["wall_s"]
sampling = r["summary"]["sampling_s_total"]  # the chains' sampling times, summed (thread-seconds)
draws_dir = os.path.join(out, "run", "draws")
written = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(draws_dir) for f in fs)
steps = chains * draws
rows = [
    ("MH steps", f"{steps:,} ({chains} chains x {draws:,}, thin {thin}, {threads} threads)"),
    ("kept draws", f"{chains * ((draws + thin - 1) // thin):,}"),
    ("sampling time, summed over chains", f"{sampling:.2f} thread-seconds (about {sampling / threads:.1f} s of wall time on {threads} threads)"),
    ("steps per second per thread", f"{steps / sampling:,.0f}"),
    ("steps per second, all threads", f"{steps * threads / sampling:,.0f}"),
    ("whole command (sampling, summaries from files, figures)", f"{wall:.1f} s"),
    ("bytes written (draws + functionals files)", f"{written:,} ({written / 2**20:.0f} MiB)"),
    ("peak resident memory", f"{rss_kb / 1024:.0f} MiB (goal < 200 MB)"),
    ("max R-hat of the predictive functionals", f"{r['metrics']['max_rhat_functionals']:.4f}"),
    ("min bulk ESS of the predictive functionals", f"{r['metrics']['min_ess_bulk_functionals']:.0f}"),
]
with open(md, "w") as f:
    f.write(f"# Large-sample MH ({os.uname().nodename}, {os.cpu_count()} cores)\n\n| | |\n|---|---|\n")
    for k, v in rows: f.write(f"| {k} | {v} |\n")
print(open(md).read())
PY
