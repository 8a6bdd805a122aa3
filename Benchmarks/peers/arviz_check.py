#!/usr/bin/env python3
"""Checks that ArviZ loads BayesKit's exports and agrees with BayesKit's summary.

    bayeskit mcmc --chains 4 --warmup 500 --draws 2000 --output /tmp/run
    bayeskit summary /tmp/run --export arviz --export stan-csv
    python Benchmarks/peers/arviz_check.py /tmp/run

Loads DIR/arviz.json with az.from_dict and DIR/stan/chain-*.csv with
az.from_cmdstan, and compares ArviZ's summary (mean, sd, ess_bulk, ess_tail,
r_hat) with DIR/summary.csv, which BayesKit computed. Exit status 1 on any
difference beyond rounding. Run it with the benchmark environment's Python
(Benchmarks/peers/.venv, which has arviz from requirements.txt).
"""
import csv
import glob
import json
import os
import sys

import arviz as az
import numpy as np


def main(folder):
    ours = {}
    with open(os.path.join(folder, "summary.csv")) as f:
        for row in csv.DictReader(f):
            ours[row["name"]] = {k: float(v) if v not in ("", "nan", "NaN") else float("nan") for k, v in row.items() if k != "name"}
    idata = az.from_dict(**json.load(open(os.path.join(folder, "arviz.json"))))
    files = sorted(glob.glob(os.path.join(folder, "stan", "chain-*.csv")), key=lambda p: int(p.rsplit("-", 1)[1][:-4]))
    stan = az.from_cmdstan(posterior=files)
    failures = 0
    for name, row in ours.items():
        s = az.summary(idata, var_names=[name], round_to="none", stat_focus="mean").iloc[0]
        checks = [("mean", s["mean"], row["mean"], 1e-12), ("sd", s["sd"], row["sd"], 1e-10),
                  ("ess_bulk", s["ess_bulk"], row["ess_bulk"], 1e-6), ("ess_tail", s["ess_tail"], row["ess_tail"], 1e-6),
                  ("r_hat", s["r_hat"], row["rhat"], 1e-9)]
        for what, theirs, mine, tol in checks:
            if not np.isclose(theirs, mine, rtol=tol, atol=0):
                print(f"{name} {what}: ArviZ {theirs!r}, BayesKit {mine!r}")
                failures += 1
    # The Stan CSV holds the same numbers under Stan's names.
    json_draws = np.stack([idata.posterior[n].values for n in ours], axis=-1)
    stan_vars = [v for v in stan.posterior.data_vars]
    stan_draws = np.concatenate([stan.posterior[v].values.reshape(*stan.posterior[v].shape[:2], -1, order="F") for v in stan_vars], axis=-1)
    if json_draws.shape != stan_draws.shape or not np.array_equal(np.sort(json_draws, axis=-1), np.sort(stan_draws, axis=-1)):
        print(f"Stan CSV draws differ from the ArviZ JSON draws: shapes {json_draws.shape} vs {stan_draws.shape}")
        failures += 1
    print(f"arviz {az.__version__}: {len(ours)} parameters, {idata.posterior.sizes['chain']} chains x "
          f"{idata.posterior.sizes['draw']} draws; {failures} differences")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
