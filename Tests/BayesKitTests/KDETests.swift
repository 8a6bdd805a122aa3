import BayesKit
import Foundation
import Testing

/// Gaussian kernel density estimates: normalisation, bandwidth rules, errors.
@Suite struct KDETests {
    /// Type-7 (linear interpolation) quantile of sorted data, as R's default.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    static func sd(_ xs: [Double]) -> Double {
        let m = xs.reduce(0, +) / Double(xs.count)
        return (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1)).squareRoot()
    }

    @Test func integratesToOne() throws {
        let xs = try Normal(mean: 1, sd: 2).sample(2000, using: RandomStream(seed: 70))
        let kde = try KernelDensityEstimate(samples: xs)
        let (grid, f) = try kde.grid(count: 4001, padding: 8)
        var integral = 0.0
        for i in 1..<grid.count { integral += 0.5 * (f[i] + f[i - 1]) * (grid[i] - grid[i - 1]) }
        #expect(abs(integral - 1) < 1e-6)
        // A bimodal, skewed sample too.
        let ys = try Gamma(shape: 0.5, rate: 1).sample(500, using: RandomStream(seed: 71))
            + Normal(mean: 10, sd: 0.5).sample(500, using: RandomStream(seed: 72))
        let (g2, f2) = try KernelDensityEstimate(samples: ys, bandwidth: .scott).grid(count: 8001, padding: 8)
        var i2 = 0.0
        for i in 1..<g2.count { i2 += 0.5 * (f2[i] + f2[i - 1]) * (g2[i] - g2[i - 1]) }
        #expect(abs(i2 - 1) < 1e-6)
    }

    @Test func silvermanAndScottFollowTheirFormulas() throws {
        // sd is the smaller scale here ...
        let a: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        // ... and IQR/1.34 here (one far outlier inflates sd).
        let b: [Double] = [0, 1, 1, 2, 2, 2, 3, 3, 4, 40]
        for xs in [a, b] {
            let sorted = xs.sorted()
            let iqr = Self.quantile(sorted, 0.75) - Self.quantile(sorted, 0.25)
            let n = Double(xs.count)
            let silverman = 0.9 * min(Self.sd(xs), iqr / 1.34) * pow(n, -0.2)
            let scott = 1.06 * Self.sd(xs) * pow(n, -0.2)
            #expect(abs(try KernelDensityEstimate(samples: xs).bandwidth - silverman) < 1e-14 * silverman)
            #expect(abs(try KernelDensityEstimate(samples: xs, bandwidth: .scott).bandwidth - scott) < 1e-14 * scott)
        }
        // Hand values for `a`: sd = √(55/6), IQR = 7.75 - 3.25 = 4.5 > 1.34 sd.
        #expect(abs(try KernelDensityEstimate(samples: a).bandwidth - 0.9 * (55.0 / 6).squareRoot() * pow(10, -0.2)) < 1e-14)
        // For `b`: IQR = 3 - 1.25 = 1.75.
        #expect(abs(try KernelDensityEstimate(samples: b).bandwidth - 0.9 * (1.75 / 1.34) * pow(10, -0.2)) < 1e-14)
    }

    @Test func zeroIQRFallsBackToStandardDeviation() throws {
        let xs: [Double] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 7]
        let h = try KernelDensityEstimate(samples: xs).bandwidth
        #expect(h > 0)
        #expect(abs(h - 0.9 * Self.sd(xs) * pow(10, -0.2)) < 1e-14)
    }

    @Test func densityMatchesDirectSum() throws {
        let xs: [Double] = [-1, 0.5, 2]
        let kde = try KernelDensityEstimate(samples: xs, bandwidth: .fixed(0.7))
        #expect(kde.bandwidth == 0.7)
        for y in [-2.0, 0, 0.5, 3] {
            let direct = xs.map { exp(-0.5 * pow((y - $0) / 0.7, 2)) }.reduce(0, +) / (3 * 0.7 * (2 * Double.pi).squareRoot())
            #expect(abs(kde.density(at: y) - direct) < 1e-15)
        }
        #expect(kde.density(at: [Double]()).isEmpty)
        #expect(kde.density(at: .nan).isNaN)
    }

    @Test func errors() throws {
        DistributionStats.expectError(.invalidArgument, "KDE needs at least one sample, got none") {
            _ = try KernelDensityEstimate(samples: [])
        }
        DistributionStats.expectError(.invalidArgument, "KDE needs at least one sample, got none") {
            _ = try KernelDensityEstimate(samples: [], bandwidth: .fixed(1))
        }
        DistributionStats.expectError(.nonFinite, "KDE sample 1 is not finite (nan)") {
            _ = try KernelDensityEstimate(samples: [1, .nan, 2])
        }
        DistributionStats.expectError(
            .invalidArgument, "KDE samples have zero variance (all equal to 3); give a fixed bandwidth"
        ) {
            _ = try KernelDensityEstimate(samples: [3, 3, 3])
        }
        DistributionStats.expectError(.invalidArgument, "a KDE bandwidth rule needs at least 2 samples, got 1") {
            _ = try KernelDensityEstimate(samples: [3], bandwidth: .scott)
        }
        DistributionStats.expectError(.invalidArgument, "KDE bandwidth must be positive and finite, got 0") {
            _ = try KernelDensityEstimate(samples: [1, 2], bandwidth: .fixed(0))
        }
        // A fixed bandwidth accepts a constant sample.
        let point = try KernelDensityEstimate(samples: [3, 3], bandwidth: .fixed(1))
        #expect(abs(point.density(at: 3) - 1 / (2 * Double.pi).squareRoot()) < 1e-15)
    }
}
