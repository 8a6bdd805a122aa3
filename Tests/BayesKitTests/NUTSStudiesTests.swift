import BayesKit
import Foundation
import Testing

/// The gradient-based MCMC studies: NUTS against MH on seed 000's posterior
/// and seed 004's HMC example run, report their diagnostics and draw figures.
@Suite struct NUTSStudiesTests {
    func number(_ v: JSONValue?, _ key: String) -> Double? {
        guard case let .object(o)? = v else { return nil }
        return o[key]?.number
    }

    func checkFigures(_ study: StudyResult) throws {
        for f in study.figures {
            let (svg, doc) = try PlotTestSupport.parse(f.figure)
            #expect(doc.isWellFormed, "\(f.file): \(doc.parseError ?? "")")
            #expect(!svg.lowercased().contains("nan"), "\(f.file) contains NaN")
        }
        let folder = try PlotTestSupport.figuresFolder().appendingPathComponent("studies", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try study.writeFigures(to: folder)
        for row in study.table.rows { #expect(row.count == study.table.header.count) }
    }

    @Test func registered() {
        #expect(Studies.names.contains("mcmc-nuts-sine") && Studies.names.contains("mcmc-hmc-sin"))
    }

    /// NUTS mixes where seed 000's random walk does not: more ESS of the functionals, per draw and per second.
    @Test func nutsBeatsMHOnTheSinePosterior() throws {
        let s = try Studies.run("mcmc-nuts-sine", threads: 2)
        let mh = s.summary["mh"], nuts = s.summary["nuts"]
        let essMH = try #require(number(mh, "min_ess_bulk_functionals"))
        let essNUTS = try #require(number(nuts, "min_ess_bulk_functionals"))
        #expect(essNUTS > 3 * essMH, "NUTS ESS \(essNUTS), MH \(essMH)")
        let rNUTS = try #require(number(nuts, "max_rhat_functionals")), rMH = try #require(number(mh, "max_rhat_functionals"))
        #expect(rNUTS < rMH, "R-hat NUTS \(rNUTS), MH \(rMH)")
        let rmse = try #require(number(nuts, "rmse"))
        #expect(rmse > 0 && rmse < 0.3, "RMSE \(rmse)")
        #expect(try #require(s.summary["ess_per_s_ratio"]?.number) > 1)
        #expect(s.table.rows.map { $0[0] } == ["MH", "NUTS"])
        #expect(s.figures.map(\.file) == ["mcmc-nuts-sine.svg"])
        try checkFigures(s)
    }

    /// Seed 004's HMC example: sin activation, 30% burn-in, 16 weight histograms and traces.
    @Test func hmcSinActivation() throws {
        let s = try Studies.run("mcmc-hmc-sin", threads: 2)
        #expect(s.summary["burn_in"] == 600 && s.summary["iterations"] == 2000)
        guard case let .array(acc)? = s.summary["acceptance"] else { Issue.record("no acceptance"); return }
        #expect(acc.count == 4 && acc.allSatisfy { ($0.number ?? 0) > 0.5 })
        #expect(s.table.rows.count == 16)
        #expect(s.figures.map(\.file) == ["mcmc-hmc-sin.svg", "mcmc-hmc-sin-weights.svg", "mcmc-hmc-sin-trace.svg"])
        let rmse = try #require(s.summary["rmse"]?.number)
        #expect(rmse > 0 && rmse < 0.3, "RMSE \(rmse)")
        try checkFigures(s)
    }
}
