import Foundation

/// A regression predictive from a cheap approximation: per input the mean,
/// the epistemic sd (spread of the network's mean over weight draws,
/// passes or members), the aleatoric sd (the noise model), and the
/// components whose equally weighted mixture is the predictive:
///
///     p(y | x) ≈ (1/S) Σₛ N(y | μₛ(x), σₛ(x)²)
///     mean = (1/S) Σₛ μₛ,   epistemic² = (1/S) Σₛ μₛ² − mean²,   aleatoric² = (1/S) Σₛ σₛ²
///
/// (the law of total variance; Lakshminarayanan et al. 2017, Gal 2016 §3.3).
public struct UncertainPrediction: Codable, Sendable, Equatable {
    public let mean: [Double]
    public internal(set) var epistemicSD: [Double]
    public internal(set) var aleatoricSD: [Double]
    /// μₛ(x): `S` rows of `n` values.
    public let componentMeans: [[Double]]
    /// σₛ(x): `S` rows of `n` values.
    public let componentSDs: [[Double]]

    enum CodingKeys: String, CodingKey {
        case mean, epistemicSD = "epistemic_sd", aleatoricSD = "aleatoric_sd", componentMeans = "component_means",
             componentSDs = "component_sds"
    }

    /// √(epistemic² + aleatoric²).
    public var totalSD: [Double] { zip(epistemicSD, aleatoricSD).map { ($0 * $0 + $1 * $1).squareRoot() } }

    /// The moments of the mixture of `means[s]`, `sds[s]`.
    public init(componentMeans: [[Double]], componentSDs: [[Double]]) throws {
        guard let first = componentMeans.first, componentSDs.count == componentMeans.count else {
            throw BayesKitError.invalidArgument(
                "a predictive needs >= 1 component with means and sds; got \(componentMeans.count) and \(componentSDs.count)")
        }
        let n = first.count, s = Double(componentMeans.count)
        var mean = [Double](repeating: 0, count: n), second = mean, noise = mean
        for (mu, sd) in zip(componentMeans, componentSDs) {
            guard mu.count == n, sd.count == n else {
                throw BayesKitError.dimensionMismatch("components have different numbers of inputs (\(mu.count), \(sd.count), \(n))")
            }
            for i in 0..<n {
                mean[i] += mu[i] / s
                second[i] += mu[i] * mu[i] / s
                noise[i] += sd[i] * sd[i] / s
            }
        }
        self.mean = mean
        self.epistemicSD = (0..<n).map { max(0, second[$0] - mean[$0] * mean[$0]).squareRoot() }
        self.aleatoricSD = noise.map { $0.squareRoot() }
        self.componentMeans = componentMeans
        self.componentSDs = componentSDs
    }

    /// RMSE of the mean, the mixture's mean log predictive density, and 90%
    /// coverage and CRPS of the moment-matched Gaussian N(mean, total²).
    public func scores(_ y: [Double]) throws -> RegressionScores {
        let total = totalSD
        let gaussian = try Evaluation.regression(y: y, mean: mean, sd: total)
        return RegressionScores(rmse: gaussian.rmse,
                                logLikelihood: try Evaluation.mixtureLogLikelihood(y: y, means: componentMeans,
                                                                                   sds: componentSDs),
                                coverage90: gaussian.coverage90, crps: gaussian.crps)
    }
}

/// Probabilities `n × K` from logits `n × K` (softmax, stable), or from one
/// logit column (Bernoulli: `[1 − σ(f), σ(f)]`), optionally divided by a temperature.
func probabilities(fromLogits f: [Double], rows n: Int, columns k: Int, temperature: Double = 1) -> Matrix {
    if k == 1 {
        var v = [Double](repeating: 0, count: 2 * n)
        for i in 0..<n {
            let z = f[i] / temperature
            let p = z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
            v[2 * i] = 1 - p
            v[2 * i + 1] = p
        }
        return Matrix(unchecked: n, 2, v)
    }
    var v = [Double](repeating: 0, count: n * k)
    for i in 0..<n {
        var m = -Double.infinity
        for c in 0..<k { m = max(m, f[i * k + c] / temperature) }
        var z = 0.0
        for c in 0..<k {
            v[i * k + c] = exp(f[i * k + c] / temperature - m)
            z += v[i * k + c]
        }
        for c in 0..<k { v[i * k + c] /= z }
    }
    return Matrix(unchecked: n, k, v)
}

/// Splits the `S × n × k` outputs of `S` passes into regression components:
/// the Gaussian head's means with a fixed noise sd, or the mean-and-variance
/// head's (μ, softplus(s) + 10⁻⁶).
func regressionComponents(_ outputs: [Matrix], head: OutputHead, noiseSD: Double) throws -> UncertainPrediction {
    var means = [[Double]](), sds = [[Double]]()
    for f in outputs {
        switch head {
        case .gaussian:
            guard f.columns == 1 else {
                throw BayesKitError.dimensionMismatch("regression predictions need 1 output, the network has \(f.columns)")
            }
            means.append(f.values)
            sds.append([Double](repeating: noiseSD, count: f.rows))
        case .meanVariance:
            guard f.columns == 2 else {
                throw BayesKitError.dimensionMismatch("a mean-and-variance head for 1 target needs 2 outputs, got \(f.columns)")
            }
            means.append(f.column(0))
            sds.append(f.column(1).map { softplus($0) + 1e-6 })
        case .bernoulli, .softmax:
            throw BayesKitError.invalidArgument("a \(head.rawValue) head classifies; use classify(_:)")
        }
    }
    return try UncertainPrediction(componentMeans: means, componentSDs: sds)
}

func softplus(_ z: Double) -> Double { max(z, 0) + log1p(exp(-abs(z))) }

/// Root mean square of `y − f`: the noise sd a Gaussian-head fit implies on its training data.
func residualSD(_ y: [Double], _ f: [Double]) -> Double {
    var ss = 0.0
    for i in y.indices { ss += (y[i] - f[i]) * (y[i] - f[i]) }
    return (ss / Double(max(y.count, 1))).squareRoot()
}

extension NoiseModel {
    /// The Gaussian head's noise sd: the fixed value, or the RMS residual of
    /// `trainingMean()` (the fit's mean at the training inputs) against `y`.
    /// ``galTau(lengthScale:)`` is MC dropout's own and resolved there.
    func noiseSD(y: [Double], trainingMean: () throws -> [Double]) throws -> Double {
        switch self {
        case let .fixed(sd):
            guard sd > 0, sd.isFinite else { throw BayesKitError.invalidArgument("noise sd must be positive and finite, got \(sd)") }
            return sd
        case .trainingResiduals:
            return max(residualSD(y, try trainingMean()), 1e-12)
        case .galTau:
            throw BayesKitError.invalidArgument("Gal's tau is MC dropout's noise model; use .fixed or .trainingResiduals here")
        }
    }
}
