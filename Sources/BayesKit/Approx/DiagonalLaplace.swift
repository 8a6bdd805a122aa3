internal import CBayesKit
import Foundation

/// Diagonal Laplace approximation over ALL of a network's weights
/// (Daxberger et al. 2021; `laplace-torch`'s `DiagLaplace` with the GGN):
///
///     q(θ) = N(θ*, diag(h + δ)⁻¹),   h_j = Σᵢ Σ_ab J_iaj Λ_iab J_ibj
///
/// with Jᵢ = ∂f(xᵢ)/∂θ at the trained weights θ* (computed in C,
/// `bk_approx_jacobian`) and Λᵢ the Hessian of the NLL in the outputs (β,
/// p(1 − p), or diag(p) − ppᵀ). δ maximises the Laplace evidence
/// `log p(D | θ*) − ½ δ‖θ*‖² + (P/2) log δ − ½ Σ_j log(h_j + δ)` unless
/// given. Prediction linearises the network (GLM predictive):
/// Cov f(x) = J(x) diag(h + δ)⁻¹ J(x)ᵀ.
public struct DiagonalLaplace: Sendable, Codable, Equatable {
    public static let archiveKind = "DiagonalLaplace"
    public let architecture: NetworkArchitecture
    public let head: OutputHead
    /// θ*.
    public let weights: [Double]
    /// h, the GGN diagonal (P values).
    public let ggnDiagonal: [Double]
    public let priorPrecision: Double
    /// β of the Gaussian head (0 for classification).
    public let noisePrecision: Double
    public let logEvidence: Double

    enum CodingKeys: String, CodingKey {
        case architecture, head, weights, ggnDiagonal = "ggn_diagonal", priorPrecision = "prior_precision",
             noisePrecision = "noise_precision", logEvidence = "log_evidence"
    }

    /// The posterior variances 1/(h + δ).
    public var variances: [Double] { ggnDiagonal.map { 1 / ($0 + priorPrecision) } }

    public static func fit(architecture: NetworkArchitecture, head: OutputHead, weights: [Double], x: Matrix, y: [Double],
                           priorPrecision: Double? = nil, noiseSD: Double = 1) throws -> DiagonalLaplace {
        let beta = try checkLaplaceInputs("diagonal Laplace", head: head, architecture: architecture, x: x, y: y,
                                          noiseSD: noiseSD)
        let k = architecture.outputCount, p = architecture.parameterCount
        let jac = try jacobian(architecture, weights, x)
        let f = try architecture.forward(weights: weights, inputs: x)
        var h = [Double](repeating: 0, count: p)
        var loglik = 0.0
        for i in 0..<x.rows {
            let fi = f.row(i)
            let (lambda, li) = try laplaceOutputCurvature(head: head, logits: fi, target: y[i], row: i, noisePrecision: beta)
            loglik += li
            for a in 0..<k {
                for b in 0..<k where lambda[a * k + b] != 0 {
                    let l = lambda[a * k + b], ja = (i * k + a) * p, jb = (i * k + b) * p
                    for j in 0..<p { h[j] += l * jac[ja + j] * jac[jb + j] }
                }
            }
        }
        let norm2 = weights.reduce(0) { $0 + $1 * $1 }
        func evidence(_ delta: Double) -> Double {
            loglik - 0.5 * delta * norm2 + 0.5 * Double(p) * log(delta) - 0.5 * h.reduce(0) { $0 + log($1 + delta) }
        }
        let delta = try laplacePriorPrecision(priorPrecision, evidence: evidence)
        return DiagonalLaplace(architecture: architecture, head: head, weights: weights, ggnDiagonal: h,
                               priorPrecision: delta, noisePrecision: beta, logEvidence: evidence(delta))
    }

    /// n × w_L × P Jacobian from the C engine.
    static func jacobian(_ architecture: NetworkArchitecture, _ weights: [Double], _ x: Matrix) throws -> [Double] {
        try architecture.checkWeights(weights.count, x)
        let net = try NetworkHandle(architecture)
        var jac = [Double](repeating: 0, count: x.rows * architecture.outputCount * architecture.parameterCount)
        try check { bk_approx_jacobian(net.raw, weights, x.rows, x.values, &jac, $0) }
        return jac
    }

    /// Mean and covariance (w_L × w_L per input) of the linearised outputs.
    public func outputMoments(_ x: Matrix) throws -> (mean: Matrix, covariance: [Matrix]) {
        let jac = try Self.jacobian(architecture, weights, x)
        let k = architecture.outputCount, p = architecture.parameterCount, v = variances
        let covs = (0..<x.rows).map { i -> Matrix in
            var c = [Double](repeating: 0, count: k * k)
            for a in 0..<k {
                for b in 0..<k {
                    let ja = (i * k + a) * p, jb = (i * k + b) * p
                    var s = 0.0
                    for j in 0..<p { s += jac[ja + j] * v[j] * jac[jb + j] }
                    c[a * k + b] = s
                }
            }
            return Matrix(unchecked: k, k, c)
        }
        return (try architecture.forward(weights: weights, inputs: x), covs)
    }

    public func save(to url: URL) throws { try ModelArchive.save(self, kind: Self.archiveKind, to: url) }
    public static func load(from url: URL) throws -> DiagonalLaplace {
        try ModelArchive.load(DiagonalLaplace.self, kind: archiveKind, from: url)
    }

    /// Regression: mean f(x; θ*), epistemic sd √(J diag(h + δ)⁻¹ Jᵀ), aleatoric 1/√β.
    public func predict(_ x: Matrix) throws -> UncertainPrediction {
        guard head == .gaussian else { throw BayesKitError.invalidArgument("a \(head.rawValue) head classifies; use classify(_:)") }
        let (mean, cov) = try outputMoments(x)
        return try glmRegression(mean: mean, covariance: cov, noisePrecision: noisePrecision)
    }

    /// Classification by Monte Carlo draws of the linearised logits (stream `(seed, i)` for input i).
    public func classify(_ x: Matrix, samples: Int = 100, seed: UInt64 = 1) throws -> UncertaintyDecomposition {
        guard head.isClassification else { throw BayesKitError.invalidArgument("a \(head.rawValue) head does not classify") }
        let (mean, cov) = try outputMoments(x)
        return try glmClassify(mean: mean, covariance: cov, head: head, samples: samples, seed: seed)
    }
}
