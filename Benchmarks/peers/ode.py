"""Peers of the ODE rows: seed 001's 60 x 60 grid of damped-oscillator solves.

The task (all peers, and BayesKit's `ode.grid60` benchmarks): x'' + 2 zeta
omega x' + omega^2 x = 0 as the 2-state system (x, v), x(0) = 1, v(0) = 0,
solved on [0, 6] with output at linspace(0, 6, 60), once for each of the 3600
pairs zeta in linspace(0.02, 0.2, 60) (outer loop) x omega in
linspace(0.7, 1.4, 60) (inner loop). Each peer's accuracy is its max
|x(t) - closed form| over the solves it times, reported as `max_error`.

Peers:
  * "SciPy solve_ivp RK45, loop": `scipy.integrate.solve_ivp(method="RK45",
    t_eval=t, rtol=1e-8, atol=1e-10)` per pair, BayesKit's default tolerances.
    Timed on every 18th pair (200 solves) and scaled by 18 to the 3600: the
    whole loop takes seconds per call.
  * "torchdiffeq batched": one `torchdiffeq.odeint` (dopri5, float64,
    rtol=1e-8, atol=1e-10) over a (3600, 2) state holding every pair: one
    adaptive step size for the whole batch.
  * "seed 001 verbatim (torchdiffeq loop)": the seed's `damped_oscillator`,
    `solve_oscillator`, `log_prior_oscillator`, `log_likelihood_oscillator`
    and its grid loop, copied (float32 as in the seed, torchdiffeq defaults
    rtol 1e-7, atol 1e-9). Its loop also evaluates the log prior and log
    likelihood, as the seed does. Timed on the first 50 (zeta, omega) pairs
    of the loop and scaled by 72.

Scaled peers report the scaled time as their `median_s`/`min_s` (through the
`extra` facts that peers.py copies after timing) and the unscaled ones as
`subset_median_s`/`subset_min_s` with `subset_solves` and `scale`.

`ode.mh` (10,000 random-walk MH steps on the oscillator posterior, one
solve per step): the same MH loop in Python around SciPy's `solve_ivp` RK45
and `odeint` (LSODA), timed on 200 steps and scaled by 50.

`python ode.py --check` prints every peer's max error and one call's time.
"""
import math
import statistics
import time

ZETA = (0.02, 0.2, 60)
OMEGA = (0.7, 1.4, 60)
T_END, N_T = 6.0, 60
RTOL, ATOL = 1e-8, 1e-10


def library_versions():
    out = {}
    try:
        import torchdiffeq
        out["torchdiffeq"] = torchdiffeq.__version__
    except ImportError:
        out["torchdiffeq"] = None
    return out


def load_libraries(libs, threads):
    try:
        import torchdiffeq  # noqa: F401
        if "torch" in libs:
            libs["torchdiffeq"] = torchdiffeq
    except ImportError:
        pass


def grid_pairs(np):
    z = np.linspace(*ZETA)
    w = np.linspace(*OMEGA)
    return np.array([(zi, wj) for zi in z for wj in w])


def closed_form(np, t, zeta, omega):
    wd = omega * np.sqrt(1 - zeta ** 2)
    return np.exp(-zeta * omega * t) * (np.cos(wd * t) + zeta * omega / wd * np.sin(wd * t))


def _scaled(run, scale, solves):
    """Wraps `run` (a subset of the grid) so that peers.py reports the time scaled to 3600 solves."""
    times = []

    def call():
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
        call.extra.update(median_s=statistics.median(times) * scale, min_s=min(times) * scale,
                          subset_median_s=statistics.median(times), subset_min_s=min(times),
                          subset_solves=solves, scale=scale)
    call.extra = {}
    return call


def scipy_loop(libs, n):
    np = libs["numpy"]
    from scipy.integrate import solve_ivp
    t = np.linspace(0, T_END, N_T)
    pairs = grid_pairs(np)[::18]

    def rhs(_t, y, zeta, omega):
        return [y[1], -2.0 * zeta * omega * y[1] - omega * omega * y[0]]

    def run():
        return [solve_ivp(rhs, (0.0, T_END), [1.0, 0.0], method="RK45", t_eval=t, rtol=RTOL, atol=ATOL,
                          args=(z, w)).y[0] for z, w in pairs]
    err = max(np.max(np.abs(x - closed_form(np, t, z, w))) for x, (z, w) in zip(run(), pairs))
    fn = _scaled(run, 18, len(pairs))
    fn.extra["max_error"] = float(err)
    fn.warmup, fn.min_calls = 1, 3
    return fn


def torchdiffeq_batched(libs, n):
    np, torch, odeint = libs["numpy"], libs["torch"], libs["torchdiffeq"].odeint
    pairs = torch.from_numpy(grid_pairs(np))
    zeta, omega = pairs[:, 0], pairs[:, 1]
    t = torch.linspace(0, T_END, N_T, dtype=torch.float64)
    y0 = torch.zeros(len(pairs), 2, dtype=torch.float64)
    y0[:, 0] = 1.0

    def f(_t, y):
        return torch.stack((y[:, 1], -2.0 * zeta * omega * y[:, 1] - omega ** 2 * y[:, 0]), dim=-1)

    def run():
        with torch.no_grad():
            return odeint(f, y0, t, rtol=RTOL, atol=ATOL, method="dopri5")
    x = run()[:, :, 0].numpy()  # (time, pair)
    exact = closed_form(np, t.numpy()[:, None], pairs[:, 0].numpy()[None, :], pairs[:, 1].numpy()[None, :])
    fn = lambda: run()  # noqa: E731
    fn.extra = {"max_error": float(np.max(np.abs(x - exact)))}
    return fn


# ---- seed 001, verbatim (its indentation restored; plotting and prints removed) -------------

def seed_loop(libs, n):
    np, torch = libs["numpy"], libs["torch"]
    from torch.distributions import Normal, Uniform
    from torchdiffeq import odeint
    device = torch.device("cpu")
    torch.manual_seed(0)

    def damped_oscillator(t, state, zeta, omega_n):
        # Time derivative for the 2-state oscillator system.
        x = state[..., 0]
        v = state[..., 1]
        dxdt = v
        dvdt = -2.0 * zeta * omega_n * v - omega_n**2 * x
        return torch.stack((dxdt, dvdt), dim=-1)

    def solve_oscillator(theta, t_eval, x0=1.0, v0=0.0):
        # Run on CPU to avoid MPS float64 compatibility issues with torchdiffeq
        compute_device = torch.device('cpu')
        theta_cpu = theta.to(compute_device)
        t_eval_cpu = t_eval.to(compute_device)
        zeta, omega_n = theta_cpu
        y0 = torch.tensor([x0, v0], dtype=torch.float32, device=compute_device)
        sol = odeint(lambda t, y: damped_oscillator(t, y, zeta, omega_n), y0, t_eval_cpu)
        return sol[:, 0].to(t_eval.device)
    theta_true = torch.tensor([0.08, 1.1], device=device)
    t_train = torch.linspace(0.0, 6.0, steps=60, device=device)
    x_train_clean = solve_oscillator(theta_true, t_train)
    noise_std = 0.05
    x_train = x_train_clean + noise_std * torch.randn_like(x_train_clean)
    prior_zeta = Uniform(0.0, 0.25)
    prior_omega = Uniform(0.6, 1.6)

    def log_prior_oscillator(theta):
        zeta = theta[..., 0]
        omega = theta[..., 1]
        return prior_zeta.log_prob(zeta) + prior_omega.log_prob(omega)

    def log_likelihood_oscillator(theta, y_obs, noise_std, t_eval):
        if theta.ndim == 1:
            theta = theta.unsqueeze(0)
        log_lik = []
        for th in theta:
            pred = solve_oscillator(th, t_eval)
            log_lik.append(Normal(pred, noise_std).log_prob(y_obs).sum())
        return torch.stack(log_lik)
    zeta_vals = torch.linspace(0.02, 0.2, steps=60, device=device)
    omega_vals = torch.linspace(0.7, 1.4, steps=60, device=device)
    posterior_grid = torch.zeros(len(zeta_vals), len(omega_vals))
    # The timed subset: the loop's first 50 pairs (zeta_vals[0] x omega_vals[:50]).
    subset_zeta, subset_omega = zeta_vals[:1], omega_vals[:50]

    def run():
        for i, zeta in enumerate(subset_zeta):
            for j, omega in enumerate(subset_omega):
                theta = torch.tensor([zeta, omega], device=device)
                log_post = log_prior_oscillator(theta) + log_likelihood_oscillator(theta, x_train, noise_std, t_train)
                posterior_grid[i, j] = log_post
    err = 0.0
    for z in subset_zeta:
        for w in subset_omega:
            x = solve_oscillator(torch.tensor([z, w]), t_train).double().numpy()
            err = max(err, float(np.max(np.abs(x - closed_form(np, t_train.double().numpy(), float(z), float(w))))))
    fn = _scaled(run, 72, 50)
    fn.extra["max_error"] = err
    fn.warmup, fn.min_calls = 1, 3
    return fn


# ---- ode.mh: random-walk Metropolis on the oscillator posterior, one solve per step --------------

MH_STEPS, MH_TIMED = 10_000, 200
MH_SD = (0.0056, 0.0074)


def _oscillator_data(np):
    """60 noisy displacements on [0, 6] (zeta 0.08, omega 1.1, noise 0.05): the seed's setting with NumPy's own
    noise draw (BayesKit uses its Datasets.oscillator; the cost of a step does not depend on the draw)."""
    t = np.linspace(0, T_END, N_T)
    return t, closed_form(np, t, 0.08, 1.1) + 0.05 * np.random.default_rng(1).standard_normal(N_T)


def _mh(libs, solve):
    """A plain MH loop: propose theta + sd * z, log prior (uniform box) + Gaussian log likelihood from one solve,
    accept with probability min(1, ratio). Timed on MH_TIMED steps, scaled to MH_STEPS."""
    np = libs["numpy"]
    t, y = _oscillator_data(np)
    sd = np.array(MH_SD)

    def log_post(theta):
        z, w = theta
        if not (0 < z < 0.25 and 0.6 < w < 1.6):
            return -math.inf
        x = solve(t, z, w)
        return -0.5 * np.sum((y - x) ** 2) / 0.05 ** 2 - N_T * (math.log(0.05) + 0.5 * math.log(2 * math.pi))

    def run():
        rng = np.random.default_rng(2)
        theta = np.array([0.08, 1.1])
        lp = log_post(theta)
        for _ in range(MH_TIMED):
            prop = theta + sd * rng.standard_normal(2)
            lq = log_post(prop)
            if math.log(rng.random()) < lq - lp:
                theta, lp = prop, lq
        return theta
    fn = _scaled(run, MH_STEPS // MH_TIMED, MH_TIMED)
    fn.extra["max_error"] = float(np.max(np.abs(solve(t, 0.08, 1.1) - closed_form(np, t, 0.08, 1.1))))
    fn.warmup, fn.min_calls = 1, 3
    return fn


def mh_solve_ivp(libs, n):
    np = libs["numpy"]
    from scipy.integrate import solve_ivp

    def rhs(_t, y, zeta, omega):
        return [y[1], -2.0 * zeta * omega * y[1] - omega * omega * y[0]]

    def solve(t, z, w):
        return solve_ivp(rhs, (0.0, T_END), [1.0, 0.0], method="RK45", t_eval=t, rtol=RTOL, atol=ATOL, args=(z, w)).y[0]
    return _mh(libs, solve)


def mh_odeint(libs, n):
    from scipy.integrate import odeint

    def rhs(y, _t, zeta, omega):
        return [y[1], -2.0 * zeta * omega * y[1] - omega * omega * y[0]]

    def solve(t, z, w):
        return odeint(rhs, [1.0, 0.0], t, args=(z, w), rtol=RTOL, atol=ATOL)[:, 0]
    return _mh(libs, solve)


PEERS = {
    "ode.mh": [
        ("SciPy solve_ivp RK45 MH loop", "scipy",
         "MH loop, each step solve_ivp(f, (0, 6), y0, 'RK45', t_eval, rtol=1e-8, atol=1e-10); 200 timed, x50", mh_solve_ivp),
        ("SciPy odeint (LSODA) MH loop", "scipy",
         "MH loop, each step odeint(f, y0, t, rtol=1e-8, atol=1e-10); 200 timed, x50", mh_odeint),
    ],
    "ode.grid60": [
        ("SciPy solve_ivp RK45", "scipy", "solve_ivp(f, (0, 6), y0, 'RK45', t_eval, rtol=1e-8, atol=1e-10) per pair; 200 timed, x18",
         scipy_loop),
        ("torchdiffeq batched", "torchdiffeq", "odeint(f, y0[3600, 2], t, rtol=1e-8, atol=1e-10)  # dopri5, float64",
         torchdiffeq_batched),
        ("seed 001 verbatim", "torchdiffeq", "the seed's grid loop (solve_oscillator + log prior + log lik, float32); 50 timed, x72",
         seed_loop),
    ],
}


if __name__ == "__main__":
    import numpy
    import scipy  # noqa: F401
    libs = {"numpy": numpy}
    try:
        import torch
        torch.set_num_threads(1)
        libs["torch"] = torch
    except ImportError:
        pass
    load_libraries(libs, 1)
    for name, lib, _code, factory in PEERS["ode.grid60"] + PEERS["ode.mh"]:
        if lib not in libs and lib != "scipy":
            print(f"{name}: skipped ({lib} not installed)")
            continue
        fn = factory(libs, 3600)
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        extra = getattr(fn, "extra", {})
        print(f"{name:<24} max error {extra.get('max_error'):.2e}   one call {dt * 1e3:9.1f} ms"
              + (f"   scaled to 3600 solves {extra['median_s'] * 1e3:9.1f} ms" if "scale" in extra else ""))
