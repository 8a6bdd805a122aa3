import CBayesKit
import Foundation
import Testing

// Known-answer and gradient tests of the C network engine (csrc/nn).

/// A C network; freed by the caller.
func makeNet(_ widths: [Int], _ acts: [bk_activation]) -> OpaquePointer {
    var out: OpaquePointer?
    var err = bk_error()
    let codes = acts.map { Int32($0.rawValue) }
    let st = bk_net_alloc(widths.count, widths, codes.count, codes, &out, &err)
    precondition(st == 0, "bk_net_alloc failed")
    return out!
}

func errorMessage(_ err: bk_error) -> String {
    var e = err
    return withUnsafeBytes(of: &e.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
}

/// Independent reference forward pass (plain Swift): returns the outputs and
/// every hidden pre-activation, so tests can keep ReLU away from its kink.
func referenceForward(_ widths: [Int], _ acts: [bk_activation], _ theta: [Double], _ x: [Double], _ n: Int)
    -> (out: [Double], pre: [Double]) {
    var a = x, pre: [Double] = [], off = 0
    for l in 0..<(widths.count - 1) {
        let i = widths[l], o = widths[l + 1]
        var z = [Double](repeating: 0, count: n * o)
        for r in 0..<n {
            for u in 0..<o {
                var s = theta[off + o * i + u]
                for j in 0..<i { s += theta[off + u * i + j] * a[r * i + j] }
                z[r * o + u] = s
            }
        }
        off += o * (i + 1)
        if l == widths.count - 2 { return (z, pre) }
        pre += z
        let act = acts.count == 1 ? acts[0] : acts[l]
        a = z.map { v in
            switch act {
            case BK_ACT_RELU: return max(v, 0)
            case BK_ACT_TANH: return tanh(v)
            case BK_ACT_SIGMOID: return 1 / (1 + exp(-v))
            case BK_ACT_SOFTPLUS: return log1p(exp(v))
            case BK_ACT_SIN: return sin(v)
            default: return v
            }
        }
    }
    return (a, pre)
}

/// Deterministic pseudo-random numbers in (-scale, scale) from a BayesKit stream.
func uniforms(_ count: Int, seed: UInt64, scale: Double) -> [Double] {
    let rng = makeRNG(seed, 0)
    defer { bk_rng_free(rng) }
    return (0..<count).map { _ in scale * (2 * bk_rng_uniform(rng) - 1) }
}

/// A posterior over random data; freed by the caller.
func makePosterior(_ net: OpaquePointer, _ lik: bk_likelihood, _ prior: bk_prior, temperature: Double = 1,
                   x: [Double], y: [Double], n: Int) -> OpaquePointer {
    var out: OpaquePointer?
    var err = bk_error()
    var lik = lik, prior = prior
    let st = bk_bnn_posterior_alloc(net, &lik, &prior, temperature, n, x, y, &out, &err)
    precondition(st == 0, "posterior: \(errorMessage(err))")
    return out!
}

/// max_i |g_i - fd_i| / max(max_i |fd_i|, 1).
func gradientError(_ post: OpaquePointer, _ theta: [Double]) -> (value: Double, error: Double) {
    let dim = bk_bnn_posterior_dim(post)
    var lp = 0.0
    var g = [Double](repeating: 0, count: dim), fd = g
    var err = bk_error()
    let ctx = UnsafeMutableRawPointer(post)
    #expect(bk_bnn_posterior_logdensity(ctx, dim, theta, &lp, &g) == 0)
    #expect(bk_logdensity_fd_gradient(bk_bnn_posterior_logdensity, ctx, dim, theta, 1e-5, &fd, &err) == 0)
    var lp2 = 0.0
    #expect(bk_bnn_posterior_logdensity(ctx, dim, theta, &lp2, nil) == 0)
    #expect(lp2 == lp, "value without gradient equals value with gradient")
    let scale = max(fd.map(abs).max() ?? 0, 1)
    return (lp, zip(g, fd).map { abs($0 - $1) }.max()! / scale)
}

@Suite struct NetworkEngine {
    /// 2-2-1 ReLU network with dyadic weights: every output is exact.
    @Test func forwardOnAHandComputedNetwork() {
        let net = makeNet([2, 2, 1], [BK_ACT_RELU])
        defer { bk_net_free(net) }
        // W0 = [[1, -2], [0.5, 3]], b0 = [0.25, -1], W1 = [[2, -1]], b1 = [0.5]
        let theta: [Double] = [1, -2, 0.5, 3, 0.25, -1, 2, -1, 0.5]
        #expect(bk_net_nparams(net) == 9)
        let x: [Double] = [1, 1, 2, -1, 0.5, 0.5]
        var ws: OpaquePointer?
        var err = bk_error()
        #expect(bk_net_work_alloc(net, 3, &ws, &err) == 0)
        defer { bk_net_work_free(ws) }
        var out = [Double](repeating: .nan, count: 3)
        #expect(bk_net_forward(net, theta, 3, x, &out, ws, &err) == 0)
        // row 0: z = (-0.75, 2.5) -> (0, 2.5) -> -2; row 1: (4.25, -3) -> 9; row 2: (-0.25, 0.75) -> -0.25
        #expect(out == [-2, 9, -0.25])
        let hidden = bk_net_work_activations(ws, 1)!
        #expect(Array(UnsafeBufferPointer(start: hidden, count: 6)) == [0, 4.25, 0, 2.5, 0, 0.75])   // unit-major
        // d out / d x for row 0 (only unit 1 active): W1[0,1] * W0[1,:] = -1 * (0.5, 3)
        var gtheta = [Double](repeating: 0, count: 9), gx = [Double](repeating: 0, count: 6)
        let dout: [Double] = [1, 0, 0]
        #expect(bk_net_backward(net, theta, dout, &gtheta, &gx, ws, &err) == 0)
        #expect(gx == [-0.5, -3, 0, 0, 0, 0])
        // dW1 = a1 row 0 = (0, 2.5), db1 = 1; dW0 row 1 = -1 * x0, db0 = (0, -1)
        #expect(gtheta == [0, 0, -1, -1, 0, -1, 0, 2.5, 1])
    }

    @Test func forwardMatchesTheReferenceForEveryActivation() {
        let widths = [3, 4, 5, 2]
        for act in [BK_ACT_IDENTITY, BK_ACT_RELU, BK_ACT_TANH, BK_ACT_SIGMOID, BK_ACT_SOFTPLUS, BK_ACT_SIN] {
            let net = makeNet(widths, [act])
            defer { bk_net_free(net) }
            let p = bk_net_nparams(net), n = 7
            let theta = uniforms(p, seed: 1, scale: 1), x = uniforms(n * 3, seed: 2, scale: 2)
            var out = [Double](repeating: 0, count: n * 2)
            var err = bk_error()
            var ws: OpaquePointer?
            #expect(bk_net_work_alloc(net, n, &ws, &err) == 0)
            #expect(bk_net_forward(net, theta, n, x, &out, ws, &err) == 0)
            bk_net_work_free(ws)
            let ref = referenceForward(widths, [act], theta, x, n).out
            #expect(zip(out, ref).allSatisfy { abs($0 - $1) <= 1e-14 * max(1, abs($1)) }, "\(bk_activation_name(Int32(act.rawValue)).map { String(cString: $0) } ?? "?")")
        }
    }

    /// A network wide enough to take the cblas_dgemm path agrees with the reference too.
    @Test func blasPathMatchesTheReference() {
        let widths = [10, 32, 32, 3]
        let net = makeNet(widths, [BK_ACT_TANH])
        defer { bk_net_free(net) }
        let p = bk_net_nparams(net), n = 50
        let theta = uniforms(p, seed: 3, scale: 0.3), x = uniforms(n * 10, seed: 4, scale: 1)
        var out = [Double](repeating: 0, count: n * 3)
        var ws: OpaquePointer?
        var err = bk_error()
        #expect(bk_net_work_alloc(net, n, &ws, &err) == 0)
        defer { bk_net_work_free(ws) }
        #expect(bk_net_forward(net, theta, n, x, &out, ws, &err) == 0)
        let ref = referenceForward(widths, [BK_ACT_TANH], theta, x, n).out
        #expect(zip(out, ref).allSatisfy { abs($0 - $1) <= 1e-13 })
    }

    /// Layers big enough for cblas_dgemm (16 x 16 over 40 rows) next to small
    /// ones: weight gradient of the posterior and input gradient of
    /// L = sum(dout * f) against central differences.
    @Test func blasPathGradientsAndInputGradient() {
        let widths = [3, 16, 16, 2], n = 40
        let net = makeNet(widths, [BK_ACT_TANH, BK_ACT_SOFTPLUS])
        defer { bk_net_free(net) }
        let p = bk_net_nparams(net)
        let x = uniforms(n * 3, seed: 60, scale: 1.5), y = uniforms(n * 2, seed: 61, scale: 1)
        let theta = uniforms(p, seed: 62, scale: 0.5)
        let post = makePosterior(net, bk_likelihood(kind: Int32(BK_LIK_GAUSSIAN.rawValue), sigma: 0.5, log_sigma_mean: 0, log_sigma_std: 0),
                                 bk_prior(kind: Int32(BK_PRIOR_FAN_IN.rawValue), std: 1, layer_std: nil, nlayer_std: 0),
                                 x: x, y: y, n: n)
        defer { bk_bnn_posterior_free(post) }
        #expect(gradientError(post, theta).error < 1e-6)

        var ws: OpaquePointer?
        var err = bk_error()
        #expect(bk_net_work_alloc(net, n, &ws, &err) == 0)
        defer { bk_net_work_free(ws) }
        let dout = uniforms(n * 2, seed: 63, scale: 1)
        var f = [Double](repeating: 0, count: n * 2)
        func loss(_ xs: [Double]) -> Double {
            _ = bk_net_forward(net, theta, n, xs, &f, ws, &err)
            return zip(f, dout).reduce(0) { $0 + $1.0 * $1.1 }
        }
        _ = loss(x)
        var gtheta = [Double](repeating: 0, count: p), gx = [Double](repeating: 0, count: n * 3)
        #expect(bk_net_backward(net, theta, dout, &gtheta, &gx, ws, &err) == 0)
        var xs = x, worst = 0.0
        for i in 0..<(n * 3) {
            xs[i] = x[i] + 1e-6
            let lp = loss(xs)
            xs[i] = x[i] - 1e-6
            let lm = loss(xs)
            xs[i] = x[i]
            worst = max(worst, abs((lp - lm) / 2e-6 - gx[i]))
        }
        #expect(worst / max(gx.map(abs).max()!, 1) < 1e-6)
    }

    @Test func parameterNamesFollowTheConventions() {
        let net = makeNet([1, 5, 1], [BK_ACT_RELU])
        defer { bk_net_free(net) }
        var buf = [CChar](repeating: 0, count: 32)
        var err = bk_error()
        func name(_ i: Int) -> String {
            #expect(bk_net_param_name(net, i, &buf, buf.count, &err) == 0)
            return String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        #expect(bk_net_nparams(net) == 16)
        #expect(name(0) == "layer0.W[0,0]")
        #expect(name(4) == "layer0.W[4,0]")
        #expect(name(5) == "layer0.b[0]")
        #expect(name(10) == "layer1.W[0,0]")
        #expect(name(14) == "layer1.W[0,4]")
        #expect(name(15) == "layer1.b[0]")
        #expect(bk_net_layer_offset(net, 1) == 10)
        #expect(bk_net_param_name(net, 16, &buf, buf.count, &err) == BK_EINVAL.rawValue)
        #expect(errorMessage(err) == "parameter index 16 is out of range for 16 parameters")
    }

    /// Gradient of the Gaussian posterior vs central differences, every activation,
    /// weights chosen (by seed) so no hidden pre-activation is within 0.05 of 0.
    @Test(arguments: [BK_ACT_IDENTITY, BK_ACT_RELU, BK_ACT_TANH, BK_ACT_SIGMOID, BK_ACT_SOFTPLUS, BK_ACT_SIN])
    func gradientMatchesFiniteDifferences(act: bk_activation) {
        let widths = [2, 4, 3, 2], n = 9
        let net = makeNet(widths, [act])
        defer { bk_net_free(net) }
        let p = bk_net_nparams(net)
        let x = uniforms(n * 2, seed: 10, scale: 1.5), y = uniforms(n * 2, seed: 11, scale: 1)
        var seed: UInt64 = 100
        var theta = uniforms(p, seed: seed, scale: 1)
        while referenceForward(widths, [act], theta, x, n).pre.contains(where: { abs($0) < 0.05 }) {
            seed += 1
            theta = uniforms(p, seed: seed, scale: 1)
        }
        let post = makePosterior(net, bk_likelihood(kind: Int32(BK_LIK_GAUSSIAN.rawValue), sigma: 0.3, log_sigma_mean: 0, log_sigma_std: 0),
                                 bk_prior(kind: Int32(BK_PRIOR_NORMAL.rawValue), std: 1.5, layer_std: nil, nlayer_std: 0),
                                 x: x, y: y, n: n)
        defer { bk_bnn_posterior_free(post) }
        let (_, e) = gradientError(post, theta)
        #expect(e < 1e-6)
    }

    /// 1-H-1 networks take a fused value-only path (rows inner, no stored
    /// activations) when no gradient is asked for; it must agree with the
    /// layered pass used with gradients and by bk_net_forward.
    @Test(arguments: [BK_ACT_IDENTITY, BK_ACT_RELU, BK_ACT_TANH, BK_ACT_SIGMOID, BK_ACT_SOFTPLUS, BK_ACT_SIN])
    func fusedOneHiddenLayerPathMatchesTheLayeredPath(act: bk_activation) {
        let net = makeNet([1, 7, 1], [act])
        defer { bk_net_free(net) }
        let n = 13
        let x = uniforms(n, seed: 50, scale: 3), y = x.map { sin($0) }
        let post = makePosterior(net, bk_likelihood(kind: Int32(BK_LIK_GAUSSIAN.rawValue), sigma: 0.2, log_sigma_mean: 0, log_sigma_std: 0),
                                 bk_prior(kind: Int32(BK_PRIOR_NORMAL.rawValue), std: 1, layer_std: nil, nlayer_std: 0),
                                 x: x, y: y, n: n)
        defer { bk_bnn_posterior_free(post) }
        let theta = uniforms(22, seed: 51, scale: 1.2)
        var a = 0.0, b = 0.0
        var g = [Double](repeating: 0, count: 22)
        #expect(bk_bnn_posterior_logdensity(UnsafeMutableRawPointer(post), 22, theta, &a, nil) == 0)
        #expect(bk_bnn_posterior_logdensity(UnsafeMutableRawPointer(post), 22, theta, &b, &g) == 0)
        #expect(a == b)
        var err = bk_error()
        var fused = [Double](repeating: 0, count: n), layered = fused
        #expect(bk_net_predict(net, 1, theta, 22, n, x, &fused, 1, &err) == 0)
        var ws: OpaquePointer?
        #expect(bk_net_work_alloc(net, n, &ws, &err) == 0)
        defer { bk_net_work_free(ws) }
        #expect(bk_net_forward(net, theta, n, x, &layered, ws, &err) == 0)
        #expect(fused == layered)
        #expect(zip(layered, referenceForward([1, 7, 1], [act], theta, x, n).out).allSatisfy { abs($0 - $1) < 1e-14 })
    }

    /// Every likelihood, prior kind and a temperature != 1.
    @Test func likelihoodPriorAndTemperatureGradients() {
        let widths = [2, 5, 3], n = 11
        let net = makeNet(widths, [BK_ACT_TANH])
        defer { bk_net_free(net) }
        let p = bk_net_nparams(net)
        let x = uniforms(n * 2, seed: 20, scale: 1.5)
        let yReal = uniforms(n * 3, seed: 21, scale: 1)
        let yClass = uniforms(n, seed: 22, scale: 1).map { floor(($0 + 1) * 1.5) }   // 0, 1, 2
        let layerStd: [Double] = [0.7, 2.0]
        let priors: [bk_prior] = [
            bk_prior(kind: Int32(BK_PRIOR_NORMAL.rawValue), std: 1, layer_std: nil, nlayer_std: 0),
            bk_prior(kind: Int32(BK_PRIOR_PER_LAYER.rawValue), std: 0, layer_std: nil, nlayer_std: 2),  // pointer set below
            bk_prior(kind: Int32(BK_PRIOR_FAN_IN.rawValue), std: 2, layer_std: nil, nlayer_std: 0)]
        func lik(_ k: bk_likelihood_kind, sigma: Double = 0) -> bk_likelihood {
            bk_likelihood(kind: Int32(k.rawValue), sigma: sigma, log_sigma_mean: -1, log_sigma_std: 0.5)
        }
        // Gaussian (fixed and learned noise) and categorical use the 3-output net
        for (l, y) in [(lik(BK_LIK_GAUSSIAN, sigma: 0.2), yReal), (lik(BK_LIK_GAUSSIAN_LEARNED_NOISE), yReal),
                       (lik(BK_LIK_CATEGORICAL), yClass)] {
            for prior in priors {
                for temperature in [1.0, 0.3] {
                    // priors hold a pointer into layerStd: the posterior copies it at alloc
                    let post = layerStd.withUnsafeBufferPointer { ls -> OpaquePointer in
                        var pr = prior
                        if pr.kind == Int32(BK_PRIOR_PER_LAYER.rawValue) { pr.layer_std = ls.baseAddress }
                        return makePosterior(net, l, pr, temperature: temperature, x: x, y: y, n: n)
                    }
                    defer { bk_bnn_posterior_free(post) }
                    var theta = uniforms(p, seed: 23, scale: 1)
                    if l.kind == Int32(BK_LIK_GAUSSIAN_LEARNED_NOISE.rawValue) { theta.append(-0.7) }
                    #expect(bk_bnn_posterior_dim(post) == theta.count)
                    let (_, e) = gradientError(post, theta)
                    #expect(e < 1e-6, "likelihood \(l.kind), prior \(prior.kind), T \(temperature)")
                }
            }
        }
        // Bernoulli needs one output
        let net1 = makeNet([2, 5, 1], [BK_ACT_SOFTPLUS])
        defer { bk_net_free(net1) }
        let yBin = yClass.map { $0 == 0 ? 0.0 : 1.0 }
        let post = makePosterior(net1, lik(BK_LIK_BERNOULLI), priors[0], x: x, y: yBin, n: n)
        defer { bk_bnn_posterior_free(post) }
        let (_, e) = gradientError(post, uniforms(bk_net_nparams(net1), seed: 24, scale: 1.5))
        #expect(e < 1e-6)
    }

    @Test func predictiveEqualsSingleForwardsForAnyThreadCount() {
        let widths = [1, 16, 16, 1]
        let net = makeNet(widths, [BK_ACT_TANH])
        defer { bk_net_free(net) }
        let p = bk_net_nparams(net), s = 37, n = 25, ld = p + 1   // trailing extra column is skipped
        let thetas = uniforms(s * ld, seed: 30, scale: 1), x = uniforms(n, seed: 31, scale: 3)
        var err = bk_error()
        var out1 = [Double](repeating: 0, count: s * n), out2 = out1
        #expect(bk_net_predict(net, s, thetas, ld, n, x, &out1, 1, &err) == 0)
        #expect(bk_net_predict(net, s, thetas, ld, n, x, &out2, 2, &err) == 0)
        #expect(out1 == out2)
        var ws: OpaquePointer?
        #expect(bk_net_work_alloc(net, n, &ws, &err) == 0)
        defer { bk_net_work_free(ws) }
        var single = [Double](repeating: 0, count: n)
        for k in 0..<s {
            let theta = Array(thetas[(k * ld)..<(k * ld + p)])
            #expect(bk_net_forward(net, theta, n, x, &single, ws, &err) == 0)
            #expect(Array(out1[(k * n)..<((k + 1) * n)]) == single)
        }
        #expect(bk_net_predict(net, s, thetas, p - 1, n, x, &out1, 1, &err) == BK_EDIM.rawValue)
        #expect(errorMessage(err) == "weight rows have stride \(p - 1) but the network has \(p) parameters")
    }

    /// Clones share data and give identical values; extreme weights give a
    /// non-finite value with success, never a crash.
    @Test func clonesAndExtremeWeights() {
        let net = makeNet([1, 5, 1], [BK_ACT_RELU])
        defer { bk_net_free(net) }
        let x = uniforms(20, seed: 40, scale: 3), y = x.map { sin($0) }
        var post: OpaquePointer? = makePosterior(
            net, bk_likelihood(kind: Int32(BK_LIK_GAUSSIAN.rawValue), sigma: 0.1, log_sigma_mean: 0, log_sigma_std: 0),
            bk_prior(kind: Int32(BK_PRIOR_NORMAL.rawValue), std: 1, layer_std: nil, nlayer_std: 0), x: x, y: y, n: 20)
        var clone: OpaquePointer?
        var err = bk_error()
        #expect(bk_bnn_posterior_clone(post, &clone, &err) == 0)
        let theta = uniforms(16, seed: 41, scale: 1)
        var a = 0.0, b = 0.0
        #expect(bk_bnn_posterior_logdensity(UnsafeMutableRawPointer(post!), 16, theta, &a, nil) == 0)
        bk_bnn_posterior_free(post)   // the clone keeps the shared data alive
        post = nil
        #expect(bk_bnn_posterior_logdensity(UnsafeMutableRawPointer(clone!), 16, theta, &b, nil) == 0)
        #expect(a == b && a.isFinite)
        var g = [Double](repeating: 0, count: 16)
        var huge = theta
        huge[0] = 1e200
        huge[10] = 1e200
        #expect(bk_bnn_posterior_logdensity(UnsafeMutableRawPointer(clone!), 16, huge, &b, &g) == 0)
        #expect(!b.isFinite)
        huge[0] = .nan
        #expect(bk_bnn_posterior_logdensity(UnsafeMutableRawPointer(clone!), 16, huge, &b, &g) == 0)
        #expect(b.isNaN)
        #expect(bk_bnn_posterior_logdensity(UnsafeMutableRawPointer(clone!), 15, theta, &b, nil) == BK_EDIM.rawValue)
        #expect(errorMessage(bk_bnn_posterior_error(clone).pointee)
            == "log density called with 15 parameters, the posterior has 16")
        bk_bnn_posterior_free(clone)
    }

    @Test func badNetworksAndDataAreRejectedWithMessages() {
        var out: OpaquePointer?
        var err = bk_error()
        let relu = [Int32(BK_ACT_RELU.rawValue)]
        #expect(bk_net_alloc(3, [1, 0, 1], 1, relu, &out, &err) == BK_EINVAL.rawValue)
        #expect(errorMessage(err) == "layer width 1 is 0; every width must be >= 1")
        #expect(bk_net_alloc(1, [3], 1, relu, &out, &err) == BK_EINVAL.rawValue)
        #expect(errorMessage(err) == "a network needs at least 2 layer widths (inputs and outputs), got 1")
        #expect(bk_net_alloc(4, [1, 3, 3, 1], 3, relu + relu + relu, &out, &err) == BK_EDIM.rawValue)
        #expect(errorMessage(err) == "3 activations given for 2 hidden layers; give 1 (shared) or one per hidden layer")
        #expect(bk_net_alloc(3, [1, 3, 1], 1, [99], &out, &err) == BK_EINVAL.rawValue)
        #expect(errorMessage(err) == "activation 0 has unknown code 99")
        #expect(out == nil)

        let net = makeNet([1, 3, 1], [BK_ACT_RELU])
        defer { bk_net_free(net) }
        var lik = bk_likelihood(kind: Int32(BK_LIK_GAUSSIAN.rawValue), sigma: 0.1, log_sigma_mean: 0, log_sigma_std: 0)
        var prior = bk_prior(kind: Int32(BK_PRIOR_NORMAL.rawValue), std: 1, layer_std: nil, nlayer_std: 0)
        func alloc(_ x: [Double], _ y: [Double], temperature: Double = 1) -> (UInt32, String) {
            var post: OpaquePointer?
            let st = bk_bnn_posterior_alloc(net, &lik, &prior, temperature, x.count, x, y, &post, &err)
            bk_bnn_posterior_free(post)
            return (UInt32(st), errorMessage(err))
        }
        #expect(alloc([0, .nan, 1], [0, 0, 0]) == (BK_ENONFINITE.rawValue, "x is not finite at row 1, column 0 (NaN or infinity in data)"))
        #expect(alloc([0, 1, 1], [0, 0, .infinity]) == (BK_ENONFINITE.rawValue, "y is not finite at row 2, column 0 (NaN or infinity in data)"))
        #expect(alloc([], []) == (BK_EINVAL.rawValue, "data have no rows"))
        #expect(alloc([1], [1], temperature: 0) == (BK_EINVAL.rawValue, "temperature must be positive and finite, got 0"))
        lik.sigma = -1
        #expect(alloc([1], [1]) == (BK_EINVAL.rawValue, "Gaussian noise std must be positive and finite, got -1"))
        lik.sigma = 0.1
        prior.std = 0
        #expect(alloc([1], [1]) == (BK_EINVAL.rawValue, "prior std must be positive and finite, got 0"))
        prior.kind = Int32(BK_PRIOR_PER_LAYER.rawValue)
        #expect(alloc([1], [1]) == (BK_EDIM.rawValue, "per-layer prior has 0 stds for 2 layers"))
        prior = bk_prior(kind: Int32(BK_PRIOR_NORMAL.rawValue), std: 1, layer_std: nil, nlayer_std: 0)
        lik.kind = Int32(BK_LIK_BERNOULLI.rawValue)
        #expect(alloc([1, 2], [1, 0.5]) == (BK_EINVAL.rawValue, "Bernoulli label at row 1 must be 0 or 1, got 0.5"))
        lik.kind = Int32(BK_LIK_CATEGORICAL.rawValue)
        #expect(alloc([1], [1]) == (BK_EDIM.rawValue, "categorical likelihood needs >= 2 outputs (one logit per class), got 1"))

        var ws: OpaquePointer?
        #expect(bk_net_work_alloc(net, 2, &ws, &err) == 0)
        defer { bk_net_work_free(ws) }
        var o = [Double](repeating: 0, count: 3)
        #expect(bk_net_forward(net, [Double](repeating: 0, count: 10), 3, [1, 2, 3], &o, ws, &err) == BK_EDIM.rawValue)
        #expect(errorMessage(err) == "3 rows exceed the workspace's capacity of 2 rows")
        let other = makeNet([1, 4, 1], [BK_ACT_RELU])
        defer { bk_net_free(other) }
        #expect(bk_net_forward(other, [Double](repeating: 0, count: 13), 1, [1], &o, ws, &err) == BK_EDIM.rawValue)
        #expect(errorMessage(err) == "workspace was allocated for a different network architecture")
    }
}
