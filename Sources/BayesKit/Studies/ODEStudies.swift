import Foundation

/// Seed 001's ODE inference studies: Bayes' theorem on the damped
/// oscillator's parameters, evaluated on a grid.
public enum ODEStudies {
    /// Seed 001's grid: ζ in linspace(0.02, 0.2, 60), ω in linspace(0.7, 1.4, 60).
    public static func seedAxes() throws -> [GridAxis] {
        [try .linspace("zeta", 0.02, 0.2, count: 60), try .linspace("omega", 0.7, 1.4, count: 60)]
    }

    /// One grid's numbers for a summary (`result.json`): axes, mode, mean, sd, 90% intervals, log evidence, solve time.
    public static func record(_ g: GridPosterior, seconds: Double) throws -> JSONValue {
        let ci = try (0..<g.axes.count).map { try g.credibleInterval($0, level: 0.9) }
        return .object([
            "axes": .array(g.axes.map { .object(["name": .string($0.name), "lower": .number($0.values.first!),
                                                 "upper": .number($0.values.last!), "count": .number(Double($0.values.count))]) }),
            "mode": JSONValue(g.mode), "mean": JSONValue(g.mean), "sd": JSONValue(g.sd),
            "ci90_lower": JSONValue(ci.map(\.lowerBound)), "ci90_upper": JSONValue(ci.map(\.upperBound)),
            "log_evidence": .number(g.logEvidence), "solve_s": .number(seconds),
            "nodes": .number(Double(g.logPosterior.count)),
        ])
    }

    /// `ode-oscillator`: seed 001's "Bayes' theorem on the oscillator
    /// parameters". Data: the 60 noisy displacements of
    /// ``Datasets/oscillator(size:noiseStd:seed:zeta:omega:tMax:truthTMax:)``
    /// (ζ = 0.08, ω = 1.1, σ = 0.05 on [0, 6]); priors ζ ~ U(0, 0.25),
    /// ω ~ U(0.6, 1.6); known noise 0.05. The seed's 60 × 60 grid, then a
    /// 100 × 100 grid zoomed on the posterior twice (the seed's ω step, 0.012,
    /// is wider than the posterior sd), and the posterior predictive on
    /// [0, 8] from the fine grid's weights. No random draws.
    public static func oscillator(threads: Int? = nil) throws -> StudyResult {
        let data = try Datasets.oscillator()
        let truth = [0.08, 1.1]
        let post = try ODEPosterior.oscillator(times: data.x, observations: data.y, noiseSD: data.noiseStd)
        var start = ContinuousClock.now
        let coarse = try post.grid(try seedAxes(), threads: threads)
        let coarseSeconds = elapsed(since: start)
        start = .now
        let zoom = try post.grid(try coarse.zoomedAxes(count: 100), threads: threads)
        let fine = try post.grid(try zoom.zoomedAxes(count: 100, width: 5), threads: threads)
        let fineSeconds = elapsed(since: start)
        let predictive = try post.predictive(fine, times: data.truthX, threads: threads)

        let figGrid = try ODEFigures.grid(coarse, truth: truth,
                                          title: "Seed 001: exact posterior of (ζ, ω) on the 60 × 60 grid (σ = 0.05 known)")
        let figFine = try ODEFigures.grid(fine, truth: truth,
                                          title: "The same posterior on a 100 × 100 grid zoomed on its mass")
        let figPred = try ODEFigures.predictive(
            predictive, data: (data.x, data.y), truth: (data.truthX, data.truthY),
            title: "Posterior predictive of the physics model from the fine grid: interpolation [0, 6], extrapolation (6, 8]")

        // Coverage of the true trajectory by the ±2σ epistemic band, inside and outside the data window.
        func coverage(_ range: (Double) -> Bool) -> Double {
            let idx = predictive.times.indices.filter { range(predictive.times[$0]) }
            let hit = idx.filter { abs(predictive.mean[$0] - data.truthY[$0]) <= 2 * predictive.totalSD[$0] }.count
            return Double(hit) / Double(max(1, idx.count))
        }
        func rmse(_ range: (Double) -> Bool) -> Double {
            let idx = predictive.times.indices.filter { range(predictive.times[$0]) }
            return (idx.reduce(0) { $0 + pow(predictive.mean[$1] - data.truthY[$1], 2) } / Double(max(1, idx.count))).squareRoot()
        }
        let inside = { (t: Double) in t <= 6 }, outside = { (t: Double) in t > 6 }
        let m = fine.mean, s = fine.sd, cm = coarse.mean, cs = coarse.sd
        let rows = [
            ["60 x 60 (seed)", cell(cm[0]), cell(cs[0]), cell(cm[1]), cell(cs[1]), cell(coarse.mode[0]) + ", " + cell(coarse.mode[1])],
            ["100 x 100 zoomed", cell(m[0]), cell(s[0]), cell(m[1]), cell(s[1]), cell(fine.mode[0]) + ", " + cell(fine.mode[1])],
        ]
        return StudyResult(
            name: "ode-oscillator", title: "Grid posterior over the damped oscillator's parameters",
            seedDocument: "seed 001, Bayes' theorem on the oscillator parameters",
            description: """
                Seed 001's physics model x'' + 2 zeta omega x' + omega^2 x = 0 (x(0) = 1, v(0) = 0), observed at 60 \
                times on [0, 6] with known noise 0.05; priors zeta ~ U(0, 0.25), omega ~ U(0.6, 1.6). Every grid node \
                is one rk8pd solve (rtol 1e-8) in C, in parallel; the log posterior is normalised on the log scale \
                (trapezoid weights). The seed's 60 x 60 grid puts almost all the mass on a few omega nodes (its step, \
                0.012, is wider than the posterior sd), so the posterior is refined on a 100 x 100 grid zoomed on its \
                mass. The predictive mixes the fine grid's trajectories by their probabilities: the band stays narrow \
                when extrapolating to t = 8 because the physics constrains the trajectory.
                """,
            figures: [StudyFigure(file: "ode-oscillator-grid.svg", figure: figGrid),
                      StudyFigure(file: "ode-oscillator-fine.svg", figure: figFine),
                      StudyFigure(file: "ode-oscillator-predictive.svg", figure: figPred)],
            summary: [
                "truth": JSONValue(truth), "noise_sd": .number(data.noiseStd), "n": .number(Double(data.count)),
                "seed_grid": try record(coarse, seconds: coarseSeconds), "fine_grid": try record(fine, seconds: fineSeconds),
                "solver": .object(["method": .string(post.solver.method.rawValue), "rtol": .number(post.solver.rtol),
                                   "atol": .number(post.solver.atol)]),
                "predictive": .object([
                    "rmse_interpolation": .number(rmse(inside)), "rmse_extrapolation": .number(rmse(outside)),
                    "coverage2sd_interpolation": .number(coverage(inside)),
                    "coverage2sd_extrapolation": .number(coverage(outside)),
                    "max_sd_epistemic": .number(predictive.sd.max() ?? .nan), "grid_points_solved": .number(Double(predictive.points)),
                ]),
            ],
            table: StudyTable(header: ["grid", "zeta mean", "zeta sd", "omega mean", "omega sd", "mode"], rows: rows),
            headline: String(format: "zeta = %.4f ± %.4f, omega = %.4f ± %.4f (truth 0.08, 1.1); 60x60 grid in %.0f ms",
                             m[0], s[0], m[1], s[1], coarseSeconds * 1000))
    }

    static func elapsed(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
