internal import CBayesKit

/// A Gaussian kernel density estimate, for plotting draws:
/// `f(x) = 1/(n h) Σᵢ φ((x - xᵢ)/h)` with φ the standard normal density.
///
/// Bandwidth rules (sd with n - 1, IQR from linearly interpolated quartiles):
/// - ``Bandwidth/silverman``: `h = 0.9 min(sd, IQR/1.34) n^{-1/5}` (Silverman
///   1986, eq. 3.31; R's `bw.nrd0`); when the IQR is 0, sd is used;
/// - ``Bandwidth/scott``: `h = 1.06 sd n^{-1/5}` (Scott 1992);
/// - ``Bandwidth/fixed(_:)``: a given `h > 0`.
/// Evaluation is the direct O(n·m) sum in C.
public struct KernelDensityEstimate: Sendable, Hashable {
    /// How the bandwidth is chosen.
    public enum Bandwidth: Sendable, Hashable {
        case silverman
        case scott
        case fixed(Double)
    }

    /// The samples the estimate is built from.
    public let samples: [Double]
    /// The kernel bandwidth h.
    public let bandwidth: Double

    /// Throws for an empty sample, a non-finite sample (`.nonFinite`), and,
    /// with a rule, fewer than 2 samples or samples that are all equal (a
    /// fixed bandwidth accepts those); for a fixed `h` that is not positive and finite.
    public init(samples: [Double], bandwidth: Bandwidth = .silverman) throws {
        var h = Double.nan
        switch bandwidth {
        case .fixed(let value):
            try check { bk_check_positive("KDE bandwidth", value, $0) }
            // Validates the samples (the point list is empty).
            try samples.withUnsafeBufferPointer { s in
                try check { bk_kde_evaluate(s.count, s.baseAddress, value, 0, nil, nil, $0) }
            }
            h = value
        case .silverman, .scott:
            let rule = bandwidth == .silverman ? BK_KDE_SILVERMAN : BK_KDE_SCOTT
            try samples.withUnsafeBufferPointer { s in
                try check { bk_kde_bandwidth(s.count, s.baseAddress, Int32(rule.rawValue), &h, $0) }
            }
        }
        self.samples = samples
        self.bandwidth = h
    }

    /// The estimated density at every point of `x` (NaN at a NaN point).
    public func density(at x: [Double]) -> [Double] {
        [Double](unsafeUninitializedCapacity: x.count) { out, n in
            let status = samples.withUnsafeBufferPointer { s in
                x.withUnsafeBufferPointer { xb in
                    bk_kde_evaluate(s.count, s.baseAddress, bandwidth, x.count, xb.baseAddress, out.baseAddress, nil)
                }
            }
            // The samples and bandwidth were validated at construction.
            if status != 0 { for i in 0..<x.count { out[i] = .nan } }
            n = x.count
        }
    }

    /// The estimated density at `x`.
    public func density(at x: Double) -> Double { density(at: [x])[0] }

    /// `count` evenly spaced points from `min - padding·h` to `max + padding·h`
    /// and the density there: the curve to plot.
    public func grid(count: Int = 256, padding: Double = 3) throws -> (x: [Double], density: [Double]) {
        guard count >= 2 else { throw BayesKitError.invalidArgument("KDE grid needs at least 2 points, got \(count)") }
        guard padding >= 0, padding.isFinite else {
            throw BayesKitError.invalidArgument("KDE grid padding must be non-negative and finite, got \(padding)")
        }
        let lo = samples.min()! - padding * bandwidth
        let hi = samples.max()! + padding * bandwidth
        let step = (hi - lo) / Double(count - 1)
        let xs = (0..<count).map { lo + Double($0) * step }
        return (xs, density(at: xs))
    }
}
