import CBayesKit
import Foundation
import Testing

func makeRNG(_ seed: UInt64, _ stream: UInt64) -> OpaquePointer {
    var out: OpaquePointer?
    var err = bk_error()
    #expect(bk_rng_alloc(seed, stream, &out, &err) == 0)
    return out!
}

@Suite struct RandomStreams {
    /// Reference values of splitmix64 seeded with 0 (Vigna's splitmix64.c).
    @Test func splitmix64KnownAnswers() {
        #expect(bk_splitmix64(0x9E37_79B9_7F4A_7C15) == 0xE220_A839_7B1D_CDAF)
        #expect(bk_splitmix64(0x9E37_79B9_7F4A_7C15 &* 2) == 0x6E78_9E6A_A1B9_65F4)
    }

    /// xoshiro256++ from the state {1, 2, 3, 4}, computed from its definition.
    @Test func xoshiroKnownAnswers() {
        let rng = makeRNG(0, 0)
        defer { bk_rng_free(rng) }
        #expect(bk_rng_state_size() == 32)
        var state: [UInt64] = [1, 2, 3, 4]
        bk_rng_state_set(rng, &state)
        #expect(bk_rng_next_u64(rng) == 41_943_041)
        #expect(bk_rng_next_u64(rng) == 58_720_359)
        #expect(bk_rng_next_u64(rng) == 3_588_806_011_781_223)
    }

    @Test func sameSeedAndStreamGiveTheSameSequence() {
        let a = makeRNG(7, 3), b = makeRNG(7, 3)
        defer { bk_rng_free(a); bk_rng_free(b) }
        for _ in 0..<1000 { #expect(bk_rng_next_u64(a) == bk_rng_next_u64(b)) }
        bk_rng_reset(a, 7, 3)
        let c = makeRNG(7, 3)
        defer { bk_rng_free(c) }
        #expect(bk_rng_normal(a) == bk_rng_normal(c))
    }

    @Test func savedStateResumesTheStream() {
        let a = makeRNG(11, 0)
        defer { bk_rng_free(a) }
        _ = bk_rng_uniform(a)
        var saved = [UInt8](repeating: 0, count: bk_rng_state_size())
        bk_rng_state_get(a, &saved)
        let next = (0..<5).map { _ in bk_rng_uniform(a) }
        bk_rng_state_set(a, &saved)
        #expect((0..<5).map { _ in bk_rng_uniform(a) } == next)
    }

    /// Streams of one seed must look independent: the correlation of 100,000
    /// paired uniforms from streams 0 and 1 is N(0, 1/n) under independence.
    @Test func distinctStreamsAreUncorrelated() {
        let a = makeRNG(1, 0), b = makeRNG(1, 1)
        defer { bk_rng_free(a); bk_rng_free(b) }
        let n = 100_000
        var sab = 0.0, sa = 0.0, sb = 0.0, saa = 0.0, sbb = 0.0
        var equal = 0
        for _ in 0..<n {
            let x = bk_rng_uniform(a), y = bk_rng_uniform(b)
            if x == y { equal += 1 }
            sab += x * y; sa += x; sb += y; saa += x * x; sbb += y * y
        }
        let nd = Double(n)
        let cov = sab / nd - sa / nd * sb / nd
        let corr = cov / ((saa / nd - sa * sa / nd / nd) * (sbb / nd - sb * sb / nd / nd)).squareRoot()
        #expect(abs(corr) < 5 / nd.squareRoot())
        #expect(equal == 0)
        #expect(bk_seed_mix(1, 0) != bk_seed_mix(1, 1))
        #expect(bk_seed_mix(1, 0) != bk_seed_mix(2, 0))
    }

    /// Moments of 10^6 draws within 5 Monte Carlo standard errors.
    @Test func uniformAndNormalMoments() {
        let rng = makeRNG(2024, 0)
        defer { bk_rng_free(rng) }
        let n = 1_000_000
        var u = [Double](repeating: 0, count: n)
        bk_rng_uniform_fill(rng, n, &u)
        let mu = u.reduce(0, +) / Double(n)
        #expect(abs(mu - 0.5) < 5 * (1.0 / 12 / Double(n)).squareRoot())
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        var z = [Double](repeating: 0, count: n)
        var err = bk_error()
        #expect(bk_rng_normal_fill(rng, 2, 3, n, &z, &err) == 0)
        let m = z.reduce(0, +) / Double(n)
        let v = z.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)
        #expect(abs(m - 2) < 5 * 3 / Double(n).squareRoot())
        // Var of the sample variance of a normal is 2 sigma^4 / (n - 1).
        #expect(abs(v - 9) < 5 * 9 * (2.0 / Double(n - 1)).squareRoot())
    }

    @Test func normalFillRejectsANegativeScale() {
        let rng = makeRNG(1, 0)
        defer { bk_rng_free(rng) }
        var out = [Double](repeating: 42, count: 3)
        var err = bk_error()
        #expect(bk_rng_normal_fill(rng, 0, -1, 3, &out, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "normal standard deviation must be finite and >= 0, got -1")
        #expect(out == [42, 42, 42])
    }

    /// The parallel multi-stream fill equals stream-by-stream draws, for 1 and 2 threads.
    @Test func parallelStreamsMatchSerialStreamsWhateverTheThreadCount() {
        let streams = 37, n = 1001
        var err = bk_error()
        var results: [[Double]] = []
        for threads: Int32 in [1, 2] {
            var out = [Double](repeating: 0, count: streams * n)
            #expect(bk_rng_normal_streams(99, 5, streams, n, &out, threads, nil, &err) == 0)
            results.append(out)
        }
        #expect(results[0] == results[1])
        let k = 12
        let rng = makeRNG(99, 5 + UInt64(k))
        defer { bk_rng_free(rng) }
        let serial = (0..<n).map { _ in bk_rng_normal(rng) }
        #expect(Array(results[0][(k * n)..<((k + 1) * n)]) == serial)
    }
}
