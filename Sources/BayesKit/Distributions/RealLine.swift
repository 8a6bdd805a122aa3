internal import CBayesKit

// Distributions on the whole real line.

/// The normal distribution N(μ, σ²):
/// `p(x) = exp(-(x-μ)²/(2σ²)) / (σ √(2π))`. Sampling uses GSL's ziggurat
/// (Marsaglia & Tsang 2000).
public struct Normal: ContinuousDistribution, Hashable {
    /// The mean μ (finite).
    public let mean: Double
    /// The standard deviation σ > 0.
    public let sd: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(mean: Double = 0, sd: Double = 1) throws {
        core = try DistributionCore(BK_DIST_NORMAL, [mean, sd])
        self.mean = mean
        self.sd = sd
    }

    public var variance: Double { core.variance }
    public func logDensity(_ x: Double) -> Double { core.logDensity(x) }
    public func logDensity(_ xs: [Double]) -> [Double] { core.logDensity(xs) }
    public func cdf(_ x: Double) -> Double { core.cdf(x) }
    public func quantile(_ p: Double) throws -> Double { try core.quantile(p) }
    public func sample(_ count: Int, using stream: RandomStream) throws -> [Double] {
        try core.sample(count, using: stream)
    }
}

/// Student's t with ν degrees of freedom, location and scale: X = loc + s·T,
/// `p(x) = Γ((ν+1)/2) / (Γ(ν/2) √(νπ) s) · (1 + z²/ν)^{-(ν+1)/2}`, z = (x - loc)/s.
/// Mean `loc` for ν > 1 (NaN otherwise); variance `s² ν/(ν-2)` for ν > 2,
/// `+inf` for 1 < ν ≤ 2, NaN for ν ≤ 1.
public struct StudentT: ContinuousDistribution, Hashable {
    /// Degrees of freedom ν > 0.
    public let nu: Double
    /// Location (finite).
    public let loc: Double
    /// Scale s > 0.
    public let scale: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(nu: Double, loc: Double = 0, scale: Double = 1) throws {
        core = try DistributionCore(BK_DIST_STUDENT_T, [nu, loc, scale])
        self.nu = nu
        self.loc = loc
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

/// The Cauchy distribution: `p(x) = 1 / (π s (1 + ((x - loc)/s)²))`.
/// Its mean and variance do not exist: ``mean`` and ``variance`` are
/// `Double.nan`. Use ``quantile(_:)`` (median `loc`, quartiles `loc ± s`).
public struct Cauchy: ContinuousDistribution, Hashable {
    /// Location (the median, finite).
    public let loc: Double
    /// Scale s > 0 (half the interquartile range).
    public let scale: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(loc: Double = 0, scale: Double = 1) throws {
        core = try DistributionCore(BK_DIST_CAUCHY, [loc, scale])
        self.loc = loc
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

/// The continuous uniform distribution on [a, b]: `p(x) = 1/(b - a)`.
public struct Uniform: ContinuousDistribution, Hashable {
    /// Lower end a (finite).
    public let low: Double
    /// Upper end b > a (finite).
    public let high: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(low: Double = 0, high: Double = 1) throws {
        core = try DistributionCore(BK_DIST_UNIFORM, [low, high])
        self.low = low
        self.high = high
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
