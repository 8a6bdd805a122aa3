internal import CBayesKit

/// Owns the C scratch memory (`bk_diag_workspace`) for the diagnostics of
/// one parameter of `chains × draws`, and flattens Swift chains into the
/// chain-major layout the C core reads.
final class DiagnosticsWorkspace {
    let raw: OpaquePointer
    let chains: Int
    let draws: Int

    init(chains: Int, draws: Int) throws {
        guard chains >= 1 else { throw BayesKitError.invalidArgument("diagnostics need at least 1 chain, got \(max(chains, 0))") }
        guard draws >= 0 else { throw BayesKitError.invalidArgument("draws per chain must be >= 0, got \(draws)") }
        var out: OpaquePointer?
        try check { bk_diag_workspace_alloc(chains, draws, &out, $0) }
        guard let out else { throw BayesKitError(.internal, "diagnostics workspace was not created") }
        raw = out
        self.chains = chains
        self.draws = draws
    }

    deinit { bk_diag_workspace_free(raw) }

    /// Runs `body` on chains given as `[chain][draw]`, checked to be
    /// rectangular, with a workspace sized for them.
    static func evaluate(_ draws: [[Double]], _ what: String,
                         _ body: (OpaquePointer, UnsafePointer<Double>, UnsafeMutablePointer<Double>,
                                  UnsafeMutablePointer<bk_error>) -> Int32) throws -> Double {
        let flat = try flatten(draws, what)
        let w = try DiagnosticsWorkspace(chains: draws.count, draws: draws[0].count)
        var value = Double.nan
        try flat.withUnsafeBufferPointer { x in
            try check { body(w.raw, x.baseAddress!, &value, $0) }
        }
        return value
    }

    /// `[chain][draw]` as one chain-major array; ragged or empty input throws.
    static func flatten(_ draws: [[Double]], _ what: String) throws -> [Double] {
        guard let first = draws.first else {
            throw BayesKitError.invalidArgument("\(what) needs at least 1 chain, got none")
        }
        if let bad = draws.firstIndex(where: { $0.count != first.count }) {
            throw BayesKitError.dimensionMismatch(
                "chain \(bad) has \(draws[bad].count) draws but chain 0 has \(first.count); "
                    + "\(what) needs chains of equal length")
        }
        return Array(draws.joined())
    }
}
