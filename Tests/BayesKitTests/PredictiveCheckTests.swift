import BayesKit
import Foundation
import Testing

/// Posterior and prior predictive checks (issue 17).
@Suite struct PredictiveCheckTests {
    /// Normal mean with known sigma 1 and a N(0, 10^2) prior: the posterior predictive of T = mean(y_rep)
    /// is N(m, 1/n + s^2), so p = 1 - Phi((ybar - m) / sqrt(1/n + s^2)) in closed form.
    @Test func conjugateNormalPValueMatchesTheClosedForm() throws {
        let data = try RandomStream(seed: 7, stream: 0)
        let y = (0..<30).map { _ in 0.8 + data.normal() }
        let n = Double(y.count), precision = 1 / 100 + n
        let m = y.reduce(0, +) / precision, s2 = 1 / precision
        let rng = try RandomStream(seed: 8, stream: 0)
        let S = 20_000
        let check = try PredictiveCheck.run(observed: y, draws: S, statistics: [.mean, .sd, .max]) { _ in
            let mu = m + s2.squareRoot() * rng.normal()
            return (0..<y.count).map { _ in mu + rng.normal() }
        }
        let ybar = y.reduce(0, +) / n
        let z = (ybar - m) / (1 / n + s2).squareRoot()
        let exact = 0.5 * erfc(z / 2.squareRoot())
        let r = check.results[0]
        #expect(r.statistic == "mean" && abs(r.observed - ybar) < 1e-12)
        #expect(abs(r.pValue - exact) < 5 * r.pValueMCSE + 1e-3, "p = \(r.pValue) vs \(exact)")
        #expect(check.replicatedSets.count == 50 && check.draws == S)
        // A model that fits: no statistic is extreme.
        for r in check.results { #expect(r.pValue > 0.01 && r.pValue < 0.99, "\(r.statistic): \(r.pValue)") }
    }

    /// Heavy-tailed data (Student t, 2 degrees of freedom) under a Normal model: the max and the sd
    /// of the data are far beyond what the model replicates.
    @Test func aMisfitGetsAnExtremePValue() throws {
        let rng = try RandomStream(seed: 3, stream: 0)
        let y = (0..<200).map { _ -> Double in
            let z = rng.normal(), a = rng.normal(), b = rng.normal(), c = a * a + b * b
            return z / (c / 2).squareRoot()
        }
        let n = Double(y.count), ybar = y.reduce(0, +) / n
        let s = (y.map { ($0 - ybar) * ($0 - ybar) }.reduce(0, +) / (n - 1)).squareRoot()
        // Fitted Normal(ybar, 1): the model's scale is the bulk's, not the tails'.
        let fit = try RandomStream(seed: 4, stream: 0)
        let check = try PredictiveCheck.run(observed: y, draws: 2000, statistics: [.max, .sd]) { _ in
            (0..<y.count).map { _ in ybar + fit.normal() }
        }
        #expect(s > 1.5)
        for r in check.results { #expect(r.pValue < 0.01, "\(r.statistic): p = \(r.pValue)") }
    }

    /// Prior predictive of a 1-1 identity network with N(0, 1) weights and noise 0.5 at x = 2:
    /// y = w x + b + 0.5 eps has mean 0 and variance x^2 + 1 + 0.25 = 5.25.
    @Test func priorPredictiveHasThePriorMoments() throws {
        let bnn = try BNN(layers: [1, 1], activation: .identity, likelihood: .gaussian(sigma: 0.5), prior: .normal(std: 1))
        let x = try Matrix(rows: 1, columns: 1, values: [2])
        let check = try PredictiveCheck.prior(bnn, draws: 20_000, x: x, y: [0], statistics: [.mean], seed: 1)
        let t = check.results[0].replicated
        let mean = t.reduce(0, +) / Double(t.count)
        let variance = t.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(t.count - 1)
        #expect(abs(mean) < 5 * (5.25 / Double(t.count)).squareRoot())
        // The variance estimate's sd is about variance * sqrt(2 / S) for a Gaussian.
        #expect(abs(variance - 5.25) < 5 * 5.25 * (2 / Double(t.count)).squareRoot())
    }

    /// The posterior check of seed 000's NUTS fit reproduces the sine data, and its figure renders.
    @Test func posteriorCheckOfABNNAndItsFigure() throws {
        let sine = try Datasets.sine()
        let bnn = try BNN(layers: [1, 5, 1], activation: .relu, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1))
        let chains = try MCMC(kernel: NUTS(), chains: 2, warmup: 300, draws: 300)
            .run(bnn, x: sine.x, y: sine.y, initial: .mse(steps: 200, learningRate: 0.01), seed: 0, threads: 2)
        let draws = try chains.evenlySpacedDraws(maximum: 400)
        let x = try Matrix(rows: sine.x.count, columns: 1, values: sine.x)
        let check = try PredictiveCheck.posterior(bnn, weightDraws: draws, x: x, y: sine.y,
                                                  statistics: PredictiveCheck.Statistic.standard + [.quantile(0.9)], seed: 1)
        #expect(check.draws == draws.rows)
        for r in check.results { #expect(r.pValue > 0.02 && r.pValue < 0.98, "\(r.statistic): \(r.pValue)") }
        let svg = try PredictiveCheck.figure(check, title: "sine PPC").svgString()
        #expect(svg.contains("p = ") && !svg.lowercased().contains("nan"))

        #expect(throws: BayesKitError.invalidArgument("a predictive check needs >= 1 draws, got 0")) {
            try PredictiveCheck.run(observed: [1], draws: 0) { _ in [1] }
        }
        #expect(throws: BayesKitError.nonFinite("observed value 1 is not finite (nan)")) {
            try PredictiveCheck.run(observed: [1, .nan], draws: 1) { _ in [1, 1] }
        }
        #expect(throws: BayesKitError.dimensionMismatch("replicated set 0 has 1 values, the data have 2")) {
            try PredictiveCheck.run(observed: [1, 2], draws: 1) { _ in [1] }
        }
        #expect(throws: BayesKitError.dimensionMismatch("x has 20 rows but y has 3")) {
            try PredictiveCheck.posterior(bnn, weightDraws: draws, x: x, y: [1, 2, 3])
        }
    }
}

extension PredictiveCheckTests {
    /// The demo's check-sine study: three fits, PPC p-values in range, a LOO comparison whose best fit
    /// has difference 0 and whose others are behind it (elpd_diff >= 0).
    @Test func checkSineStudy() throws {
        let s = try Studies.run("check-sine", seed: 0)
        try StudiesTests().checkFigures(s)
        var elpds = [String: Double]()
        for key in ["mh", "nuts", "vi"] {
            guard case .object(let r)? = s.summary[key], let elpd = r["elpd_loo"]?.number, let diff = r["elpd_diff"]?.number,
                  case .object(let p)? = r["ppc_p"] else {
                Issue.record("no \(key) in the summary")
                continue
            }
            elpds[key] = elpd
            #expect(diff >= 0 && elpd.isFinite)  // ArviZ's convention: best − this
            for (_, v) in p { #expect((v.number ?? -1) >= 0 && (v.number ?? 2) <= 1) }
        }
        #expect(elpds.count == 3)
        #expect(s.table.rows.first?[3] == "0")
    }
}
