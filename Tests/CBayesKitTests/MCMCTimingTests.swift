import CBayesKit
import Foundation
import Testing

/// Informal timing of seed 000's MH (10,000 random-walk steps, 1-5-1 ReLU
/// posterior on 20 rows, one chain) through the C driver. Prints only; never
/// asserts a time. Run with BAYESKIT_TIMING=1 (release build for real numbers).
@Suite struct MCMCTiming {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BAYESKIT_TIMING"] != nil))
    func seedMH() {
        var net: OpaquePointer?
        let widths = [1, 5, 1], acts = [Int32(BK_ACT_RELU.rawValue)]
        _ = bk_net_alloc(3, widths, 1, acts, &net, nil)
        defer { bk_net_free(net) }
        let x = (0..<20).map { -3 + 6 * Double($0) / 19 }, y = x.map { sin($0) }
        var lik = bk_likelihood(kind: Int32(BK_LIK_GAUSSIAN.rawValue), sigma: 0.1, log_sigma_mean: 0, log_sigma_std: 0)
        var prior = bk_prior(kind: Int32(BK_PRIOR_NORMAL.rawValue), std: 1, layer_std: nil, nlayer_std: 0)
        var post: OpaquePointer?
        _ = bk_bnn_posterior_alloc(net, &lik, &prior, 1, 20, x, y, &post, nil)
        defer { bk_bnn_posterior_free(post) }
        var ctxs: [UnsafeMutableRawPointer?] = [UnsafeMutableRawPointer(post)]
        var kcfg = bk_mh_config()
        kcfg.kind = Int32(BK_MH_RANDOM_WALK.rawValue)
        kcfg.scale = 0.01
        var cfg = bk_mcmc_config()
        cfg.nchains = 1
        cfg.draws = 10_000
        cfg.thin = 10
        cfg.nthreads = 1
        let initial = (0..<16).map { 0.3 * sin(Double($0 + 1)) }
        var draws = [Double](repeating: 0, count: 1000 * 16)
        var stats = bk_mcmc_chain_stats()
        var best = Double.infinity, bestKernel = Double.infinity
        for rep in 0..<20 {
            cfg.seed = UInt64(rep)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let st = ctxs.withUnsafeMutableBufferPointer { c -> Int32 in
                var model = bk_mcmc_model(dim: 16, logdensity: bk_bnn_posterior_logdensity, ctxs: c.baseAddress,
                                          message: nil, serial: 0)
                return bk_mcmc_run(bk_mh_kernel_type(), &kcfg, &model, &cfg, initial, &draws, nil, nil, &stats, nil, nil, nil)
            }
            precondition(st == 0)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
            bestKernel = min(bestKernel, stats.sampling_s)
        }
        print(String(format: "seed MH, 10,000 steps: %.3f ms per run via bk_mcmc_run (%.3f ms in the loop, %.0f ns/step), acceptance %.3f",
                     best * 1e3, bestKernel * 1e3, bestKernel * 1e5, stats.acceptance_rate))
        // The log density alone, for the share of the step spent in the model.
        var lp = 0.0, sink = 0.0, theta = initial
        let t0 = DispatchTime.now().uptimeNanoseconds
        for i in 0..<10_000 {
            theta[i & 15] += 1e-9
            _ = bk_bnn_posterior_logdensity(UnsafeMutableRawPointer(post), 16, theta, &lp, nil)
            sink += lp
        }
        print(String(format: "  10,000 log densities alone: %.3f ms [%g]", Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-6, sink))
    }
}
