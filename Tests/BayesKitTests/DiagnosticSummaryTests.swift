import BayesKit
import Foundation
import Testing

/// The summary table: in memory, from chains read back from draws files, and
/// streamed from a manifest folder with bounded memory.
@Suite struct DiagnosticSummaryTests {
    /// Three parameters × 4 chains × 1000 draws: the AR(1), stuck and Cauchy fixtures.
    static let names = ["alpha", "beta[0]", "sigma"]
    static let columns = [DiagnosticFixtures.ar1Draws, DiagnosticFixtures.stuckDraws, DiagnosticFixtures.cauchyDraws]
    static var draws: [[[Double]]] {
        (0..<4).map { c in (0..<1000).map { d in columns.map { $0[c][d] } } }
    }

    @Test func summaryRowsEqualTheSingleParameterFunctions() throws {
        let rows = try Diagnostics.summary(names: Self.names, draws: Self.draws, threads: 2)
        #expect(rows.map(\.name) == Self.names)
        for (row, x) in zip(rows, Self.columns) {
            #expect(row.rhat == (try Diagnostics.rhat(x)))
            #expect(row.essBulk == (try Diagnostics.essBulk(x)))
            #expect(row.essTail == (try Diagnostics.essTail(x)))
            #expect(row.mcseMean == (try Diagnostics.mcseMean(x)))
        }
        #expect(relativelyClose(rows[1].rhat!, DiagnosticFixtures.stuckReference.rhat))
    }

    @Test func resultsDoNotDependOnTheThreadCount() throws {
        let one = try Diagnostics.summary(names: Self.names, draws: Self.draws, threads: 1)
        for t in [2, 3, 8] {
            #expect(try Diagnostics.summary(names: Self.names, draws: Self.draws, threads: t) == one)
        }
    }

    @Test func drawsFilesAndStreamedManifestGiveTheSameTable() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("bk-diag-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var entries: [DrawsManifest.Entry] = []
        for (c, chain) in Self.draws.enumerated() {
            let file = "chain\(c).bkd"
            let w = try DrawsWriter(url: folder.appendingPathComponent(file), parameterNames: Self.names, chain: c,
                                    chunkDraws: 128)
            try w.append(contentsOf: Matrix(chain))
            try w.close()
            entries.append(.init(chain: c, file: file, draws: chain.count))
        }
        try DrawsManifest(parameterNames: Self.names, chains: entries, complete: true).write(to: folder)

        let expected = try Diagnostics.summary(names: Self.names, draws: Self.draws, threads: 1)
        let manifest = try DrawsManifest.read(from: folder)
        #expect(try Diagnostics.summary(try manifest.readChains(in: folder)) == expected)
        // one parameter per pass, two per pass, all at once
        for budget in [0, 2 * 8 * 4000, 1 << 30] {
            #expect(try Diagnostics.summary(manifestFolder: folder, memoryBudget: budget, threads: 2) == expected)
        }
    }

    @Test func unequalChainsInAManifestFailOrAreTruncated() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("bk-diag-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let x = DiagnosticFixtures.ar1Draws
        let lengths = [1000, 900]
        for c in 0..<2 {
            let w = try DrawsWriter(url: folder.appendingPathComponent("c\(c).bkd"), parameterNames: ["x"], chain: c)
            try w.append(contentsOf: Matrix(x[c].prefix(lengths[c]).map { [$0] }))
            try w.close()
        }
        try DrawsManifest(parameterNames: ["x"], chains: [.init(chain: 0, file: "c0.bkd", draws: 1000),
                                                          .init(chain: 1, file: "c1.bkd", draws: 900)],
                          complete: false).write(to: folder)
        let error = #expect(throws: BayesKitError.self) { try Diagnostics.summary(manifestFolder: folder) }
        #expect(error?.code == .dimensionMismatch)
        #expect(error?.message.hasPrefix("chain 1 (c1.bkd) has 900 draws but chain 0 has 1000; diagnostics need chains of equal length") == true)
        let rows = try Diagnostics.summary(manifestFolder: folder, truncateToShortest: true)
        let direct = try Diagnostics.summary(names: ["x"], draws: [Array(x[0].prefix(900)), Array(x[1].prefix(900))].map { $0.map { [$0] } })
        #expect(rows == direct)
    }
}

/// What a user gets from bad or degenerate input.
@Suite struct DiagnosticBadInputTests {
    static let good: [[Double]] = [[1, 2, 3, 4.5, 2], [2, 1, 0.5, 3, 4]]

    func failure(_ body: () throws -> Any) -> BayesKitError? {
        do { _ = try body() } catch let e as BayesKitError { return e } catch { return nil }
        return nil
    }

    /// The smallest accepted input (5 draws: split chains of 2) still matches
    /// ArviZ 0.23.4: rhat 1.2155211153539296, bulk ESS 7.224719895935548,
    /// MCSE 0.4898132593909626. ArviZ's tail ESS is 7.224719895935548 too,
    /// but only because the q05 indicator is constant on the split chains
    /// (the minimum is the dropped middle draw) and ArviZ then counts it as
    /// S = 8; posterior and BayesKit return NaN.
    @Test func shortestChainsMatchArviZ() throws {
        #expect(relativelyClose(try Diagnostics.rhat(Self.good), 1.2155211153539296))
        #expect(relativelyClose(try Diagnostics.essBulk(Self.good), 7.224719895935548))
        #expect(try Diagnostics.essTail(Self.good).isNaN)
        #expect(relativelyClose(try Diagnostics.mcseMean(Self.good), 0.4898132593909626))
    }

    @Test func fewerThanFourDrawsPerChain() {
        let e = failure { try Diagnostics.rhat([[1, 2, 3], [2, 3, 1]]) }
        #expect(e?.code == .invalidArgument)
        #expect(e?.message == "diagnostics need at least 4 draws per chain, got 3")
    }

    @Test func raggedChains() {
        let e = failure { try Diagnostics.essBulk([[1, 2, 3, 4, 5], [1, 2, 3, 4]]) }
        #expect(e?.code == .dimensionMismatch)
        #expect(e?.message == "chain 1 has 4 draws but chain 0 has 5; bulk ESS needs chains of equal length")
        let s = failure { try Diagnostics.summary(names: ["a"], draws: [[[1], [2], [3], [4]], [[1], [2], [3]]]) }
        #expect(s?.message == "chain 1 has 3 draws but chain 0 has 4; summary needs chains of equal length")
        let w = failure { try Diagnostics.summary(names: ["a", "b"], draws: [[[1, 2], [2, 3], [3], [4, 1]]]) }
        #expect(w?.message == "chain 0, draw 2 has 1 values but there are 2 parameter names")
    }

    @Test func noChains() {
        #expect(failure { try Diagnostics.rhat([]) }?.message == "R-hat needs at least 1 chain, got none")
        #expect(failure { try Diagnostics.summary(names: ["a"], draws: []) }?.message == "summary needs at least 1 chain, got none")
    }

    @Test func nanAndInfinityNameTheChainAndDraw() {
        var x = Self.good
        x[1][2] = .nan
        let e = failure { try Diagnostics.rhat(x) }
        #expect(e?.code == .nonFinite)
        #expect(e?.message == "chain 1, draw 2 is NaN")
        x[1][2] = -.infinity
        #expect(failure { try Diagnostics.mcseMean(x) }?.message == "chain 1, draw 2 is -infinite")
        // in a summary the parameter is named too; the first bad parameter is reported
        var draws = (0..<2).map { c in (0..<5).map { d in [Self.good[c][d], Self.good[c][d] * 2, 7] } }
        draws[1][3][1] = .nan
        draws[0][4][2] = .infinity
        for t in [1, 2] {
            let s = failure { try Diagnostics.summary(names: ["mu", "tau", "k"], draws: draws, threads: t) }
            #expect(s?.code == .nonFinite)
            #expect(s?.message == "parameter 'tau': chain 1, draw 3 is NaN")
        }
        #expect(failure { try Diagnostics.autocorrelation([1, .nan, 2]) }?.message
            == "autocorrelation input value 1 is not finite (nan)")
    }

    /// posterior returns NA for constant draws (ArviZ: NaN R-hat, ESS = S).
    @Test func constantDrawsGiveNaN() throws {
        let constant = [[Double]](repeating: [Double](repeating: 1.5, count: 10), count: 2)
        #expect(try Diagnostics.rhat(constant).isNaN)
        #expect(try Diagnostics.essBulk(constant).isNaN)
        #expect(try Diagnostics.essTail(constant).isNaN)
        #expect(try Diagnostics.essBasic(constant).isNaN)
        #expect(try Diagnostics.mcseMean(constant).isNaN)
        let row = try #require(try Diagnostics.summary(names: ["c"], draws: constant.map { $0.map { [$0] } }).first)
        #expect(row.mean == 1.5 && row.sd == 0 && row.q05 == 1.5 && row.q95 == 1.5)
        #expect(row.rhat!.isNaN && row.essBulk!.isNaN && row.essTail!.isNaN && row.mcseMean!.isNaN)
        #expect(failure { try Diagnostics.autocorrelation([2, 2, 2]) }?.message
            == "autocorrelation of a constant series is undefined (all values 2)")
    }

    /// Chains each constant at a different value: W = 0, B > 0, so R-hat is +∞.
    @Test func chainsStuckAtDifferentConstantsHaveInfiniteRhat() throws {
        let x: [[Double]] = [[1, 1, 1, 1, 1, 1], [2, 2, 2, 2, 2, 2]]
        #expect(try Diagnostics.rhat(x) == .infinity)
    }

    @Test func badArguments() {
        #expect(failure { try Diagnostics.autocorrelation([1, 2, 3], maxLag: 3) }?.message
            == "autocorrelation maxLag must be in 0...2, got 3")
        #expect(failure { try Diagnostics.autocovariance([]) }?.message == "autocovariance needs at least 1 value, got none")
        #expect(failure { try Diagnostics.rhatBasic([[1, 2, 3, 4]], split: false) }?.message
            == "R-hat without splitting needs at least 2 chains, got 1")
        #expect(failure { try Diagnostics.summary(names: ["a"], draws: [[[1], [2], [3], [4]]], threads: -1) }?.message
            == "thread count must be >= 0 (0 = default), got -1")
    }
}
