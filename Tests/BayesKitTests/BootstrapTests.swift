import BayesKit
import Foundation
import Testing

/// Case and residual bootstrap of least-squares / ridge coefficients:
/// reproducibility across thread counts, agreement with the Bayesian
/// posterior, and percentile-interval coverage on simulated data.
@Suite struct BootstrapTests {
    /// y = 1 + 2x + N(0, 0.5²), x on a fixed grid in [0, 1].
    static func simulate(_ n: Int, stream: UInt64) throws -> ([Double], [Double]) {
        let x = (0..<n).map { Double($0) / Double(n - 1) }
        let e = try RandomStream(seed: 99, stream: stream).normals(n, sd: 0.5)
        return (x, zip(x, e).map { 1 + 2 * $0 + $1 })
    }

    @Test func drawsDependOnSeedNotThreads() throws {
        let (x, y) = try Self.simulate(60, stream: 0)
        for scheme in BootstrapScheme.allCases {
            let boot = LinearBootstrap(basis: .affine, scheme: scheme, resamples: 100, seed: 3)
            let one = try boot.run(x, y, threads: 1), two = try boot.run(x, y, threads: 2)
            #expect(one == two)
            #expect(one.draws.rows == 100 && one.draws.columns == 2 && one.names == ["1", "x"])
            var other = boot
            other.seed = 4
            #expect(try other.run(x, y, threads: 2).draws != one.draws)
        }
    }

    /// The full-data ridge estimate with λ = α/β is the posterior mean; the
    /// bootstrap standard errors are close to the posterior sds for a
    /// well-specified model with a weak prior.
    @Test func ridgeEstimateIsThePosteriorMean() throws {
        let (x, y) = try Self.simulate(200, stream: 1)
        let alpha = 2.0, beta = 4.0
        let post = try BayesianLinearRegression(basis: .affine, alpha: alpha, beta: beta).fit(x, y)
        let boot = try LinearBootstrap(basis: .affine, scheme: .residuals, resamples: 2000, ridge: .isotropic(alpha / beta), seed: 1)
            .run(x, y)
        for j in 0..<2 { #expect(abs(boot.estimate[j] - post.mean[j]) <= 1e-12 * max(abs(post.mean[j]), 1)) }
        // se of a sd estimate from B draws ≈ sd/√(2B): 5 of them plus the
        // residual-variance estimate's own error (~1/√(2n) relative)
        let sd = post.standardDeviations, se = boot.standardErrors
        for j in 0..<2 {
            let tol = sd[j] * (5 / (2.0 * 2000).squareRoot() + 3 / (2.0 * 200).squareRoot())
            #expect(abs(se[j] - sd[j]) < tol, "coefficient \(j): bootstrap se \(se[j]) vs posterior sd \(sd[j])")
        }
        let table = try IntervalComparison(bootstrap: boot, posterior: post, level: 0.9)
        #expect(table.rows.count == 2 && table.rows[1].name == "x")
        #expect(table.rows[1].bootstrapLower < table.rows[1].posteriorMean && table.rows[1].posteriorMean < table.rows[1].bootstrapUpper)
        #expect(abs(table.rows[1].posteriorUpper - table.rows[1].posteriorMean - 1.6448536269514722 * sd[1]) < 1e-12)
    }

    /// 90% percentile intervals of the slope cover the true value 2 in
    /// 90% of simulated data sets, within 4 binomial standard errors (plus
    /// 0.02 for the percentile method's small-sample undercoverage).
    @Test(arguments: BootstrapScheme.allCases)
    func percentileIntervalsCover(_ scheme: BootstrapScheme) throws {
        let datasets = 300
        var covered = 0
        for r in 0..<datasets {
            let (x, y) = try Self.simulate(80, stream: UInt64(100 + r))
            let boot = try LinearBootstrap(basis: .affine, scheme: scheme, resamples: 400, seed: UInt64(r)).run(x, y)
            let ci = try boot.percentileIntervals(level: 0.9)
            if ci[1].contains(2) { covered += 1 }
        }
        let rate = Double(covered) / Double(datasets)
        let se = (0.9 * 0.1 / Double(datasets)).squareRoot()
        #expect(abs(rate - 0.9) < 4 * se + 0.02, "\(scheme): coverage \(rate)")
    }

    @Test func percentileQuantilesInterpolateLikeNumPy() throws {
        // np.percentile([...], [5, 95]) with linear interpolation
        let (x, y) = try Self.simulate(30, stream: 2)
        let boot = try LinearBootstrap(basis: .affine, resamples: 11, seed: 5).run(x, y)
        let s = boot.draws.column(1).sorted()
        let ci = try boot.percentileIntervals(level: 0.9)
        #expect(abs(ci[1].lowerBound - (s[0] + 0.5 * (s[1] - s[0]))) < 1e-15)
        #expect(abs(ci[1].upperBound - (s[9] + 0.5 * (s[10] - s[9]))) < 1e-15)
    }

    @Test func badInput() throws {
        #expect(throws: BayesKitError(.invalidArgument, "number of bootstrap resamples must be >= 1, got 0")) {
            try LinearBootstrap(resamples: 0).run([0, 1, 2], [0, 1, 2])
        }
        #expect(throws: BayesKitError(.invalidArgument, "ridge penalty must be finite and >= 0, got -1")) {
            try LinearBootstrap(ridge: .isotropic(-1)).run([0, 1, 2], [0, 1, 2])
        }
        #expect(throws: BayesKitError(.solverFailure,
                                      "the design matrix is singular (rank deficient): least squares has no unique solution; "
                                          + "use a ridge penalty or fewer basis functions")) {
            try LinearBootstrap().run([1, 1, 1], [0, 1, 2])
        }
        // three distinct points: some resample repeats one point only
        #expect {
            try LinearBootstrap(resamples: 200).run([0, 1, 2], [0, 1, 3])
        } throws: { e in
            let e = e as! BayesKitError
            return e.code == .solverFailure && e.message.hasPrefix("bootstrap resample ")
                && e.message.hasSuffix(" has a singular design (too few distinct rows); use a ridge penalty or more data")
        }
        // a ridge penalty makes every resample solvable
        #expect(try LinearBootstrap(resamples: 200, ridge: .isotropic(1e-3)).run([0, 1, 2], [0, 1, 3]).draws.rows == 200)
        let (bx, by) = try Self.simulate(20, stream: 3)
        #expect(throws: BayesKitError(.invalidArgument, "interval level must be in (0, 1), got 1")) {
            try LinearBootstrap().run(bx, by).percentileIntervals(level: 1)
        }
    }
}
