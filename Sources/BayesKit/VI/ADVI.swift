internal import CBayesKit
import Foundation

/// Automatic-differentiation variational inference on any log density
/// (Kucukelbir et al. 2017, "Automatic differentiation variational
/// inference", JMLR 18(14)): a Gaussian `q(θ) = N(μ, L Lᵀ)` fitted by
/// maximising
///
///     ELBO = E_q[log p(θ)] + H(q),   H(q) = d/2 (1 + log 2π) + Σ_i log L_ii
///
/// with Adam on Monte Carlo gradients from `samples` draws `θ_k = μ + L ε_k`
/// per step. ``Family/meanField`` uses a diagonal `L = diag(exp ω)`;
/// ``Family/fullRank`` a lower-triangular Cholesky factor with log
/// diagonal, so it captures correlations. The whole loop runs in C
/// (`include/bayeskit/advi.h`).
///
/// The defaults are seed 001's scalar example: 256 samples, 1500 steps,
/// Adam(lr 0.05), `q` starting at `N(0, I)`.
public struct ADVI: Codable, Sendable, Hashable {
    /// The variational family.
    public enum Family: String, Codable, Sendable, Hashable, CaseIterable {
        /// `q = Π_i N(μ_i, σ_i²)`, `σ_i = exp(ω_i)`: `2d` parameters.
        case meanField
        /// `q = N(μ, L Lᵀ)`, `L` lower triangular with `L_ii = exp(l_ii)`: `d + d(d+1)/2` parameters.
        case fullRank
        /// `q = N(μ, D² + B Bᵀ)`, `D = diag(exp ω)`, `B` with ``ADVI/rank`` columns
        /// (Ong, Nott & Smith 2018): `2d + d·rank` parameters, for models too large for full rank.
        case lowRank

        var code: Int32 {
            switch self {
            case .meanField: Int32(BK_ADVI_MEANFIELD.rawValue)
            case .fullRank: Int32(BK_ADVI_FULLRANK.rawValue)
            case .lowRank: Int32(BK_ADVI_LOWRANK.rawValue)
            }
        }
    }

    /// How the ELBO gradient is estimated from the draws.
    public enum GradientEstimator: String, Codable, Sendable, Hashable, CaseIterable {
        /// The pathwise gradient through `θ = μ + L ε` (Kingma & Welling 2014): needs `∇ log p`.
        case reparameterization
        /// `(1/K) Σ_k [log p(θ_k) − log q(θ_k)] ∇_φ log q(θ_k)` (REINFORCE, Williams 1992;
        /// Ranganath et al. 2014): needs only `log p`, with a much larger variance.
        case scoreFunction

        var code: Int32 {
            self == .reparameterization ? Int32(BK_ADVI_REPARAM.rawValue) : Int32(BK_ADVI_SCORE.rawValue)
        }
    }

    public var family: Family
    public var samples: Int
    public var steps: Int
    public var learningRate: Double
    public var estimator: GradientEstimator
    /// `log σ` of every coordinate at the start (`q₀ = N(initialMean, e^{2s} I)`).
    public var initialLogScale: Double
    /// Columns of `B` for ``Family/lowRank`` (ignored otherwise).
    public var rank: Int

    public init(family: Family = .meanField, samples: Int = 256, steps: Int = 1500, learningRate: Double = 0.05,
                estimator: GradientEstimator = .reparameterization, initialLogScale: Double = 0, rank: Int = 1) {
        self.family = family
        self.rank = rank
        self.samples = samples
        self.steps = steps
        self.learningRate = learningRate
        self.estimator = estimator
        self.initialLogScale = initialLogScale
    }

    enum CodingKeys: String, CodingKey {
        case family, samples, steps, learningRate = "learning_rate", estimator, initialLogScale = "initial_log_scale", rank
    }

    var cConfig: bk_advi_config {
        var c = bk_advi_config_default()
        c.family = family.code
        c.estimator = estimator.code
        c.rank = max(rank, 0)
        c.samples = max(samples, 0)
        c.steps = max(steps, 0)
        c.optim = bk_optim_adam_default(learningRate)
        return c
    }

    func validate() throws {
        if samples < 1 { throw BayesKitError.invalidArgument("number of Monte Carlo samples must be >= 1, got \(samples)") }
        if steps < 1 { throw BayesKitError.invalidArgument("number of ADVI steps must be >= 1, got \(steps)") }
        if !(learningRate > 0) || !learningRate.isFinite {
            throw BayesKitError.invalidArgument("learning rate must be > 0 and finite, got \(learningRate)")
        }
        if family == .lowRank && rank < 1 { throw BayesKitError.invalidArgument("low-rank ADVI needs rank >= 1, got \(rank)") }
        if !initialLogScale.isFinite { throw BayesKitError.invalidArgument("initial log scale must be finite, got \(initialLogScale)") }
    }

    /// A C problem bound to `model` for the duration of `body`.
    private func withProblem<T>(_ model: LogDensity, _ body: (OpaquePointer) throws -> T) throws -> T {
        try validate()
        if estimator == .reparameterization && !model.hasGradient {
            throw BayesKitError.invalidArgument(
                "the reparameterization gradient needs the log density's gradient; give one with "
                    + "LogDensity(dimension:valueAndGradient:) or use estimator: .scoreFunction")
        }
        let binding = ModelBinding(model, chains: 1)
        var cfg = cConfig
        let raw: OpaquePointer? = try withExtendedLifetime(binding) {
            var raw: OpaquePointer?
            try check { bk_advi_alloc(model.dimension, binding.fn, binding.contexts[0], binding.message, &cfg, &raw, $0) }
            return raw
        }
        guard let raw else { throw BayesKitError(.outOfMemory, "cannot allocate an ADVI problem") }
        defer { bk_advi_free(raw) }
        return try withExtendedLifetime(binding) { try body(raw) }
    }

    /// Fits `q` to `model` from `q₀ = N(initialMean (default 0), e^{2·initialLogScale} I)`.
    /// The draws of step `t` are stream `t` of `seed`: the same seed gives
    /// the same fit. `progress` (one task) counts steps. When the ELBO or its
    /// gradient stops being finite it throws a message naming the step.
    public func fit(_ model: LogDensity, initialMean: [Double]? = nil, seed: UInt64 = 0,
                    progress: ProgressCounter? = nil) throws -> ADVIResult {
        if let m = initialMean, m.count != model.dimension {
            throw BayesKitError.dimensionMismatch("initial mean has \(m.count) values but the model has \(model.dimension)")
        }
        if let m = initialMean, !m.allSatisfy(\.isFinite) { throw BayesKitError.nonFinite("initial mean is not finite") }
        return try withProblem(model) { raw in
            var phi = [Double](repeating: 0, count: bk_advi_size(raw))
            try check { bk_advi_init(raw, initialMean, initialLogScale, &phi, $0) }
            var history = [Double](repeating: 0, count: steps)
            var done = 0
            let start = ContinuousClock.now
            try check { bk_advi_run(raw, seed, &phi, progress?.raw, &history, &done, $0) }
            let d = ContinuousClock.now - start
            return ADVIResult(family: family, names: model.parameterNames, parameters: phi, elbo: Array(history.prefix(done)),
                              seconds: Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18,
                              method: self, seed: seed)
        }
    }

    /// ``fit(_:initialMean:seed:progress:)`` for a closure returning `(log p(θ), ∇ log p(θ))`.
    public func fit(dimension: Int, initialMean: [Double]? = nil, seed: UInt64 = 0,
                    valueAndGradient: @escaping @Sendable ([Double]) throws -> (Double, [Double])) throws -> ADVIResult {
        try fit(LogDensity(dimension: dimension, valueAndGradient: valueAndGradient), initialMean: initialMean, seed: seed)
    }

    /// The ELBO estimate and its gradient (ascent direction, in ``ADVIResult/parameters``'
    /// layout) at `parameters` by `estimator`, from the draws `eps`
    /// (`samples × m`, row `k` for draw `k`; `m = d`, or `d + rank` for the
    /// low-rank family) or, when `nil`, stream `step` of
    /// `seed`. With fixed `eps` the estimate is a smooth function of the
    /// parameters (common random numbers), so its gradient can be checked
    /// by finite differences.
    public func estimate(_ model: LogDensity, parameters: [Double], estimator: GradientEstimator? = nil,
                         eps: [Double]? = nil, seed: UInt64 = 0, step: UInt64 = 0) throws -> (elbo: Double, gradient: [Double]) {
        var cfg = self
        if let estimator { cfg.estimator = estimator }
        return try cfg.withProblem(model) { raw in
            let np = bk_advi_size(raw)
            guard parameters.count == np else {
                throw BayesKitError.dimensionMismatch("\(parameters.count) variational parameters, the \(family.rawValue) family over \(model.dimension) has \(np)")
            }
            let m = bk_advi_noise_dim(family.code, model.dimension, max(rank, 0))
            if let eps, eps.count != samples * m {
                throw BayesKitError.dimensionMismatch("eps has \(eps.count) values, expected samples × \(m) = \(samples * m)")
            }
            var elbo = 0.0
            var grad = [Double](repeating: 0, count: np)
            try check { bk_advi_estimate(raw, parameters, cfg.estimator.code, eps, seed, step, &elbo, &grad, $0) }
            return (elbo, grad)
        }
    }

    /// Both gradient estimators at `parameters` over `replicates` replicates
    /// of `samples` draws each; replicate `r` uses stream `r` of `seed` for
    /// both (the same draws), so the variances compare the estimators alone.
    public func gradientVariance(_ model: LogDensity, parameters: [Double], replicates: Int = 200,
                                 seed: UInt64 = 0) throws -> ADVIGradientVariance {
        guard replicates >= 2 else { throw BayesKitError.invalidArgument("gradient variance needs >= 2 replicates, got \(replicates)") }
        var cfg = self
        cfg.estimator = .reparameterization
        return try cfg.withProblem(model) { raw in
            let np = bk_advi_size(raw)
            guard parameters.count == np else {
                throw BayesKitError.dimensionMismatch("\(parameters.count) variational parameters, the \(family.rawValue) family over \(model.dimension) has \(np)")
            }
            var mr = [Double](repeating: 0, count: np), vr = mr, ms = mr, vs = mr
            try check { bk_advi_gradient_variance(raw, parameters, seed, replicates, &mr, &vr, &ms, &vs, $0) }
            return ADVIGradientVariance(samples: samples, replicates: replicates, reparameterizationMean: mr,
                                        reparameterizationVariance: vr, scoreFunctionMean: ms, scoreFunctionVariance: vs)
        }
    }
}

/// The per-coordinate mean and variance of the two ADVI gradient estimators
/// at one point, over replicates sharing their draws.
public struct ADVIGradientVariance: Codable, Sendable, Equatable {
    public let samples: Int
    public let replicates: Int
    public let reparameterizationMean: [Double]
    public let reparameterizationVariance: [Double]
    public let scoreFunctionMean: [Double]
    public let scoreFunctionVariance: [Double]

    /// `Σ_i Var(ĝ_i)` of the reparameterization estimator.
    public var reparameterizationTotal: Double { reparameterizationVariance.reduce(0, +) }
    /// `Σ_i Var(ĝ_i)` of the score-function estimator.
    public var scoreFunctionTotal: Double { scoreFunctionVariance.reduce(0, +) }
    /// How many times larger the score-function variance is (total over coordinates).
    public var ratio: Double { scoreFunctionTotal / reparameterizationTotal }
}

/// A fitted ADVI Gaussian `q = N(μ, L Lᵀ)` with its ELBO history.
public struct ADVIResult: Codable, Sendable, Equatable {
    public let family: ADVI.Family
    /// Names of the target's parameters.
    public let names: [String]
    /// The variational parameters `φ` in C's layout (`include/bayeskit/advi.h`).
    public let parameters: [Double]
    /// The ELBO estimate at the start of every step.
    public let elbo: [Double]
    /// Wall time of the optimisation.
    public let seconds: Double
    public let method: ADVI
    public let seed: UInt64

    public var dimension: Int { names.count }

    /// `μ`.
    public var mean: [Double] { Array(parameters.prefix(dimension)) }

    /// `Σ = L Lᵀ` (`d × d`).
    public var covariance: Matrix {
        get throws {
            let d = dimension
            var cov = [Double](repeating: 0, count: d * d)
            try check { bk_advi_moments(family.code, d, max(method.rank, 0), parameters, nil, &cov, $0) }
            return try Matrix(rows: d, columns: d, values: cov)
        }
    }

    /// The marginal standard deviations `√Σ_ii`.
    public var standardDeviations: [Double] {
        get throws {
            let c = try covariance
            return (0..<dimension).map { c[$0, $0].squareRoot() }
        }
    }

    /// `count` draws from `q` (from stream 0 of `seed`), each `d` values.
    public func sample(_ count: Int, seed: UInt64 = 0) throws -> [[Double]] {
        guard count >= 0 else { throw BayesKitError.invalidArgument("number of draws must be >= 0, got \(count)") }
        let d = dimension
        let stream = try RandomStream(seed: seed, stream: 0)
        var out = [Double](repeating: 0, count: count * d)
        try check { bk_advi_sample(stream.raw, family.code, d, max(method.rank, 0), parameters, count, &out, $0) }
        return (0..<count).map { Array(out[$0 * d..<($0 + 1) * d]) }
    }

    /// The density of the marginal `q(θ_i)` at each point of `x`.
    public func marginalDensity(_ i: Int, at x: [Double]) throws -> [Double] {
        guard (0..<dimension).contains(i) else { throw BayesKitError.invalidArgument("no parameter \(i) among \(dimension)") }
        let s = try standardDeviations[i], m = mean[i]
        return x.map { exp(-0.5 * pow(($0 - m) / s, 2)) / (s * (2 * Double.pi).squareRoot()) }
    }
}
