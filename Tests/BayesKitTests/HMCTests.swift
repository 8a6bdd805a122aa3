import BayesKit
import Foundation
import Testing

// HMC and NUTS: recovery of known posteriors (tolerances from the Monte
// Carlo error, |estimate - truth| < 5 MCSE), divergences, adaptation,
// reproducibility and errors.

/// A Gaussian N(0, Σ) with Σ = D R D, R the AR(1) correlation ρ^|i-j| and
/// D = diag(scales): its precision is tridiagonal, so log density and gradient
/// cost O(d).
func ar1Gaussian(dimension d: Int, rho: Double, scales: [Double]) throws -> LogDensity {
    let a = 1 / (1 - rho * rho)
    return try LogDensity(dimension: d, hasGradient: true) { x, grad in
        // R⁻¹ is tridiagonal: diagonal a(1+ρ²) (a at the ends), off-diagonal -aρ.
        var lp = 0.0
        for i in 0..<d {
            let zi = x[i] / scales[i]
            let diag = (i == 0 || i == d - 1) ? a : a * (1 + rho * rho)
            var pz = diag * zi
            if i > 0 { pz -= a * rho * x[i - 1] / scales[i - 1] }
            if i < d - 1 { pz -= a * rho * x[i + 1] / scales[i + 1] }
            lp -= 0.5 * zi * pz
            grad?[i] = -pz / scales[i]
        }
        return lp
    }
}

@Suite struct HMCRecoveryTests {
    /// 100-dimensional correlated Gaussian (ρ = 0.85, scales 0.5..2), NUTS with a
    /// dense metric: means, sds and adjacent correlations within 5 MCSE.
    @Test func correlatedGaussian100Dense() throws {
        let d = 100, rho = 0.85
        let scales = (0..<d).map { 0.5 + 1.5 * Double($0) / Double(d - 1) }
        let model = try ar1Gaussian(dimension: d, rho: rho, scales: scales)
        let chains = try MCMC(kernel: NUTS(metric: .dense), chains: 2, warmup: 600, draws: 600)
            .run(model, initial: .given([[Double](repeating: 0.5, count: d), [Double](repeating: -0.5, count: d)]), seed: 3,
                 threads: 2)
        let draws = try chains.draws()
        let s = try chains.summary()
        for i in 0..<d {
            let mcse = try #require(s[i].mcseMean)
            #expect(abs(s[i].mean) < 5 * mcse, "mean of x[\(i)] = \(s[i].mean), MCSE \(mcse)")
            let ess = try #require(s[i].essBulk)
            // sd: relative MC error ≈ 1/sqrt(2 ESS)
            #expect(abs(s[i].sd / scales[i] - 1) < 5 / (2 * ess).squareRoot(), "sd of x[\(i)] = \(s[i].sd), truth \(scales[i])")
        }
        for i in stride(from: 0, to: d - 1, by: 11) {
            let (m, mcse) = try mcmcEstimate(draws) { $0[i] * $0[i + 1] / (scales[i] * scales[i + 1]) }
            #expect(abs(m - rho) < 5 * mcse, "E[z\(i) z\(i + 1)] = \(m), truth \(rho), MCSE \(mcse)")
        }
        #expect(chains.divergences == 0)
        #expect(chains.treeDepthHits == 0)
        // The dense metric makes the target isotropic: short trajectories.
        for c in chains.chainStats { #expect(c.evaluationsPerDraw < 32, "\(c.evaluationsPerDraw) gradients per draw") }
    }

    /// Bayesian linear regression (seed 004's line): NUTS matches the closed-form posterior.
    @Test func linearRegressionClosedForm() throws {
        let data = try Datasets.line()
        let alpha = 2.0, beta = 25.0
        let exact = try BayesianLinearRegression(basis: .affine, alpha: alpha, beta: beta).fit(data.x, data.y)
        let x = data.x, y = data.y
        let model = try LogDensity(dimension: 2, names: ["w0", "w1"]) { w in
            var ll = -0.5 * alpha * (w[0] * w[0] + w[1] * w[1])
            var g = [-alpha * w[0], -alpha * w[1]]
            for i in 0..<x.count {
                let r = y[i] - w[0] - w[1] * x[i]
                ll -= 0.5 * beta * r * r
                g[0] += beta * r
                g[1] += beta * r * x[i]
            }
            return (ll, g)
        }
        let chains = try MCMC(kernel: NUTS(), chains: 4, warmup: 500, draws: 2000)
            .run(model, initial: .given([[0, 0], [1, 1], [-1, 0], [0, -1]]), seed: 5, threads: 2)
        let s = try chains.summary()
        let sd = exact.standardDeviations
        for j in 0..<2 {
            let mcse = try #require(s[j].mcseMean), ess = try #require(s[j].essBulk)
            #expect(abs(s[j].mean - exact.mean[j]) < 5 * mcse, "w\(j): \(s[j].mean) vs \(exact.mean[j]) (MCSE \(mcse))")
            #expect(abs(s[j].sd / sd[j] - 1) < 5 / (2 * ess).squareRoot(), "w\(j) sd: \(s[j].sd) vs \(sd[j])")
            #expect(try #require(s[j].rhat) < 1.01)
        }
        let draws = try chains.draws()
        let cov = exact.covariance
        let (m01, mcse01) = try mcmcEstimate(draws) { ($0[0] - exact.mean[0]) * ($0[1] - exact.mean[1]) }
        #expect(abs(m01 - cov[0, 1]) < 5 * mcse01, "cov(w0, w1) = \(m01) vs \(cov[0, 1])")
    }

    /// Static HMC with a fixed step on a 10-D standard normal: moments within 5 MCSE.
    @Test func staticHMCStandardNormal() throws {
        let d = 10
        let model = try LogDensity(dimension: d, hasGradient: true) { x, g in
            var lp = 0.0
            for i in 0..<d {
                lp -= 0.5 * x[i] * x[i]
                g?[i] = -x[i]
            }
            return lp
        }
        let chains = try MCMC(kernel: HMC(stepSize: 0.3, steps: 7), chains: 2, warmup: 100, draws: 3000, adaptScale: false)
            .run(model, initial: .given([[Double](repeating: 1, count: d)]), seed: 9)
        let draws = try chains.draws()
        for i in 0..<d {
            let (m, mcse) = try mcmcEstimate(draws) { $0[i] }
            #expect(abs(m) < 5 * mcse)
            let (v, vse) = try mcmcEstimate(draws) { $0[i] * $0[i] }
            #expect(abs(v - 1) < 5 * vse, "E[x\(i)²] = \(v)")
        }
        #expect(chains.chainStats.allSatisfy { $0.scale == 0.3 && $0.evaluationsPerDraw == 7 })
        #expect(chains.chainStats.allSatisfy { $0.acceptanceRate > 0.8 && $0.acceptanceRate < 1 })
        // A path length T gives floor(T / ε) leapfrog steps.
        let byLength = try MCMC(kernel: HMC(stepSize: 0.25, pathLength: 1.1), chains: 1, warmup: 0, draws: 50, adaptScale: false)
            .run(model, initial: .given([[Double](repeating: 1, count: d)]), seed: 9)
        #expect(byLength.chainStats[0].evaluationsPerDraw == 4)
        // Stan's note before sampling: the cost of one gradient evaluation.
        #expect(try model.gradientCost(at: [Double](repeating: 0, count: d), repetitions: 10) > 0)
    }
}

@Suite struct HMCBehaviourTests {
    /// Neal's funnel (v ~ N(0, 3²), x_i | v ~ N(0, e^v), 9 x's): NUTS reports divergences.
    @Test func nealsFunnelDiverges() throws {
        let model = try LogDensity(dimension: 10, hasGradient: true) { t, g in
            let v = t[0]
            var lp = -v * v / 18
            var dv = -v / 9
            for i in 1..<10 {
                lp -= 0.5 * t[i] * t[i] * exp(-v) + 0.5 * v
                dv += 0.5 * t[i] * t[i] * exp(-v) - 0.5
                g?[i] = -t[i] * exp(-v)
            }
            g?[0] = dv
            return lp
        }
        let chains = try MCMC(kernel: NUTS(), chains: 2, warmup: 500, draws: 500)
            .run(model, initial: .given([[Double](repeating: 0.1, count: 10)]), seed: 1)
        #expect(chains.divergences > 0)
        let rows = chains.chainSummaries
        #expect(rows.map { $0.nDivergent ?? 0 }.reduce(0, +) == chains.divergences)
        #expect(rows.allSatisfy { ($0.nGradEvals ?? 0) > 1000 && ($0.stepSize ?? 0) > 0 })
    }

    /// Dual averaging brings the mean acceptance statistic to its target
    /// (unit metric: one dual-averaging run over the whole warmup, no restarts).
    @Test(arguments: [0.65, 0.8, 0.95])
    func stepSizeReachesTarget(target: Double) throws {
        let model = try ar1Gaussian(dimension: 20, rho: 0.5, scales: (0..<20).map { 1 + Double($0) / 20 })
        let chains = try MCMC(kernel: NUTS(targetAccept: target, metric: .unit), chains: 4, warmup: 1500, draws: 1000)
            .run(model, initial: .given([[Double](repeating: 0, count: 20)]), seed: 21, threads: 2)
        let acc = chains.chainStats.map(\.meanAcceptanceProbability).reduce(0, +) / 4
        #expect(abs(acc - target) < 0.05, "mean acceptance statistic \(acc), target \(target)")
    }

    /// With the windowed metric adaptation (restarts after each window) the acceptance still follows the target.
    @Test func stepSizeFollowsTargetWithMetricAdaptation() throws {
        let model = try ar1Gaussian(dimension: 20, rho: 0.5, scales: (0..<20).map { 1 + Double($0) / 10 })
        let acc = try [0.6, 0.8, 0.95].map { target in
            let chains = try MCMC(kernel: NUTS(targetAccept: target), chains: 2, warmup: 1000, draws: 1000)
                .run(model, initial: .given([[Double](repeating: 0, count: 20)]), seed: 21, threads: 2)
            return chains.chainStats.map(\.meanAcceptanceProbability).reduce(0, +) / 2
        }
        #expect(acc[0] < acc[1] && acc[1] < acc[2], "\(acc)")
        #expect(zip(acc, [0.6, 0.8, 0.95]).allSatisfy { $0 > $1 - 0.05 && $0 < $1 + 0.15 }, "\(acc)")
    }

    /// The draws do not depend on the thread count (NUTS on the seed BNN posterior).
    @Test func identicalForThreadCounts() throws {
        let (bnn, data) = try mcmcSeedProblem()
        let posterior = try bnn.posterior(x: data.x, y: data.y)
        let mcmc = MCMC(kernel: NUTS(), chains: 3, warmup: 60, draws: 40)
        let one = try mcmc.run(posterior, initial: .prior, seed: 8, threads: 1)
        let two = try mcmc.run(posterior, initial: .prior, seed: 8, threads: 2)
        #expect(try one.draws() == two.draws())
        #expect(one.stepSizes == two.stepSizes)
    }

    @Test func badInput() throws {
        let good = try ar1Gaussian(dimension: 3, rho: 0.3, scales: [1, 1, 1])
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch let e as BayesKitError { return e.message } catch { return "\(error)" }
            return ""
        }
        let start: Initialization = .given([[0, 0, 0]])
        #expect(message { _ = try MCMC(kernel: NUTS(maxTreeDepth: 0), chains: 1, warmup: 10, draws: 10).run(good, initial: start) }
            .contains("tree depth"))
        #expect(message { _ = try MCMC(kernel: HMC(stepSize: 0, steps: 5), chains: 1, warmup: 10, draws: 10).run(good, initial: start) }
            .contains("step size must be > 0"))
        #expect(message { _ = try MCMC(kernel: HMC(stepSize: 0.1, steps: 0), chains: 1, draws: 10).run(good, initial: start) }
            .contains("leapfrog steps must be >= 1"))
        #expect(message { _ = try MCMC(kernel: NUTS(), chains: 1, draws: 10).run(good, initial: .given([[0, .nan, 0]])) }
            .contains("non-finite"))
        let wrongGradient = try LogDensity(dimension: 3) { x in (-0.5 * x[0] * x[0], [-x[0]]) }
        let m1 = message { _ = try MCMC(kernel: NUTS(), chains: 1, draws: 10).run(wrongGradient, initial: start) }
        #expect(m1.contains("gradient has 1 values, expected 3"), "\(m1)")
        let noGradient = try LogDensity(dimension: 3) { x in -0.5 * x[0] * x[0] }
        #expect(message { _ = try MCMC(kernel: NUTS(), chains: 1, draws: 10).run(noGradient, initial: start) }
            .contains("no gradient"))
        let infStart = try LogDensity(dimension: 3, hasGradient: true) { x, g in
            for i in 0..<3 { g?[i] = 0 }
            return x[0] > -1 ? -.infinity : 0
        }
        #expect(message { _ = try MCMC(kernel: NUTS(), chains: 1, draws: 10).run(infStart, initial: start) }
            .contains("initial position is -inf"))
        #expect(message {
            _ = try MCMC(kernel: NUTS(metric: .dense, inverseMetric: [1, 0, 0]), chains: 1, draws: 10).run(good, initial: start)
        }.contains("needs 9"))
    }

    /// A log density that is -inf on a half-space: NUTS treats those states as divergences and stays on the support.
    @Test func nonFiniteIsDivergenceNotCrash() throws {
        let model = try LogDensity(dimension: 2, hasGradient: true) { x, g in
            g?[0] = -x[0]
            g?[1] = -x[1]
            return x[0] < 0 ? -.infinity : -0.5 * (x[0] * x[0] + x[1] * x[1])
        }
        let chains = try MCMC(kernel: NUTS(), chains: 2, warmup: 300, draws: 500)
            .run(model, initial: .given([[0.5, 0]]), seed: 2)
        let draws = try chains.draws()
        #expect(draws.allSatisfy { $0.allSatisfy { $0[0] >= 0 } })
        #expect(chains.divergences > 0)
        #expect(chains.chainStats.allSatisfy { $0.nonFiniteProposals > 0 })
    }
}
