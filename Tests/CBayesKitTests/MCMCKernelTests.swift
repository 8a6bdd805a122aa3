import CBayesKit
import Foundation
import Testing

// Known-answer and contract tests of the C MH kernel, adaptation and driver (csrc/mcmc).

/// N(mu, sd^2) in each coordinate, ctx = pointer to [mu, sd]; value only.
private let gaussianTarget: bk_logdensity_fn = { ctx, dim, theta, logp, _ in
    let p = ctx!.assumingMemoryBound(to: Double.self)
    var s = 0.0
    for i in 0..<dim {
        let z = (theta![i] - p[0]) / p[1]
        s += -0.5 * z * z
    }
    logp!.pointee = s
    return 0
}

/// -inf outside [0, 1] in the first coordinate, else 0 (uniform target).
private let boxTarget: bk_logdensity_fn = { _, dim, theta, logp, _ in
    logp!.pointee = (theta![0] < 0 || theta![0] > 1) ? -Double.infinity : 0
    return 0
}

/// NaN everywhere except at the origin region |x| < 1e-12.
private let nanTarget: bk_logdensity_fn = { _, _, theta, logp, _ in
    logp!.pointee = abs(theta![0]) < 1e-12 ? 0 : .nan
    return 0
}

/// Fails (status BK_ESOLVER) when theta[0] > 0.5.
private let failingTarget: bk_logdensity_fn = { _, _, theta, logp, _ in
    if theta![0] > 0.5 { return Int32(BK_ESOLVER.rawValue) }
    logp!.pointee = -0.5 * theta![0] * theta![0]
    return 0
}

private let failingMessage: bk_logdensity_message_fn = { _ in failingText }
private nonisolated(unsafe) let failingText: UnsafePointer<CChar> = UnsafePointer(strdup("the ODE solver diverged")!)

private func mhAlloc(_ dim: Int, _ config: bk_mh_config, _ fn: bk_logdensity_fn, _ ctx: UnsafeMutableRawPointer?)
    -> (OpaquePointer?, Int32, String) {
    var k: OpaquePointer?
    var err = bk_error()
    var c = config
    let st = bk_mh_alloc(dim, &c, fn, ctx, &k, &err)
    return (k, st, mcmcMessage(err))
}

func mcmcMessage(_ err: bk_error) -> String {
    var e = err
    return withUnsafeBytes(of: &e.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
}

private func rwConfig(_ scale: Double) -> bk_mh_config {
    var c = bk_mh_config()
    c.kind = Int32(BK_MH_RANDOM_WALK.rawValue)
    c.scale = scale
    return c
}

private func rng(_ seed: UInt64, _ stream: UInt64 = 0) -> OpaquePointer {
    var r: OpaquePointer?
    _ = bk_rng_alloc(seed, stream, &r, nil)
    return r!
}

/// Runs the driver on an N(mu, sd^2) target in `dim` dimensions; returns status, message, draws, stats.
private func runDriver(dim: Int = 1, chains: Int = 2, warmup: UInt64 = 0, draws: UInt64 = 1000, thin: UInt64 = 1,
                       adapt: Bool = false, threads: Int32 = 1, params: [Double] = [0, 1],
                       config: bk_mh_config = rwConfig(0.5), paths: [String]? = nil, initial: [Double]? = nil,
                       fn: bk_logdensity_fn = gaussianTarget, message: bk_logdensity_message_fn? = nil)
    -> (status: Int32, message: String, draws: [Double], stats: [bk_mcmc_chain_stats], completed: Int32) {
    var p = params
    return p.withUnsafeMutableBytes { pb in
        var ctxs = [UnsafeMutableRawPointer?](repeating: pb.baseAddress, count: chains)
        var cfg = bk_mcmc_config()
        cfg.nchains = chains
        cfg.warmup = warmup
        cfg.draws = draws
        cfg.thin = thin
        cfg.adapt = adapt ? 1 : 0
        cfg.target_accept = 0.234
        cfg.seed = 7
        cfg.nthreads = threads
        let kept = Int(bk_mcmc_kept(draws, thin))
        var out = [Double](repeating: 0, count: max(chains, 1) * kept * dim)
        var stats = [bk_mcmc_chain_stats](repeating: bk_mcmc_chain_stats(), count: max(chains, 1))
        var err = bk_error()
        var completed: Int32 = 0
        let start = initial ?? [Double](repeating: 0, count: max(chains, 1) * dim)
        let cPaths = (paths ?? []).map { strdup($0) }
        defer { cPaths.forEach { free($0) } }
        var cfgCopy = config
        let st = ctxs.withUnsafeMutableBufferPointer { c -> Int32 in
            var model = bk_mcmc_model(dim: dim, logdensity: fn, ctxs: c.baseAddress, message: message, serial: 0)
            return cPaths.map { UnsafePointer($0) }.withUnsafeBufferPointer { pp in
                cfg.draws_paths = paths == nil ? nil : pp.baseAddress
                return bk_mcmc_run(bk_mh_kernel_type(), &cfgCopy, &model, &cfg, start, &out, nil, nil, &stats, nil,
                                   &completed, &err)
            }
        }
        return (st, mcmcMessage(err), out, stats, completed)
    }
}

@Suite struct MCMCKernelTests {
    @Test func rejectsBadConfiguration() {
        for bad in [0.0, -1, .nan, .infinity] {
            let (k, st, msg) = mhAlloc(2, rwConfig(bad), gaussianTarget, nil)
            #expect(k == nil)
            #expect(st == Int32(BK_EINVAL.rawValue))
            #expect(msg.contains("proposal scale must be > 0 and finite"))
        }
        let diag = [1.0, -2.0]
        diag.withUnsafeBufferPointer { d in
            var c = rwConfig(1)
            c.kind = Int32(BK_MH_RANDOM_WALK_DIAG.rawValue)
            c.diag_scale = d.baseAddress
            let (_, st, msg) = mhAlloc(2, c, gaussianTarget, nil)
            #expect(st == Int32(BK_EINVAL.rawValue))
            #expect(msg == "diagonal proposal scale 1 must be > 0 and finite, got -2")
        }
        var g = bk_mh_config()
        g.kind = Int32(BK_MH_GENERAL.rawValue)
        #expect(mhAlloc(2, g, gaussianTarget, nil).1 == Int32(BK_EINVAL.rawValue))
        #expect(mhAlloc(0, rwConfig(1), gaussianTarget, nil).2 == "dimension must be >= 1, got 0")
    }

    @Test func initNeedsAFiniteDensity() {
        let (k, _, _) = mhAlloc(1, rwConfig(0.1), boxTarget, nil)
        defer { bk_mh_free(k) }
        var x = [2.0]
        var err = bk_error()
        x.withUnsafeMutableBufferPointer { p in
            var s = bk_mcmc_state(position: p.baseAddress, logdensity: 0, grad: nil)
            #expect(bk_mh_init(k, &s, &err) == Int32(BK_ENONFINITE.rawValue))
            #expect(mcmcMessage(err).contains("log density at the initial position is -inf"))
        }
    }

    /// Out-of-support and NaN proposals are rejections with probability 0; the state never leaves the support.
    @Test func nonFiniteProposalsAreRejections() {
        let (k, _, _) = mhAlloc(1, rwConfig(2.0), boxTarget, nil)
        defer { bk_mh_free(k) }
        let r = rng(1)
        defer { bk_rng_free(r) }
        var x = [0.5]
        var rejectedOutside = 0
        x.withUnsafeMutableBufferPointer { p in
            var s = bk_mcmc_state(position: p.baseAddress, logdensity: 0, grad: nil)
            #expect(bk_mh_init(k, &s, nil) == 0)
            var info = bk_mh_info()
            for _ in 0..<2000 {
                let before = p[0]
                #expect(bk_mh_step(k, r, &s, &info) == 0)
                #expect(p[0] >= 0 && p[0] <= 1)
                if !info.proposal_logdensity.isFinite {
                    rejectedOutside += 1
                    #expect(info.acceptance_prob == 0 && info.is_accepted == 0 && p[0] == before)
                } else {
                    #expect(info.acceptance_prob == 1 && info.is_accepted == 1)
                }
            }
        }
        #expect(rejectedOutside > 500)

        let (kn, _, _) = mhAlloc(1, rwConfig(1.0), nanTarget, nil)
        defer { bk_mh_free(kn) }
        var y = [0.0]
        y.withUnsafeMutableBufferPointer { p in
            var s = bk_mcmc_state(position: p.baseAddress, logdensity: 0, grad: nil)
            #expect(bk_mh_init(kn, &s, nil) == 0)
            var info = bk_mh_info()
            for _ in 0..<100 {
                #expect(bk_mh_step(kn, r, &s, &info) == 0)
                #expect(info.is_accepted == 0 && info.acceptance_prob == 0)
            }
            #expect(p[0] == 0)
        }
    }

    /// A failing model stops the step with its status and leaves the state as it was.
    @Test func modelFailureLeavesStateUntouched() {
        let (k, _, _) = mhAlloc(1, rwConfig(3.0), failingTarget, nil)
        defer { bk_mh_free(k) }
        let r = rng(2)
        defer { bk_rng_free(r) }
        var x = [0.0]
        x.withUnsafeMutableBufferPointer { p in
            var s = bk_mcmc_state(position: p.baseAddress, logdensity: 0, grad: nil)
            #expect(bk_mh_init(k, &s, nil) == 0)
            var info = bk_mh_info()
            var failed = false
            for _ in 0..<100 {
                let before = (p[0], s.logdensity)
                let st = bk_mh_step(k, r, &s, &info)
                if st != 0 {
                    #expect(st == Int32(BK_ESOLVER.rawValue))
                    #expect(p[0] == before.0 && s.logdensity == before.1)
                    #expect(mcmcMessage(bk_mh_error(k).pointee).contains("log density failed"))
                    failed = true
                    break
                }
            }
            #expect(failed)
        }
        let run = runDriver(chains: 3, config: rwConfig(3.0), fn: failingTarget, message: failingMessage)
        #expect(run.status == Int32(BK_ESOLVER.rawValue))
        #expect(run.message.hasPrefix("chain 0: the log density failed"))
        #expect(run.message.hasSuffix(": the ODE solver diverged"))
        #expect(run.completed == 0)
    }

    /// The Robbins–Monro scale reaches the target acceptance on N(0, I_10).
    @Test func adaptationReachesTargetAcceptance() {
        let run = runDriver(dim: 10, chains: 2, warmup: 4000, draws: 4000, adapt: true, config: rwConfig(5.0))
        #expect(run.status == 0)
        for s in run.stats {
            print(String(format: "adapted scale %.3f, acceptance %.3f (target 0.234)", s.tuning, s.acceptance_rate))
            #expect(abs(s.acceptance_rate - 0.234) < 0.05)
            // Optimal RW scale for N(0, I_d) is about 2.38 / sqrt(d) = 0.75.
            #expect(s.tuning > 0.4 && s.tuning < 1.2)
        }
        var a = bk_scale_adapt()
        #expect(bk_scale_adapt_init(&a, 1, 1.5, 10, nil) == Int32(BK_EINVAL.rawValue))
        #expect(bk_scale_adapt_init(&a, -1, 0.3, 10, nil) == Int32(BK_EINVAL.rawValue))
    }

    /// Independence sampler for target N(1, 0.5^2) with proposal N(0, 1). With
    /// the Hastings term the chain targets N(1, 0.25); with the term dropped
    /// (a proposal that claims log q = 0) it would target p·q ∝ N(0.8, 0.2).
    @Test func hastingsCorrectionMatters() {
        let mean = [0.0], sd = [1.0]
        func run(correct: Bool) -> (Double, Double) {
            mean.withUnsafeBufferPointer { m in
                sd.withUnsafeBufferPointer { s in
                    var g = bk_independence_gaussian(dim: 1, mean: m.baseAddress, sd: s.baseAddress)
                    var c = bk_mh_config()
                    c.kind = Int32(BK_MH_GENERAL.rawValue)
                    #expect(bk_independence_gaussian_proposal(&g, &c.proposal, nil) == 0)
                    if !correct { c.proposal.log_density = { _, _, _, _ in 0 } }
                    let r = withUnsafeMutablePointer(to: &g) { gp -> (Int32, String, [Double], [bk_mcmc_chain_stats], Int32) in
                        c.proposal.ctx = UnsafeMutableRawPointer(gp)
                        return runDriver(chains: 4, draws: 50_000, params: [1, 0.5], config: c,
                                         initial: [1, 1, 1, 1])
                    }
                    #expect(r.0 == 0)
                    let m = r.2.reduce(0, +) / Double(r.2.count)
                    let v = r.2.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(r.2.count - 1)
                    return (m, v)
                }
            }
        }
        let (m1, v1) = run(correct: true)
        let (m0, v0) = run(correct: false)
        print(String(format: "Hastings: mean %.4f var %.4f (truth 1, 0.25); without: mean %.4f var %.4f (p·q: 0.8, 0.2)",
                     m1, v1, m0, v0))
        // 200,000 draws with ESS well above 20,000: MCSE of the mean < 0.005.
        #expect(abs(m1 - 1) < 0.02 && abs(v1 - 0.25) < 0.02)
        #expect(abs(m0 - 0.8) < 0.02 && abs(v0 - 0.2) < 0.02)
    }

    /// The kernel's fast normals: N(0, 1) moments and tails, and the stream advances consistently.
    @Test func fastNormals() {
        let n = 400_000
        let r = rng(21)
        defer { bk_rng_free(r) }
        var x = [Double](repeating: 0, count: n)
        #expect(bk_mcmc_normal_fill(r, n, &x, nil) == 0)
        let m = x.reduce(0, +) / Double(n)
        let v = x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(n - 1)
        let k4 = x.map { pow($0 - m, 4) }.reduce(0, +) / Double(n) / (v * v)
        let tail = Double(x.filter { abs($0) > 3 }.count) / Double(n)
        let beyond4 = x.filter { abs($0) > 4 }.count
        // 4 standard errors: sd(mean) = 1/sqrt(n), sd(var) = sqrt(2/n), sd(kurtosis) = sqrt(24/n).
        #expect(abs(m) < 4 / Double(n).squareRoot())
        #expect(abs(v - 1) < 4 * (2 / Double(n)).squareRoot())
        #expect(abs(k4 - 3) < 4 * (24 / Double(n)).squareRoot())
        #expect(abs(tail - 0.0026998) < 4 * (0.0027 / Double(n)).squareRoot())
        #expect(beyond4 > 0)   // the tail beyond r = 3.65 is sampled
        // Two halves from one stream equal one fill of the whole.
        let a = rng(22), b = rng(22)
        defer { bk_rng_free(a); bk_rng_free(b) }
        var whole = [Double](repeating: 0, count: 1000), h1 = [Double](repeating: 0, count: 500), h2 = h1
        _ = bk_mcmc_normal_fill(a, 1000, &whole, nil)
        _ = bk_mcmc_normal_fill(b, 500, &h1, nil)
        _ = bk_mcmc_normal_fill(b, 500, &h2, nil)
        #expect(whole == h1 + h2)
        #expect(bk_rng_next_u64(a) == bk_rng_next_u64(b))
    }

    @Test func driverRejectsBadArguments() {
        #expect(runDriver(thin: 0).message == "thin must be >= 1; got 0")
        #expect(runDriver(chains: 0).message == "number of chains must be >= 1, got 0")
        #expect(runDriver(chains: 2, initial: [0, .nan]).message == "initial position of chain 1 contains NaN or infinity")
        let r = runDriver(chains: 1, params: [0, 1], initial: [0], fn: boxTarget)
        #expect(r.status == 0)
        let bad = runDriver(chains: 2, initial: [0.5, 3], fn: boxTarget)
        #expect(bad.status == Int32(BK_ENONFINITE.rawValue))
        #expect(bad.message.hasPrefix("chain 1: the log density at the initial position is inf") ||
                bad.message.hasPrefix("chain 1: the log density at the initial position is -inf"))
        let io = runDriver(chains: 1, paths: ["/nonexistent-folder/chain-0.bkd"])
        #expect(io.status == Int32(BK_EIO.rawValue))
        #expect(io.message.contains("/nonexistent-folder/chain-0.bkd"))
    }

    /// A full disk: the write error stops the run with a clear message.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
    func diskFullIsAClearError() {
        let r = runDriver(chains: 1, draws: 5000, paths: ["/dev/full"])
        print("disk full: \(r.message)")
        #expect(r.status == Int32(BK_EIO.rawValue))
        #expect(r.message.hasPrefix("chain 0:"))
    }

    /// Same draws for 1 and 2 threads; thinning keeps iterations 0, thin, 2 thin, ...
    @Test func threadsAndThinning() {
        let a = runDriver(dim: 3, chains: 3, warmup: 200, draws: 999, thin: 10, adapt: true, threads: 1)
        let b = runDriver(dim: 3, chains: 3, warmup: 200, draws: 999, thin: 10, adapt: true, threads: 2)
        #expect(a.status == 0 && b.status == 0)
        #expect(a.draws == b.draws)
        #expect(a.stats.map(\.kept) == [100, 100, 100])
        let full = runDriver(dim: 3, chains: 3, warmup: 200, draws: 999, thin: 1, adapt: true, threads: 2)
        for k in 0..<3 {
            for d in 0..<100 {
                let src = (k * 999 + d * 10) * 3, dst = (k * 100 + d) * 3
                #expect(Array(full.draws[src..<(src + 3)]) == Array(a.draws[dst..<(dst + 3)]))
            }
        }
        #expect(a.draws[0..<3] != a.draws[300..<303])  // chains use distinct streams
    }
}
