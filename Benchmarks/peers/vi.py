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


def _rows100k(np):
    """`vi.bbb100k`'s data, computed the same way on both sides (no file, no RNG):
    x_ij = sin(0.001 (i + 1)(j + 1) + j) for j < 4, y_i = sum_j sin(2 x_ij) + 0.1 sin(7919 (i + 1))."""
    i = np.arange(100_000, dtype=np.float64)[:, None]
    j = np.arange(4, dtype=np.float64)[None, :]
    x = np.sin(0.001 * (i + 1) * (j + 1) + j)
    y = np.sin(2 * x).sum(1) + 0.1 * np.sin(7919.0 * (i[:, 0] + 1))
    return x, y


def bbb100k(libs, n):
    """`vi.bbb100k`: mean-field Gaussian VI (Bayes by Backprop) of a 4-50-1 ReLU
    network on 100,000 rows: means N(0, 0.1^2), sigma = exp(r), r = -3, prior
    N(0, 1), noise 0.1, one weight sample per step, closed-form KL, likelihood
    scaled by N/B, Adam lr 1e-3, shuffled batches of 128, 10 epochs, float64
    (as BayesKit). The layers are written the way seed 000 writes them."""
    torch, np = libs["torch"], libs["numpy"]
    nn = torch.nn
    xn, yn = _rows100k(np)
    x = torch.tensor(xn, dtype=torch.float64)
    y = torch.tensor(yn, dtype=torch.float64)[:, None]
    N = x.shape[0]

    class Layer(nn.Module):
        def __init__(self, i, o):
            super().__init__()
            self.wm = nn.Parameter(0.1 * torch.randn(o, i, dtype=torch.float64))
            self.wr = nn.Parameter(torch.full((o, i), -3.0, dtype=torch.float64))
            self.bm = nn.Parameter(0.1 * torch.randn(o, dtype=torch.float64))
            self.br = nn.Parameter(torch.full((o,), -3.0, dtype=torch.float64))

        def forward(self, h):
            w = self.wm + torch.exp(self.wr) * torch.randn_like(self.wm)
            b = self.bm + torch.exp(self.br) * torch.randn_like(self.bm)
            return h @ w.T + b

        def kl(self):
            k = 0.0
            for m, r in ((self.wm, self.wr), (self.bm, self.br)):
                s2 = torch.exp(2 * r)
                k = k + (0.5 * (s2 + m ** 2) - r - 0.5).sum()
            return k

    def run():
        torch.manual_seed(0)
        l1, l2 = Layer(4, 50), Layer(50, 1)
        opt = torch.optim.Adam(list(l1.parameters()) + list(l2.parameters()), lr=1e-3)
        for _ in range(10):
            perm = torch.randperm(N)
            for s in range(0, N, 128):
                idx = perm[s:s + 128]
                f = l2(torch.relu(l1(x[idx])))
                ll = (-0.5 * ((y[idx] - f) / 0.1) ** 2).sum() * (N / idx.shape[0])
                loss = -(ll - l1.kl() - l2.kl())
                opt.zero_grad()
                loss.backward()
                opt.step()
        return loss.item()
    run.warmup, run.min_calls = 0, 2
    return run


PEERS = {
    "vi.bbb100k": [
        ("PyTorch", "torch", "BBB 4-50-1 ReLU, 1 sample, closed-form KL, Adam 1e-3, batch 128, 10 epochs over 100,000 rows, float64", bbb100k),
    ],
    "vi.seed000": [
        ("PyTorch, seed 000 verbatim", "torch",
         "seed 000's BayesianNNVI training cell, verbatim (3000 epochs, 5 samples, Adam lr 0.01)", seed_vi),
    ],
    "vi.seed001": [
        ("PyTorch, seed 001 verbatim", "torch",
         "seed 001's BayesianMLP training cell, verbatim (1-64-64-1 tanh, 3500 epochs, 6 samples, Adam lr 5e-3)", seed_bbb),
    ],
}
