internal import CBayesKit

/// The precision of a Gaussian prior on the coefficients: A₀ = αI or diag(a₁, …, a_M).
/// A zero precision is a flat (improper) prior on that coefficient: the
/// posterior is still defined when the data determine it, the evidence is not.
public enum PriorPrecision: Sendable, Equatable, Codable {
    /// A₀ = αI (PRML eq. 3.52).
    case isotropic(Double)
    /// A₀ = diag(values), one precision per coefficient (seed 004's
    /// per-coefficient prior scales: aⱼ = 1/σⱼ²).
    case perCoefficient([Double])

    /// The diagonal of A₀ for `count` coefficients, validated.
    func diagonal(_ count: Int) throws -> [Double] {
        switch self {
        case let .isotropic(alpha):
            guard alpha >= 0, alpha.isFinite else {
                throw BayesKitError.invalidArgument("alpha (prior precision) must be finite and >= 0, got \(formatNumber(alpha))")
            }
            return [Double](repeating: alpha, count: count)
        case let .perCoefficient(values):
            guard values.count == count else {
                throw BayesKitError.dimensionMismatch(
                    "the prior has \(values.count) precisions but the basis has \(count) functions")
            }
            if let j = values.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
                throw BayesKitError.invalidArgument(
                    "alpha (prior precision) must be finite and >= 0, got \(formatNumber(values[j])) for coefficient \(j)")
            }
            return values
        }
    }
}

/// The sufficient statistics of a data set for a linear-Gaussian model:
/// G = ΦᵀΦ, b = Φᵀy, yᵀy and n. Statistics of disjoint batches add, which is
/// why a sequential fit equals the batch fit.
public struct LinearStatistics: Sendable, Equatable, Codable {
    public let count: Int
    public let gram: Matrix
    public let phiTy: [Double]
    public let yTy: Double

    /// The statistics of both data sets together.
    public static func + (a: LinearStatistics, b: LinearStatistics) throws -> LinearStatistics {
        LinearStatistics(count: a.count + b.count, gram: try a.gram + b.gram,
                         phiTy: zip(a.phiTy, b.phiTy).map(+), yTy: a.yTy + b.yTy)
    }

    /// Statistics of (x, y) under `map`, computed in C block by block
    /// (`bk_linear_suffstats`, OpenMP over fixed row chunks; identical for every thread count).
    static func compute(_ map: FeatureMap, _ x: Matrix, _ y: [Double], threads: Int?) throws -> LinearStatistics {
        try checkData(x, y)
        try map.requireInputs(x)
        let nthreads = try threadArgument(threads)
        let m = map.count
        // A custom map is evaluated in Swift first; the C kernel then sees Φ as raw features.
        let input = map.isCustom ? try map.design(x).values : x.values
        var gram = [Double](repeating: 0, count: m * m)
        var phiTy = [Double](repeating: 0, count: m)
        var yy = 0.0
        try map.withBasis { basis in
            try input.withUnsafeBufferPointer { xb in
                try y.withUnsafeBufferPointer { yb in
                    try gram.withUnsafeMutableBufferPointer { g in
                        try phiTy.withUnsafeMutableBufferPointer { b in
                            try check {
                                bk_linear_suffstats(basis, y.count, xb.baseAddress, yb.baseAddress, g.baseAddress,
                                                    b.baseAddress, &yy, nthreads, $0)
                            }
                        }
                    }
                }
            }
        }
        return LinearStatistics(count: y.count, gram: Matrix(unchecked: m, m, gram), phiTy: phiTy, yTy: yy)
    }

    /// Empty data, mismatched lengths and non-finite values, named.
    static func checkData(_ x: Matrix, _ y: [Double]) throws {
        guard x.rows > 0 || !y.isEmpty else { throw BayesKitError.invalidArgument("no data: x and y are empty") }
        guard x.rows == y.count else {
            throw BayesKitError.dimensionMismatch("x has \(x.rows) rows but y has \(y.count) values")
        }
        if let k = x.values.firstIndex(where: { !$0.isFinite }) {
            throw FeatureMap.nonFiniteInput(x, k / x.columns, k % x.columns)
        }
        if let i = y.firstIndex(where: { !$0.isFinite }) {
            throw BayesKitError.nonFinite("y contains a non-finite value (\(formatNumber(y[i]))) at index \(i)")
        }
    }
}

/// Bayesian linear regression with a Gaussian prior and Gaussian noise
/// (Bishop 2006, PRML §3.3): `y = wᵀφ(x) + ε`, ε ~ N(0, β⁻¹),
/// w ~ N(m₀, A₀⁻¹). The posterior is Gaussian with
///
///     S_N⁻¹ = A₀ + β ΦᵀΦ,    m_N = S_N (A₀ m₀ + β Φᵀy)      (PRML 3.50–3.51)
///
/// computed from the Cholesky factor of the precision S_N⁻¹ (never an
/// explicit inverse). Defaults are seed 000's: `[1, x]`, α = 1, β = 1/0.1² = 100.
///
///     let post = try BayesianLinearRegression(basis: .affine, alpha: 1, beta: 100).fit(x, y)
///     let pred = try post.predict(grid)   // mean, epistemic and aleatoric sd
public struct BayesianLinearRegression: Sendable {
    public var basis: BasisFunction
    /// A₀, the prior precision.
    public var priorPrecision: PriorPrecision
    /// m₀, the prior mean; `nil` is the zero vector.
    public var priorMean: [Double]?
    /// β = 1/σ², the noise precision (> 0).
    public var beta: Double

    /// Isotropic prior N(m₀, α⁻¹ I); `alpha = 0` is a flat prior (least squares).
    public init(basis: BasisFunction = .affine, alpha: Double = 1, beta: Double = 100, priorMean: [Double]? = nil) {
        self.init(basis: basis, priorPrecision: .isotropic(alpha), beta: beta, priorMean: priorMean)
    }

    public init(basis: BasisFunction, priorPrecision: PriorPrecision, beta: Double, priorMean: [Double]? = nil) {
        self.basis = basis
        self.priorPrecision = priorPrecision
        self.beta = beta
        self.priorMean = priorMean
    }

    /// The posterior after observing 1-D inputs `x` and targets `y`.
    /// `threads: nil` uses ``BayesKitLibrary/threadCount``; the result does not depend on it.
    public func fit(_ x: [Double], _ y: [Double], threads: Int? = nil) throws -> LinearPosterior {
        try fit(columnMatrix(x), y, threads: threads)
    }

    /// The posterior after observing inputs `x` (n × d) and targets `y`.
    public func fit(_ x: Matrix, _ y: [Double], threads: Int? = nil) throws -> LinearPosterior {
        try LinearStatistics.checkData(x, y)
        let map = try basis.resolve(on: x)
        let prior = try resolvedPrior(map.count)
        try Self.checkIdentifiable(count: y.count, prior: prior.precision)
        let stats = try LinearStatistics.compute(map, x, y, threads: threads)
        return try LinearPosterior(featureMap: map, priorMean: prior.mean, priorPrecision: prior.precision, beta: beta,
                                   statistics: stats)
    }

    /// The validated prior (m₀, diag A₀) and β for `count` coefficients.
    func resolvedPrior(_ count: Int) throws -> (mean: [Double], precision: [Double]) {
        try Self.checkBeta(beta)
        let precision = try priorPrecision.diagonal(count)
        let mean = priorMean ?? [Double](repeating: 0, count: count)
        guard mean.count == count else {
            throw BayesKitError.dimensionMismatch("the prior mean has \(mean.count) entries but the basis has \(count) functions")
        }
        try requireFinite(mean, "the prior mean")
        return (mean, precision)
    }

    static func checkBeta(_ beta: Double) throws {
        guard beta > 0, beta.isFinite else {
            throw BayesKitError.invalidArgument("beta (noise precision) must be finite and > 0, got \(formatNumber(beta))")
        }
    }

    /// With a flat prior on some coefficient, fewer points than coefficients can never determine them.
    static func checkIdentifiable(count n: Int, prior: [Double]) throws {
        if n < prior.count, prior.contains(0) {
            throw BayesKitError.invalidArgument(
                "\(n) data points cannot determine \(prior.count) basis functions without a prior (alpha = 0); "
                    + "use alpha > 0 or fewer basis functions")
        }
    }
}
