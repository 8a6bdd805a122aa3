import CBayesKit
import Foundation
import Testing

// Gradient and pruning tests of sparse variational dropout (csrc/nn/sparsevd.c).

private func makeSVD(widths: [Int], lik: bk_likelihood, x: [Double], y: [Double], n: Int) -> (OpaquePointer?, String) {
    var out: OpaquePointer?
    var err = bk_error()
    var lik = lik
    let st = bk_svd_alloc(widths.count, widths, Int32(BK_ACT_TANH.rawValue), &lik, n, x, y, &out, &err)
    return (st == 0 ? out : nil, errorMessage(err))
}

@Suite("Sparse variational dropout kernel")
struct SparseVDKernelTests {
    @Test("ELBO gradient matches central finite differences (Gaussian and categorical)", arguments: [0, 1])
    func gradient(kind: Int) throws {
        let n = 7
        let rng = makeRNG(3, 0)
        defer { bk_rng_free(rng) }
        let x = (0..<(n * 3)).map { _ in bk_rng_normal(rng) }
        let gaussian = kind == 0
        let y = gaussian ? (0..<n).map { _ in bk_rng_normal(rng) } : (0..<n).map { Double($0 % 3) }
        let lik = bk_likelihood(kind: Int32((gaussian ? BK_LIK_GAUSSIAN : BK_LIK_CATEGORICAL).rawValue), sigma: 0.5,
                                log_sigma_mean: 0, log_sigma_std: 0)
        let (s0, msg) = makeSVD(widths: [3, 4, gaussian ? 1 : 3], lik: lik, x: x, y: y, n: n)
        let s = try #require(s0, "\(msg)")
        defer { bk_svd_free(s) }
        let P = bk_svd_nparams(s)
        var p = [Double](repeating: 0, count: P)
        #expect(bk_svd_init(rng, s, -4, &p, nil) == 0)
        for i in p.indices { p[i] += 0.3 * bk_rng_normal(rng) }  // log sigma^2 spread out too
        let rows: [Int] = [4, 1, 6, 2, 0]
        let eps = (0..<(rows.count * (4 + (gaussian ? 1 : 3)))).map { _ in bk_rng_normal(rng) }
        func value(_ q: [Double], _ g: UnsafeMutablePointer<Double>?) -> Double {
            var e = 0.0
            #expect(bk_svd_estimate(s, q, rows.count, rows, eps, 0.7, &e, nil, nil, g, nil) == 0)
            return e
        }
        var g = [Double](repeating: 0, count: P)
        _ = g.withUnsafeMutableBufferPointer { value(p, $0.baseAddress) }
        var worst = 0.0
        for i in 0..<P {
            var a = p, b = p
            a[i] += 1e-6
            b[i] -= 1e-6
            let fd = (value(a, nil) - value(b, nil)) / 2e-6
            worst = max(worst, abs(fd - g[i]) / max(1, abs(fd)))
        }
        #expect(worst < 1e-5, "largest relative gradient error \(worst)")
    }

    @Test("Weights from irrelevant inputs are pruned; bad input is named")
    func pruning() throws {
        // y = 2 x0 - 1.5 x1 + eps with 6 irrelevant inputs, a linear model 8-1.
        let n = 200
        let rng = makeRNG(8, 0)
        defer { bk_rng_free(rng) }
        var x = [Double](), y = [Double]()
        for _ in 0..<n {
            let r = (0..<8).map { _ in bk_rng_normal(rng) }
            x += r
            y.append(2 * r[0] - 1.5 * r[1] + bk_rng_normal(rng))
        }
        let lik = bk_likelihood(kind: Int32(BK_LIK_GAUSSIAN.rawValue), sigma: 1, log_sigma_mean: 0, log_sigma_std: 0)
        let (s0, msg) = makeSVD(widths: [8, 1], lik: lik, x: x, y: y, n: n)
        let s = try #require(s0, "\(msg)")
        defer { bk_svd_free(s) }
        var p = [Double](repeating: 0, count: bk_svd_nparams(s))
        #expect(bk_svd_init(rng, s, -8, &p, nil) == 0)
        // Adam moves every parameter by about the learning rate per step, so theta of an irrelevant
        // input can only settle at 0 (log alpha -> large) as the rate decays: cosine to 1e-6.
        var optim = bk_optim_adam_default(0.01)
        optim.schedule = bk_lr_schedule(kind: Int32(BK_LR_COSINE.rawValue), step_size: 1, gamma: 1, period: 12000, eta_min: 1e-6)
        var cfg = bk_svd_config(epochs: 3000, batch_size: 50, kl_weight: 1, kl_warmup: 0, optim: optim)
        var err = bk_error()
        #expect(bk_svd_train(s, &cfg, 1, &p, nil, nil, nil, &err) == 0, "\(errorMessage(err))")
        var la = [Double](repeating: 0, count: 8)
        #expect(bk_svd_log_alpha(s, p, &la, nil) == 0)
        #expect(la[0] < 0 && la[1] < 0, "relevant log alpha \(la[0]), \(la[1])")
        #expect(la[2...].allSatisfy { $0 > 3 }, "irrelevant log alpha \(Array(la[2...]))")
        var out = [Double](repeating: 0, count: n)
        var kept = 0
        #expect(bk_svd_predict(s, p, 3, n, x, &out, &kept, nil) == 0)
        #expect(kept == 2)
        let rmse = (zip(out, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(n)).squareRoot()
        #expect(rmse < 1.1, "rmse \(rmse)")

        cfg.batch_size = 1000
        #expect(bk_svd_train(s, &cfg, 1, &p, nil, nil, nil, &err) == Int32(BK_EINVAL.rawValue))
        #expect(errorMessage(err).contains("batch size 1000 exceeds the 200 data rows"))
        var bad = x
        bad[5] = .nan
        let (b0, m0) = makeSVD(widths: [8, 1], lik: lik, x: bad, y: y, n: n)
        #expect(b0 == nil && !m0.isEmpty)
        let pois = bk_likelihood(kind: Int32(BK_LIK_BERNOULLI.rawValue), sigma: 0, log_sigma_mean: 0, log_sigma_std: 0)
        let (b1, m1) = makeSVD(widths: [8, 1], lik: pois, x: x, y: y, n: n)
        #expect(b1 == nil && m1.contains("supports the Gaussian"))
    }
}
