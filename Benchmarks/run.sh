#!/usr/bin/env bash
# BayesKit benchmarks side by side with the Python tools people use today.
#
#   bash Benchmarks/run.sh                         everything (what `make bench` runs)
#   BENCH_FILTER='rng.*|blr.*' bash Benchmarks/run.sh   only these task ids (the regex must match a whole id)
#   BENCH_THREADS=2 bash Benchmarks/run.sh         thread count for both sides (default 1)
#   BENCH_REPEATS=50 bash Benchmarks/run.sh        timed calls per Python peer (default 30)
#
# Steps: (1) the peers' virtual environment (Benchmarks/peers/.venv, created
# once), (2) the Swift benchmarks (ordo-one/benchmark, JMH export into
# Benchmarks/.build/bayeskit-bench/), (3) the Python peers, (4) the table in
# Benchmarks/results/<date>.{md,json} and results/latest.{md,json}.
# Not part of `make test`: it takes minutes and its numbers are not asserted.
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
threads="${BENCH_THREADS:-1}"
filter="${BENCH_FILTER:-}"
work="$bench/.build/bayeskit-bench"
start=$SECONDS

say() { printf '\n==> [%3ss] %s\n' "$((SECONDS - start))" "$*"; }

# Same thread count for BayesKit's OpenMP kernels and the peers' BLAS/OpenMP pools.
export OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"

command -v swift >/dev/null || { echo "error: swift not found on PATH" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" "$bench/results"

say "1/4 Python peers' environment (Benchmarks/peers/.venv)"
bash "$bench/peers/setup.sh"
py="$bench/peers/.venv/bin/python"

say "2/4 Swift benchmarks (ordo-one/benchmark; the first build takes a few minutes), threads=$threads"
# The NUTS row writes the quality of its last run (ESS, R-hat, RMSE) next to the timings.
export BAYESKIT_BENCH_QUALITY="$work"
swift_args=(run --format jmh --path "$work" --no-progress)
[ -n "$filter" ] && swift_args+=(--filter "$filter")
(cd "$bench" && swift package --allow-writing-to-package-directory benchmark "${swift_args[@]}")
jmh="$work/Current_run.jmh.json"
[ -f "$jmh" ] || { echo "error: ordo-one wrote no $jmh" >&2; exit 1; }
# Its text table, for the log (the comparison below uses the median of the raw samples).
"$py" - "$jmh" <<'PY'
import json, statistics, sys
for e in json.load(open(sys.argv[1])):
    wall = e["secondaryMetrics"]["Time (wall clock)"]["rawData"][0]
    print(f"  {e['benchmark'].split('.', 3)[3]:<40} median {statistics.median(wall) / 1e3:9.3f} ms"
          f"   min {min(wall) / 1e3:9.3f} ms   ({len(wall)} calls)")
PY

say "3/4 Python peers, threads=$threads"
peer_args=(--tasks "$bench/tasks.json" --out "$work/peers.json" --threads "$threads"
           --repeats "${BENCH_REPEATS:-30}")
[ -n "$filter" ] && peer_args+=(--filter "$filter")
"$py" "$bench/peers/peers.py" "${peer_args[@]}"

say "4/4 Table"
compare_args=(--tasks "$bench/tasks.json" --swift "$jmh" --peers "$work/peers.json"
              --out-dir "$bench/results" --threads "$threads" --repo "$repo"
              --swift-version "$(swift --version 2>&1 | grep -m1 -o 'Swift version [^ ]*' || echo Swift)")
[ -n "$filter" ] && compare_args+=(--filter "$filter")
"$py" "$bench/compare.py" "${compare_args[@]}"
"$py" "$bench/nuts_quality.py" --bayeskit "$work/nuts.sine4.json" --peers "$work/peers.json" --out-dir "$bench/results"

say "done in $((SECONDS - start)) s"
