internal import CBayesKit
import Foundation

/// The Gaussian posterior N(m_N, S_N) of a ``BayesianLinearRegression``,
/// held as the mean and the lower Cholesky factor L of the precision
/// S_N⁻¹ = L Lᵀ (PRML 3.50–3.51). It keeps the prior and the data's
/// ``LinearStatistics``, so it can be updated with more data and can report
/// the evidence.
public struct LinearPosterior: Sendable {
    /// The feature map fixed when the model was first fitted.
    public let featureMap: FeatureMap
    /// m₀ and diag(A₀).
    public let priorMean: [Double]
    public let priorPrecision: [Double]
    /// β, the noise precision.
    public let beta: Double
    /// ΦᵀΦ, Φᵀy, yᵀy and n of all data seen so far.
    public let statistics: LinearStatistics
    /// m_N, the posterior mean.
    public let mean: [Double]
    /// L with S_N⁻¹ = A₀ + βΦᵀΦ = L Lᵀ (lower triangular).
    public let precisionFactor: Matrix

    init(featureMap: FeatureMap, priorMean: [Double], priorPrecision: [Double], beta: Double,
         statistics: LinearStatistics) throws {
        let m = featureMap.count
        var chol = [Double](repeating: 0, count: m * m)
        var mean = [Double](repeating: 0, count: m)
        try statistics.gram.values.withUnsafeBufferPointer { g in
            try chol.withUnsafeMutableBufferPointer { l in
                try mean.withUnsafeMutableBufferPointer { w in
                    try check {
                        bk_linear_posterior(m, g.baseAddress, statistics.phiTy, priorMean, priorPrecision, beta,
                                            l.baseAddress, w.baseAddress, $0)
                    }
                }
            }
        }
        self.featureMap = featureMap
        self.priorMean = priorMean
        self.priorPrecision = priorPrecision
        self.beta = beta
        self.statistics = statistics
        self.mean = mean
        self.precisionFactor = Matrix(unchecked: m, m, chol)
    }

    /// M, the number of coefficients.
    public var coefficientCount: Int { mean.count }

    /// Feature names, one per coefficient.
    public var names: [String] { featureMap.names }

    /// S_N⁻¹ = L Lᵀ.
    public var precision: Matrix { (try? precisionFactor.matmul(precisionFactor.transposed)) ?? precisionFactor }

    /// S_N = L⁻ᵀ L⁻¹, formed from the factor by two triangular solves.
    public var covariance: Matrix {
        let m = coefficientCount
        var s = [Double](repeating: 0, count: m * m)
        for i in 0..<m { s[i * m + i] = 1 }
        precisionFactor.values.withUnsafeBufferPointer { l in
            s.withUnsafeMutableBufferPointer { b in _ = bk_cholesky_solve(m, l.baseAddress, m, b.baseAddress, nil) }
        }
        return Matrix(unchecked: m, m, s)
    }

    /// Posterior standard deviations √(S_N)ⱼⱼ.
    public var standardDeviations: [Double] { covariance.diagonal.map { $0.squareRoot() } }

    /// The marginal posterior N(m_Nⱼ, (S_N)ⱼⱼ) of each coefficient.
    public func marginals() throws -> [Normal] {
        try zip(mean, standardDeviations).map { try Normal(mean: $0, sd: $1) }
    }

    /// The joint posterior as a ``MultivariateNormal``.
    public func distribution() throws -> MultivariateNormal { try MultivariateNormal(mean: mean, covariance: covariance) }

    /// Predictive distribution at 1-D inputs (PRML 3.58–3.59).
    public func predict(_ x: [Double], threads: Int? = nil) throws -> LinearPrediction {
        try predict(columnMatrix(x), threads: threads)
    }

    /// Predictive distribution N(m_Nᵀφ(x), β⁻¹ + φ(x)ᵀS_Nφ(x)) at the rows
    /// of `x` (PRML 3.58–3.59), its variance split into the epistemic part
    /// φᵀS_Nφ = |L⁻¹φ|² and the aleatoric part 1/β. Parallel over rows (C, OpenMP).
    public func predict(_ x: Matrix, threads: Int? = nil) throws -> LinearPrediction {
        try featureMap.requireInputs(x)
        if let k = x.values.firstIndex(where: { !$0.isFinite }) {
            throw FeatureMap.nonFiniteInput(x, k / x.columns, k % x.columns)
        }
        let nthreads = try threadArgument(threads)
        let input = featureMap.isCustom ? try featureMap.design(x).values : x.values
        let m = coefficientCount, n = x.rows
        var mu = [Double](repeating: 0, count: n)
        var epi = [Double](repeating: 0, count: n)
        try featureMap.withBasis { basis in
            try input.withUnsafeBufferPointer { xb in
                try precisionFactor.values.withUnsafeBufferPointer { l in
                    try mu.withUnsafeMutableBufferPointer { mb in
                        try epi.withUnsafeMutableBufferPointer { eb in
                            try check {
                                bk_linear_predict(basis, m, l.baseAddress, mean, n, xb.baseAddress, mb.baseAddress,
                                                  eb.baseAddress, nthreads, $0)
                            }
                        }
                    }
                }
            }
        }
        return LinearPrediction(mean: mu, epistemicVariance: epi, aleatoricVariance: 1 / beta)
    }

    /// `count` weight vectors w = m_N + L⁻ᵀz, z ~ N(0, I), as the rows of a count × M matrix.
    public func sampleWeights(_ count: Int, using stream: RandomStream) throws -> Matrix {
        try requireSampleCount(count)
        let m = coefficientCount
        var out = [Double](repeating: 0, count: count * m)
        try precisionFactor.values.withUnsafeBufferPointer { l in
            try out.withUnsafeMutableBufferPointer { o in
                try check { bk_linear_sample_weights(stream.raw, m, l.baseAddress, mean, count, o.baseAddress, $0) }
            }
        }
        return Matrix(unchecked: count, m, out)
    }

    /// `count` functions f(x) = wᵀφ(x) with w drawn from the posterior,
    /// evaluated at 1-D inputs: a count × n matrix, one function per row.
    public func sampleFunctions(_ count: Int, at x: [Double], using stream: RandomStream) throws -> Matrix {
        try sampleFunctions(count, at: columnMatrix(x), using: stream)
    }

    /// ``sampleFunctions(_:at:using:)`` at the rows of `x`.
    public func sampleFunctions(_ count: Int, at x: Matrix, using stream: RandomStream) throws -> Matrix {
        let w = try sampleWeights(count, using: stream)
        return try w.matmul(try featureMap.design(x).transposed)
    }

    /// The density of the 2-D marginal posterior of coefficients (`i`, `j`)
    /// on the grid `first × second` (seed 001's weight-posterior image):
    /// element (r, c) is p(wᵢ = first[c], wⱼ = second[r]), rows along `second`
    /// like `imshow(origin='lower')` of a `meshgrid`.
    public func weightDensity(first: [Double], second: [Double], coefficients: (Int, Int) = (0, 1)) throws -> Matrix {
        let (i, j) = coefficients
        guard (0..<coefficientCount).contains(i), (0..<coefficientCount).contains(j), i != j else {
            throw BayesKitError.invalidArgument(
                "coefficients must be two distinct indices in 0..<\(coefficientCount), got (\(i), \(j))")
        }
        let s = covariance
        let marginal = try MultivariateNormal(
            mean: [mean[i], mean[j]], covariance: try Matrix([[s[i, i], s[i, j]], [s[j, i], s[j, j]]]))
        var points = [Double]()
        points.reserveCapacity(2 * first.count * second.count)
        for b in second { for a in first { points += [a, b] } }
        let logp = try marginal.logDensity(try Matrix(rows: first.count * second.count, columns: 2, values: points))
        return try Matrix(rows: second.count, columns: first.count, values: logp.map { Foundation.exp($0) })
    }

    /// The posterior after also observing (`x`, `y`): the statistics add, so
    /// fitting batch by batch equals fitting all data at once. The feature map
    /// (input scaling, centres) stays the one of the first fit.
    public func updated(with x: [Double], _ y: [Double], threads: Int? = nil) throws -> LinearPosterior {
        try updated(with: columnMatrix(x), y, threads: threads)
    }

    public func updated(with x: Matrix, _ y: [Double], threads: Int? = nil) throws -> LinearPosterior {
        let more = try LinearStatistics.compute(featureMap, x, y, threads: threads)
        return try LinearPosterior(featureMap: featureMap, priorMean: priorMean, priorPrecision: priorPrecision,
                                   beta: beta, statistics: try statistics + more)
    }

    /// `updated(with:_:threads:)` in place.
    public mutating func update(with x: [Double], _ y: [Double], threads: Int? = nil) throws {
        self = try updated(with: x, y, threads: threads)
    }

    public mutating func update(with x: Matrix, _ y: [Double], threads: Int? = nil) throws {
        self = try updated(with: x, y, threads: threads)
    }

    /// The log marginal likelihood ln p(y | α, β) in closed form (PRML 3.86,
    /// generalised to m₀ ≠ 0 and A₀ = diag(aⱼ)):
    ///
    ///     ln p(y) = ½ Σ ln aⱼ + n/2 ln β − E(m_N) − ½ ln|S_N⁻¹| − n/2 ln 2π
    ///     E(m_N)  = β/2 |y − Φm_N|² + ½ (m_N − m₀)ᵀA₀(m_N − m₀)
    ///
    /// with the effective number of parameters γ = M − Σ aⱼ(S_N)ⱼⱼ (PRML 3.91;
    /// = Σ λᵢ/(α + λᵢ) for isotropic α). Throws for a flat prior (some aⱼ = 0).
    public func evidence() throws -> LinearEvidence {
        let m = coefficientCount
        var value = 0.0, rss = 0.0, gamma = 0.0
        try statistics.gram.values.withUnsafeBufferPointer { g in
            try precisionFactor.values.withUnsafeBufferPointer { l in
                try check {
                    bk_linear_evidence(m, statistics.count, g.baseAddress, statistics.phiTy, statistics.yTy, priorMean,
                                       priorPrecision, beta, l.baseAddress, mean, &value, &rss, &gamma, $0)
                }
            }
        }
        return LinearEvidence(logEvidence: value, effectiveParameters: gamma, residualSumOfSquares: rss,
                              count: statistics.count)
    }

    /// ln p(y), see ``evidence()``.
    public func logEvidence() throws -> Double { try evidence().logEvidence }

    /// Central posterior intervals mean ± z·sd holding `level` of each marginal.
    public func credibleIntervals(level: Double = 0.9) throws -> [ClosedRange<Double>] {
        let z = try normalQuantile(level)
        return zip(mean, standardDeviations).map { ($0 - z * $1)...($0 + z * $1) }
    }
}

/// The two-sided standard normal quantile Φ⁻¹((1 + level)/2).
func normalQuantile(_ level: Double) throws -> Double {
    guard level > 0, level < 1 else { throw BayesKitError.invalidArgument("interval level must be in (0, 1), got \(formatNumber(level))") }
    return try Normal(mean: 0, sd: 1).quantile((1 + level) / 2)
}

/// The evidence of a fitted model and what goes with it.
public struct LinearEvidence: Sendable, Codable, Equatable {
    /// ln p(y | model).
    public let logEvidence: Double
    /// γ, the effective number of well-determined parameters.
    public let effectiveParameters: Double
    /// |y − Φm_N|².
    public let residualSumOfSquares: Double
    /// n.
    public let count: Int
}

/// Predictive means and variances at a set of inputs; total variance
/// σ²(x) = φᵀS_Nφ (epistemic, weight uncertainty) + 1/β (aleatoric, noise).
public struct LinearPrediction: Sendable, Codable, Equatable {
    public let mean: [Double]
    /// φ(x)ᵀ S_N φ(x) per input.
    public let epistemicVariance: [Double]
    /// 1/β, the same for every input.
    public let aleatoricVariance: Double

    public var variance: [Double] { epistemicVariance.map { $0 + aleatoricVariance } }
    public var standardDeviation: [Double] { variance.map { $0.squareRoot() } }
    public var epistemicStandardDeviation: [Double] { epistemicVariance.map { $0.squareRoot() } }
    public var aleatoricStandardDeviation: Double { aleatoricVariance.squareRoot() }

    /// mean ∓ k·sd (k = 1, 2 for seed 000's bands); `epistemicOnly` drops the noise.
    public func band(_ k: Double, epistemicOnly: Bool = false) -> (lower: [Double], upper: [Double]) {
        let sd = epistemicOnly ? epistemicStandardDeviation : standardDeviation
        return (zip(mean, sd).map { $0 - k * $1 }, zip(mean, sd).map { $0 + k * $1 })
    }
}
