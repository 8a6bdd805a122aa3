import BayesKit
import Foundation
import Testing

/// ADVI on user log densities: recovery of a known Gaussian, the gradient
/// against finite differences with common random numbers, REINFORCE vs
/// reparameterization variance, and the errors a user gets.
@Suite struct ADVITests {
    /// N(m, S) with S = [[1, 0.8·1·0.5, 0], [0.4, 0.25, 0], [0, 0, 4]] (correlation 0.8 between θ₀ and θ₁).
    static let m = [1.0, -2.0, 0.5]
    static let cov: [[Double]] = [[1, 0.4, 0], [0.4, 0.25, 0], [0, 0, 4]]
    /// S⁻¹: the 2 × 2 block inverse and 1/4.
    static let precision: [[Double]] = {
        let det = 1 * 0.25 - 0.4 * 0.4
        return [[0.25 / det, -0.4 / det, 0], [-0.4 / det, 1 / det, 0], [0, 0, 0.25]]
    }()

    static func gaussian() throws -> LogDensity {
        try LogDensity(dimension: 3) { theta in
            let r = (0..<3).map { theta[$0] - m[$0] }
            let g = (0..<3).map { i in -(0..<3).reduce(0) { $0 + precision[i][$1] * r[$1] } }
            let v = 0.5 * (0..<3).reduce(0) { $0 + r[$1] * g[$1] }
            return (v, g)
        }
    }

    /// Full rank recovers mean and covariance (with the 0.8 correlation).
    /// The fit is a stochastic optimisation: at lr 0.01 with 64 draws Adam's
    /// stationary jitter is about 0.01 on μ and on log L_ii, so the
    /// tolerances (0.03 on the mean, 0.1 on log Σ_ii, 0.03 on the
    /// correlation) are a few times that, far below the errors of a wrong
    /// answer (mean field's correlation is 0).
    @Test func fullRankRecoversAKnownGaussian() throws {
        let fit = try ADVI(family: .fullRank, samples: 64, steps: 3000, learningRate: 0.01).fit(Self.gaussian(), seed: 1)
        #expect(fit.elbo.count == 3000)
        for i in 0..<3 { #expect(abs(fit.mean[i] - Self.m[i]) < 0.03) }
        let c = try fit.covariance
        for i in 0..<3 { #expect(abs(log(c[i, i] / Self.cov[i][i])) < 0.1, "Σ[\(i),\(i)] = \(c[i, i])") }
        #expect(abs(c[0, 2]) < 0.05 && abs(c[1, 2]) < 0.05)
        let rho = c[0, 1] / (c[0, 0] * c[1, 1]).squareRoot()
        #expect(abs(rho - 0.8) < 0.03)
        // At the optimum the ELBO equals log Z of the unnormalised target: (3/2) log 2π + ½ log det S.
        let logZ = 1.5 * log(2 * Double.pi) + 0.5 * log((1 * 0.25 - 0.16) * 4)
        let tail = fit.elbo.suffix(500)
        #expect(abs(tail.reduce(0, +) / Double(tail.count) - logZ) < 0.05)
        // Draws from q have q's moments.
        let draws = try fit.sample(20000, seed: 2)
        let mean0 = draws.reduce(0) { $0 + $1[0] } / 20000
        #expect(abs(mean0 - fit.mean[0]) < 5 * (c[0, 0] / 20000).squareRoot())
    }

    /// Rank 1 plus diagonal can represent this covariance exactly
    /// (b = (0.9, 0.444, 0)), so the low-rank family recovers it as full
    /// rank does, with the same tolerances.
    @Test func lowRankRecoversAKnownGaussian() throws {
        let fit = try ADVI(family: .lowRank, samples: 64, steps: 3000, learningRate: 0.01, rank: 1).fit(Self.gaussian(), seed: 1)
        #expect(fit.parameters.count == 9)
        for i in 0..<3 { #expect(abs(fit.mean[i] - Self.m[i]) < 0.03) }
        let c = try fit.covariance
        for i in 0..<3 { #expect(abs(log(c[i, i] / Self.cov[i][i])) < 0.1, "Σ[\(i),\(i)] = \(c[i, i])") }
        let rho = c[0, 1] / (c[0, 0] * c[1, 1]).squareRoot()
        #expect(abs(rho - 0.8) < 0.03, "correlation \(rho)")
        let draws = try fit.sample(4000, seed: 2)
        #expect(draws.count == 4000 && draws[0].count == 3)
    }

    /// Mean field on a Gaussian has the known answer σ_i² = 1/(S⁻¹)_ii
    /// (it under-estimates the marginal variance of correlated coordinates)
    /// and the exact mean.
    @Test func meanFieldFindsTheKnownUnderdispersedAnswer() throws {
        let fit = try ADVI(family: .meanField, samples: 64, steps: 3000, learningRate: 0.01).fit(Self.gaussian(), seed: 1)
        let sd = try fit.standardDeviations
        for i in 0..<3 {
            #expect(abs(fit.mean[i] - Self.m[i]) < 0.03)
            let expected = (1 / Self.precision[i][i]).squareRoot()
            #expect(abs(sd[i] / expected - 1) < 0.03)
        }
        #expect(try fit.covariance[0, 1] == 0)
        #expect(sd[0] < 0.7)  // the true marginal sd is 1
    }

    /// With the draws fixed, the ELBO estimate is a smooth function of φ; its
    /// reparameterization gradient matches central differences (both families).
    @Test(arguments: ADVI.Family.allCases) func gradientMatchesFiniteDifferences(family: ADVI.Family) throws {
        let model = try LogDensity(dimension: 3) { t in
            // A non-Gaussian target: Gaussian plus a quartic and a cross term.
            let v = -0.5 * (t[0] * t[0] + 2 * t[1] * t[1] + t[2] * t[2]) - 0.1 * t.reduce(0) { $0 + pow($1, 4) } + 0.3 * t[0] * t[2]
            let g = [-t[0] - 0.4 * pow(t[0], 3) + 0.3 * t[2], -2 * t[1] - 0.4 * pow(t[1], 3), -t[2] - 0.4 * pow(t[2], 3) + 0.3 * t[0]]
            return (v, g)
        }
        let advi = ADVI(family: family, samples: 4, rank: 2)
        let np = [ADVI.Family.meanField: 6, .fullRank: 9, .lowRank: 12][family]!
        let phi = (0..<np).map { 0.3 * sin(Double($0) + 1) }
        let eps = try RandomStream(seed: 5, stream: 0).normals(4 * (family == .lowRank ? 5 : 3))
        let (_, grad) = try advi.estimate(model, parameters: phi, eps: eps)
        for i in 0..<np {
            let h = 1e-5
            var up = phi, dn = phi
            up[i] += h
            dn[i] -= h
            let fd = (try advi.estimate(model, parameters: up, eps: eps).elbo - advi.estimate(model, parameters: dn, eps: eps).elbo) / (2 * h)
            #expect(abs(fd - grad[i]) < 1e-6 * max(1, abs(fd)), "parameter \(i): finite difference \(fd), gradient \(grad[i])")
        }
    }

    /// REINFORCE vs reparameterization on the same draws (same seed, same K):
    /// both estimate the same gradient (means agree within 5 standard errors),
    /// the score-function one with a larger variance on every coordinate.
    @Test(arguments: [ADVI.Family.meanField, .fullRank]) func scoreFunctionHasLargerVariance(family: ADVI.Family) throws {
        let advi = ADVI(family: family, samples: 10)
        let np = family == .meanField ? 6 : 9
        let phi = (0..<np).map { 0.2 * cos(Double($0)) }
        let reps = 2000
        let v = try advi.gradientVariance(Self.gaussian(), parameters: phi, replicates: reps, seed: 3)
        print(String(format: "ADVI %@ gradient variance (K = 10): reparameterization %.4g, score function %.4g, ratio %.1f",
                     family.rawValue, v.reparameterizationTotal, v.scoreFunctionTotal, v.ratio))
        for i in 0..<np {
            #expect(v.scoreFunctionVariance[i] > v.reparameterizationVariance[i])
            let se = ((v.scoreFunctionVariance[i] + v.reparameterizationVariance[i]) / Double(reps)).squareRoot()
            #expect(abs(v.scoreFunctionMean[i] - v.reparameterizationMean[i]) < 5 * se)
        }
        #expect(v.ratio > 10)
        // The score-function estimator also fits (it needs no gradient), just more slowly.
        let valueOnly = try LogDensity(dimension: 3) { t in try Self.gaussian()(t) }
        let fit = try ADVI(family: .meanField, samples: 256, steps: 1500, learningRate: 0.02, estimator: .scoreFunction)
            .fit(valueOnly, seed: 4)
        for i in 0..<3 { #expect(abs(fit.mean[i] - Self.m[i]) < 0.15) }
    }

    @Test func sameSeedSameFit() throws {
        let a = try ADVI(family: .fullRank, samples: 8, steps: 200).fit(Self.gaussian(), seed: 7)
        let b = try ADVI(family: .fullRank, samples: 8, steps: 200).fit(Self.gaussian(), seed: 7)
        let c = try ADVI(family: .fullRank, samples: 8, steps: 200).fit(Self.gaussian(), seed: 8)
        #expect(a.parameters == b.parameters && a.elbo == b.elbo)
        #expect(a.parameters != c.parameters)
        let data = try JSONEncoder().encode(a)
        #expect(try JSONDecoder().decode(ADVIResult.self, from: data) == a)
    }

    @Test func badInputGetsAMessage() throws {
        let g = try Self.gaussian()
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch let e as BayesKitError { return e.message } catch { return "\(error)" }
        }
        #expect(message { _ = try ADVI(samples: 0).fit(g) }.contains("samples must be >= 1, got 0"))
        #expect(message { _ = try ADVI(family: .lowRank, rank: 0).fit(g) }.contains("rank >= 1, got 0"))
        #expect(message { _ = try ADVI(family: .lowRank, rank: 4).fit(g) }.contains("rank 4 exceeds the 3 parameters"))
        #expect(message { _ = try ADVI(family: .lowRank, estimator: .scoreFunction).fit(g) }
            .contains("mean-field and full-rank families only"))
        #expect(message { _ = try ADVI(steps: 0).fit(g) }.contains("steps must be >= 1, got 0"))
        #expect(message { _ = try ADVI(learningRate: -1).fit(g) }.contains("learning rate must be > 0"))
        #expect(message { _ = try ADVI().fit(g, initialMean: [0, 0]) }.contains("initial mean has 2 values"))
        #expect(message { _ = try ADVI().fit(g, initialMean: [0, .nan, 0]) }.contains("initial mean is not finite"))
        let valueOnly = try LogDensity(dimension: 1) { t in -t[0] * t[0] }
        #expect(message { _ = try ADVI().fit(valueOnly) }.contains("needs the log density's gradient"))
        #expect(message { _ = try ADVI().estimate(g, parameters: [0, 0]) }.contains("2 variational parameters"))
        #expect(message { _ = try ADVI().gradientVariance(g, parameters: Array(repeating: 0, count: 6), replicates: 1) }
            .contains(">= 2 replicates"))
        let throwing = try LogDensity(dimension: 2) { (_: [Double]) -> (Double, [Double]) in throw BayesKitError.invalidArgument("model exploded") }
        #expect(message { _ = try ADVI(steps: 5).fit(throwing) }.contains("model exploded"))
        // An improper target (log p = e^θ) with a large learning rate: the ELBO overflows and the fit stops naming the step.
        let improper = try LogDensity(dimension: 1) { t in (exp(t[0]), [exp(t[0])]) }
        let msg = message { _ = try ADVI(samples: 4, steps: 500, learningRate: 50).fit(improper) }
        #expect(msg.contains("ADVI diverged at step"), "\(msg)")
    }
}

extension ADVITests {
    static func number(_ v: JSONValue?) -> Double { if case .number(let x)? = v { return x } else { return .nan } }

    /// Seed 001's scalar example: from a symmetric start q lands on one of
    /// the modes ±2 with that mode's width. The mode is nearly Gaussian
    /// (sd ≈ 1/√64 = 0.125 from the curvature at θ = 2), so the best Gaussian
    /// nearly matches its moments: the reverse-KL optimum of the slightly
    /// skewed mode sits ~0.01 from its mean and Adam's jitter at lr 0.05 with
    /// 256 draws adds ~0.01 on μ and 1-2% on σ, hence the 0.04 and 10% tolerances.
    @Test(arguments: [UInt64(0), 1, 2]) func bimodalStudyLandsOnOneMode(seed: UInt64) throws {
        let s = try ADVIStudies.bimodal(seed: seed)
        guard case .number(let mu) = s.summary["q_mean"], case .number(let sd) = s.summary["q_sd"],
              case .number(let modeMean) = s.summary["mode_mean"], case .number(let modeSD) = s.summary["mode_sd"],
              case .number(let mass) = s.summary["exact_mass_on_q_side"], case .number(let gap) = s.summary["elbo_gap_to_log_z"]
        else { Issue.record("missing summary numbers"); return }
        print(String(format: "vi-bimodal seed %llu: q = N(%.4f, %.4f²), mode %.4f ± %.4f, ELBO gap to log Z %.3f", seed, mu, sd, modeMean, modeSD, gap))
        #expect(abs(abs(mu) - 2) < 0.05)
        #expect(abs(mu - modeMean) < 0.04)
        #expect(abs(sd / modeSD - 1) < 0.1)
        #expect(abs(mass - 0.5) < 1e-6)
        #expect(abs(gap - log(2.0)) < 0.05)
        #expect(s.figures.map(\.file) == ["vi-bimodal.svg"])
        let gv = s.summary["gradient_variance"]
        #expect(Self.number(gv?["score_function_at_fit"]) > Self.number(gv?["reparameterization_at_fit"]))
        #expect(Self.number(gv?["score_function_at_start"]) > Self.number(gv?["reparameterization_at_start"]))
        #expect(try s.figures[0].figure.svgString().contains("<svg"))
    }

    /// README.md's ADVI snippet.
    @Test func readmeSnippetRuns() throws {
        let target = try LogDensity(dimension: 2) { t in (-0.5 * (t[0] * t[0] + t[1] * t[1]), [-t[0], -t[1]]) }
        let fit = try ADVI(family: .fullRank, samples: 64, steps: 2000, learningRate: 0.01).fit(target, seed: 0)
        let c11 = try fit.covariance[1, 1]
        #expect(abs(fit.mean[0]) < 0.05 && abs(c11 - 1) < 0.1 && fit.elbo.count == 2000)
        let v = try ADVI(family: .fullRank, samples: 10).gradientVariance(target, parameters: fit.parameters, replicates: 500)
        #expect(v.scoreFunctionTotal > v.reparameterizationTotal)
    }
}
