import CBayesKit
import Foundation
import Testing

/// Informal timing of the seed 000 posterior (1-5-1 ReLU, 20 rows). Prints
/// only; never asserts a time. Run with BAYESKIT_TIMING=1.
@Suite struct NetworkTiming {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BAYESKIT_TIMING"] != nil))
    func seedPosteriorEvaluations() {
        let net = makeNet([1, 5, 1], [BK_ACT_RELU])
        defer { bk_net_free(net) }
        let x = uniforms(20, seed: 1, scale: 3), y = x.map { sin($0) }
        let post = makePosterior(
            net, bk_likelihood(kind: Int32(BK_LIK_GAUSSIAN.rawValue), sigma: 0.1, log_sigma_mean: 0, log_sigma_std: 0),
            bk_prior(kind: Int32(BK_PRIOR_NORMAL.rawValue), std: 1, layer_std: nil, nlayer_std: 0), x: x, y: y, n: 20)
        defer { bk_bnn_posterior_free(post) }
        let ctx = UnsafeMutableRawPointer(post)
        var theta = uniforms(16, seed: 2, scale: 1)
        var grad = [Double](repeating: 0, count: 16)
        let rng = makeRNG(3, 0)
        defer { bk_rng_free(rng) }
        func time(_ label: String, _ body: () -> Double) {
            _ = body()   // warm-up
            var best = Double.infinity, sink = 0.0
            for _ in 0..<5 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                sink += body()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
            }
            print(String(format: "%@: %.3f ms per 10,000 (%.0f ns each) [sink %g]", label, best * 1e3, best * 1e5, sink))
        }
        time("log density, value only") {
            var lp = 0.0, acc = 0.0
            for i in 0..<10_000 {
                theta[i & 15] += 1e-9
                _ = bk_bnn_posterior_logdensity(ctx, 16, theta, &lp, nil)
                acc += lp
            }
            return acc
        }
        time("log density + gradient") {
            var lp = 0.0, acc = 0.0
            for i in 0..<10_000 {
                theta[i & 15] += 1e-9
                _ = bk_bnn_posterior_logdensity(ctx, 16, theta, &lp, &grad)
                acc += lp + grad[0]
            }
            return acc
        }
        time("random-walk MH (Swift loop, C density)") {
            var cur = theta, prop = theta, lpCur = 0.0, lpProp = 0.0, accepted = 0.0
            _ = bk_bnn_posterior_logdensity(ctx, 16, cur, &lpCur, nil)
            for _ in 0..<10_000 {
                for j in 0..<16 { prop[j] = cur[j] + 0.01 * bk_rng_normal(rng) }
                _ = bk_bnn_posterior_logdensity(ctx, 16, prop, &lpProp, nil)
                if log(bk_rng_uniform_pos(rng)) < lpProp - lpCur {
                    swap(&cur, &prop)
                    lpCur = lpProp
                    accepted += 1
                }
            }
            return accepted / 10_000
        }
    }
}
