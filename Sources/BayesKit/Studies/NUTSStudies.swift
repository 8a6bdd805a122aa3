import Foundation

/// The gradient-based MCMC studies: seed 000's sine posterior sampled by
/// random-walk MH and by NUTS side by side, and seed 004's HMC example (a
/// BNN with sin activation, 30% burn-in, weight histograms and traces).
public enum NUTSStudies {
    /// What the sine comparison measures of one sampler.
    struct SamplerReport {
        let chains: Chains
        let functionals: [RunResult.ParameterSummary]
        let prediction: PredictiveSummary
        let rmse: Double
        let meanPredictiveSD: Double
        var maxRhat: Double { functionals.compactMap(\.rhat).max() ?? .nan }
        var minESS: Double { functionals.compactMap(\.essBulk).min() ?? .nan }
        /// Minimum bulk ESS of the functionals per second of the run's wall time (warmup included).
        var essPerSecond: Double { minESS / chains.wallSeconds }
    }

    static func report(_ chains: Chains, bnn: BNN, data: Dataset, threads: Int?) throws -> SamplerReport {
        let points = try Predictive.defaultFunctionalInputs(x: data.x)
        let f = try Predictive.functionals(chains, architecture: bnn.architecture, at: points, threads: threads)
        let grid = data.truthX
        let pred = try Predictive.posterior(bnn, chains: chains, inputs: try Matrix(rows: grid.count, columns: 1, values: grid),
                                            count: 200, seed: chains.seed, keepFunctionSamples: true, threads: threads)
        let mean = pred.mean.column(0)
        let rmse = (zip(mean, data.truthY).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(grid.count)).squareRoot()
        let sd = (pred.observationSD ?? pred.sd).column(0)
        return SamplerReport(chains: chains, functionals: try f.summary(threads: threads ?? 0), prediction: pred, rmse: rmse,
                             meanPredictiveSD: sd.reduce(0, +) / Double(sd.count))
    }

    /// `mcmc-nuts-sine`: seed 000's 1-5-1 ReLU posterior on the sine data,
    /// 4 chains each of seed 000's random-walk MH (scale 0.01, 10,000
    /// iterations, every 10th kept) and of NUTS (Stan's defaults, 500 warmup +
    /// 1000 draws), both from seed 000's MSE start. Compared on the predictive
    /// functionals f(x) at 5 points (max R-hat, min bulk ESS, ESS per second),
    /// the RMSE of the predictive mean against sin(x) and the mean predictive sd.
    public static func sine(seed: UInt64 = 0, threads: Int? = nil) throws -> StudyResult {
        let data = try Datasets.sine()
        let bnn = try MCMCStudies.seed000Model()
        let initial = Initialization.mse(steps: 200, learningRate: 0.01)
        let mh = try report(MCMC.seed000(chains: 4).run(bnn, x: data.x, y: data.y, initial: initial, seed: seed, threads: threads),
                            bnn: bnn, data: data, threads: threads)
        let nutsRun = MCMC(kernel: NUTS(), chains: 4, warmup: 500, draws: 1000)
        let nuts = try report(nutsRun.run(bnn, x: data.x, y: data.y, initial: initial, seed: seed, threads: threads),
                              bnn: bnn, data: data, threads: threads)
        var fig = Figure(title: "Seed 000's sine posterior: random-walk MH (scale 0.01) against NUTS, 4 chains each",
                         rows: 1, columns: 2, width: 1400, height: 560)
        for (j, (label, r)) in [("MH", mh), ("NUTS", nuts)].enumerated() {
            try fig.panel(0, j) { p in
                p.title = String(format: "%@: RMSE %.3f, max R-hat %.3f, min ESS %.0f", label, r.rmse, r.maxRhat, r.minESS)
                p.yLimits = -2...2
                try MCMCStudies.predictivePanel(&p, r.prediction, x: data.x, y: data.y, truth: (data.truthX, data.truthY))
            }
        }
        let rows: [[String]] = [("MH", mh), ("NUTS", nuts)].map { label, r in
            [label, cell(r.rmse), cell(r.meanPredictiveSD), cell(r.maxRhat), cell(r.minESS), cell(r.chains.wallSeconds),
             cell(r.essPerSecond), "\(r.chains.divergences)",
             cell(r.chains.chainStats.map(\.evaluationsPerDraw).reduce(0, +) / 4)]
        }
        func record(_ r: SamplerReport) -> JSONValue {
            .object(["rmse": .number(r.rmse), "mean_predictive_sd": .number(r.meanPredictiveSD),
                     "max_rhat_functionals": .number(r.maxRhat), "min_ess_bulk_functionals": .number(r.minESS),
                     "wall_s": .number(r.chains.wallSeconds), "ess_per_s": .number(r.essPerSecond),
                     "divergences": .number(Double(r.chains.divergences)),
                     "tree_depth_hits": .number(Double(r.chains.treeDepthHits)),
                     "step_sizes": JSONValue(r.chains.stepSizes),
                     "evals_per_draw": JSONValue(r.chains.chainStats.map(\.evaluationsPerDraw)),
                     "kept_draws": .number(Double(r.chains.chainStats.map(\.keptDraws).reduce(0, +)))])
        }
        let ratio = nuts.essPerSecond / mh.essPerSecond
        return StudyResult(
            name: "mcmc-nuts-sine", title: "NUTS against random-walk Metropolis on a Bayesian neural network",
            seedDocument: "seed 000, section 7.4 (its next step: gradient-based samplers)",
            description: """
                Seed 000's posterior (1-5-1 ReLU network, N(0, 1) weights, noise 0.1, the 20-point sine data) sampled \
                by its own random-walk Metropolis (scale 0.01, 10,000 iterations, every 10th kept) and by NUTS (Stan's \
                multinomial NUTS with the generalised U-turn criterion, 500 warmup iterations adapting the step size to \
                0.8 acceptance and a diagonal metric, 1000 draws), 4 chains each from seed 000's MSE fit. Convergence \
                is judged on the predictive functionals f(x) at 5 points: MH has max R-hat \(cell(mh.maxRhat)) and min \
                bulk ESS \(cell(mh.minESS)); NUTS \(cell(nuts.maxRhat)) and \(cell(nuts.minESS)) \
                (\(nuts.chains.divergences) divergent transitions), i.e. \(cell(ratio))x MH's ESS per second of wall \
                time. Predictive RMSE against sin(x): MH \(cell(mh.rmse)), NUTS \(cell(nuts.rmse)); mean predictive sd \
                of y: MH \(cell(mh.meanPredictiveSD)), NUTS \(cell(nuts.meanPredictiveSD)) — a sampler that explores \
                more of the posterior reports more uncertainty away from the data.
                """,
            figures: [StudyFigure(file: "mcmc-nuts-sine.svg", figure: fig)],
            summary: ["mh": record(mh), "nuts": record(nuts), "ess_per_s_ratio": .number(ratio), "seed": .number(Double(seed)),
                      "nuts_warmup": .number(500), "nuts_draws": .number(1000), "chains": .number(4)],
            table: StudyTable(header: ["sampler", "RMSE", "mean pred. sd", "max R-hat f", "min ESS f", "wall s", "ESS/s",
                                       "divergences", "grad evals/draw"], rows: rows),
            headline: String(format: "NUTS: max R-hat %.3f, min ESS %.0f (MH: %.3f, %.0f); %.3gx MH's ESS/s; RMSE %.3f vs %.3f",
                             nuts.maxRhat, nuts.minESS, mh.maxRhat, mh.minESS, ratio, nuts.rmse, mh.rmse))
    }

    /// `mcmc-hmc-sin`: seed 004's "full MCMC with HMC" example. A 1-5-1
    /// network with sin activation on the sine data (N(0, 1) weights, noise
    /// 0.1), 4 chains of HMC (20 leapfrog steps) for 2000 iterations each of
    /// which the first 30% are burn-in (the step size and a diagonal metric
    /// adapt there). Figures: the predictive (μ ± 2σ), a histogram per weight
    /// and the traces of four weights.
    public static func hmcSin(seed: UInt64 = 0, threads: Int? = nil) throws -> StudyResult {
        let data = try Datasets.sine()
        let bnn = try BNN(layers: [1, 5, 1], activation: .sin, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1))
        let total = 2000, burn = total * 3 / 10, steps = 20
        let run = MCMC(kernel: HMC(stepSize: 0.05, steps: steps), chains: 4, warmup: burn, draws: total - burn)
        let chains = try run.run(bnn, x: data.x, y: data.y, initial: .map(), seed: seed, threads: threads)
        let r = try NUTSStudies.report(chains, bnn: bnn, data: data, threads: threads)
        let w = try chains.summary(threads: threads ?? 0)
        let draws = try chains.draws()
        let names = chains.parameterNames
        // Predictive with ±2σ bands as in the seed's figure.
        var pfig = Figure(title: "HMC posterior predictive of the sin-activation BNN (4 chains, 30% burn-in)",
                          rows: 1, columns: 1, width: 900, height: 560)
        try pfig.panel(0, 0) { p in
            p.yLimits = -2...2
            try MCMCStudies.predictivePanel(&p, r.prediction, x: data.x, y: data.y, truth: (data.truthX, data.truthY))
        }
        // One histogram per weight: 4 x 4 panels.
        var hfig = Figure(title: "Weight distributions: \(draws.count) chains x \(chains.chainStats[0].keptDraws) HMC draws",
                          rows: 4, columns: 4, width: 1400, height: 1100)
        for j in 0..<min(16, bnn.dimension) {
            let values = draws.flatMap { $0.map { $0[j] } }
            try hfig.panel(j / 4, j % 4) { p in
                p.title = names[j]
                p.legend = .hidden
                try p.histogram(values, bins: 40, density: true, label: names[j], color: .skyBlue)
            }
        }
        let traceIdx = [0, 5, 10, 15].filter { $0 < bnn.dimension }
        let tfig = try Figure.traces(title: "HMC traces of four weights (4 chains, after burn-in)",
                                     names: traceIdx.map { names[$0] },
                                     draws: draws.map { c in c.map { d in traceIdx.map { d[$0] } } })
        let acc = chains.chainStats.map(\.meanAcceptanceProbability)
        let rows = w.map { [$0.name, cell($0.mean), cell($0.sd), cell($0.essBulk ?? .nan), cell($0.rhat ?? .nan)] }
        return StudyResult(
            name: "mcmc-hmc-sin", title: "HMC for a Bayesian neural network with sin activation",
            seedDocument: "seed 004 (Bayesian neural network: full MCMC with HMC)",
            description: """
                Seed 004's HMC example: the 16 weights of a 1-5-1 network with sin activation (N(0, 1) prior, noise \
                0.1) on the 20-point sine data, sampled by Hamiltonian Monte Carlo with \(steps) leapfrog steps per \
                draw, 4 chains from MAP fits, \(total) iterations of which the first 30% are burn-in (the step size \
                adapts by dual averaging to 0.8 acceptance and a diagonal metric is estimated there). Mean acceptance \
                after burn-in \(cell(acc.reduce(0, +) / 4)), step sizes \(chains.stepSizes.map(cell).joined(separator: ", ")), \
                \(chains.divergences) divergences. The predictive functionals f(x) at 5 points have max R-hat \
                \(cell(r.maxRhat)) and min bulk ESS \(cell(r.minESS)); the predictive mean has RMSE \(cell(r.rmse)) \
                against sin(x). The histograms show each weight's marginal; multimodal ones reflect the network's \
                sign and permutation symmetries (chains in different modes), which is why convergence is judged on \
                the functionals.
                """,
            figures: [StudyFigure(file: "mcmc-hmc-sin.svg", figure: pfig),
                      StudyFigure(file: "mcmc-hmc-sin-weights.svg", figure: hfig),
                      StudyFigure(file: "mcmc-hmc-sin-trace.svg", figure: tfig)],
            summary: ["iterations": .number(Double(total)), "burn_in": .number(Double(burn)), "leapfrog_steps": .number(Double(steps)),
                      "chains": .number(4), "acceptance": JSONValue(acc), "step_sizes": JSONValue(chains.stepSizes),
                      "divergences": .number(Double(chains.divergences)), "rmse": .number(r.rmse),
                      "mean_predictive_sd": .number(r.meanPredictiveSD), "max_rhat_functionals": .number(r.maxRhat),
                      "min_ess_bulk_functionals": .number(r.minESS), "wall_s": .number(chains.wallSeconds),
                      "seed": .number(Double(seed))],
            table: StudyTable(header: ["weight", "mean", "sd", "ESS bulk", "R-hat"], rows: rows),
            headline: String(format: "HMC, 30%% burn-in: acceptance %.2f, functionals max R-hat %.3f, min ESS %.0f, RMSE %.3f",
                             acc.reduce(0, +) / 4, r.maxRhat, r.minESS, r.rmse))
    }
}

extension NUTSStudies {
    /// `mcmc-sg-sine`: stochastic-gradient samplers on seed 000's sine
    /// posterior (seed 000 names SGLD as the next step after MH): SGLD with
    /// decreasing steps and cyclical SGHMC on minibatches of 5 of the 20
    /// points, beside NUTS on the full data; predictive bands, RMSE and ESS
    /// per second of the predictive functionals.
    static func sgSine(seed: UInt64 = 0, threads: Int? = nil) throws -> StudyResult {
        let data = try Datasets.sine()
        let bnn = try MCMCStudies.seed000Model()
        let initial = Initialization.mse(steps: 200, learningRate: 0.01)
        let nuts = try report(MCMC(kernel: NUTS(), chains: 4, warmup: 500, draws: 1000)
            .run(bnn, x: data.x, y: data.y, initial: initial, seed: seed, threads: threads), bnn: bnn, data: data, threads: threads)
        // eps_t = 1e-4 (1 + t/1000)^-0.55; eta = 1e-5 over 4 cycles, half of each without noise.
        let sgld = SGLD(stepSize: .polynomial(a: 1e-4 * Foundation.pow(1000, 0.55), b: 1000, gamma: 0.55), batchSize: 5)
        let sghmc = SGHMC(stepSize: .cyclical(a: 1e-5, cycles: 4, exploration: 0.5), batchSize: 5, friction: 0.1)
        let sgRun = { (k: any MCMCKernel) in MCMC(kernel: k, chains: 4, warmup: 20_000, draws: 100_000, thin: 50) }
        let l = try report(sgRun(sgld).run(bnn, x: data.x, y: data.y, initial: initial, seed: seed, threads: threads),
                           bnn: bnn, data: data, threads: threads)
        let h = try report(sgRun(sghmc).run(bnn, x: data.x, y: data.y, initial: initial, seed: seed, threads: threads),
                           bnn: bnn, data: data, threads: threads)
        let all = [("NUTS", nuts), ("SGLD", l), ("cyclical SGHMC", h)]
        var fig = Figure(title: "Seed 000's sine posterior: NUTS on all 20 points, SGLD and cyclical SGHMC on minibatches of 5",
                         rows: 1, columns: 3, width: 1500, height: 520)
        for (j, (label, r)) in all.enumerated() {
            try fig.panel(0, j) { p in
                p.title = String(format: "%@: RMSE %.3f, R-hat %.3f, ESS %.0f", label, r.rmse, r.maxRhat, r.minESS)
                p.yLimits = -2...2
                try MCMCStudies.predictivePanel(&p, r.prediction, x: data.x, y: data.y, truth: (data.truthX, data.truthY))
            }
        }
        let rows: [[String]] = all.map { label, r in
            [label, cell(r.rmse), cell(r.meanPredictiveSD), cell(r.maxRhat), cell(r.minESS), cell(r.chains.wallSeconds),
             cell(r.essPerSecond), cell(r.chains.chainStats.map(\.evaluationsPerDraw).reduce(0, +) / 4)]
        }
        var summary: [String: JSONValue] = ["seed": .number(Double(seed)), "batch_size": .number(5), "chains": .number(4)]
        for (label, r) in all {
            summary[label.lowercased().replacingOccurrences(of: " ", with: "_")] = .object([
                "rmse": .number(r.rmse), "mean_predictive_sd": .number(r.meanPredictiveSD),
                "max_rhat_functionals": .number(r.maxRhat), "min_ess_bulk_functionals": .number(r.minESS),
                "wall_s": .number(r.chains.wallSeconds), "ess_per_s": .number(r.essPerSecond),
                "evals_per_draw": JSONValue(r.chains.chainStats.map(\.evaluationsPerDraw))])
        }
        return StudyResult(
            name: "mcmc-sg-sine", title: "Stochastic-gradient MCMC on a Bayesian neural network",
            seedDocument: "seed 000, section 7.4 (SGLD as the next step), seed 004 (HMC)",
            description: """
                Seed 000's posterior (1-5-1 ReLU, N(0, 1) weights, noise 0.1, 20 sine points) sampled from \
                minibatches of 5 points with the likelihood scaled by 20/5: SGLD (Welling & Teh 2011) with steps \
                1e-4 (1 + t/1000)^-0.55 and cyclical SGHMC (Chen et al. 2014; Zhang et al. 2020: 4 cycles, learning \
                rate 1e-5 falling by a cosine, the first half of each cycle without noise), 4 chains x (20,000 \
                warmup + 100,000) steps, every 50th kept, beside NUTS on all 20 points. No step is accepted or \
                rejected: the minibatch gradient noise and the discretisation bias shrink with the step size. \
                Judged, as for MH and NUTS, on the predictive functionals f(x) at 5 points.
                """,
            figures: [StudyFigure(file: "mcmc-sg-sine.svg", figure: fig)],
            summary: summary,
            table: StudyTable(header: ["sampler", "RMSE", "mean pred. sd", "max R-hat f", "min ESS f", "wall s", "ESS/s",
                                       "grad evals/draw"], rows: rows),
            headline: String(format: "SGLD: RMSE %.3f, max R-hat %.3f; cyclical SGHMC: %.3f, %.3f; NUTS: %.3f, %.3f",
                             l.rmse, l.maxRhat, h.rmse, h.maxRhat, nuts.rmse, nuts.maxRhat))
    }
}
