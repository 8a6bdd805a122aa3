#!/usr/bin/env python3
"""Reference values for BayesKit's PSIS-LOO and WAIC (Tests/BayesKitTests/LOOTests.swift).

Documentation of how the recorded numbers were computed; the tests do not run
this script. Reproduce with ArviZ in a virtual environment:

    python3 -m venv /tmp/azenv && /tmp/azenv/bin/pip install arviz numpy
    /tmp/azenv/bin/python Tests/Reference/loo_reference.py

Recorded with arviz 0.23.4. The log-likelihood matrices use IEEE + - * /
only, from the LCG of diagnostics_reference.py, so Swift regenerates them
bit for bit:

  normal:  mu_s = 0.3 e_s (Irwin-Hall e), 4 chains x 250 draws, seed 11;
  t3:      mu_s = 0.3 e1 / sqrt((e2^2 + e3^2 + e4^2) / 3) (heavier tails:
           larger Pareto k; sqrt is correctly rounded in IEEE 754), seed 12;
  loglik[s, i] = -2 (y_i - mu_s)^2  (a N(mu, 0.5^2) likelihood without its
  constant), y = (-1, -0.4, -0.1, 0, 0.2, 0.5, 1.1, 3).
"""
import functools
import json
import operator
import warnings

import arviz as az
import numpy as np

MASK = (1 << 64) - 1
Y = [-1.0, -0.4, -0.1, 0.0, 0.2, 0.5, 1.1, 3.0]


class LCG:
    def __init__(self, seed):
        self.s = seed & MASK

    def uniform(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & MASK
        return ((self.s >> 32) + 0.5) / 4294967296.0

    def normal(self):
        acc = 0.0
        for _ in range(12):
            acc += self.uniform()
        return acc - 6.0


def mus(kind, seed, S):
    g = LCG(seed)
    if kind == "normal":
        return np.array([0.3 * g.normal() for _ in range(S)])
    out = []
    for _ in range(S):
        e1 = g.normal()
        e2 = g.normal()
        e3 = g.normal()
        e4 = g.normal()
        out.append(0.3 * e1 / np.sqrt((e2 * e2 + e3 * e3 + e4 * e4) / 3.0))
    return np.array(out)


warnings.simplefilter("ignore")
result = {}
for kind, seed in [("normal", 11), ("t3", 12)]:
    mu = mus(kind, seed, 1000)
    loglik = np.array([[-2.0 * (y - m) * (y - m) for y in Y] for m in mu])
    idata = az.from_dict(posterior={"mu": mu.reshape(4, 250)}, log_likelihood={"y": loglik.reshape(4, 250, len(Y))})
    loo = az.loo(idata, pointwise=True, reff=1.0)
    waic = az.waic(idata, pointwise=True)
    result[kind] = {
        "elpd_loo": float(loo.elpd_loo), "se": float(loo.se), "p_loo": float(loo.p_loo),
        "elpd_i": [float(v) for v in loo.loo_i.values], "k": [float(v) for v in loo.pareto_k.values],
        "elpd_waic": float(waic.elpd_waic), "waic_se": float(waic.se), "p_waic": float(waic.p_waic),
        "mu_sum": float(functools.reduce(operator.add, mu.tolist())),  # left to right, as Swift's reduce
    }
    lw, k = az.psislw(-loglik[:, 7], reff=0.7)
    result[kind]["psis_k_reff07_obs7"] = float(k)
    result[kind]["psis_lw0_reff07_obs7"] = float(lw[0])
print(json.dumps(result, indent=1))
