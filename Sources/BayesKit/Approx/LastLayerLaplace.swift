import Foundation

/// Last-layer Laplace approximation (MacKay 1992; Daxberger et al. 2021,
/// "Laplace Redux", the `laplace-torch` default): the weights θ = vec(W) of
/// the output layer (K outputs × M = 1 + w_{L−1} inputs, bias first) get
///
///     q(θ) = N(θ*, Σ),   Σ⁻¹ = Σᵢ Λᵢ ⊗ φᵢφᵢᵀ + δ I
///
/// at the trained weights θ*, with φᵢ = [1, a_{L−1}(xᵢ)] the penultimate
/// features and Λᵢ the Hessian of the NLL in the logits — the generalised
/// Gauss–Newton, exact for a linear last layer: β for the Gaussian head,
/// p(1 − p) for Bernoulli, diag(p) − ppᵀ for softmax. The prior precision δ
/// maximises the Laplace evidence
///
///     log p(D | δ) ≈ log p(D | θ*) − ½ δ‖θ*‖² + (P/2) log δ − ½ log det(GGN + δI)
///
/// over a grid of log δ refined by golden section. Prediction is the
/// linearised (GLM) predictive: logits f(x) = Wφ(x) ~ N(W*φ, J Σ Jᵀ), with
/// Monte Carlo draws of the logits for class probabilities and their entropy
/// decomposition. For a linear-Gaussian model this is the exact posterior.
public struct LastLayerLaplace: Sendable, Codable, Equatable {
    public static let archiveKind = "LastLayerLaplace"
    public let architecture: NetworkArchitecture
    public let head: OutputHead
    /// The trained network (θ* is its output layer).
    public let weights: [Double]
    /// δ, the isotropic prior precision of the output-layer weights.
    public let priorPrecision: Double
    /// The Gaussian head's noise precision β (0 for classification).
    public let noisePrecision: Double
    /// θ*, K × M row-major (bias first in each row).
    public let mode: [Double]
    /// Σ, (K M) × (K M).
    public let covariance: Matrix
    /// The Laplace log evidence at δ.
    public let logEvidence: Double

    enum CodingKeys: String, CodingKey {
        case architecture, head, weights, priorPrecision = "prior_precision", noisePrecision = "noise_precision", mode,
             covariance, logEvidence = "log_evidence"
    }

    /// Fits the approximation around trained `weights`. `priorPrecision: nil`
    /// tunes δ by the evidence; `noiseSD` is the Gaussian head's σ (β = 1/σ²).
    public static func fit(architecture: NetworkArchitecture, head: OutputHead, weights: [Double], x: Matrix, y: [Double],
                           priorPrecision: Double? = nil, noiseSD: Double = 1) throws -> LastLayerLaplace {
        let beta = try checkLaplaceInputs("last-layer Laplace", head: head, architecture: architecture, x: x, y: y,
                                          noiseSD: noiseSD)
        guard architecture.layerCount >= 2 else { throw BayesKitError.invalidArgument("the network has no hidden layer") }
        let k = architecture.outputCount
        let phi = try features(architecture, weights, x)
        let m = phi.columns, p = k * m, n = x.rows
        let mode = lastLayer(architecture, weights)
        // GGN and log-likelihood at θ*.
        var ggn = [Double](repeating: 0, count: p * p)
        var loglik = 0.0
        for i in 0..<n {
            let f = (0..<k).map { c in (0..<m).reduce(0) { $0 + mode[c * m + $1] * phi[i, $1] } }
            let (lambda, li) = try laplaceOutputCurvature(head: head, logits: f, target: y[i], row: i, noisePrecision: beta)
            loglik += li
            for a in 0..<k {
                for b in 0..<k where lambda[a * k + b] != 0 {
                    let l = lambda[a * k + b]
                    for u in 0..<m {
                        let lu = l * phi[i, u]
                        for v in 0..<m { ggn[(a * m + u) * p + b * m + v] += lu * phi[i, v] }
                    }
                }
            }
        }
        let norm2 = mode.reduce(0) { $0 + $1 * $1 }
        func evidence(_ delta: Double) throws -> Double {
            var h = ggn
            for j in 0..<p { h[j * p + j] += delta }
            let logdet = try Matrix(rows: p, columns: p, values: h).logDeterminantSPD()
            return loglik - 0.5 * delta * norm2 + 0.5 * Double(p) * log(delta) - 0.5 * logdet
        }
        let delta = try laplacePriorPrecision(priorPrecision, evidence: evidence)
        var h = ggn
        for j in 0..<p { h[j * p + j] += delta }
        let precision = try Matrix(rows: p, columns: p, values: h)
        return LastLayerLaplace(architecture: architecture, head: head, weights: weights, priorPrecision: delta,
                                noisePrecision: beta, mode: mode, covariance: try precision.inverseSPD(),
                                logEvidence: try evidence(delta))
    }

    /// φ(x) = [1, a_{L−1}(x)], n × M.
    static func features(_ architecture: NetworkArchitecture, _ weights: [Double], _ x: Matrix) throws -> Matrix {
        let a = try architecture.penultimateFeatures(weights: weights, inputs: x)
        var v = [Double]()
        v.reserveCapacity(a.rows * (a.columns + 1))
        for i in 0..<a.rows { v.append(1); v += a.row(i) }
        return Matrix(unchecked: a.rows, a.columns + 1, v)
    }

    /// The output layer of the flat weights as K × M, bias first.
    static func lastLayer(_ architecture: NetworkArchitecture, _ weights: [Double]) -> [Double] {
        let l = architecture.layerCount - 1, off = architecture.layerOffset(l)
        let k = architecture.outputCount, h = architecture.layers[l]
        var out = [Double]()
        for c in 0..<k { out.append(weights[off + k * h + c]); out += weights[(off + c * h)..<(off + (c + 1) * h)] }
        return out
    }

    /// Mean and covariance (K × K per input) of the linearised logits.
    public func logitMoments(_ x: Matrix) throws -> (mean: Matrix, covariance: [Matrix]) {
        let phi = try Self.features(architecture, weights, x)
        let k = architecture.outputCount, m = phi.columns, p = k * m
        var means = [Double](), covs = [Matrix]()
        for i in 0..<x.rows {
            let f = phi.row(i)
            for c in 0..<k { means.append((0..<m).reduce(0) { $0 + mode[c * m + $1] * f[$1] }) }
            var cov = [Double](repeating: 0, count: k * k)
            for a in 0..<k {
                for b in 0..<k {
                    var s = 0.0
                    for u in 0..<m {
                        var t = 0.0
                        for v in 0..<m { t += covariance.values[(a * m + u) * p + b * m + v] * f[v] }
                        s += f[u] * t
                    }
                    cov[a * k + b] = s
                }
            }
            covs.append(Matrix(unchecked: k, k, cov))
        }
        return (Matrix(unchecked: x.rows, k, means), covs)
    }

    public func save(to url: URL) throws { try ModelArchive.save(self, kind: Self.archiveKind, to: url) }
    public static func load(from url: URL) throws -> LastLayerLaplace {
        try ModelArchive.load(LastLayerLaplace.self, kind: archiveKind, from: url)
    }

    /// Regression (Gaussian head): mean W*φ, epistemic sd √(φᵀΣφ), aleatoric 1/√β.
    public func predict(_ x: Matrix) throws -> UncertainPrediction {
        guard head == .gaussian else { throw BayesKitError.invalidArgument("a \(head.rawValue) head classifies; use classify(_:)") }
        let (mean, cov) = try logitMoments(x)
        return try glmRegression(mean: mean, covariance: cov, noisePrecision: noisePrecision)
    }

    /// GLM predictive for classification: `samples` draws of the logits
    /// from N(W*φ, JΣJᵀ) per input (stream `(seed, i)` for input i), their
    /// probabilities averaged, with the entropy decomposition.
    public func classify(_ x: Matrix, samples: Int = 100, seed: UInt64 = 1) throws -> UncertaintyDecomposition {
        guard head.isClassification else { throw BayesKitError.invalidArgument("a \(head.rawValue) head does not classify") }
        let (mean, cov) = try logitMoments(x)
        return try glmClassify(mean: mean, covariance: cov, head: head, samples: samples, seed: seed)
    }
}
