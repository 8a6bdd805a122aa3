import Foundation

/// Seed 001's scalar variational example: a single Gaussian `q` fitted to a
/// bimodal posterior by ADVI.
public enum ADVIStudies {
    /// The model of seed 001's warm-up: `θ ~ N(0, 5²)`, `y | θ ~ N(θ², 0.5²)`, observed `y = 4`.
    public static let scalarPriorSD = 5.0, scalarNoise = 0.5, scalarObservation = 4.0

    /// `log p(θ | y) + const = −(y − θ²)²/(2·0.5²) − θ²/(2·5²)`, with its gradient
    /// `2θ(y − θ²)/0.5² − θ/5²`: two modes near ±2.
    public static func scalarPosterior() throws -> LogDensity {
        try LogDensity(dimension: 1, names: ["theta"], hasGradient: true) { t, g in
            let th = t[0], r = scalarObservation - th * th
            let s2 = scalarNoise * scalarNoise, p2 = scalarPriorSD * scalarPriorSD
            if let g { g[0] = 2 * th * r / s2 - th / p2 }
            return -0.5 * r * r / s2 - 0.5 * th * th / p2
        }
    }

    /// The exact posterior density on `grid`, normalised by a Riemann sum as
    /// the notebook does (`density / (Σ density · Δθ)`).
    public static func exactDensity(on grid: [Double]) throws -> [Double] {
        let model = try scalarPosterior()
        let lp = try grid.map { try model([$0]) }
        let top = lp.max() ?? 0
        let p = lp.map { exp($0 - top) }
        let dx = grid[1] - grid[0]
        let z = p.reduce(0, +) * dx
        return p.map { $0 / z }
    }

    /// Mean and sd of the exact posterior restricted to the half line of `sign` (the mode VI picked).
    static func halfMoments(grid: [Double], density: [Double], sign: Double) -> (mean: Double, sd: Double) {
        let idx = grid.indices.filter { grid[$0] * sign > 0 }
        let w = idx.reduce(0) { $0 + density[$1] }
        let m = idx.reduce(0) { $0 + density[$1] * grid[$1] } / w
        let v = idx.reduce(0) { $0 + density[$1] * pow(grid[$1] - m, 2) } / w
        return (m, v.squareRoot())
    }

    /// `vi-bimodal`: seed 001 "Variational inference as optimization". A
    /// mean-field Gaussian `q` from `N(0, 1)` (μ = 0, log σ = 0), 256 draws
    /// per step, Adam(0.05), 1500 steps, against the exact posterior on the
    /// notebook's 2000-point grid over [−6, 6]. `q` settles on one of the two
    /// modes; which one depends on the seed (the start is symmetric).
    public static func bimodal(seed: UInt64 = 0) throws -> StudyResult {
        let model = try scalarPosterior()
        let advi = ADVI(family: .meanField, samples: 256, steps: 1500, learningRate: 0.05)
        let fit = try advi.fit(model, seed: seed)
        // Seed 003's point: REINFORCE vs reparameterization on the same 256 draws, 200 replicates,
        // at the start q0 = N(0, 1) and at the fitted q.
        let varStart = try advi.gradientVariance(model, parameters: [0, 0], replicates: 200, seed: seed)
        let varFit = try advi.gradientVariance(model, parameters: fit.parameters, replicates: 200, seed: seed)
        let grid = linspace(-6, 6, 2000)
        let exact = try exactDensity(on: grid)
        let q = try fit.marginalDensity(0, at: grid)
        let mu = fit.mean[0], sd = try fit.standardDeviations[0]
        let half = halfMoments(grid: grid, density: exact, sign: mu >= 0 ? 1 : -1)
        // Mass of the exact posterior on q's side of 0 (about 1/2: q misses the other mode entirely).
        let dx = grid[1] - grid[0]
        let massSide = grid.indices.filter { grid[$0] * mu > 0 }.reduce(0) { $0 + exact[$1] } * dx
        let tail = VIHistory.trailingMean(fit.elbo, window: 100)
        // The evidence log p(y) on the grid: the ELBO of a one-mode q is about log p(y) − log 2.
        let lp = try grid.map { try model([$0]) }
        let top = lp.max() ?? 0
        let logNorm = -0.5 * log(2 * Double.pi * scalarNoise * scalarNoise) - 0.5 * log(2 * Double.pi * scalarPriorSD * scalarPriorSD)
        // log Z of the unnormalised density the ELBO bounds, and the evidence with the constants put back.
        let logZ = top + log(lp.reduce(0) { $0 + exp($1 - top) } * dx)
        let logEvidence = logZ + logNorm

        var fig = Figure(title: "Seed 001: one Gaussian q fitted by ADVI to the bimodal posterior of y = θ², y = 4",
                         rows: 1, columns: 2, width: 1300, height: 420)
        try fig.panel(0, 0) { p in
            p.title = "Approximation quality matters"
            p.xLabel = "θ"
            p.yLabel = "density"
            p.legend = .topLeft
            try p.line(x: grid, y: exact, label: "exact posterior (2000-point grid)", color: .blue)
            try p.line(x: grid, y: q, label: String(format: "q = N(%.3f, %.3f²)", mu, sd), color: .vermillion, dash: .dashed)
            try p.verticalLine(x: 2, color: .black, width: 0.7, dash: .dotted)
            try p.verticalLine(x: -2, color: .black, width: 0.7, dash: .dotted)
        }
        try fig.panel(0, 1) { p in
            p.title = "VI turns Bayes into optimization"
            p.xLabel = "step"
            p.yLabel = "ELBO"
            p.legend = .bottomRight
            let finite = fit.elbo.filter(\.isFinite).sorted()
            if finite.count > 20 { p.yLimits = (finite[finite.count / 20] - 1)...(finite.last! + 1) }
            try p.line(x: (1...fit.elbo.count).map(Double.init), y: fit.elbo, label: "ELBO estimate (256 draws)", color: .blue, width: 1)
            try p.horizontalLine(y: logZ - log(2), label: "log Z − log 2 (one mode's share)", color: .black)
        }
        return StudyResult(
            name: "vi-bimodal", title: "One Gaussian on a bimodal posterior (ADVI)",
            seedDocument: "seed 001, Variational inference as optimization",
            description: """
                Seed 001's warm-up: theta ~ N(0, 5^2), y = theta^2 + N(0, 0.5^2) noise, observed y = 4, so the \
                posterior has two modes near +-2. A Gaussian q starting at N(0, 1) is fitted by ADVI (the \
                reparameterized ELBO gradient from 256 draws per step, Adam lr 0.05, 1500 steps) and drawn beside \
                the exact posterior on the notebook's 2000-point grid over [-6, 6]. q settles on one mode (the \
                seed decides which) with about the width of that mode: the reverse KL(q || p) is mode-seeking, \
                so half the posterior mass is ignored. The ELBO (of the density without its normalising constants) then sits near log Z - log 2. \
                The summary also gives the total variance of the two gradient estimators (reparameterization and \
                score function / REINFORCE, seed 003) on the same 256 draws over 200 replicates, at the start and at the fit.
                """,
            figures: [StudyFigure(file: "vi-bimodal.svg", figure: fig)],
            summary: [
                "q_mean": .number(mu), "q_sd": .number(sd), "mode_mean": .number(half.mean), "mode_sd": .number(half.sd),
                "exact_mass_on_q_side": .number(massSide), "final_elbo": .number(fit.elbo.last ?? .nan),
                "smoothed_elbo": .number(tail), "log_evidence": .number(logEvidence),
                "log_z_unnormalised": .number(logZ), "elbo_gap_to_log_z": .number(logZ - tail), "samples": .number(256), "steps": .number(1500),
                "learning_rate": .number(0.05), "grid_points": .number(2000), "training_s": .number(fit.seconds),
                "seed": .number(Double(seed)),
                "gradient_variance": .object([
                    "samples": .number(256), "replicates": .number(200),
                    "reparameterization_at_start": .number(varStart.reparameterizationTotal),
                    "score_function_at_start": .number(varStart.scoreFunctionTotal),
                    "reparameterization_at_fit": .number(varFit.reparameterizationTotal),
                    "score_function_at_fit": .number(varFit.scoreFunctionTotal),
                ]),
            ],
            table: StudyTable(header: ["", "mean", "sd"],
                              rows: [["q (ADVI)", cell(mu), cell(sd)],
                                     ["exact posterior, q's mode (half line)", cell(half.mean), cell(half.sd)]]),
            headline: String(format: "q = N(%.3f, %.3f²) on one mode; the exact mode has mean %.3f, sd %.3f; gradient variance at the fit: REINFORCE %.3g vs reparameterization %.3g",
                             mu, sd, half.mean, half.sd, varFit.scoreFunctionTotal, varFit.reparameterizationTotal))
    }
}
