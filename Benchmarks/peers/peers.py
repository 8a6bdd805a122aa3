#!/usr/bin/env python3
"""Time the Python tools people use today on BayesKit's benchmark tasks.

Each task in ../tasks.json has one or more peers here: the same operation on
the same number of elements, timed call by call (warm-up calls first), and
reported as the median and minimum wall time of one call. Thread counts are
pinned (default 1) before NumPy, SciPy or PyTorch is imported, so the
comparison with BayesKit is like for like.

Usage: peers.py --tasks ../tasks.json --out peers.json [--threads 1]
                [--repeats 30] [--max-seconds 3] [--filter REGEX]
"""
import argparse
import json
import math
import os
import platform
import re
import statistics
import sys
import time


def pin_threads(threads):
    # Must happen before numpy / scipy / torch load their BLAS / OpenMP runtimes.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
        os.environ[var] = str(threads)


def load_libraries(threads):
    """Imports the peers; a missing library disables its peers instead of failing."""
    libs = {}
    import numpy
    libs["numpy"] = numpy
    try:
        import scipy
        import scipy.linalg
        import scipy.stats
        libs["scipy"] = scipy
    except ImportError:
        pass
    try:
        import torch
        torch.set_num_threads(threads)
        libs["torch"] = torch
    except ImportError:
        pass
    return libs


# ---------------------------------------------------------------------------
# Peers, by task id. Each entry: (peer name, library it needs, code shown in
# the table, factory). A factory gets (libs, n) and returns the zero-argument
# callable to time; anything done in the factory (input data, distribution
# objects, generators) is set-up and is not timed. Add a row: add a task to
# ../tasks.json, a benchmark of the same id in Benchmarks/, and its peers here.
# ---------------------------------------------------------------------------

def _numpy_legacy_normal(libs, n):
    np = libs["numpy"]
    np.random.seed(1)
    return lambda: np.random.standard_normal(n)


def _numpy_generator_normal(libs, n):
    rng = libs["numpy"].random.default_rng(1)
    return lambda: rng.standard_normal(n)


def _torch_randn(libs, n):
    torch = libs["torch"]
    torch.manual_seed(1)
    return lambda: torch.randn(n, dtype=torch.float64)


def _normal_points(libs, n):
    return libs["numpy"].random.default_rng(2).standard_normal(n)


def _scipy_norm_logpdf(libs, n):
    x = _normal_points(libs, n)
    norm = libs["scipy"].stats.norm
    return lambda: norm.logpdf(x)


def _numpy_logpdf(libs, n):
    np = libs["numpy"]
    x = _normal_points(libs, n)
    mean, sd = 0.0, 1.0
    const = math.log(sd) + 0.5 * math.log(2 * math.pi)

    def logpdf():
        z = (x - mean) / sd
        return -0.5 * z * z - const
    return logpdf


def _torch_log_prob(libs, n):
    torch = libs["torch"]
    x = torch.from_numpy(_normal_points(libs, n))
    normal = torch.distributions.Normal(torch.tensor(0.0, dtype=torch.float64),
                                        torch.tensor(1.0, dtype=torch.float64))
    return lambda: normal.log_prob(x)


PEERS = {
    "rng.normal": [
        ("NumPy legacy", "numpy", "np.random.standard_normal(n)", _numpy_legacy_normal),
        ("NumPy Generator", "numpy", "np.random.default_rng().standard_normal(n)", _numpy_generator_normal),
        ("PyTorch", "torch", "torch.randn(n, dtype=torch.float64)", _torch_randn),
    ],
    "normal.logDensity": [
        ("SciPy", "scipy", "scipy.stats.norm.logpdf(x)", _scipy_norm_logpdf),
        ("NumPy hand-written", "numpy", "-0.5*((x-m)/s)**2 - log(s) - 0.5*log(2*pi)", _numpy_logpdf),
        ("PyTorch", "torch", "torch.distributions.Normal(0., 1.).log_prob(x)  # float64", _torch_log_prob),
    ],
}


# Families keep their peers in their own modules beside this file.
import linear  # noqa: E402
import mcmc  # noqa: E402
import nuts  # noqa: E402
import vi  # noqa: E402
import ode  # noqa: E402
import approx  # noqa: E402
import vae  # noqa: E402
import checking  # noqa: E402

FAMILIES = (linear, mcmc, nuts, vi, ode, approx, vae, checking)
for _family in FAMILIES:
    PEERS.update(_family.PEERS)


def time_calls(fn, warmup, repeats, max_seconds):
    """Wall time of single calls, in seconds: warm-up calls, then up to `repeats`
    timed calls or `max_seconds`, whichever comes first (at least 5 calls).
    A slow peer's callable may lower both with attributes `warmup` and
    `min_calls` (seed 000's MH chain: ~3 s a call, 1 warm-up, 3 calls)."""
    warmup = getattr(fn, "warmup", warmup)
    min_calls = getattr(fn, "min_calls", 5)
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < repeats:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= min_calls and time.perf_counter() - start > max_seconds:
            break
    return times


def versions(libs):
    out = {"python": platform.python_version()}
    for name in ("numpy", "scipy", "torch"):
        out[name] = libs[name].__version__ if name in libs else None
    for family in FAMILIES:
        if hasattr(family, "library_versions"):
            out.update(family.library_versions())
    return out


def thread_report(libs, threads):
    report = {"requested": threads,
              "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
              "MKL_NUM_THREADS": os.environ.get("MKL_NUM_THREADS")}
    if "torch" in libs:
        report["torch.get_num_threads"] = libs["torch"].get_num_threads()
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=3.0)
    parser.add_argument("--filter", help="regular expression: only task ids it matches")
    args = parser.parse_args()

    pin_threads(args.threads)
    libs = load_libraries(args.threads)
    for family in FAMILIES:
        if hasattr(family, "load_libraries"):   # e.g. JAX + BlackJAX, imported lazily
            family.load_libraries(libs, args.threads)
    with open(args.tasks) as f:
        tasks = json.load(f)["tasks"]

    results = {}
    for task in tasks:
        tid, n = task["id"], task["n"]
        if args.filter and not re.fullmatch(args.filter, tid):
            continue
        results[tid] = {}
        for name, lib, code, factory in PEERS.get(tid, []):
            if lib not in libs:
                print(f"  {tid:<22} {name:<20} skipped ({lib} not installed)", flush=True)
                results[tid][name] = {"code": code, "skipped": f"{lib} not installed"}
                continue
            fn = factory(libs, n)
            times = time_calls(fn, args.warmup, args.repeats, args.max_seconds)
            med, best = statistics.median(times), min(times)
            print(f"  {tid:<22} {name:<20} median {med * 1e3:9.3f} ms   min {best * 1e3:9.3f} ms"
                  f"   ({len(times)} calls)", flush=True)
            results[tid][name] = {"code": code, "library": lib, "n": n,
                                  "median_s": med, "min_s": best, "calls": len(times)}
            # Untimed facts a peer reports about itself (e.g. BlackJAX's compile_s).
            results[tid][name].update(getattr(fn, "extra", {}))

    out = {"versions": versions(libs), "threads": thread_report(libs, args.threads),
           "results": results}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
