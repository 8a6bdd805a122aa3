internal import CBayesKit

/// The categorical distribution over the classes `0..<k`: P(X = i) = pᵢ.
///
/// The probabilities given to ``init(probabilities:)`` may be any
/// non-negative finite weights with a positive sum; they are **normalised**
/// to sum to 1 (so `[1, 1, 2]` means `[0.25, 0.25, 0.5]`). Moments are
/// those of the one-hot encoding e_X: mean `p`, covariance `diag(p) - p pᵀ`.
/// Sampling uses Walker's alias method (GSL's `gsl_ran_discrete`).
public struct Categorical: Sendable, Hashable {
    /// The normalised class probabilities.
    public let probabilities: [Double]

    /// Throws ``BayesKitError`` (`.invalidArgument`) for an empty list, a
    /// negative or non-finite weight (naming its index), or a zero sum.
    public init(probabilities weights: [Double]) throws {
        var probs = [Double](repeating: 0, count: weights.count)
        try weights.withUnsafeBufferPointer { w in
            try probs.withUnsafeMutableBufferPointer { p in
                try check { bk_categorical_normalize(weights.count, w.baseAddress, p.baseAddress, $0) }
            }
        }
        probabilities = probs
    }

    /// The number of classes k.
    public var count: Int { probabilities.count }

    /// log P(X = `k`); `-inf` for a class outside `0..<count`.
    public func logDensity(_ k: Int) -> Double {
        guard k >= 0 else { return -.infinity }
        return probabilities.withUnsafeBufferPointer { bk_categorical_logpmf(count, $0.baseAddress, k) }
    }

    /// ``logDensity(_:)`` for every class in `ks`.
    public func logDensity(_ ks: [Int]) -> [Double] { ks.map { logDensity($0) } }

    /// E[e_X] = p, the mean of the one-hot encoding.
    public var mean: [Double] { probabilities }

    /// Cov[e_X] = diag(p) - p pᵀ.
    public var covariance: Matrix {
        var c = Matrix.diagonal(probabilities)
        for i in 0..<count { for j in 0..<count { c[i, j] -= probabilities[i] * probabilities[j] } }
        return c
    }

    /// `count` class indices drawn from `stream`.
    public func sample(_ count: Int, using stream: RandomStream) throws -> [Int] {
        try requireSampleCount(count)
        var out = [Int](repeating: 0, count: count)
        try probabilities.withUnsafeBufferPointer { p in
            try out.withUnsafeMutableBufferPointer { o in
                try check { bk_categorical_sample(stream.raw, self.count, p.baseAddress, count, o.baseAddress, $0) }
            }
        }
        return out
    }
}
