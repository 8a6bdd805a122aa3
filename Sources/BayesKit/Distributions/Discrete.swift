internal import CBayesKit

// Distributions on the non-negative integers; draws are returned as `Double`.

/// The Bernoulli distribution: P(X = 1) = p, P(X = 0) = 1 - p.
public struct Bernoulli: DiscreteDistribution, Hashable {
    /// Success probability in [0, 1].
    public let p: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(p: Double) throws {
        core = try DistributionCore(BK_DIST_BERNOULLI, [p])
        self.p = p
    }

    public var mean: Double { core.mean }
    public var variance: Double { core.variance }
    public func logDensity(_ x: Double) -> Double { core.logDensity(x) }
    public func logDensity(_ xs: [Double]) -> [Double] { core.logDensity(xs) }
    public func cdf(_ x: Double) -> Double { core.cdf(x) }
    public func sample(_ count: Int, using stream: RandomStream) throws -> [Double] {
        try core.sample(count, using: stream)
    }
}

/// The binomial distribution: `P(X = k) = C(n, k) p^k (1-p)^{n-k}`, k = 0…n.
public struct Binomial: DiscreteDistribution, Hashable {
    /// Number of trials, 0 ≤ n ≤ 2³² - 1.
    public let n: Int
    /// Success probability in [0, 1].
    public let p: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(n: Int, p: Double) throws {
        core = try DistributionCore(BK_DIST_BINOMIAL, [Double(n), p])
        self.n = n
        self.p = p
    }

    public var mean: Double { core.mean }
    public var variance: Double { core.variance }
    public func logDensity(_ x: Double) -> Double { core.logDensity(x) }
    public func logDensity(_ xs: [Double]) -> [Double] { core.logDensity(xs) }
    public func cdf(_ x: Double) -> Double { core.cdf(x) }
    public func sample(_ count: Int, using stream: RandomStream) throws -> [Double] {
        try core.sample(count, using: stream)
    }
}

/// The Poisson distribution: `P(X = k) = λ^k e^{-λ} / k!`, k = 0, 1, ….
public struct Poisson: DiscreteDistribution, Hashable {
    /// Rate λ > 0, the mean. Sampling needs λ ≤ 10⁹.
    public let rate: Double
    let core: DistributionCore

    /// Throws ``BayesKitError`` (`.invalidArgument`) naming the first invalid parameter.
    public init(rate: Double) throws {
        core = try DistributionCore(BK_DIST_POISSON, [rate])
        self.rate = rate
    }

    public var mean: Double { core.mean }
    public var variance: Double { core.variance }
    public func logDensity(_ x: Double) -> Double { core.logDensity(x) }
    public func logDensity(_ xs: [Double]) -> [Double] { core.logDensity(xs) }
    public func cdf(_ x: Double) -> Double { core.cdf(x) }
    public func sample(_ count: Int, using stream: RandomStream) throws -> [Double] {
        try core.sample(count, using: stream)
    }
}
