import CBayesKit
import Foundation
import Testing

/// Known answers for the ODE kernels: the oscillator against its closed
/// form, stiff problems with msbdf, sensitivities against finite
/// differences, thread-count independence of batch solves, and the errors.
@Suite struct ODEKernelTests {
    func message(_ err: bk_error) -> String {
        var e = err
        return withUnsafeBytes(of: &e.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    func closedForm(_ t: Double, zeta: Double, omega: Double) -> Double {
        let wd = omega * (1 - zeta * zeta).squareRoot()
        return exp(-zeta * omega * t) * (cos(wd * t) + zeta * omega / wd * sin(wd * t))
    }

    func system(_ which: bk_ode_builtin) -> bk_ode_system {
        var sys = bk_ode_system()
        _ = bk_ode_system_builtin(Int32(which.rawValue), &sys, nil)
        return sys
    }

    func options(_ method: bk_ode_method, rtol: Double, atol: Double, maxSteps: UInt64 = 100_000) -> bk_ode_options {
        var o = bk_ode_options()
        bk_ode_options_default(&o)
        o.method = Int32(method.rawValue)
        o.rtol = rtol
        o.atol = atol
        o.max_steps = maxSteps
        return o
    }

    /// Solves once; returns (status, states, message, steps).
    func solve(_ sys: bk_ode_system, _ opt: bk_ode_options, p: [Double], y0: [Double], t0: Double = 0, times: [Double],
               sens: Bool = false) -> (Int32, [Double], [Double], String, UInt64) {
        var sys = sys, opt = opt, err = bk_error()
        var solver: OpaquePointer?
        let st = bk_ode_solver_alloc(&sys, &opt, sens ? 1 : 0, &solver, &err)
        guard st == 0 else { return (st, [], [], message(err), 0) }
        defer { bk_ode_solver_free(solver) }
        var y = [Double](repeating: .nan, count: times.count * sys.dim)
        var s = [Double](repeating: .nan, count: sens ? times.count * sys.dim * sys.nparams : 0)
        let status = s.withUnsafeMutableBufferPointer { sb in
            bk_ode_solver_solve(solver, p, y0, t0, times.count, times, &y, sens ? sb.baseAddress : nil)
        }
        var steps: UInt64 = 0
        bk_ode_solver_stats(solver, &steps, nil)
        return (status, y, s, message(bk_ode_solver_error(solver).pointee), steps)
    }

    func linspace(_ a: Double, _ b: Double, _ n: Int) -> [Double] { (0..<n).map { a + (b - a) * Double($0) / Double(n - 1) } }

    @Test func rk8pdMatchesTheOscillatorClosedFormTo1e10() {
        let times = linspace(0, 8, 400)
        for (zeta, omega) in [(0.08, 1.1), (0.02, 0.7), (0.2, 1.4)] {
            let (st, y, _, msg, _) = solve(system(BK_ODE_OSCILLATOR), options(BK_ODE_RK8PD, rtol: 1e-12, atol: 1e-14),
                                           p: [zeta, omega], y0: [1, 0], times: times)
            #expect(st == 0, "\(msg)")
            let err = times.indices.map { abs(y[2 * $0] - closedForm(times[$0], zeta: zeta, omega: omega)) }.max()!
            #expect(err <= 1e-10, "rk8pd max error \(err) at zeta \(zeta), omega \(omega)")
        }
    }

    @Test func everyMethodReachesItsTolerance() {
        let times = linspace(0, 6, 60)
        for (method, bound) in [(BK_ODE_RKF45, 1e-7), (BK_ODE_RKCK, 1e-7), (BK_ODE_RK4IMP, 1e-7), (BK_ODE_MSBDF, 1e-6)] {
            let (st, y, _, msg, _) = solve(system(BK_ODE_OSCILLATOR), options(method, rtol: 1e-9, atol: 1e-11),
                                           p: [0.08, 1.1], y0: [1, 0], times: times)
            #expect(st == 0, "\(msg)")
            let err = times.indices.map { abs(y[2 * $0] - closedForm(times[$0], zeta: 0.08, omega: 1.1)) }.max()!
            #expect(err <= bound, "method \(method) max error \(err)")
        }
    }

    @Test func robertsonWithMsbdfMatchesHairerWanner() {
        // Reference (Hairer & Wanner II, §IV.10): y(40) = (0.7158270687, 9.185534764e-6, 0.2841637457).
        let (st, y, _, msg, steps) = solve(system(BK_ODE_ROBERTSON), options(BK_ODE_MSBDF, rtol: 1e-10, atol: 1e-14),
                                           p: [0.04, 3e7, 1e4], y0: [1, 0, 0], times: [0.4, 40])
        #expect(st == 0, "\(msg)")
        #expect(abs(y[3] - 0.7158270687) < 1e-7 && abs(y[4] - 9.185534764e-6) < 1e-11 && abs(y[5] - 0.2841637457) < 1e-7,
                "\(y)")
        #expect(steps < 5000)
        // An explicit method needs a tiny step everywhere: the step limit stops it with a message.
        let (st2, _, _, msg2, _) = solve(system(BK_ODE_ROBERTSON), options(BK_ODE_RK8PD, rtol: 1e-6, atol: 1e-10, maxSteps: 2000),
                                         p: [0.04, 3e7, 1e4], y0: [1, 0, 0], times: [40])
        #expect(st2 == Int32(BK_ESOLVER.rawValue))
        #expect(msg2.hasPrefix("ODE solve (system 'robertson', rk8pd) reached the step limit of 2000 steps at t = "), "\(msg2)")
        #expect(msg2.hasSuffix("before output time 40 (the system may be stiff: try msbdf, or raise max_steps)"))
    }

    @Test func vanDerPolMu1000WithMsbdf() {
        let times = linspace(0, 3000, 31).dropFirst().map { $0 }
        let (st, y, _, msg, steps) = solve(system(BK_ODE_VAN_DER_POL), options(BK_ODE_MSBDF, rtol: 1e-6, atol: 1e-8),
                                           p: [1000], y0: [2, 0], times: times)
        #expect(st == 0, "\(msg)")
        #expect(steps < 20_000)
        // The relaxation oscillation stays on |x| <= ~2.02 and period ~1614 (≈ (3 - 2 ln 2) mu): x changes sign by t = 1000.
        #expect(y.enumerated().filter { $0.offset % 2 == 0 }.allSatisfy { abs($0.element) < 2.1 })
        #expect(y[2 * 9] < 0)  // x(1000) on the negative branch
    }

    @Test func sensitivitiesMatchFiniteDifferences() {
        let cases: [(bk_ode_builtin, [Double], [Double], Double)] = [
            (BK_ODE_OSCILLATOR, [0.08, 1.1], [1, 0], 6),
            (BK_ODE_FORCED_OSCILLATOR, [0.1, 1.2, 0.5, 0.8], [1, 0], 6),
            (BK_ODE_LOTKA_VOLTERRA, [1.0, 0.1, 0.075, 1.5], [10, 5], 10),
            (BK_ODE_SIR, [0.5, 0.1], [0.99, 0.01, 0], 30),
            (BK_ODE_VAN_DER_POL, [1.5], [2, 0], 5),
        ]
        for (which, p, y0, tEnd) in cases {
            let sys = system(which)
            let times = linspace(0, tEnd, 11).dropFirst().map { $0 }
            let opt = options(BK_ODE_RK8PD, rtol: 1e-12, atol: 1e-14)
            let (st, _, s, msg, _) = solve(sys, opt, p: p, y0: y0, times: times, sens: true)
            #expect(st == 0, "\(msg)")
            let n = sys.dim, np = sys.nparams
            for k in 0..<np {
                let h = 1e-6 * max(1, abs(p[k]))
                var up = p, down = p
                up[k] += h
                down[k] -= h
                let yu = solve(sys, opt, p: up, y0: y0, times: times).1, yd = solve(sys, opt, p: down, y0: y0, times: times).1
                for i in 0..<(times.count * n) {
                    let fd = (yu[i] - yd[i]) / (2 * h), an = s[i * np + k]
                    #expect(abs(fd - an) <= 1e-6 * max(1, abs(an)), "system \(which) param \(k) entry \(i): \(an) vs \(fd)")
                }
            }
        }
    }

    @Test func batchIsIdenticalForAnyThreadCountAndEqualsSingleSolves() {
        var sys = system(BK_ODE_OSCILLATOR)
        var opt = options(BK_ODE_RK8PD, rtol: 1e-8, atol: 1e-10)
        let times = linspace(0, 6, 60)
        var params: [Double] = []
        for z in linspace(0.02, 0.2, 12) { for w in linspace(0.7, 1.4, 12) { params += [z, w] } }
        let sets = params.count / 2
        func run(_ threads: Int32, sens: Bool) -> ([Double], [Double]) {
            var out = [Double](repeating: 0, count: sets * times.count * 2)
            var s = [Double](repeating: 0, count: sens ? sets * times.count * 4 : 0)
            var err = bk_error()
            let st = s.withUnsafeMutableBufferPointer { sb in
                bk_ode_solve_batch(&sys, &opt, sets, params, [1.0, 0.0], 0, 0, times.count, times, &out,
                                   sens ? sb.baseAddress : nil, threads, &err)
            }
            #expect(st == 0, "\(message(err))")
            return (out, s)
        }
        let one = run(1, sens: true), two = run(2, sens: true), three = run(3, sens: false)
        #expect(one.0 == two.0 && one.1 == two.1 && one.0 == three.0)
        let single = solve(sys, opt, p: [params[2 * 37], params[2 * 37 + 1]], y0: [1, 0], times: times).1
        #expect(Array(one.0[(37 * times.count * 2)..<(38 * times.count * 2)]) == single)
    }

    @Test func badInputGivesExactMessages() {
        let sys = system(BK_ODE_OSCILLATOR)
        var bad = options(BK_ODE_RK8PD, rtol: -1e-6, atol: 1e-10)
        var err = bk_error()
        #expect(bk_ode_options_check(&bad, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "rtol must be >= 0 and finite, got -1e-06")
        bad = options(BK_ODE_RK8PD, rtol: 1e-6, atol: -1)
        #expect(bk_ode_options_check(&bad, &err) != 0 && message(err) == "atol must be >= 0 and finite, got -1")
        var m: Int32 = 0
        #expect(bk_ode_method_parse("euler", &m, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "unknown ODE method 'euler'; known methods: rk8pd, rkf45, rkck, rk4imp, msbdf")
        var s2 = bk_ode_system()
        #expect(bk_ode_system_named("pendulum", &s2, &err) != 0)
        #expect(message(err) == "unknown ODE system 'pendulum'; known systems: oscillator, forced-oscillator, "
            + "lotka-volterra, sir, van-der-pol, robertson")

        let opt = options(BK_ODE_RK8PD, rtol: 1e-8, atol: 1e-10)
        var r = solve(sys, opt, p: [0.08, 1.1], y0: [1, 0], times: [0, 1, 1, 2])
        #expect(r.0 == Int32(BK_EINVAL.rawValue))
        #expect(r.3 == "output times must be strictly increasing; times[2] = 1 follows times[1] = 1")
        r = solve(sys, opt, p: [0.08, .nan], y0: [1, 0], times: [1])
        #expect(r.0 == Int32(BK_ENONFINITE.rawValue) && r.3 == "parameter omega must be finite, got nan")
        r = solve(sys, opt, p: [0.08, 1.1], y0: [1, .infinity], times: [1])
        #expect(r.3 == "initial state v must be finite, got inf")
        r = solve(sys, opt, p: [0.08, 1.1], y0: [1, 0], t0: 2, times: [1])
        #expect(r.3 == "output times must not start before t0 = 2; times[0] = 1")
        // Failed solves leave the outputs untouched.
        #expect(r.1.allSatisfy { $0.isNaN })
    }

    @Test func posteriorGradientMatchesFiniteDifferences() throws {
        let sys = system(BK_ODE_OSCILLATOR)
        let opt = options(BK_ODE_RK8PD, rtol: 1e-11, atol: 1e-13)
        let times = linspace(0, 6, 60)
        let obs = times.map { closedForm($0, zeta: 0.08, omega: 1.1) + 0.05 * sin(97 * $0) }
        var priors = [bk_dist(), bk_dist()]
        var err = bk_error()
        #expect(bk_dist_init(&priors[0], Int32(BK_DIST_UNIFORM.rawValue), [0, 0.25], 2, &err) == 0)
        #expect(bk_dist_init(&priors[1], Int32(BK_DIST_NORMAL.rawValue), [1, 0.3], 2, &err) == 0)
        /// Copies that outlive the configuration struct.
        func pin<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: a.count)
            p.initialize(from: a, count: a.count)
            return p
        }
        let pSys = pin([sys]), pOpt = pin([opt]), pParams = pin([0.0, 0.0]), pY0 = pin([1.0, 0.0]), pFree = pin([0, 1])
        let pPriors = pin(priors), pTimes = pin(times), pObserved = pin([0]), pObs = pin(obs)
        defer {
            pSys.deallocate(); pOpt.deallocate(); pParams.deallocate(); pY0.deallocate(); pFree.deallocate()
            pPriors.deallocate(); pTimes.deallocate(); pObserved.deallocate(); pObs.deallocate()
        }
        var post: OpaquePointer?
        var cfg = bk_ode_posterior_config(system: pSys, options: pOpt, params: pParams, y0: pY0, t0: 0, nfree: 2, free: pFree,
                                          priors: pPriors, nobs: times.count, times: pTimes, nobserved: 1,
                                          observed: pObserved, obs: pObs, noise_sd: 0.05)
        #expect(bk_ode_posterior_alloc(&cfg, &post, &err) == 0, "\(message(err))")
        defer { bk_ode_posterior_free(post) }
        for theta in [[0.08, 1.1], [0.12, 1.05], [0.05, 1.2]] {
            var lp = 0.0
            var grad = [0.0, 0.0], fd = [0.0, 0.0]
            #expect(bk_ode_posterior_logdensity(UnsafeMutableRawPointer(post), 2, theta, &lp, &grad) == 0)
            var lp2 = 0.0
            #expect(bk_ode_posterior_logdensity(UnsafeMutableRawPointer(post), 2, theta, &lp2, nil) == 0)
            #expect(abs(lp - lp2) < 1e-8 * abs(lp))
            #expect(bk_logdensity_fd_gradient(bk_ode_posterior_logdensity, UnsafeMutableRawPointer(post), 2, theta, 1e-6,
                                              &fd, &err) == 0)
            for k in 0..<2 { #expect(abs(grad[k] - fd[k]) <= 1e-5 * max(1, abs(fd[k])), "\(theta): \(grad) vs \(fd)") }
        }
        // Outside the prior: -inf, no error; a wrong dimension: BK_EDIM.
        var lp = 0.0
        #expect(bk_ode_posterior_logdensity(UnsafeMutableRawPointer(post), 2, [0.3, 1.1], &lp, nil) == 0 && lp == -.infinity)
        #expect(bk_ode_posterior_logdensity(UnsafeMutableRawPointer(post), 3, [0.1, 1, 1], &lp, nil) == Int32(BK_EDIM.rawValue))
        #expect(String(cString: bk_ode_posterior_message(UnsafeMutableRawPointer(post))) == "ODE posterior has 2 parameters, got 3")
    }

    /// Solves with sensitivity `flags` (bk_ode_sens); returns (status, states, S, columns, message).
    func solveFlags(_ sys: bk_ode_system, _ opt: bk_ode_options, flags: Int32, p: [Double], y0: [Double],
                    times: [Double]) -> (Int32, [Double], [Double], Int, String) {
        var sys = sys, opt = opt, err = bk_error()
        var solver: OpaquePointer?
        let st = bk_ode_solver_alloc(&sys, &opt, flags, &solver, &err)
        guard st == 0 else { return (st, [], [], 0, message(err)) }
        defer { bk_ode_solver_free(solver) }
        let ns = bk_ode_solver_sens_columns(solver)
        var y = [Double](repeating: .nan, count: times.count * sys.dim)
        var s = [Double](repeating: .nan, count: times.count * sys.dim * ns)
        let status = bk_ode_solver_solve(solver, p, y0, 0, times.count, times, &y, &s)
        return (status, y, s, ns, message(bk_ode_solver_error(solver).pointee))
    }

    /// dy/dy0 from the variational equations Z' = J Z, Z(0) = I, against
    /// central differences of whole solves, alone (flag 2) and after the
    /// parameter columns (flag 3, whose dy/dp columns must equal flag 1's).
    @Test func initialStateSensitivitiesMatchFiniteDifferences() {
        let cases: [(bk_ode_builtin, [Double], [Double], Double)] = [
            (BK_ODE_OSCILLATOR, [0.08, 1.1], [1, 0], 6),
            (BK_ODE_LOTKA_VOLTERRA, [1.0, 0.1, 0.075, 1.5], [10, 5], 10),
            (BK_ODE_SIR, [0.5, 0.1], [0.99, 0.01, 0], 30),
            (BK_ODE_VAN_DER_POL, [1.5], [2, 0], 5),
        ]
        for (which, p, y0, tEnd) in cases {
            let sys = system(which)
            let times = linspace(0, tEnd, 11).dropFirst().map { $0 }
            let opt = options(BK_ODE_RK8PD, rtol: 1e-12, atol: 1e-14)
            let n = sys.dim, np = sys.nparams
            let (st2, y2, z, ns2, msg2) = solveFlags(sys, opt, flags: 2, p: p, y0: y0, times: times)
            let (st3, y3, s3, ns3, msg3) = solveFlags(sys, opt, flags: 3, p: p, y0: y0, times: times)
            let (st1, _, s1, ns1, _) = solveFlags(sys, opt, flags: 1, p: p, y0: y0, times: times)
            #expect(st2 == 0 && st3 == 0 && st1 == 0, "\(msg2) \(msg3)")
            #expect(ns2 == n && ns3 == n + np && ns1 == np)
            // Same trajectory (the error control sees more components with flag 3, so steps differ slightly).
            for i in y2.indices { #expect(abs(y2[i] - y3[i]) <= 1e-9 * max(1, abs(y2[i]))) }
            for m in 0..<n {
                let h = 1e-6 * max(1, abs(y0[m]))
                var up = y0, down = y0
                up[m] += h
                down[m] -= h
                let yu = solve(sys, opt, p: p, y0: up, times: times).1, yd = solve(sys, opt, p: p, y0: down, times: times).1
                for i in 0..<(times.count * n) {
                    let fd = (yu[i] - yd[i]) / (2 * h)
                    #expect(abs(fd - z[i * n + m]) <= 1e-6 * max(1, abs(fd)), "system \(which) y0[\(m)] entry \(i): \(z[i * n + m]) vs \(fd)")
                    #expect(abs(z[i * n + m] - s3[i * ns3 + np + m]) <= 1e-8 * max(1, abs(fd)))
                }
            }
            for i in 0..<(times.count * n) {
                for k in 0..<np { #expect(abs(s1[i * np + k] - s3[i * ns3 + k]) <= 1e-8 * max(1, abs(s1[i * np + k]))) }
            }
        }
        var sys = system(BK_ODE_OSCILLATOR), opt = options(BK_ODE_RK8PD, rtol: 1e-8, atol: 1e-10), err = bk_error()
        var solver: OpaquePointer?
        #expect(bk_ode_solver_alloc(&sys, &opt, 4, &solver, &err) == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "sensitivities must be 0, 1 (parameters), 2 (initial states) or 3 (both), got 4")
    }

    /// theta = (zeta, omega, x(0), log sigma): the gradient (dy/dp, dy/dy0,
    /// d/ds) against finite differences, for a prior on sigma and on log sigma.
    @Test func posteriorWithInitialStateAndNoiseHasTheRightGradient() throws {
        let sys = system(BK_ODE_OSCILLATOR)
        let opt = options(BK_ODE_RK8PD, rtol: 1e-11, atol: 1e-13)
        let times = linspace(0, 6, 60)
        let obs = times.map { closedForm($0, zeta: 0.08, omega: 1.1) + 0.05 * sin(97 * $0) }
        var priors = [bk_dist(), bk_dist()], initPrior = [bk_dist()], halfNormal = bk_dist(), logUniform = bk_dist()
        var err = bk_error()
        #expect(bk_dist_init(&priors[0], Int32(BK_DIST_UNIFORM.rawValue), [0, 0.25], 2, &err) == 0)
        #expect(bk_dist_init(&priors[1], Int32(BK_DIST_UNIFORM.rawValue), [0.6, 1.6], 2, &err) == 0)
        #expect(bk_dist_init(&initPrior[0], Int32(BK_DIST_NORMAL.rawValue), [1, 0.2], 2, &err) == 0)
        #expect(bk_dist_init(&halfNormal, Int32(BK_DIST_HALFNORMAL.rawValue), [0.2], 1, &err) == 0)
        #expect(bk_dist_init(&logUniform, Int32(BK_DIST_UNIFORM.rawValue), [log(0.001), log(1)], 2, &err) == 0)
        var sysv = sys, optv = opt
        /// Copies that outlive the configuration struct.
        func pin<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: a.count)
            p.initialize(from: a, count: a.count)
            return p
        }
        let params = pin([0.0, 0.0]), y0 = pin([1.0, 0.0]), free = pin([0, 1]), observed = pin([0]), initial = pin([0])
        let pPriors = pin(priors), pTimes = pin(times), pObs = pin(obs)
        defer {
            params.deallocate(); y0.deallocate(); free.deallocate(); observed.deallocate(); initial.deallocate()
            pPriors.deallocate(); pTimes.deallocate(); pObs.deallocate()
        }
        for (noisePrior, onLog) in [(halfNormal, Int32(0)), (logUniform, Int32(1))] {
            var post: OpaquePointer?
            let st = withUnsafePointer(to: &sysv) { sp in
                withUnsafePointer(to: &optv) { op in
                    initPrior.withUnsafeBufferPointer { ip in
                            var cfg = bk_ode_posterior_config(system: sp, options: op, params: params, y0: y0, t0: 0, nfree: 2,
                                                              free: free, priors: pPriors, nobs: times.count, times: pTimes,
                                                              nobserved: 1, observed: observed, obs: pObs, noise_sd: 0.05)
                            var extra = bk_ode_posterior_extra(ninitial: 1, initial: initial, initial_priors: ip.baseAddress,
                                                               infer_noise: 1, noise_prior: noisePrior, noise_prior_log: onLog)
                            return bk_ode_posterior_alloc_extra(&cfg, &extra, &post, &err)
                    }
                }
            }
            #expect(st == 0, "\(message(err))")
            defer { bk_ode_posterior_free(post) }
            #expect(bk_ode_posterior_dim(post) == 4)
            for theta in [[0.08, 1.1, 1.0, log(0.05)], [0.12, 1.05, 0.95, log(0.08)], [0.05, 1.2, 1.1, log(0.03)]] {
                var lp = 0.0
                var grad = [Double](repeating: 0, count: 4), fd = grad
                #expect(bk_ode_posterior_logdensity(UnsafeMutableRawPointer(post), 4, theta, &lp, &grad) == 0)
                var lp2 = 0.0
                #expect(bk_ode_posterior_logdensity(UnsafeMutableRawPointer(post), 4, theta, &lp2, nil) == 0)
                #expect(abs(lp - lp2) < 1e-8 * abs(lp))
                #expect(bk_logdensity_fd_gradient(bk_ode_posterior_logdensity, UnsafeMutableRawPointer(post), 4, theta, 1e-6,
                                                  &fd, &err) == 0)
                for k in 0..<4 { #expect(abs(grad[k] - fd[k]) <= 1e-5 * max(1, abs(fd[k])), "\(theta): \(grad) vs \(fd)") }
                // The value by hand: priors + Gaussian log likelihood at sigma = e^s.
                let sigma = exp(theta[3])
                var y = [Double](repeating: 0, count: 2 * times.count)
                _ = solve(sys, opt, p: [theta[0], theta[1]], y0: [theta[2], 0], times: times).1.enumerated().map { y[$0.offset] = $0.element }
                let ss = times.indices.map { i in pow(obs[i] - y[2 * i], 2) }.reduce(0, +)
                var byHand = -0.5 * ss / (sigma * sigma) - Double(times.count) * (log(sigma) + 0.5 * log(2 * Double.pi))
                byHand += -log(0.25) - log(1.0) + bk_dist_logpdf(&initPrior[0], theta[2])
                byHand += onLog == 1 ? -log(log(1) - log(0.001)) : bk_dist_logpdf(&halfNormal, sigma) + theta[3]
                #expect(abs(lp - byHand) < 1e-7 * abs(lp), "\(lp) vs \(byHand)")
                var pOut = [0.0, 0.0], yOut = [0.0, 0.0], sOut = 0.0
                #expect(bk_ode_posterior_unpack(post, theta, &pOut, &yOut, &sOut) == 0)
                #expect(pOut == [theta[0], theta[1]] && yOut == [theta[2], 0] && sOut == sigma)
            }
        }
        // A noise prior with no mass on sigma > 0 is refused.
        var bad = bk_dist()
        #expect(bk_dist_init(&bad, Int32(BK_DIST_UNIFORM.rawValue), [-2, -1], 2, &err) == 0)
        var post: OpaquePointer?
        let st = withUnsafePointer(to: &sysv) { sp in
            withUnsafePointer(to: &optv) { op in
                var cfg = bk_ode_posterior_config(system: sp, options: op, params: params, y0: y0, t0: 0, nfree: 2, free: free,
                                                  priors: pPriors, nobs: times.count, times: pTimes, nobserved: 1,
                                                  observed: observed, obs: pObs, noise_sd: 0.05)
                var extra = bk_ode_posterior_extra(ninitial: 0, initial: nil, initial_priors: nil, infer_noise: 1,
                                                   noise_prior: bad, noise_prior_log: 0)
                return bk_ode_posterior_alloc_extra(&cfg, &extra, &post, &err)
            }
        }
        #expect(st == Int32(BK_EINVAL.rawValue))
        #expect(message(err) == "ODE posterior: the noise sd prior has no mass on positive values")
    }
}
