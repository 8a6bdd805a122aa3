import BayesKit
import Foundation
import Testing

/// Sample statistics for the distribution tests, with their Monte Carlo
/// standard errors.
enum DistributionStats {
    static func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }

    /// Unbiased variance and the standard error of that estimate,
    /// √((m₄ - s⁴)/n), from the sample's own fourth central moment.
    static func varianceWithError(_ xs: [Double]) -> (variance: Double, se: Double) {
        let n = Double(xs.count)
        let m = mean(xs)
        var s2 = 0.0, m4 = 0.0
        for x in xs {
            let d = (x - m) * (x - m)
            s2 += d
            m4 += d * d
        }
        s2 /= n - 1
        m4 /= n
        return (s2, (max(m4 - s2 * s2, 0) / n).squareRoot())
    }

    /// Checks the sample mean within 5 standard errors (σ/√n) and the sample
    /// variance within 5 of its standard errors.
    static func expectMoments(
        _ d: some UnivariateDistribution, seed: UInt64, n: Int = 200_000,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let xs = try d.sample(n, using: RandomStream(seed: seed))
        #expect(xs.count == n, sourceLocation: sourceLocation)
        let m = mean(xs)
        let meanTolerance = 5 * (d.variance / Double(n)).squareRoot()
        #expect(abs(m - d.mean) < meanTolerance, "\(d): mean \(m) vs \(d.mean)", sourceLocation: sourceLocation)
        let (v, se) = varianceWithError(xs)
        #expect(abs(v - d.variance) < 5 * se, "\(d): variance \(v) vs \(d.variance) (se \(se))",
                sourceLocation: sourceLocation)
    }

    /// Checks that the fraction of draws at or below quantile(q) is q within
    /// 5 binomial standard errors, for a few q: the test for heavy tails.
    static func expectQuantiles(
        _ d: some ContinuousDistribution, seed: UInt64, n: Int = 200_000,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let xs = try d.sample(n, using: RandomStream(seed: seed))
        for q in [0.05, 0.25, 0.5, 0.75, 0.95] {
            let x = try d.quantile(q)
            let frac = Double(xs.lazy.filter { $0 <= x }.count) / Double(n)
            let tol = 5 * (q * (1 - q) / Double(n)).squareRoot()
            #expect(abs(frac - q) < tol, "\(d): P(X <= q\(q)) = \(frac)", sourceLocation: sourceLocation)
        }
    }

    /// Checks the frequency of each value 0...upTo against exp(logDensity).
    static func expectFrequencies(
        _ d: some UnivariateDistribution, upTo maxValue: Int, seed: UInt64, n: Int = 200_000,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let xs = try d.sample(n, using: RandomStream(seed: seed))
        for k in 0...maxValue {
            let p = exp(d.logDensity(Double(k)))
            let freq = Double(xs.lazy.filter { $0 == Double(k) }.count) / Double(n)
            let tol = 5 * (p * (1 - p) / Double(n)).squareRoot() + 1e-12
            #expect(abs(freq - p) < tol, "\(d): P(X = \(k)) = \(freq) vs \(p)", sourceLocation: sourceLocation)
        }
    }

    /// Expects `body` to throw a BayesKitError with exactly `code` and `message`.
    static func expectError(
        _ code: BayesKitError.Code, _ message: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("expected \(code): \(message)", sourceLocation: sourceLocation)
        } catch let error as BayesKitError {
            #expect(error.code == code, sourceLocation: sourceLocation)
            #expect(error.message == message, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }
}
