internal import CBayesKit

/// How bootstrap data sets are drawn (Efron & Tibshirani 1993, §9.4–9.5).
public enum BootstrapScheme: String, Sendable, Codable, CaseIterable {
    /// Resample the (xᵢ, yᵢ) pairs with replacement.
    case cases
    /// Keep the design; y* = Φŵ + e*, e* drawn with replacement from the
    /// centred residuals of the full-data fit.
    case residuals
}

/// The bootstrap distribution of least-squares or ridge coefficients
/// (seed 004: "bootstrap combined with maximum likelihood gives the
/// distribution of the coefficients", 100 resamples):
///
///     ŵ(D) = (ΦᵀΦ + diag(λ))⁻¹ Φᵀy
///
/// Resample b uses random stream b of ``seed`` only, so the draws are the
/// same for every thread count (C, OpenMP over resamples). With λ = α/β the
/// full-data estimate equals the Bayesian posterior mean m_N.
public struct LinearBootstrap: Sendable {
    public var basis: BasisFunction
    public var scheme: BootstrapScheme
    /// B, the number of resamples.
    public var resamples: Int
    /// λ: `.isotropic(0)` is least squares; per-coefficient values allowed.
    public var ridge: PriorPrecision
    public var seed: UInt64

    public init(basis: BasisFunction = .affine, scheme: BootstrapScheme = .cases, resamples: Int = 100,
                ridge: PriorPrecision = .isotropic(0), seed: UInt64 = 0) {
        self.basis = basis
        self.scheme = scheme
        self.resamples = resamples
        self.ridge = ridge
        self.seed = seed
    }

    public func run(_ x: [Double], _ y: [Double], threads: Int? = nil) throws -> BootstrapResult {
        try run(columnMatrix(x), y, threads: threads)
    }

    public func run(_ x: Matrix, _ y: [Double], threads: Int? = nil) throws -> BootstrapResult {
        guard resamples >= 1 else {
            throw BayesKitError.invalidArgument("number of bootstrap resamples must be >= 1, got \(resamples)")
        }
        try LinearStatistics.checkData(x, y)
        let map = try basis.resolve(on: x)
        let m = map.count
        let penalty: [Double]
        do { penalty = try ridge.diagonal(m) } catch let e as BayesKitError {
            throw BayesKitError(e.code, e.message.replacingOccurrences(of: "alpha (prior precision)", with: "ridge penalty"))
        }
        try BayesianLinearRegression.checkIdentifiable(count: y.count, prior: penalty)
        let phi = try map.design(x)
        let nthreads = try threadArgument(threads)
        var estimate = [Double](repeating: 0, count: m)
        var draws = [Double](repeating: 0, count: resamples * m)
        try phi.values.withUnsafeBufferPointer { p in
            try estimate.withUnsafeMutableBufferPointer { e in
                try draws.withUnsafeMutableBufferPointer { d in
                    try check {
                        bk_linear_bootstrap(seed, Int32(scheme == .cases ? BK_BOOTSTRAP_CASES.rawValue : BK_BOOTSTRAP_RESIDUALS.rawValue),
                                            y.count, m, p.baseAddress, y, penalty, resamples, e.baseAddress,
                                            d.baseAddress, nthreads, $0)
                    }
                }
            }
        }
        return BootstrapResult(names: map.names, scheme: scheme, seed: seed, estimate: estimate,
                               draws: Matrix(unchecked: resamples, m, draws))
    }
}

/// Bootstrap draws of the coefficients and their summaries.
public struct BootstrapResult: Sendable, Codable, Equatable {
    public let names: [String]
    public let scheme: BootstrapScheme
    public let seed: UInt64
    /// ŵ on the full data.
    public let estimate: [Double]
    /// B × M: row b is ŵ on resample b.
    public let draws: Matrix

    /// Bootstrap standard errors: the sample sd (B − 1 denominator) of each column.
    public var standardErrors: [Double] {
        (0..<draws.columns).map { j in
            let c = draws.column(j)
            let mu = c.reduce(0, +) / Double(c.count)
            return c.count > 1 ? (c.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(c.count - 1)).squareRoot() : 0
        }
    }

    /// Percentile intervals [q_{(1−level)/2}, q_{(1+level)/2}] of each
    /// coefficient's draws (Efron & Tibshirani 1993, §13.3), quantiles by
    /// linear interpolation between order statistics (NumPy's default).
    public func percentileIntervals(level: Double = 0.9) throws -> [ClosedRange<Double>] {
        guard level > 0, level < 1 else {
            throw BayesKitError.invalidArgument("interval level must be in (0, 1), got \(formatNumber(level))")
        }
        return (0..<draws.columns).map { j in
            let s = draws.column(j).sorted()
            return quantileSorted(s, (1 - level) / 2)...quantileSorted(s, (1 + level) / 2)
        }
    }
}

/// The q-quantile of sorted values, linear interpolation at (n − 1)q.
func quantileSorted(_ s: [Double], _ q: Double) -> Double {
    let h = Double(s.count - 1) * q
    let lo = Int(h.rounded(.down)), hi = min(lo + 1, s.count - 1)
    return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
}

/// Bootstrap and Bayesian intervals per coefficient, side by side
/// (issue 5's comparison table and figure).
public struct IntervalComparison: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        public let name: String
        public let bootstrapEstimate: Double
        public let bootstrapStandardError: Double
        public let bootstrapLower: Double
        public let bootstrapUpper: Double
        public let posteriorMean: Double
        public let posteriorSD: Double
        public let posteriorLower: Double
        public let posteriorUpper: Double
    }

    /// The central probability of every interval.
    public let level: Double
    public let rows: [Row]

    /// Percentile intervals of `bootstrap` against central posterior
    /// intervals m_N ± z·sd of `posterior`, for the same basis.
    public init(bootstrap: BootstrapResult, posterior: LinearPosterior, level: Double = 0.9) throws {
        guard bootstrap.estimate.count == posterior.coefficientCount else {
            throw BayesKitError.dimensionMismatch(
                "the bootstrap has \(bootstrap.estimate.count) coefficients but the posterior has \(posterior.coefficientCount)")
        }
        let boot = try bootstrap.percentileIntervals(level: level)
        let bayes = try posterior.credibleIntervals(level: level)
        let se = bootstrap.standardErrors, sd = posterior.standardDeviations
        self.level = level
        rows = (0..<boot.count).map { j in
            Row(name: bootstrap.names[j], bootstrapEstimate: bootstrap.estimate[j], bootstrapStandardError: se[j],
                bootstrapLower: boot[j].lowerBound, bootstrapUpper: boot[j].upperBound, posteriorMean: posterior.mean[j],
                posteriorSD: sd[j], posteriorLower: bayes[j].lowerBound, posteriorUpper: bayes[j].upperBound)
        }
    }
}
