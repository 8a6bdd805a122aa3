internal import CBayesKit

/// A probability distribution on the real line (or on the integers, for the
/// discrete families, whose values are returned as `Double`).
///
/// Conventions shared by every BayesKit distribution:
/// - parameters are validated when the value is built: an invalid one throws
///   ``BayesKitError/Code/invalidArgument`` with a message naming the family,
///   the parameter and the value ("Normal sd must be positive and finite, got -1");
/// - `logDensity(_:)` is the log density (log probability mass for
///   the discrete families); it is `-inf` outside the support and NaN at NaN;
/// - a moment that does not exist is `Double.nan` (the Cauchy mean); a moment
///   whose integral diverges is `+inf` (the Half-Cauchy mean, the Student-t
///   variance for 1 < ν ≤ 2).
public protocol UnivariateDistribution: Sendable {
    /// The log density (log pmf for discrete families) at `x`.
    func logDensity(_ x: Double) -> Double
    /// The log density at every element of `xs`.
    func logDensity(_ xs: [Double]) -> [Double]
    /// E[X]: NaN when undefined, `+inf` when it diverges.
    var mean: Double { get }
    /// Var[X]: NaN when undefined, `+inf` when it diverges.
    var variance: Double { get }
    /// `count` independent draws from `stream`.
    func sample(_ count: Int, using stream: RandomStream) throws -> [Double]
}

/// A continuous distribution whose CDF and quantile function BayesKit provides
/// (GSL's `gsl_cdf_*`, or closed forms).
public protocol ContinuousDistribution: UnivariateDistribution {
    /// P(X ≤ x).
    func cdf(_ x: Double) -> Double
    /// The `p`-quantile, `inf{x : P(X ≤ x) ≥ p}`; throws unless `0 ≤ p ≤ 1`.
    func quantile(_ p: Double) throws -> Double
}

/// A distribution on the non-negative integers (values returned as `Double`).
public protocol DiscreteDistribution: UnivariateDistribution {
    /// P(X ≤ x).
    func cdf(_ x: Double) -> Double
}

extension UnivariateDistribution {
    /// √Var[X].
    public var standardDeviation: Double { variance.squareRoot() }

    /// Elementwise `logDensity(_:)`; BayesKit's own families
    /// override this with one call into the C core.
    public func logDensity(_ xs: [Double]) -> [Double] { xs.map { logDensity($0) } }
}

/// Throws unless `count >= 0`.
func requireSampleCount(_ count: Int) throws {
    guard count >= 0 else { throw BayesKitError.invalidArgument("sample count must be >= 0, got \(count)") }
}

/// A validated univariate distribution of the C core (`bk_dist`): every
/// public family stores one and forwards to it.
struct DistributionCore: Hashable, Sendable {
    let kind: Int32
    let p0: Double
    let p1: Double
    let p2: Double

    init(_ kind: bk_dist_kind, _ params: [Double]) throws {
        var d = bk_dist()
        try params.withUnsafeBufferPointer { b in
            try check { bk_dist_init(&d, Int32(kind.rawValue), b.baseAddress, b.count, $0) }
        }
        self.kind = Int32(d.kind)
        (p0, p1, p2) = d.p
    }

    private var raw: bk_dist { bk_dist(kind: kind, p: (p0, p1, p2)) }

    func logDensity(_ x: Double) -> Double {
        var d = raw
        return bk_dist_logpdf(&d, x)
    }

    func logDensity(_ xs: [Double]) -> [Double] {
        var d = raw
        return [Double](unsafeUninitializedCapacity: xs.count) { out, n in
            let status = xs.withUnsafeBufferPointer { bk_dist_logpdf_array(&d, xs.count, $0.baseAddress, out.baseAddress, nil) }
            // Cannot fail for a validated distribution and matching buffers;
            // fill with NaN rather than trap if that invariant ever breaks.
            if status != 0 { for i in 0..<xs.count { out[i] = .nan } }
            n = xs.count
        }
    }

    var mean: Double {
        var d = raw
        return bk_dist_mean(&d)
    }

    var variance: Double {
        var d = raw
        return bk_dist_variance(&d)
    }

    func cdf(_ x: Double) -> Double {
        var d = raw
        var out = Double.nan
        _ = bk_dist_cdf(&d, x, &out, nil)
        return out
    }

    func quantile(_ p: Double) throws -> Double {
        var d = raw
        var out = Double.nan
        try check { bk_dist_quantile(&d, p, &out, $0) }
        return out
    }

    func sample(_ count: Int, using stream: RandomStream) throws -> [Double] {
        try requireSampleCount(count)
        var d = raw
        var out = [Double](repeating: 0, count: count)
        try out.withUnsafeMutableBufferPointer { b in
            try check { bk_dist_sample(stream.raw, &d, count, b.baseAddress, $0) }
        }
        return out
    }
}
