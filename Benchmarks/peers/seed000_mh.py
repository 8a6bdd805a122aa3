"""Seed 000's Metropolis-Hastings for the 1-5-1 ReLU network, VERBATIM.

Source: /work/shared/seeds/000_78c544510d2c070f.txt (the "Introduction to
Inference" notebook, section 7.4 "MCMC Approximation"). Every line between a
"# --- seed 000, lines a-b ---" marker and its "# --- end" marker is copied
unchanged from those lines of the seed file (Benchmarks/peers/mcmc.py --check
re-reads the seed file, when present, and asserts it); the only edits are:

  * lines 53-54 (matplotlib, seaborn imports) and 60-63 (plot style) dropped;
  * the plotting and the dense test grid after the data cell (lines 111-138) dropped;
  * the four print() calls of metropolis_hastings_nn dropped (lines 495, 502,
    536, 539); the `acc_rate = ...` line that fed the progress print stays;
  * the cell that runs the sampler (lines 543-556) is `run_notebook_cell()`
    below, with its prints moved to `__main__`.

Taken: 52, 55-58 (imports), 65-67 (np.random.seed(42), torch.manual_seed(42)),
70-109 (generate_nonlinear_data and the 20 training points), 320-346
(SmallNN), 459-541 (log_likelihood, log_prior, metropolis_hastings_nn),
166-229 and 369-386 (the linear-regression class and the prior-sampling
function, only so `replay_notebook_rng()` can draw the random numbers the
notebook draws between the data cell and the MCMC cell).

For the benchmark, metropolis_hastings_nn is also cut in two at the line
between its 200 Adam steps and its chain, `pretrain()` (lines 488-500) and
`mh_loop()` (lines 502-541): the statements are the same, so the timed chain
is the seed's chain. `mcmc.py --check` asserts that pretrain + mh_loop give
the same draws as metropolis_hastings_nn from the same RNG state.

Run `python seed000_mh.py` to replay the notebook: acceptance rate 0.455 there.
"""

# --- seed 000, lines 52-52 ---
import numpy as np
# --- end of lines 52-52 ---

# --- seed 000, lines 55-58 ---
import torch
import torch.nn as nn
import torch.nn.functional as F
from typing import Tuple
# --- end of lines 55-58 ---

# --- seed 000, lines 65-67 ---
# Set random seeds for reproducibility
np.random.seed(42)
torch.manual_seed(42)
# --- end of lines 65-67 ---

# --- seed 000, lines 70-109 ---
# Generate nonlinear dataset
def generate_nonlinear_data(n_samples: int = 20, 
                           noise_std: float = 0.1,
                           x_range: Tuple[float, float] = (-3, 3)) -> Tuple[np.ndarray, np.ndarray]:
    """
    Generate sparse noisy samples from a sinusoidal function.
    
    This simulates sensor measurements from a cyclic process.
    
    Args:
        n_samples: Number of observations
        noise_std: Standard deviation of measurement noise
        x_range: Input domain (min, max)
        
    Returns:
        x: Input locations (n_samples,)
        y: Noisy measurements (n_samples,)
    """
    x_min, x_max = x_range
    
    # Sample input locations (sparse, irregular spacing)
    x = np.random.uniform(x_min, x_max, n_samples)
    
    # True underlying function (unknown to the model)
    y_true = np.sin(x)
    
    # Add measurement noise
    y = y_true + noise_std * np.random.randn(n_samples)
    
    # Sort for easier visualization
    sort_idx = np.argsort(x)
    x = x[sort_idx]
    y = y[sort_idx]
    
    return x, y

# Generate training data
n_train = 20
noise_std = 0.1
x_train, y_train = generate_nonlinear_data(n_train, noise_std)
# --- end of lines 70-109 ---

# --- seed 000, lines 320-346 ---
class SmallNN(nn.Module):
    """
    Simple 1-hidden-layer neural network for regression.
    """
    
    def __init__(self, hidden_size: int = 5):
        super().__init__()
        self.fc1 = nn.Linear(1, hidden_size)
        self.fc2 = nn.Linear(hidden_size, 1)
        
    def forward(self, x):
        x = x.view(-1, 1)
        h = F.relu(self.fc1(x))
        y = self.fc2(h)
        return y.squeeze()
    
    def get_weights_flat(self) -> torch.Tensor:
        """Get all weights as a flat vector."""
        return torch.cat([p.flatten() for p in self.parameters()])
    
    def set_weights_flat(self, w_flat: torch.Tensor):
        """Set all weights from a flat vector."""
        offset = 0
        for p in self.parameters():
            n_params = p.numel()
            p.data = w_flat[offset:offset+n_params].view(p.shape)
            offset += n_params
# --- end of lines 320-346 ---

# --- seed 000, lines 459-541, without its four print() calls ---
# Simple MCMC sampler for neural network weights
def log_likelihood(model, x, y, noise_std=0.1):
    """Compute log p(y|x,w) for current weights."""
    with torch.no_grad():
        x_tensor = torch.FloatTensor(x)
        y_pred = model(x_tensor).numpy()
        log_lik = -0.5 * np.sum(((y - y_pred) / noise_std) ** 2)
        log_lik -= len(y) * np.log(noise_std * np.sqrt(2 * np.pi))
    return log_lik

def log_prior(model, prior_std=1.0):
    """Compute log p(w) for current weights."""
    log_p = 0
    for param in model.parameters():
        log_p -= 0.5 * torch.sum((param / prior_std) ** 2).item()
    return log_p

def metropolis_hastings_nn(x_train, y_train, n_samples=5000, proposal_std=0.01,
                           prior_std=1.0, noise_std=0.1, thin=10):
    """
    Simple Metropolis-Hastings MCMC for neural network weights.
    
    Args:
        thin: Only keep every 'thin'-th sample to reduce autocorrelation
    
    Returns:
        weight_samples: List of weight vectors
        acceptance_rate: Fraction of proposals accepted
    """
    model = SmallNN(hidden_size=5)
    
    # Initialize at MAP estimate (rough approximation: just train briefly)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    x_tensor = torch.FloatTensor(x_train).view(-1, 1)
    y_tensor = torch.FloatTensor(y_train)
    
    for _ in range(200):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x_tensor.squeeze()), y_tensor)
        loss.backward()
        optimizer.step()
    
    
    # Current state
    current_log_posterior = log_likelihood(model, x_train, y_train, noise_std) + \
                            log_prior(model, prior_std)
    
    weight_samples = []
    n_accepted = 0
    
    for i in range(n_samples):
        # Propose new weights
        proposed_model = SmallNN(hidden_size=5)
        with torch.no_grad():
            for p_curr, p_prop in zip(model.parameters(), proposed_model.parameters()):
                p_prop.data = p_curr.data + proposal_std * torch.randn_like(p_curr)
        
        # Compute proposed log posterior
        proposed_log_posterior = log_likelihood(proposed_model, x_train, y_train, noise_std) + \
                                  log_prior(proposed_model, prior_std)
        
        # Accept/reject
        log_alpha = proposed_log_posterior - current_log_posterior
        if np.log(np.random.rand()) < log_alpha:
            # Accept
            model = proposed_model
            current_log_posterior = proposed_log_posterior
            n_accepted += 1
        
        # Store sample (with thinning)
        if i % thin == 0:
            weight_samples.append(model.get_weights_flat().clone().detach().numpy())
        
        if (i + 1) % 2000 == 0:
            acc_rate = n_accepted / (i + 1)
    
    acceptance_rate = n_accepted / n_samples
    
    return weight_samples, acceptance_rate
# --- end of lines 459-541 ---

# ---------------------------------------------------------------------------
# metropolis_hastings_nn cut in two (for timing the chain without the Adam
# steps). Generated from the same seed lines; not edited beyond the cut.
# ---------------------------------------------------------------------------

# --- seed 000, lines 488-500 (the Adam pre-training of metropolis_hastings_nn), without the print() ---
def pretrain(x_train, y_train):
    model = SmallNN(hidden_size=5)
    
    # Initialize at MAP estimate (rough approximation: just train briefly)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    x_tensor = torch.FloatTensor(x_train).view(-1, 1)
    y_tensor = torch.FloatTensor(y_train)
    
    for _ in range(200):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x_tensor.squeeze()), y_tensor)
        loss.backward()
        optimizer.step()
    return model
# --- end ---

# --- seed 000, lines 502-541 (the chain of metropolis_hastings_nn), without the print() calls ---
def mh_loop(model, x_train, y_train, n_samples=5000, proposal_std=0.01,
            prior_std=1.0, noise_std=0.1, thin=10):
    
    # Current state
    current_log_posterior = log_likelihood(model, x_train, y_train, noise_std) + \
                            log_prior(model, prior_std)
    
    weight_samples = []
    n_accepted = 0
    
    for i in range(n_samples):
        # Propose new weights
        proposed_model = SmallNN(hidden_size=5)
        with torch.no_grad():
            for p_curr, p_prop in zip(model.parameters(), proposed_model.parameters()):
                p_prop.data = p_curr.data + proposal_std * torch.randn_like(p_curr)
        
        # Compute proposed log posterior
        proposed_log_posterior = log_likelihood(proposed_model, x_train, y_train, noise_std) + \
                                  log_prior(proposed_model, prior_std)
        
        # Accept/reject
        log_alpha = proposed_log_posterior - current_log_posterior
        if np.log(np.random.rand()) < log_alpha:
            # Accept
            model = proposed_model
            current_log_posterior = proposed_log_posterior
            n_accepted += 1
        
        # Store sample (with thinning)
        if i % thin == 0:
            weight_samples.append(model.get_weights_flat().clone().detach().numpy())
        
        if (i + 1) % 2000 == 0:
            acc_rate = n_accepted / (i + 1)
    
    acceptance_rate = n_accepted / n_samples
    
    return weight_samples, acceptance_rate
# --- end ---

# ---------------------------------------------------------------------------
# Replay of the notebook cells between the data and the MCMC cell that draw
# random numbers, so the chain starts from the RNG state it had in the notebook.
# ---------------------------------------------------------------------------

# --- seed 000, lines 166-229 ---
class BayesianLinearRegression:
    """
    Bayesian linear regression with Gaussian prior and likelihood.
    
    Closed-form posterior over weights for polynomial basis functions.
    """
    
    def __init__(self, degree: int = 1, alpha: float = 1.0, beta: float = 100.0):
        """
        Args:
            degree: Degree of polynomial basis (1 = linear)
            alpha: Prior precision (inverse variance)
            beta: Noise precision (1/sigma^2)
        """
        self.degree = degree
        self.alpha = alpha
        self.beta = beta
        self.m_N = None  # Posterior mean
        self.S_N = None  # Posterior covariance
        
    def _design_matrix(self, x: np.ndarray) -> np.ndarray:
        """Compute polynomial design matrix."""
        x = x.reshape(-1, 1)
        Phi = np.concatenate([x**i for i in range(self.degree + 1)], axis=1)
        return Phi
    
    def fit(self, X: np.ndarray, y: np.ndarray):
        """Compute posterior over weights given training data."""
        Phi = self._design_matrix(X)
        n_features = Phi.shape[1]
        
        # Posterior covariance
        self.S_N = np.linalg.inv(self.alpha * np.eye(n_features) + 
                                  self.beta * Phi.T @ Phi)
        
        # Posterior mean
        self.m_N = self.beta * self.S_N @ Phi.T @ y
        
        return self
    
    def predict(self, X_test: np.ndarray, return_std: bool = True):
        """
        Posterior predictive distribution.
        
        Returns:
            mean: Predictive mean
            std: Predictive standard deviation (if return_std=True)
        """
        Phi_test = self._design_matrix(X_test)
        
        # Predictive mean
        y_mean = Phi_test @ self.m_N
        
        if return_std:
            # Predictive variance (includes noise and weight uncertainty)
            y_var = 1.0/self.beta + np.sum(Phi_test @ self.S_N * Phi_test, axis=1)
            y_std = np.sqrt(y_var)
            return y_mean, y_std
        
        return y_mean
    
    def sample_weights(self, n_samples: int = 100) -> np.ndarray:
        """Sample weight vectors from posterior."""
        return np.random.multivariate_normal(self.m_N, self.S_N, size=n_samples)
# --- end of lines 166-229 ---

# --- seed 000, lines 369-386 ---
def sample_prior_functions(model, x_test, n_samples=20, prior_std=1.0):
    """
    Sample function predictions from prior p(w) = N(0, prior_std^2 * I).
    """
    x_test_tensor = torch.FloatTensor(x_test)
    predictions = []
    
    with torch.no_grad():
        for _ in range(n_samples):
            # Sample weights from prior
            for param in model.parameters():
                param.data.normal_(0, prior_std)
            
            # Forward pass
            y_pred = model(x_test_tensor).numpy()
            predictions.append(y_pred)
    
    return np.array(predictions)
# --- end of lines 369-386 ---


def replay_notebook_rng():
    """Re-seeds and draws every random number the notebook draws before the
    MCMC cell: the data (lines 66-67, 109), `blr.sample_weights(50)` (lines
    232-233, 279), `SmallNN(hidden_size)` (line 350) and the 50 prior
    functions (lines 389-391). Returns nothing; leaves NumPy's and PyTorch's
    global generators where the notebook had them."""
    np.random.seed(42)                                                  # line 66
    torch.manual_seed(42)                                               # line 67
    x_train, y_train = generate_nonlinear_data(n_train, noise_std)      # line 109
    x_test = np.linspace(-3, 3, 200)                                    # line 112
    blr = BayesianLinearRegression(degree=1, alpha=1.0, beta=1.0/noise_std**2)  # line 232
    blr.fit(x_train, y_train)                                           # line 233
    w_samples = blr.sample_weights(n_samples=50)                        # line 279
    hidden_size = 5                                                     # line 349
    model = SmallNN(hidden_size=hidden_size)                            # line 350
    prior_std = 1.0                                                     # line 389
    n_prior_samples = 50                                                # line 390
    prior_predictions = sample_prior_functions(model, x_test, n_prior_samples, prior_std)  # line 391
    return blr


def run_notebook_cell():
    """Lines 546-553, the MCMC cell, without its prints."""
    mcmc_samples, acc_rate = metropolis_hastings_nn(
        x_train, y_train, 
        n_samples=10000, 
        proposal_std=0.010,
        prior_std=1.0,
        noise_std=noise_std,
        thin=10
    )
    return mcmc_samples, acc_rate


def initial_model():
    """The network the notebook's chain starts from: the RNG state of the
    notebook at the MCMC cell, then the cell's 200 Adam steps."""
    replay_notebook_rng()
    return pretrain(x_train, y_train)


if __name__ == "__main__":
    import time
    blr = replay_notebook_rng()
    print(f"BLR posterior mean {blr.m_N} (notebook: [-0.07553835  0.33272507])")
    t0 = time.perf_counter()
    mcmc_samples, acc_rate = run_notebook_cell()
    print(f"metropolis_hastings_nn (200 Adam steps + 10,000 MH steps): {time.perf_counter() - t0:.2f} s, "
          f"{len(mcmc_samples)} draws, acceptance rate {acc_rate:.3f} (notebook: 0.455)")
