"""Peers of the linear-model rows: NumPy doing the same closed forms.

The data are built exactly as Benchmarks/Benchmarks/BayesKitBenchmarks/Linear.swift
builds them, so both sides fit the same numbers.
"""
import math


def linear_data(np, n):
    i = np.arange(n, dtype=np.float64)
    x = -1 + 2 * i / (n - 1)
    y = np.sin(3 * x) + 0.1 * np.sin(12345.678 * i)
    return x, y


def _design(np, x, degree):
    return np.vander(x, degree + 1, increasing=True)


def _fit_inv(np, x, y, alpha, beta, degree):
    """Seed 000/001's own formula: S_N = inv(alpha I + beta Phi^T Phi), m_N = beta S_N Phi^T y."""
    phi = _design(np, x, degree)
    s = np.linalg.inv(alpha * np.eye(phi.shape[1]) + beta * phi.T @ phi)
    m = beta * s @ phi.T @ y
    return phi, m, s


def _fit_cholesky(libs, x, y, alpha, beta, degree):
    np, linalg = libs["numpy"], libs["scipy"].linalg
    phi = _design(np, x, degree)
    factor = linalg.cho_factor(alpha * np.eye(phi.shape[1]) + beta * phi.T @ phi, lower=True)
    m = linalg.cho_solve(factor, beta * phi.T @ y)
    return phi, m, factor


def blr_fit_inv(libs, n):
    np = libs["numpy"]
    x, y = linear_data(np, n)
    return lambda: _fit_inv(np, x, y, 1.0, 25.0, 9)


def blr_fit_cholesky(libs, n):
    x, y = linear_data(libs["numpy"], n)
    return lambda: _fit_cholesky(libs, x, y, 1.0, 25.0, 9)


def blr_fit_predict_inv(libs, n):
    np = libs["numpy"]
    x, y = linear_data(np, n)

    def run():
        phi, m, s = _fit_inv(np, x, y, 1.0, 25.0, 9)
        mean = phi @ m
        var = 1 / 25.0 + np.sum(phi @ s * phi, axis=1)
        return mean, var
    return run


def evidence_sweep(libs, n):
    """Seed 001's log_marginal_likelihood over degrees 0..9, verbatim in spirit."""
    np = libs["numpy"]
    np_random = np.random.RandomState(1)
    x = np.linspace(0, 1, 10).reshape(-1, 1)
    t = 0.5 + np.sin(2 * np.pi * x) + np_random.normal(scale=0.3, size=x.shape)
    alpha, beta = 0.005, 1 / 0.3 ** 2
    phi_all = np.concatenate([np.ones(x.shape)] + [x ** p for p in range(1, 10)], axis=1)

    def run():
        out = []
        for up in range(1, 11):
            phi = phi_all[:, :up]
            n_, m_ = phi.shape
            s_inv = alpha * np.eye(m_) + beta * phi.T.dot(phi)
            s = np.linalg.inv(s_inv)
            m = beta * s.dot(phi.T).dot(t)
            e_d = beta * np.sum((t - phi.dot(m)) ** 2)
            e_w = alpha * np.sum(m ** 2)
            score = m_ * np.log(alpha) + n_ * np.log(beta) - e_d - e_w - np.log(np.linalg.det(s_inv)) - n_ * np.log(2 * np.pi)
            out.append(0.5 * score)
        return out
    return run


PEERS = {
    "blr.fit": [
        ("NumPy (seed: inv)", "numpy", "inv(alpha I + beta Phi.T @ Phi); m = beta S Phi.T y", blr_fit_inv),
        ("NumPy + SciPy cho_solve", "scipy", "cho_factor(alpha I + beta Phi.T @ Phi); cho_solve", blr_fit_cholesky),
    ],
    "blr.fitPredict": [
        ("NumPy (seed formulas)", "numpy", "fit; Phi @ m; 1/beta + sum(Phi @ S * Phi, 1)", blr_fit_predict_inv),
    ],
    "blr.evidenceSweep": [
        ("NumPy (seed 001 loop)", "numpy", "log_marginal_likelihood for degrees 0..9", evidence_sweep),
    ],
}
