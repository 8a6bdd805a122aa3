import BayesKit
import Foundation
import Testing

// Statistical recovery, reproducibility, files and errors of the MCMC driver.
// Tolerances come from the Monte Carlo error: |estimate - truth| < 4 MCSE,
// MCSE = sd / sqrt(ESS) with the diagnostics' ESS.

/// Mean and MCSE of f(draw) over all chains.
func mcmcEstimate(_ draws: [[[Double]]], _ f: ([Double]) -> Double) throws -> (mean: Double, mcse: Double) {
    let series = draws.map { $0.map(f) }
    let all = series.flatMap { $0 }
    return (all.reduce(0, +) / Double(all.count), try Diagnostics.mcseMean(series))
}

func mcmcTempFolder() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("bk-mcmc-\(UUID().uuidString)")
}

/// Seed 000's data and model.
func mcmcSeedProblem() throws -> (BNN, Dataset) {
    (try BNN(layers: [1, 5, 1], activation: .relu, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1)),
     try Datasets.sine())
}

@Suite struct MCMCRecoveryTests {
    /// 2-D correlated Gaussian, 4 chains, adapted random walk: mean, variances and covariance within 4 MCSE.
    @Test func correlatedGaussian() throws {
        let mu = [1.0, -2.0], c = [[1.0, 0.8], [0.8, 2.0]]
        let det = c[0][0] * c[1][1] - c[0][1] * c[1][0]
        let p = [[c[1][1] / det, -c[0][1] / det], [-c[1][0] / det, c[0][0] / det]]
        let model = try LogDensity(dimension: 2, names: ["a", "b"]) { x in
            let d0: Double = x[0] - mu[0], d1: Double = x[1] - mu[1]
            let q0: Double = p[0][0] * d0 + p[0][1] * d1
            let q1: Double = p[1][0] * d0 + p[1][1] * d1
            return -0.5 * (d0 * q0 + d1 * q1)
        }
        let chains = try MCMC(kernel: RandomWalkMetropolis(scale: 0.1), chains: 4, warmup: 2000, draws: 20_000)
            .run(model, initial: .given([[0, 0], [2, 0], [0, -4], [3, -3]]), seed: 11, threads: 2)
        let draws = try chains.draws()
        let summary = try chains.summary()
        print("2-D Gaussian: acceptance \(chains.acceptanceRates), scales \(chains.chainStats.map { $0.scale ?? .nan })")
        for j in 0..<2 {
            let s = summary[j]
            print("  \(s.name): mean \(s.mean) ± \(s.mcseMean!) (truth \(mu[j])), ess_bulk \(s.essBulk!), rhat \(s.rhat!)")
            #expect(abs(s.mean - mu[j]) < 4 * s.mcseMean!)
            #expect(s.rhat! < 1.01)
        }
        for (i, j) in [(0, 0), (1, 1), (0, 1)] {
            let e = try mcmcEstimate(draws) { ($0[i] - mu[i]) * ($0[j] - mu[j]) }
            print("  cov[\(i),\(j)] \(e.mean) ± \(e.mcse) (truth \(c[i][j]))")
            #expect(abs(e.mean - c[i][j]) < 4 * e.mcse)
        }
        // Welford means during the run agree with the draws.
        for k in 0..<4 {
            let m = draws[k].reduce(0.0) { $0 + $1[0] } / Double(draws[k].count)
            #expect(abs(chains.onlineMean[k][0] - m) < 1e-9)
        }
    }

    /// Bayesian linear regression on seed 000's sine data: MH matches the closed form.
    @Test func linearRegressionPosterior() throws {
        let data = try Datasets.sine()
        let alpha = 1.0, beta = 100.0
        let exact = try BayesianLinearRegression(basis: .affine, alpha: alpha, beta: beta).fit(data.x, data.y)
        let x = data.x, y = data.y
        let model = try LogDensity(dimension: 2, names: ["w0", "w1"]) { w in
            var s = -0.5 * alpha * (w[0] * w[0] + w[1] * w[1])
            for i in 0..<x.count {
                let r = y[i] - w[0] - w[1] * x[i]
                s -= 0.5 * beta * r * r
            }
            return s
        }
        let chains = try MCMC(kernel: RandomWalkMetropolis(scale: 0.1), chains: 4, warmup: 2000, draws: 20_000)
            .run(model, initial: .given([[0, 0]]), seed: 3, threads: 2)
        let draws = try chains.draws()
        let sd = exact.standardDeviations, cov = exact.covariance
        for j in 0..<2 {
            let e = try mcmcEstimate(draws) { $0[j] }
            print(String(format: "BLR w%d: MH %.5f ± %.5f, exact %.5f (sd %.5f)", j, e.mean, e.mcse, exact.mean[j], sd[j]))
            #expect(abs(e.mean - exact.mean[j]) < 4 * e.mcse)
            let v = try mcmcEstimate(draws) { ($0[j] - exact.mean[j]) * ($0[j] - exact.mean[j]) }
            #expect(abs(v.mean - cov[j, j]) < 4 * v.mcse)
        }
        let c01 = try mcmcEstimate(draws) { ($0[0] - exact.mean[0]) * ($0[1] - exact.mean[1]) }
        #expect(abs(c01.mean - cov[0, 1]) < 4 * c01.mcse)
    }

    /// Independence Metropolis on N(1, 0.5²) with the asymmetric proposal N(0, 1).
    @Test func hastingsIndependenceSampler() throws {
        let model = try LogDensity(dimension: 1) { x in -0.5 * (x[0] - 1) * (x[0] - 1) / 0.25 }
        let chains = try MCMC(kernel: IndependenceMetropolis(mean: [0], sd: [1]), chains: 4, warmup: 0, draws: 20_000)
            .run(model, initial: .given([[1]]), seed: 5)
        let draws = try chains.draws()
        let m = try mcmcEstimate(draws) { $0[0] }
        let v = try mcmcEstimate(draws) { ($0[0] - 1) * ($0[0] - 1) }
        print("independence MH: mean \(m), var \(v), acceptance \(chains.acceptanceRates)")
        #expect(abs(m.mean - 1) < 4 * m.mcse)
        #expect(abs(v.mean - 0.25) < 4 * v.mcse)
        // The uncorrected chain targets p·q ∝ N(0.8, 0.2): far outside these error bars.
        #expect(abs(0.8 - 1) > 10 * m.mcse)
        #expect(chains.chainStats.allSatisfy { $0.scale == nil })
    }
}

@Suite struct MCMCDriverTests {
    /// Same draws for 1 and 2 threads, in memory and in files; files round-trip;
    /// the manifest is written; the summary from the folder equals the in-memory one.
    @Test func reproducibleAcrossThreadsAndFiles() throws {
        let (bnn, data) = try mcmcSeedProblem()
        let posterior = try bnn.posterior(x: data.x, y: data.y)
        let mcmc = MCMC(kernel: RandomWalkMetropolis(scale: 0.01), chains: 4, warmup: 300, draws: 2000, thin: 2)
        let f1 = mcmcTempFolder(), f2 = mcmcTempFolder()
        defer {
            try? FileManager.default.removeItem(at: f1)
            try? FileManager.default.removeItem(at: f2)
        }
        let a = try mcmc.run(posterior, initial: .prior, seed: 9, threads: 1)
        let b = try mcmc.run(posterior, initial: .prior, seed: 9, threads: 2)
        let c = try mcmc.run(posterior, initial: .prior, seed: 9, threads: 1, drawsFolder: f1, keepInMemory: true)
        let d = try mcmc.run(posterior, initial: .prior, seed: 9, threads: 2, drawsFolder: f2)
        let da = try a.draws()
        #expect(da.count == 4 && da[0].count == 1000 && da[0][0].count == 16)
        #expect(try b.draws() == da)
        #expect(try c.draws() == da)
        #expect(!d.isInMemory)
        #expect(try d.draws() == da)   // read back from the files
        #expect(a.onlineMean == b.onlineMean && a.onlineMean == d.onlineMean)
        #expect(a.chainStats.map(\.acceptanceRate) == d.chainStats.map(\.acceptanceRate))
        let manifest = try DrawsManifest.read(from: f2)
        #expect(manifest.complete)
        #expect(manifest.parameterNames == posterior.parameterNames)
        #expect(manifest.chains.map(\.draws) == [1000, 1000, 1000, 1000])
        #expect(manifest.chains.map(\.file) == (0..<4).map { "chain-\($0).bkd" })
        let fromFolder = try Diagnostics.summary(manifestFolder: f2)
        #expect(fromFolder == (try a.summary()))
        #expect(try d.summary() == fromFolder)
        #expect(a.chainSummaries.count == 4 && a.chainSummaries[0].stepSize != nil)
    }

    /// Seed 000's settings on its sine BNN posterior.
    @Test func seed000Settings() throws {
        let (bnn, data) = try mcmcSeedProblem()
        let chains = try MCMC.seed000().run(bnn, x: data.x, y: data.y, initial: .mse(steps: 200, learningRate: 0.01), seed: 0)
        let rate = chains.acceptanceRates[0]
        print(String(format: "seed 000 settings: acceptance rate %.3f (notebook: 0.455), %d draws, %.2f ms sampling",
                     rate, chains.chainStats[0].keptDraws, chains.samplingSeconds * 1e3))
        #expect(rate > 0.2 && rate < 0.8)
        #expect(chains.chainStats[0].keptDraws == 1000)
        #expect(chains.chainStats[0].scale == 0.01)   // no adaptation
        let points = try Predictive.defaultFunctionalInputs(x: data.x)
        let functionals = try Predictive.functionals(chains, architecture: bnn.architecture, at: points)
        let table = try functionals.summary()
        #expect(table.count == 5)
        for row in table {
            print(String(format: "  %@: mean %.3f sd %.3f ess_bulk %.0f rhat %.3f", row.name, row.mean, row.sd,
                         row.essBulk ?? .nan, row.rhat ?? .nan))
            // The seed's settings mix slowly (one chain, step 0.01): ESS is small but defined.
            #expect(row.sd > 0 && row.essBulk!.isFinite && row.rhat!.isFinite)
        }
    }

    @Test func cancellationStopsEarly() throws {
        let model = try LogDensity(dimension: 1) { x in -0.5 * x[0] * x[0] }
        let progress = try ProgressCounter(count: 2, prefix: "chain")
        progress.cancel()
        let folder = mcmcTempFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let chains = try MCMC(kernel: RandomWalkMetropolis(scale: 1), chains: 2, warmup: 0, draws: 100_000)
            .run(model, initial: .given([[0]]), drawsFolder: folder, progress: progress)
        #expect(!chains.complete)
        #expect(chains.chainStats.allSatisfy { $0.iterations == 1024 })
        #expect(progress.done(task: 0) == 1024 && progress.total(task: 0) == 100_000)
        let manifest = try DrawsManifest.read(from: folder)
        #expect(!manifest.complete && manifest.chains[0].draws == 1024)
        #expect(try DrawsFile.read(folder.appendingPathComponent("chain-0.bkd")).values.rows == 1024)
    }
}

@Suite struct MCMCErrorTests {
    let normal = try! LogDensity(dimension: 2) { x in -0.5 * (x[0] * x[0] + x[1] * x[1]) }

    @Test func badSettings() throws {
        #expect(throws: BayesKitError.invalidArgument("proposal scale must be > 0 and finite, got 0.0")) {
            try MCMC(kernel: RandomWalkMetropolis(scale: 0)).run(normal, initial: .given([[0, 0]]))
        }
        #expect(throws: BayesKitError.invalidArgument("proposal scale must be > 0 and finite, got -1.0")) {
            try MCMC(kernel: RandomWalkMetropolis(scale: -1)).run(normal, initial: .given([[0, 0]]))
        }
        #expect(throws: BayesKitError.invalidArgument("thin must be >= 1; got 0")) {
            try MCMC(kernel: RandomWalkMetropolis(scale: 1), thin: 0).run(normal, initial: .given([[0, 0]]))
        }
        #expect(throws: BayesKitError.invalidArgument("chains must be >= 1; got 0")) {
            try MCMC(kernel: RandomWalkMetropolis(scale: 1), chains: 0).run(normal, initial: .given([[0, 0]]))
        }
        #expect(throws: BayesKitError.dimensionMismatch("initial position 0 has 3 values but the model has 2 parameters")) {
            try MCMC(kernel: RandomWalkMetropolis(scale: 1)).run(normal, initial: .given([[0, 0, 0]]))
        }
        #expect(throws: BayesKitError.dimensionMismatch("diagonal proposal scale has 1 values but the model has 2 parameters")) {
            try MCMC(kernel: RandomWalkMetropolis(diagonal: [1])).run(normal, initial: .given([[0, 0]]))
        }
        #expect(throws: BayesKitError.invalidArgument("target acceptance must be in (0, 1); got 1.5")) {
            try MCMC(kernel: RandomWalkMetropolis(scale: 1), targetAcceptance: 1.5).run(normal, initial: .given([[0, 0]]))
        }
        #expect(throws: BayesKitError.self) {
            try MCMC(kernel: RandomWalkMetropolis(scale: 1)).run(normal, initial: .prior)
        }
        let (bnn, data) = try mcmcSeedProblem()
        #expect(throws: BayesKitError.self) {
            try MCMC(kernel: RandomWalkMetropolis(scale: 1)).run(try bnn.posterior(x: data.x, y: data.y), initial: .mse())
        }
    }

    @Test func startWithZeroDensity() throws {
        let model = try LogDensity(dimension: 1) { x in x[0] < 0 ? -.infinity : -x[0] }
        let error = #expect(throws: BayesKitError.self) {
            try MCMC(kernel: RandomWalkMetropolis(scale: 1), chains: 2).run(model, initial: .given([[1], [-1]]))
        }
        #expect(error?.code == .nonFinite)
        #expect(error?.message.hasPrefix("chain 1: the log density at the initial position is -inf") == true)
        #expect(throws: BayesKitError.nonFinite("initial position of chain 0 contains a non-finite value (nan) at index 0")) {
            try MCMC(kernel: RandomWalkMetropolis(scale: 1)).run(model, initial: .given([[.nan]]))
        }
    }

    /// NaN is a rejection (zero density), never a crash or an error.
    @Test func closureReturningNaNIsARejection() throws {
        let model = try LogDensity(dimension: 1) { x in x[0] > 0 ? .nan : -0.5 * x[0] * x[0] }
        let chains = try MCMC(kernel: RandomWalkMetropolis(scale: 1), chains: 2, warmup: 100, draws: 2000)
            .run(model, initial: .given([[-1]]), seed: 2)
        let draws = try chains.draws()
        #expect(draws.allSatisfy { $0.allSatisfy { $0[0] <= 0 } })
        #expect(chains.chainStats.allSatisfy { $0.nonFiniteProposals > 100 })
    }

    @Test func closureThatThrows() throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom at the boundary" } }
        let model = try LogDensity(dimension: 1) { x in
            if x[0] > 2 { throw Boom() }
            return -0.5 * x[0] * x[0]
        }
        let error = #expect(throws: BayesKitError.self) {
            try MCMC(kernel: RandomWalkMetropolis(scale: 2), chains: 2, warmup: 0, draws: 5000)
                .run(model, initial: .given([[0]]), seed: 1)
        }
        print("closure error: \(error?.message ?? "-")")
        #expect(error?.message.contains("the log density closure threw: boom at the boundary") == true)
        #expect(error?.message.hasPrefix("chain ") == true)
        // Serial (non-concurrent) closures behave the same.
        let serial = try LogDensity(dimension: 1, concurrent: false) { x in -0.5 * x[0] * x[0] }
        let a = try MCMC(kernel: RandomWalkMetropolis(scale: 1), chains: 3, warmup: 10, draws: 100).run(serial, initial: .given([[0]]), threads: 2)
        let b = try MCMC(kernel: RandomWalkMetropolis(scale: 1), chains: 3, warmup: 10, draws: 100)
            .run(try LogDensity(dimension: 1) { x in -0.5 * x[0] * x[0] }, initial: .given([[0]]), threads: 2)
        #expect(try a.draws() == b.draws())
    }

    @Test func unwritableDrawsFolder() throws {
        let file = mcmcTempFolder()
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = #expect(throws: BayesKitError.self) {
            try MCMC(kernel: RandomWalkMetropolis(scale: 1)).run(normal, initial: .given([[0, 0]]),
                                                                   drawsFolder: file.appendingPathComponent("draws"))
        }
        print("unwritable: \(error?.message ?? "-")")
        #expect(error?.code == .io)
        #expect(error?.message.hasPrefix("cannot create draws folder \(file.path)/draws") == true)
    }
}
