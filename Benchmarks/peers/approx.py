"""Peers of the cheap-approximation rows (issue 10): PyTorch on the UCI concrete data.

Data: Gal & Ghahramani's copy of concrete (`$BAYESKIT_UCI` or
/work/shared/data/uci), split 0 (927 train, 103 test rows), inputs and target
z-scored with the training statistics, float64 (as BayesKit).

`approx.ensemble5`: 5 members of Linear(8, 50) - ReLU - Linear(50, 2), the
mean-and-variance head (sigma = softplus(s) + 1e-6, loss = mean Gaussian NLL,
Lakshminarayanan et al. 2017), each trained for 40 epochs of Adam(lr 0.01) on
shuffled batches of 32, then the mixture mean and variance on the test rows.

`approx.mcdropout100`: Linear(8, 50) - ReLU - Dropout(0.1) - Linear(50, 1)
trained the same way on half the squared error (BayesKit's Gaussian head with
sigma 1), then 100 stochastic forward passes in train mode under no_grad (the
loop of seed 002's `predict_with_uncertainty`), mean and sd of the passes.
"""
import os

import numpy as np

ROOT = os.environ.get("BAYESKIT_UCI", "/work/shared/data/uci")


def _concrete(torch):
    d = os.path.join(ROOT, "concrete")
    data = np.loadtxt(os.path.join(d, "data.txt"))
    train = np.loadtxt(os.path.join(d, "index_train_0.txt"), dtype=int)
    test = np.loadtxt(os.path.join(d, "index_test_0.txt"), dtype=int)
    x, y = data[:, :8], data[:, 8]
    mx, sx = x[train].mean(0), x[train].std(0, ddof=1)
    my, sy = y[train].mean(), y[train].std(ddof=1)
    t = lambda a: torch.tensor(a, dtype=torch.float64)
    return (t((x[train] - mx) / sx), t((y[train] - my) / sy), t((x[test] - mx) / sx))


def _train(torch, model, loss_fn, x, y, epochs=40, batch=32):
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    n = x.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    return model


def ensemble5(libs, n):
    torch = libs["torch"]
    nn, F = torch.nn, torch.nn.functional
    x, y, xt = _concrete(torch)

    def nll(out, target):
        sigma = F.softplus(out[:, 1]) + 1e-6
        return (torch.log(sigma) + 0.5 * ((target - out[:, 0]) / sigma) ** 2).mean()

    def run():
        mus, variances = [], []
        for _ in range(5):
            model = nn.Sequential(nn.Linear(8, 50), nn.ReLU(), nn.Linear(50, 2)).double()
            _train(torch, model, nll, x, y)
            with torch.no_grad():
                out = model(xt)
            mus.append(out[:, 0])
            variances.append((F.softplus(out[:, 1]) + 1e-6) ** 2)
        mu = torch.stack(mus)
        mean = mu.mean(0)
        var = (torch.stack(variances) + mu ** 2).mean(0) - mean ** 2
        return mean, var
    run.warmup, run.min_calls = 1, 3
    return run


def mcdropout100(libs, n):
    torch = libs["torch"]
    nn = torch.nn
    x, y, xt = _concrete(torch)

    def half_se(out, target):
        return 0.5 * ((out[:, 0] - target) ** 2).mean()

    def run():
        model = nn.Sequential(nn.Linear(8, 50), nn.ReLU(), nn.Dropout(0.1), nn.Linear(50, 1)).double()
        _train(torch, model, half_se, x, y)
        model.train()
        with torch.no_grad():
            preds = torch.stack([model(xt) for _ in range(100)])
        return preds.mean(0), preds.std(0)
    run.warmup, run.min_calls = 1, 3
    return run


PEERS = {
    "approx.ensemble5": [
        ("PyTorch", "torch", "5 x nn.Sequential(8-50-2 ReLU), Gaussian NLL head, 40 epochs Adam(0.01) batch 32, float64; mixture on test", ensemble5),
    ],
    "approx.mcdropout100": [
        ("PyTorch", "torch", "nn.Sequential(8-50 ReLU, Dropout(0.1), 50-1), 40 epochs Adam(0.01) batch 32, float64; 100 passes under no_grad", mcdropout100),
    ],
}
