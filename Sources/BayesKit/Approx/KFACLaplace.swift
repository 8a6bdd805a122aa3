internal import CBayesKit
import Foundation

/// Kronecker-factored Laplace approximation over all of a network's weights
/// (Ritter, Botev & Barber 2018, "A Scalable Laplace Approximation for
/// Neural Networks"; `laplace-torch`'s `KronLaplace` with the GGN). Layers
/// are independent blocks; the GGN block of dense layer l is
///
///     H_l ≈ N · (G_l ⊗ A_l),   A_l = E[ā āᵀ],   G_l = E[Σ_c g_c g_cᵀ]
///
/// with ā = [a_l; 1] the layer's input with the bias, g_c = ∂(v_cᵀf)/∂z_{l+1}
/// backpropagated from the columns of Λ^{1/2} (Λ the Hessian of the NLL in
/// the outputs) and E the mean over the N training rows (computed in C,
/// `bk_kfac_factors`). The posterior is N(θ*, (H_l + δI)⁻¹) per layer; with
/// A = Q_A diag(a) Q_Aᵀ and G = Q_G diag(g) Q_Gᵀ its precision has the
/// eigenvalues N g_i a_j + δ in the basis Q_G ⊗ Q_A, so the damped inverse,
/// its determinant and its square root cost O(m³ + o³) per layer. δ
/// maximises the Laplace evidence
///
///     log p(D | θ*) − ½ δ‖θ*‖² + (P/2) log δ − ½ Σ_l Σ_ij log(N g_i a_j + δ)
///
/// unless given. Prediction linearises the network (GLM predictive,
/// Cov f(x) = J Σ Jᵀ) or samples weights (``samples(_:seed:)``). On a
/// network without hidden layers and a Gaussian head A ⊗ G is exact and the
/// approximation is the Bayesian linear regression posterior.
public struct KFACLaplace: Sendable, Codable, Equatable {
    public static let archiveKind = "KFACLaplace"
    public let architecture: NetworkArchitecture
    public let head: OutputHead
    /// θ*.
    public let weights: [Double]
    /// Eigenvectors of every factor: per layer Q_A ((w_l + 1)²) then Q_G (w_{l+1}²), row-major, eigenvectors as columns.
    public let eigenvectors: [Double]
    /// Their eigenvalues: per layer those of A_l then of G_l, ascending.
    public let eigenvalues: [Double]
    /// N, the number of training rows.
    public let dataCount: Int
    public let priorPrecision: Double
    /// β of the Gaussian head (0 for classification).
    public let noisePrecision: Double
    public let logEvidence: Double

    enum CodingKeys: String, CodingKey {
        case architecture, head, weights, eigenvectors, eigenvalues, dataCount = "data_count",
             priorPrecision = "prior_precision", noisePrecision = "noise_precision", logEvidence = "log_evidence"
    }

    /// Fits the approximation around trained `weights`. `priorPrecision: nil`
    /// tunes δ by the evidence; `noiseSD` is the Gaussian head's σ (β = 1/σ²).
    public static func fit(architecture: NetworkArchitecture, head: OutputHead, weights: [Double], x: Matrix, y: [Double],
                           priorPrecision: Double? = nil, noiseSD: Double = 1) throws -> KFACLaplace {
        let beta = try checkLaplaceInputs("KFAC Laplace", head: head, architecture: architecture, x: x, y: y,
                                          noiseSD: noiseSD)
        let p = architecture.parameterCount
        try architecture.checkWeights(weights.count, x)
        var lik = bk_likelihood()
        switch head {
        case .gaussian:
            lik.kind = Int32(BK_LIK_GAUSSIAN.rawValue)
            lik.sigma = noiseSD
        case .bernoulli: lik.kind = Int32(BK_LIK_BERNOULLI.rawValue)
        default: lik.kind = Int32(BK_LIK_CATEGORICAL.rawValue)
        }
        let net = try NetworkHandle(architecture)
        var factors = [Double](repeating: 0, count: bk_kfac_size(net.raw))
        var vectors = factors
        var values = [Double](repeating: 0, count: bk_kfac_nvalues(net.raw))
        var loglik = 0.0
        try check { bk_kfac_factors(net.raw, weights, &lik, x.rows, x.values, y, &factors, &loglik, $0) }
        try check { bk_kfac_eigen(net.raw, factors, &vectors, &values, $0) }
        let n = Double(x.rows), norm2 = weights.reduce(0) { $0 + $1 * $1 }
        let widths = architecture.layers
        func evidence(_ delta: Double) -> Double {
            var logdet = 0.0, off = 0
            for l in 0..<(widths.count - 1) {
                let m = widths[l] + 1, o = widths[l + 1]
                for i in 0..<o { for j in 0..<m { logdet += log(n * values[off + m + i] * values[off + j] + delta) } }
                off += m + o
            }
            return loglik - 0.5 * delta * norm2 + 0.5 * Double(p) * log(delta) - 0.5 * logdet
        }
        let delta = try laplacePriorPrecision(priorPrecision, evidence: evidence)
        return KFACLaplace(architecture: architecture, head: head, weights: weights, eigenvectors: vectors,
                           eigenvalues: values, dataCount: x.rows, priorPrecision: delta,
                           noisePrecision: beta, logEvidence: evidence(delta))
    }

    /// Mean and covariance (w_L × w_L per input) of the linearised outputs (`bk_kfac_predict`).
    public func outputMoments(_ x: Matrix) throws -> (mean: Matrix, covariance: [Matrix]) {
        try architecture.checkWeights(weights.count, x)
        let net = try NetworkHandle(architecture)
        let k = architecture.outputCount
        var mean = [Double](repeating: 0, count: x.rows * k), cov = [Double](repeating: 0, count: x.rows * k * k)
        try check {
            bk_kfac_predict(net.raw, weights, eigenvectors, eigenvalues, Double(dataCount), priorPrecision, x.rows,
                            x.values, &mean, &cov, $0)
        }
        return (Matrix(unchecked: x.rows, k, mean),
                (0..<x.rows).map { Matrix(unchecked: k, k, Array(cov[($0 * k * k)..<(($0 + 1) * k * k)])) })
    }

    /// `count` weight vectors θ* + Σ^{1/2}z from the posterior, draw s from stream `(seed, s)`.
    public func samples(_ count: Int, seed: UInt64 = 1) throws -> [[Double]] {
        guard count >= 1 else { throw BayesKitError.invalidArgument("KFAC sampling needs count >= 1, got \(count)") }
        let net = try NetworkHandle(architecture)
        return try (0..<count).map { s in
            let rng = try RandomStream(seed: seed, stream: UInt64(s))
            var theta = [Double](repeating: 0, count: weights.count)
            try check {
                bk_kfac_sample(rng.raw, net.raw, weights, eigenvectors, eigenvalues, Double(dataCount), priorPrecision,
                               &theta, $0)
            }
            return theta
        }
    }

    public func save(to url: URL) throws { try ModelArchive.save(self, kind: Self.archiveKind, to: url) }
    public static func load(from url: URL) throws -> KFACLaplace {
        try ModelArchive.load(KFACLaplace.self, kind: archiveKind, from: url)
    }

    /// Regression: mean f(x; θ*), epistemic sd √(J Σ Jᵀ), aleatoric 1/√β.
    public func predict(_ x: Matrix) throws -> UncertainPrediction {
        guard head == .gaussian else { throw BayesKitError.invalidArgument("a \(head.rawValue) head classifies; use classify(_:)") }
        let (mean, cov) = try outputMoments(x)
        return try glmRegression(mean: mean, covariance: cov, noisePrecision: noisePrecision)
    }

    /// Regression by sampling: the mixture of the network at `samples`
    /// posterior weight draws (no linearisation), each with noise sd 1/√β.
    public func predictBySampling(_ x: Matrix, samples count: Int = 100, seed: UInt64 = 1, threads: Int? = nil) throws
        -> UncertainPrediction {
        guard head == .gaussian else { throw BayesKitError.invalidArgument("a \(head.rawValue) head classifies; use classify(_:)") }
        let draws = try samples(count, seed: seed)
        let w = try Matrix(rows: count, columns: weights.count, values: draws.flatMap { $0 })
        return try regressionComponents(try architecture.predict(weightSamples: w, inputs: x, threads: threads), head: head,
                                        noiseSD: 1 / noisePrecision.squareRoot())
    }

    /// Classification by Monte Carlo draws of the linearised logits (stream `(seed, i)` for input i).
    public func classify(_ x: Matrix, samples: Int = 100, seed: UInt64 = 1) throws -> UncertaintyDecomposition {
        guard head.isClassification else { throw BayesKitError.invalidArgument("a \(head.rawValue) head does not classify") }
        let (mean, cov) = try outputMoments(x)
        return try glmClassify(mean: mean, covariance: cov, head: head, samples: samples, seed: seed)
    }
}
