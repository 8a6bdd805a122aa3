"""Seed 000's variational inference (section 7.5), VERBATIM, for a later
benchmark row (issue 8: seed 000 VI, 3000 epochs, 5 samples). Not wired into
peers.py yet.

Source: /work/shared/seeds/000_78c544510d2c070f.txt. Lines between
"# --- seed 000, lines a-b ---" and "# --- end of lines a-b ---" are copied
unchanged (`mcmc.py --check` style check: `python seed000_vi.py --check-verbatim`).
Taken: 708-800 (BayesianNNVI), 581-599 (predict_with_weight_samples, only
to replay the notebook's random numbers), and the training cell 815-856 as
the body of `train_vi()`: indented by four spaces, its three print() calls
(831, 832, 854-855) dropped and the `if (epoch + 1) % 500 == 0:` that only
guarded the progress print replaced by collecting the same numbers in
`progress`. The data, SmallNN and the MH code come from seed000_mh.py.

`python seed000_vi.py` replays the notebook up to the VI cell (including its
10,000-step MH run, ~5 s) and prints the ELBO every 500 epochs; the notebook
printed -51.02, -31.99, -31.65, -26.31, -31.36, -27.71.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed000_mh import (np, torch, nn, F, SmallNN, x_train, y_train, noise_std,  # noqa: E402,F401
                        replay_notebook_rng, run_notebook_cell)

# --- seed 000, lines 708-800 ---
# Variational Inference for Bayesian Neural Network
class BayesianNNVI(nn.Module):
    """
    Bayesian Neural Network with Variational Inference.
    
    Each weight has a variational posterior q(w) = N(mu, sigma^2).
    """
    
    def __init__(self, hidden_size=5):
        super().__init__()
        self.hidden_size = hidden_size
        
        # Variational parameters for layer 1: input -> hidden
        self.fc1_mu_weight = nn.Parameter(torch.randn(hidden_size, 1) * 0.1)
        self.fc1_mu_bias = nn.Parameter(torch.randn(hidden_size) * 0.1)
        self.fc1_logsigma_weight = nn.Parameter(torch.ones(hidden_size, 1) * -3)  # Start with low variance
        self.fc1_logsigma_bias = nn.Parameter(torch.ones(hidden_size) * -3)
        
        # Variational parameters for layer 2: hidden -> output
        self.fc2_mu_weight = nn.Parameter(torch.randn(1, hidden_size) * 0.1)
        self.fc2_mu_bias = nn.Parameter(torch.randn(1) * 0.1)
        self.fc2_logsigma_weight = nn.Parameter(torch.ones(1, hidden_size) * -3)
        self.fc2_logsigma_bias = nn.Parameter(torch.ones(1) * -3)
        
    def sample_weights(self):
        """Sample weights using reparameterization trick."""
        # Layer 1
        fc1_weight = self.fc1_mu_weight + torch.exp(self.fc1_logsigma_weight) * torch.randn_like(self.fc1_mu_weight)
        fc1_bias = self.fc1_mu_bias + torch.exp(self.fc1_logsigma_bias) * torch.randn_like(self.fc1_mu_bias)
        
        # Layer 2
        fc2_weight = self.fc2_mu_weight + torch.exp(self.fc2_logsigma_weight) * torch.randn_like(self.fc2_mu_weight)
        fc2_bias = self.fc2_mu_bias + torch.exp(self.fc2_logsigma_bias) * torch.randn_like(self.fc2_mu_bias)
        
        return (fc1_weight, fc1_bias, fc2_weight, fc2_bias)
    
    def forward(self, x, sample=True):
        """Forward pass with sampled or mean weights."""
        x = x.view(-1, 1)
        
        if sample:
            fc1_w, fc1_b, fc2_w, fc2_b = self.sample_weights()
        else:
            fc1_w, fc1_b = self.fc1_mu_weight, self.fc1_mu_bias
            fc2_w, fc2_b = self.fc2_mu_weight, self.fc2_mu_bias
        
        # Forward propagation
        h = F.relu(F.linear(x, fc1_w, fc1_b))
        y = F.linear(h, fc2_w, fc2_b)
        
        return y.squeeze()
    
    def kl_divergence(self, prior_std=1.0):
        """Compute KL(q||p) where p is N(0, prior_std^2)."""
        kl = 0
        
        # KL for each parameter: KL(N(mu, sigma^2) || N(0, prior_std^2))
        for mu_param, logsigma_param in [
            (self.fc1_mu_weight, self.fc1_logsigma_weight),
            (self.fc1_mu_bias, self.fc1_logsigma_bias),
            (self.fc2_mu_weight, self.fc2_logsigma_weight),
            (self.fc2_mu_bias, self.fc2_logsigma_bias)
        ]:
            sigma = torch.exp(logsigma_param)
            kl += 0.5 * torch.sum(
                (mu_param**2 + sigma**2) / prior_std**2 - 1 - 2*logsigma_param + 2*np.log(prior_std)
            )
        
        return kl
    
    def elbo(self, x, y, n_samples=5, noise_std=0.1, prior_std=1.0):
        """
        Compute the Evidence Lower Bound.
        
        ELBO = E_q[log p(y|x,w)] - KL(q||p)
        """
        x = x.view(-1, 1)
        
        # Expected log-likelihood (Monte Carlo estimate)
        log_lik = 0
        for _ in range(n_samples):
            y_pred = self.forward(x, sample=True)
            log_lik += -0.5 * torch.sum(((y - y_pred) / noise_std) ** 2)
        log_lik = log_lik / n_samples
        log_lik -= len(y) * np.log(noise_std * np.sqrt(2 * np.pi))
        
        # KL divergence
        kl = self.kl_divergence(prior_std)
        
        # ELBO
        elbo = log_lik - kl
        
        return elbo, log_lik, kl
# --- end of lines 708-800 ---

# --- seed 000, lines 581-599 ---
def predict_with_weight_samples(weight_samples, x_test, n_samples=None):
    """Generate predictions using sampled weights."""
    if n_samples is None:
        n_samples = len(weight_samples)
    
    model_temp = SmallNN(hidden_size=5)
    x_test_tensor = torch.FloatTensor(x_test)
    predictions = []
    
    # Randomly select samples to plot
    sample_indices = np.random.choice(len(weight_samples), size=min(n_samples, len(weight_samples)), replace=False)
    
    with torch.no_grad():
        for idx in sample_indices:
            model_temp.set_weights_flat(torch.FloatTensor(weight_samples[idx]))
            y_pred = model_temp(x_test_tensor).numpy()
            predictions.append(y_pred)
    
    return np.array(predictions)
# --- end of lines 581-599 ---

# --- seed 000, lines 815-856 as a function (indented; prints -> `progress`) ---
def train_vi():
    progress = []
    # Train with Variational Inference
    vi_model = BayesianNNVI(hidden_size=5)
    optimizer = torch.optim.Adam(vi_model.parameters(), lr=0.01)

    x_train_tensor = torch.FloatTensor(x_train)
    y_train_tensor = torch.FloatTensor(y_train)

    n_epochs = 3000
    n_mc_samples = 5  # Monte Carlo samples per ELBO evaluation

    history = {
        'elbo': [],
        'log_lik': [],
        'kl': []
    }


    for epoch in range(n_epochs):
        optimizer.zero_grad()
    
        # Compute ELBO (negative for minimization)
        elbo, log_lik, kl = vi_model.elbo(x_train_tensor, y_train_tensor, 
                                           n_samples=n_mc_samples, 
                                           noise_std=noise_std, 
                                           prior_std=1.0)
        loss = -elbo  # Maximize ELBO = minimize negative ELBO
    
        # Backprop and update
        loss.backward()
        optimizer.step()
    
        # Track metrics
        history['elbo'].append(elbo.item())
        history['log_lik'].append(log_lik.item())
        history['kl'].append(kl.item())
    
        if (epoch + 1) % 500 == 0:
            progress.append((epoch + 1, elbo.item(), log_lik.item(), kl.item()))
    return vi_model, history, progress
# --- end ---


def replay_to_vi_cell():
    """The notebook's random numbers up to the VI training cell: the cells
    before MCMC, the MCMC cell (lines 546-553), the posterior predictive cell
    (line 602; x_test from line 112) and the first `BayesianNNVI` (line 803)."""
    replay_notebook_rng()
    mcmc_samples, acc_rate = run_notebook_cell()
    x_test = np.linspace(-3, 3, 200)                                                 # line 112
    mcmc_predictions = predict_with_weight_samples(mcmc_samples, x_test, n_samples=100)  # line 602
    vi_model = BayesianNNVI(hidden_size=5)                                           # line 803
    return acc_rate


def check_verbatim():
    import glob
    import inspect
    seed = open(glob.glob("/work/shared/seeds/000_*.txt")[0]).read().split("\n")
    own = inspect.getsource(sys.modules[__name__]).split("\n")
    n = 0
    for i, line in enumerate(own):
        if line.startswith("# --- seed 000, lines ") and line.rstrip().endswith(" ---") and "(" not in line:
            a, b = [int(v) for v in line.split("lines ")[1].split(" ")[0].split("-")]
            end = own.index(f"# --- end of lines {a}-{b} ---", i)
            assert own[i + 1:end] == seed[a - 1:b], f"lines {a}-{b} differ"
            n += 1
    print(f"{n} verbatim blocks equal the seed file")


if __name__ == "__main__":
    import time
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    check_verbatim()
    if "--check-verbatim" in sys.argv:
        sys.exit(0)
    acc = replay_to_vi_cell()
    t0 = time.perf_counter()
    vi_model, history, progress = train_vi()
    elapsed = time.perf_counter() - t0
    print(f"MH acceptance on the way: {acc:.3f}; VI training, 3000 epochs x 5 samples: {elapsed:.2f} s")
    for epoch, elbo, log_lik, kl in progress:
        print(f"Epoch {epoch:4d} | ELBO: {elbo:8.2f} | Log-lik: {log_lik:8.2f} | KL: {kl:6.2f}")
