import CBayesKit
import Foundation
import Testing

/// The C diagnostics on small known answers. ArviZ 0.23.4 values for the
/// "ties" case of Tests/Reference/diagnostics_reference.py (2 chains × 9
/// draws in {0, 1, 2, 3}); the full reference suite is in BayesKitTests.
@Suite struct DiagnosticKnownAnswerTests {
    static let ties: [Double] = [3, 0, 3, 1, 1, 1, 1, 3, 1, 0, 0, 0, 2, 0, 2, 3, 0, 3]

    func withWorkspace(_ chains: Int, _ draws: Int, _ body: (OpaquePointer) -> Void) {
        var w: OpaquePointer?
        var err = bk_error()
        #expect(bk_diag_workspace_alloc(chains, draws, &w, &err) == 0)
        body(w!)
        bk_diag_workspace_free(w)
    }

    @Test func tiesCaseMatchesArviZ() {
        withWorkspace(2, 9) { w in
            var err = bk_error()
            var rhat = 0.0, bulk = 0.0, tail = 0.0, basic = 0.0, identity = 0.0, mcse = 0.0
            #expect(bk_diag_rhat(w, Self.ties, &rhat, &err) == 0)
            #expect(bk_diag_ess_bulk(w, Self.ties, &bulk, &err) == 0)
            #expect(bk_diag_ess_tail(w, Self.ties, &tail, &err) == 0)
            #expect(bk_diag_ess_basic(w, Self.ties, 1, &basic, &err) == 0)
            #expect(bk_diag_ess_basic(w, Self.ties, 0, &identity, &err) == 0)
            #expect(bk_diag_mcse_mean(w, Self.ties, &mcse, &err) == 0)
            #expect(abs(rhat - 1.0347574773789647) < 1e-12)
            #expect(abs(bulk - 19.265919722494797) < 1e-10)
            #expect(tail.isNaN) // ArviZ: 16.0 (I(x <= q95) is constant; posterior: NA)
            #expect(abs(basic - 19.265919722494797) < 1e-10)
            #expect(abs(identity - 22.594905091859506) < 1e-10)
            #expect(abs(mcse - 0.28175221576956283) < 1e-14)
        }
    }

    /// FFT autocovariance against the direct sum, for lengths that are and
    /// are not powers of two.
    @Test(arguments: [1, 2, 5, 16, 17, 100]) func autocovarianceEqualsTheDirectSum(_ n: Int) {
        let x = (0..<n).map { sin(Double($0) * 0.7) + 0.1 * Double($0 % 3) }
        var acov = [Double](repeating: 0, count: n)
        var err = bk_error()
        #expect(bk_diag_autocov(n, x, n - 1, &acov, &err) == 0)
        let mean = x.reduce(0, +) / Double(n)
        for k in 0..<n {
            var s = 0.0
            for t in 0..<(n - k) { s += (x[t] - mean) * (x[t + k] - mean) }
            #expect(abs(acov[k] - s / Double(n)) < 1e-12)
        }
    }

    @Test func workspaceRejectsShortChains() {
        var w: OpaquePointer?
        var err = bk_error()
        #expect(bk_diag_workspace_alloc(2, 3, &w, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "diagnostics need at least 4 draws per chain, got 3")
        #expect(bk_diag_workspace_alloc(0, 10, &w, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "diagnostics need at least 1 chain, got 0")
        #expect(w == nil)
    }

    /// [chain][draw][parameter]; without names the error gives the index, and
    /// the rows stay untouched on failure.
    @Test func summaryReportsTheFirstBadParameterAndLeavesRowsUntouched() {
        var draws = [Double](repeating: 0, count: 2 * 5 * 3)
        for i in draws.indices { draws[i] = sin(Double(i)) }
        draws[(1 * 5 + 2) * 3 + 2] = .nan
        draws[(0 * 5 + 4) * 3 + 1] = .infinity
        var rows = [bk_diag_summary_row](repeating: bk_diag_summary_row(mean: 7, sd: 7, q05: 7, q50: 7, q95: 7,
                                                                        mcse_mean: 7, ess_bulk: 7, ess_tail: 7, rhat: 7),
                                         count: 3)
        var err = bk_error()
        for threads: Int32 in [1, 2] {
            #expect(bk_diag_summary(2, 5, 3, draws, nil, threads, &rows, &err) == Int32(BK_ENONFINITE.rawValue))
            #expect(message(err) == "parameter 1: chain 0, draw 4 is infinite")
            #expect(rows.allSatisfy { $0.mean == 7 && $0.rhat == 7 })
        }
    }
}
