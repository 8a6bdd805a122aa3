internal import CBayesKit

/// The Dirichlet distribution on the (k-1)-simplex {x : xᵢ ≥ 0, Σ xᵢ = 1}:
/// `p(x) = Γ(α₀) / Πᵢ Γ(αᵢ) · Πᵢ xᵢ^{αᵢ-1}`, α₀ = Σ αᵢ.
/// Mean αᵢ/α₀; covariance `(δᵢⱼ αᵢ/α₀ - αᵢαⱼ/α₀²) / (α₀ + 1)`.
/// Sampling normalises independent Gamma(αᵢ, 1) draws (GSL's `gsl_ran_dirichlet`).
public struct Dirichlet: Sendable, Hashable {
    /// The concentrations αᵢ > 0.
    public let concentrations: [Double]

    /// Throws ``BayesKitError`` (`.invalidArgument`) for fewer than 2
    /// concentrations or one that is not positive and finite (naming its index).
    public init(concentrations: [Double]) throws {
        try concentrations.withUnsafeBufferPointer { a in
            try check { bk_dirichlet_check(a.count, a.baseAddress, $0) }
        }
        self.concentrations = concentrations
    }

    /// The dimension k.
    public var dimension: Int { concentrations.count }

    /// log p(`x`); `-inf` off the simplex (a negative entry, or a sum further
    /// than 1e-9·k from 1). Throws when `x` does not have ``dimension`` entries.
    public func logDensity(_ x: [Double]) throws -> Double {
        guard x.count == dimension else {
            throw BayesKitError.dimensionMismatch("Dirichlet point must have \(dimension) entries, got \(x.count)")
        }
        var out = Double.nan
        try concentrations.withUnsafeBufferPointer { a in
            try x.withUnsafeBufferPointer { xb in
                try check { bk_dirichlet_logpdf(dimension, a.baseAddress, xb.baseAddress, &out, $0) }
            }
        }
        return out
    }

    /// E[X] = α / α₀.
    public var mean: [Double] {
        let a0 = concentrations.reduce(0, +)
        return concentrations.map { $0 / a0 }
    }

    /// Cov[X]: `(δᵢⱼ mᵢ - mᵢ mⱼ) / (α₀ + 1)` with m the mean.
    public var covariance: Matrix {
        let a0 = concentrations.reduce(0, +)
        let m = mean
        var c = Matrix.diagonal(m)
        for i in 0..<dimension { for j in 0..<dimension { c[i, j] = (c[i, j] - m[i] * m[j]) / (a0 + 1) } }
        return c
    }

    /// `count` draws as the rows of a `count × k` matrix.
    public func sample(_ count: Int, using stream: RandomStream) throws -> Matrix {
        try requireSampleCount(count)
        var out = [Double](repeating: 0, count: count * dimension)
        try concentrations.withUnsafeBufferPointer { a in
            try out.withUnsafeMutableBufferPointer { o in
                try check { bk_dirichlet_sample(stream.raw, dimension, a.baseAddress, count, o.baseAddress, $0) }
            }
        }
        return Matrix(unchecked: count, dimension, out)
    }
}
