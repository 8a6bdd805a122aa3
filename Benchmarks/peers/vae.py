"""Peers of the VAE rows (issue 14): PyTorch on the 8x8 digits.

Data: the 1797 UCI digits as BayesKit embeds them
(Sources/BayesKit/Datasets/DigitsData.swift), grey levels / 16, every 5th
image held out (1438 training images), as `Digits.split(testEvery: 5)`.

`vae.digits.latentK` (K = 2, 16): one training epoch of a VAE with encoder
Linear(64, 256) - ReLU - Linear(256, 2K) and decoder Linear(K, 256) - ReLU -
Linear(256, 64), Bernoulli decoder (binary cross-entropy with logits, summed
over pixels), closed-form KL, one reparameterized draw per image, loss = mean
over the batch of -(log p(x|z) - KL), Adam(1e-3), shuffled batches of 128:
the loop of the PyTorch VAE examples. float64 (as BayesKit) and float32
(PyTorch's default).
"""
import os
import re

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, "..", "..", "Sources", "BayesKit", "Datasets", "DigitsData.swift")


def _digits_train():
    text = open(DIGITS).read()
    lines = [l for l in text.split("\n") if re.fullmatch(r"[0-9a-g]{65}", l)]
    assert len(lines) == 1797, len(lines)
    vals = np.array([[int(c, 17) for c in l] for l in lines], dtype=np.float64)
    x = vals[:, :64] / 16.0
    keep = [i for i in range(len(x)) if i % 5 != 4]
    return x[keep]


def _vae_epoch(libs, latent, dtype_name):
    torch = libs["torch"]
    nn, F = torch.nn, torch.nn.functional
    dtype = getattr(torch, dtype_name)
    x = torch.tensor(_digits_train(), dtype=dtype)

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 2 * latent))
            self.dec = nn.Sequential(nn.Linear(latent, 256), nn.ReLU(), nn.Linear(256, 64))

        def forward(self, xb):
            h = self.enc(xb)
            mu, logvar = h[:, :latent], h[:, latent:]
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            logits = self.dec(z)
            rec = -F.binary_cross_entropy_with_logits(logits, xb, reduction="none").sum(1)
            kl = 0.5 * (mu ** 2 + logvar.exp() - logvar - 1).sum(1)
            return -(rec - kl).mean()

    model = VAE().to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = x.shape[0]

    def run():
        perm = torch.randperm(n)
        for s in range(0, n, 128):
            xb = x[perm[s:s + 128]]
            opt.zero_grad()
            loss = model(xb)
            loss.backward()
            opt.step()
        return loss.item()
    return run


def latent2(libs, n):
    return _vae_epoch(libs, 2, "float64")


def latent2_f32(libs, n):
    return _vae_epoch(libs, 2, "float32")


def latent16(libs, n):
    return _vae_epoch(libs, 16, "float64")


def latent16_f32(libs, n):
    return _vae_epoch(libs, 16, "float32")


_CODE = "VAE 64-256-2K / K-256-64 ReLU, Bernoulli, 1 epoch Adam(1e-3) batch 128 over 1438 digits"
PEERS = {
    "vae.digits.latent2": [
        ("PyTorch", "torch", _CODE + ", float64", latent2),
        ("PyTorch float32", "torch", _CODE + ", float32", latent2_f32),
    ],
    "vae.digits.latent16": [
        ("PyTorch", "torch", _CODE + ", float64", latent16),
        ("PyTorch float32", "torch", _CODE + ", float32", latent16_f32),
    ],
}
