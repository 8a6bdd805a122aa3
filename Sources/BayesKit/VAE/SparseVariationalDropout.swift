internal import CBayesKit
import Foundation

/// Sparse variational dropout (Molchanov, Ashukha & Vetrov 2017, "Variational
/// dropout sparsifies deep neural networks", ICML): every weight gets
/// `q(w) = N(θ, α θ²)` with its own dropout rate `α`, learned under the
/// log-uniform prior `p(|w|) ∝ 1/|w|`; weights whose `log α` exceeds a
/// threshold (3: `α > 20`) carry no signal and are removed. The objective is
///
///     ELBO = (N/B) Σ_{r∈B} log p(y_r | x_r, w) − β Σ_ij KL(q(w_ij) ‖ p),
///     −KL ≈ k₁ σ(k₂ + k₃ log α) − ½ log(1 + 1/α) − k₁,
///
/// (k₁, k₂, k₃) = (0.63576, 1.87320, 1.48695), with the local
/// reparameterization trick and `log σ²` as the free scale parameter (the
/// paper's additive reparameterization). Training, the KL and pruning run in
/// C (`include/bayeskit/sparsevd.h`). Adam moves each parameter by about the
/// learning rate per step, so the rate decays by a cosine to
/// `learningRate · finalRateFraction` for the means of pruned weights to
/// settle at 0.
public struct SparseVariationalDropout: Codable, Sendable, Hashable {
    public var epochs: Int
    public var batchSize: Int?
    public var learningRate: Double
    public var finalRateFraction: Double
    /// `β` on the KL sum.
    public var klWeight: Double
    /// Epochs over which `β` rises linearly from 0 (0: none).
    public var klWarmup: Int
    /// Starting `log σ²` of every weight.
    public var initialLogSigma2: Double
    /// Weights with `log α` above it are pruned.
    public var threshold: Double

    public init(epochs: Int = 200, batchSize: Int? = 100, learningRate: Double = 0.01, finalRateFraction: Double = 1e-3,
                klWeight: Double = 1, klWarmup: Int = 0, initialLogSigma2: Double = -10, threshold: Double = 3) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.finalRateFraction = finalRateFraction
        self.klWeight = klWeight
        self.klWarmup = klWarmup
        self.initialLogSigma2 = initialLogSigma2
        self.threshold = threshold
    }

    func validate() throws {
        if epochs < 1 { throw BayesKitError.invalidArgument("number of epochs must be >= 1, got \(epochs)") }
        if let b = batchSize, b < 1 { throw BayesKitError.invalidArgument("batch size must be >= 1, got \(b)") }
        if !(learningRate > 0) || !learningRate.isFinite {
            throw BayesKitError.invalidArgument("learning rate must be > 0 and finite, got \(learningRate)")
        }
        if !(finalRateFraction > 0 && finalRateFraction <= 1) {
            throw BayesKitError.invalidArgument("final rate fraction must be in (0, 1], got \(finalRateFraction)")
        }
        if !(klWeight > 0) || !klWeight.isFinite { throw BayesKitError.invalidArgument("KL weight must be > 0, got \(klWeight)") }
        if klWarmup < 0 { throw BayesKitError.invalidArgument("KL warm-up must be >= 0 epochs, got \(klWarmup)") }
        if !initialLogSigma2.isFinite || !threshold.isFinite {
            throw BayesKitError.invalidArgument("initial log sigma^2 and the pruning threshold must be finite")
        }
    }

    /// Fits the network to `x` (`n × w₀`) and `y` (`n × w_L` for a Gaussian
    /// likelihood with fixed σ, `n × 1` class labels for a categorical one).
    /// Every hidden layer must share one activation. Stream 0 of `seed` gives
    /// the initial values, stream `2e + 1` the shuffle of epoch `e`, stream
    /// `2t + 2` the noise of step `t`.
    public func fit(architecture: NetworkArchitecture, likelihood: Likelihood, x: Matrix, y: Matrix, seed: UInt64 = 0,
                    progress: ProgressCounter? = nil) throws -> SparseVDModel {
        try validate()
        try likelihood.validate(for: architecture)
        let hidden = architecture.activations.count == architecture.layerCount
            ? Array(architecture.activations.dropLast()) : architecture.activations
        guard Set(hidden).count <= 1 else {
            throw BayesKitError.invalidArgument("sparse variational dropout needs one activation for every hidden layer, got \(hidden.map(\.rawValue))")
        }
        guard x.rows == y.rows else { throw BayesKitError.dimensionMismatch("x has \(x.rows) rows but y has \(y.rows)") }
        guard x.columns == architecture.inputCount else {
            throw BayesKitError.dimensionMismatch("x has \(x.columns) columns but the network has \(architecture.inputCount) inputs")
        }
        if let b = batchSize, b > x.rows { throw BayesKitError.invalidArgument("batch size \(b) exceeds the \(x.rows) data rows") }
        let handle = try SparseVDHandle(architecture: architecture, likelihood: likelihood, x: x, y: y)
        let rng = try RandomStream(seed: seed, stream: 0)
        var params = [Double](repeating: 0, count: bk_svd_nparams(handle.raw))
        try check { bk_svd_init(rng.raw, handle.raw, initialLogSigma2, &params, $0) }
        let B = batchSize ?? x.rows, steps = (x.rows + B - 1) / B
        var optim = bk_optim_adam_default(learningRate)
        optim.schedule = bk_lr_schedule(kind: Int32(BK_LR_COSINE.rawValue), step_size: 1, gamma: 1,
                                        period: max(epochs * steps, 1), eta_min: learningRate * finalRateFraction)
        var cfg = bk_svd_config(epochs: epochs, batch_size: B, kl_weight: klWeight, kl_warmup: klWarmup, optim: optim)
        var elbo = [Double](repeating: 0, count: epochs)
        var done = 0
        try check { bk_svd_train(handle.raw, &cfg, seed, &params, progress?.raw, &elbo, &done, $0) }
        return SparseVDModel(architecture: architecture, likelihood: likelihood, parameters: params, method: self, seed: seed,
                             elbo: Array(elbo.prefix(done)))
    }
}

/// A fitted sparse variational dropout network: `log α` per weight, the
/// sparsity, and predictions with the pruned network.
public struct SparseVDModel: Codable, Sendable {
    public let architecture: NetworkArchitecture
    public let likelihood: Likelihood
    /// Per layer: `θ` (out × in), `log σ²` (same shape), bias (out).
    public let parameters: [Double]
    public let method: SparseVariationalDropout
    public let seed: UInt64
    /// The mean ELBO estimate of each epoch.
    public let elbo: [Double]

    public static let archiveKind = "sparse-vd"
    public func save(to url: URL) throws { try ModelArchive.save(self, kind: Self.archiveKind, to: url) }
    public static func load(from url: URL) throws -> SparseVDModel {
        try ModelArchive.load(SparseVDModel.self, kind: archiveKind, from: url)
    }

    /// `log α = log σ² − log θ²` of every weight, layer by layer (row-major per layer).
    public var logAlpha: [Double] {
        var out: [Double] = []
        var offset = 0
        for l in 0..<architecture.layerCount {
            let inW = architecture.layers[l], outW = architecture.layers[l + 1], k = inW * outW
            for w in 0..<k {
                let theta = parameters[offset + w], ls = parameters[offset + k + w]
                out.append(ls - Foundation.log(theta * theta + 1e-8))
            }
            offset += 2 * k + outW
        }
        return out
    }

    /// Fraction of the weights with `log α > threshold` (default: the method's).
    public func sparsity(threshold: Double? = nil) -> Double {
        let t = threshold ?? method.threshold, la = logAlpha
        return Double(la.filter { $0 > t }.count) / Double(max(la.count, 1))
    }

    /// Outputs (regression means or class logits, `n × w_L`) of the network
    /// with the kept weights' means and pruned weights set to 0.
    public func predict(_ x: Matrix, threshold: Double? = nil) throws -> Matrix {
        guard x.columns == architecture.inputCount else {
            throw BayesKitError.dimensionMismatch("x has \(x.columns) columns but the network has \(architecture.inputCount) inputs")
        }
        let handle = try SparseVDHandle(architecture: architecture, likelihood: likelihood,
                                        x: try Matrix(rows: 1, columns: x.columns, repeating: 0),
                                        y: try Matrix(rows: 1, columns: likelihood.isClassification ? 1 : architecture.outputCount, repeating: 0))
        var out = [Double](repeating: 0, count: x.rows * architecture.outputCount)
        try check { bk_svd_predict(handle.raw, parameters, threshold ?? method.threshold, x.rows, x.values, &out, nil, $0) }
        return try Matrix(rows: x.rows, columns: architecture.outputCount, values: out)
    }
}

extension Likelihood {
    var isClassification: Bool {
        switch self {
        case .bernoulli, .categorical: true
        default: false
        }
    }
}

/// Owns a C `bk_svd`.
final class SparseVDHandle {
    let raw: OpaquePointer

    init(architecture: NetworkArchitecture, likelihood: Likelihood, x: Matrix, y: Matrix) throws {
        var lik = likelihood.cValue
        var out: OpaquePointer?
        let act = (architecture.activations.first ?? .identity).code
        try check { bk_svd_alloc(architecture.layers.count, architecture.layers, act, &lik, x.rows, x.values, y.values, &out, $0) }
        guard let out else { throw BayesKitError(.outOfMemory, "cannot allocate a sparse-VD network") }
        raw = out
    }

    deinit { bk_svd_free(raw) }
}
