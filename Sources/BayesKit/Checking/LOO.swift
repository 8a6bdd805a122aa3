internal import CBayesKit
import Foundation

/// Leave-one-out cross-validation by Pareto-smoothed importance sampling
/// (PSIS-LOO; Vehtari, Gelman & Gabry 2017), WAIC (Watanabe 2010) and model
/// comparison, from the pointwise log-likelihood `log p(y_i | θ_s)` of
/// posterior draws: an `S × n` matrix, one row per draw (chains pooled).
/// The numbers agree with ArviZ's `loo`/`waic`/`psislw` (0.23.4) to
/// rounding; formulas in `include/bayeskit/checking.h`.
public enum ModelChecking {
    /// PSIS-LOO of one model.
    public struct LOO: Sendable, Equatable {
        /// Expected log pointwise predictive density `Σ_i elpd_i`.
        public let elpd: Double
        /// Its standard error `√(n Var_i elpd_i)`.
        public let se: Double
        /// Effective number of parameters `lppd − elpd`.
        public let effectiveParameters: Double
        /// Log pointwise predictive density of the full posterior.
        public let lppd: Double
        /// `elpd_i` per observation.
        public let pointwise: [Double]
        /// Pareto shape estimate per observation (`+∞`: too few tail draws to fit).
        public let paretoK: [Double]
        /// `min(1 − 1/log₁₀ S, 0.7)`: above it an observation's estimate is unreliable.
        public let goodK: Double
        /// LOO-PIT values when replicated data were given (uniform for a calibrated model).
        public let pit: [Double]?
        public let draws: Int

        /// Observations whose Pareto k exceeds ``goodK``.
        public var badObservations: [Int] { paretoK.indices.filter { !(paretoK[$0] <= goodK) } }
    }

    /// WAIC of one model.
    public struct WAIC: Sendable, Equatable {
        public let elpd: Double
        public let se: Double
        public let effectiveParameters: Double
        public let lppd: Double
        public let pointwise: [Double]
        /// Observations with `Var_s log p(y_i | θ_s) > 0.4`, where WAIC is unreliable.
        public let largeVarianceCount: Int
    }

    /// One row of ``compare(_:)``: models ranked by elpd, best first.
    public struct Comparison: Sendable, Equatable {
        public let name: String
        public let elpd: Double
        public let se: Double
        /// `elpd_best − elpd_this` (0 for the best).
        public let elpdDifference: Double
        /// Standard error of the difference, `√(n Var_i(elpd_best,i − elpd_this,i))`.
        public let differenceSE: Double
        public let effectiveParameters: Double
    }

    /// PSIS-LOO from the `S × n` pointwise log-likelihood. `relativeEfficiency`:
    /// one `ESS/S` per observation (see ``relativeEfficiency(logLikelihood:chains:)``),
    /// or nil for 1 (independent draws). With `replicated` (`S × n` draws of
    /// `y_rep`) and `observed` (`n`), also the LOO-PIT values.
    public static func loo(logLikelihood: Matrix, relativeEfficiency: [Double]? = nil, replicated: Matrix? = nil,
                           observed: [Double]? = nil, threads: Int? = nil) throws -> LOO {
        let s = logLikelihood.rows, n = logLikelihood.columns
        if let r = relativeEfficiency, r.count != n {
            throw BayesKitError.dimensionMismatch("\(r.count) relative efficiencies for \(n) observations")
        }
        if (replicated == nil) != (observed == nil) {
            throw BayesKitError.invalidArgument("LOO-PIT needs both the replicated data and the observations")
        }
        if let rep = replicated, rep.rows != s || rep.columns != n {
            throw BayesKitError.dimensionMismatch(
                "replicated data are \(rep.rows) x \(rep.columns) but the log-likelihood is \(s) x \(n)")
        }
        if let y = observed, y.count != n { throw BayesKitError.dimensionMismatch("\(y.count) observations for \(n) columns") }
        let nthreads = try threadArgument(threads)
        var elpd = [Double](repeating: 0, count: n), k = elpd, pit = elpd
        var summary = bk_loo_summary()
        try pit.withUnsafeMutableBufferPointer { pitBuffer in
            try check { err in
                bk_psis_loo(s, n, logLikelihood.values, n, relativeEfficiency, &elpd, &k, replicated?.values, n, observed,
                            replicated == nil ? nil : pitBuffer.baseAddress, &summary, nthreads, err)
            }
        }
        return LOO(elpd: summary.elpd_loo, se: summary.se, effectiveParameters: summary.p_loo, lppd: summary.lppd,
                   pointwise: elpd, paretoK: k, goodK: summary.good_k, pit: replicated == nil ? nil : pit, draws: s)
    }

    /// WAIC from the `S × n` pointwise log-likelihood.
    public static func waic(logLikelihood: Matrix, threads: Int? = nil) throws -> WAIC {
        let nthreads = try threadArgument(threads)
        var elpd = [Double](repeating: 0, count: logLikelihood.columns)
        var summary = bk_waic_summary()
        try check { err in
            bk_waic(logLikelihood.rows, logLikelihood.columns, logLikelihood.values, logLikelihood.columns, &elpd, &summary,
                    nthreads, err)
        }
        return WAIC(elpd: summary.elpd_waic, se: summary.se, effectiveParameters: summary.p_waic, lppd: summary.lppd,
                    pointwise: elpd, largeVarianceCount: Int(summary.n_large_var))
    }

    /// PSIS of one vector of log weights: the smoothed, normalised log
    /// weights and the Pareto shape `k` (Vehtari et al. 2024).
    public static func psis(logWeights: [Double], relativeEfficiency: Double = 1) throws -> (logWeights: [Double], k: Double) {
        var w = logWeights
        var k = 0.0
        try check { err in bk_psis(w.count, &w, relativeEfficiency, 1, &k, err) }
        return (w, k)
    }

    /// Relative efficiency `ESS/S` of `exp(log p(y_i | θ))` per observation,
    /// as the `loo` package's `relative_eff`: the (non-rank) ESS of the
    /// likelihood values over `chains` equal-length chains, the rows of
    /// `logLikelihood` ordered chain by chain.
    public static func relativeEfficiency(logLikelihood: Matrix, chains: Int) throws -> [Double] {
        let s = logLikelihood.rows, n = logLikelihood.columns
        guard chains >= 1, s % chains == 0 else {
            throw BayesKitError.invalidArgument("\(s) draws do not split into \(chains) chains of equal length")
        }
        let draws = s / chains
        guard draws >= 4 else { throw BayesKitError.invalidArgument("relative efficiency needs >= 4 draws per chain, got \(draws)") }
        // One workspace for every observation; columns gathered a block at a time (contiguous reads).
        let w = try DiagnosticsWorkspace(chains: chains, draws: draws)
        let v = logLikelihood.values, blockWidth = 32
        var block = [Double](repeating: 0, count: blockWidth * s)
        var out = [Double]()
        out.reserveCapacity(n)
        for i0 in stride(from: 0, to: n, by: blockWidth) {
            let width = min(blockWidth, n - i0)
            for r in 0..<s {
                let row = r * n + i0
                for j in 0..<width { block[j * s + r] = Foundation.exp(v[row + j]) }
            }
            for j in 0..<width {
                var ess = Double.nan
                try block.withUnsafeBufferPointer { b in
                    try check { bk_diag_ess_basic(w.raw, b.baseAddress! + j * s, 0, &ess, $0) }
                }
                out.append(ess.isFinite ? min(ess / Double(s), 1) : 1)
            }
        }
        return out
    }

    /// Ranks models by PSIS-LOO elpd (best first) with the difference to the
    /// best and its standard error from the pointwise values (the models
    /// must be evaluated on the same observations).
    public static func compare(_ models: [(name: String, loo: LOO)]) throws -> [Comparison] {
        guard let n = models.first?.loo.pointwise.count else { return [] }
        for m in models where m.loo.pointwise.count != n {
            throw BayesKitError.dimensionMismatch(
                "model '\(m.name)' has \(m.loo.pointwise.count) observations, '\(models[0].name)' has \(n)")
        }
        let ranked = models.sorted { $0.loo.elpd > $1.loo.elpd }
        let best = ranked[0].loo.pointwise
        return ranked.map { m in
            let d = zip(best, m.loo.pointwise).map { $0 - $1 }
            let mean = d.reduce(0, +) / Double(n)
            let se = (Double(n) * d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
            return Comparison(name: m.name, elpd: m.loo.elpd, se: m.loo.se, elpdDifference: ranked[0].loo.elpd - m.loo.elpd,
                              differenceSE: se, effectiveParameters: m.loo.effectiveParameters)
        }
    }
}
