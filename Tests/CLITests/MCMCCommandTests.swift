import ArgumentParser
import BayesKit
import BayesKitCLI
import Foundation
import Testing

/// `bayeskit mcmc` and `bayeskit summary`, end to end. An extension of the
/// serialized `CommandLine` suite: commands set the process-wide thread count.
extension CommandLine {
    static func mcmcFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("bk-mcmc-\(UUID().uuidString)")
    }

    @Test func mcmcWritesResultDrawsAndFigures() throws {
        let dir = Self.mcmcFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot([
            "mcmc", "--sampler", "rwmh", "--model", "bnn", "--chains", "2", "--warmup", "200", "--draws", "400",
            "--thin", "2", "--init", "mse", "--output", dir.path, "--threads", "1", "--progress", "none"])
        try command.run()
        try BayesKitLibrary.setThreadCount(0)
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        #expect(result.command == "mcmc" && result.seed == 0 && result.threads == 1)
        let p = try #require(result.parameters)
        #expect(p.count == 16 + 5)
        #expect(p[0].name == "layer0.W[0,0]" && p[16].name.hasPrefix("f(x="))
        #expect(p.allSatisfy { $0.rhat != nil && $0.essBulk != nil && $0.sd >= 0 && $0.q05 <= $0.q95 })
        let chains = try #require(result.chains)
        #expect(chains.map(\.index) == [0, 1])
        #expect(chains.allSatisfy { $0.acceptanceRate > 0 && $0.acceptanceRate < 1 && $0.stepSize != nil })
        #expect(result.timing.samplingS != nil && result.timing.warmupS != nil)
        #expect(result.config["init"] == "mse" && result.config["chains"] == 2 && result.config["thin"] == 2)
        #expect(result.summary?["kept_draws_per_chain"] == 200)
        #expect(result.metrics?["max_rhat"] != nil)
        #expect(result.metrics?["elpd_loo"]?.isFinite == true && result.metrics?["p_loo"] != nil && result.metrics?["elpd_waic"] != nil)
        for file in ["draws/manifest.json", "draws/chain-0.bkd", "draws/chain-1.bkd", "trace.svg", "predictive.svg",
                     "predictive.csv"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "\(file)")
        }
        let manifest = try DrawsManifest.read(from: dir.appendingPathComponent("draws"))
        #expect(manifest.complete && manifest.chains.map(\.draws) == [200, 200])
        for svg in ["trace.svg", "predictive.svg"] {
            let text = try String(contentsOf: dir.appendingPathComponent(svg), encoding: .utf8)
            #expect(text.hasPrefix("<svg") || text.hasPrefix("<?xml"), "\(svg)")
            #expect(!text.lowercased().contains("nan"), "\(svg)")
        }

        // bayeskit summary on the output folder: the same table as result.json's weights.
        var summary = try BayesKitCommand.parseAsRoot(["summary", dir.path, "--threads", "1"])
        try summary.run()
        try BayesKitLibrary.setThreadCount(0)
        let csv = try String(contentsOf: dir.appendingPathComponent("summary.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "name,mean,sd,q05,q50,q95,ess_bulk,ess_tail,rhat")
        #expect(lines.count == 17)
        #expect(lines[1].hasPrefix("\"layer0.W[0,0]\","))
        let fields = lines[1].split(separator: ",").suffix(8).compactMap { Double($0) }
        #expect(fields.count == 8 && abs(fields[0] - p[0].mean) < 1e-12 && abs(fields[7] - (p[0].rhat ?? 0)) < 1e-9)
        // ... and on the draws folder itself.
        var direct = try BayesKitCommand.parseAsRoot(["summary", dir.appendingPathComponent("draws").path, "--threads", "1"])
        try direct.run()
        try BayesKitLibrary.setThreadCount(0)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("draws/summary.csv").path))

        // The functionals were streamed to their own draws folder.
        let fManifest = try DrawsManifest.read(from: dir.appendingPathComponent("draws/functionals"))
        #expect(fManifest.parameterNames.count == 5 && fManifest.chains.map(\.draws) == [200, 200])

        // Export for Python: the same draws in ArviZ's JSON and in Stan CSV.
        var export = try BayesKitCommand.parseAsRoot(["summary", dir.path, "--threads", "1", "--export", "arviz",
                                                      "--export", "stan-csv"])
        try export.run()
        try BayesKitLibrary.setThreadCount(0)
        let chain1 = try DrawsFile.read(dir.appendingPathComponent("draws/chain-1.bkd")).values
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("arviz.json")))
        let posterior = try #require((json as? [String: Any])?["posterior"] as? [String: Any])
        #expect(posterior.count == 16)
        let w = try #require(posterior["layer0.W[2,0]"] as? [[Double]])
        #expect(w.count == 2 && w[1].count == 200 && abs(w[1][7] - chain1[7, 2]) <= 1e-15 * abs(chain1[7, 2]), "\(w[1][7]) vs \(chain1[7, 2])")
        let stan = try String(contentsOf: dir.appendingPathComponent("stan/chain-1.csv"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(stan.count == 201 && stan[0].hasPrefix("layer0_W.1.1,layer0_W.2.1,"))
        #expect(Double(stan[8].split(separator: ",")[2]) == chain1[7, 2])
        #expect(throws: (any Error).self) { try BayesKitCommand.parseAsRoot(["summary", dir.path, "--export", "netcdf"]) }
    }

    @Test func mcmcNUTSReportsStepSizesDivergencesAndGradients() throws {
        let dir = Self.mcmcFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot([
            "mcmc", "--sampler", "nuts", "--activation", "tanh", "--chains", "2", "--warmup", "150", "--draws", "100",
            "--max-depth", "6", "--metric", "diag", "--no-draws-file", "--output", dir.path, "--threads", "2",
            "--progress", "none"])
        try command.run()
        try BayesKitLibrary.setThreadCount(0)
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        #expect(result.config["sampler"] == "nuts" && result.config["max_depth"] == 6 && result.config["metric"] == "diag")
        #expect(result.config["target_acceptance"] == 0.8)
        let chains = try #require(result.chains)
        #expect(chains.count == 2)
        #expect(chains.allSatisfy { ($0.stepSize ?? 0) > 0 && $0.nDivergent != nil && $0.nTreedepthHits != nil })
        #expect(chains.allSatisfy { ($0.nGradEvals ?? 0) >= 250 && $0.acceptanceRate > 0.3 && $0.acceptanceRate <= 1 })
        let perDraw = try #require(result.metrics?["grad_evals_per_draw"])
        #expect(perDraw >= 1 && perDraw <= 63)
        #expect(result.metrics?["divergences"] != nil && result.metrics?["treedepth_hits"] != nil)
        if case .number(let cost)? = result.summary?["gradient_eval_s"] { #expect(cost > 0) } else { Issue.record("no gradient cost") }
        let p = try #require(result.parameters)
        #expect(p.count == 16 + 5)
    }

    @Test func mcmcSGLDAndCyclicalSGHMC() throws {
        for args in [["--sampler", "sgld", "--batch-size", "5"],
                     ["--sampler", "sghmc", "--batch-size", "5", "--schedule", "cyclical", "--cycles", "4"]] {
            let dir = Self.mcmcFolder()
            defer { try? FileManager.default.removeItem(at: dir) }
            var command = try BayesKitCommand.parseAsRoot(["mcmc"] + args + [
                "--chains", "2", "--warmup", "2000", "--draws", "8000", "--thin", "20", "--output", dir.path,
                "--threads", "2", "--progress", "none"])
            try command.run()
            try BayesKitLibrary.setThreadCount(0)
            let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
            #expect(result.config["sampler"] == .string(args[1]))
            #expect(result.summary?["kept_draws_per_chain"] == 400)
            let perDraw = try #require(result.metrics?["grad_evals_per_draw"])
            #expect(perDraw >= 1, "\(args): \(perDraw) gradients per draw")
            #expect(try #require(result.chains).allSatisfy { $0.acceptanceRate == 1 })
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("draws/chain-1.bkd").path))
        }
    }

    @Test func mcmcSeedExperimentWithoutDrawsFiles() throws {
        let dir = Self.mcmcFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot([
            "mcmc", "--warmup", "0", "--draws", "10000", "--thin", "10", "--proposal-scale", "0.01", "--chains", "1",
            "--init", "mse", "--no-draws-file", "--output", dir.path, "--threads", "1", "--progress", "none"])
        try command.run()
        try BayesKitLibrary.setThreadCount(0)
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        let acc = try #require(result.chains?.first?.acceptanceRate)
        #expect(abs(acc - 0.455) < 0.08)
        #expect(result.chains?.first?.stepSize == 0.01)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("draws").path))
        #expect(result.summary?["kept_draws_per_chain"] == 1000)
        // The seed's sampler mixes badly: the run says so.
        guard case let .array(warnings)? = result.summary?["warnings"] else { Issue.record("no warnings"); return }
        let maxRhat = try #require(result.metrics?["max_rhat"]), minESS = try #require(result.metrics?["min_ess_bulk"])
        #expect(warnings.isEmpty == (maxRhat <= 1.01 && minESS >= 100))
        #expect(warnings.first?.string?.hasPrefix("WARNING:") ?? true)
    }

    @Test func mcmcAndSummaryRejectBadOptions() throws {
        func message(_ args: [String]) -> String {
            do {
                var c = try BayesKitCommand.parseAsRoot(args)
                try c.run()
                return "no error"
            } catch {
                return BayesKitCommand.message(for: error)
            }
        }
        #expect(message(["mcmc", "--proposal-scale", "0"]) == "--proposal-scale must be positive and finite; got 0.0")
        #expect(message(["mcmc", "--proposal-scale", "-1"]) == "--proposal-scale must be positive and finite; got -1.0")
        #expect(message(["mcmc", "--init", "zeros"]) == "--init must be map, mse or prior; got 'zeros'")
        #expect(message(["mcmc", "--sampler", "sgmcmc"]) == "--sampler must be rwmh, hmc, nuts, sgld or sghmc; got 'sgmcmc'")
        #expect(message(["mcmc", "--sampler", "sgld", "--batch-size", "0"]) == "--batch-size must be >= 1; got 0")
        #expect(message(["mcmc", "--sampler", "sgld", "--decay-exponent", "0.4"]) == "--decay-exponent must be in (0.5, 1]; got 0.4")
        #expect(message(["mcmc", "--sampler", "sghmc", "--friction", "2"]) == "--friction must be in (0, 1]; got 2.0")
        #expect(message(["mcmc", "--sampler", "sgld", "--schedule", "linear"]) == "--schedule must be decay, constant or cyclical; got 'linear'")
        #expect(message(["mcmc", "--sampler", "sgld", "--batch-size", "50", "--no-draws-file", "--progress", "none",
                         "--output", Self.mcmcFolder().path]).contains("batch size 50 must be in 1..20"))
        #expect(message(["mcmc", "--sampler", "nuts", "--max-depth", "0"]) == "--max-depth must be in 1...30; got 0")
        #expect(message(["mcmc", "--sampler", "nuts", "--metric", "full"]) == "--metric must be diag, dense or unit; got 'full'")
        #expect(message(["mcmc", "--sampler", "hmc", "--steps", "0"]) == "--steps must be >= 1; got 0")
        #expect(message(["mcmc", "--sampler", "hmc", "--step-size", "-0.1"]) == "--step-size must be positive and finite; got -0.1")
        #expect(message(["mcmc", "--target-accept", "0"]) == "--target-acceptance must be between 0 and 1 (exclusive); got 0.0")
        #expect(message(["mcmc", "--model", "linear"]) == "--model must be bnn; got 'linear'")
        #expect(message(["mcmc", "--thin", "0"]) == "--thin must be >= 1; got 0")
        #expect(message(["mcmc", "--target-acceptance", "1"])
            == "--target-acceptance must be between 0 and 1 (exclusive); got 1.0")
        #expect(message(["mcmc", "--layers", "1,0,1"]) == "--layers widths must be >= 1; got 0 in '1,0,1'")
        #expect(message(["mcmc", "--no-draws-file", "--draws-file", "x"])
            == "give either --draws-file DIR or --no-draws-file, not both")
        let missing = Self.mcmcFolder().path
        #expect(message(["summary", missing])
            == "no draws manifest in \(missing): expected \(missing)/draws/manifest.json or \(missing)/manifest.json")
        try BayesKitLibrary.setThreadCount(0)
    }
}
