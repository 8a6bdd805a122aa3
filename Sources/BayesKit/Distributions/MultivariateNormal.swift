internal import CBayesKit

/// The multivariate normal N(μ, Σ) in k dimensions, held through the lower
/// Cholesky factor L of Σ = L Lᵀ:
/// `log p(x) = -k/2 log(2π) - Σⱼ log Lⱼⱼ - ½ |L⁻¹(x - μ)|²`.
/// Draws are μ + L z with z ~ N(0, I) (ziggurat normals, CBLAS `dtrmm`).
public struct MultivariateNormal: Sendable, Equatable {
    /// The mean μ.
    public let mean: [Double]
    /// The covariance Σ = L Lᵀ.
    public let covariance: Matrix
    /// The lower-triangular Cholesky factor L of Σ (upper triangle zero).
    public let choleskyFactor: Matrix

    /// N(`mean`, `covariance`). Throws when the covariance is not square
    /// (`.dimensionMismatch`), does not match the mean's length
    /// (`.dimensionMismatch`), or is not finite, symmetric and positive definite
    /// (`.invalidArgument`, e.g. "MultivariateNormal covariance is not positive definite").
    public init(mean: [Double], covariance: Matrix) throws {
        try Self.checkShape(mean, covariance, "covariance")
        var l = [Double](repeating: 0, count: covariance.values.count)
        try covariance.values.withUnsafeBufferPointer { c in
            try l.withUnsafeMutableBufferPointer { lb in
                try check { bk_mvnormal_factor(mean.count, c.baseAddress, lb.baseAddress, $0) }
            }
        }
        let factor = Matrix(unchecked: mean.count, mean.count, l)
        try Self.checkFactor(mean, factor)
        self.mean = mean
        self.covariance = covariance
        self.choleskyFactor = factor
    }

    /// N(`mean`, L Lᵀ) from a lower-triangular factor L with a positive
    /// diagonal (its upper triangle must be zero).
    public init(mean: [Double], choleskyFactor: Matrix) throws {
        try Self.checkShape(mean, choleskyFactor, "Cholesky factor")
        try Self.checkFactor(mean, choleskyFactor)
        self.mean = mean
        self.choleskyFactor = choleskyFactor
        self.covariance = try choleskyFactor.matmul(choleskyFactor.transposed)
    }

    private static func checkShape(_ mean: [Double], _ m: Matrix, _ what: String) throws {
        guard m.rows == m.columns else {
            throw BayesKitError.dimensionMismatch(
                "MultivariateNormal \(what) must be square, got \(m.rows) x \(m.columns)")
        }
        guard m.rows == mean.count else {
            throw BayesKitError.dimensionMismatch(
                "MultivariateNormal mean has \(mean.count) entries but the \(what) is \(m.rows) x \(m.columns)")
        }
    }

    private static func checkFactor(_ mean: [Double], _ l: Matrix) throws {
        try mean.withUnsafeBufferPointer { m in
            try l.values.withUnsafeBufferPointer { lb in
                try check { bk_mvnormal_check(mean.count, m.baseAddress, lb.baseAddress, $0) }
            }
        }
    }

    /// The dimension k.
    public var dimension: Int { mean.count }

    /// log p(`x`); throws when `x` does not have ``dimension`` entries.
    public func logDensity(_ x: [Double]) throws -> Double {
        guard x.count == dimension else {
            throw BayesKitError.dimensionMismatch(
                "MultivariateNormal point must have \(dimension) entries, got \(x.count)")
        }
        return try logDensities(x, rows: 1)[0]
    }

    /// log p of every row of `xs` (an `n × k` matrix).
    public func logDensity(_ xs: Matrix) throws -> [Double] {
        guard xs.columns == dimension else {
            throw BayesKitError.dimensionMismatch(
                "MultivariateNormal points must have \(dimension) columns, got \(xs.columns)")
        }
        return try logDensities(xs.values, rows: xs.rows)
    }

    private func logDensities(_ x: [Double], rows: Int) throws -> [Double] {
        var out = [Double](repeating: 0, count: rows)
        try mean.withUnsafeBufferPointer { m in
            try choleskyFactor.values.withUnsafeBufferPointer { l in
                try x.withUnsafeBufferPointer { xb in
                    try out.withUnsafeMutableBufferPointer { o in
                        try check {
                            bk_mvnormal_logpdf(dimension, m.baseAddress, l.baseAddress, rows, xb.baseAddress,
                                               o.baseAddress, $0)
                        }
                    }
                }
            }
        }
        return out
    }

    /// `count` draws as the rows of a `count × k` matrix.
    public func sample(_ count: Int, using stream: RandomStream) throws -> Matrix {
        try requireSampleCount(count)
        var out = [Double](repeating: 0, count: count * dimension)
        try mean.withUnsafeBufferPointer { m in
            try choleskyFactor.values.withUnsafeBufferPointer { l in
                try out.withUnsafeMutableBufferPointer { o in
                    try check {
                        bk_mvnormal_sample(stream.raw, dimension, m.baseAddress, l.baseAddress, count, o.baseAddress, $0)
                    }
                }
            }
        }
        return Matrix(unchecked: count, dimension, out)
    }
}
