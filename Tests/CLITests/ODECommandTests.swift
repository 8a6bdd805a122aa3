import ArgumentParser
import BayesKit
import BayesKitCLI
import Foundation
import Testing

/// `bayeskit ode solve|grid`, end to end. An extension of the serialized
/// `CommandLine` suite: commands set the process-wide thread count.
extension CommandLine {
    static func odeFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("bk-ode-\(UUID().uuidString)")
    }

    @Test func odeSolveWritesTheTrajectoryAndItsError() throws {
        let dir = Self.odeFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot(["ode", "solve", "--output", dir.path, "--threads", "1",
                                                       "--rtol", "1e-12", "--atol", "1e-14", "--sensitivities"])
        try command.run()
        try BayesKitLibrary.setThreadCount(0)
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        #expect(result.command == "ode-solve" && result.threads == 1)
        #expect(result.config["system"] == "oscillator" && result.config["method"] == "rk8pd")
        #expect(result.timing.solveS != nil)
        let err = try #require(result.summary?["max_error_closed_form"]?.number)
        #expect(err < 1e-10)
        let table = try CSVReader.read(path: dir.appendingPathComponent("solution.csv").path)
        #expect(table.columnNames == ["t", "x", "v", "dx/dzeta", "dv/dzeta", "dx/domega", "dv/domega"])
        #expect(table.rowCount == 400)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("solution.svg").path))
    }

    @Test func odeGridReproducesSeed001() throws {
        let dir = Self.odeFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot(["ode", "grid", "--system", "oscillator", "--grid", "60x60",
                                                       "--zeta", "0.02:0.2", "--omega", "0.7:1.4", "--noise", "0.05",
                                                       "--refine", "40", "--output", dir.path, "--threads", "2"])
        try command.run()
        try BayesKitLibrary.setThreadCount(0)
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        #expect(result.command == "ode-grid" && result.threads == 2)
        let p = try #require(result.parameters)
        #expect(p.map(\.name) == ["zeta", "omega"])
        #expect(abs(p[0].mean - 0.08) < 4 * p[0].sd && abs(p[1].mean - 1.1) < 4 * p[1].sd, "\(p)")
        #expect(p[0].q05 < p[0].q50 && p[0].q50 < p[0].q95)
        #expect(result.summary?["grid"]?["nodes"] == 3600)
        #expect(result.summary?["mode"]?["omega"]?.number.map { abs($0 - 1.1) < 0.02 } == true)
        #expect(result.timing.solveS != nil && result.metrics?["log_evidence"] != nil)
        for file in ["grid.csv", "predictive.csv", "grid.svg", "fine.svg", "predictive.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "\(file)")
        }
        let grid = try CSVReader.read(path: dir.appendingPathComponent("grid.csv").path)
        #expect(grid.rowCount == 3600 && grid.columnNames == ["zeta", "omega", "log_posterior", "log_likelihood", "probability"])
    }

    /// Issue 9: NUTS on the oscillator (gradients from the forward
    /// sensitivities) agrees with the grid posterior within 5 MCSE.
    @Test func odeNUTSAgreesWithItsGrid() throws {
        let dir = Self.odeFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot(["ode", "mcmc", "--sampler", "nuts", "--chains", "2", "--warmup", "300",
                                                       "--draws", "500", "--seed", "5", "--output", dir.path, "--threads", "1",
                                                       "--progress", "none"])
        try command.run()
        try BayesKitLibrary.setThreadCount(0)
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        #expect(result.config["sampler"] == "nuts")
        let p = try #require(result.parameters)
        for q in p {
            let gridMean = try #require(result.summary?["grid"]?["mean"]?[q.name]?.number)
            let gridSD = try #require(result.summary?["grid"]?["sd"]?[q.name]?.number)
            #expect(abs(q.mean - gridMean) <= 5 * (q.mcseMean ?? 0), "\(q.name): \(q.mean) vs grid \(gridMean)")
            #expect(abs(q.sd - gridSD) <= 0.25 * gridSD, "\(q.name): sd \(q.sd) vs grid \(gridSD)")
            #expect((q.rhat ?? 9) < 1.02 && (q.essBulk ?? 0) > 200)
        }
    }

    @Test func odeMCMCAgreesWithItsGridAndWritesDrawsAndFigures() throws {
        let dir = Self.odeFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot(["ode", "mcmc", "--system", "oscillator", "--chains", "3", "--warmup", "500",
                                                       "--draws", "2000", "--seed", "4", "--output", dir.path, "--threads", "2",
                                                       "--progress", "none"])
        try command.run()
        try BayesKitLibrary.setThreadCount(0)
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        #expect(result.command == "ode-mcmc" && result.threads == 2 && result.seed == 4)
        #expect(result.config["sampler"] == "rwmh" && result.config["chains"] == 3 && result.config["noise"] == 0.05)
        let p = try #require(result.parameters)
        #expect(p.map(\.name) == ["zeta", "omega"])
        for q in p {
            let gridMean = try #require(result.summary?["grid"]?["mean"]?[q.name]?.number)
            #expect(abs(q.mean - gridMean) <= 5 * (q.mcseMean ?? 0), "\(q.name): \(q.mean) vs grid \(gridMean)")
            #expect((q.rhat ?? 9) < 1.05)
        }
        #expect(result.chains?.count == 3)
        #expect(result.timing.samplingS != nil && result.timing.warmupS != nil)
        #expect(result.summary?["proposal_from"] == "laplace")
        for file in ["pairs.svg", "trace.svg", "predictive.svg", "predictive.csv", "draws/manifest.json", "draws/chain-2.bkd"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "\(file)")
        }
        let pred = try CSVReader.read(path: dir.appendingPathComponent("predictive.csv").path)
        #expect(pred.columnNames == ["t", "mean", "sd", "q05", "q50", "q95", "obs_q05", "obs_q95"] && pred.columns[0].last == 8)
    }

    @Test func odeMCMCInfersNoiseAndInitialStates() throws {
        let dir = Self.odeFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot(["ode", "mcmc", "--infer-noise", "--infer-initial", "x",
                                                       "--prior", "x0=normal(1,0.2)", "--prior", "sigma=log-uniform(0.001,1)",
                                                       "--chains", "2", "--warmup", "500", "--draws", "1000",
                                                       "--output", dir.path, "--threads", "1", "--progress", "none",
                                                       "--no-draws-file"])
        try command.run()
        try BayesKitLibrary.setThreadCount(0)
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        let p = try #require(result.parameters)
        #expect(p.map(\.name) == ["zeta", "omega", "x0", "log_sigma", "sigma"])
        #expect(p[4].q05 < 0.08 && p[4].q95 > 0.03 && p[4].q05 > 0)
        #expect(result.summary?["grid"] == nil)
        #expect(result.config["priors"]?["sigma"] == "log-uniform(0.001,1)" && result.config["priors"]?["zeta"] == "default")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("draws").path))
    }

    @Test func odeOptionsAreValidated() {
        func message(_ args: [String]) -> String {
            do {
                _ = try BayesKitCommand.parseAsRoot(args)
                return "parsed"
            } catch {
                return BayesKitCommand.message(for: error)
            }
        }
        #expect(message(["ode", "grid", "--grid", "60"]) == "--grid has 1 dimension(s) but there are 2 axes (zeta, omega)")
        #expect(message(["ode", "grid", "--grid", "60x1"]) == "--grid must be N, NxM or NxMxK with every N >= 2; got '60x1'")
        #expect(message(["ode", "grid", "--zeta", "0.2:0.02"]) == "--zeta must be LO:HI with finite LO < HI; got '0.2:0.02'")
        #expect(message(["ode", "grid", "--noise", "-1"]) == "--noise must be positive and finite; got -1.0")
        #expect(message(["ode", "grid", "--system", "sir"])
            == "--axis NAME=LO:HI is needed for system 'sir' (--zeta and --omega are the oscillator's)")
        #expect(message(["ode", "solve", "--system", "pendulum"])
            == "unknown ODE system 'pendulum'; known systems: oscillator, forced-oscillator, lotka-volterra, sir, van-der-pol, robertson")
        #expect(message(["ode", "solve", "--method", "euler"])
            == "--method: unknown ODE method 'euler'; known methods: rk8pd, rkf45, rkck, rk4imp, msbdf")
        #expect(message(["ode", "solve", "--rtol", "-1"]) == "--rtol must be >= 0 and finite; got -1.0")
        #expect(message(["ode", "solve", "--params", "zeta=0.1,mass=2"])
            == "--params: system 'oscillator' has no parameter 'mass'; its parameters: zeta, omega")
        #expect(message(["ode", "solve", "--initial", "1"]) == "--initial needs 2 comma-separated numbers (x, v); got '1'")
        #expect(message(["ode", "solve", "--system", "sir", "--params", "0.5,0.1"]) == "parsed")
        #expect(message(["ode", "mcmc", "--sampler", "hmc"]) == "--sampler must be rwmh or nuts; got 'hmc'")
        #expect(message(["ode", "mcmc", "--free", "mass"]) == "--free: system 'oscillator' has no parameter 'mass'; its parameters: zeta, omega")
        #expect(message(["ode", "mcmc", "--prior", "sigma=half-normal(1)"]) == "--prior: 'sigma' is not inferred; inferred: omega, zeta")
        #expect(message(["ode", "mcmc", "--prior", "zeta=normal(0)"])
            == "--prior zeta: prior 'normal(0)': normal takes 2 argument(s) (mean, sd), got 1")
        #expect(message(["ode", "mcmc", "--prior", "zeta=normal(0,-1)"]) == "--prior zeta: Normal sd must be positive and finite, got -1")
        #expect(message(["ode", "mcmc", "--infer-noise", "--prior", "sigma=log-uniform(0,1)"])
            == "--prior sigma: log-uniform noise bounds must satisfy 0 < low < high < inf; got 0.0, 1.0")
        #expect(message(["ode", "mcmc", "--infer-initial", "y"]) == "--infer-initial: system 'oscillator' has no state 'y'; its states: x, v")
        #expect(message(["ode", "mcmc", "--noise", "-0.05"]) == "--noise must be positive and finite; got -0.05")
        #expect(message(["ode", "mcmc", "--init", "mse"]) == "--init must be map or prior; got 'mse'")
        #expect(message(["ode", "mcmc", "--system", "sir"])
            == "--data FILE is needed for system 'sir' (the embedded data are seed 001's oscillator)")
        #expect(message(["ode", "mcmc", "--thin", "0"]) == "--thin must be >= 1; got 0")
    }
}
