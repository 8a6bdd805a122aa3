import BayesKit
import Foundation
import Testing

@Suite struct LastLayerLaplaceTests {
    /// For a Gaussian likelihood and a linear last layer the Laplace
    /// approximation at the MAP is the exact posterior: Bayesian linear
    /// regression on the features with alpha = delta and beta = 1/sigma^2.
    @Test func linearGaussianEqualsTheExactPosterior() throws {
        let sine = try Datasets.sine()
        let x = try Matrix(rows: sine.count, columns: 1, values: sine.x)
        let arch = try NetworkArchitecture(layers: [1, 6, 1], activation: .tanh)
        var w = try arch.defaultInitialWeights(stream: try Seed(3).stream())
        let phi = try arch.penultimateFeatures(weights: w, inputs: x)
        let blr = try BayesianLinearRegression(basis: .affine, alpha: 2, beta: 25).fit(phi, sine.y)
        // Put the exact posterior mean into the output layer (W then b in the flat order).
        let off = arch.layerOffset(1)
        for j in 0..<6 { w[off + j] = blr.mean[j + 1] }
        w[off + 6] = blr.mean[0]
        let lap = try LastLayerLaplace.fit(architecture: arch, head: .gaussian, weights: w, x: x, y: sine.y,
                                           priorPrecision: 2, noiseSD: 0.2)
        for (a, b) in zip(lap.mode, blr.mean) { #expect(abs(a - b) < 1e-12) }
        for (a, b) in zip(lap.covariance.values, blr.covariance.values) { #expect(abs(a - b) < 1e-9 * max(1, abs(b))) }
        let p = try lap.predict(x), q = try blr.predict(phi)
        for i in 0..<x.rows { #expect(abs(p.epistemicSD[i] - q.epistemicStandardDeviation[i]) < 1e-8) }
        // The tuned prior precision maximises the Laplace evidence.
        let tuned = try LastLayerLaplace.fit(architecture: arch, head: .gaussian, weights: w, x: x, y: sine.y, noiseSD: 0.2)
        for factor in [0.5, 2.0] {
            let other = try LastLayerLaplace.fit(architecture: arch, head: .gaussian, weights: w, x: x, y: sine.y,
                                                 priorPrecision: tuned.priorPrecision * factor, noiseSD: 0.2)
            #expect(other.logEvidence <= tuned.logEvidence + 1e-9)
        }
        #expect(throws: BayesKitError.self) {
            try LastLayerLaplace.fit(architecture: arch, head: .gaussian, weights: w, x: x, y: sine.y, priorPrecision: -1)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lla-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try tuned.save(to: url)
        #expect(try LastLayerLaplace.load(from: url) == tuned)
    }

    @Test func glmPredictiveIsMoreUncertainFarFromTheData() throws {
        let moons = try Datasets.twoMoons(count: 200)
        let arch = try NetworkArchitecture(layers: [2, 16, 2], activation: .relu)
        let y = moons.labels.map(Double.init)
        let fit = try Training(head: .softmax, epochs: 200, batchSize: 20).train(architecture: arch, x: moons.x, y: y, seed: 1)
        let lap = try LastLayerLaplace.fit(architecture: arch, head: .softmax, weights: fit.weights, x: moons.x, y: y)
        #expect(lap.priorPrecision > 0 && lap.logEvidence.isFinite)
        let inside = try lap.classify(moons.x, samples: 200)
        let far = try lap.classify(try Matrix([[8, 8], [-8, 6], [9, -7], [-7, -8]]), samples: 200)
        #expect(try Evaluation.accuracy(labels: moons.labels, probabilities: inside.probabilities) > 0.85)
        let meanIn = inside.epistemic.reduce(0, +) / Double(inside.epistemic.count)
        let meanFar = far.epistemic.reduce(0, +) / 4
        #expect(meanFar > meanIn, "\(meanFar) vs \(meanIn)")
        for i in 0..<200 { #expect(abs(inside.total[i] - inside.aleatoric[i] - inside.epistemic[i]) < 1e-12) }
        #expect(try lap.classify(moons.x, samples: 200) == inside)
    }
}

@Suite struct DiagonalLaplaceTests {
    /// A network without hidden layers is linear: J_i = [x_i, 1] (W then b),
    /// so the GGN diagonal is β Σ φ_ij², the diagonal of BLR's data precision.
    @Test func linearModelGGNDiagonalIsTheExactPrecisionDiagonal() throws {
        let rng = try Seed(5).stream()
        let n = 30
        let xs = try rng.normals(n * 2)
        let x = try Matrix(rows: n, columns: 2, values: xs)
        let y = (0..<n).map { 0.5 * xs[2 * $0] - xs[2 * $0 + 1] + 0.3 + 0.1 * rng.normal() }
        let arch = try NetworkArchitecture(layers: [2, 1], activation: .identity)
        let blr = try BayesianLinearRegression(basis: .affine, alpha: 3, beta: 100).fit(x, y)
        let w = [blr.mean[1], blr.mean[2], blr.mean[0]]  // layer0.W[0,0], W[0,1], b[0]
        let lap = try DiagonalLaplace.fit(architecture: arch, head: .gaussian, weights: w, x: x, y: y,
                                          priorPrecision: 3, noiseSD: 0.1)
        let precision = blr.precision
        let order = [1, 2, 0]
        for j in 0..<3 {
            #expect(abs(lap.ggnDiagonal[j] + 3 - precision[order[j], order[j]]) < 1e-9 * precision[order[j], order[j]])
        }
        // GLM variance at a point: Σ_j J_j² / (h_j + δ), J = [x, 1].
        let p = try lap.predict(try Matrix([[1.0, -2.0]]))
        let v = lap.variances
        #expect(abs(p.epistemicSD[0] * p.epistemicSD[0] - (v[0] + 4 * v[1] + v[2])) < 1e-12)
        // The tuned δ maximises the evidence.
        let tuned = try DiagonalLaplace.fit(architecture: arch, head: .gaussian, weights: w, x: x, y: y, noiseSD: 0.1)
        for factor in [0.5, 2.0] {
            let other = try DiagonalLaplace.fit(architecture: arch, head: .gaussian, weights: w, x: x, y: y,
                                                priorPrecision: tuned.priorPrecision * factor, noiseSD: 0.1)
            #expect(other.logEvidence <= tuned.logEvidence + 1e-9)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dla-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try tuned.save(to: url)
        #expect(try DiagonalLaplace.load(from: url) == tuned)
    }

    @Test func softmaxDiagonalLaplaceClassifies() throws {
        let moons = try Datasets.twoMoons(count: 120)
        let arch = try NetworkArchitecture(layers: [2, 12, 2], activation: .tanh)
        let y = moons.labels.map(Double.init)
        let fit = try Training(head: .softmax, epochs: 150, batchSize: 20).train(architecture: arch, x: moons.x, y: y, seed: 2)
        let lap = try DiagonalLaplace.fit(architecture: arch, head: .softmax, weights: fit.weights, x: moons.x, y: y)
        #expect(lap.ggnDiagonal.allSatisfy { $0 >= 0 } && lap.priorPrecision > 0)
        let d = try lap.classify(moons.x, samples: 50)
        #expect(try Evaluation.accuracy(labels: moons.labels, probabilities: d.probabilities) > 0.8)
        for i in 0..<moons.labels.count { #expect(d.epistemic[i] >= 0) }
    }
}

@Suite struct KFACLaplaceTests {
    /// A network without hidden layers and one Gaussian output has the single
    /// Kronecker block N (β ⊗ E[φφᵀ]) = β ΦᵀΦ: KFAC is exact, and at the
    /// BLR posterior mean it is the exact Gaussian posterior — covariance
    /// (checked through J Σ Jᵀ at many inputs), evidence and predictive.
    @Test func linearGaussianEqualsTheExactPosterior() throws {
        let rng = try Seed(5).stream()
        let n = 40
        let xs = try rng.normals(n * 2)
        let x = try Matrix(rows: n, columns: 2, values: xs)
        let y = (0..<n).map { 0.5 * xs[2 * $0] - xs[2 * $0 + 1] + 0.3 + 0.1 * rng.normal() }
        let arch = try NetworkArchitecture(layers: [2, 1], activation: .identity)
        let blr = try BayesianLinearRegression(basis: .affine, alpha: 3, beta: 100).fit(x, y)
        let w = [blr.mean[1], blr.mean[2], blr.mean[0]]  // layer0.W[0,0], W[0,1], b[0]
        let lap = try KFACLaplace.fit(architecture: arch, head: .gaussian, weights: w, x: x, y: y, priorPrecision: 3,
                                      noiseSD: 0.1)
        let xq = try Matrix(rows: 25, columns: 2, values: try rng.normals(50).map { 3 * $0 })
        let p = try lap.predict(xq), q = try blr.predict(xq)
        for i in 0..<xq.rows {
            #expect(abs(p.mean[i] - q.mean[i]) < 1e-10)
            #expect(abs(p.epistemicSD[i] - q.epistemicStandardDeviation[i]) < 1e-9 * max(1, q.epistemicStandardDeviation[i]))
        }
        #expect(abs(lap.logEvidence - (try blr.logEvidence())) < 1e-8 * abs(lap.logEvidence))
        // Draws: mean and variance of f at a point within 5 Monte Carlo standard errors.
        let s = 4000
        let draws = try lap.samples(s, seed: 9)
        let fq = draws.map { $0[0] * 1.5 - $0[1] * 0.5 + $0[2] }
        let m = fq.reduce(0, +) / Double(s)
        let v = fq.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(s - 1)
        let exact = try lap.predict(try Matrix([[1.5, -0.5]]))
        let sd = exact.epistemicSD[0]
        #expect(abs(m - exact.mean[0]) < 5 * sd / Double(s).squareRoot())
        #expect(abs(v - sd * sd) < 5 * sd * sd * (2 / Double(s - 1)).squareRoot())
        #expect(try lap.samples(3, seed: 9) == Array(draws[0..<3]))
        // The tuned δ maximises the evidence; the model round-trips.
        let tuned = try KFACLaplace.fit(architecture: arch, head: .gaussian, weights: w, x: x, y: y, noiseSD: 0.1)
        for factor in [0.5, 2.0] {
            let other = try KFACLaplace.fit(architecture: arch, head: .gaussian, weights: w, x: x, y: y,
                                            priorPrecision: tuned.priorPrecision * factor, noiseSD: 0.1)
            #expect(other.logEvidence <= tuned.logEvidence + 1e-9)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kfac-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try tuned.save(to: url)
        #expect(try KFACLaplace.load(from: url) == tuned)
        #expect(throws: BayesKitError.self) {
            try KFACLaplace.fit(architecture: arch, head: .gaussian, weights: w, x: x, y: y, priorPrecision: -1)
        }
        #expect(throws: BayesKitError.self) {
            try KFACLaplace.fit(architecture: arch, head: .meanVariance, weights: w, x: x, y: y)
        }
        #expect(throws: BayesKitError.self) { try lap.samples(0) }
    }

    /// With hidden layers the GLM predictive agrees with sampling the weights
    /// when the posterior is tight, and grows away from the data.
    @Test func deepRegressionAndClassification() throws {
        let sine = try Datasets.sine()
        let x = try Matrix(rows: sine.count, columns: 1, values: sine.x)
        let arch = try NetworkArchitecture(layers: [1, 16, 16, 1], activation: .tanh)
        let fit = try Training(epochs: 300, optimizer: .adam(Adam(learningRate: 0.02))).train(architecture: arch, x: x, y: sine.y, seed: 4)
        let lap = try KFACLaplace.fit(architecture: arch, head: .gaussian, weights: fit.weights, x: x, y: sine.y, noiseSD: 0.2)
        #expect(lap.priorPrecision > 0 && lap.logEvidence.isFinite)
        #expect(lap.eigenvalues.allSatisfy { $0 >= 0 })
        let grid = try Matrix(rows: 2, columns: 1, values: [0.5 * (sine.x.min()! + sine.x.max()!), sine.x.max()! + 6])
        let p = try lap.predict(grid)
        #expect(p.epistemicSD[1] > p.epistemicSD[0])

        let moons = try Datasets.twoMoons(count: 200)
        let carch = try NetworkArchitecture(layers: [2, 16, 2], activation: .relu)
        let labels = moons.labels.map(Double.init)
        let cfit = try Training(head: .softmax, epochs: 200, batchSize: 20).train(architecture: carch, x: moons.x, y: labels, seed: 1)
        let clap = try KFACLaplace.fit(architecture: carch, head: .softmax, weights: cfit.weights, x: moons.x, y: labels)
        let inside = try clap.classify(moons.x, samples: 100)
        let far = try clap.classify(try Matrix([[8, 8], [-8, 6], [9, -7], [-7, -8]]), samples: 100)
        #expect(try Evaluation.accuracy(labels: moons.labels, probabilities: inside.probabilities) > 0.85)
        let meanFar: Double = far.epistemic.reduce(0, +) / 4
        let meanIn: Double = inside.epistemic.reduce(0, +) / 200
        #expect(meanFar > meanIn)
        #expect(throws: BayesKitError.self) { try clap.predict(moons.x) }
    }
}
