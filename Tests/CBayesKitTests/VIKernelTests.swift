import CBayesKit
import Foundation
import Testing

// Known-answer, gradient and determinism tests of the C mean-field VI (csrc/vi).

private func gaussianLik(_ sigma: Double) -> bk_likelihood {
    bk_likelihood(kind: Int32(BK_LIK_GAUSSIAN.rawValue), sigma: sigma, log_sigma_mean: 0, log_sigma_std: 0)
}

private func normalPrior(_ std: Double) -> bk_prior {
    bk_prior(kind: Int32(BK_PRIOR_NORMAL.rawValue), std: std, layer_std: nil, nlayer_std: 0)
}

/// A VI problem; `nil` and the message on failure.
private func makeVI(_ net: OpaquePointer, _ lik: bk_likelihood, _ prior: bk_prior, _ cfg: bk_vi_config,
                    x: [Double], y: [Double], n: Int) -> (OpaquePointer?, String) {
    var lik = lik, prior = prior, cfg = cfg
    var out: OpaquePointer?
    var err = bk_error()
    let st = bk_vi_alloc(net, &lik, &prior, &cfg, n, x, y, &out, &err)
    return (st == 0 ? out : nil, errorMessage(err))
}

private func config(samples: Int = 3, epochs: Int = 10, batch: Int = 0, scale: bk_vi_scale_kind = BK_VI_LOGSIGMA,
                    kl: bk_vi_kl_kind = BK_VI_KL_CLOSED, lr: Double = 0.01) -> bk_vi_config {
    var c = bk_vi_config_default()
    c.samples = samples
    c.epochs = epochs
    c.batch_size = batch
    c.scale = Int32(scale.rawValue)
    c.kl = Int32(kl.rawValue)
    c.optim = bk_optim_adam_default(lr)
    return c
}

private func normals(_ count: Int, seed: UInt64) -> [Double] {
    let rng = makeRNG(seed, 0)
    defer { bk_rng_free(rng) }
    return (0..<count).map { _ in bk_rng_normal(rng) }
}

@Suite struct VIKernels {
    /// Mean and scale gradients of the ELBO estimate against central finite
    /// differences of the same estimate with common random numbers (fixed
    /// eps): every combination of scale parameterization and KL estimator,
    /// on a smooth (tanh) network, a minibatch and a KL weight below 1.
    @Test(arguments: [(BK_VI_LOGSIGMA, BK_VI_KL_CLOSED), (BK_VI_LOGSIGMA, BK_VI_KL_MC),
                      (BK_VI_SOFTPLUS, BK_VI_KL_CLOSED), (BK_VI_SOFTPLUS, BK_VI_KL_MC)])
    func gradientMatchesFiniteDifferences(_ scale: bk_vi_scale_kind, _ kl: bk_vi_kl_kind) throws {
        let net = makeNet([2, 4, 3, 1], [BK_ACT_TANH])
        defer { bk_net_free(net) }
        let n = 9, K = 3
        let x = uniforms(2 * n, seed: 5, scale: 1.5), y = uniforms(n, seed: 6, scale: 1)
        let (vi, msg) = makeVI(net, gaussianLik(0.3), normalPrior(0.8), config(samples: K, batch: 6, scale: scale, kl: kl),
                               x: x, y: y, n: n)
        let v = try #require(vi, Comment(rawValue: msg))
        defer { bk_vi_free(v) }
        let D = bk_vi_dim(v)
        #expect(D == 2 * 4 + 4 + 4 * 3 + 3 + 3 + 1)
        var phi = uniforms(D, seed: 7, scale: 0.8) + uniforms(D, seed: 8, scale: 0.5).map { $0 - 1.5 }
        let eps = normals(K * D, seed: 9)
        let rows: [Int] = [4, 0, 7, 2, 8, 5]
        let beta = 0.3
        func elbo(_ p: [Double]) -> Double {
            var t = bk_vi_terms()
            var err = bk_error()
            #expect(bk_vi_estimate(v, p, eps, 0, 0, rows.count, rows, beta, 1, &t, nil, &err) == 0)
            return t.elbo
        }
        var terms = bk_vi_terms()
        var grad = [Double](repeating: 0, count: 2 * D)
        var err = bk_error()
        #expect(bk_vi_estimate(v, phi, eps, 0, 0, rows.count, rows, beta, 1, &terms, &grad, &err) == 0)
        #expect(abs(terms.elbo - (terms.exp_loglik - beta * terms.kl)) < 1e-12)
        var worst = 0.0
        for i in 0..<(2 * D) {
            let h = 1e-6, keep = phi[i]
            phi[i] = keep + h
            let up = elbo(phi)
            phi[i] = keep - h
            let down = elbo(phi)
            phi[i] = keep
            let fd = (up - down) / (2 * h)
            worst = max(worst, abs(fd - grad[i]) / max(1, abs(fd)))
        }
        #expect(worst < 1e-6, "worst relative gradient error \(worst)")
    }

    /// Same check with a learned noise (D = P + 1) and a Bernoulli likelihood.
    @Test func gradientOfOtherLikelihoods() throws {
        let cases: [([Int], bk_likelihood, [Double])] = [
            ([1, 3, 1], bk_likelihood(kind: Int32(BK_LIK_GAUSSIAN_LEARNED_NOISE.rawValue), sigma: 0, log_sigma_mean: -1,
                                      log_sigma_std: 0.5), uniforms(8, seed: 3, scale: 1)),
            ([1, 3, 1], bk_likelihood(kind: Int32(BK_LIK_BERNOULLI.rawValue), sigma: 0, log_sigma_mean: 0, log_sigma_std: 0),
             [0, 1, 1, 0, 1, 0, 0, 1]),
        ]
        for (widths, lik, y) in cases {
            let net = makeNet(widths, [BK_ACT_SIGMOID])
            defer { bk_net_free(net) }
            let x = uniforms(8, seed: 2, scale: 2)
            let (vi, msg) = makeVI(net, lik, normalPrior(1), config(samples: 2, kl: BK_VI_KL_MC), x: x, y: y, n: 8)
            let v = try #require(vi, Comment(rawValue: msg))
            defer { bk_vi_free(v) }
            let D = bk_vi_dim(v)
            var phi = uniforms(D, seed: 4, scale: 0.7) + [Double](repeating: -1, count: D)
            let eps = normals(2 * D, seed: 10)
            var grad = [Double](repeating: 0, count: 2 * D)
            var t = bk_vi_terms()
            var err = bk_error()
            #expect(bk_vi_estimate(v, phi, eps, 0, 0, 0, nil, 1, 1, &t, &grad, &err) == 0)
            for i in 0..<(2 * D) {
                let h = 1e-6, keep = phi[i]
                var up = bk_vi_terms(), down = bk_vi_terms()
                phi[i] = keep + h
                _ = bk_vi_estimate(v, phi, eps, 0, 0, 0, nil, 1, 1, &up, nil, &err)
                phi[i] = keep - h
                _ = bk_vi_estimate(v, phi, eps, 0, 0, 0, nil, 1, 1, &down, nil, &err)
                phi[i] = keep
                let fd = (up.elbo - down.elbo) / (2 * h)
                #expect(abs(fd - grad[i]) < 1e-6 * max(1, abs(fd)), "parameter \(i) of \(D), likelihood \(lik.kind)")
            }
        }
    }

    /// The closed-form KL against the Monte Carlo estimate (log q − log p of
    /// 4000 independent draws), within 4 Monte Carlo standard errors; and
    /// the closed-form value against a hand computation for one weight.
    @Test func closedFormKLAgreesWithMonteCarlo() throws {
        let net = makeNet([1, 5, 1], [BK_ACT_RELU])
        defer { bk_net_free(net) }
        let x = uniforms(20, seed: 1, scale: 3), y = x.map { sin($0) }
        let (vi, msg) = makeVI(net, gaussianLik(0.1), normalPrior(0.7), config(samples: 1, kl: BK_VI_KL_MC), x: x, y: y, n: 20)
        let v = try #require(vi, Comment(rawValue: msg))
        defer { bk_vi_free(v) }
        let D = bk_vi_dim(v)
        let phi = uniforms(D, seed: 11, scale: 1) + uniforms(D, seed: 12, scale: 0.6).map { $0 - 1 }
        var closed = 0.0
        var err = bk_error()
        #expect(bk_vi_kl_closed(v, phi, &closed, nil, &err) == 0)
        var expected = 0.0
        for i in 0..<D {
            let s = exp(phi[D + i])
            expected += log(0.7 / s) + (s * s + phi[i] * phi[i]) / (2 * 0.49) - 0.5
        }
        #expect(abs(closed - expected) < 1e-12 * abs(expected))
        var values: [Double] = []
        for step in 0..<4000 {
            var t = bk_vi_terms()
            #expect(bk_vi_estimate(v, phi, nil, 77, UInt64(step), 0, nil, 1, 1, &t, nil, &err) == 0)
            values.append(t.kl)
        }
        let mean = values.reduce(0, +) / Double(values.count)
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        let se = sd / Double(values.count).squareRoot()
        #expect(abs(mean - closed) < 4 * se, "MC \(mean) ± \(se), closed form \(closed)")
    }

    /// Same seed, same ELBO trajectory and parameters for 1 and 2 threads,
    /// both on a problem large enough for the parallel path and with
    /// shuffled minibatches.
    @Test func sameTrajectoryForAnyThreadCount() throws {
        let settings: [([Int], Int, Int, Int)] = [([1, 5, 1], 400, 0, 8), ([2, 16, 16, 1], 60, 10, 16)]
        for (widths, n, batch, K) in settings {
            let net = makeNet(widths, [BK_ACT_RELU])
            defer { bk_net_free(net) }
            let x = uniforms(n * widths[0], seed: 21, scale: 2), y = uniforms(n, seed: 22, scale: 1)
            var runs: [([Double], [Double])] = []
            for threads in [1, 2] {
                let (vi, msg) = makeVI(net, gaussianLik(0.2), normalPrior(1), config(samples: K, epochs: 15, batch: batch),
                                       x: x, y: y, n: n)
                let v = try #require(vi, Comment(rawValue: msg))
                defer { bk_vi_free(v) }
                let D = bk_vi_dim(v)
                var phi = [Double](repeating: 0, count: 2 * D)
                let rng = makeRNG(3, 0)
                var err = bk_error()
                #expect(bk_vi_init(rng, v, 0.1, 0.1, -3, &phi, &err) == 0)
                bk_rng_free(rng)
                var elbo = [Double](repeating: 0, count: 15)
                var done = 0
                #expect(bk_vi_run(v, 5, &phi, Int32(threads), nil, &elbo, nil, nil, nil, &done, &err) == 0, "\(errorMessage(err))")
                #expect(done == 15)
                runs.append((elbo, phi))
            }
            #expect(runs[0].0 == runs[1].0, "ELBO trajectories differ for \(widths)")
            #expect(runs[0].1 == runs[1].1)
            #expect(runs[0].0.allSatisfy { $0.isFinite })
        }
    }

    @Test func annealingSchedules() {
        var a = bk_vi_anneal()
        a.kind = Int32(BK_VI_ANNEAL_CONSTANT.rawValue)
        #expect(bk_vi_kl_weight(&a, 0) == 1 && bk_vi_kl_weight(&a, 1234) == 1)
        a.kind = Int32(BK_VI_ANNEAL_LINEAR.rawValue)
        a.warmup = 4
        a.start = 0.2
        #expect([0, 1, 2, 3, 4, 10].map { bk_vi_kl_weight(&a, $0) } == [0.2, 0.4, 0.6000000000000001, 0.8, 1, 1])
        a.kind = Int32(BK_VI_ANNEAL_CYCLICAL.rawValue)
        a.period = 4
        a.ramp = 0.5
        #expect((0..<9).map { bk_vi_kl_weight(&a, $0) } == [0, 0.5, 1, 1, 0, 0.5, 1, 1, 0])
        a.ramp = 0
        #expect(bk_vi_kl_weight(&a, 1).isNaN)
    }

    @Test func badInputIsRejectedWithAMessage() {
        let net = makeNet([1, 5, 1], [BK_ACT_RELU])
        defer { bk_net_free(net) }
        let x = uniforms(20, seed: 1, scale: 3), y = x.map { sin($0) }
        func message(_ lik: bk_likelihood = gaussianLik(0.1), _ prior: bk_prior = normalPrior(1),
                     _ cfg: bk_vi_config = config()) -> String {
            let (vi, msg) = makeVI(net, lik, prior, cfg, x: x, y: y, n: 20)
            bk_vi_free(vi)
            return vi == nil ? msg : "accepted"
        }
        #expect(message(gaussianLik(0.1), normalPrior(-1)) == "prior std must be positive and finite, got -1")
        #expect(message(gaussianLik(0)) == "Gaussian noise std must be positive and finite, got 0")
        #expect(message(gaussianLik(0.1), normalPrior(1), config(samples: 0)) == "number of Monte Carlo samples must be >= 1, got 0")
        #expect(message(gaussianLik(0.1), normalPrior(1), config(epochs: 0)) == "number of epochs must be >= 1, got 0")
        #expect(message(gaussianLik(0.1), normalPrior(1), config(batch: 21)) == "batch size 21 exceeds the 20 data rows")
        #expect(message(gaussianLik(0.1), normalPrior(1), config(lr: -1)) == "learning rate must be positive and finite, got -1")
        var cyc = config()
        cyc.anneal.kind = Int32(BK_VI_ANNEAL_CYCLICAL.rawValue)
        cyc.anneal.period = 0
        #expect(message(gaussianLik(0.1), normalPrior(1), cyc) == "KL cycle period must be >= 1 epoch, got 0")
        #expect(message() == "accepted")
    }

    /// A huge learning rate blows the scales up: the run stops naming the
    /// epoch and leaves the last parameters whose ELBO was finite.
    @Test func divergenceStopsNamingTheEpoch() throws {
        let net = makeNet([1, 5, 1], [BK_ACT_RELU])
        defer { bk_net_free(net) }
        let x = uniforms(20, seed: 1, scale: 3), y = x.map { sin($0) }
        let (vi, msg) = makeVI(net, gaussianLik(0.1), normalPrior(1), config(samples: 5, epochs: 100, lr: 1e3), x: x, y: y, n: 20)
        let v = try #require(vi, Comment(rawValue: msg))
        defer { bk_vi_free(v) }
        let D = bk_vi_dim(v)
        var phi = [Double](repeating: 0, count: 2 * D)
        let rng = makeRNG(0, 0)
        var err = bk_error()
        _ = bk_vi_init(rng, v, 0.1, 0.1, -3, &phi, &err)
        bk_rng_free(rng)
        var elbo = [Double](repeating: 0, count: 100)
        var done = 0
        let st = bk_vi_run(v, 1, &phi, 1, nil, &elbo, nil, nil, nil, &done, &err)
        #expect(st == Int32(BK_ENONFINITE.rawValue))
        let text = errorMessage(err)
        #expect(text.hasPrefix("VI diverged at epoch \(done + 1) of 100: the ELBO estimate or its gradient is not finite"),
                "\(text)")
        #expect(text.hasSuffix("the parameters are the last finite ones; try a smaller learning rate"))
        #expect(done < 100)
        #expect(phi.allSatisfy { $0.isFinite })
        var t = bk_vi_terms()
        #expect(bk_vi_estimate(v, phi, nil, 1, 0, 0, nil, 1, 1, &t, nil, &err) == 0)
    }
}
