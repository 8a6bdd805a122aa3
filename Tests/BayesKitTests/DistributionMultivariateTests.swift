import BayesKit
import Foundation
import Testing

/// Categorical, Dirichlet and multivariate normal: densities, moment
/// recovery within Monte Carlo error, and their errors.
@Suite struct DistributionMultivariateTests {
    typealias S = DistributionStats

    /// Sample mean vector and covariance of the rows of `x`, with the standard
    /// error of each covariance entry from the sample itself.
    static func moments(_ x: Matrix) -> (mean: [Double], cov: Matrix, covSE: Matrix) {
        let n = x.rows, k = x.columns
        var m = [Double](repeating: 0, count: k)
        for i in 0..<n { for j in 0..<k { m[j] += x[i, j] } }
        m = m.map { $0 / Double(n) }
        var cov = try! Matrix(rows: k, columns: k)
        var se = try! Matrix(rows: k, columns: k)
        for a in 0..<k {
            for b in 0..<k {
                var s = 0.0, s2 = 0.0
                for i in 0..<n {
                    let p = (x[i, a] - m[a]) * (x[i, b] - m[b])
                    s += p
                    s2 += p * p
                }
                let c = s / Double(n)
                cov[a, b] = s / Double(n - 1)
                se[a, b] = (max(s2 / Double(n) - c * c, 0) / Double(n)).squareRoot()
            }
        }
        return (m, cov, se)
    }

    static func expectRecovered(_ draws: Matrix, mean: [Double], covariance: Matrix,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        let (m, c, se) = moments(draws)
        let n = Double(draws.rows)
        for j in 0..<mean.count {
            #expect(abs(m[j] - mean[j]) <= 5 * (covariance[j, j] / n).squareRoot(), "mean \(j): \(m[j]) vs \(mean[j])",
                    sourceLocation: sourceLocation)
            for l in 0..<mean.count {
                #expect(abs(c[j, l] - covariance[j, l]) < 5 * se[j, l] + 1e-12,
                        "cov (\(j), \(l)): \(c[j, l]) vs \(covariance[j, l])", sourceLocation: sourceLocation)
            }
        }
    }

    // MARK: Categorical

    @Test func categoricalNormalisesAndScores() throws {
        let c = try Categorical(probabilities: [1, 1, 2])
        #expect(c.probabilities == [0.25, 0.25, 0.5])
        #expect(c.count == 3)
        #expect(c.logDensity(2) == log(0.5))
        #expect(c.logDensity(3) == -.infinity && c.logDensity(-1) == -.infinity)
        #expect(c.logDensity([0, 2]) == [log(0.25), log(0.5)])
        let zero = try Categorical(probabilities: [0, 1])
        #expect(zero.logDensity(0) == -.infinity)
    }

    @Test func categoricalFrequenciesAndOneHotMoments() throws {
        let c = try Categorical(probabilities: [0.2, 0.5, 0.0, 0.3])
        let n = 200_000
        let draws = try c.sample(n, using: RandomStream(seed: 60))
        var oneHot = [Double](repeating: 0, count: n * c.count)
        for (i, k) in draws.enumerated() { oneHot[i * c.count + k] = 1 }
        #expect(!draws.contains(2))
        Self.expectRecovered(try Matrix(rows: n, columns: c.count, values: oneHot), mean: c.mean,
                             covariance: c.covariance)
        #expect(abs(c.covariance[0, 1] - (-0.1)) < 1e-15 && abs(c.covariance[1, 1] - 0.25) < 1e-15)
    }

    @Test func categoricalErrors() {
        S.expectError(.invalidArgument, "Categorical probability 1 must be non-negative and finite, got -0.5") {
            _ = try Categorical(probabilities: [0.5, -0.5, 1])
        }
        S.expectError(.invalidArgument, "Categorical probability 0 must be non-negative and finite, got nan") {
            _ = try Categorical(probabilities: [.nan])
        }
        S.expectError(.invalidArgument, "Categorical needs at least 1 probability, got 0") {
            _ = try Categorical(probabilities: [])
        }
        S.expectError(.invalidArgument, "Categorical probabilities must have a positive finite sum, got 0") {
            _ = try Categorical(probabilities: [0, 0])
        }
    }

    // MARK: Dirichlet

    @Test func dirichletMomentsAndSimplex() throws {
        let d = try Dirichlet(concentrations: [2, 3, 5])
        #expect(d.mean == [0.2, 0.3, 0.5])
        let draws = try d.sample(200_000, using: RandomStream(seed: 61))
        #expect(draws.rows == 200_000 && draws.columns == 3)
        for i in stride(from: 0, to: draws.rows, by: 997) {
            #expect(abs(draws.row(i).reduce(0, +) - 1) < 1e-12)
        }
        Self.expectRecovered(draws, mean: d.mean, covariance: d.covariance)
        // Var X₁ = α₁(α₀-α₁)/(α₀²(α₀+1)) = 2·8/(100·11)
        #expect(abs(d.covariance[0, 0] - 16.0 / 1100) < 1e-15)
    }

    @Test func dirichletDensityAndErrors() throws {
        let d = try Dirichlet(concentrations: [1, 1])  // uniform on the 1-simplex
        #expect(abs(try d.logDensity([0.3, 0.7])) < 1e-15)
        #expect(try d.logDensity([0.3, 0.8]) == -.infinity)
        S.expectError(.dimensionMismatch, "Dirichlet point must have 2 entries, got 3") {
            _ = try d.logDensity([0.3, 0.3, 0.4])
        }
        S.expectError(.invalidArgument, "Dirichlet concentration 1 must be positive and finite, got -1") {
            _ = try Dirichlet(concentrations: [1, -1])
        }
        S.expectError(.invalidArgument, "Dirichlet needs at least 2 concentrations, got 1") {
            _ = try Dirichlet(concentrations: [3])
        }
    }

    // MARK: Multivariate normal

    @Test func mvnLogDensityClosedForm() throws {
        let cov = try Matrix([[2, 0.6], [0.6, 1]])
        let d = try MultivariateNormal(mean: [1, -1], covariance: cov)
        let det = 2 - 0.36
        let (u, v) = (-0.5, 1.2)  // x - mean
        let q = (1 * u * u - 2 * 0.6 * u * v + 2 * v * v) / det
        let expected = -log(2 * Double.pi) - 0.5 * log(det) - 0.5 * q
        #expect(abs(try d.logDensity([0.5, 0.2]) - expected) < 1e-14)
        // The same distribution from its Cholesky factor.
        let fromFactor = try MultivariateNormal(mean: [1, -1], choleskyFactor: d.choleskyFactor)
        #expect(abs(try fromFactor.logDensity([0.5, 0.2]) - expected) < 1e-14)
        for (a, b) in zip(fromFactor.covariance.values, cov.values) { #expect(abs(a - b) < 1e-14) }
        // Rows of a matrix.
        let rows = try d.logDensity(Matrix([[0.5, 0.2], [1, -1], [3, 3]]))
        #expect(abs(rows[0] - expected) < 1e-14)
        #expect(abs(rows[1] - (-log(2 * Double.pi) - 0.5 * log(det))) < 1e-14)
        #expect(try rows[2] == d.logDensity([3, 3]))
    }

    @Test func mvnMomentsRecovered() throws {
        let cov = try Matrix([[2, 0.6, 0.2], [0.6, 1, -0.3], [0.2, -0.3, 0.5]])
        let mean = [1.0, -2, 0.5]
        let d = try MultivariateNormal(mean: mean, covariance: cov)
        let draws = try d.sample(200_000, using: RandomStream(seed: 62))
        #expect(draws.rows == 200_000 && draws.columns == 3)
        Self.expectRecovered(draws, mean: mean, covariance: cov)
        let again = try d.sample(100, using: RandomStream(seed: 62))
        #expect(again.values == Array(draws.values.prefix(300)))
    }

    @Test func mvnErrors() throws {
        S.expectError(.invalidArgument, "MultivariateNormal covariance is not positive definite") {
            _ = try MultivariateNormal(mean: [0, 0], covariance: Matrix([[1, 2], [2, 1]]))
        }
        S.expectError(.dimensionMismatch, "MultivariateNormal mean has 3 entries but the covariance is 2 x 2") {
            _ = try MultivariateNormal(mean: [0, 0, 0], covariance: Matrix.identity(2))
        }
        S.expectError(.dimensionMismatch, "MultivariateNormal covariance must be square, got 2 x 3") {
            _ = try MultivariateNormal(mean: [0, 0], covariance: Matrix(rows: 2, columns: 3))
        }
        S.expectError(
            .invalidArgument, "MultivariateNormal covariance must be symmetric, got 0.1 at (1, 0) and 0.5 at (0, 1)"
        ) {
            _ = try MultivariateNormal(mean: [0, 0], covariance: Matrix([[1, 0.5], [0.1, 1]]))
        }
        S.expectError(.invalidArgument, "MultivariateNormal covariance must be finite, got nan at (1, 1)") {
            _ = try MultivariateNormal(mean: [0, 0], covariance: Matrix([[1, 0], [0, .nan]]))
        }
        S.expectError(.invalidArgument, "MultivariateNormal mean 1 must be finite, got inf") {
            _ = try MultivariateNormal(mean: [0, .infinity], covariance: Matrix.identity(2))
        }
        S.expectError(.invalidArgument,
                      "MultivariateNormal Cholesky factor must be lower triangular, got 0.5 at (0, 1)") {
            _ = try MultivariateNormal(mean: [0, 0], choleskyFactor: Matrix([[1, 0.5], [0.5, 1]]))
        }
        S.expectError(.invalidArgument,
                      "MultivariateNormal Cholesky factor diagonal must be positive, got -1 at (1, 1)") {
            _ = try MultivariateNormal(mean: [0, 0], choleskyFactor: Matrix([[1, 0], [0.5, -1]]))
        }
        S.expectError(.invalidArgument, "MultivariateNormal needs dimension >= 1, got 0") {
            _ = try MultivariateNormal(mean: [], covariance: Matrix(rows: 0, columns: 0))
        }
        let d = try MultivariateNormal(mean: [0, 0], covariance: Matrix.identity(2))
        S.expectError(.dimensionMismatch, "MultivariateNormal point must have 2 entries, got 1") {
            _ = try d.logDensity([1])
        }
    }
}
