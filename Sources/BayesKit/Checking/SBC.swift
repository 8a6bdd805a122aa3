import Dispatch
import Foundation

/// Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari &
/// Gelman 2018, "Validating Bayesian inference algorithms with
/// simulation-based calibration", arXiv:1804.06788): draw θ̃ from the prior,
/// simulate data ỹ from θ̃, fit the posterior p(θ | ỹ) with any engine, and
/// record the rank of θ̃ among L posterior draws,
///     r = #{ l : θ_l < θ̃ } ∈ {0, …, L}.
/// When the engine is exact, r is uniform on {0, …, L} for every parameter;
/// a ∪-shaped histogram means an under-dispersed posterior (e.g. mean-field
/// VI), ∩-shaped over-dispersed, a slope a biased one.
///
/// Replication `i` draws its prior and data from random stream `2i` of
/// `seed` and gives the fit stream `2i + 1`; replications run in parallel
/// and the ranks do not depend on the thread count.
public enum SBC {
    public struct Result: Sendable {
        public let parameterNames: [String]
        /// `ranks[i][j]`: rank of parameter `j` in replication `i`, in `0...posteriorDraws`.
        public let ranks: [[Int]]
        /// L, the number of posterior draws each rank is taken among.
        public let posteriorDraws: Int

        public var replications: Int { ranks.count }

        /// Counts of the ranks of parameter `j` in `bins` equal bins of `{0, …, L}`
        /// (`bins` must divide `L + 1`).
        public func histogram(parameter j: Int, bins: Int) throws -> [Int] {
            guard bins >= 1, (posteriorDraws + 1) % bins == 0 else {
                throw BayesKitError.invalidArgument("bins must divide L + 1 = \(posteriorDraws + 1), got \(bins)")
            }
            let width = (posteriorDraws + 1) / bins
            var counts = [Int](repeating: 0, count: bins)
            for r in ranks { counts[r[j] / width] += 1 }
            return counts
        }

        /// Pearson's χ² test of uniform ranks over `bins` bins: the statistic
        /// and its p-value (χ² with `bins − 1` degrees of freedom).
        public func uniformityTest(parameter j: Int, bins: Int) throws -> (chiSquare: Double, pValue: Double) {
            let counts = try histogram(parameter: j, bins: bins)
            let expected = Double(replications) / Double(bins)
            let x2 = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
            let chi2 = try Gamma(shape: Double(bins - 1) / 2, rate: 0.5)
            return (x2, 1 - chi2.cdf(x2))
        }

        /// The ranks of parameter `j` as fractional ranks `u = (r + ½)/(L + 1)`
        /// in (0, 1): uniform for a calibrated engine.
        public func fractionalRanks(parameter j: Int) -> [Double] {
            ranks.map { (Double($0[j]) + 0.5) / Double(posteriorDraws + 1) }
        }

        /// Largest deviation of the ECDF of ``fractionalRanks(parameter:)``
        /// from the uniform CDF at `points` evenly spaced values in (0, 1),
        /// in units of the simultaneous band (Säilynoja et al. 2022): a value
        /// above 1 leaves the band, i.e. rejects uniformity at its level.
        public func ecdfExcess(parameter j: Int, band: ECDFBand) -> Double {
            let u = fractionalRanks(parameter: j).sorted()
            var worst = 0.0
            for (i, z) in band.points.enumerated() {
                let count = Double(u.prefix { $0 <= z }.count)
                let lo = band.lower[i], hi = band.upper[i]
                if count < lo { worst = max(worst, 1 + (lo - count) / max(1, hi - lo)) }
                if count > hi { worst = max(worst, 1 + (count - hi) / max(1, hi - lo)) }
            }
            return worst
        }
    }

    /// Simultaneous confidence band for the ECDF of N uniform values at
    /// K evenly spaced points (Säilynoja, Bürkner & Vehtari 2022, "Graphical
    /// test for discrete uniformity and its applications in goodness-of-fit
    /// evaluation and multiple sample comparison", Statistics and Computing
    /// 32): pointwise Binomial(N, z_i) intervals at level 1 − γ, with γ
    /// adjusted by simulation (`simulations` sets of N uniforms) so that the
    /// whole ECDF stays inside with probability 1 − α. Bounds are counts.
    public struct ECDFBand: Sendable {
        public let points: [Double]
        public let lower: [Double]
        public let upper: [Double]
        /// The adjusted pointwise level γ.
        public let gamma: Double

        public init(count n: Int, points k: Int = 50, alpha: Double = 0.05, simulations: Int = 1000, seed: UInt64 = 0) throws {
            guard n >= 1, k >= 2, simulations >= 20, alpha > 0, alpha < 1 else {
                throw BayesKitError.invalidArgument(
                    "ECDF band needs count >= 1, points >= 2, simulations >= 20 and alpha in (0, 1); got \(n), \(k), \(simulations), \(alpha)")
            }
            let z = (1...k).map { Double($0) / Double(k + 1) }
            let binomials = try z.map { try Binomial(n: n, p: $0) }
            let stream = try RandomStream(seed: seed, stream: 0)
            // For each simulated ECDF, the smallest two-sided pointwise tail probability.
            var minima: [Double] = []
            minima.reserveCapacity(simulations)
            for _ in 0..<simulations {
                let u = try stream.uniforms(n).sorted()
                var m = 1.0, idx = 0
                for (i, zi) in z.enumerated() {
                    while idx < n, u[idx] <= zi { idx += 1 }
                    let c = Double(idx)
                    let below = binomials[i].cdf(c), above = 1 - binomials[i].cdf(c - 1)
                    m = min(m, 2 * min(below, above))
                }
                minima.append(m)
            }
            minima.sort()
            let g = minima[max(0, Int((alpha * Double(simulations)).rounded(.down)) - 1)]
            points = z
            gamma = g
            // Pointwise quantiles of Binomial(N, z_i) at γ/2 and 1 − γ/2.
            func quantile(_ b: Binomial, _ p: Double) -> Double {
                var c = 0.0
                while c < Double(n), b.cdf(c) < p { c += 1 }
                return c
            }
            lower = binomials.map { quantile($0, g / 2) }
            upper = binomials.map { quantile($0, 1 - g / 2) }
        }
    }

    /// Runs `replications` SBC replications. `simulate` draws (θ̃, ỹ) from the
    /// prior and the model with its stream; `fit` returns at least
    /// `posteriorDraws` posterior draws (rows, one column per parameter) for
    /// ỹ, of which `posteriorDraws` evenly spaced rows are used (thinning
    /// reduces autocorrelation, as Talts et al. advise for MCMC). A
    /// replication that throws makes the run throw with its index.
    public static func run<Data>(replications: Int, posteriorDraws: Int, parameterNames: [String], seed: UInt64 = 0,
                                 threads: Int? = nil,
                                 simulate: @escaping @Sendable (RandomStream) throws -> (parameters: [Double], data: Data),
                                 fit: @escaping @Sendable (Data, RandomStream) throws -> Matrix) throws -> Result {
        guard replications >= 1 else { throw BayesKitError.invalidArgument("SBC needs at least 1 replication, got \(replications)") }
        guard posteriorDraws >= 1 else { throw BayesKitError.invalidArgument("SBC needs at least 1 posterior draw, got \(posteriorDraws)") }
        let p = parameterNames.count
        guard p >= 1 else { throw BayesKitError.invalidArgument("SBC needs at least 1 parameter") }
        let workers = try threads.map { t -> Int in
            guard t >= 1 else { throw BayesKitError.invalidArgument("thread count must be >= 1, got \(t)") }
            return t
        } ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
        let box = RankBox(replications: replications)
        let chunks = min(workers, replications)
        DispatchQueue.concurrentPerform(iterations: chunks) { w in
            var i = w
            while i < replications {
                let outcome: Swift.Result<[Int], Error> = Swift.Result {
                    let prior = try RandomStream(seed: seed, stream: UInt64(2 * i))
                    let (theta, data) = try simulate(prior)
                    guard theta.count == p else {
                        throw BayesKitError.dimensionMismatch("simulate returned \(theta.count) parameters for \(p) names")
                    }
                    let draws = try fit(data, try RandomStream(seed: seed, stream: UInt64(2 * i + 1)))
                    guard draws.columns == p else {
                        throw BayesKitError.dimensionMismatch("fit returned \(draws.columns) columns for \(p) parameters")
                    }
                    guard draws.rows >= posteriorDraws else {
                        throw BayesKitError.invalidArgument("fit returned \(draws.rows) draws, fewer than \(posteriorDraws)")
                    }
                    return (0..<p).map { j in
                        var r = 0
                        for l in 0..<posteriorDraws {
                            let row = l * draws.rows / posteriorDraws
                            if draws[row, j] < theta[j] { r += 1 }
                        }
                        return r
                    }
                }
                box.set(i, outcome)
                i += chunks
            }
        }
        var ranks: [[Int]] = []
        ranks.reserveCapacity(replications)
        for i in 0..<replications {
            switch box.get(i) {
            case .success(let r): ranks.append(r)
            case .failure(let e as BayesKitError): throw BayesKitError(e.code, "SBC replication \(i): \(e.message)")
            case .failure(let e): throw BayesKitError(.internal, "SBC replication \(i): \(e)")
            }
        }
        return Result(parameterNames: parameterNames, ranks: ranks, posteriorDraws: posteriorDraws)
    }
}

/// Per-replication outcomes written from worker threads.
private final class RankBox: @unchecked Sendable {
    private var outcomes: [Swift.Result<[Int], Error>]
    private let lock = NSLock()

    init(replications: Int) {
        outcomes = Array(repeating: .failure(BayesKitError(.internal, "not run")), count: replications)
    }

    func set(_ i: Int, _ r: Swift.Result<[Int], Error>) {
        lock.lock()
        outcomes[i] = r
        lock.unlock()
    }

    func get(_ i: Int) -> Swift.Result<[Int], Error> {
        lock.lock()
        defer { lock.unlock() }
        return outcomes[i]
    }
}
