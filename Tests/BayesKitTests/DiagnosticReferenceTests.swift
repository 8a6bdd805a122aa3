import BayesKit
import Foundation
import Testing

/// Diagnostics against ArviZ 0.23.4 on the fixed draws of
/// `Tests/Reference/diagnostics_reference.py` (values recorded in
/// `DiagnosticFixtures`), to 1e-8 relative.
@Suite struct DiagnosticReferenceTests {
    static let names = DiagnosticFixtures.cases.map(\.name)

    static func fixture(_ name: String) -> (draws: [[Double]], reference: DiagnosticFixtures.Reference) {
        let c = DiagnosticFixtures.cases.first { $0.name == name }!
        return (c.draws, c.reference)
    }

    @Test(arguments: names) func fixtureMatchesThePythonGenerator(_ name: String) {
        let (draws, ref) = Self.fixture(name)
        let flat = Array(draws.joined())
        #expect(flat.first == ref.first)
        #expect(flat.last == ref.last)
        // numpy's pairwise sum and a running sum differ in the last bits
        #expect(relativelyClose(flat.reduce(0, +), ref.sum, 1e-12))
    }

    @Test(arguments: names) func rhatMatchesArviZ(_ name: String) throws {
        let (draws, ref) = Self.fixture(name)
        let value = try Diagnostics.rhat(draws)
        #expect(relativelyClose(value, ref.rhat), "\(name): rhat \(value) vs ArviZ \(ref.rhat)")
        if !ref.rhatSplit.isNaN {
            let split = try Diagnostics.rhatBasic(draws, split: true)
            #expect(relativelyClose(split, ref.rhatSplit), "\(name): split rhat \(split) vs ArviZ \(ref.rhatSplit)")
        }
    }

    @Test(arguments: names) func essMatchesArviZ(_ name: String) throws {
        let (draws, ref) = Self.fixture(name)
        let bulk = try Diagnostics.essBulk(draws)
        let tail = try Diagnostics.essTail(draws)
        let mean = try Diagnostics.essBasic(draws, split: true)
        let identity = try Diagnostics.essBasic(draws, split: false)
        #expect(relativelyClose(bulk, ref.essBulk), "\(name): bulk ESS \(bulk) vs ArviZ \(ref.essBulk)")
        #expect(relativelyClose(tail, ref.essTail), "\(name): tail ESS \(tail) vs ArviZ \(ref.essTail)")
        #expect(relativelyClose(mean, ref.essMean), "\(name): ESS (mean) \(mean) vs ArviZ \(ref.essMean)")
        #expect(relativelyClose(identity, ref.essIdentity), "\(name): ESS (identity) \(identity) vs ArviZ \(ref.essIdentity)")
    }

    @Test(arguments: names) func mcseMatchesArviZ(_ name: String) throws {
        let (draws, ref) = Self.fixture(name)
        let mcse = try Diagnostics.mcseMean(draws)
        #expect(relativelyClose(mcse, ref.mcseMean), "\(name): MCSE \(mcse) vs ArviZ \(ref.mcseMean)")
    }

    @Test(arguments: names) func autocorrelationMatchesArviZ(_ name: String) throws {
        let (draws, ref) = Self.fixture(name)
        let acf = try Diagnostics.autocorrelation(draws[0], maxLag: 5)
        let acov = try Diagnostics.autocovariance(draws[0], maxLag: 2)
        #expect(acf.count == 6 && acov.count == 3)
        for (k, (a, b)) in zip(acf, ref.acf).enumerated() {
            // lags where ρ is ~1e-3 lose digits to cancellation in either FFT
            #expect(abs(a - b) <= 1e-12 + 1e-8 * abs(b), "\(name): acf[\(k)] \(a) vs ArviZ \(b)")
        }
        for (k, (a, b)) in zip(acov, ref.acov).enumerated() {
            #expect(abs(a - b) <= 1e-12 * ref.acov[0] + 1e-8 * abs(b), "\(name): acov[\(k)] \(a) vs ArviZ \(b)")
        }
    }

    @Test(arguments: names) func summaryRowMatchesArviZ(_ name: String) throws {
        let (draws, ref) = Self.fixture(name)
        let rows = try Diagnostics.summary(names: ["x"], draws: draws.map { $0.map { [$0] } }, threads: 1)
        let r = try #require(rows.first)
        #expect(rows.count == 1 && r.name == "x")
        #expect(relativelyClose(r.mean, ref.mean, 1e-12))
        #expect(relativelyClose(r.sd, ref.sd, 1e-12))
        #expect(relativelyClose(r.q05, ref.q05, 1e-12))
        #expect(relativelyClose(r.q50, ref.q50, 1e-12))
        #expect(relativelyClose(r.q95, ref.q95, 1e-12))
        #expect(relativelyClose(r.rhat!, ref.rhat))
        #expect(relativelyClose(r.essBulk!, ref.essBulk))
        #expect(relativelyClose(r.essTail!, ref.essTail))
        #expect(relativelyClose(r.mcseMean!, ref.mcseMean))
    }

    @Test func stuckChainIsFlagged() throws {
        let rhat = try Diagnostics.rhat(DiagnosticFixtures.stuckDraws)
        #expect(rhat > 1.4)
        #expect(try Diagnostics.rhat(DiagnosticFixtures.ar1Draws) < 1.02)
    }

    /// The direct O(n²) sum (the existing plot helper) and the FFT agree.
    @Test func fftAutocorrelationMatchesTheDirectSum() throws {
        let x = DiagnosticFixtures.ar1Draws[1]
        let fft = try Diagnostics.autocorrelation(x, maxLag: 50)
        let direct = try Plot.autocorrelation(x, maxLag: 50)
        for (a, b) in zip(fft, direct) { #expect(abs(a - b) < 1e-12) }
        #expect(try Diagnostics.autocorrelation([1, 2]).count == 2)
    }
}
