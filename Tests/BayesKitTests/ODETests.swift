import BayesKit
import Foundation
import Testing

/// The Swift ODE API: built-in and closure systems, errors, batch solves,
/// grid posteriors (recovery of known parameters, normalisation, 1–3
/// dimensions) and the posterior's gradient.
@Suite struct ODETests {
    let times = linspace(0, 6, 60)

    @Test func builtInOscillatorMatchesTheClosedForm() throws {
        let sol = try ODESolver(rtol: 1e-12, atol: 1e-14).solve(.oscillator, parameters: [0.08, 1.1], initial: [1, 0],
                                                                  times: linspace(0, 8, 400))
        let err = zip(sol.times, sol.state(0)).map { abs($1 - Datasets.dampedOscillator(t: $0, zeta: 0.08, omega: 1.1)) }.max()!
        #expect(err <= 1e-10)
        #expect(sol.steps > 0 && sol.rhsEvaluations > sol.steps)
        #expect(ODESystem.builtInNames == ["oscillator", "forced-oscillator", "lotka-volterra", "sir", "van-der-pol", "robertson"])
        #expect(ODESystem.oscillator.parameterNames == ["zeta", "omega"] && ODESystem.oscillator.stateNames == ["x", "v"])
        #expect(try ODESystem.named("sir").stateNames == ["S", "I", "R"])
    }

    @Test func closureSystemsAgreeWithBuiltInsAndWorkWithImplicitMethods() throws {
        let user = try ODESystem(name: "my-oscillator", states: ["x", "v"], parameters: ["zeta", "omega"]) { _, y, p in
            [y[1], -2 * p[0] * p[1] * y[1] - p[1] * p[1] * y[0]]
        }
        #expect(user.isClosure)
        for method in ODEMethod.allCases {
            let solver = ODESolver(method: method, rtol: 1e-9, atol: 1e-11)
            let a = try solver.solve(user, parameters: [0.08, 1.1], initial: [1, 0], times: times)
            let b = try solver.solve(.oscillator, parameters: [0.08, 1.1], initial: [1, 0], times: times)
            let diff = zip(a.state(0), b.state(0)).map { abs($0 - $1) }.max()!
            #expect(diff < 1e-6, "\(method): \(diff)")
        }
        // Sensitivities of a closure system come from finite-difference Jacobians.
        let s = try ODESolver(rtol: 1e-10, atol: 1e-12).solve(user, parameters: [0.08, 1.1], initial: [1, 0], times: times,
                                                               sensitivities: true)
        let r = try ODESolver(rtol: 1e-10, atol: 1e-12).solve(.oscillator, parameters: [0.08, 1.1], initial: [1, 0],
                                                               times: times, sensitivities: true)
        for k in 0..<2 {
            let d = zip(s.sensitivities![k].values, r.sensitivities![k].values).map { abs($0 - $1) }.max()!
            #expect(d < 1e-5)
        }
        // Batch with a closure: one thread, same numbers as single solves.
        let batch = try ODESolver().solveBatch(user, parameters: [[0.08, 1.1], [0.1, 0.9]], initial: [1, 0], times: times,
                                               threads: 2)
        #expect(batch.trajectory(1) == (try ODESolver().solve(user, parameters: [0.1, 0.9], initial: [1, 0], times: times)).state(0))
    }

    @Test func errorsNameTheProblem() throws {
        let solver = ODESolver()
        #expect(throws: BayesKitError.invalidArgument("rtol must be >= 0 and finite, got -1")) {
            try ODESolver(rtol: -1).solve(.oscillator, parameters: [0.08, 1.1], initial: [1, 0], times: [1])
        }
        #expect(throws: BayesKitError.invalidArgument("output times must be strictly increasing; times[2] = 0.5 follows times[1] = 1")) {
            try solver.solve(.oscillator, parameters: [0.08, 1.1], initial: [1, 0], times: [0, 1, 0.5])
        }
        #expect(throws: BayesKitError.nonFinite("parameter zeta must be finite, got nan")) {
            try solver.solve(.oscillator, parameters: [.nan, 1.1], initial: [1, 0], times: [1])
        }
        #expect(throws: BayesKitError.invalidArgument("unknown ODE method 'euler'; known methods: rk8pd, rkf45, rkck, rk4imp, msbdf")) {
            try ODEMethod(parsing: "euler")
        }
        #expect(throws: BayesKitError.dimensionMismatch("system 'oscillator' has 2 parameters (zeta, omega), got 3")) {
            try solver.solve(.oscillator, parameters: [0.08, 1.1, 2], initial: [1, 0], times: [1])
        }
        // y' = y², y(0) = 1 blows up at t = 1.
        let blowUp = try ODESystem(name: "blow-up", states: ["y"]) { _, y, _ in [y[0] * y[0]] }
        do {
            _ = try solver.solve(blowUp, parameters: [], initial: [1], times: [0.5, 2])
            Issue.record("the blow-up was not reported")
        } catch let e as BayesKitError {
            #expect(e.code == .nonFinite)
            #expect(e.message.hasPrefix("ODE solution of system 'blow-up' blows up near t = 1 (rk8pd cannot continue towards "
                + "output time 2: step size "), "\(e.message)")
        }
        // A closure that throws stops the solve with its message.
        struct Boom: Error, CustomStringConvertible { var description: String { "sensor table exhausted" } }
        let throwing = try ODESystem(name: "throws", states: ["y"]) { t, y, _ in
            if t > 0.5 { throw Boom() }
            return [-y[0]]
        }
        do {
            _ = try solver.solve(throwing, parameters: [], initial: [1], times: [1])
            Issue.record("the closure error was not reported")
        } catch let e as BayesKitError {
            #expect(e.code == .solverFailure)
            #expect(e.message.hasPrefix("ODE system 'throws' failed at t = 0.6") && e.message.hasSuffix(": sensor table exhausted"),
                    "\(e.message)")
        }
        // Batch errors name the set.
        #expect(throws: BayesKitError.nonFinite("parameter set 1: parameter omega must be finite, got inf")) {
            try solver.solveBatch(.oscillator, parameters: [[0.1, 1], [0.1, .infinity], [0.1, .nan]], initial: [1, 0],
                                  times: [1], threads: 2)
        }
    }

    /// Data simulated with known (zeta, omega) = (0.12, 0.95): the grid posterior concentrates around them.
    @Test func gridPosteriorRecoversKnownParameters() throws {
        let truth = (zeta: 0.12, omega: 0.95), sigma = 0.05
        let noise = try RandomStream(seed: 11, stream: 0).normals(times.count)
        let y = zip(times, noise).map { Datasets.dampedOscillator(t: $0, zeta: truth.zeta, omega: truth.omega) + sigma * $1 }
        let post = try ODEPosterior.oscillator(times: times, observations: y, noiseSD: sigma)
        let coarse = try post.grid([try .linspace("zeta", 0.02, 0.2, count: 60), try .linspace("omega", 0.7, 1.4, count: 60)],
                                   threads: 2)
        #expect(abs(coarse.probabilities.reduce(0, +) - 1) < 1e-12)
        let fine = try post.grid(try coarse.zoomedAxes(count: 80), threads: 2)
        let m = fine.mean, s = fine.sd
        #expect(abs(m[0] - truth.zeta) < 3 * s[0] && abs(m[1] - truth.omega) < 3 * s[1], "mean \(m), sd \(s)")
        #expect(s[0] < 0.02 && s[1] < 0.01)
        // Marginals integrate to 1; the 90% interval holds the mean; mode near the mean.
        for a in 0..<2 {
            let x = fine.axes[a].values, f = fine.marginal(a)
            var integral = 0.0
            for j in 1..<x.count { integral += 0.5 * (f[j] + f[j - 1]) * (x[j] - x[j - 1]) }
            #expect(abs(integral - 1) < 1e-9)
            let ci = try fine.credibleInterval(a, level: 0.9)
            #expect(ci.contains(m[a]) && ci.upperBound - ci.lowerBound > 2 * s[a])
            #expect(abs(fine.mode[a] - m[a]) < 2 * s[a])
        }
        // Thread count does not change the numbers.
        let one = try post.grid(fine.axes, threads: 1)
        #expect(one.logPosterior == fine.logPosterior)
        // The log evidence of the fine grid agrees with the coarse one only if the coarse grid resolved the
        // posterior; it need not. Both are finite.
        #expect(fine.logEvidence.isFinite && coarse.logEvidence.isFinite)
    }

    @Test func gridPosteriorInOneAndThreeDimensions() throws {
        let sigma = 0.05
        let y = times.map { Datasets.dampedOscillator(t: $0, zeta: 0.1, omega: 1.0) + sigma * sin(31 * $0) }
        // 1-D: omega only, zeta fixed; the Gaussian-like posterior has its mean near 1.
        let post1 = try ODEPosterior(system: .oscillator, free: ["omega"], priors: [try Uniform(low: 0.5, high: 1.5)],
                                     fixed: ["zeta": 0.1], initial: [1, 0], times: times, observations: y, noiseSD: sigma)
        let g1 = try post1.grid([try .linspace("omega", 0.9, 1.1, count: 201)], threads: 2)
        #expect(abs(g1.mean[0] - 1) < 0.01 && g1.sd[0] < 0.01)
        // 3-D: the forced oscillator with F = 0 known to be small; zeta, omega, F on a small grid.
        let post3 = try ODEPosterior(system: .forcedOscillator, free: ["zeta", "omega", "F"],
                                     priors: [try Uniform(low: 0, high: 0.3), try Uniform(low: 0.5, high: 1.5),
                                              try Normal(mean: 0, sd: 1)],
                                     fixed: ["Omega": 2], initial: [1, 0], times: times, observations: y, noiseSD: sigma)
        let g3 = try post3.grid([try .linspace("zeta", 0.05, 0.15, count: 9), try .linspace("omega", 0.95, 1.05, count: 9),
                                 try .linspace("F", -0.2, 0.2, count: 9)], threads: 2)
        #expect(g3.logPosterior.count == 729 && abs(g3.probabilities.reduce(0, +) - 1) < 1e-12)
        #expect(abs(g3.mean[1] - 1) < 0.01 && abs(g3.mean[2]) < 0.05)
        #expect(throws: BayesKitError.dimensionMismatch("1 grid axes for 3 free parameters (zeta, omega, F)")) {
            try post3.grid([try .linspace("zeta", 0, 1, count: 3)])
        }
        #expect(throws: BayesKitError.invalidArgument("grid axis 'omega' must be finite and strictly increasing; value 1 is 1.0")) {
            try GridAxis(name: "omega", values: [1, 1])
        }
    }

    @Test func posteriorGradientMatchesFiniteDifferencesAndPredictiveIsSane() throws {
        let data = try Datasets.oscillator()
        let post = try ODEPosterior.oscillator(times: data.x, observations: data.y, solver: ODESolver(rtol: 1e-11, atol: 1e-13),
                                               zetaPrior: try Normal(mean: 0.1, sd: 0.05), omegaPrior: try LogNormal(mu: 0, sigma: 0.5))
        for theta in [[0.08, 1.1], [0.15, 0.9]] {
            let (v, g) = try post.logDensityAndGradient(theta)
            #expect(abs(v - (try post.logDensity(theta))) < 1e-8 * abs(v))
            for k in 0..<2 {
                let h = 1e-6
                var up = theta, down = theta
                up[k] += h
                down[k] -= h
                let fd = (try post.logDensity(up) - post.logDensity(down)) / (2 * h)
                #expect(abs(fd - g[k]) < 1e-5 * max(1, abs(fd)), "\(theta) \(k): \(g[k]) vs \(fd)")
            }
        }
        #expect(try post.logDensity([0.1, -1]) == -.infinity)  // outside the LogNormal prior's support
        let terms = try post.terms([0.08, 1.1])
        #expect(abs(terms.logPrior + terms.logLikelihood - (try post.logDensity([0.08, 1.1]))) < 1e-9)

        let seed = try ODEPosterior.oscillator(times: data.x, observations: data.y)
        let grid = try seed.grid([try .linspace("zeta", 0.05, 0.11, count: 40), try .linspace("omega", 1.08, 1.12, count: 40)],
                                 threads: 2)
        let pred = try seed.predictive(grid, times: linspace(0, 8, 81), threads: 2)
        let truth = pred.times.map { Datasets.dampedOscillator(t: $0, zeta: 0.08, omega: 1.1) }
        let covered = zip(zip(pred.mean, pred.sd), truth).filter { abs($0.0 - $1) <= 3 * $0.1 + 1e-3 }.count
        #expect(covered >= 75, "truth within 3 sd at \(covered) of 81 times")
        #expect(pred.totalSD.allSatisfy { $0 >= 0.05 })
        #expect(pred.sd.last! > pred.sd[10])  // extrapolation is less certain than interpolation
    }
}

/// README.md's "ODE inference" snippet, kept compiling and true.
@Test func readmeODESnippetRuns() throws {
    let t = linspace(0, 6, 60)
    let sol = try ODESolver(method: .rk8pd, rtol: 1e-8, atol: 1e-10)
        .solve(.oscillator, parameters: [0.08, 1.1], initial: [1, 0], times: t, sensitivities: true)
    #expect(sol.state(0).count == 60 && sol.sensitivities![1].rows == 60)
    let grid = try ODESolver().solveBatch(.oscillator, parameters: [[0.08, 1.1], [0.1, 0.9]], initial: [1, 0],
                                          times: t, threads: 2)
    #expect(grid.trajectory(0) == sol.state(0))
    let mine = try ODESystem(name: "decay", states: ["y"], parameters: ["k"]) { _, y, p in [-p[0] * y[0]] }
    #expect(abs((try ODESolver().solve(mine, parameters: [2], initial: [1], times: [1])).state(0)[0] - exp(-2)) < 1e-8)

    let data = try Datasets.oscillator()
    let post = try ODEPosterior.oscillator(times: data.x, observations: data.y, noiseSD: 0.05)
    let seedGrid = try post.grid([.linspace("zeta", 0.02, 0.2, count: 60), .linspace("omega", 0.7, 1.4, count: 60)])
    let fine = try post.grid(try seedGrid.zoomedAxes(count: 100))
    _ = (fine.mode, fine.marginal(0), fine.logEvidence)
    #expect(try fine.credibleInterval(1, level: 0.9).contains(fine.mean[1]))
    #expect(abs(fine.mean[0] - 0.08) < 3 * fine.sd[0] && abs(fine.mean[1] - 1.1) < 3 * fine.sd[1])
    let (logp, grad) = try post.logDensityAndGradient([0.08, 1.1])
    #expect(logp.isFinite && grad.count == 2)
    let band = try post.predictive(fine, times: linspace(0, 8, 400))
    #expect(band.mean.count == 400)
}
