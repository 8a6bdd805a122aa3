import CBayesKit
import Testing

/// NumPy's legacy RandomState, checked against the algorithm's definition and
/// values NumPy itself prints.
@Suite struct NumPyLegacyStream {
    /// The canonical first output of MT19937 seeded by init_genrand(5489)
    /// (Matsumoto & Nishimura's mt19937ar.out) and the 10000th output, 4123659995,
    /// given by the C++ standard for std::mt19937.
    @Test func mt19937ReferenceOutputs() {
        var s = bk_nprand()
        bk_nprand_seed(&s, 5489)
        #expect(bk_nprand_next_u32(&s) == 3_499_211_612)
        for _ in 2..<10000 { _ = bk_nprand_next_u32(&s) }
        #expect(bk_nprand_next_u32(&s) == 4_123_659_995)
    }

    /// init_genrand(0): key = [0, 1, 1812433255, ...] as `np.random.get_state()` shows.
    @Test func seedZeroIsNotRemapped() {
        var s = bk_nprand()
        bk_nprand_seed(&s, 0)
        #expect(s.key.0 == 0 && s.key.1 == 1 && s.key.2 == 1_812_433_255)
        #expect(s.pos == 624)
    }

    /// `np.random.seed(12345); np.random.random_sample(2); np.random.standard_normal(3)`.
    @Test func matchesNumPyPrintedValues() {
        var s = bk_nprand()
        bk_nprand_seed(&s, 12345)
        #expect(bk_nprand_random_sample(&s) == 0.9296160928171479)
        #expect(bk_nprand_random_sample(&s) == 0.3163755545817859)
        let z = (0..<3).map { _ in bk_nprand_standard_normal(&s) }
        #expect(z == [-0.5194387150567381, -0.55573030434749, 1.9657805725027142])
    }

    /// The polar method returns the second value of a pair and caches the first.
    @Test func gaussianCacheIsUsedForTheNextCall() {
        var s = bk_nprand()
        bk_nprand_seed(&s, 3)
        #expect(s.has_gauss == 0)
        let first = bk_nprand_standard_normal(&s)
        #expect(s.has_gauss == 1)
        let cached = s.gauss
        #expect(bk_nprand_standard_normal(&s) == cached)
        #expect(s.has_gauss == 0)
        #expect(first != cached)
    }

    @Test func normalRejectsNegativeScale() {
        var s = bk_nprand()
        bk_nprand_seed(&s, 1)
        var out = [Double](repeating: 0, count: 2)
        var err = bk_error()
        #expect(bk_nprand_normal(&s, 0, -0.5, 2, &out, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "normal scale must be >= 0, got -0.5")
    }
}
