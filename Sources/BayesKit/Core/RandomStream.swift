internal import CBayesKit

/// A seed for BayesKit's random streams. Stream `k` of a seed is the same
/// sequence whatever the thread count, so giving each chain, ensemble member
/// or Monte Carlo worker its own stream makes parallel work reproducible.
public struct Seed: Sendable, Hashable, Codable, CustomStringConvertible {
    public var value: UInt64
    public init(_ value: UInt64) { self.value = value }

    /// The random stream `index` of this seed.
    public func stream(_ index: UInt64 = 0) throws -> RandomStream {
        try RandomStream(seed: value, stream: index)
    }

    /// The 64-bit key of stream `index`: `splitmix64(splitmix64(seed) + γ·(index + 1))`.
    public func key(stream index: UInt64) -> UInt64 { bk_seed_mix(value, index) }

    public var description: String { String(value) }

    /// Standard normal draws from streams `firstStream ..< firstStream + streams`
    /// in parallel (OpenMP over streams): row `k` of the result is the first
    /// `count` draws of stream `firstStream + k`, exactly what
    /// `stream(firstStream + k).normals(count)` gives, whatever the thread count.
    /// `threads: nil` uses ``BayesKitLibrary/threadCount``.
    /// `progress`, when given, must have `streams` tasks; task `k` counts the draws of stream `k`.
    public func normals(streams: Int, count: Int, firstStream: UInt64 = 0, threads: Int? = nil,
                        progress: ProgressCounter? = nil) throws -> Matrix {
        guard streams >= 0, count >= 0 else {
            throw BayesKitError.invalidArgument("streams and count must be >= 0, got \(streams) and \(count)")
        }
        let nthreads = try threadArgument(threads)
        var out = [Double](repeating: 0, count: streams * count)
        try out.withUnsafeMutableBufferPointer { buffer in
            try check { bk_rng_normal_streams(value, firstStream, streams, count, buffer.baseAddress, nthreads, progress?.raw, $0) }
        }
        return try Matrix(rows: streams, columns: count, values: out)
    }
}

/// One random number stream: a GSL generator of type xoshiro256++
/// (Blackman & Vigna 2021) whose state comes from `(seed, stream)` through
/// splitmix64. Not thread-safe: use one stream per thread of work.
public final class RandomStream {
    let raw: OpaquePointer
    public let seed: UInt64
    public let stream: UInt64

    public init(seed: UInt64, stream: UInt64 = 0) throws {
        var out: OpaquePointer?
        try check { bk_rng_alloc(seed, stream, &out, $0) }
        guard let out else { throw BayesKitError(.outOfMemory, "cannot allocate a random stream") }
        raw = out
        self.seed = seed
        self.stream = stream
    }

    deinit { bk_rng_free(raw) }

    /// Rewinds to the first draw of `(seed, stream)`.
    public func reset() { bk_rng_reset(raw, seed, stream) }

    /// A raw 64-bit output.
    public func nextUInt64() -> UInt64 { bk_rng_next_u64(raw) }

    /// A uniform draw in [0, 1) with 53 random bits.
    public func uniform() -> Double { bk_rng_uniform(raw) }

    /// A standard normal draw.
    public func normal() -> Double { bk_rng_normal(raw) }

    /// `count` uniform draws in [0, 1).
    public func uniforms(_ count: Int) throws -> [Double] {
        guard count >= 0 else { throw BayesKitError.invalidArgument("count must be >= 0, got \(count)") }
        return [Double](unsafeUninitializedCapacity: count) { buffer, n in
            bk_rng_uniform_fill(raw, count, buffer.baseAddress)
            n = count
        }
    }

    /// `count` independent draws from N(mean, sd²).
    public func normals(_ count: Int, mean: Double = 0, sd: Double = 1) throws -> [Double] {
        guard count >= 0 else { throw BayesKitError.invalidArgument("count must be >= 0, got \(count)") }
        return try [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            try check { bk_rng_normal_fill(raw, mean, sd, count, buffer.baseAddress, $0) }
            initialized = count
        }
    }

    /// The generator state, to resume the stream later (checkpoints).
    public var state: [UInt8] {
        get {
            [UInt8](unsafeUninitializedCapacity: bk_rng_state_size()) { buffer, n in
                bk_rng_state_get(raw, buffer.baseAddress)
                n = bk_rng_state_size()
            }
        }
    }

    /// Restores a state read from ``state``.
    public func restore(state bytes: [UInt8]) throws {
        guard bytes.count == bk_rng_state_size() else {
            throw BayesKitError.invalidArgument(
                "random stream state must have \(bk_rng_state_size()) bytes, got \(bytes.count)")
        }
        bytes.withUnsafeBytes { bk_rng_state_set(raw, $0.baseAddress) }
    }
}
