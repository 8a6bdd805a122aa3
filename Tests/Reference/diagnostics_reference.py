#!/usr/bin/env python3
"""Reference values for BayesKit's diagnostics (Tests/*/Diagnostic*.swift).

Documentation of how the recorded numbers were computed; the tests do not run
this script. To reproduce (outside the repository):

    python3 -m venv /tmp/azenv && /tmp/azenv/bin/pip install arviz numpy
    /tmp/azenv/bin/python Tests/Reference/diagnostics_reference.py

Recorded with arviz 0.23.4, numpy 2.4.6, scipy 1.17.1 (no numba).

The draws are generated with integer and IEEE + - * / arithmetic only, so the
Swift tests regenerate them bit for bit (`DiagnosticFixtures.swift`):

  * uniform u_k: a 64-bit LCG (Knuth's MMIX constants)
        s <- s * 6364136223846793005 + 1442695040888963407  (mod 2^64)
    u = ((s >> 32) + 0.5) / 2^32, starting from s = seed;
  * standard "normal" e: Irwin-Hall, e = (u_1 + ... + u_12) - 6 (exact in
    double: every u has 33 significant bits);
  * AR(1): x_0 = e_0, x_t = phi * x_{t-1} + e_t, one LCG per data set, chains
    generated one after another from the same stream;
  * Cauchy-like: x = e_1 / e_2 (ratio of two Irwin-Hall variates);
  * ties: x = floor(4 u) (values 0..3).

Cases (chains x draws):
  ar1      4 x 1000, AR(1) phi = 0.9, seed 1
  single   1 x 1001, AR(1) phi = 0.5, seed 2 (one chain, odd length)
  cauchy   4 x 1000, e1/e2, seed 3 (heavy tails)
  stuck    4 x 1000, AR(1) phi = 0.5, seed 4, chain 3 shifted by +4
  ties     2 x 9, floor(4u), seed 5 (ties, odd length, short)

ArviZ's `rhat` refuses one chain (returns NaN: it checks min_chains=2 before
splitting); Stan's `posterior` computes split R-hat from the two halves of
the one chain. BayesKit follows posterior there, so the "single" R-hat
reference is ArviZ's own `_rhat_rank` body without the shape check.
"""
import json

import arviz as az
import numpy as np
import scipy
from arviz.stats import diagnostics as azd

MASK = (1 << 64) - 1


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


def ar1(seed, chains, draws, phi, shift=None):
    g = LCG(seed)
    out = np.empty((chains, draws))
    for c in range(chains):
        x = g.normal()
        out[c, 0] = x
        for t in range(1, draws):
            x = phi * x + g.normal()
            out[c, t] = x
    if shift:
        for c, delta in shift.items():
            out[c] += delta
    return out


def cauchy(seed, chains, draws):
    g = LCG(seed)
    out = np.empty((chains, draws))
    for c in range(chains):
        for t in range(draws):
            e1 = g.normal()
            e2 = g.normal()
            out[c, t] = e1 / e2
    return out


def ties(seed, chains, draws):
    g = LCG(seed)
    out = np.empty((chains, draws))
    for c in range(chains):
        for t in range(draws):
            out[c, t] = float(int(4.0 * g.uniform()))
    return out


def rank_rhat_any_chains(x):
    """ArviZ's _rhat_rank without its min_chains=2 check (posterior's convention)."""
    split = azd._split_chains(x)
    bulk = azd._rhat(azd._z_scale(split))
    tail = azd._rhat(azd._z_scale(abs(split - np.median(split))))
    return max(bulk, tail)


def reference(x):
    flat = x.ravel()
    q05, q50, q95 = np.quantile(flat, [0.05, 0.5, 0.95])
    return {
        "shape": list(x.shape),
        "sum": float(flat.sum()),
        "first": float(flat[0]),
        "last": float(flat[-1]),
        "rhat": float(az.rhat(x, method="rank")) if x.shape[0] > 1 else float("nan"),
        "rhat_posterior": float(rank_rhat_any_chains(x)),
        "rhat_split": float(az.rhat(x, method="split")) if x.shape[0] > 1 else float("nan"),
        "ess_bulk": float(az.ess(x, method="bulk")),
        "ess_tail": float(az.ess(x, method="tail")),
        "ess_mean": float(az.ess(x, method="mean")),
        "ess_identity": float(az.ess(x, method="identity")),
        "mcse_mean": float(az.mcse(x, method="mean")),
        "mean": float(flat.mean()),
        "sd": float(flat.std(ddof=1)),
        "q05": float(q05),
        "q50": float(q50),
        "q95": float(q95),
        "acf_chain0": [float(v) for v in az.autocorr(x[0])[:6]],
        "acov_chain0": [float(v) for v in azd._autocov(x[0])[:3]],
    }


def main():
    cases = {
        "ar1": ar1(1, 4, 1000, 0.9),
        "single": ar1(2, 1, 1001, 0.5),
        "cauchy": cauchy(3, 4, 1000),
        "stuck": ar1(4, 4, 1000, 0.5, shift={3: 4.0}),
        "ties": ties(5, 2, 9),
    }
    out = {"versions": {"arviz": az.__version__, "numpy": np.__version__, "scipy": scipy.__version__}}
    for name, x in cases.items():
        out[name] = reference(x)
    # Constant draws: ArviZ's ESS returns the sample size and its R-hat NaN
    # (0/0); posterior returns NA for both. BayesKit returns NaN for all.
    const = np.full((2, 10), 1.5)
    out["constant"] = {
        "rhat": float(az.rhat(const)),
        "ess_bulk": float(az.ess(const, method="bulk")),
        "ess_tail": float(az.ess(const, method="tail")),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
