"""Peers of the model-checking rows (issue 17): ArviZ's PSIS-LOO.

`loo.psis`: PSIS-LOO (Vehtari, Gelman & Gabry 2017) of a log-likelihood
array of 4 chains x 1000 draws x 10,000 observations, computed the same way
on both sides (no file, no RNG): mu_s = 0.1 sin(s + 1), y_i = sin(0.37 (i + 1)),
log p(y_i | mu_s) = -(y_i - mu_s)^2 / 2 - log(2 pi) / 2. ArviZ's `az.loo`
(relative efficiency from the chains, Pareto smoothing, elpd and its se,
Pareto k per observation) against BayesKit's `ModelChecking.relativeEfficiency`
+ `ModelChecking.loo`.
"""
import importlib.util
import math

import numpy as np

CHAINS, DRAWS, N = 4, 1000, 10_000


def log_likelihood():
    s = np.arange(CHAINS * DRAWS, dtype=np.float64)
    mu = 0.1 * np.sin(s + 1)
    y = np.sin(0.37 * (np.arange(N, dtype=np.float64) + 1))
    ll = -0.5 * (y[None, :] - mu[:, None]) ** 2 - 0.5 * math.log(2 * math.pi)
    return ll.reshape(CHAINS, DRAWS, N)


def load_libraries(libs, threads):
    if importlib.util.find_spec("arviz") is not None:
        import arviz
        libs["arviz"] = arviz


def library_versions():
    from importlib import metadata
    try:
        return {"arviz": metadata.version("arviz")}
    except metadata.PackageNotFoundError:
        return {"arviz": None}


def arviz_loo(libs, n):
    az = libs["arviz"]
    mu = 0.1 * np.sin(np.arange(CHAINS * DRAWS, dtype=np.float64) + 1)
    # az.loo needs a posterior group (it reads the chain and draw counts from it).
    idata = az.from_dict(posterior={"mu": mu.reshape(CHAINS, DRAWS)}, log_likelihood={"y": log_likelihood()})

    def run():
        return az.loo(idata, pointwise=True)
    run.warmup, run.min_calls = 0, 2
    return run


PEERS = {
    "loo.psis": [
        ("ArviZ", "arviz", "az.loo(az.from_dict(posterior=..., log_likelihood={'y': ll}), pointwise=True), ll 4 x 1000 x 10,000", arviz_loo),
    ],
}
