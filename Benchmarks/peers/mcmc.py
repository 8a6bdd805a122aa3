"""Peers of the MCMC rows: seed 000's random-walk Metropolis-Hastings on its
1-5-1 ReLU network posterior.

The posterior (all peers, and BayesKit's `mh.*` benchmarks): the seed's 20
points (np.random.seed(42); x ~ U(-3, 3), y = sin x + 0.1 randn, sorted by x),
f(x) = w2 . relu(w1 x + b1) + b2 with 16 weights in PyTorch's flat order
[fc1.weight (5), fc1.bias (5), fc2.weight (5), fc2.bias (1)], prior N(0, 1) on
every weight, Gaussian likelihood with sd 0.1. Proposal N(0, 0.01^2 I),
10,000 steps, one draw kept every 10 steps (1,000 draws). Every chain starts
from the notebook's own starting point: its RNG state at the MCMC cell, then
200 Adam steps (lr 0.01) on the MSE (`seed000_mh.initial_model()`); that
pre-training is set-up, not timed.

Peers:
  * "PyTorch, seed 000 verbatim": the seed's chain, `seed000_mh.mh_loop`, the
    lines of its `metropolis_hastings_nn` after the Adam steps, unchanged
    (float32 network, a new `SmallNN` per proposal, NumPy for the acceptance).
  * "BlackJAX": `blackjax.additive_step_random_walk.normal_random_walk` with
    the log density in jax.numpy, float64, the chain in `jax.lax.scan`, jitted;
    timed after compilation (the compile time is reported as `compile_s`).

`python mcmc.py --check` prints the acceptance rate of every peer (the
notebook printed 0.455), the pre-training and compile times, checks the
verbatim extraction against the seed file and the cut of the seed's function
against the whole function, and prints the 16 starting weights.
"""
import importlib.util
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SEED_FILE_GLOB = "/work/shared/seeds/000_*.txt"

N_STEPS = 10_000
THIN = 10
PROPOSAL_SD = 0.01
NOISE_SD = 0.1
PRIOR_SD = 1.0
HIDDEN = 5
CHAINS = 8


def load_libraries(libs, threads):
    """Registers JAX + BlackJAX if installed (imported lazily, on first use).
    XLA's CPU thread pools are pinned here, before anything imports jax."""
    if importlib.util.find_spec("jax") is None or importlib.util.find_spec("blackjax") is None:
        return
    if "jax" not in sys.modules:
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_cpu_multi_thread_eigen" not in flags:
            extra = "--xla_cpu_multi_thread_eigen=false" if threads == 1 else ""
            os.environ["XLA_FLAGS"] = f"{flags} {extra} intra_op_parallelism_threads={threads}".strip()
    libs["blackjax"] = _load_jax


def _load_jax():
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import blackjax
    return jax, jnp, blackjax


def library_versions():
    from importlib import metadata
    out = {}
    for name in ("jax", "jaxlib", "blackjax"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


# ---------------------------------------------------------------------------
# The seed's own code
# ---------------------------------------------------------------------------

def _seed_module():
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import seed000_mh
    return seed000_mh


def initial_weights():
    """The 16 weights every chain starts from (float32 values, as float64)."""
    s = _seed_module()
    model = s.initial_model()
    return model, model.get_weights_flat().detach().double().numpy()


def seed_mh_loop(libs, n):
    s = _seed_module()
    pretrain = []
    for _ in range(5):                               # the 200 Adam steps, reported, not in the ratio
        s.replay_notebook_rng()
        t0 = time.perf_counter()
        model = s.pretrain(s.x_train, s.y_train)
        pretrain.append(time.perf_counter() - t0)

    def run():
        return s.mh_loop(model, s.x_train, s.y_train, n_samples=n, proposal_std=PROPOSAL_SD,
                         prior_std=PRIOR_SD, noise_std=s.noise_std, thin=THIN)
    # ~3 s a call: one warm-up call and at least 3 timed calls (peers.py reads these).
    run.warmup, run.min_calls = 1, 3
    run.extra = {"pretrain_s": sorted(pretrain)[2],
                 "pretrain": "seed's 200 Adam steps (lr 0.01, MSE) before the chain: median of 5, not in the ratio"}
    return run


# ---------------------------------------------------------------------------
# BlackJAX
# ---------------------------------------------------------------------------

def _blackjax_sampler(libs, n, chains):
    """(jitted function of (call index, start weights), start weights, acceptance extractor)."""
    jax, jnp, blackjax = libs["blackjax"]()
    s = _seed_module()
    x = jnp.asarray(s.x_train, dtype=jnp.float64)
    y = jnp.asarray(s.y_train, dtype=jnp.float64)
    _, w0 = initial_weights()
    w0 = jnp.asarray(w0, dtype=jnp.float64)
    h = HIDDEN
    const = len(s.y_train) * math.log(NOISE_SD * math.sqrt(2 * math.pi))

    def logdensity(w):
        w1, b1, w2, b2 = w[:h], w[h:2 * h], w[2 * h:3 * h], w[3 * h]
        pred = jax.nn.relu(x[:, None] * w1 + b1) @ w2 + b2
        loglik = -0.5 * jnp.sum(((y - pred) / NOISE_SD) ** 2) - const
        logprior = -0.5 * jnp.sum((w / PRIOR_SD) ** 2)
        return loglik + logprior

    rw = blackjax.additive_step_random_walk.normal_random_walk(logdensity, PROPOSAL_SD)
    base_key = jax.random.key(0)

    def one_chain(key, position):
        def step(carry, k):
            state, accepted = carry
            state, info = rw.step(k, state)
            return (state, accepted + info.is_accepted), None

        def block(carry, keys):                      # THIN steps, keep the last state
            carry, _ = jax.lax.scan(step, carry, keys)
            return carry, carry[0].position

        keys = jax.random.split(key, (n // THIN, THIN))
        (_, accepted), draws = jax.lax.scan(block, (rw.init(position), jnp.int64(0)), keys)
        return draws, accepted

    if chains == 1:
        def sample(i, position):
            return one_chain(jax.random.fold_in(base_key, i), position)
    else:
        def sample(i, position):
            keys = jax.random.split(jax.random.fold_in(base_key, i), chains)
            return jax.vmap(one_chain, in_axes=(0, None))(keys, position)

    t0 = time.perf_counter()
    compiled = jax.jit(sample).lower(jnp.int64(0), w0).compile()
    compile_s = time.perf_counter() - t0
    compiled.logdensity = jax.jit(logdensity)
    return compiled, w0, compile_s, jnp


def _blackjax_peer(libs, n, chains):
    compiled, w0, compile_s, jnp = _blackjax_sampler(libs, n, chains)
    counter = [0]

    def run():
        counter[0] += 1                              # a new key every call
        draws, accepted = compiled(jnp.int64(counter[0]), w0)
        return draws.block_until_ready()
    run.extra = {"compile_s": compile_s}
    return run


def blackjax_one_chain(libs, n):
    return _blackjax_peer(libs, n, 1)


def blackjax_chains(libs, n):
    return _blackjax_peer(libs, n // CHAINS, CHAINS)


PEERS = {
    "mh.seed000": [
        ("PyTorch, seed 000 verbatim", "torch",
         "seed 000's metropolis_hastings_nn chain, verbatim (float32 SmallNN per proposal)", seed_mh_loop),
        ("BlackJAX, jit", "blackjax",
         "additive_step_random_walk.normal_random_walk(logdensity, 0.01) in lax.scan, jit, float64 (x64), 1 XLA thread",
         blackjax_one_chain),
    ],
    "mh.chains8": [
        ("BlackJAX, jit + vmap", "blackjax",
         "normal_random_walk(logdensity, 0.01), 8 chains via jax.vmap, lax.scan, jit, float64, 1 XLA thread",
         blackjax_chains),
    ],
}


# ---------------------------------------------------------------------------
# --check: acceptance rates, compile and pre-training times, verbatim checks
# ---------------------------------------------------------------------------

def _check_verbatim(s):
    import glob
    import inspect
    files = glob.glob(SEED_FILE_GLOB)
    if not files:
        print("verbatim check: seed file not found, skipped")
        return
    seed = open(files[0]).read().split("\n")
    own = inspect.getsource(s).split("\n")
    blocks = 0
    for i, line in enumerate(own):
        if line.startswith("# --- seed 000, lines ") and "(the " not in line:
            a, b = [int(v) for v in line.split("lines ")[1].split(",")[0].split(" ")[0].split("-")]
            end = own.index(f"# --- end of lines {a}-{b} ---", i)
            body = own[i + 1:end]
            want = [l for l in seed[a - 1:b] if not l.lstrip().startswith("print(")]
            assert body == want, f"lines {a}-{b} differ from the seed file"
            blocks += 1
    print(f"verbatim check: {blocks} blocks of seed000_mh.py equal the seed file's lines (prints dropped)")


def check(threads):
    libs = {}
    load_libraries(libs, threads)
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    s = _seed_module()
    _check_verbatim(s)

    # The notebook's cell: whole function, from the notebook's RNG state.
    s.replay_notebook_rng()
    t0 = time.perf_counter()
    samples, acc = s.run_notebook_cell()
    whole = time.perf_counter() - t0
    print(f"seed metropolis_hastings_nn, whole (Adam + chain): {whole:.2f} s, acceptance {acc:.3f} (notebook 0.455)")

    # The same, cut in two: same draws.
    s.replay_notebook_rng()
    t0 = time.perf_counter()
    model = s.pretrain(s.x_train, s.y_train)
    adam = time.perf_counter() - t0
    t0 = time.perf_counter()
    samples2, acc2 = s.mh_loop(model, s.x_train, s.y_train, n_samples=N_STEPS, proposal_std=PROPOSAL_SD,
                               prior_std=PRIOR_SD, noise_std=s.noise_std, thin=THIN)
    loop = time.perf_counter() - t0
    same = acc2 == acc and all(np.array_equal(a, b) for a, b in zip(samples, samples2))
    print(f"seed pretrain (200 Adam steps): {adam * 1e3:.1f} ms; mh_loop (10,000 steps): {loop:.2f} s, "
          f"acceptance {acc2:.3f}; same draws as the whole function: {same}")
    assert same, "pretrain + mh_loop differ from metropolis_hastings_nn"
    w0 = model.get_weights_flat().detach().double().numpy()
    print("starting weights (PyTorch flat order = BayesKit's):\n  [" +
          ", ".join(repr(float(v)) for v in w0) + "]")
    print(f"seed chain posterior mean of the 1,000 draws: {np.round(np.mean(samples, 0), 3)}")

    if "blackjax" not in libs:
        print("BlackJAX not installed: skipped")
        return
    jax, jnp, blackjax = libs["blackjax"]()
    print(f"jax {jax.__version__}, blackjax {blackjax.__version__}, x64 {jax.config.jax_enable_x64}, "
          f"XLA_FLAGS={os.environ.get('XLA_FLAGS')!r}")
    for chains, n in ((1, N_STEPS), (CHAINS, N_STEPS * CHAINS)):
        compiled, w0j, compile_s, _ = _blackjax_sampler(libs, n // chains, chains)
        draws, accepted = compiled(jnp.int64(1), w0j)
        draws.block_until_ready()
        rates = [np.asarray(accepted) / (n // chains)]
        if chains == 1:
            # Same posterior: BlackJAX's float64 log density against the seed's
            # log_likelihood + log_prior (float32 network) on the seed's draws.
            diffs = []
            for w in samples[::50]:
                m = s.SmallNN(hidden_size=5)
                m.set_weights_flat(torch.tensor(w))
                seed_lp = s.log_likelihood(m, s.x_train, s.y_train, s.noise_std) + s.log_prior(m, PRIOR_SD)
                diffs.append(abs(float(compiled.logdensity(jnp.asarray(w, dtype=jnp.float64))) - seed_lp))
            print(f"log density, BlackJAX (float64) vs seed (float32 network) at 20 of the seed's draws: "
                  f"max |difference| {max(diffs):.2e}")
        times, cpu = [], []
        for i in range(2, 12):
            t0, c0 = time.perf_counter(), time.process_time()
            _, acc_i = compiled(jnp.int64(i), w0j)
            acc_i.block_until_ready()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            rates.append(np.asarray(acc_i) / (n // chains))
        rates = np.concatenate([np.atleast_1d(r) for r in rates])
        print(f"BlackJAX {chains} chain(s) x {n // chains} steps: compile {compile_s:.2f} s, "
              f"run median {np.median(times) * 1e3:.1f} ms (CPU time / wall {np.sum(cpu) / np.sum(times):.2f}), "
              f"draws {tuple(draws.shape)}")
        print(f"  acceptance over {len(rates)} chains (11 keys): mean {rates.mean():.3f}, "
              f"range {rates.min():.3f}-{rates.max():.3f}")
        if chains == 1:
            print(f"BlackJAX posterior mean of the 1,000 draws: {np.round(np.asarray(draws).mean(0), 3)}")


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description="Sanity checks of the MCMC peers (not timed by the harness).")
    parser.add_argument("--check", action="store_true", required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    check(args.threads)
