internal import CBayesKit

// Distributions on the positive half-line or the unit interval.

/// The log-normal distribution, log X ~ N(μ, σ²):
/// `p(x) = exp(-(log x - μ)²/(2σ²)) / (x σ √(2π))` for x > 0.
/// Mean `exp(μ + σ²/2)`, variance `(exp(σ²) - 1) exp(2μ + σ²)`.
public struct LogNormal: ContinuousDistribution, Hashable {
    /// Mean of log X (finite).
    public let mu: Double
    /// Standard deviation of log X, σ > 0.
    public let sigma: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(mu: Double, sigma: Double) throws {
        core = try DistributionCore(BK_DIST_LOGNORMAL, [mu, sigma])
        self.mu = mu
        self.sigma = sigma
    }

    public var mean: Double { core.mean }
    public var variance: Double { core.variance }
    public func logDensity(_ x: Double) -> Double { core.logDensity(x) }
    public func logDensity(_ xs: [Double]) -> [Double] { core.logDensity(xs) }
    public func cdf(_ x: Double) -> Double { core.cdf(x) }
    public func quantile(_ p: Double) throws -> Double { try core.quantile(p) }
    public func sample(_ count: Int, using stream: RandomStream) throws -> [Double] {
        try core.sample(count, using: stream)
    }
}

/// The gamma distribution with shape α and **rate** β:
/// `p(x) = β^α/Γ(α) x^{α-1} e^{-βx}` for x ≥ 0, mean α/β, variance α/β².
/// ``init(shape:scale:)`` takes the scale θ = 1/β instead (NumPy's and
/// GSL's convention). Sampling: Marsaglia & Tsang (2000).
public struct Gamma: ContinuousDistribution, Hashable {
    /// Shape α > 0.
    public let shape: Double
    /// Rate β > 0 (the inverse scale).
    public let rate: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(shape: Double, rate: Double) throws {
        core = try DistributionCore(BK_DIST_GAMMA, [shape, rate])
        self.shape = shape
        self.rate = rate
    }

    /// Gamma with shape α and scale θ = 1/β: `p(x) = x^{α-1} e^{-x/θ} / (Γ(α) θ^α)`.
    public init(shape: Double, scale: Double) throws {
        _ = try DistributionCore(BK_DIST_GAMMA, [shape, 1])  // report a bad shape first
        try check { bk_check_positive("Gamma scale", scale, $0) }
        let rate = 1 / scale
        guard rate.isFinite else {
            throw BayesKitError.invalidArgument("Gamma scale is too small to invert, got \(scale)")
        }
        try self.init(shape: shape, rate: rate)
    }

    /// The scale θ = 1/β.
    public var scale: Double { 1 / rate }

    public var mean: Double { core.mean }
    public var variance: Double { core.variance }
    public func logDensity(_ x: Double) -> Double { core.logDensity(x) }
    public func logDensity(_ xs: [Double]) -> [Double] { core.logDensity(xs) }
    public func cdf(_ x: Double) -> Double { core.cdf(x) }
    public func quantile(_ p: Double) throws -> Double { try core.quantile(p) }
    public func sample(_ count: Int, using stream: RandomStream) throws -> [Double] {
        try core.sample(count, using: stream)
    }
}

/// The inverse-gamma distribution, 1/X ~ Gamma(α, rate β):
/// `p(x) = β^α/Γ(α) x^{-α-1} e^{-β/x}` for x > 0. Mean β/(α-1) for α > 1
/// (`+inf` otherwise); variance β²/((α-1)²(α-2)) for α > 2, `+inf` for
/// 1 < α ≤ 2, NaN for α ≤ 1.
public struct InverseGamma: ContinuousDistribution, Hashable {
    /// Shape α > 0.
    public let shape: Double
    /// Scale β > 0.
    public let scale: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(shape: Double, scale: Double) throws {
        core = try DistributionCore(BK_DIST_INVGAMMA, [shape, scale])
        self.shape = shape
        self.scale = scale
    }

    public var mean: Double { core.mean }
    public var variance: Double { core.variance }
    public func logDensity(_ x: Double) -> Double { core.logDensity(x) }
    public func logDensity(_ xs: [Double]) -> [Double] { core.logDensity(xs) }
    public func cdf(_ x: Double) -> Double { core.cdf(x) }
    public func quantile(_ p: Double) throws -> Double { try core.quantile(p) }
    public func sample(_ count: Int, using stream: RandomStream) throws -> [Double] {
        try core.sample(count, using: stream)
    }
}

/// The exponential distribution with rate λ: `p(x) = λ e^{-λx}` for x ≥ 0.
public struct Exponential: ContinuousDistribution, Hashable {
    /// Rate λ > 0 (the inverse mean).
    public let rate: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(rate: Double) throws {
        core = try DistributionCore(BK_DIST_EXPONENTIAL, [rate])
        self.rate = rate
    }

    public var mean: Double { core.mean }
    public var variance: Double { core.variance }
    public func logDensity(_ x: Double) -> Double { core.logDensity(x) }
    public func logDensity(_ xs: [Double]) -> [Double] { core.logDensity(xs) }
    public func cdf(_ x: Double) -> Double { core.cdf(x) }
    public func quantile(_ p: Double) throws -> Double { try core.quantile(p) }
    public func sample(_ count: Int, using stream: RandomStream) throws -> [Double] {
        try core.sample(count, using: stream)
    }
}

/// The beta distribution on [0, 1]: `p(x) = x^{α-1} (1-x)^{β-1} / B(α, β)`.
public struct Beta: ContinuousDistribution, Hashable {
    /// First shape α > 0.
    public let alpha: Double
    /// Second shape β > 0.
    public let beta: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(alpha: Double, beta: Double) throws {
        core = try DistributionCore(BK_DIST_BETA, [alpha, beta])
        self.alpha = alpha
        self.beta = beta
    }

    public var mean: Double { core.mean }
    public var variance: Double { core.variance }
    public func logDensity(_ x: Double) -> Double { core.logDensity(x) }
    public func logDensity(_ xs: [Double]) -> [Double] { core.logDensity(xs) }
    public func cdf(_ x: Double) -> Double { core.cdf(x) }
    public func quantile(_ p: Double) throws -> Double { try core.quantile(p) }
    public func sample(_ count: Int, using stream: RandomStream) throws -> [Double] {
        try core.sample(count, using: stream)
    }
}

/// The half-normal distribution |N(0, σ²)|: `p(x) = √(2/π)/σ · exp(-x²/(2σ²))`
/// for x ≥ 0; mean σ√(2/π), variance σ²(1 - 2/π). A common prior for scales.
public struct HalfNormal: ContinuousDistribution, Hashable {
    /// Scale σ > 0 of the underlying normal.
    public let scale: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(scale: Double = 1) throws {
        core = try DistributionCore(BK_DIST_HALFNORMAL, [scale])
        self.scale = scale
    }

    public var mean: Double { core.mean }
    public var variance: Double { core.variance }
    public func logDensity(_ x: Double) -> Double { core.logDensity(x) }
    public func logDensity(_ xs: [Double]) -> [Double] { core.logDensity(xs) }
    public func cdf(_ x: Double) -> Double { core.cdf(x) }
    public func quantile(_ p: Double) throws -> Double { try core.quantile(p) }
    public func sample(_ count: Int, using stream: RandomStream) throws -> [Double] {
        try core.sample(count, using: stream)
    }
}

/// The half-Cauchy distribution |Cauchy(0, s)|: `p(x) = 2 / (π s (1 + (x/s)²))`
/// for x ≥ 0 (Gelman 2006's prior for hierarchical scales). Its mean and
/// variance diverge: both are `+inf`.
public struct HalfCauchy: ContinuousDistribution, Hashable {
    /// Scale s > 0 (the median).
    public let scale: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(scale: Double = 1) throws {
        core = try DistributionCore(BK_DIST_HALFCAUCHY, [scale])
        self.scale = scale
    }

    public var mean: Double { core.mean }
    public var variance: Double { core.variance }
    public func logDensity(_ x: Double) -> Double { core.logDensity(x) }
    public func logDensity(_ xs: [Double]) -> [Double] { core.logDensity(xs) }
    public func cdf(_ x: Double) -> Double { core.cdf(x) }
    public func quantile(_ p: Double) throws -> Double { try core.quantile(p) }
    public func sample(_ count: Int, using stream: RandomStream) throws -> [Double] {
        try core.sample(count, using: stream)
    }
}
