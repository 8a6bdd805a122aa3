import BayesKit
import Foundation
import Testing

/// The MCMC seed studies: they run quickly, reproduce, report honest
/// diagnostics and write well-formed figures.
@Suite struct MCMCStudiesTests {
    func numbers(_ v: JSONValue?) -> [Double] {
        guard case let .array(a)? = v else { return [] }
        return a.compactMap(\.number)
    }

    func checkFigures(_ study: StudyResult) throws {
        for f in study.figures {
            let (svg, doc) = try PlotTestSupport.parse(f.figure)
            #expect(doc.isWellFormed, "\(f.file): \(doc.parseError ?? "")")
            #expect(!svg.lowercased().contains("nan"), "\(f.file) contains NaN")
            #expect(doc.count("text") > 5)
        }
        let folder = try PlotTestSupport.figuresFolder().appendingPathComponent("studies", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try study.writeFigures(to: folder)
        #expect(!study.description.isEmpty && !study.headline.isEmpty && !study.table.rows.isEmpty)
        for row in study.table.rows { #expect(row.count == study.table.header.count) }
    }

    @Test func registered() {
        #expect(Studies.names.contains("mcmc-prior") && Studies.names.contains("mcmc-sine")
            && Studies.names.contains("mcmc-linear"))
    }

    @Test func priorPredictiveHas50Functions() throws {
        let s = try Studies.run("mcmc-prior", threads: 1)
        #expect(s.name == "mcmc-prior" && s.summary["samples"] == 50)
        let sd0 = try #require(s.summary["prior_sd_at_0"]?.number), sdEdge = try #require(s.summary["prior_sd_at_edges"]?.number)
        // f(0) = b2 + sum v_j relu(b_j): sd of order 1; the spread grows away from 0.
        #expect(sd0 > 0.3 && sd0 < 5 && sdEdge > sd0)
        try checkFigures(s)
        let again = try MCMCStudies.prior(seed: 0, threads: 2)
        #expect(again.summary["prior_sd_at_0"] == s.summary["prior_sd_at_0"])
    }

    /// Seed 000's MH: acceptance near the notebook's 0.455; the diagnostics
    /// of the functionals are reported, whatever they are.
    @Test func sineMHFollowsTheSeed() throws {
        let start = ContinuousClock.now
        let s = try Studies.run("mcmc-sine", threads: 1)
        let elapsed = ContinuousClock.now - start
        let acc = try #require(s.summary["acceptance_rate"]?.number)
        #expect(abs(acc - 0.455) < 0.08, "acceptance \(acc)")
        #expect(s.summary["kept_draws"] == 1000)
        #expect(numbers(s.summary["acceptance_rates_4_chains"]).count == 4)
        #expect(numbers(s.summary["functional_points"]).count == 5)
        let r4 = try #require(s.summary["max_rhat_functionals_4_chains"]?.number)
        let e4 = try #require(s.summary["min_ess_bulk_functionals_4_chains"]?.number)
        #expect(r4.isFinite && r4 >= 1 && e4 > 0 && e4 <= 4000)
        #expect(s.summary["converged"] == .bool(r4 <= 1.01 && e4 >= 100))
        #expect(s.table.rows.count == 5 && s.table.rows[0][0].hasPrefix("f(x="))
        #expect(s.figures.map(\.file) == ["mcmc-sine.svg", "mcmc-sine-trace.svg"])
        try checkFigures(s)
        #expect(elapsed < .seconds(10))
        // Same seed, same numbers, any thread count.
        let again = try MCMCStudies.sine(seed: 0, threads: 2)
        #expect(again.summary["acceptance_rate"] == s.summary["acceptance_rate"])
        #expect(again.summary["max_rhat_functionals_4_chains"] == s.summary["max_rhat_functionals_4_chains"])
    }

    /// Seed 004: MH for the straight line matches the closed-form posterior.
    @Test func linearMHMatchesTheExactPosterior() throws {
        let s = try Studies.run("mcmc-linear", seed: 4, threads: 1)
        let acc = try #require(s.summary["mean_acceptance_rate"]?.number)
        #expect(acc > 0.12 && acc < 0.3, "acceptance \(acc)")
        let m = numbers(s.summary["mcmc_mean"]), exact = numbers(s.summary["exact_mean"])
        let sd = numbers(s.summary["mcmc_sd"]), exactSD = numbers(s.summary["exact_sd"])
        #expect(m.count == 2 && exact.count == 2)
        for z in numbers(s.summary["mean_error_in_mcse"]) { #expect(abs(z) < 5, "z = \(z)") }
        for j in 0..<2 { #expect(abs(sd[j] / exactSD[j] - 1) < 0.15, "sd \(sd[j]) vs \(exactSD[j])") }
        for r in numbers(s.summary["rhat"]) { #expect(r < 1.02) }
        for e in numbers(s.summary["ess_bulk"]) { #expect(e > 300) }
        #expect(s.summary["burn_in"] == 1000 && s.summary["iterations"] == 5000)
        try checkFigures(s)
    }
    /// README.md's "MCMC" snippet, kept compiling and true.
    @Test func readmeMCMCSnippetRuns() throws {
        let sine = try Datasets.sine()
        let bnn = try BNN(layers: [1, 5, 1], activation: .relu, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1))
        let chains = try MCMC.seed000(chains: 4)
            .run(bnn, x: sine.x, y: sine.y, initial: .mse(steps: 200, learningRate: 0.01), seed: 0, threads: 1)
        #expect(chains.acceptanceRates.count == 4)
        #expect(abs(chains.acceptanceRates[0] - 0.455) < 0.05)
        let f = try Predictive.functionals(chains, architecture: bnn.architecture,
                                           at: try Predictive.defaultFunctionalInputs(x: sine.x), threads: 1)
        let table = try f.summary(threads: 1)
        #expect(table.count == 5 && table.allSatisfy { $0.name.hasPrefix("f(x=") })
        // The README says the seed's fixed step does not mix across chains.
        #expect((table.compactMap(\.rhat).max() ?? 0) > 1.01)
    }
}
