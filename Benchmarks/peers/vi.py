"""Peers of the variational-inference rows: seed 000's mean-field VI and
seed 001's Bayes by Backprop.

`vi.seed000`: the seed's `BayesianNNVI` trained exactly as its training cell
does (1-5-1 ReLU, means N(0, 0.1^2), log-sigma -3, prior N(0, 1), noise 0.1,
5 Monte Carlo samples, closed-form KL, Adam lr 0.01, 3000 epochs), from
`seed000_vi.train_vi()`, the notebook's lines copied verbatim. BayesKit's
row runs `MeanFieldVI()` (the same settings are its defaults) on the same 20
points. A call includes building the model, as the seed's cell does.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _seed_module():
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import seed000_vi
    return seed000_vi


def seed_vi(libs, n):
    s = _seed_module()
    torch = libs["torch"]

    def run():
        torch.manual_seed(0)
        return s.train_vi()
    # ~5 s a call: no warm-up call, at least 2 timed calls.
    run.warmup, run.min_calls = 0, 2
    return run


def _seed001_module():
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import seed001_bbb
    return seed001_bbb


def seed_bbb(libs, n):
    """`vi.seed001`: the notebook's BBB training cell (`seed001_bbb.train_bbb()`,
    verbatim: 1-64-64-1 tanh, 6 samples, MC KL, Adam 5e-3, 3500 epochs), one
    call of ~45 s on an idle machine: no warm-up, one timed call. Its final
    -ELBO (and the mean of the last 100 epochs) are reported untimed."""
    s = _seed001_module()
    torch = libs["torch"]

    def run():
        torch.manual_seed(0)
        history = s.train_bbb()
        run.extra = {"final_neg_elbo": history[-1], "neg_elbo_last100": sum(history[-100:]) / 100,
                     "neg_elbo_sd_last100": (sum((h - sum(history[-100:]) / 100) ** 2 for h in history[-100:]) / 99) ** 0.5,
                     "notebook_final_neg_elbo": 753.771}
        return history
    run.warmup, run.min_calls = 0, 1
    return run


PEERS = {
    "vi.seed000": [
        ("PyTorch, seed 000 verbatim", "torch",
         "seed 000's BayesianNNVI training cell, verbatim (3000 epochs, 5 samples, Adam lr 0.01)", seed_vi),
    ],
    "vi.seed001": [
        ("PyTorch, seed 001 verbatim", "torch",
         "seed 001's BayesianMLP training cell, verbatim (1-64-64-1 tanh, 3500 epochs, 6 samples, Adam lr 5e-3)", seed_bbb),
    ],
}
