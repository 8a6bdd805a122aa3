import CBayesKit
import Foundation
import Testing

// Gradient, bound and determinism tests of the C variational autoencoder (csrc/vae).

private func makeVAE(inputs: Int = 5, latent: Int = 2, hidden: [Int] = [4], act: bk_activation = BK_ACT_TANH,
                     decoder: bk_vae_decoder_kind = BK_VAE_BERNOULLI, sigma: Double = 0.7) -> (OpaquePointer?, String) {
    var out: OpaquePointer?
    var err = bk_error()
    let st = hidden.withUnsafeBufferPointer { h -> Int32 in
        var spec = bk_vae_spec(inputs: inputs, latent: latent, nhidden: hidden.count, hidden: h.baseAddress,
                               activation: Int32(act.rawValue), decoder: Int32(decoder.rawValue), sigma: sigma)
        return bk_vae_alloc(&spec, &out, &err)
    }
    return (st == 0 ? out : nil, errorMessage(err))
}

private func uniforms(_ n: Int, seed: UInt64) -> [Double] {
    let rng = makeRNG(seed, 0)
    defer { bk_rng_free(rng) }
    return (0..<n).map { _ in bk_rng_uniform(rng) }
}

private func normalDraws(_ n: Int, seed: UInt64) -> [Double] {
    let rng = makeRNG(seed, 0)
    defer { bk_rng_free(rng) }
    return (0..<n).map { _ in bk_rng_normal(rng) }
}

/// ELBO estimate with fixed draws, and its gradient.
private func estimate(_ vae: OpaquePointer, _ theta: [Double], _ x: [Double], rows: Int, samples: Int, eps: [Double],
                      beta: Double) -> (Double, [Double]) {
    var ws: OpaquePointer?
    var err = bk_error()
    #expect(bk_vae_work_alloc(vae, rows, samples, &ws, &err) == 0)
    defer { bk_vae_work_free(ws) }
    var terms = bk_vae_terms()
    var grad = [Double](repeating: 0, count: bk_vae_nparams(vae))
    #expect(bk_vae_estimate(vae, theta, x, rows, nil, samples, eps, beta, ws, &terms, &grad, &err) == 0)
    return (terms.elbo, grad)
}

@Suite("VAE kernel")
struct VAEKernelTests {
    @Test("ELBO gradient matches central finite differences with common random numbers", arguments: [
        BK_VAE_BERNOULLI, BK_VAE_GAUSSIAN, BK_VAE_GAUSSIAN_LEARNED,
    ])
    func gradient(decoder: bk_vae_decoder_kind) throws {
        let (v, msg) = makeVAE(decoder: decoder)
        let vae = try #require(v, "\(msg)")
        defer { bk_vae_free(vae) }
        let P = bk_vae_nparams(vae), n = 3, L = 2, K = 2, D = 5
        let rng = makeRNG(11, 0)
        defer { bk_rng_free(rng) }
        var theta = [Double](repeating: 0, count: P)
        #expect(bk_vae_init(rng, vae, &theta, nil) == 0)
        let x = uniforms(n * D, seed: 3)
        let eps = normalDraws(n * L * K, seed: 4)
        let (_, g) = estimate(vae, theta, x, rows: n, samples: L, eps: eps, beta: 0.7)
        let h = 1e-6
        var worst = 0.0
        for i in 0..<P {
            var tp = theta, tm = theta
            tp[i] += h
            tm[i] -= h
            let fd = (estimate(vae, tp, x, rows: n, samples: L, eps: eps, beta: 0.7).0
                - estimate(vae, tm, x, rows: n, samples: L, eps: eps, beta: 0.7).0) / (2 * h)
            worst = max(worst, abs(fd - g[i]) / max(1, abs(fd)))
        }
        #expect(worst < 1e-6, "largest relative gradient error \(worst)")
    }

    @Test("Closed-form KL of the estimate equals 1/2 sum(mu^2 + sigma^2 - log sigma^2 - 1) from the encoder")
    func klTerm() throws {
        let (v, msg) = makeVAE()
        let vae = try #require(v, "\(msg)")
        defer { bk_vae_free(vae) }
        let rng = makeRNG(5, 0)
        defer { bk_rng_free(rng) }
        var theta = [Double](repeating: 0, count: bk_vae_nparams(vae))
        #expect(bk_vae_init(rng, vae, &theta, nil) == 0)
        let x = uniforms(4 * 5, seed: 9)
        var mu = [Double](repeating: 0, count: 8), lv = mu
        #expect(bk_vae_encode(vae, theta, 4, x, &mu, &lv, nil) == 0)
        var kl = 0.0
        for j in 0..<8 { kl += 0.5 * (mu[j] * mu[j] + exp(lv[j]) - lv[j] - 1) }
        var ws: OpaquePointer?
        #expect(bk_vae_work_alloc(vae, 4, 1, &ws, nil) == 0)
        defer { bk_vae_work_free(ws) }
        var terms = bk_vae_terms()
        #expect(bk_vae_estimate(vae, theta, x, 4, nil, 1, normalDraws(8, seed: 1), 1, ws, &terms, nil, nil) == 0)
        #expect(abs(terms.kl - kl / 4) < 1e-12)
        #expect(abs(terms.elbo - (terms.reconstruction - terms.kl)) < 1e-12)
    }

    @Test("IWAE bound: per-row streams give the same numbers on 1 and 2 threads; mean L_k grows with k")
    func iwae() throws {
        let (v, msg) = makeVAE(inputs: 4, latent: 1, hidden: [3])
        let vae = try #require(v, "\(msg)")
        defer { bk_vae_free(vae) }
        let rng = makeRNG(2, 0)
        defer { bk_rng_free(rng) }
        var theta = [Double](repeating: 0, count: bk_vae_nparams(vae))
        #expect(bk_vae_init(rng, vae, &theta, nil) == 0)
        let n = 2000
        let x = uniforms(n * 4, seed: 8).map { $0 > 0.5 ? 1.0 : 0.0 }
        var b1 = [Double](repeating: 0, count: n), b2 = b1, k1 = b1
        #expect(bk_vae_iwae(vae, theta, n, x, 20, 7, 1, &b1, nil) == 0)
        #expect(bk_vae_iwae(vae, theta, n, x, 20, 7, 2, &b2, nil) == 0)
        #expect(b1 == b2)
        #expect(bk_vae_iwae(vae, theta, n, x, 1, 7, 2, &k1, nil) == 0)
        // L_20 - L_1 per row: its mean is >= 0 in expectation (Burda et al. 2016, Theorem 1);
        // require it above zero by 4 standard errors of the row differences.
        let d = zip(b1, k1).map { $0 - $1 }
        let mean = d.reduce(0, +) / Double(n)
        let se = sqrt(d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1) / Double(n))
        #expect(mean > 4 * se, "mean L20 - L1 = \(mean), se \(se)")
    }

    @Test("Training is reproducible and raises the ELBO; bad input names the problem")
    func training() throws {
        let (v, msg) = makeVAE(inputs: 6, latent: 2, hidden: [8])
        let vae = try #require(v, "\(msg)")
        defer { bk_vae_free(vae) }
        let n = 120
        let x = uniforms(n * 6, seed: 21).enumerated().map { i, u in (i / 6) % 2 == 0 ? (u > 0.2 ? 1.0 : 0.0) : (u > 0.8 ? 1.0 : 0.0) }
        var cfg = bk_vae_config_default()
        cfg.epochs = 60
        cfg.batch_size = 16
        cfg.optim = bk_optim_adam_default(0.01)
        func run() -> ([Double], [Double]) {
            let rng = makeRNG(1, 0)
            defer { bk_rng_free(rng) }
            var theta = [Double](repeating: 0, count: bk_vae_nparams(vae))
            _ = bk_vae_init(rng, vae, &theta, nil)
            var elbo = [Double](repeating: 0, count: 60)
            var done = 0
            var err = bk_error()
            #expect(bk_vae_train(vae, &cfg, n, x, 5, &theta, nil, &elbo, nil, nil, nil, &done, &err) == 0, "\(errorMessage(err))")
            #expect(done == 60)
            return (theta, elbo)
        }
        let (t1, e1) = run()
        let (t2, _) = run()
        #expect(t1 == t2)
        let first = e1.prefix(5).reduce(0, +) / 5, last = e1.suffix(5).reduce(0, +) / 5
        #expect(last > first + 0.5, "ELBO \(first) -> \(last)")

        var err = bk_error()
        var theta = t1
        var bad = x
        bad[7] = 1.5
        #expect(bk_vae_train(vae, &cfg, n, bad, 5, &theta, nil, nil, nil, nil, nil, nil, &err) == Int32(BK_EINVAL.rawValue))
        #expect(errorMessage(err).contains("[0, 1]"))
        bad[7] = .nan
        #expect(bk_vae_train(vae, &cfg, n, bad, 5, &theta, nil, nil, nil, nil, nil, nil, &err) == Int32(BK_ENONFINITE.rawValue))
        #expect(errorMessage(err).contains("row 2 column 2"))
        cfg.batch_size = 500
        #expect(bk_vae_train(vae, &cfg, n, x, 5, &theta, nil, nil, nil, nil, nil, nil, &err) == Int32(BK_EINVAL.rawValue))
        #expect(errorMessage(err).contains("batch size 500 exceeds the 120 data rows"))
        let (z, m0) = makeVAE(latent: 0)
        #expect(z == nil)
        #expect(m0.contains("latent dimension must be >= 1"))
        let (g, m1) = makeVAE(decoder: BK_VAE_GAUSSIAN, sigma: -1)
        #expect(g == nil)
        #expect(m1.contains("sigma must be > 0"))
    }
}
