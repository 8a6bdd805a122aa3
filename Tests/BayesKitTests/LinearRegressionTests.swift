import BayesKit
import Foundation
import Testing

/// Bayesian linear regression: seed 000's numbers, hand-computed cases,
/// batch = sequential, the predictive decomposition and posterior sampling.
@Suite struct LinearRegressionTests {
    static func close(_ a: Double, _ b: Double, rel: Double) -> Bool {
        a == b || abs(a - b) <= rel * max(abs(a), abs(b))
    }

    /// Seed 000 §7.2: "Posterior mean weights: [-0.07553835  0.33272507]",
    /// "Posterior std of weights: [0.0225762  0.01242588]" (NumPy: -0.07553835000629514,
    /// 0.3327250653554719; 0.02257620137231305, 0.01242588412815036).
    @Test func seed000SineFitMatchesTheNotebook() throws {
        let data = try Datasets.sine()
        let post = try BayesianLinearRegression(basis: .affine, alpha: 1, beta: 1 / (0.1 * 0.1)).fit(data.x, data.y)
        let expectedMean = [-0.07553835000629514, 0.3327250653554719]
        let expectedSD = [0.02257620137231305, 0.01242588412815036]
        for j in 0..<2 {
            #expect(Self.close(post.mean[j], expectedMean[j], rel: 1e-12), "mean \(j): \(post.mean[j])")
            #expect(Self.close(post.standardDeviations[j], expectedSD[j], rel: 1e-12), "sd \(j)")
        }
        #expect(String(format: "%.8f %.8f", post.mean[0], post.mean[1]) == "-0.07553835 0.33272507")
        #expect(post.names == ["1", "x"])
        // The seed's 200-point grid: band width is ≥ the noise sd everywhere.
        let pred = try post.predict(data.truthX)
        #expect(pred.mean.count == 200)
        #expect(pred.standardDeviation.allSatisfy { $0 >= 0.1 })
    }

    /// x = (0, 1), y = (1, 3), φ = (1, x), α = β = 1: S_N = [[0.4, −0.2], [−0.2, 0.6]],
    /// m_N = (1, 1); at x = 2 the mean is 3, epistemic variance 2, aleatoric 1.
    @Test func handComputedTwoByTwo() throws {
        let post = try BayesianLinearRegression(basis: .affine, alpha: 1, beta: 1).fit([0, 1], [1, 3])
        #expect(Self.close(post.mean[0], 1, rel: 1e-14) && Self.close(post.mean[1], 1, rel: 1e-14))
        let s = post.covariance
        for (got, want) in zip(s.values, [0.4, -0.2, -0.2, 0.6]) { #expect(Self.close(got, want, rel: 1e-14)) }
        let p = try post.predict([2])
        #expect(Self.close(p.mean[0], 3, rel: 1e-14))
        #expect(Self.close(p.epistemicVariance[0], 2, rel: 1e-14))
        #expect(p.aleatoricVariance == 1 && Self.close(p.variance[0], 3, rel: 1e-14))
        let ev = try post.evidence()
        #expect(Self.close(ev.logEvidence, -1.5 - 0.5 * log(5.0) - log(2 * Double.pi), rel: 1e-14))
        #expect(Self.close(ev.effectiveParameters, 1, rel: 1e-14))
        // Non-zero prior mean, per-coefficient precision: A = diag(2, 4) + G,
        // rhs = (2·1, 4·(−1)) + (4, 3) = (6, −1); A = [[4, 1], [1, 5]], det 19.
        let shifted = try BayesianLinearRegression(basis: .affine, priorPrecision: .perCoefficient([2, 4]), beta: 1,
                                                   priorMean: [1, -1]).fit([0, 1], [1, 3])
        #expect(Self.close(shifted.mean[0], (5 * 6 - 1 * -1) / 19.0, rel: 1e-14))
        #expect(Self.close(shifted.mean[1], (4 * -1 - 1 * 6) / 19.0, rel: 1e-14))
    }

    @Test func sequentialUpdatesEqualTheBatchFit() throws {
        let data = try Datasets.sinusoid()
        let model = BayesianLinearRegression(basis: .gaussian(centres: (0..<9).map { Double($0) / 8 }, width: 0.1),
                                             alpha: 2, beta: 25)
        let batch = try model.fit(data.x, data.y)
        var seq = try model.fit(Array(data.x[0..<3]), Array(data.y[0..<3]))
        try seq.update(with: Array(data.x[3..<8]), Array(data.y[3..<8]))
        try seq.update(with: Array(data.x[8...]), Array(data.y[8...]))
        #expect(seq.statistics.count == 20)
        for j in 0..<batch.coefficientCount {
            #expect(Self.close(seq.mean[j], batch.mean[j], rel: 1e-12), "mean \(j)")
            #expect(Self.close(seq.standardDeviations[j], batch.standardDeviations[j], rel: 1e-12), "sd \(j)")
        }
        for (a, b) in zip(seq.precisionFactor.values, batch.precisionFactor.values) { #expect(abs(a - b) <= 1e-12 * max(abs(b), 1)) }
        #expect(Self.close(try seq.logEvidence(), try batch.logEvidence(), rel: 1e-12))
        // one point at a time
        var single = try model.fit([data.x[0]], [data.y[0]])
        for i in 1..<20 { try single.update(with: [data.x[i]], [data.y[i]]) }
        for j in 0..<batch.coefficientCount { #expect(Self.close(single.mean[j], batch.mean[j], rel: 1e-12)) }
    }

    /// σ² = φᵀS_Nφ + 1/β, with φᵀS_Nφ checked against the covariance matrix.
    @Test func predictiveVarianceDecomposes() throws {
        let data = try Datasets.sinusoid()
        let post = try BayesianLinearRegression(basis: .polynomial(degree: 4, scaleInputs: true), alpha: 0.5, beta: 25)
            .fit(data.x, data.y)
        let grid = (0..<50).map { -0.2 + 1.4 * Double($0) / 49 }
        let pred = try post.predict(grid)
        let phi = try post.featureMap.design(grid)
        let s = post.covariance
        for i in 0..<grid.count {
            let f = phi.row(i)
            let sf = try s.matvec(f)
            let epi = zip(f, sf).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(Self.close(pred.epistemicVariance[i], epi, rel: 1e-10))
            #expect(Self.close(pred.variance[i], epi + 1 / 25.0, rel: 1e-10))
            #expect(Self.close(pred.mean[i], zip(f, post.mean).reduce(0) { $0 + $1.0 * $1.1 }, rel: 1e-12))
        }
        // extrapolation is more uncertain than the data's middle
        #expect(pred.epistemicVariance[0] > pred.epistemicVariance[25])
        let (lo, hi) = pred.band(2)
        #expect(zip(lo, hi).allSatisfy { $0 < $1 })
        // threads do not change predictions
        #expect(try post.predict(grid, threads: 1) == post.predict(grid, threads: 2))
    }

    /// Draws w = m_N + L⁻ᵀz: sample mean and covariance within 5 Monte Carlo
    /// standard errors of m_N and S_N; function samples' pointwise variance
    /// matches the epistemic variance.
    @Test func weightAndFunctionSamplesRecoverThePosterior() throws {
        let data = try Datasets.line()
        let post = try BayesianLinearRegression(basis: .affine, alpha: 2, beta: 25).fit(data.x, data.y)
        let n = 40_000
        let w = try post.sampleWeights(n, using: RandomStream(seed: 11))
        #expect(w.rows == n && w.columns == 2)
        let s = post.covariance
        var mean = [0.0, 0.0]
        for i in 0..<n { for j in 0..<2 { mean[j] += w[i, j] / Double(n) } }
        for j in 0..<2 { #expect(abs(mean[j] - post.mean[j]) < 5 * (s[j, j] / Double(n)).squareRoot()) }
        for a in 0..<2 {
            for b in 0..<2 {
                var c = 0.0, c2 = 0.0
                for i in 0..<n {
                    let p = (w[i, a] - mean[a]) * (w[i, b] - mean[b])
                    c += p
                    c2 += p * p
                }
                let cov = c / Double(n - 1)
                let se = ((c2 / Double(n) - cov * cov) / Double(n)).squareRoot()
                #expect(abs(cov - s[a, b]) < 5 * se, "cov (\(a), \(b)) \(cov) vs \(s[a, b])")
            }
        }
        let grid = [-1.0, 0, 1]
        let f = try post.sampleFunctions(n, at: grid, using: RandomStream(seed: 12))
        let pred = try post.predict(grid)
        for k in 0..<3 {
            let col = f.column(k)
            let m = col.reduce(0, +) / Double(n)
            let v = col.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)
            // Var of a sample variance of normals: 2σ⁴/(n−1)
            #expect(abs(v - pred.epistemicVariance[k]) < 5 * pred.epistemicVariance[k] * (2 / Double(n - 1)).squareRoot())
        }
        // same stream, same draws
        #expect(try post.sampleWeights(5, using: RandomStream(seed: 11)).values == Array(w.values[0..<10]))
    }

    /// Seed 001's weight-posterior image: the grid density integrates to ≈ 1
    /// and peaks at the posterior mean.
    @Test func weightDensityOnAGrid() throws {
        let data = try Datasets.line()
        let post = try BayesianLinearRegression(basis: .affine, alpha: 2, beta: 25).fit(Array(data.x[0..<8]), Array(data.y[0..<8]))
        let sd = post.standardDeviations
        let g0 = (0..<241).map { post.mean[0] + sd[0] * (-6 + 12 * Double($0) / 240) }
        let g1 = (0..<241).map { post.mean[1] + sd[1] * (-6 + 12 * Double($0) / 240) }
        let dens = try post.weightDensity(first: g0, second: g1)
        #expect(dens.rows == 241 && dens.columns == 241)
        let total = dens.values.reduce(0, +) * (12 * sd[0] / 240) * (12 * sd[1] / 240)
        #expect(abs(total - 1) < 1e-6, "total mass \(total)")
        let k = dens.values.indices.max { dens.values[$0] < dens.values[$1] }!
        #expect(k % 241 == 120 && k / 241 == 120)
        // row r is w1 = g1[r]: the density is not symmetric in the two axes
        #expect(dens[0, 120] != dens[120, 0] || sd[0] == sd[1])
    }

    @Test func basisOptions() throws {
        let x = [2.0, 4, 6, 8], y = [1.0, 2, 2.5, 4]
        // scaled polynomial records the map [2, 8] → [−1, 1]
        let post = try BayesianLinearRegression(basis: .polynomial(degree: 2, scaleInputs: true), alpha: 1e-3, beta: 10).fit(x, y)
        guard case let .polynomial(degree, shift, scale) = post.featureMap.kind else {
            Issue.record("not a polynomial map")
            return
        }
        #expect(degree == 2 && shift == 5 && scale == 1.0 / 3)
        #expect(post.names == ["1", "u", "u^2"])
        // a custom closure reproduces the built-in map exactly
        let custom = try BayesianLinearRegression(
            basis: .custom(name: "poly", count: 3, map: { r in let u = (r[0] - 5) / 3; return [1, u, u * u] }),
            alpha: 1e-3, beta: 10).fit(x, y)
        for j in 0..<3 { #expect(Self.close(custom.mean[j], post.mean[j], rel: 1e-12)) }
        #expect(try custom.predict([3.0]).mean[0] == post.predict([3.0]).mean[0])
        // evenly spaced Gaussian centres over the data range, width = spacing
        let rbf = try BasisFunction.gaussianGrid(count: 4).resolve(on: Matrix(rows: 4, columns: 1, values: x))
        guard case let .radial(centres, width, intercept) = rbf.kind else {
            Issue.record("not radial")
            return
        }
        #expect(centres.values == [2, 4, 6, 8] && width == 2 && intercept)
        #expect(rbf.count == 5)
        // multi-dimensional affine: recovers an exact plane
        var rows = [[Double]](), t = [Double]()
        for i in 0..<30 {
            let a = sin(Double(i)), b = cos(Double(3 * i))
            rows.append([a, b])
            t.append(0.5 - 2 * a + 3 * b)
        }
        let plane = try BayesianLinearRegression(basis: .affine, alpha: 1e-9, beta: 1e6).fit(try Matrix(rows), t)
        #expect(plane.names == ["1", "x0", "x1"])
        for (got, want) in zip(plane.mean, [0.5, -2, 3]) { #expect(abs(got - want) < 1e-6) }
        // the identity basis has no intercept
        #expect(try BasisFunction.identity.resolve(on: Matrix(rows)).count == 2)
    }

    /// Large n spans many C chunks; the statistics (hence the posterior) are
    /// the same bits for 1 and 2 threads.
    @Test func largeFitIsThreadIndependent() throws {
        let n = 100_000
        let stream = try RandomStream(seed: 5)
        let x = try stream.uniforms(n).map { 2 * $0 - 1 }
        let noise = try stream.normals(n, sd: 0.1)
        let y = zip(x, noise).map { sin(3 * $0) + $1 }
        let model = BayesianLinearRegression(basis: .polynomial(degree: 9), alpha: 1e-6, beta: 100)
        let a = try model.fit(x, y, threads: 1), b = try model.fit(x, y, threads: 2)
        #expect(a.mean == b.mean && a.precisionFactor == b.precisionFactor && a.statistics == b.statistics)
    }
}
