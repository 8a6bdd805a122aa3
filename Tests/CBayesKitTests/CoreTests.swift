import CBayesKit
import Foundation
import Testing

@Suite struct StatusAndErrors {
    @Test func everyStatusHasItsOwnDescription() {
        let codes: [Int32] = (0...8).map { Int32($0) }
        let texts = codes.map { String(cString: bk_strerror($0)) }
        #expect(Set(texts).count == codes.count)
        #expect(texts[0] == "success")
        #expect(String(cString: bk_strerror(Int32(BK_EINVAL.rawValue))) == "invalid argument")
        #expect(String(cString: bk_strerror(99)) == "unknown status")
    }

    @Test func errorRecordFormatsAndReturnsTheCode() {
        var err = bk_error()
        var status: Int32 = 0
        withUnsafeMutablePointer(to: &err) { p in
            status = bk_set_num_threads(-3, p)
        }
        #expect(status == Int32(BK_EINVAL.rawValue))
        #expect(err.code == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "thread count must be >= 1 (or 0 for all cores), got -3")
        bk_error_clear(&err)
        #expect(err.code == 0 && message(err) == "")
    }

    @Test func initRunsOnceFromManyThreads() {
        DispatchQueue.concurrentPerform(iterations: 64) { _ in #expect(bk_init() == 0) }
    }

    /// With GSL's default handler a failed Cholesky aborts the process; after
    /// bk_init the status comes back and the output is left unchanged.
    @Test func gslFailureReturnsAStatusInsteadOfAborting() {
        var a: [Double] = [1, 2, 2, 1]  // symmetric, indefinite
        var l: [Double] = [7, 7, 7, 7]
        var err = bk_error()
        let status = bk_cholesky(2, &a, &l, &err)
        #expect(status == Int32(BK_EINVAL.rawValue))
        #expect(message(err).hasPrefix("matrix is not symmetric positive definite"))
        #expect(l == [7, 7, 7, 7])
    }

    @Test func choleskyRejectsNaN() {
        var a: [Double] = [1, .nan, .nan, 1]
        var l = [Double](repeating: 0, count: 4)
        var err = bk_error()
        #expect(bk_cholesky(2, &a, &l, &err) == Int32(BK_ENONFINITE.rawValue))
        #expect(message(err) == "matrix to factor contains NaN or infinity")
    }

    @Test func choleskyKnownAnswer() {
        // [[4, 2], [2, 3]] = L L^T with L = [[2, 0], [1, sqrt 2]]
        var a: [Double] = [4, 2, 2, 3]
        var l = [Double](repeating: 0, count: 4)
        var err = bk_error()
        #expect(bk_cholesky(2, &a, &l, &err) == 0)
        #expect(l[0] == 2 && l[1] == 0 && l[2] == 1 && abs(l[3] - 2.0.squareRoot()) < 1e-15)
        #expect(abs(bk_cholesky_logdet(2, &l) - log(8.0)) < 1e-14)
        var b: [Double] = [2, 1]  // A x = b -> x = [0.5, 0]
        #expect(bk_cholesky_solve(2, &l, 1, &b, &err) == 0)
        #expect(abs(b[0] - 0.5) < 1e-15 && abs(b[1]) < 1e-15)
    }

    @Test func matmulKnownAnswer() {
        var a: [Double] = [1, 2, 3, 4, 5, 6]  // 2 x 3
        var b: [Double] = [7, 8, 9, 10, 11, 12]  // 3 x 2
        var c = [Double](repeating: 0, count: 4)
        var err = bk_error()
        #expect(bk_matmul(2, 3, 2, &a, &b, &c, &err) == 0)
        #expect(c == [58, 64, 139, 154])
    }

    @Test func resolveThreads() {
        #expect(bk_resolve_threads(3) == 3)
        #expect(bk_resolve_threads(0) >= 1)
        #expect(bk_openmp_enabled() == 1)
    }
}

func message(_ err: bk_error) -> String {
    var e = err
    return withUnsafeBytes(of: &e.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}
