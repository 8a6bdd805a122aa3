import BayesKit
import Foundation
import Testing

@Suite struct EvaluationRegression {
    @Test func handComputedGaussianScores() throws {
        #expect(abs(try Evaluation.rmse(y: [1, 2, 3], mean: [1, 1, 1]) - (5.0 / 3).squareRoot()) < 1e-15)
        // log N(1 | 0, 2²) = −1/8 − log 2 − log(2π)/2
        let ll = try Evaluation.gaussianLogLikelihood(y: [1], mean: [0], sd: [2])
        #expect(abs(ll - (-1.737085713764618)) < 1e-14)
        // 0 and 1 are within 1.645 sd, 2 and 3 are not.
        #expect(try Evaluation.coverage(y: [0, 1, 2, 3], mean: [0, 0, 0, 0], sd: [1, 1, 1, 1], level: 0.9) == 0.5)
        #expect(try Evaluation.coverage(y: [0, 1, 2, 3], lower: [-1, 1.5, 0, 0], upper: [1, 2, 2, 2]) == 0.5)
        // CRPS(N(0, 1), 0) = 2φ(0) − 1/√π
        let crps = try Evaluation.crps(y: [0], mean: [0], sd: [1])
        #expect(abs(crps - (2 / (2 * Double.pi).squareRoot() - 1 / Double.pi.squareRoot())) < 1e-15)
        #expect(try Evaluation.pit(y: [0, 1], mean: [0, 0], sd: [1, 1])[0] == 0.5)
        let scores = try Evaluation.regression(y: [1], mean: [0], sd: [2])
        #expect(scores.metrics["test_loglik"] == ll && scores.metrics["coverage_90"] == 1)
    }

    @Test func mixtureOfEqualComponentsIsTheComponent() throws {
        let y = [0.3, -1.2, 2.0], mu = [0.0, -1.0, 1.5], sd = [0.5, 1.0, 2.0]
        let single = try Evaluation.gaussianLogLikelihood(y: y, mean: mu, sd: sd)
        let mix = try Evaluation.mixtureLogLikelihood(y: y, means: [mu, mu], sds: [sd, sd])
        #expect(abs(mix - single) < 1e-14)
        let weighted = try Evaluation.mixtureLogLikelihood(y: y, means: [mu, [9, 9, 9]], sds: [sd, sd], weights: [1, 0])
        #expect(abs(weighted - single) < 1e-14)
        // Two components: log((N(0|0,1) + N(0|2,1))/2) by hand.
        let two = try Evaluation.mixtureLogLikelihood(y: [0], means: [[0], [2]], sds: [[1], [1]])
        let byHand = log(0.5 * (1 + exp(-2.0)) / (2 * Double.pi).squareRoot())
        #expect(abs(two - byHand) < 1e-14)
    }

    @Test func sampleCRPSAndPIT() throws {
        // Two draws {0, 1} at y = 0: (0 + 1)/2 − (1/(2·4))·2 = 0.25.
        #expect(try Evaluation.crps(y: [0], samples: try Matrix(rows: 2, columns: 1, values: [0, 1])) == 0.25)
        // Draws at the N(0, 1) quantiles (i − ½)/S: the sample CRPS tends to the closed form (error O(1/S)).
        let s = 4000
        let normal = try Normal(mean: 0, sd: 1)
        let q = try (0..<s).map { try normal.quantile((Double($0) + 0.5) / Double(s)) }
        let samples = try Matrix(rows: s, columns: 2, values: q.flatMap { [$0, $0] })
        let fromSamples = try Evaluation.crps(y: [0.4, -1.3], samples: samples)
        let closed = try Evaluation.crps(y: [0.4, -1.3], mean: [0, 0], sd: [1, 1])
        #expect(abs(fromSamples - closed) < 1e-3, "\(fromSamples) vs \(closed)")
        let pit = try Evaluation.pit(y: [0.4], samples: try Matrix(rows: s, columns: 1, values: q))
        #expect(abs(pit[0] - normal.cdf(0.4)) < 1.0 / Double(s))
        #expect(try Evaluation.pitHistogram([0, 0.05, 0.5, 1], bins: 2) == [2, 2])
        let curve = try Evaluation.coverageCurve(y: q, mean: [Double](repeating: 0, count: s),
                                                 sd: [Double](repeating: 1, count: s))
        for (nominal, observed) in zip(curve.nominal, curve.observed) { #expect(abs(nominal - observed) <= 2.0 / Double(s)) }
    }

    @Test func badInputIsNamed() throws {
        #expect(throws: BayesKitError.self) { try Evaluation.rmse(y: [1, 2], mean: [1]) }
        do {
            _ = try Evaluation.gaussianLogLikelihood(y: [1], mean: [0], sd: [-1])
            Issue.record("negative sd accepted")
        } catch let e as BayesKitError { #expect(e.message.contains("sd must be positive")) }
        #expect(throws: BayesKitError.self) { try Evaluation.coverage(y: [1], mean: [0], sd: [1], level: 1) }
        #expect(throws: BayesKitError.self) { try Evaluation.rmse(y: [.nan], mean: [0]) }
        #expect(throws: BayesKitError.self) { try Evaluation.mixtureLogLikelihood(y: [1], means: [], sds: []) }
    }
}

@Suite struct EvaluationClassification {
    @Test func handComputedScores() throws {
        let p = try Matrix([[0.8, 0.2], [0.4, 0.6]])
        let labels = [0, 1]
        #expect(try Evaluation.accuracy(labels: labels, probabilities: p) == 1)
        #expect(abs(try Evaluation.negativeLogLikelihood(labels: labels, probabilities: p) - 0.3669845875401002) < 1e-13)
        #expect(abs(try Evaluation.brier(labels: labels, probabilities: p) - 0.2) < 1e-15)
        // Confidences 0.8 and 0.6 (both right): gaps 0.2 and 0.4 in two bins of ten.
        let cal = try Evaluation.calibration(labels: labels, probabilities: p, bins: 10)
        #expect(abs(cal.ece - 0.3) < 1e-15 && abs(cal.mce - 0.4) < 1e-15)
        #expect(cal.counts[7] == 1 && cal.counts[5] == 1 && cal.counts.reduce(0, +) == 2)
        #expect(cal.frequency[7] == 1 && abs(cal.confidence[5] - 0.6) < 1e-15 && cal.frequency[0].isNaN)
        let wrong = try Evaluation.accuracy(labels: [1, 0], probabilities: p)
        #expect(wrong == 0)
    }

    @Test func decompositionHandValuesAndIdentity() throws {
        // Two confident members that disagree: all uncertainty is epistemic.
        let d = try Evaluation.decomposition([try Matrix([[1, 0]]), try Matrix([[0, 1]])])
        #expect(abs(d.total[0] - log(2)) < 1e-15 && d.aleatoric[0] == 0 && abs(d.epistemic[0] - log(2)) < 1e-15)
        // Agreeing members: no epistemic part.
        let same = try Evaluation.decomposition([try Matrix([[0.3, 0.7]]), try Matrix([[0.3, 0.7]])])
        #expect(same.epistemic[0] == 0 && abs(same.total[0] - same.aleatoric[0]) < 1e-15)
        // Random softmax draws: MI >= 0 and total = aleatoric + epistemic.
        let stream = try Seed(7).stream()
        let samples = try (0..<20).map { _ -> Matrix in
            let logits = try stream.normals(50 * 3, sd: 2)
            var v = [Double]()
            for i in 0..<50 {
                let e = (0..<3).map { exp(logits[i * 3 + $0]) }
                let z = e.reduce(0, +)
                v += e.map { $0 / z }
            }
            return try Matrix(rows: 50, columns: 3, values: v)
        }
        let r = try Evaluation.decomposition(samples)
        for i in 0..<50 {
            #expect(r.epistemic[i] >= 0)
            #expect(abs(r.total[i] - (r.aleatoric[i] + r.epistemic[i])) < 1e-12)
            #expect(r.total[i] <= log(3) + 1e-12)
        }
    }

    @Test func aurocIsMannWhitney() throws {
        #expect(try Evaluation.auroc(inDistribution: [0.1, 0.2], outOfDistribution: [0.3, 0.4]) == 1)
        #expect(try Evaluation.auroc(inDistribution: [0.3, 0.4], outOfDistribution: [0.1, 0.2]) == 0)
        #expect(try Evaluation.auroc(inDistribution: [1, 1], outOfDistribution: [1]) == 0.5)
        #expect(try Evaluation.auroc(inDistribution: [1, 3], outOfDistribution: [2, 4]) == 0.75)
        #expect(throws: BayesKitError.self) { try Evaluation.auroc(inDistribution: [], outOfDistribution: [1]) }
    }

    @Test func badProbabilitiesAreNamed() throws {
        do {
            _ = try Evaluation.brier(labels: [0], probabilities: try Matrix([[0.5, 0.6]]))
            Issue.record("rows not summing to 1 accepted")
        } catch let e as BayesKitError { #expect(e.message.contains("sums to")) }
        #expect(throws: BayesKitError.self) { try Evaluation.accuracy(labels: [2], probabilities: try Matrix([[0.5, 0.5]])) }
        #expect(throws: BayesKitError.self) { try Evaluation.decomposition([]) }
    }
}
