"""The quality side of the `nuts.sine4` row: BayesKit's NUTS against NumPyro's
NUTS on the same posterior, data and starting point, in the same run.

Reads BayesKit's record (written by the ordo-one benchmark into
$BAYESKIT_BENCH_QUALITY/nuts.sine4.json) and the NumPyro peer's `extra` in
peers.json; prints a table and writes results/<stamp>-nuts-quality.md and
results/latest-nuts-quality.md. Both sides use the same diagnostics
(rank-normalised split R-hat, bulk ESS of the predictive functionals f(x) at
5 points) and the same RMSE (predictive mean against sin x on 200 points).
"""
import argparse
import datetime
import json
import os


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bayeskit", required=True)
    ap.add_argument("--peers", required=True)
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    if not os.path.exists(args.bayeskit):
        print("nuts quality: no BayesKit record (nuts.sine4 not run)")
        return
    bk = json.load(open(args.bayeskit))
    peer = json.load(open(args.peers))["results"].get("nuts.sine4", {}).get("NumPyro NUTS", {})
    if "min_ess_per_s" not in peer:
        print("nuts quality: no NumPyro record (skipped or not run)")
        return
    np_s = peer["seconds_last_call"]
    np_evals = peer.get("sampling_leapfrog_steps")
    rows = [
        ("wall time of the run (s)", bk["seconds"], np_s),
        ("min bulk ESS, functionals", bk["min_ess_bulk_functionals"], peer["min_ess_bulk_functionals"]),
        ("min bulk ESS / s", bk["min_ess_per_s"], peer["min_ess_per_s"]),
        ("max R-hat, functionals", bk["max_rhat_functionals"], peer["max_rhat_functionals"]),
        ("predictive RMSE vs sin x", bk["rmse"], peer["rmse"]),
        ("divergences (after warmup)", bk["divergences"], peer["divergences"]),
        ("gradient evaluations after warmup", bk["sampling_gradient_evals"], np_evals),
        ("gradient evaluations / s (BayesKit: all; NumPyro: sampling only / whole run)",
         bk["gradient_evals_per_s"], (np_evals / np_s) if np_evals else None),
    ]
    ratio = bk["min_ess_per_s"] / peer["min_ess_per_s"]
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M")
    lines = ["# nuts.sine4 quality: BayesKit NUTS vs NumPyro NUTS", "",
             "Seed 000's 1-5-1 ReLU posterior, 4 chains x (1000 warmup + 1000 draws), 1 thread, every chain from the "
             "notebook's start. Same diagnostics on both sides.", "",
             "| quantity | BayesKit | NumPyro |", "|---|---:|---:|"]
    fmt = lambda v: "-" if v is None else (f"{v:.4g}" if isinstance(v, float) else str(v))
    lines += [f"| {name} | {fmt(a)} | {fmt(b)} |" for name, a, b in rows]
    lines += ["", f"**min-ESS/s ratio (BayesKit / NumPyro): {ratio:.3g}x**", ""]
    text = "\n".join(lines)
    print(text)
    os.makedirs(args.out_dir, exist_ok=True)
    for name in (f"{stamp}-nuts-quality.md", "latest-nuts-quality.md"):
        with open(os.path.join(args.out_dir, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
