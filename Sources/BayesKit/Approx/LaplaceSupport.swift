import Foundation

// Pieces shared by the Laplace approximations (``LastLayerLaplace``,
// ``DiagonalLaplace``, ``KFACLaplace``): the curvature of the NLL in the
// outputs, the evidence search over the prior precision, and the GLM
// predictive built from per-input output moments.

/// Λ = ∂²(−log p(y | f))/∂f² at the outputs `logits` of one row (k × k,
/// row-major) and log p(y | f): β for the Gaussian head, p(1 − p) for
/// Bernoulli, diag(p) − ppᵀ for softmax (labels checked).
func laplaceOutputCurvature(head: OutputHead, logits f: [Double], target y: Double, row i: Int,
                            noisePrecision beta: Double) throws -> (lambda: [Double], loglik: Double) {
    let k = f.count
    var lambda = [Double](repeating: 0, count: k * k)
    switch head {
    case .gaussian:
        lambda[0] = beta
        let r = y - f[0]
        return (lambda, -0.5 * beta * r * r + 0.5 * log(beta) - Evaluation.logSqrt2Pi)
    case .bernoulli:
        let q = 1 / (1 + exp(-f[0]))
        lambda[0] = q * (1 - q)
        return (lambda, y * f[0] - softplus(f[0]))
    default:
        let pr = probabilities(fromLogits: f, rows: 1, columns: k).values
        for a in 0..<k { for b in 0..<k { lambda[a * k + b] = (a == b ? pr[a] : 0) - pr[a] * pr[b] } }
        let label = Int(y)
        guard label >= 0, label < k, Double(label) == y else {
            throw BayesKitError.invalidArgument("class label at row \(i) must be a whole number in 0..<\(k), got \(y)")
        }
        return (lambda, log(max(pr[label], .leastNonzeroMagnitude)))
    }
}

/// Checks the inputs every Laplace fit shares: a gaussian, bernoulli or
/// softmax head (one output unless softmax), one target per row, a positive
/// noise sd. Returns β = 1/σ² for the Gaussian head, else 0.
func checkLaplaceInputs(_ name: String, head: OutputHead, architecture: NetworkArchitecture, x: Matrix, y: [Double],
                        noiseSD: Double) throws -> Double {
    guard head != .meanVariance else {
        throw BayesKitError.invalidArgument("\(name) supports the gaussian, bernoulli and softmax heads")
    }
    let k = architecture.outputCount
    if head != .softmax, k != 1 { throw BayesKitError.dimensionMismatch("the \(head.rawValue) head needs 1 output, got \(k)") }
    guard y.count == x.rows else { throw BayesKitError.dimensionMismatch("\(x.rows) rows but \(y.count) targets") }
    guard noiseSD > 0, noiseSD.isFinite else { throw BayesKitError.invalidArgument("noise sd must be positive and finite, got \(noiseSD)") }
    return head == .gaussian ? 1 / (noiseSD * noiseSD) : 0
}

/// δ: the given prior precision (checked), or the maximiser of the Laplace evidence.
func laplacePriorPrecision(_ given: Double?, evidence: (Double) throws -> Double) throws -> Double {
    guard let given else { return try maximizeLogScale(evidence) }
    guard given > 0, given.isFinite else {
        throw BayesKitError.invalidArgument("prior precision must be positive and finite, got \(given)")
    }
    return given
}

/// The GLM predictive for regression: mean f(x; θ*), epistemic sd √(J Σ Jᵀ), aleatoric 1/√β.
func glmRegression(mean: Matrix, covariance: [Matrix], noisePrecision: Double) throws -> UncertainPrediction {
    try UncertainPrediction(mean: mean.values, epistemicSD: covariance.map { max($0.values[0], 0).squareRoot() },
                            aleatoricSD: [Double](repeating: 1 / noisePrecision.squareRoot(), count: mean.rows))
}

/// The maximiser of `f(10^u)` over u ∈ [−4, 4]: a grid of step 0.1, then golden section around the best point.
func maximizeLogScale(_ f: (Double) throws -> Double) rethrows -> Double {
    let grid = (0...80).map { -4 + Double($0) / 10 }
    let values = try grid.map { try f(pow(10, $0)) }
    let best = values.indices.max { values[$0] < values[$1] } ?? 40
    var a = grid[max(best - 1, 0)], b = grid[min(best + 1, grid.count - 1)]
    let g = (5.0.squareRoot() - 1) / 2
    for _ in 0..<60 {
        let c = b - g * (b - a), d = a + g * (b - a)
        if try f(pow(10, c)) > f(pow(10, d)) { b = d } else { a = c }
    }
    return pow(10, (a + b) / 2)
}

/// `samples` draws of logits from N(mean_i, cov_i) per input (stream `(seed, i)`), their
/// probabilities (Bernoulli: [1 − σ, σ]) and the entropy decomposition.
func glmClassify(mean: Matrix, covariance: [Matrix], head: OutputHead, samples: Int, seed: UInt64) throws
    -> UncertaintyDecomposition {
    guard samples >= 1 else { throw BayesKitError.invalidArgument("the GLM predictive needs samples >= 1, got \(samples)") }
    let n = mean.rows, k = mean.columns, kk = head == .bernoulli ? 2 : k
    var draws = [[Double]](repeating: [Double](repeating: 0, count: n * kk), count: samples)
    for i in 0..<n {
        var jittered = covariance[i].values
        for a in 0..<k { jittered[a * k + a] += 1e-12 }
        let l = try Matrix(rows: k, columns: k, values: jittered).cholesky()
        let rng = try RandomStream(seed: seed, stream: UInt64(i))
        for s in 0..<samples {
            let z = try rng.normals(k)
            let f = (0..<k).map { a in mean[i, a] + (0...a).reduce(0) { $0 + l[a, $1] * z[$1] } }
            let pr = probabilities(fromLogits: f, rows: 1, columns: k).values
            for c in 0..<kk { draws[s][i * kk + c] = pr[c] }
        }
    }
    return try Evaluation.decomposition(draws.map { Matrix(unchecked: n, kk, $0) })
}
