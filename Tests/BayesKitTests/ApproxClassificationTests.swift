import BayesKit
import Foundation
import Testing

@Suite struct ApproxClassification {
    /// Labels drawn from softmax(f); the model reports 4f (over-confident).
    /// Temperature scaling finds T near 4 and lowers the NLL; accuracy is unchanged.
    @Test func temperatureScalingLowersNLLOfAnOverconfidentModel() throws {
        let n = 4000, k = 3
        let rng = try Seed(12).stream()
        let f = try rng.normals(n * k, sd: 1)
        let truth = try TemperatureScaling.probabilities(logits: try Matrix(rows: n, columns: k, values: f))
        var labels = [Int]()
        for i in 0..<n {
            let u = rng.uniform()
            var c = 0, acc = truth[i, 0]
            while u > acc && c < k - 1 { c += 1; acc += truth[i, c] }
            labels.append(c)
        }
        let over = try Matrix(rows: n, columns: k, values: f.map { 4 * $0 })
        let t = try TemperatureScaling.fit(logits: over, labels: labels)
        #expect(abs(t - 4) < 0.6, "T = \(t)")
        let before = try Evaluation.classification(labels: labels, probabilities: try TemperatureScaling.probabilities(logits: over))
        let after = try Evaluation.classification(labels: labels,
                                                  probabilities: try TemperatureScaling.probabilities(logits: over, temperature: t))
        #expect(after.nll < before.nll && after.ece < before.ece)
        #expect(after.accuracy == before.accuracy)
        #expect(throws: BayesKitError.self) { try TemperatureScaling.fit(logits: over, labels: [0]) }
    }

    /// A subnormal probability whose mean over draws underflows to 0 must not make the MI infinite.
    @Test func decompositionSurvivesUnderflow() throws {
        let tiny = Double.leastNonzeroMagnitude
        let draws = try (0..<4).map { s in try Matrix(rows: 1, columns: 2, values: s == 0 ? [1 - tiny, tiny] : [1, 0]) }
        let d = try Evaluation.decomposition(draws)
        #expect(d.epistemic[0].isFinite && d.total[0].isFinite)
    }

    @Test func softmaxEnsembleOnTwoMoons() throws {
        let moons = try Datasets.twoMoons(count: 200)
        #expect(moons.labels.filter { $0 == 1 }.count == 100)
        #expect(try Datasets.twoMoons(count: 200).x == moons.x)
        let arch = try NetworkArchitecture(layers: [2, 16, 2], activation: .tanh)
        let ens = try DeepEnsemble(members: 3, training: Training(head: .softmax, epochs: 150, batchSize: 20))
            .fit(architecture: arch, x: moons.x, y: moons.labels.map(Double.init), seed: 0, threads: 2)
        let d = try ens.classify(moons.x)
        #expect(try Evaluation.accuracy(labels: moons.labels, probabilities: d.probabilities) > 0.85)
        for i in 0..<moons.labels.count {
            #expect(d.epistemic[i] >= 0 && abs(d.total[i] - d.aleatoric[i] - d.epistemic[i]) < 1e-12)
        }
        #expect(throws: BayesKitError.self) { try ens.predict(moons.x) }
    }

    @Test func studiesRun() throws {
        let cmp = try Studies.run("approx-compare", seed: 0, threads: 1)
        #expect(cmp.table.rows.count == ApproxMethod.approximations.count)
        guard case let .array(rows)? = cmp.summary["methods"] else { Issue.record("no methods"); return }
        for r in rows {
            // Mean-field VI underfits 20 points with 151 weights in 1000 epochs (the KL term dominates).
            let bound = r["method"]?.string == "vi" ? 1.0 : 0.3
            #expect((r["rmse"]?.number ?? 9) < bound, "\(r)")
            #expect((0...1).contains(r["coverage_90"]?.number ?? -1))
        }
        let moons = try Studies.run("approx-moons", seed: 0, threads: 1)
        let acc = moons.summary["ensemble"]?["accuracy"]?.number ?? 0
        #expect(acc > 0.8)  // noise 0.3: the classes overlap
        let before = moons.summary["single_before_temperature"]?["nll"]?.number ?? 0
        let after = moons.summary["single_after_temperature"]?["nll"]?.number ?? 9
        #expect(after.isFinite && before.isFinite)
    }
}

@Suite struct ApproxOscillatorStudyTests {
    @Test func interpolationAndExtrapolationPerMethod() throws {
        let study = try Studies.run("approx-oscillator", seed: 0, threads: 2)
        #expect(Studies.names.contains("approx-oscillator"))
        #expect(study.table.rows.count == ApproxMethod.approximations.count)
        guard case let .array(rows)? = study.summary["methods"] else { Issue.record("no methods"); return }
        var harder = 0
        for r in rows {
            let inside = r["interpolation_rmse"]?.number ?? .nan, beyond = r["extrapolation_rmse"]?.number ?? .nan
            #expect(inside.isFinite && beyond.isFinite)
            #expect((0...1).contains(r["interpolation_coverage_90"]?.number ?? -1))
            #expect((0...1).contains(r["extrapolation_coverage_90"]?.number ?? -1))
            if beyond > inside { harder += 1 }
        }
        #expect(harder >= rows.count - 1, "extrapolation should be harder than interpolation")
    }
}
