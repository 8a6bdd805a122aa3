import Foundation

/// Posterior and prior predictive checks (Gelman, Meng & Stern 1996; Gelman
/// et al., BDA3 ch. 6): replicated data sets `y_rep` drawn from the model,
/// one per parameter draw, compared with the observed `y` through test
/// statistics `T`; the predictive p-value
///
///     p = P(T(y_rep) ≥ T(y))   (ties counted one half),
///
/// near 0 or 1 says the model does not reproduce that feature of the data.
/// Replicated sets are made and reduced one at a time: memory holds the
/// statistics (one number per draw and statistic) and at most `keep` sets
/// for the figure, however many draws are checked.
public enum PredictiveCheck {
    /// A test statistic `T(y)`.
    public struct Statistic: Sendable {
        public let name: String
        let compute: @Sendable ([Double]) -> Double

        public init(_ name: String, _ compute: @escaping @Sendable ([Double]) -> Double) {
            self.name = name
            self.compute = compute
        }

        public func callAsFunction(_ y: [Double]) -> Double { compute(y) }

        public static let mean = Statistic("mean") { $0.reduce(0, +) / Double(Swift.max($0.count, 1)) }
        /// Standard deviation with divisor `n − 1`.
        public static let sd = Statistic("sd") { y in
            let m = y.reduce(0, +) / Double(Swift.max(y.count, 1))
            return (y.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(Swift.max(y.count - 1, 1))).squareRoot()
        }
        public static let min = Statistic("min") { $0.min() ?? .nan }
        public static let max = Statistic("max") { $0.max() ?? .nan }
        /// The `p`-quantile (linear interpolation, NumPy's default).
        public static func quantile(_ p: Double) -> Statistic {
            Statistic("q\(Int((100 * p).rounded()))") { y in
                let s = y.sorted()
                guard !s.isEmpty else { return .nan }
                let h = p * Double(s.count - 1), lo = Int(h.rounded(.down)), hi = Swift.min(lo + 1, s.count - 1)
                return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
            }
        }
        /// Mean, sd, min and max.
        public static let standard: [Statistic] = [.mean, .sd, .min, .max]
    }

    /// One statistic's check.
    public struct Result: Sendable, Equatable {
        public let statistic: String
        public let observed: Double
        /// `T(y_rep)` for every draw.
        public let replicated: [Double]
        /// `P(T(y_rep) ≥ T(y))`, ties counted one half.
        public var pValue: Double {
            let above = replicated.filter { $0 > observed }.count, ties = replicated.filter { $0 == observed }.count
            return (Double(above) + 0.5 * Double(ties)) / Double(Swift.max(replicated.count, 1))
        }
        /// The Monte Carlo standard error of ``pValue``, `sqrt(p(1 − p)/S)`.
        public var pValueMCSE: Double { (pValue * (1 - pValue) / Double(Swift.max(replicated.count, 1))).squareRoot() }
    }

    /// A whole check: one result per statistic and the first replicated sets.
    public struct Check: Sendable {
        public let observed: [Double]
        public let results: [Result]
        public let replicatedSets: [[Double]]
        public var draws: Int { results.first?.replicated.count ?? 0 }
    }

    /// Runs a check with `draws` replicated sets, `replicate(s)` giving set `s`
    /// (of the observed set's size). Keeps the first `keep` sets for plots.
    public static func run(observed y: [Double], draws: Int, statistics: [Statistic] = Statistic.standard, keep: Int = 50,
                           replicate: (Int) throws -> [Double]) throws -> Check {
        guard draws >= 1 else { throw BayesKitError.invalidArgument("a predictive check needs >= 1 draws, got \(draws)") }
        guard !y.isEmpty else { throw BayesKitError.invalidArgument("a predictive check needs observed data") }
        if let i = y.firstIndex(where: { !$0.isFinite }) {
            throw BayesKitError.nonFinite("observed value \(i) is not finite (\(y[i]))")
        }
        guard !statistics.isEmpty else { throw BayesKitError.invalidArgument("a predictive check needs >= 1 statistic") }
        var values = [[Double]](repeating: [], count: statistics.count)
        var kept = [[Double]]()
        for s in 0..<draws {
            let rep = try replicate(s)
            guard rep.count == y.count else {
                throw BayesKitError.dimensionMismatch("replicated set \(s) has \(rep.count) values, the data have \(y.count)")
            }
            for (k, t) in statistics.enumerated() { values[k].append(t(rep)) }
            if kept.count < keep { kept.append(rep) }
        }
        let results = statistics.enumerated().map { k, t in Result(statistic: t.name, observed: t(y), replicated: values[k]) }
        return Check(observed: y, results: results, replicatedSets: kept)
    }

    /// The posterior predictive check of a network: one replicated set per
    /// row of `weightDraws` (`S × P`, or `P + 1` with a learned log σ) at the
    /// inputs `x`, the noise of draw `s` from stream `s` of `seed`: Gaussian
    /// `f + σ ε`, Bernoulli labels with probability `sigmoid f`, categorical
    /// labels from `softmax f`.
    public static func posterior(_ bnn: BNN, weightDraws: Matrix, x: Matrix, y: [Double],
                                 statistics: [Statistic] = Statistic.standard, seed: UInt64 = 0, keep: Int = 50) throws -> Check {
        let arch = bnn.architecture
        guard weightDraws.columns >= arch.parameterCount else {
            throw BayesKitError.dimensionMismatch(
                "weight draws have \(weightDraws.columns) columns, the network has \(arch.parameterCount) parameters")
        }
        guard x.rows == y.count else { throw BayesKitError.dimensionMismatch("x has \(x.rows) rows but y has \(y.count)") }
        return try run(observed: y, draws: weightDraws.rows, statistics: statistics, keep: keep) { s in
            try replicate(bnn, weights: weightDraws.row(s), x: x, stream: try RandomStream(seed: seed, stream: UInt64(s)))
        }
    }

    /// The prior predictive check: `draws` weight vectors from the network's
    /// prior (stream `2s` of `seed`), noise from stream `2s + 1`. `y` may be
    /// observed data to compare with, or any set of `x.rows` values.
    public static func prior(_ bnn: BNN, draws: Int, x: Matrix, y: [Double], statistics: [Statistic] = Statistic.standard,
                             seed: UInt64 = 0, keep: Int = 50) throws -> Check {
        guard x.rows == y.count else { throw BayesKitError.dimensionMismatch("x has \(x.rows) rows but y has \(y.count)") }
        return try run(observed: y, draws: draws, statistics: statistics, keep: keep) { s in
            let w = try bnn.prior.sample(architecture: bnn.architecture, likelihood: bnn.likelihood,
                                         stream: RandomStream(seed: seed, stream: 2 * UInt64(s)))
            return try replicate(bnn, weights: w, x: x, stream: try RandomStream(seed: seed, stream: 2 * UInt64(s) + 1))
        }
    }

    /// One replicated data set of `bnn` with weights `w` at `x`.
    static func replicate(_ bnn: BNN, weights w: [Double], x: Matrix, stream: RandomStream) throws -> [Double] {
        let arch = bnn.architecture
        let f = try arch.forward(weights: Array(w.prefix(arch.parameterCount)), inputs: x)
        switch bnn.likelihood {
        case .gaussian(let sigma):
            return f.values.map { $0 + sigma * stream.normal() }
        case .gaussianLearnedNoise:
            guard w.count > arch.parameterCount else {
                throw BayesKitError.dimensionMismatch("a learned noise needs a log sigma after the \(arch.parameterCount) weights")
            }
            let sigma = Foundation.exp(w[arch.parameterCount])
            return f.values.map { $0 + sigma * stream.normal() }
        case .bernoulli:
            return f.values.map { stream.uniform() < 1 / (1 + Foundation.exp(-$0)) ? 1 : 0 }
        case .categorical(let k):
            return (0..<f.rows).map { r in
                let z = f.row(r), m = z.max() ?? 0
                let e = z.map { Foundation.exp($0 - m) }, total = e.reduce(0, +)
                var u = stream.uniform() * total
                for c in 0..<k {
                    u -= e[c]
                    if u < 0 { return Double(c) }
                }
                return Double(k - 1)
            }
        }
    }

    /// The check as a figure: replicated sets' histograms (grey) against the
    /// observed one (on top), and per statistic the histogram of `T(y_rep)`
    /// with `T(y)` marked and the p-value in the title.
    public static func figure(_ check: Check, title: String) throws -> Figure {
        let n = check.results.count
        var fig = Figure(title: title, rows: 1, columns: n + 1, width: Double(330 * (n + 1)), height: 380)
        let all = check.replicatedSets.flatMap { $0 } + check.observed
        let lo = all.min() ?? 0, hi = all.max() ?? 1
        let range = lo < hi ? lo...hi : (lo - 0.5)...(hi + 0.5)
        try fig.panel(0, 0) { p in
            p.title = "y (blue) and \(check.replicatedSets.count) replicated sets"
            p.xLabel = "y"
            for (i, rep) in check.replicatedSets.enumerated() {
                try p.histogram(rep, bins: 20, range: range, density: true, label: i == 0 ? "y_rep" : nil, color: .gray(0.6),
                                opacity: 0.08)
            }
            try p.histogram(check.observed, bins: 20, range: range, density: true, label: "y", color: .blue, opacity: 0.5)
        }
        for (k, r) in check.results.enumerated() {
            try fig.panel(0, k + 1) { p in
                p.title = String(format: "T = %@: p = %.3f", r.statistic, r.pValue)
                p.xLabel = "T(y_rep)"
                try p.histogram(r.replicated, bins: 30, label: "T(y_rep)", color: .gray(0.5))
                try p.verticalLine(x: r.observed, label: "T(y)", color: .vermillion)
            }
        }
        return fig
    }
}
