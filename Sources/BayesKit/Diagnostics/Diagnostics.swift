internal import CBayesKit

/// Model-free MCMC diagnostics (Vehtari, Gelman, Simpson, Carpenter &
/// Bürkner 2021, "Rank-normalization, folding, and localization: an improved
/// R-hat for assessing convergence of MCMC", *Bayesian Analysis* 16(2)),
/// with the conventions of ArviZ and Stan's `posterior` package. The numeric
/// core is C (`include/bayeskit/diagnostics.h`).
///
/// One parameter's draws are `[chain][draw]`: every chain the same length,
/// at least 4 draws. Conventions:
/// - **split chains**: each chain of N draws becomes its first and last
///   ⌊N/2⌋ draws (the middle draw of an odd chain is dropped);
/// - **rank normalisation**: average ranks r over all split draws,
///   z = Φ⁻¹((r − 3/8)/(S + 1/4));
/// - **autocovariance** normalised by N, by FFT; **ESS** with Geyer's initial
///   positive and monotone sequences over the chain-averaged autocovariance,
///   bounded by S·log₁₀S;
/// - **quantiles** by linear interpolation (numpy's default, R's type 7).
///
/// Draws that are all equal have R-hat, ESS and MCSE `NaN` (as `posterior`;
/// ArviZ returns the sample size as ESS there). NaN or infinity in the draws,
/// ragged chains or fewer than 4 draws per chain throw ``BayesKitError``.
public enum Diagnostics {
    /// Rank-normalised split R-hat: max(R̂ of z(split x), R̂ of
    /// z(|split x − median|)), where R̂ = √((B/W + N − 1)/N), B = N·var(chain
    /// means) and W = mean chain variance over the split chains. With one
    /// chain it is the R-hat of its two halves, as in `posterior` (ArviZ
    /// returns NaN for a single chain). Values above 1.01 signal trouble.
    public static func rhat(_ draws: [[Double]]) throws -> Double {
        try DiagnosticsWorkspace.evaluate(draws, "R-hat") { bk_diag_rhat($0, $1, $2, $3) }
    }

    /// The classic potential scale reduction R̂ = √((B/W + N − 1)/N) on the
    /// raw draws, on split chains (`split: true`, ArviZ's method "split") or
    /// on the chains as given (ArviZ's "identity"; needs 2 chains).
    public static func rhatBasic(_ draws: [[Double]], split: Bool = true) throws -> Double {
        try DiagnosticsWorkspace.evaluate(draws, "R-hat") { bk_diag_rhat_basic($0, $1, split ? 1 : 0, $2, $3) }
    }

    /// Bulk ESS: the ESS of the rank-normalised split chains. Trust the
    /// other diagnostics when it exceeds about 100 per chain.
    public static func essBulk(_ draws: [[Double]]) throws -> Double {
        try DiagnosticsWorkspace.evaluate(draws, "bulk ESS") { bk_diag_ess_bulk($0, $1, $2, $3) }
    }

    /// Tail ESS: min over q ∈ {q₀.₀₅, q₀.₉₅} of the ESS of the split indicator
    /// chains I(x ≤ q); the reliability of the 5 % and 95 % quantiles. NaN when
    /// an indicator is constant (a discrete parameter), as in `posterior`.
    public static func essTail(_ draws: [[Double]]) throws -> Double {
        try DiagnosticsWorkspace.evaluate(draws, "tail ESS") { bk_diag_ess_tail($0, $1, $2, $3) }
    }

    /// ESS of the raw draws: S / τ with τ = −1 + 2 Σ ρ̂ₜ over Geyer's initial
    /// monotone sequence. With `split: true` it is `posterior`'s `ess_basic`
    /// and ArviZ's method "mean"; `split: false` is ArviZ's "identity".
    public static func essBasic(_ draws: [[Double]], split: Bool = true) throws -> Double {
        try DiagnosticsWorkspace.evaluate(draws, "ESS") { bk_diag_ess_basic($0, $1, split ? 1 : 0, $2, $3) }
    }

    /// Monte Carlo standard error of the mean: sd / √ESS, sd over all draws
    /// (divisor S − 1), ESS that of the split raw draws (``essBasic(_:split:)``).
    public static func mcseMean(_ draws: [[Double]]) throws -> Double {
        try DiagnosticsWorkspace.evaluate(draws, "MCSE") { bk_diag_mcse_mean($0, $1, $2, $3) }
    }

    /// Autocovariance of one series at lags `0...maxLag` (all lags by
    /// default), normalised by n: γₖ = (1/n) Σₜ (xₜ − x̄)(xₜ₊ₖ − x̄), by a
    /// zero-padded FFT (ArviZ's `autocov`).
    public static func autocovariance(_ x: [Double], maxLag: Int? = nil) throws -> [Double] {
        try lagged(x, maxLag, "autocovariance") { bk_diag_autocov($0, $1, $2, $3, $4) }
    }

    /// Autocorrelation ρₖ = γₖ/γ₀ at lags `0...maxLag` (all lags by default),
    /// the biased, positive-definite estimator ArviZ's `autocorr` computes.
    /// A constant series throws (ρ is 0/0).
    public static func autocorrelation(_ x: [Double], maxLag: Int? = nil) throws -> [Double] {
        try lagged(x, maxLag, "autocorrelation") { bk_diag_autocorr($0, $1, $2, $3, $4) }
    }

    private static func lagged(
        _ x: [Double], _ maxLag: Int?, _ what: String,
        _ body: (Int, UnsafePointer<Double>, Int, UnsafeMutablePointer<Double>, UnsafeMutablePointer<bk_error>) -> Int32
    ) throws -> [Double] {
        guard !x.isEmpty else { throw BayesKitError.invalidArgument("\(what) needs at least 1 value, got none") }
        let lag = maxLag ?? x.count - 1
        guard lag >= 0, lag < x.count else {
            throw BayesKitError.invalidArgument("\(what) maxLag must be in 0...\(x.count - 1), got \(lag)")
        }
        var out = [Double](repeating: 0, count: lag + 1)
        try x.withUnsafeBufferPointer { xs in
            try out.withUnsafeMutableBufferPointer { o in
                try check { body(x.count, xs.baseAddress!, lag, o.baseAddress!, $0) }
            }
        }
        return out
    }
}
