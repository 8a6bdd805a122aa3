"""Peer of the `nuts.sine4` row: NumPyro's NUTS on seed 000's posterior.

The posterior is the MCMC rows' (mcmc.py): the seed's 20 sine points, the
1-5-1 ReLU network with 16 weights in PyTorch's flat order, N(0, 1) prior,
Gaussian noise 0.1, as a potential function in jax.numpy (float64). 4 chains x
(1000 warmup + 1000 draws), NumPyro's defaults as Stan's (multinomial NUTS,
max tree depth 10, dual averaging to 0.8, diagonal mass matrix with Stan's
windows), every chain from the notebook's starting weights (mcmc.py's
`initial_weights`, which BayesKit's benchmark uses too), chains run one after
another on one thread (`chain_method="sequential"`, as BayesKit's 1 thread).

Besides the time, every call records the quality of its draws (in the JSON
`extra`): the predictive functionals f(x) at 5 points evenly over the data
range (BayesKit's `Predictive.defaultFunctionalInputs`), their minimum bulk
ESS and maximum R-hat (rank-normalised split R-hat and bulk ESS of Vehtari et
al. 2021, the definitions BayesKit's `Diagnostics` implements), the RMSE of the
posterior predictive mean against sin(x) on 200 points of [-3, 3], and the
gradient evaluations (leapfrog steps, warmup included) per second.

`python nuts.py` runs it once and prints the numbers.
"""
import importlib.util
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHAINS = 4
WARMUP = 1000
DRAWS = 1000


def load_libraries(libs, threads):
    """Registers JAX + NumPyro if installed (imported lazily); pins XLA to `threads` as mcmc.py does."""
    if importlib.util.find_spec("jax") is None or importlib.util.find_spec("numpyro") is None:
        return
    if "jax" not in sys.modules:
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_cpu_multi_thread_eigen" not in flags:
            extra = "--xla_cpu_multi_thread_eigen=false" if threads == 1 else ""
            os.environ["XLA_FLAGS"] = f"{flags} {extra} intra_op_parallelism_threads={threads}".strip()
    libs["numpyro"] = _load


def _load():
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpyro
    numpyro.set_host_device_count(1)
    return jax, jnp, numpyro


def library_versions():
    from importlib import metadata
    out = {}
    for name in ("jax", "jaxlib", "numpyro"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


# ---------------------------------------------------------------------------
# Diagnostics as BayesKit's (rank-normalised split R-hat, bulk ESS; Vehtari et al. 2021)
# ---------------------------------------------------------------------------

def _ess(x):
    """ESS of chains x (chains x draws): Geyer's initial monotone sequence, as ArviZ's `_ess`."""
    import numpy as np
    m, n = x.shape
    xc = x - x.mean(axis=1, keepdims=True)
    f = np.fft.rfft(xc, n=2 * n, axis=1)
    acov = np.fft.irfft(f * np.conj(f), n=2 * n, axis=1)[:, :n] / n
    mean_var = acov[:, 0].mean() * n / (n - 1)
    var_plus = mean_var * (n - 1) / n + (x.mean(axis=1).var(ddof=1) if m > 1 else 0)
    rho = np.zeros(n)
    rho[0] = 1
    even, odd = 1.0, 1 - (mean_var - acov[:, 1].mean()) / var_plus
    rho[1] = odd
    t = 1
    while t < n - 3 and even + odd > 0:
        even = 1 - (mean_var - acov[:, t + 1].mean()) / var_plus
        odd = 1 - (mean_var - acov[:, t + 2].mean()) / var_plus
        if even + odd >= 0:
            rho[t + 1], rho[t + 2] = even, odd
        t += 2
    max_t = t - 2
    if even > 0:
        rho[max_t + 1] = even
    t = 1
    while t <= max_t - 2:
        if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]:
            rho[t + 1] = rho[t + 2] = (rho[t - 1] + rho[t]) / 2
        t += 2
    tau = -1 + 2 * rho[:max_t + 1].sum() + rho[max_t + 1:max_t + 2].sum()
    tau = max(tau, 1 / math.log10(m * n))
    return m * n / tau


def _rhat(x):
    import numpy as np
    m, n = x.shape
    b = n * x.mean(axis=1).var(ddof=1)
    w = x.var(axis=1, ddof=1).mean()
    return math.sqrt(((n - 1) / n * w + b / n) / w)


def _z_ranks(x):
    import numpy as np
    from scipy.stats import norm, rankdata
    r = rankdata(x, method="average").reshape(x.shape)
    return norm.ppf((r - 3 / 8) / (x.size + 1 / 4))


def _split(x):
    n = x.shape[1] // 2
    import numpy as np
    return np.concatenate([x[:, :n], x[:, -n:]], axis=0)


def bulk_ess(x):
    return _ess(_z_ranks(_split(x)))


def rank_rhat(x):
    import numpy as np
    s = _split(x)
    folded = np.abs(s - np.median(s))
    return max(_rhat(_z_ranks(s)), _rhat(_z_ranks(folded)))


# ---------------------------------------------------------------------------
# NumPyro NUTS
# ---------------------------------------------------------------------------

def _setup(libs):
    jax, jnp, numpyro = libs["numpyro"]()
    from numpyro.infer import MCMC, NUTS
    sys.path.insert(0, HERE)
    import mcmc as m
    s = m._seed_module()
    x = jnp.asarray(s.x_train, dtype=jnp.float64)
    y = jnp.asarray(s.y_train, dtype=jnp.float64)
    _, w0 = m.initial_weights()
    h = m.HIDDEN
    const = len(s.y_train) * math.log(m.NOISE_SD * math.sqrt(2 * math.pi))

    def net(w, xs):
        return jax.nn.relu(xs[:, None] * w[:h] + w[h:2 * h]) @ w[2 * h:3 * h] + w[3 * h]

    def potential(w):
        loglik = -0.5 * jnp.sum(((y - net(w, x)) / m.NOISE_SD) ** 2) - const
        return -(loglik - 0.5 * jnp.sum((w / m.PRIOR_SD) ** 2))

    kernel = NUTS(potential_fn=potential, target_accept_prob=0.8, max_tree_depth=10)
    sampler = MCMC(kernel, num_warmup=WARMUP, num_samples=DRAWS, num_chains=CHAINS, chain_method="sequential",
                   progress_bar=False)
    init = jnp.tile(jnp.asarray(w0, dtype=jnp.float64), (CHAINS, 1))
    import numpy as np
    xs = np.asarray(s.x_train, dtype=float)
    points = np.linspace(xs.min(), xs.max(), 5)
    grid = np.linspace(-3, 3, 200)
    netv = jax.jit(jax.vmap(net, in_axes=(0, None)))
    return jax, jnp, sampler, init, points, grid, netv


def quality(jax, jnp, sampler, points, grid, netv, seconds):
    import numpy as np
    w = np.asarray(sampler.get_samples(group_by_chain=True))          # chains x draws x 16
    f = np.stack([np.asarray(netv(jnp.asarray(w[c]), jnp.asarray(points))) for c in range(CHAINS)])  # chains x draws x 5
    ess = [bulk_ess(f[:, :, j]) for j in range(len(points))]
    rhat = [rank_rhat(f[:, :, j]) for j in range(len(points))]
    pred = np.asarray(netv(jnp.asarray(w.reshape(-1, w.shape[-1])), jnp.asarray(grid))).mean(axis=0)
    rmse = float(np.sqrt(np.mean((pred - np.sin(grid)) ** 2)))
    extra = sampler.get_extra_fields(group_by_chain=True)
    steps = int(np.asarray(extra["num_steps"]).sum())  # sampling only
    div = int(np.asarray(extra["diverging"]).sum())
    return {"min_ess_bulk_functionals": float(min(ess)), "max_rhat_functionals": float(max(rhat)),
            "rmse": rmse, "sampling_leapfrog_steps": steps, "divergences": div,
            "min_ess_per_s": float(min(ess)) / seconds}


def numpyro_nuts(libs, n):
    jax, jnp, sampler, init, points, grid, netv = _setup(libs)
    counter = [0]
    t0 = time.perf_counter()
    sampler.run(jax.random.key(0), init_params=init, extra_fields=("num_steps", "diverging"))
    first_s = time.perf_counter() - t0

    def run():
        counter[0] += 1
        t = time.perf_counter()
        sampler.run(jax.random.key(counter[0]), init_params=init, extra_fields=("num_steps", "diverging"))
        jax.block_until_ready(sampler.get_samples())
        seconds = time.perf_counter() - t
        run.extra.update(quality(jax, jnp, sampler, points, grid, netv, seconds))
        run.extra["seconds_last_call"] = seconds
        return sampler
    run.extra = {"first_call_s": first_s, "first_call": "first run, compiling included (not in the ratio)"}
    run.warmup, run.min_calls = 0, 1
    return run


PEERS = {
    "nuts.sine4": [
        ("NumPyro NUTS", "numpyro",
         "numpyro.infer.NUTS(potential_fn, target_accept_prob=0.8, max_tree_depth=10), 4 chains sequential, "
         "1000 warmup + 1000 draws, float64, 1 XLA thread",
         numpyro_nuts),
    ],
}


if __name__ == "__main__":
    libs = {}
    load_libraries(libs, 1)
    run = numpyro_nuts(libs, CHAINS * (WARMUP + DRAWS))
    print(f"first call (compiling): {run.extra['first_call_s']:.2f} s")
    run()
    for k, v in sorted(run.extra.items()):
        print(f"{k}: {v}")
