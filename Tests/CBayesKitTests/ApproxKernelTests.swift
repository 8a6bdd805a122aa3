import CBayesKit
import Foundation
import Testing

// Dropout masks, masked gradients, MC dropout, ensembles and SWAG moments (csrc/approx).

private func trainConfig(head: bk_head_kind = BK_HEAD_GAUSSIAN, epochs: Int = 1, batch: Int = 0,
                         dropconnect: Double = 0) -> bk_train_config {
    var c = bk_train_config()
    c.head = Int32(head.rawValue)
    c.sigma = 1
    c.epochs = epochs
    c.batch_size = batch
    c.dropconnect = dropconnect
    c.optim = bk_optim_adam_default(0.01)
    c.swa_every = 1
    return c
}

@Suite struct DropoutMasks {
    @Test func masksAreReproducibleAndUnbiased() throws {
        let m = 200_000, p = 0.3
        var a = [Double](repeating: 0, count: m), b = a
        var err = bk_error()
        let r1 = makeRNG(11, 4), r2 = makeRNG(11, 4)
        defer { bk_rng_free(r1); bk_rng_free(r2) }
        #expect(bk_dropout_mask(r1, p, m, &a, &err) == 0)
        #expect(bk_dropout_mask(r2, p, m, &b, &err) == 0)
        #expect(a == b)
        // E[m] = 1, Var[m] = p/(1-p): the mean is within 5 MCSE of 1.
        let mean = a.reduce(0, +) / Double(m)
        #expect(abs(mean - 1) < 5 * (p / (1 - p) / Double(m)).squareRoot(), "\(mean)")
        let zeros = Double(a.filter { $0 == 0 }.count) / Double(m)
        #expect(abs(zeros - p) < 5 * (p * (1 - p) / Double(m)).squareRoot())
        #expect(Set(a) == [0, 1 / (1 - p)])
        #expect(bk_dropout_mask(r1, 1.0, 4, &a, &err) == Int32(BK_EINVAL.rawValue))
        #expect(errorMessage(err).contains("[0, 1)"))
    }

    @Test func mcDropoutIsThreadIndependentAndUnbiased() throws {
        let net = makeNet([1, 16, 1], [BK_ACT_TANH])
        defer { bk_net_free(net) }
        let theta = uniforms(Int(bk_net_nparams(net)), seed: 3, scale: 1)
        let x = [-1.0, 0.2, 0.9], n = 3, t = 20_000
        let rates = [0.2]
        var out1 = [Double](repeating: 0, count: t * n), out2 = out1
        var err = bk_error()
        #expect(bk_approx_mc_dropout(net, theta, rates, 1, 0, t, 5, 0, n, x, &out1, 1, &err) == 0)
        #expect(bk_approx_mc_dropout(net, theta, rates, 1, 0, t, 5, 0, n, x, &out2, 2, &err) == 0)
        #expect(out1 == out2)
        // Dropout before a linear output layer is unbiased: E[f] = the deterministic f.
        var det = [Double](repeating: 0, count: n)
        #expect(bk_net_predict(net, 1, theta, theta.count, n, x, &det, 1, &err) == 0)
        for i in 0..<n {
            let f = (0..<t).map { out1[$0 * n + i] }
            let mean = f.reduce(0, +) / Double(t)
            let sd = (f.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(t - 1)).squareRoot()
            #expect(sd > 0)
            #expect(abs(mean - det[i]) < 5 * sd / Double(t).squareRoot(), "row \(i): \(mean) vs \(det[i])")
        }
        // Rate 0 is the deterministic network.
        var plain = [Double](repeating: 0, count: 2 * n)
        #expect(bk_approx_mc_dropout(net, theta, [0.0], 1, 0, 2, 5, 0, n, x, &plain, 1, &err) == 0)
        #expect(Array(plain[0..<n]) == det && Array(plain[n...]) == det)
        #expect(bk_approx_mc_dropout(net, theta, [0.2, 0.1], 2, 0, 2, 5, 0, n, x, &plain, 1, &err) == Int32(BK_EDIM.rawValue))
        #expect(errorMessage(err).contains("one rate per hidden layer"))
    }

    /// The masked backward pass against central differences with the same masks
    /// (the generator is reset before every evaluation), for every head.
    @Test func maskedGradientsMatchFiniteDifferences() throws {
        let cases: [([Int], bk_head_kind, [Double])] = [
            ([2, 6, 5, 1], BK_HEAD_GAUSSIAN, [0.0, 1.0, -0.5, 0.3, 2.0, 0.1]),
            ([2, 6, 5, 2], BK_HEAD_HETEROSCEDASTIC, [0.0, 1.0, -0.5]),
            ([2, 6, 5, 3], BK_HEAD_CATEGORICAL, [0, 2, 1]),
            ([2, 6, 5, 1], BK_HEAD_BERNOULLI, [0, 1, 1]),
        ]
        for (widths, head, yAll) in cases {
            let net = makeNet(widths, [BK_ACT_TANH, BK_ACT_SIGMOID])
            defer { bk_net_free(net) }
            let p = Int(bk_net_nparams(net)), n = 3
            let theta = uniforms(p, seed: 9, scale: 0.8)
            let x = uniforms(n * 2, seed: 10, scale: 1.5)
            let y = Array(yAll.prefix(n * Int(bk_head_ycols(net, Int32(head.rawValue)))))
            let rates = [0.3, 0.2]
            var cfg = trainConfig(head: head, dropconnect: 0.25)
            let rng = makeRNG(77, 1)
            defer { bk_rng_free(rng) }
            var err = bk_error()
            var loss = 0.0, grad = [Double](repeating: 0, count: p), scratch = grad
            let st = rates.withUnsafeBufferPointer { r -> Int32 in
                cfg.dropout = r.baseAddress
                cfg.ndropout = 2
                bk_rng_reset(rng, 77, 1)
                let s0 = bk_approx_batch_loss(rng, net, &cfg, n, x, y, theta, &loss, &grad, &err)
                guard s0 == 0 else { return s0 }
                for i in 0..<p {
                    var tp = theta, tm = theta
                    let h = 1e-6
                    tp[i] += h
                    tm[i] -= h
                    var lp = 0.0, lm = 0.0
                    bk_rng_reset(rng, 77, 1)
                    _ = bk_approx_batch_loss(rng, net, &cfg, n, x, y, tp, &lp, &scratch, &err)
                    bk_rng_reset(rng, 77, 1)
                    _ = bk_approx_batch_loss(rng, net, &cfg, n, x, y, tm, &lm, &scratch, &err)
                    let fd = (lp - lm) / (2 * h)
                    #expect(abs(fd - grad[i]) < 1e-6 * max(1, abs(fd)), "head \(head.rawValue) param \(i): \(grad[i]) vs \(fd)")
                }
                return 0
            }
            #expect(st == 0, "\(errorMessage(err))")
            #expect(loss.isFinite && grad.contains { $0 != 0 })
        }
    }
}

@Suite struct EnsembleKernel {
    @Test func membersDifferAndDoNotDependOnThreads() throws {
        let net = makeNet([1, 8, 2], [BK_ACT_RELU])
        defer { bk_net_free(net) }
        let n = 20, p = Int(bk_net_nparams(net)), k = 3
        let x = uniforms(n, seed: 1, scale: 3), y = x.map { sin($0) }
        var cfg = trainConfig(head: BK_HEAD_HETEROSCEDASTIC, epochs: 30, batch: 8)
        var t1 = [Double](repeating: 0, count: k * p), t2 = t1
        var h1 = [Double](repeating: 0, count: k * 30), h2 = h1
        var err = bk_error()
        #expect(bk_approx_ensemble_train(net, &cfg, k, 42, 0, n, x, y, &t1, &h1, 1, &err) == 0)
        #expect(bk_approx_ensemble_train(net, &cfg, k, 42, 0, n, x, y, &t2, &h2, 2, &err) == 0)
        #expect(t1 == t2 && h1 == h2)
        #expect(Array(t1[0..<p]) != Array(t1[p..<(2 * p)]))
        #expect(h1[29] < h1[0])  // training lowers the loss
        #expect(bk_approx_ensemble_train(net, &cfg, 0, 42, 0, n, x, y, &t2, nil, 1, &err) == Int32(BK_EINVAL.rawValue))
        #expect(errorMessage(err).contains("K >= 1"))
        cfg.head = Int32(BK_HEAD_GAUSSIAN.rawValue)
        cfg.sigma = -1
        #expect(bk_approx_ensemble_train(net, &cfg, 2, 42, 0, n, x, y, &t2, nil, 1, &err) == Int32(BK_EINVAL.rawValue))
    }
}

@Suite struct SWAGKernel {
    @Test func momentsEqualDirectComputation() throws {
        let dim = 5, rank = 3, count = 7
        let iterates = (0..<count).map { uniforms(dim, seed: UInt64(100 + $0), scale: 2) }
        var swag: OpaquePointer?
        var err = bk_error()
        #expect(bk_swag_alloc(dim, rank, &swag, &err) == 0)
        defer { bk_swag_free(swag) }
        for t in iterates { #expect(bk_swag_collect(swag, t, &err) == 0) }
        #expect(bk_swag_count(swag) == count && bk_swag_rank(swag) == rank)
        var mean = [Double](repeating: 0, count: dim), sq = mean, dev = [Double](repeating: 0, count: rank * dim)
        #expect(bk_swag_moments(swag, &mean, &sq, &dev, &err) == 0)
        for i in 0..<dim {
            let direct = iterates.map { $0[i] }.reduce(0, +) / Double(count)
            let directSq = iterates.map { $0[i] * $0[i] }.reduce(0, +) / Double(count)
            #expect(abs(mean[i] - direct) < 1e-14 && abs(sq[i] - directSq) < 1e-14)
        }
        // Column j (oldest first) is iterate (count - rank + j) minus the running mean after it.
        for j in 0..<rank {
            let idx = count - rank + j
            for i in 0..<dim {
                let running = iterates[0...idx].map { $0[i] }.reduce(0, +) / Double(idx + 1)
                #expect(abs(dev[j * dim + i] - (iterates[idx][i] - running)) < 1e-14)
            }
        }
        // Scale 0 returns the SWA mean; draws have the SWAG moments (20,000 draws, 5 MCSE).
        let rng = makeRNG(8, 0)
        defer { bk_rng_free(rng) }
        var draw = [Double](repeating: 0, count: dim)
        #expect(bk_swag_sample(rng, swag, 0, 0, &draw, &err) == 0 && draw == mean)
        let s = 20_000, scale = 0.5.squareRoot()
        var m1 = [Double](repeating: 0, count: dim), m2 = m1
        for _ in 0..<s {
            _ = bk_swag_sample(rng, swag, scale, 0, &draw, &err)
            for i in 0..<dim {
                m1[i] += draw[i] / Double(s)
                m2[i] += (draw[i] - mean[i]) * (draw[i] - mean[i]) / Double(s)
            }
        }
        for i in 0..<dim {
            var v = max(sq[i] - mean[i] * mean[i], 0)
            for j in 0..<rank { v += dev[j * dim + i] * dev[j * dim + i] / Double(rank - 1) }
            v *= scale * scale
            #expect(abs(m1[i] - mean[i]) < 5 * (v / Double(s)).squareRoot())
            #expect(abs(m2[i] - v) < 5 * v * (2 / Double(s)).squareRoot(), "coord \(i): \(m2[i]) vs \(v)")
        }
        var bad: OpaquePointer?
        #expect(bk_swag_alloc(dim, 0, &bad, &err) == Int32(BK_EINVAL.rawValue))
        #expect(errorMessage(err).contains("rank"))
    }
}

@Suite struct KFACKernel {
    /// A linear network [2 -> 1] with a Gaussian head: A = mean of [x; 1][x; 1]^T, G = 1/sigma^2, exactly.
    @Test func factorsOfALinearModelAreKnown() throws {
        let net = makeNet([2, 1], [])
        defer { bk_net_free(net) }
        let x = [0.5, -1.0, 2.0, 0.25, -1.5, 1.0], y = [0.1, 0.7, -0.4], n = 3
        let theta = [0.3, -0.2, 0.05]
        var lik = bk_likelihood()
        lik.kind = Int32(BK_LIK_GAUSSIAN.rawValue)
        lik.sigma = 0.5
        #expect(bk_kfac_size(net) == 9 + 1 && bk_kfac_nvalues(net) == 4)
        var factors = [Double](repeating: 0, count: 10), loglik = 0.0
        var err = bk_error()
        #expect(bk_kfac_factors(net, theta, &lik, n, x, y, &factors, &loglik, &err) == 0)
        for i in 0..<3 {
            for j in 0..<3 {
                let a = (0..<n).map { r -> Double in
                    let u = [x[2 * r], x[2 * r + 1], 1.0]
                    return u[i] * u[j]
                }.reduce(0, +) / Double(n)
                #expect(abs(factors[i * 3 + j] - a) < 1e-14)
            }
        }
        #expect(abs(factors[9] - 4) < 1e-14)
        var expected = 0.0
        for r in 0..<n {
            let f = theta[0] * x[2 * r] + theta[1] * x[2 * r + 1] + theta[2]
            expected += -0.5 * (y[r] - f) * (y[r] - f) / 0.25 - log(0.5) - 0.5 * log(2 * Double.pi)
        }
        #expect(abs(loglik - expected) < 1e-12)
        // Bad input: learned noise, non-positive prior precision.
        lik.kind = Int32(BK_LIK_GAUSSIAN_LEARNED_NOISE.rawValue)
        lik.log_sigma_std = 1
        #expect(bk_kfac_factors(net, theta, &lik, n, x, y, &factors, &loglik, &err) == Int32(BK_EINVAL.rawValue))
        #expect(errorMessage(err).contains("fixed noise"))
        var vectors = factors, values = [Double](repeating: 0, count: 4)
        #expect(bk_kfac_eigen(net, factors, &vectors, &values, &err) == 0)
        var mean = [0.0], cov = [0.0]
        #expect(bk_kfac_predict(net, theta, vectors, values, 3, 0, 1, x, &mean, &cov, &err) == Int32(BK_EINVAL.rawValue))
        #expect(errorMessage(err).contains("prior precision"))
    }
}

@Suite struct AdversarialKernel {
    /// The input gradient of the masked backward pass agrees with finite
    /// differences of the loss in x, and bad steps are refused.
    @Test func fastGradientSignStepsRaiseTheLoss() throws {
        let net = makeNet([2, 8, 1], [BK_ACT_TANH])
        defer { bk_net_free(net) }
        let theta = uniforms(Int(bk_net_nparams(net)), seed: 4, scale: 1)
        let x = [0.3, -0.2, 1.0, 0.5, -0.7, 0.1], y = [0.2, -0.3, 0.9], n = 3
        var cfg = trainConfig()
        var err = bk_error()
        var clean = 0.0, adv = 0.0
        let eps = [0.05, 0.05]
        #expect(bk_approx_adversarial_loss(net, &cfg, n, x, y, theta, eps, &clean, &adv, &err) == 0)
        #expect(adv > clean)
        let zero = [0.0, 0.0]
        var clean0 = 0.0, adv0 = 0.0
        #expect(bk_approx_adversarial_loss(net, &cfg, n, x, y, theta, zero, &clean0, &adv0, &err) == 0)
        #expect(clean0 == clean && adv0 == clean)
        let bad = [0.1, -1.0]
        #expect(bk_approx_adversarial_loss(net, &cfg, n, x, y, theta, bad, &clean, &adv, &err) == Int32(BK_EINVAL.rawValue))
        #expect(errorMessage(err).contains("adversarial step of input 1"))
    }
}
