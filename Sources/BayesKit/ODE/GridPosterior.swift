import Foundation

/// One axis of a rectangular parameter grid: a parameter name and its
/// values (finite, strictly increasing, at least 2).
public struct GridAxis: Sendable, Codable, Equatable {
    public let name: String
    public let values: [Double]

    public init(name: String, values: [Double]) throws {
        guard values.count >= 2 else {
            throw BayesKitError.invalidArgument("grid axis '\(name)' needs at least 2 values, got \(values.count)")
        }
        for i in values.indices where !values[i].isFinite || (i > 0 && !(values[i] > values[i - 1])) {
            throw BayesKitError.invalidArgument(
                "grid axis '\(name)' must be finite and strictly increasing; value \(i) is \(values[i])")
        }
        self.name = name
        self.values = values
    }

    /// `count` evenly spaced values from `lower` to `upper` (NumPy's and PyTorch's `linspace`).
    public static func linspace(_ name: String, _ lower: Double, _ upper: Double, count: Int) throws -> GridAxis {
        guard lower.isFinite, upper.isFinite, lower < upper else {
            throw BayesKitError.invalidArgument("grid axis '\(name)' needs finite lower < upper, got \(lower) ... \(upper)")
        }
        return try GridAxis(name: name, values: BayesKit.linspace(lower, upper, count))
    }

    /// Trapezoid quadrature weights of the nodes.
    var weights: [Double] {
        values.indices.map { i in
            ((i + 1 < values.count ? values[i + 1] : values[i]) - (i > 0 ? values[i - 1] : values[i])) / 2
        }
    }
}

/// A posterior evaluated on a rectangular grid of 1–3 parameters.
///
/// The unnormalised log posterior `ℓᵢ` at node `i` is normalised on the log
/// scale with trapezoid weights `wᵢ` (products of the axes' weights):
/// `log Z = logsumexp(ℓᵢ + log wᵢ)` approximates `log ∫ p(D|θ)p(θ)dθ`
/// (the log evidence, when ℓ is the full log prior + log likelihood); the
/// node probabilities `pᵢ = exp(ℓᵢ + log wᵢ − log Z)` sum to 1 and give the
/// mean, sd and covariance. Marginal densities integrate the others out with
/// the same weights; credible intervals are equal-tailed, from the marginal
/// CDF (trapezoid rule, linear interpolation). The grid must resolve the
/// posterior: a step wider than the posterior sd (seed 001's ω grid) leaves
/// most of the mass on one or two nodes; refine with ``zoomedAxes(count:width:)``.
public struct GridPosterior: Sendable, Codable {
    public let axes: [GridAxis]
    /// Unnormalised log posterior at each node, row-major (the last axis varies fastest).
    public let logPosterior: [Double]
    /// Log likelihood at each node (NaN where the prior is zero).
    public let logLikelihood: [Double]
    /// `log ∫ exp(logPosterior) dθ` by the trapezoid rule.
    public let logEvidence: Double
    /// Node probabilities (trapezoid weights included), summing to 1.
    public let probabilities: [Double]

    public init(axes: [GridAxis], logPosterior: [Double], logLikelihood: [Double]) throws {
        let count = axes.reduce(1) { $0 * $1.values.count }
        guard logPosterior.count == count, logLikelihood.count == count else {
            throw BayesKitError.dimensionMismatch("grid of \(count) nodes but \(logPosterior.count) log posterior values")
        }
        if logPosterior.contains(where: { $0.isNaN }) {
            throw BayesKitError.nonFinite("the log posterior is NaN at some grid node")
        }
        self.axes = axes
        self.logPosterior = logPosterior
        self.logLikelihood = logLikelihood
        let logW = Self.points(axes.map { GridAxis.unchecked($0.name, $0.weights) }, product: true).map { log($0) }
        let terms = zip(logPosterior, logW).map { $0 + $1 }
        guard let top = terms.max(), top.isFinite else {
            throw BayesKitError.nonFinite("the posterior is zero at every grid node (log posterior -inf everywhere)")
        }
        let logZ = top + log(terms.reduce(0) { $0 + exp($1 - top) })
        logEvidence = logZ
        probabilities = terms.map { exp($0 - logZ) }
    }

    /// The nodes as one row-major array (`nodes × axes`), last axis fastest;
    /// with `product`, the product of the coordinates per node instead.
    static func points(_ axes: [GridAxis], product: Bool = false) -> [Double] {
        var out: [Double] = []
        let count = axes.reduce(1) { $0 * $1.values.count }
        out.reserveCapacity(product ? count : count * axes.count)
        for flat in 0..<count {
            var rest = flat, coords = [Double](repeating: 0, count: axes.count)
            for a in axes.indices.reversed() {
                coords[a] = axes[a].values[rest % axes[a].values.count]
                rest /= axes[a].values.count
            }
            if product { out.append(coords.reduce(1, *)) } else { out += coords }
        }
        return out
    }

    /// Node `flat`'s coordinates.
    public func node(_ flat: Int) -> [Double] {
        var rest = flat, coords = [Double](repeating: 0, count: axes.count)
        for a in axes.indices.reversed() {
            coords[a] = axes[a].values[rest % axes[a].values.count]
            rest /= axes[a].values.count
        }
        return coords
    }

    /// Index of node `flat` along axis `a`.
    func index(_ flat: Int, axis a: Int) -> Int {
        var rest = flat
        for b in ((a + 1)..<axes.count).reversed() { rest /= axes[b].values.count }
        return rest % axes[a].values.count
    }

    /// The node with the highest posterior (the grid MAP).
    public var mode: [Double] { node(logPosterior.indices.max { logPosterior[$0] < logPosterior[$1] }!) }

    /// Posterior mean of each parameter.
    public var mean: [Double] {
        axes.indices.map { a in probabilities.indices.reduce(0) { $0 + probabilities[$1] * axes[a].values[index($1, axis: a)] } }
    }

    /// Posterior covariance (`axes × axes`).
    public var covariance: [[Double]] {
        let m = mean
        return axes.indices.map { a in
            axes.indices.map { b in
                probabilities.indices.reduce(0) { acc, i in
                    acc + probabilities[i] * (axes[a].values[index(i, axis: a)] - m[a]) * (axes[b].values[index(i, axis: b)] - m[b])
                }
            }
        }
    }

    /// Posterior standard deviation of each parameter.
    public var sd: [Double] { covariance.indices.map { covariance[$0][$0].squareRoot() } }

    /// The marginal density of axis `a` at its nodes (integrates to 1 with trapezoid weights).
    public func marginal(_ a: Int) -> [Double] {
        let w = axes[a].weights
        var mass = [Double](repeating: 0, count: axes[a].values.count)
        for i in probabilities.indices { mass[index(i, axis: a)] += probabilities[i] }
        // probabilities already carry w[j] for this axis: density = mass / w.
        return zip(mass, w).map { $1 > 0 ? $0 / $1 : 0 }
    }

    /// The `q`-quantile of axis `a`'s marginal (CDF by the trapezoid rule, inverted linearly between nodes).
    public func quantile(_ a: Int, _ q: Double) throws -> Double {
        guard q >= 0, q <= 1 else { throw BayesKitError.invalidArgument("quantile level must be in [0, 1], got \(q)") }
        let x = axes[a].values, f = marginal(a)
        var cdf = [0.0]
        for j in 1..<x.count { cdf.append(cdf[j - 1] + (f[j] + f[j - 1]) / 2 * (x[j] - x[j - 1])) }
        let target = q * cdf.last!
        guard let j = cdf.firstIndex(where: { $0 >= target }) else { return x.last! }
        if j == 0 { return x[0] }
        let span = cdf[j] - cdf[j - 1]
        return span > 0 ? x[j - 1] + (target - cdf[j - 1]) / span * (x[j] - x[j - 1]) : x[j]
    }

    /// The equal-tailed `level` credible interval of axis `a` from its marginal CDF.
    public func credibleInterval(_ a: Int, level: Double = 0.9) throws -> ClosedRange<Double> {
        guard level > 0, level < 1 else { throw BayesKitError.invalidArgument("credible level must be in (0, 1), got \(level)") }
        let tail = (1 - level) / 2
        return try quantile(a, tail)...quantile(a, 1 - tail)
    }

    /// The normalised joint density of axes `a` (x) and `b` (y), the others
    /// integrated out, as `values[j][i]` at `(axes[a][i], axes[b][j])` (the
    /// layout of `Panel.heatmap`).
    public func density(_ a: Int, _ b: Int) -> [[Double]] {
        let wa = axes[a].weights, wb = axes[b].weights
        var out = [[Double]](repeating: [Double](repeating: 0, count: axes[a].values.count), count: axes[b].values.count)
        for i in probabilities.indices { out[index(i, axis: b)][index(i, axis: a)] += probabilities[i] }
        for j in out.indices { for i in out[j].indices { out[j][i] /= wa[i] * wb[j] } }
        return out
    }

    /// Nodes and probabilities holding all but `massTolerance` of the mass (largest first).
    public func support(massTolerance: Double = 1e-12) -> (nodes: [[Double]], probabilities: [Double]) {
        let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
        var nodes: [[Double]] = [], probs: [Double] = [], acc = 0.0
        for i in order {
            if acc >= 1 - massTolerance || probabilities[i] == 0 { break }
            nodes.append(node(i))
            probs.append(probabilities[i])
            acc += probabilities[i]
        }
        return (nodes, probs)
    }

    /// Axes of a finer grid on the posterior: `count` values per axis over
    /// `mean ± width·sd`, widened to at least ± 1.5 steps of this grid (so a
    /// posterior narrower than the step is still covered) and clipped to
    /// this grid's range.
    public func zoomedAxes(count: Int, width: Double = 6) throws -> [GridAxis] {
        let m = mean, s = sd
        return try axes.indices.map { a in
            let v = axes[a].values
            let step = (v.last! - v.first!) / Double(v.count - 1)
            let half = max(width * s[a], 1.5 * step)
            return try GridAxis.linspace(axes[a].name, max(v.first!, m[a] - half), min(v.last!, m[a] + half), count: count)
        }
    }
}

extension GridAxis {
    /// An axis without the ordering check (for weight products).
    static func unchecked(_ name: String, _ values: [Double]) -> GridAxis { GridAxis(uncheckedName: name, values: values) }
    private init(uncheckedName: String, values: [Double]) {
        name = uncheckedName
        self.values = values
    }
}
