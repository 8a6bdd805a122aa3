import CBayesKit
import Foundation
import Testing

// The minibatch estimate behind SGLD/SGHMC (bk_bnn_posterior_minibatch) and the SG-MCMC configuration checks.

@Suite("SG-MCMC kernel")
struct SGMCMCKernelTests {
    /// Averaged over all C(6, 2) = 15 minibatches of 2 rows, the estimate
    /// log p(theta) + (N/B)(1/T) sum_B log p(y_i | theta) and its gradient equal the full tempered
    /// log posterior and gradient exactly (up to rounding): the estimator is unbiased.
    @Test(arguments: [1.0, 0.5])
    func minibatchEstimateIsUnbiased(temperature: Double) throws {
        var net: OpaquePointer?
        let widths = [2, 3, 1]
        var act = Int32(BK_ACT_TANH.rawValue)
        #expect(bk_net_alloc(3, widths, 1, &act, &net, nil) == 0)
        defer { bk_net_free(net) }
        let n = 6
        let x = uniforms(2 * n, seed: 1, scale: 2), y = uniforms(n, seed: 2, scale: 1)
        let lik = bk_likelihood(kind: Int32(BK_LIK_GAUSSIAN.rawValue), sigma: 0.3, log_sigma_mean: 0, log_sigma_std: 0)
        let prior = bk_prior(kind: Int32(BK_PRIOR_NORMAL.rawValue), std: 1, layer_std: nil, nlayer_std: 0)
        let post = makePosterior(net!, lik, prior, temperature: temperature, x: x, y: y, n: n)
        defer { bk_bnn_posterior_free(post) }
        let dim = bk_bnn_posterior_dim(post)
        let theta = uniforms(dim, seed: 3, scale: 1)
        var full = 0.0
        var fullGrad = [Double](repeating: 0, count: dim)
        #expect(bk_bnn_posterior_logdensity(UnsafeMutableRawPointer(post), dim, theta, &full, &fullGrad) == 0)
        var sum = 0.0, count = 0.0
        var sumGrad = [Double](repeating: 0, count: dim)
        for i in 0..<n {
            for j in (i + 1)..<n {
                var lp = 0.0
                var g = [Double](repeating: 0, count: dim)
                let rows: [Int] = [i, j]
                #expect(bk_bnn_posterior_minibatch(UnsafeMutableRawPointer(post), dim, theta, 2, rows, &lp, &g) == 0)
                sum += lp
                for k in 0..<dim { sumGrad[k] += g[k] }
                count += 1
            }
        }
        #expect(abs(sum / count - full) < 1e-10 * max(1, abs(full)))
        for k in 0..<dim { #expect(abs(sumGrad[k] / count - fullGrad[k]) < 1e-10 * max(1, abs(fullGrad[k]))) }

        var lp = 0.0
        let bad: [Int] = [0, 9]
        #expect(bk_bnn_posterior_minibatch(UnsafeMutableRawPointer(post), dim, theta, 2, bad, &lp, nil) == Int32(BK_EINVAL.rawValue))
        #expect(bk_bnn_posterior_minibatch(UnsafeMutableRawPointer(post), dim, theta, 0, bad, &lp, nil) == Int32(BK_EINVAL.rawValue))
    }

    @Test func configurationErrorsNameTheField() {
        var c = bk_sgmcmc_config()
        c.kind = Int32(BK_SGLD.rawValue)
        c.nrows = 10
        c.batch_size = 4
        c.minibatch = bk_bnn_posterior_minibatch
        c.schedule = Int32(BK_SG_CONSTANT.rawValue)
        c.step_size = 1e-3
        var err = bk_error()
        #expect(bk_sgmcmc_config_check(&c, &err) == 0)
        c.minibatch = nil
        #expect(bk_sgmcmc_config_check(&c, &err) == Int32(BK_EINVAL.rawValue))
        #expect(errorMessage(err).contains("minibatch log-density function"))
        c.minibatch = bk_bnn_posterior_minibatch
        c.step_size = .nan
        #expect(bk_sgmcmc_config_check(&c, &err) == Int32(BK_EINVAL.rawValue))
        #expect(errorMessage(err).contains("step size must be > 0 and finite"))
        c.step_size = 1e-3
        c.kind = Int32(BK_SGHMC.rawValue)
        c.friction = 0.1
        c.noise_estimate = 0.2
        #expect(bk_sgmcmc_config_check(&c, &err) == Int32(BK_EINVAL.rawValue))
        #expect(errorMessage(err).contains("noise estimate must be in [0, friction)"))
        c.noise_estimate = 0
        c.schedule = Int32(BK_SG_CYCLICAL.rawValue)
        c.cycles = 2
        c.exploration = 1
        c.total_steps = 100
        #expect(bk_sgmcmc_config_check(&c, &err) == Int32(BK_EINVAL.rawValue))
        #expect(errorMessage(err).contains("exploration fraction must be in [0, 1)"))
    }
}
