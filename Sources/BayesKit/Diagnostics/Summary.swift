internal import CBayesKit
import Foundation

extension Diagnostics {
    /// The summary table: for every parameter its mean, sd (divisor S − 1),
    /// 5 %, 50 % and 95 % quantiles, MCSE of the mean, bulk and tail ESS and
    /// rank-normalised split R-hat (see ``Diagnostics``), from draws shaped
    /// `[chain][draw][parameter]`. Parameters are summarised in parallel with
    /// `threads` threads (0 = the process default); the result does not
    /// depend on it. Diagnostics that are undefined (constant draws) are NaN.
    public static func summary(names: [String], draws: [[[Double]]], threads: Int = 0) throws
        -> [RunResult.ParameterSummary]
    {
        guard let first = draws.first else { throw BayesKitError.invalidArgument("summary needs at least 1 chain, got none") }
        var flat: [Double] = []
        flat.reserveCapacity(draws.count * first.count * names.count)
        for (c, chain) in draws.enumerated() {
            guard chain.count == first.count else {
                throw BayesKitError.dimensionMismatch(
                    "chain \(c) has \(chain.count) draws but chain 0 has \(first.count); summary needs chains of equal length")
            }
            for (d, draw) in chain.enumerated() {
                guard draw.count == names.count else {
                    throw BayesKitError.dimensionMismatch(
                        "chain \(c), draw \(d) has \(draw.count) values but there are \(names.count) parameter names")
                }
                flat.append(contentsOf: draw)
            }
        }
        return try summary(names: names, flat: flat, chains: draws.count, draws: first.count, threads: threads)
    }

    /// The summary table of chains read from draws files (``DrawsFile/read(_:)``),
    /// in the order given. The chains must share parameter names and length.
    public static func summary(_ chains: [ChainDraws], threads: Int = 0) throws -> [RunResult.ParameterSummary] {
        guard let first = chains.first else { throw BayesKitError.invalidArgument("summary needs at least 1 chain, got none") }
        for (i, c) in chains.enumerated() {
            guard c.parameterNames == first.parameterNames else {
                throw BayesKitError.dimensionMismatch(
                    "chain \(c.chain) has parameters \(c.parameterNames) but chain \(first.chain) has \(first.parameterNames)")
            }
            guard c.values.rows == first.values.rows else {
                throw BayesKitError.dimensionMismatch(
                    "chain \(c.chain) (position \(i)) has \(c.values.rows) draws but chain \(first.chain) has "
                        + "\(first.values.rows); summary needs chains of equal length")
            }
        }
        let flat = Array(chains.map(\.values.values).joined())
        return try summary(names: first.parameterNames, flat: flat, chains: chains.count,
                           draws: first.values.rows, threads: threads)
    }

    /// `flat` is `[chain][draw][parameter]`, contiguous.
    static func summary(names: [String], flat: [Double], chains: Int, draws: Int, threads: Int) throws
        -> [RunResult.ParameterSummary]
    {
        guard threads >= 0 else { throw BayesKitError.invalidArgument("thread count must be >= 0 (0 = default), got \(threads)") }
        guard !names.isEmpty else { return [] }
        var rows = [bk_diag_summary_row](repeating: bk_diag_summary_row(), count: names.count)
        let cNames = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        try cNames.map { UnsafePointer($0) }.withUnsafeBufferPointer { namePointers in
            try flat.withUnsafeBufferPointer { x in
                try rows.withUnsafeMutableBufferPointer { out in
                    try check {
                        bk_diag_summary(chains, draws, names.count, x.baseAddress, namePointers.baseAddress,
                                        Int32(clamping: threads), out.baseAddress, $0)
                    }
                }
            }
        }
        return zip(names, rows).map { name, r in
            RunResult.ParameterSummary(name: name, mean: r.mean, sd: r.sd, q05: r.q05, q50: r.q50, q95: r.q95,
                                       mcseMean: r.mcse_mean, essBulk: r.ess_bulk, essTail: r.ess_tail, rhat: r.rhat)
        }
    }
}
