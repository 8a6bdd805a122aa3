import Foundation

/// Scores of predictive distributions against held-out targets: one place
/// for every number BayesKit reports about predictive quality (the
/// `predict` and `compare` commands, the studies and the tests call these).
///
/// Regression scores take per-point Gaussian predictives `N(μᵢ, σᵢ²)`, a
/// mixture of them (deep ensembles), or Monte Carlo samples; classification
/// scores take an `n × K` matrix of class probabilities, and the uncertainty
/// decompositions take `S` such matrices (one per weight draw / member).
/// Every function validates its input (equal lengths, finite values,
/// positive scales) and throws a ``BayesKitError`` naming the problem.
public enum Evaluation {
    /// Φ⁻¹(0.95): the central 90% Gaussian interval is μ ± 1.6449 σ.
    public static let z95 = 1.6448536269514722
    static let logSqrt2Pi = 0.91893853320467274178

    /// Standard normal CDF Φ(z) = erfc(−z/√2)/2.
    static func phi(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
    /// Standard normal density φ(z).
    static func density(_ z: Double) -> Double { exp(-0.5 * z * z - logSqrt2Pi) }

    // MARK: Regression

    /// Root mean squared error `√((1/n) Σ (yᵢ − μᵢ)²)`.
    public static func rmse(y: [Double], mean: [Double]) throws -> Double {
        try checkPairs(y: y, mean: mean)
        var se = 0.0
        for i in y.indices { se += (y[i] - mean[i]) * (y[i] - mean[i]) }
        return (se / Double(y.count)).squareRoot()
    }

    /// Mean Gaussian log predictive density `(1/n) Σ log N(yᵢ | μᵢ, σᵢ²)`.
    public static func gaussianLogLikelihood(y: [Double], mean: [Double], sd: [Double]) throws -> Double {
        try checkGaussian(y: y, mean: mean, sd: sd)
        var ll = 0.0
        for i in y.indices {
            let z = (y[i] - mean[i]) / sd[i]
            ll += -0.5 * z * z - log(sd[i]) - logSqrt2Pi
        }
        return ll / Double(y.count)
    }

    /// Mean log density of an equally (or `weights`-) weighted Gaussian
    /// mixture, `(1/n) Σᵢ log Σₘ wₘ N(yᵢ | μₘᵢ, σₘᵢ²)`, the deep-ensemble
    /// predictive of Lakshminarayanan et al. (2017); computed with
    /// log-sum-exp. `means` and `sds` are `M × n` (one row per component).
    public static func mixtureLogLikelihood(y: [Double], means: [[Double]], sds: [[Double]],
                                            weights: [Double]? = nil) throws -> Double {
        let m = means.count
        guard m >= 1 else { throw BayesKitError.invalidArgument("a mixture needs at least 1 component, got 0") }
        guard sds.count == m else {
            throw BayesKitError.dimensionMismatch("mixture has \(m) mean rows but \(sds.count) sd rows")
        }
        for c in 0..<m { try checkGaussian(y: y, mean: means[c], sd: sds[c]) }
        let w = try normalizedWeights(weights, count: m)
        var total = 0.0
        var terms = [Double](repeating: 0, count: m)
        for i in y.indices {
            for c in 0..<m {
                let z = (y[i] - means[c][i]) / sds[c][i]
                terms[c] = log(w[c]) - 0.5 * z * z - log(sds[c][i]) - logSqrt2Pi
            }
            total += logSumExp(terms)
        }
        return total / Double(y.count)
    }

    /// Share of targets inside the central `level` interval of their Gaussian
    /// predictive, `|yᵢ − μᵢ| ≤ Φ⁻¹((1 + level)/2) σᵢ`.
    public static func coverage(y: [Double], mean: [Double], sd: [Double], level: Double = 0.9) throws -> Double {
        try checkGaussian(y: y, mean: mean, sd: sd)
        let z = try centralQuantile(level)
        var inside = 0
        for i in y.indices where abs(y[i] - mean[i]) <= z * sd[i] { inside += 1 }
        return Double(inside) / Double(y.count)
    }

    /// Share of targets inside `[lowerᵢ, upperᵢ]` (any predictive's interval).
    public static func coverage(y: [Double], lower: [Double], upper: [Double]) throws -> Double {
        try checkPairs(y: y, mean: lower, what: "lower bounds")
        try checkPairs(y: y, mean: upper, what: "upper bounds")
        var inside = 0
        for i in y.indices where lower[i] <= y[i] && y[i] <= upper[i] { inside += 1 }
        return Double(inside) / Double(y.count)
    }

    /// Observed coverage of the central Gaussian intervals at each nominal
    /// level: a calibrated predictive lies on the diagonal.
    public static func coverageCurve(y: [Double], mean: [Double], sd: [Double],
                                     levels: [Double] = defaultLevels) throws -> CoverageCurve {
        let observed = try levels.map { try coverage(y: y, mean: mean, sd: sd, level: $0) }
        return CoverageCurve(nominal: levels, observed: observed)
    }

    /// 0.1, 0.2, …, 0.9, 0.95, 0.99.
    public static let defaultLevels: [Double] = (1...9).map { Double($0) / 10 } + [0.95, 0.99]

    /// Probability integral transform `uᵢ = Φ((yᵢ − μᵢ)/σᵢ)`: uniform on
    /// [0, 1] when the predictive is calibrated (Dawid 1984; Gneiting et al. 2007).
    public static func pit(y: [Double], mean: [Double], sd: [Double]) throws -> [Double] {
        try checkGaussian(y: y, mean: mean, sd: sd)
        return y.indices.map { phi((y[$0] - mean[$0]) / sd[$0]) }
    }

    /// PIT from Monte Carlo samples (`samples` is `S × n`, column i the draws
    /// for target i): `uᵢ = (#{s : x_si < yᵢ} + #{s : x_si = yᵢ}/2) / S`.
    public static func pit(y: [Double], samples: Matrix) throws -> [Double] {
        try checkSamples(y: y, samples: samples)
        let s = samples.rows, n = y.count
        return (0..<n).map { i in
            var below = 0.0
            for r in 0..<s {
                let v = samples.values[r * n + i]
                if v < y[i] { below += 1 } else if v == y[i] { below += 0.5 }
            }
            return below / Double(s)
        }
    }

    /// Counts of PIT values in `bins` equal bins of [0, 1] (a flat histogram
    /// is calibration; U-shaped: over-confident; hump: under-confident).
    public static func pitHistogram(_ pit: [Double], bins: Int = 10) throws -> [Double] {
        guard bins >= 1 else { throw BayesKitError.invalidArgument("PIT histogram needs bins >= 1, got \(bins)") }
        var counts = [Double](repeating: 0, count: bins)
        for (i, u) in pit.enumerated() {
            guard u.isFinite, (0...1).contains(u) else {
                throw BayesKitError.invalidArgument("PIT value \(u) at index \(i) is outside [0, 1]")
            }
            counts[min(Int(u * Double(bins)), bins - 1)] += 1
        }
        return counts
    }

    /// Mean continuous ranked probability score of Gaussian predictives, in
    /// closed form (Gneiting & Raftery 2007, eq. 21; lower is better):
    ///
    ///     CRPS(N(μ, σ²), y) = σ [ z (2Φ(z) − 1) + 2φ(z) − 1/√π ],   z = (y − μ)/σ
    public static func crps(y: [Double], mean: [Double], sd: [Double]) throws -> Double {
        try checkGaussian(y: y, mean: mean, sd: sd)
        let invSqrtPi = 1 / Double.pi.squareRoot()
        var total = 0.0
        for i in y.indices {
            let z = (y[i] - mean[i]) / sd[i]
            total += sd[i] * (z * (2 * phi(z) - 1) + 2 * density(z) - invSqrtPi)
        }
        return total / Double(y.count)
    }

    /// Mean CRPS of the empirical distribution of Monte Carlo samples
    /// (`samples` is `S × n`):
    ///
    ///     CRPS = (1/S) Σₛ |xₛ − y| − (1/(2S²)) Σₛ Σₜ |xₛ − xₜ|
    ///
    /// the second sum in O(S log S) from the sorted draws,
    /// `Σₛ Σₜ |xₛ − xₜ| = 2 Σᵢ (2i − S − 1) x₍ᵢ₎` (i = 1…S).
    public static func crps(y: [Double], samples: Matrix) throws -> Double {
        try checkSamples(y: y, samples: samples)
        let s = samples.rows, n = y.count, sd = Double(s)
        var total = 0.0
        var column = [Double](repeating: 0, count: s)
        for i in 0..<n {
            var absError = 0.0
            for r in 0..<s {
                column[r] = samples.values[r * n + i]
                absError += abs(column[r] - y[i])
            }
            column.sort()
            var spread = 0.0
            for (k, v) in column.enumerated() { spread += Double(2 * (k + 1) - s - 1) * v }
            total += absError / sd - spread / (sd * sd)
        }
        return total / Double(n)
    }

    /// RMSE, Gaussian log-likelihood, 90% coverage and CRPS of Gaussian
    /// predictives: the regression row of every table BayesKit prints.
    public static func regression(y: [Double], mean: [Double], sd: [Double]) throws -> RegressionScores {
        RegressionScores(rmse: try rmse(y: y, mean: mean),
                         logLikelihood: try gaussianLogLikelihood(y: y, mean: mean, sd: sd),
                         coverage90: try coverage(y: y, mean: mean, sd: sd, level: 0.9),
                         crps: try crps(y: y, mean: mean, sd: sd))
    }

    // MARK: Checks and helpers

    /// Φ⁻¹((1 + level)/2) for a central interval of probability `level` in (0, 1).
    static func centralQuantile(_ level: Double) throws -> Double {
        guard level > 0, level < 1 else {
            throw BayesKitError.invalidArgument("coverage level must be in (0, 1), got \(level)")
        }
        return try Normal(mean: 0, sd: 1).quantile((1 + level) / 2)
    }

    static func checkPairs(y: [Double], mean: [Double], what: String = "predictive means") throws {
        guard !y.isEmpty else { throw BayesKitError.invalidArgument("scoring needs at least 1 target, got 0") }
        guard mean.count == y.count else {
            throw BayesKitError.dimensionMismatch("\(y.count) targets but \(mean.count) \(what)")
        }
        try requireFinite(y, "targets")
        try requireFinite(mean, what)
    }

    static func checkGaussian(y: [Double], mean: [Double], sd: [Double]) throws {
        try checkPairs(y: y, mean: mean)
        guard sd.count == y.count else {
            throw BayesKitError.dimensionMismatch("\(y.count) targets but \(sd.count) predictive sds")
        }
        if let i = sd.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
            throw BayesKitError.invalidArgument("predictive sd must be positive and finite, got \(sd[i]) at index \(i)")
        }
    }

    static func checkSamples(y: [Double], samples: Matrix) throws {
        guard !y.isEmpty else { throw BayesKitError.invalidArgument("scoring needs at least 1 target, got 0") }
        guard samples.columns == y.count, samples.rows >= 1 else {
            throw BayesKitError.dimensionMismatch(
                "samples are \(samples.rows) x \(samples.columns) but there are \(y.count) targets (need S x n, S >= 1)")
        }
        try requireFinite(y, "targets")
        try requireFinite(samples.values, "samples")
    }

    static func normalizedWeights(_ weights: [Double]?, count m: Int) throws -> [Double] {
        guard let weights else { return [Double](repeating: 1 / Double(m), count: m) }
        guard weights.count == m else {
            throw BayesKitError.dimensionMismatch("\(weights.count) mixture weights for \(m) components")
        }
        if let i = weights.firstIndex(where: { !($0 >= 0) || !$0.isFinite }) {
            throw BayesKitError.invalidArgument("mixture weight \(i) is \(weights[i]); weights must be >= 0 and finite")
        }
        let total = weights.reduce(0, +)
        guard total > 0 else { throw BayesKitError.invalidArgument("mixture weights sum to 0") }
        return weights.map { $0 / total }
    }

    static func logSumExp(_ v: [Double]) -> Double {
        let m = v.max() ?? -.infinity
        guard m.isFinite else { return m }
        var s = 0.0
        for x in v { s += exp(x - m) }
        return m + log(s)
    }
}

/// Observed against nominal coverage of central predictive intervals.
public struct CoverageCurve: Sendable, Codable, Equatable {
    public let nominal: [Double]
    public let observed: [Double]
}

/// The regression scores of one predictive on one test set.
public struct RegressionScores: Sendable, Codable, Equatable {
    public let rmse: Double
    /// Mean log predictive density per test point.
    public let logLikelihood: Double
    /// Share of targets inside the central 90% interval.
    public let coverage90: Double
    /// Mean continuous ranked probability score.
    public let crps: Double

    public init(rmse: Double, logLikelihood: Double, coverage90: Double, crps: Double) {
        self.rmse = rmse
        self.logLikelihood = logLikelihood
        self.coverage90 = coverage90
        self.crps = crps
    }

    /// The `result.json` `metrics` keys (docs/CONVENTIONS.md).
    public var metrics: [String: Double] {
        ["rmse": rmse, "test_loglik": logLikelihood, "coverage_90": coverage90, "crps": crps]
    }
}
