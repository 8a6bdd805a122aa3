import BayesKit
import Foundation
import Testing

@Suite struct MCMCPredictiveTests {
    /// Seed 000's 50 prior function samples: shapes, band ordering, noise added to y.
    @Test func priorPredictive() throws {
        let (bnn, _) = try mcmcSeedProblem()
        let grid = try Matrix(rows: 200, columns: 1, values: linspace(-3, 3, 200))
        let p = try Predictive.prior(bnn, count: 50, inputs: grid, seed: 4, threads: 1)
        #expect(p.drawCount == 50 && p.functionSamples?.count == 50)
        #expect(p.mean.rows == 200 && p.quantiles.count == 3)
        for i in 0..<200 {
            #expect(p.quantiles[0][i, 0] <= p.quantiles[1][i, 0] && p.quantiles[1][i, 0] <= p.quantiles[2][i, 0])
            #expect(p.observationSD![i, 0] > 0)
        }
        // Mean of the function samples equals the reported mean.
        let m0 = p.functionSamples!.map { $0[17, 0] }.reduce(0, +) / 50
        #expect(abs(m0 - p.mean[17, 0]) < 1e-12)
        // Same numbers for 1 and 2 threads.
        #expect(try Predictive.prior(bnn, count: 50, inputs: grid, seed: 4, threads: 2) == p)
    }

    /// Posterior predictive: y's variance is f's plus sigma² (up to Monte Carlo error), thread-independent.
    @Test func posteriorPredictive() throws {
        let (bnn, data) = try mcmcSeedProblem()
        let chains = try MCMC.seed000().run(bnn, x: data.x, y: data.y, initial: .mse(), seed: 1)
        let x = try Matrix(rows: 7, columns: 1, values: linspace(-3, 3, 7))
        let a = try Predictive.posterior(bnn, chains: chains, inputs: x, seed: 2, threads: 1)
        let b = try Predictive.posterior(bnn, chains: chains, inputs: x, seed: 2, threads: 2)
        #expect(a == b)
        #expect(a.drawCount == 1000)
        for i in 0..<7 {
            let fv = a.sd[i, 0] * a.sd[i, 0], yv = a.observationSD![i, 0] * a.observationSD![i, 0]
            // var(y) = var(f) + 0.01; sampling error of a variance from 1000 draws ~ 5 %.
            #expect(abs(yv - (fv + 0.01)) < 0.2 * (fv + 0.01))
            #expect(abs(a.observationMean![i, 0] - a.mean[i, 0]) < 4 * a.observationSD![i, 0] / 1000.0.squareRoot() * 2)
        }
        // Seed 000: 100 random kept draws.
        let sub = try Predictive.posterior(bnn, chains: chains, inputs: x, count: 100, seed: 2, keepFunctionSamples: true)
        #expect(sub.drawCount == 100 && sub.functionSamples?.count == 100)
        #expect(throws: BayesKitError.self) {
            try Predictive.summarize(bnn, weightDraws: Matrix(rows: 2, columns: 3, repeating: 0), inputs: x)
        }
        #expect(throws: BayesKitError.self) {
            try Predictive.summarize(bnn, weightDraws: Matrix(rows: 2, columns: 16, repeating: 0), inputs: x, levels: [1.5])
        }
    }

    /// A network large enough to use BLAS: chains run serially (serial OpenBLAS is not
    /// reentrant) and the draws are still the same for any thread count.
    @Test func blasSizedNetworkIsSafe() throws {
        let bnn = try BNN(layers: [1, 32, 32, 1], activation: .tanh, likelihood: .gaussian(sigma: 0.1))
        let x = linspace(-3, 3, 40), y = x.map { sin($0) }
        let posterior = try bnn.posterior(x: x, y: y)
        let mcmc = MCMC(kernel: RandomWalkMetropolis(scale: 0.002), chains: 2, warmup: 50, draws: 200, thin: 5)
        let a = try mcmc.run(posterior, initial: .prior, seed: 3, threads: 1)
        let b = try mcmc.run(posterior, initial: .prior, seed: 3, threads: 2)
        #expect(try a.draws() == b.draws())
        let grid = try Matrix(rows: 50, columns: 1, values: linspace(-3, 3, 50))
        let p1 = try Predictive.posterior(bnn, chains: a, inputs: grid, threads: 1)
        let p2 = try Predictive.posterior(bnn, chains: a, inputs: grid, threads: 2)
        #expect(p1 == p2)
    }

    @Test func functionalInputs() throws {
        #expect(try Predictive.defaultFunctionalInputs(x: [3, -1, 1]) == linspace(-1, 3, 5))
        #expect(throws: BayesKitError.self) { try Predictive.defaultFunctionalInputs(x: []) }
    }
}
