import BayesKit
import Foundation
import Testing

private func sineData() throws -> (Matrix, [Double]) {
    let d = try Datasets.sine()
    return (try Matrix(rows: d.x.count, columns: 1, values: d.x), d.y)
}

@Suite struct ApproxRegression {
    @Test func mcDropoutPredictsWithBothUncertainties() throws {
        let (x, y) = try sineData()
        let arch = try NetworkArchitecture(layers: [1, 32, 1], activation: .relu)
        let method = MCDropout(rate: 0.1, passes: 50, training: Training(epochs: 300))
        let model = try method.fit(architecture: arch, x: x, y: y, seed: 3)
        #expect(model.lossHistory.last! < model.lossHistory.first!)
        let grid = try Matrix(rows: 5, columns: 1, values: [-6, -2, 0, 2, 6])
        let a = try model.predict(grid, seed: 1, threads: 1), b = try model.predict(grid, seed: 1, threads: 2)
        #expect(a == b)
        #expect(a.epistemicSD.allSatisfy { $0 > 0 } && a.aleatoricSD.allSatisfy { abs($0 - model.noiseSD) < 1e-12 * model.noiseSD })
        #expect(a.componentMeans.count == 50)
        // Far outside the data the passes disagree more than inside it.
        #expect(a.epistemicSD[0] > a.epistemicSD[2] && a.epistemicSD[4] > a.epistemicSD[2])
        #expect(try method.fit(architecture: arch, x: x, y: y, seed: 3) == model)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mcd-\(UUID()).json")
        try model.save(to: url)
        #expect(try MCDropoutModel.load(from: url) == model)
        // Gal's tau from the weight decay: τ = (1 − p) l² / (N wd).
        let gal = MCDropout(rate: 0.1, training: Training(epochs: 5, optimizer: .adam(Adam(learningRate: 0.01, weightDecay: 1e-3))),
                            noise: .galTau(lengthScale: 0.5))
        let g = try gal.fit(architecture: arch, x: x, y: y, seed: 0)
        #expect(abs(g.tau - 0.9 * 0.25 / (20 * 1e-3)) < 1e-9)
        #expect(throws: BayesKitError.self) { try MCDropout(rate: 1).fit(architecture: arch, x: x, y: y) }
    }

    @Test func ensembleMembersDifferAndMixtureMomentsHold() throws {
        let (x, y) = try sineData()
        let arch = try NetworkArchitecture(layers: [1, 16, 2], activation: .tanh)
        let method = DeepEnsemble(members: 3, training: Training(head: .meanVariance, epochs: 200, batchSize: 10))
        let one = try method.fit(architecture: arch, x: x, y: y, seed: 1, threads: 1)
        let two = try method.fit(architecture: arch, x: x, y: y, seed: 1, threads: 2)
        #expect(one == two)
        #expect(one.members[0] != one.members[1] && one.members[1] != one.members[2])
        let p = try one.predict(x)
        for i in 0..<x.rows {
            let mus = p.componentMeans.map { $0[i] }, sds = p.componentSDs.map { $0[i] }
            let m = mus.reduce(0, +) / 3
            let total = zip(mus, sds).map { $0 * $0 + $1 * $1 }.reduce(0, +) / 3 - m * m
            #expect(abs(p.mean[i] - m) < 1e-12)
            #expect(abs(p.totalSD[i] * p.totalSD[i] - total) < 1e-10)
        }
        let s = try p.scores(y)
        #expect(s.rmse < 0.5 && s.logLikelihood.isFinite)
        #expect(throws: BayesKitError.self) { try DeepEnsemble(members: 0).fit(architecture: arch, x: x, y: y) }
    }

    @Test func swagMomentsMatchIteratesAndSampling() throws {
        let iterates = (0..<6).map { k in (0..<4).map { Double(k * k) * 0.1 + Double($0) } }
        let m = try SWAGMoments.collect(iterates, rank: 4)
        for i in 0..<4 {
            let col = iterates.map { $0[i] }
            #expect(abs(m.mean[i] - col.reduce(0, +) / 6) < 1e-14)
            #expect(abs(m.secondMoment[i] - col.map { $0 * $0 }.reduce(0, +) / 6) < 1e-13)
        }
        #expect(m.deviations.count == 4)
        #expect(throws: BayesKitError.self) { try SWAGMoments.collect(iterates, rank: 0) }

        let (x, y) = try sineData()
        let arch = try NetworkArchitecture(layers: [1, 16, 1], activation: .relu)
        let swag = SWAG(rank: 10, samples: 30, pretraining: Training(epochs: 300),
                        collection: Training(epochs: 40, optimizer: .sgd(SGD(learningRate: 0.01, momentum: 0.9))))
        let model = try swag.fit(architecture: arch, x: x, y: y, seed: 2)
        #expect(model.moments.count == 40 && model.moments.deviations.count == 10)
        let pred = try model.predict(x, seed: 5)
        #expect(pred.componentMeans.count == 30 && pred.epistemicSD.allSatisfy { $0 > 0 })
        #expect(try model.predict(x, seed: 5, threads: 1) == pred)
        let zero = try model.sampleWeights(2, seed: 1, scale: 0)
        #expect(zero.row(0) == model.swaWeights)
    }

    @Test func lastLayerEqualsBayesianLinearRegressionOnFeatures() throws {
        let (x, y) = try sineData()
        let arch = try NetworkArchitecture(layers: [1, 10, 1], activation: .tanh)
        let model = try LastLayerBayes(training: Training(epochs: 400)).fit(architecture: arch, x: x, y: y, seed: 4)
        // Features computed independently: the truncated network's outputs through tanh.
        let hidden = try NetworkArchitecture(layers: [1, 10], activation: .tanh)
        let pre = try hidden.forward(weights: Array(model.weights[0..<20]), inputs: x)
        let phi = try Matrix(rows: pre.rows, columns: pre.columns, values: pre.values.map { tanh($0) })
        let features = try arch.penultimateFeatures(weights: model.weights, inputs: x)
        for (a, b) in zip(features.values, phi.values) { #expect(abs(a - b) < 1e-14) }
        let blr = try BayesianLinearRegression(basis: .affine, alpha: 1, beta: 1).maximizingEvidence(phi, y)
        #expect(abs(model.alpha - blr.alpha) < 1e-9 * blr.alpha && abs(model.beta - blr.beta) < 1e-9 * blr.beta)
        let p = try model.predict(x), q = try blr.posterior.predict(phi)
        for i in 0..<x.rows {
            #expect(abs(p.mean[i] - q.mean[i]) < 1e-9)
            #expect(abs(p.epistemicSD[i] - q.epistemicStandardDeviation[i]) < 1e-9)
        }
        #expect(throws: BayesKitError.self) {
            try LastLayerBayes().fit(architecture: try NetworkArchitecture(layers: [1, 1]), x: x, y: y)
        }
    }
}
