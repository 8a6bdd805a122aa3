import BayesKit
import Foundation
import Testing

/// Stochastic-gradient MCMC (SGLD, SGHMC, cyclical schedule) on a Gaussian
/// posterior known in closed form: Bayesian linear regression written as a
/// 1-1 identity network, sampled from minibatches of 5 of its 20 points.
@Suite struct SGMCMCTests {
    static let alpha = 2.0, beta = 25.0

    /// The line data, the 1-1 network's posterior and the closed form (slope, intercept order).
    func problem() throws -> (BNNPosterior, mean: [Double], sd: [Double]) {
        let data = try Datasets.line()
        let exact = try BayesianLinearRegression(basis: .affine, alpha: Self.alpha, beta: Self.beta).fit(data.x, data.y)
        let bnn = try BNN(layers: [1, 1], activation: .identity, likelihood: .gaussian(sigma: 1 / Self.beta.squareRoot()),
                          prior: .normal(std: 1 / Self.alpha.squareRoot()))
        let post = try bnn.posterior(x: data.x, y: data.y)
        // The network's flat order is layer0.W[0,0] (slope), layer0.b[0] (intercept).
        return (post, [exact.mean[1], exact.mean[0]], [exact.standardDeviations[1], exact.standardDeviations[0]])
    }

    /// Means within 5 MCSE; standard deviations within 5/sqrt(2 ESS) plus `bias`, the
    /// discretisation error the sampler's step allows (stated per test).
    func expectMoments(_ chains: Chains, mean: [Double], sd: [Double], bias: Double) throws {
        let s = try chains.summary()
        for j in 0..<2 {
            let mcse = try #require(s[j].mcseMean), ess = try #require(s[j].essBulk)
            #expect(ess > 100, "ESS \(ess)")
            #expect(abs(s[j].mean - mean[j]) < 5 * mcse, "\(s[j].name): mean \(s[j].mean) vs \(mean[j]) (MCSE \(mcse))")
            #expect(abs(s[j].sd / sd[j] - 1) < 5 / (2 * ess).squareRoot() + bias, "\(s[j].name): sd \(s[j].sd) vs \(sd[j])")
        }
    }

    /// Welling & Teh's decreasing steps eps_t = a (b + t)^-0.55 from 1e-4 to 2e-5: at eps * lambda_max
    /// <= 0.05 the discretisation inflates the variance by at most ~1-2 %.
    @Test func sgldDecreasingStepsHasThePosteriorMoments() throws {
        let (post, mean, sd) = try problem()
        let sgld = SGLD(stepSize: .polynomial(a: 0.016, b: 10_000, gamma: 0.55), batchSize: 5)
        let chains = try MCMC(kernel: sgld, chains: 4, warmup: 50_000, draws: 200_000, thin: 20)
            .run(post, initial: .given([[0, 0], [1, 1], [-1, 0], [0, -1]]), seed: 3, threads: 2)
        try expectMoments(chains, mean: mean, sd: sd, bias: 0.03)
        #expect(chains.kernelName == "sgld")
        for c in chains.chainStats { #expect(c.acceptanceRate == 1 && c.nonFiniteProposals == 0) }
        // Same seed, one thread: the same draws.
        let again = try MCMC(kernel: sgld, chains: 4, warmup: 50_000, draws: 20_000, thin: 20)
            .run(post, initial: .given([[0, 0], [1, 1], [-1, 0], [0, -1]]), seed: 3, threads: 1)
        let two = try MCMC(kernel: sgld, chains: 4, warmup: 50_000, draws: 20_000, thin: 20)
            .run(post, initial: .given([[0, 0], [1, 1], [-1, 0], [0, -1]]), seed: 3, threads: 2)
        #expect(try again.draws() == two.draws())
    }

    /// SGHMC with learning rate 2e-6 and friction 0.05, no noise estimate: the minibatch gradient noise
    /// V (about 2e3 for the intercept) adds eta V / (2 alpha), about 4 %, to the injected variance
    /// (Chen et al. 2014, section 3.2), so sds may run ~2 % high: the allowed bias is 0.05.
    @Test func sghmcHasThePosteriorMoments() throws {
        let (post, mean, sd) = try problem()
        let kernel = SGHMC(stepSize: .constant(2e-6), batchSize: 5, friction: 0.05)
        let chains = try MCMC(kernel: kernel, chains: 4, warmup: 20_000, draws: 200_000, thin: 20)
            .run(post, initial: .given([[0, 0], [1, 1], [-1, 0], [0, -1]]), seed: 4, threads: 2)
        try expectMoments(chains, mean: mean, sd: sd, bias: 0.05)
    }

    /// cSG-MCMC: every kept draw comes from a sampling stage; the chains find the posterior.
    @Test func cyclicalSGHMCSamplesTheModes() throws {
        let (post, mean, sd) = try problem()
        let kernel = SGHMC(stepSize: .cyclical(a: 2e-5, cycles: 10, exploration: 0.3), batchSize: 5, friction: 0.05)
        let chains = try MCMC(kernel: kernel, chains: 4, warmup: 0, draws: 200_000, thin: 20)
            .run(post, initial: .given([[3, 3], [-3, 3], [3, -3], [-3, -3]]), seed: 6, threads: 2)
        let s = try chains.summary()
        for j in 0..<2 { #expect(abs(s[j].mean - mean[j]) < 0.25 * sd[j] + 5 * (s[j].mcseMean ?? .infinity)) }
        // Exploration steps run inside the first iteration of each cycle: more gradients than iterations.
        for c in chains.chainStats { #expect(c.samplingEvaluations > c.iterations) }
    }

    @Test func badInputIsNamed() throws {
        let (post, _, _) = try problem()
        func message(_ kernel: any MCMCKernel) -> String {
            do {
                _ = try MCMC(kernel: kernel, chains: 1, warmup: 0, draws: 10).run(post, initial: .given([[0, 0]]), seed: 0)
                return ""
            } catch let e as BayesKitError { return e.message } catch { return "\(error)" }
        }
        #expect(message(SGLD(stepSize: .constant(1e-4), batchSize: 0)).contains("batch size 0 must be in 1..20"))
        #expect(message(SGLD(stepSize: .constant(1e-4), batchSize: 21)).contains("batch size 21 must be in 1..20"))
        #expect(message(SGLD(stepSize: .constant(-1), batchSize: 5)).contains("step size must be > 0"))
        #expect(message(SGLD(stepSize: .polynomial(a: 1e-3, b: 1, gamma: 0.4), batchSize: 5)).contains("gamma must be in (0.5, 1]"))
        #expect(message(SGHMC(stepSize: .constant(1e-4), batchSize: 5, friction: 0)).contains("friction must be in (0, 1]"))
        #expect(message(SGHMC(stepSize: .cyclical(a: 1e-4, cycles: 20, exploration: 0.3), batchSize: 5)).contains("at least one step per cycle"))
        do {
            _ = try MCMC(kernel: SGLD(stepSize: .constant(1e-4), batchSize: 5), chains: 1, warmup: 0, draws: 10)
                .run(post, initial: .given([[.nan, 0]]), seed: 0)
            Issue.record("a NaN start was accepted")
        } catch let e as BayesKitError { #expect(e.message.contains("initial position")) }
        let closure = try LogDensity(dimension: 1) { x in (-0.5 * x[0] * x[0], [-x[0]]) }
        do {
            _ = try MCMC(kernel: SGLD(stepSize: .constant(1e-3), batchSize: 1), chains: 1, warmup: 0, draws: 10)
                .run(closure, initial: .given([[0]]), seed: 0)
            Issue.record("SGLD ran on a model without minibatches")
        } catch let e as BayesKitError { #expect(e.message.contains("needs a model that is a sum over data items")) }
    }
}

extension SGMCMCTests {
    /// The demo's SG-MCMC study: the minibatch samplers recover the sine function about as well as NUTS.
    @Test func sgSineStudy() throws {
        let s = try Studies.run("mcmc-sg-sine", seed: 0)
        try StudiesTests().checkFigures(s)
        for key in ["nuts", "sgld", "cyclical_sghmc"] {
            guard case .object(let r)? = s.summary[key], let rmse = r["rmse"]?.number else {
                Issue.record("no \(key) in the summary")
                continue
            }
            #expect(rmse < 0.2, "\(key) RMSE \(rmse)")
        }
    }
}

extension SGMCMCTests {
    /// A Swift closure that is a sum over data items runs under SGLD: the Normal mean with a
    /// N(0, 10^2) prior and 50 unit-variance observations (conjugate: posterior known exactly).
    @Test func sgldOnASwiftSumOfTerms() throws {
        let rng = try RandomStream(seed: 12, stream: 0)
        let y = (0..<50).map { _ in 1.5 + rng.normal() }
        let model = try LogDensity.sum(dimension: 1, rows: y.count, names: ["mu"],
                                       prior: { t in (-0.5 * t[0] * t[0] / 100, [-t[0] / 100]) },
                                       term: { t, i in (-0.5 * (y[i] - t[0]) * (y[i] - t[0]), [y[i] - t[0]]) })
        let precision = 1.0 / 100 + Double(y.count)
        let exactMean = y.reduce(0, +) / precision, exactSD = (1 / precision).squareRoot()
        #expect(model.rows == 50)
        let chains = try MCMC(kernel: SGLD(stepSize: .polynomial(a: 0.05, b: 1000, gamma: 0.55), batchSize: 10), chains: 4,
                              warmup: 5000, draws: 40_000, thin: 10)
            .run(model, initial: .given([[0], [3], [-3], [1]]), seed: 2, threads: 2)
        let s = try chains.summary()[0]
        let mcse = try #require(s.mcseMean), ess = try #require(s.essBulk)
        #expect(abs(s.mean - exactMean) < 5 * mcse, "mean \(s.mean) vs \(exactMean)")
        #expect(abs(s.sd / exactSD - 1) < 5 / (2 * ess).squareRoot() + 0.03, "sd \(s.sd) vs \(exactSD)")
        // The full log density is the prior plus every term.
        let full = try model([1.0])
        let direct = -0.5 / 100 + y.map { -0.5 * ($0 - 1) * ($0 - 1) }.reduce(0, +)
        #expect(abs(full - direct) < 1e-9)
    }
}
