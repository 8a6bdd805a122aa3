internal import CBayesKit

/// A bit-exact replica of NumPy's legacy `numpy.random.RandomState`, used to
/// regenerate the seed notebooks' data without Python: MT19937 seeded by
/// `init_genrand` (what `np.random.seed(int)` does), 53-bit doubles
/// `(a·2²⁶ + b)/2⁵³` from two 32-bit outputs, and Marsaglia's polar Gaussian
/// with its cached second value.
///
/// For BayesKit's own randomness use ``RandomStream``.
public struct NumPyRandomState: Sendable {
    private var state: bk_nprand

    /// `np.random.seed(seed)`.
    public init(seed: UInt32) {
        state = bk_nprand()
        bk_nprand_seed(&state, seed)
    }

    /// Next raw 32-bit MT19937 output.
    public mutating func nextUInt32() -> UInt32 { bk_nprand_next_u32(&state) }

    /// `np.random.random_sample(count)` (also `np.random.rand`).
    public mutating func randomSample(_ count: Int) -> [Double] {
        (0..<max(count, 0)).map { _ in bk_nprand_random_sample(&state) }
    }

    /// `np.random.uniform(low, high, count)`.
    public mutating func uniform(_ low: Double, _ high: Double, _ count: Int) -> [Double] {
        (0..<max(count, 0)).map { _ in low + (high - low) * bk_nprand_random_sample(&state) }
    }

    /// `np.random.randn(count)` / `np.random.standard_normal(count)`.
    public mutating func standardNormal(_ count: Int) -> [Double] {
        (0..<max(count, 0)).map { _ in bk_nprand_standard_normal(&state) }
    }

    /// `np.random.normal(loc, scale, count)`; `scale` must be >= 0.
    public mutating func normal(loc: Double = 0, scale: Double, _ count: Int) throws -> [Double] {
        guard scale >= 0 else { throw BayesKitError.invalidArgument("normal scale must be >= 0, got \(scale)") }
        return (0..<max(count, 0)).map { _ in loc + scale * bk_nprand_standard_normal(&state) }
    }
}
