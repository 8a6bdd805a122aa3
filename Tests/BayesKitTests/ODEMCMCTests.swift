import BayesKit
import Foundation
import Testing

/// MCMC over ODE parameters: random-walk Metropolis on seed 001's
/// oscillator agrees with a fine grid posterior within Monte Carlo error,
/// an unknown noise sd is recovered, free initial states have the right
/// gradient, bad input is refused with a message, and the draws do not
/// depend on the thread count.
@Suite struct ODEMCMCTests {
    /// The grid posterior zoomed twice on its mass (100 x 100 nodes within ±5 sd).
    func fineGrid(_ post: ODEPosterior) throws -> GridPosterior {
        let coarse = try post.grid([try .linspace("zeta", 0.02, 0.2, count: 60), try .linspace("omega", 0.7, 1.4, count: 60)],
                                   threads: 2)
        let zoom = try post.grid(try coarse.zoomedAxes(count: 100), threads: 2)
        return try post.grid(try zoom.zoomedAxes(count: 100, width: 5), threads: 2)
    }

    /// A random walk scaled by the Laplace sds at the MAP of chain 0's start.
    func sampler(_ post: ODEPosterior, chains: Int = 4, warmup: Int = 1000, draws: Int = 4000) throws -> MCMC {
        let start = try post.mapStart(seed: 3, chain: 0, steps: 500, learningRate: 0.005)
        let sd = try #require(try post.laplaceSD(at: start))
        return MCMC(kernel: RandomWalkMetropolis(scale: 2.4 / Double(post.dimension).squareRoot(), diagonal: sd), chains: chains,
                    warmup: warmup, draws: draws)
    }

    @Test func randomWalkAgreesWithAFineGridPosterior() throws {
        let data = try Datasets.oscillator()
        let post = try ODEPosterior.oscillator(times: data.x, observations: data.y)
        let grid = try fineGrid(post)
        let chains = try sampler(post).run(post, seed: 11, threads: 2)
        let summary = try chains.summary(threads: 2)
        #expect(summary.map(\.name) == ["zeta", "omega"])
        for (a, p) in summary.enumerated() {
            let mcse = try #require(p.mcseMean), ess = min(try #require(p.essBulk), try #require(p.essTail))
            #expect(try #require(p.rhat) < 1.01, "\(p.name) R-hat \(p.rhat ?? .nan)")
            #expect(ess > 400, "\(p.name) ESS \(ess)")
            // Mean within 5 MCSE; sd within 5 of its Monte Carlo error sd·√(1/(2 ESS)) (Gaussian approximation).
            #expect(abs(p.mean - grid.mean[a]) <= 5 * mcse, "\(p.name) mean \(p.mean) vs grid \(grid.mean[a]) (MCSE \(mcse))")
            #expect(abs(p.sd - grid.sd[a]) <= 5 * grid.sd[a] / (2 * ess).squareRoot(),
                    "\(p.name) sd \(p.sd) vs grid \(grid.sd[a]) (ESS \(ess))")
        }
        let rates = chains.acceptanceRates
        #expect(rates.allSatisfy { $0 > 0.1 && $0 < 0.6 }, "acceptance \(rates)")

        // Posterior predictive over the draws: the truth inside the 90% band at most times, wider when extrapolating.
        let times = (0...80).map { Double($0) * 0.1 }
        let pred = try post.predictive(chains, times: times, maxDraws: 400, threads: 2)
        #expect(pred.draws == 400)
        let truth = times.map { Datasets.dampedOscillator(t: $0, zeta: 0.08, omega: 1.1) }
        let inside = times.indices.filter { pred.observationQuantiles[0][$0] <= truth[$0] && truth[$0] <= pred.observationQuantiles[2][$0] }
        #expect(inside.count >= 75, "truth in the 90% observation band at \(inside.count) of 81 times")
        #expect(times.indices.allSatisfy { pred.quantiles[0][$0] <= pred.quantiles[1][$0] && pred.quantiles[1][$0] <= pred.quantiles[2][$0] })
        #expect(times.indices.allSatisfy { pred.observationQuantiles[2][$0] - pred.observationQuantiles[0][$0] > pred.quantiles[2][$0] - pred.quantiles[0][$0] })
        #expect(pred.sd[80] > pred.sd[10])
    }

    @Test func unknownNoiseIsRecoveredWithItsGradient() throws {
        let data = try Datasets.oscillator(size: 120)  // true sd 0.05
        for noise in [ODENoise.inferred(prior: try HalfNormal(scale: 0.2)), try ODENoise.logUniform(low: 0.001, high: 1)] {
            let post = try ODEPosterior(system: .oscillator, free: ["zeta", "omega"],
                                        priors: [try Uniform(low: 0, high: 0.25), try Uniform(low: 0.6, high: 1.6)],
                                        initial: [1, 0], freeInitial: [], initialPriors: [], times: data.x,
                                        observations: data.y, noise: noise)
            #expect(post.parameterNames == ["zeta", "omega", "log_sigma"])
            #expect(post.noiseSD.isNaN)
            let theta = [0.09, 1.09, Foundation.log(0.06)]
            let (v, g) = try post.logDensityAndGradient(theta)
            for k in 0..<3 {
                var up = theta, down = theta
                up[k] += 1e-6
                down[k] -= 1e-6
                let fd = (try post.logDensity(up) - post.logDensity(down)) / 2e-6
                #expect(abs(fd - g[k]) < 1e-5 * max(1, abs(fd)), "\(k): \(g[k]) vs \(fd)")
            }
            #expect(v.isFinite)
            let chains = try sampler(post, warmup: 1000, draws: 3000).run(post, seed: 5, threads: 2)
            let s = try chains.summary(threads: 2)
            let logSigma = try #require(s.first { $0.name == "log_sigma" })
            #expect(try #require(logSigma.rhat) < 1.01)
            // The true sd inside the 90% credible interval; the posterior is tight (n = 120).
            #expect(exp(logSigma.q05) < 0.05 && 0.05 < exp(logSigma.q95), "sigma 90% interval \(exp(logSigma.q05))...\(exp(logSigma.q95))")
            #expect(exp(logSigma.q95) / exp(logSigma.q05) < 1.5)
        }
    }

    @Test func initialStatesAreInferredWithFiniteDifferenceCheckedGradients() throws {
        let data = try Datasets.oscillator()
        let post = try ODEPosterior(system: .oscillator, free: ["zeta", "omega"],
                                    priors: [try Uniform(low: 0, high: 0.25), try Uniform(low: 0.6, high: 1.6)],
                                    initial: [1, 0], freeInitial: ["x", "v0"],
                                    initialPriors: [try Normal(mean: 1, sd: 0.5), try Normal(mean: 0, sd: 0.5)],
                                    times: data.x, observations: data.y, noise: .inferred(prior: try HalfNormal(scale: 0.2)))
        #expect(post.parameterNames == ["zeta", "omega", "x0", "v0", "log_sigma"])
        #expect(post.freeInitial == [0, 1])
        for theta in [[0.08, 1.1, 1.0, 0.0, Foundation.log(0.05)], [0.12, 1.0, 0.9, 0.1, Foundation.log(0.1)]] {
            let (_, g) = try post.logDensityAndGradient(theta)
            for k in 0..<5 {
                let h = 1e-6
                var up = theta, down = theta
                up[k] += h
                down[k] -= h
                let fd = (try post.logDensity(up) - post.logDensity(down)) / (2 * h)
                #expect(abs(fd - g[k]) < 1e-5 * max(1, abs(fd)), "\(theta) \(k): \(g[k]) vs \(fd)")
            }
            let u = try post.unpack(theta)
            #expect(u.parameters == [theta[0], theta[1]] && u.initial == [theta[2], theta[3]] && u.noiseSD == exp(theta[4]))
        }
        // The Swift solver's dy/dy0 against differences of whole solves.
        let solver = ODESolver(rtol: 1e-12, atol: 1e-14), times = [1.0, 3, 6]
        let sol = try solver.solve(.oscillator, parameters: [0.08, 1.1], initial: [1, 0], times: times, sensitivities: true,
                                   initialSensitivities: true)
        let z = try #require(sol.initialSensitivities)
        #expect(z.count == 2 && sol.sensitivities?.count == 2)
        for m in 0..<2 {
            var up = [1.0, 0], down = [1.0, 0]
            up[m] += 1e-6
            down[m] -= 1e-6
            let a = try solver.solve(.oscillator, parameters: [0.08, 1.1], initial: up, times: times).states
            let b = try solver.solve(.oscillator, parameters: [0.08, 1.1], initial: down, times: times).states
            for k in 0..<3 { for i in 0..<2 { #expect(abs((a[k, i] - b[k, i]) / 2e-6 - z[m][k, i]) < 1e-6) } }
        }
        // Sampling the 5-dimensional posterior: x(0) is recovered.
        let chains = try sampler(post, chains: 2, warmup: 1000, draws: 2000).run(post, seed: 2, threads: 2)
        let x0 = try #require(try chains.summary(threads: 2).first { $0.name == "x0" })
        #expect(x0.q05 < 1 && 1 < x0.q95, "x0 90% interval \(x0.q05)...\(x0.q95)")
    }

    /// Edge layouts of θ: initial states only (no parameter sensitivities), noise only (no sensitivities at all).
    @Test func initialStatesOnlyAndNoiseOnlyPosteriorsHaveTheirGradients() throws {
        let data = try Datasets.oscillator()
        let initialOnly = try ODEPosterior(system: .oscillator, free: [], priors: [], fixed: ["zeta": 0.08, "omega": 1.1],
                                           initial: [1, 0], freeInitial: ["x", "v"],
                                           initialPriors: [try Normal(mean: 1, sd: 0.5), try Normal(mean: 0, sd: 0.5)],
                                           times: data.x, observations: data.y, noise: .known(0.05))
        let noiseOnly = try ODEPosterior(system: .oscillator, free: [], priors: [], fixed: ["zeta": 0.08, "omega": 1.1],
                                         initial: [1, 0], freeInitial: [], initialPriors: [], times: data.x,
                                         observations: data.y, noise: .inferred(prior: try HalfCauchy(scale: 0.1)))
        for (post, theta) in [(initialOnly, [0.95, 0.05]), (noiseOnly, [Foundation.log(0.07)])] {
            let (_, g) = try post.logDensityAndGradient(theta)
            for k in theta.indices {
                var up = theta, down = theta
                up[k] += 1e-6
                down[k] -= 1e-6
                let fd = (try post.logDensity(up) - post.logDensity(down)) / 2e-6
                #expect(abs(fd - g[k]) < 1e-5 * max(1, abs(fd)), "\(post.parameterNames) \(k): \(g[k]) vs \(fd)")
            }
        }
        #expect(initialOnly.parameterNames == ["x0", "v0"] && noiseOnly.parameterNames == ["log_sigma"])
        #expect(throws: BayesKitError.self) {
            _ = try ODEPosterior(system: .oscillator, free: [], priors: [], fixed: ["zeta": 0.08, "omega": 1.1], initial: [1, 0],
                                 freeInitial: [], initialPriors: [], times: data.x, observations: data.y, noise: .known(0.05))
        }
    }

    /// Any built-in system: SIR's (beta, gamma) from noisy infected fractions.
    @Test func sirParametersAreRecovered() throws {
        let times = (1...40).map { Double($0) * 1.5 }
        let clean = try ODESolver().solve(.sir, parameters: [0.5, 0.1], initial: [0.99, 0.01, 0], times: times).state(1)
        let eps = try Normal().sample(times.count, using: try RandomStream(seed: 7, stream: 0))
        let y = zip(clean, eps).map { $0 + 0.005 * $1 }
        let post = try ODEPosterior(system: .sir, free: ["beta", "gamma"],
                                    priors: [try Uniform(low: 0.1, high: 1), try Uniform(low: 0.01, high: 0.5)],
                                    initial: [0.99, 0.01, 0], freeInitial: [], initialPriors: [], times: times,
                                    observations: y, observedState: 1, noise: .known(0.005))
        let chains = try sampler(post, chains: 2, warmup: 800, draws: 1500).run(post, seed: 3, threads: 2)
        for (p, truth) in zip(try chains.summary(threads: 2), [0.5, 0.1]) {
            #expect(abs(p.mean - truth) < 4 * p.sd, "\(p.name): \(p.mean) ± \(p.sd), truth \(truth)")
            #expect(p.sd < 0.05 * truth)  // the data pin it down
            #expect(try #require(p.rhat) < 1.05)
        }
    }

    @Test func badInputIsRefusedWithAMessage() throws {
        let data = try Datasets.oscillator()
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch let e as BayesKitError { return e.message } catch { return "\(error)" }
            return "no error"
        }
        var times = data.x
        times.swapAt(3, 4)
        #expect(message { _ = try ODEPosterior.oscillator(times: times, observations: data.y) }
            == "observation times must be strictly increasing; times[4] = \(String(format: "%g", times[4])) follows times[3] = \(String(format: "%g", times[3]))")
        #expect(message { _ = try ODEPosterior.oscillator(times: data.x, observations: data.y, noiseSD: -0.05) }
            == "noise sd must be positive and finite, got -0.05")
        let post = try ODEPosterior.oscillator(times: data.x, observations: data.y)
        let mcmc = MCMC(kernel: RandomWalkMetropolis(scale: 0.01), chains: 2, warmup: 10, draws: 10)
        #expect(message { _ = try mcmc.run(post, initial: .given([[.nan, 1.1]]), threads: 1) }
            == "initial position of chain 0 contains a non-finite value (nan) at index 0")
        #expect(message { _ = try mcmc.run(post, initial: .given([[0.3, 1.1]]), threads: 1) }
            == "the starting point of chain 0 (zeta = 0.3, omega = 1.1) has zero posterior density (log density -inf): start inside every prior's support")
        #expect(message { _ = try mcmc.run(post, initial: .given([[0.1, 1, 2]]), threads: 1) }
            == "initial position 0 has 3 values but the model has 2 parameters")
        #expect(message { _ = try mcmc.run(post, initial: .mse(), threads: 1) }
            == "initialisation by a mean-squared-error fit is for BNNs; use .map, .prior or .given for an ODE posterior")
        #expect(message { _ = try ODEPosterior(system: .oscillator, free: ["zeta"], priors: [try Uniform(low: 0, high: 1)],
                                               fixed: ["omega": 1], initial: [1, 0], freeInitial: ["y"],
                                               initialPriors: [try Normal()], times: data.x, observations: data.y,
                                               noise: .known(0.05)) }
            == "system 'oscillator' has no state 'y'; its states: x, v")
        #expect(message { _ = try PriorSpec.parse("normal(0)") } == "prior 'normal(0)': normal takes 2 argument(s) (mean, sd), got 1")
        #expect(message { _ = try ODEPosterior(system: .oscillator, free: ["zeta", "omega"],
                                               priors: [try Uniform(low: 0, high: 0.25), try Uniform(low: 0.6, high: 1.6)],
                                               initial: [1, 0], freeInitial: [], initialPriors: [], times: data.x,
                                               observations: data.y, noise: try PriorSpec.noise("uniform(-2, -1)")) }
            == "ODE posterior: the noise sd prior has no mass on positive values")
    }

    @Test func drawsDoNotDependOnTheThreadCount() throws {
        let data = try Datasets.oscillator()
        let post = try ODEPosterior.oscillator(times: data.x, observations: data.y)
        let mcmc = MCMC(kernel: RandomWalkMetropolis(scale: 0.5, diagonal: [0.01, 0.005]), chains: 3, warmup: 200, draws: 300)
        let one = try mcmc.run(post, initial: .prior, seed: 9, threads: 1)
        let two = try mcmc.run(post, initial: .prior, seed: 9, threads: 2)
        #expect(try one.draws() == two.draws())
        #expect(one.acceptanceRates == two.acceptanceRates)
    }

    /// README.md's ODE MCMC snippet, kept compiling and true (shorter chains).
    @Test func readmeODEMCMCSnippetRuns() throws {
        let data = try Datasets.oscillator()
        let open = try ODEPosterior(system: .oscillator, free: ["zeta", "omega"],
                                    priors: [Uniform(low: 0, high: 0.25), Uniform(low: 0.6, high: 1.6)],
                                    initial: [1, 0], freeInitial: ["x"], initialPriors: [Normal(mean: 1, sd: 0.2)],
                                    times: data.x, observations: data.y, noise: .inferred(prior: HalfNormal(scale: 0.2)))
        #expect(open.parameterNames == ["zeta", "omega", "x0", "log_sigma"])
        let start = try open.mapStart(seed: 1, chain: 0)
        let steps = try #require(try open.laplaceSD(at: start))
        let chains = try MCMC(kernel: RandomWalkMetropolis(scale: 1.2, diagonal: steps), chains: 2, warmup: 300, draws: 500)
            .run(open, initial: .map(), seed: 1, threads: 2)
        #expect(try chains.summary().count == 4)
        let draws = try open.predictive(chains, times: linspace(0, 8, 50))
        #expect(draws.quantiles.count == 3 && draws.mean.count == 50)
    }

    /// The `ode-mcmc` demo study: MH next to the grid, and sigma recovered.
    @Test func odeMCMCStudyAgreesWithTheGrid() throws {
        #expect(Studies.names.contains("ode-mcmc"))
        let study = try Studies.run("ode-mcmc", seed: 0, threads: 2)
        #expect(study.figures.count == 3)
        func items(_ v: JSONValue?) -> [JSONValue]? { if case .array(let a)? = v { a } else { nil } }
        let known = try #require(items(study.summary["mh_known_noise"]?["parameters"]))
        let grid = try #require(study.summary["fine_grid"])
        for a in 0..<2 {
            let mean = try #require(known[a]["mean"]?.number), mcse = try #require(known[a]["mcse_mean"]?.number)
            let gridMean = try #require(items(grid["mean"])?[a].number)
            #expect(abs(mean - gridMean) <= 5 * mcse, "\(a): \(mean) vs \(gridMean)")
        }
        let open = try #require(items(study.summary["mh_unknown_noise"]?["parameters"]))
        let sigma = try #require(open.last)
        #expect(sigma["name"] == "sigma")
        #expect(try #require(sigma["q05"]?.number) < 0.05 && 0.05 < (try #require(sigma["q95"]?.number)))
    }
}
