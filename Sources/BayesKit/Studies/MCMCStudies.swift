import Foundation

/// The Metropolis–Hastings studies of the seeds: seed 000's prior
/// predictive and random-walk MH over the weights of the 1-5-1 ReLU network,
/// and seed 004's MH for a linear regression against its exact posterior.
public enum MCMCStudies {
    /// Seed 000's printed final acceptance rate of its random-walk MH.
    public static let seed000AcceptanceRate = 0.455

    /// Seed 000's model: 1-5-1 ReLU, Gaussian noise 0.1, N(0, 1) on every weight.
    public static func seed000Model() throws -> BNN {
        try BNN(layers: [1, 5, 1], activation: .relu, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1))
    }

    /// `mcmc-prior`: seed 000 §7.3. 50 prior predictive function samples of
    /// the 1-5-1 ReLU network with N(0, 1) weights over x in [-3, 3]
    /// (draw `s` from stream `s` of `seed`), with the sine data.
    public static func prior(seed: UInt64 = 0, threads: Int? = nil) throws -> StudyResult {
        let data = try Datasets.sine()
        let bnn = try seed000Model()
        let grid = linspace(-3, 3, 200)
        let pred = try Predictive.prior(bnn, count: 50, inputs: try Matrix(rows: grid.count, columns: 1, values: grid),
                                        seed: seed, threads: threads)
        let samples = (pred.functionSamples ?? []).map(\.values)
        let fsd = pred.sd.values
        var fig = Figure(title: "Prior predictive of the 1-5-1 ReLU network, every weight N(0, 1): 50 functions",
                         rows: 1, columns: 1, width: 900, height: 560)
        try fig.panel(0, 0) { p in
            p.xLabel = "x"
            p.yLabel = "f(x)"
            p.legend = .topLeft
            try p.band(x: grid, lower: pred.quantiles[0].values, upper: pred.quantiles[2].values,
                       label: "5-95% of the prior functions", color: .skyBlue, opacity: 0.2)
            try p.lines(x: grid, ys: samples, label: "\(samples.count) prior function samples", color: .blue, width: 0.8,
                        opacity: 0.35)
            try p.line(x: data.truthX, y: data.truthY, label: "truth sin(x)", color: .black, width: 1.5, dash: .dotted)
            try p.scatter(x: data.x, y: data.y, label: "data (n = \(data.count))", color: .vermillion, size: 7, edge: .black,
                          opacity: 1)
        }
        let mid = fsd[grid.count / 2], edge = max(fsd.first ?? .nan, fsd.last ?? .nan)
        let range = (samples.flatMap { $0 }.min() ?? .nan, samples.flatMap { $0 }.max() ?? .nan)
        return StudyResult(
            name: "mcmc-prior", title: "Prior predictive of a Bayesian neural network", seedDocument: "seed 000, section 7.3",
            description: """
                Seed 000's prior check before sampling: 50 weight vectors of the 1-5-1 ReLU network drawn from the \
                N(0, 1) prior on all 16 weights and biases, each drawn as a function over x in [-3, 3], with the \
                20-point sine data. The prior functions are piecewise linear with at most 5 kinks and their spread \
                grows with |x| (sd \(cell(mid)) at x = 0, \(cell(edge)) at the ends): the prior puts mass on \
                functions of the data's scale but knows nothing of the sine shape.
                """,
            figures: [StudyFigure(file: "mcmc-prior.svg", figure: fig)],
            summary: [
                "samples": .number(Double(samples.count)), "grid_points": .number(Double(grid.count)),
                "prior_sd_at_0": .number(mid), "prior_sd_at_edges": .number(edge),
                "min_f": .number(range.0), "max_f": .number(range.1), "seed": .number(Double(seed)),
            ],
            table: StudyTable(header: ["quantity", "value"],
                              rows: [["function samples", "\(samples.count)"], ["prior sd of f(0)", cell(mid)],
                                     ["prior sd of f(±3) (max)", cell(edge)],
                                     ["range of the samples", "\(cell(range.0)) .. \(cell(range.1))"]]),
            headline: String(format: "50 prior functions over [-3, 3]; prior sd of f %.3g at x = 0, %.3g at the ends", mid, edge))
    }

    /// `mcmc-sine`: seed 000 §7.4. Random-walk MH over the 16 weights:
    /// start from 200 Adam steps (lr 0.01) on the mean squared error,
    /// 10,000 iterations with proposal sd 0.01, no burn-in, every 10th kept;
    /// one chain as in the notebook and 4 chains (same recipe) for R-hat.
    /// The posterior predictive uses 100 random kept draws of the single chain.
    public static func sine(seed: UInt64 = 0, threads: Int? = nil) throws -> StudyResult {
        let data = try Datasets.sine()
        let bnn = try seed000Model()
        let initial = Initialization.mse(steps: 200, learningRate: 0.01)
        let one = try MCMC.seed000(chains: 1).run(bnn, x: data.x, y: data.y, initial: initial, seed: seed, threads: threads)
        let four = try MCMC.seed000(chains: 4).run(bnn, x: data.x, y: data.y, initial: initial, seed: seed, threads: threads)
        let points = try Predictive.defaultFunctionalInputs(x: data.x)
        let f1 = try Predictive.functionals(one, architecture: bnn.architecture, at: points, threads: threads)
        let f4 = try Predictive.functionals(four, architecture: bnn.architecture, at: points, threads: threads)
        let s1 = try f1.summary(threads: threads ?? 0), s4 = try f4.summary(threads: threads ?? 0)
        let w4 = try four.summary(threads: threads ?? 0)
        let grid = data.truthX
        let pred = try Predictive.posterior(bnn, chains: one, inputs: try Matrix(rows: grid.count, columns: 1, values: grid),
                                            count: 100, seed: seed, keepFunctionSamples: true, threads: threads)
        let predFig = try predictiveFigure(pred, x: data.x, y: data.y, truth: (data.truthX, data.truthY),
                                           title: "MH posterior predictive (1 chain, 100 random kept draws of 1000)",
                                           yLimits: -2...2)
        // Traces: three weights and three functionals, 4 chains.
        let weightIdx = [0, 5, 15].filter { $0 < bnn.dimension }
        let fIdx = [0, 2, 4].filter { $0 < f4.dimension }
        let wd = try four.draws(), fd = try f4.draws()
        let combined = zip(wd, fd).map { wc, fc in zip(wc, fc).map { w, f in weightIdx.map { w[$0] } + fIdx.map { f[$0] } } }
        let traceFig = try Figure.traces(
            title: "MH traces, 4 chains of seed 000's recipe (kept draws, thin 10): weights and predictive functionals",
            names: weightIdx.map { four.parameterNames[$0] } + fIdx.map { f4.parameterNames[$0] }, draws: combined)
        let acc1 = one.acceptanceRates[0]
        let acc4 = four.acceptanceRates
        func worst(_ s: [RunResult.ParameterSummary]) -> (rhat: Double, ess: Double) {
            (s.compactMap(\.rhat).max() ?? .nan, s.compactMap(\.essBulk).min() ?? .nan)
        }
        let (r1, e1) = worst(s1), (r4, e4) = worst(s4), (rw, ew) = worst(w4)
        let rows = s4.indices.map { j in
            [s4[j].name, cell(s4[j].mean), cell(s4[j].sd), cell(s1[j].essBulk ?? .nan), cell(s4[j].essBulk ?? .nan),
             cell(s4[j].rhat ?? .nan)]
        }
        let fnRecords = s4.indices.map { j in
            JSONValue.object(["name": .string(s4[j].name), "mean": .number(s4[j].mean), "sd": .number(s4[j].sd),
                              "ess_bulk_1_chain": .number(s1[j].essBulk ?? .nan), "rhat_1_chain": .number(s1[j].rhat ?? .nan),
                              "ess_bulk_4_chains": .number(s4[j].essBulk ?? .nan),
                              "ess_tail_4_chains": .number(s4[j].essTail ?? .nan), "rhat_4_chains": .number(s4[j].rhat ?? .nan)])
        }
        let mixed = r4 <= 1.01 && e4 >= 100
        return StudyResult(
            name: "mcmc-sine", title: "Random-walk Metropolis over the weights of a Bayesian neural network",
            seedDocument: "seed 000, section 7.4",
            description: """
                Seed 000's sampler: random-walk Metropolis with proposal sd 0.01 over the 16 weights of the 1-5-1 ReLU \
                network (prior N(0, 1), noise 0.1) on the 20-point sine data, started from 200 Adam steps (lr 0.01) on the \
                mean squared error, 10,000 iterations without burn-in, every 10th kept (1000 draws). The predictive figure \
                uses 100 random kept draws of that single chain: 5-95% band of y, the function draws and their mean. \
                Acceptance was \(cell(acc1)) (notebook: 0.455). Weights are unidentifiable (hidden units permute and \
                rescale), so convergence is judged on the predictive functionals f(x) at 5 points over the data range. \
                Run four times (4 chains, each its own MSE start), the functionals have max R-hat \(cell(r4)) and min bulk \
                ESS \(cell(e4)) of 4000 draws\(mixed ? "" : ": the small fixed step explores a local mode slowly and the chains disagree, so the single-chain predictive understates the posterior's spread") \
                (one chain alone: max split R-hat \(cell(r1)), min bulk ESS \(cell(e1)) of 1000).
                """,
            figures: [StudyFigure(file: "mcmc-sine.svg", figure: predFig), StudyFigure(file: "mcmc-sine-trace.svg", figure: traceFig)],
            summary: [
                "iterations": .number(10_000), "thin": .number(10), "proposal_scale": .number(0.01),
                "init": .string("mse: 200 Adam steps, lr 0.01"), "kept_draws": .number(Double(one.chainStats[0].keptDraws)),
                "acceptance_rate": .number(acc1), "notebook_acceptance_rate": .number(seed000AcceptanceRate),
                "acceptance_rates_4_chains": JSONValue(acc4), "functionals": .array(fnRecords),
                "functional_points": JSONValue(points),
                "max_rhat_functionals_1_chain": .number(r1), "min_ess_bulk_functionals_1_chain": .number(e1),
                "max_rhat_functionals_4_chains": .number(r4), "min_ess_bulk_functionals_4_chains": .number(e4),
                "max_rhat_weights_4_chains": .number(rw), "min_ess_bulk_weights_4_chains": .number(ew),
                "predictive_draws": .number(100), "sampling_s": .number(one.samplingSeconds),
                "converged": .bool(mixed), "seed": .number(Double(seed)),
            ],
            table: StudyTable(header: ["functional", "mean", "sd", "ESS (1 chain)", "ESS (4 chains)", "R-hat (4 chains)"],
                              rows: rows),
            headline: String(format: "acceptance %.3f (notebook 0.455); functionals over 4 chains: max R-hat %.3g, min bulk ESS %.0f%@",
                             acc1, r4, e4, mixed ? "" : " (poor mixing)"))
    }

    /// `mcmc-linear`: seed 004. Random-walk MH for the straight-line
    /// regression of `Datasets.line()` (affine basis, prior precision α = 2,
    /// noise precision β = 25, as `blr-line`), 4 chains started at the exact
    /// posterior mean, 5000 iterations each of which the first 20% are burn-in
    /// where the proposal scale adapts toward 20% acceptance. Histograms per
    /// coefficient with the exact Gaussian posterior density overlaid.
    public static func linear(seed: UInt64 = 0, threads: Int? = nil) throws -> StudyResult {
        let data = try Datasets.line()
        let alpha = 2.0, beta = 25.0
        let exact = try BayesianLinearRegression(basis: .affine, alpha: alpha, beta: beta).fit(data.x, data.y, threads: threads)
        let x = data.x, y = data.y
        let model = try LogDensity(dimension: 2, names: ["w0", "w1"]) { w in
            var ll = 0.0
            for i in 0..<x.count {
                let r = y[i] - w[0] - w[1] * x[i]
                ll -= 0.5 * beta * r * r
            }
            return ll - 0.5 * alpha * (w[0] * w[0] + w[1] * w[1])
        }
        let total = 5000, burn = total / 5, target = 0.2
        let mcmc = MCMC(kernel: RandomWalkMetropolis(scale: 0.1), chains: 4, warmup: burn, draws: total - burn, thin: 1,
                        adaptScale: true, targetAcceptance: target)
        let chains = try mcmc.run(model, initial: .given([exact.mean]), seed: seed, threads: threads)
        let s = try chains.summary(threads: threads ?? 0)
        let draws = try chains.draws()
        let marg = try exact.marginals()
        let sd = exact.standardDeviations
        var fig = Figure(title: "MH for a linear regression (4 chains, 20% burn-in, scale adapted to ~20% acceptance) against the exact posterior",
                         rows: 1, columns: 2, width: 1200, height: 480)
        for j in 0..<2 {
            let values = draws.flatMap { $0.map { $0[j] } }
            let lo = exact.mean[j] - 4.5 * sd[j], hi = exact.mean[j] + 4.5 * sd[j]
            let xs = linspace(lo, hi, 200)
            try fig.panel(0, j) { p in
                p.title = "w\(j): \(values.count) MH draws"
                p.xLabel = "w\(j)"
                p.yLabel = "density"
                p.legend = .topRight
                try p.histogram(values, bins: 40, range: lo...hi, density: true, label: "MH draws", color: .skyBlue)
                try p.line(x: xs, y: xs.map { exp(marg[j].logDensity($0)) }, label: "exact posterior", color: .black, width: 2)
                try p.verticalLine(x: [-0.3, 0.5][j], label: "truth", color: .vermillion, dash: .dashed)
            }
        }
        let acc = chains.acceptanceRates
        let meanAcc = acc.reduce(0, +) / Double(acc.count)
        let scales = chains.chainStats.compactMap(\.scale)
        let z = s.indices.map { j in (s[j].mean - exact.mean[j]) / (s[j].mcseMean ?? .nan) }
        let rows = s.indices.map { j in
            [s[j].name, cell(s[j].mean), cell(exact.mean[j]), cell(s[j].sd), cell(sd[j]), cell(s[j].mcseMean ?? .nan),
             cell(s[j].essBulk ?? .nan), cell(s[j].rhat ?? .nan)]
        }
        return StudyResult(
            name: "mcmc-linear", title: "Metropolis–Hastings for a linear regression against the exact posterior",
            seedDocument: "seed 004",
            description: """
                Seed 004's MH exercise: random-walk Metropolis (the symmetric case of Metropolis–Hastings, so the \
                Hastings ratio is 1) for the intercept and slope of t = w0 + w1 x + noise on the 20-point line data, \
                with prior N(0, I/2) and noise precision 25 (the blr-line model), whose posterior is Gaussian in closed \
                form. 4 chains start near the mode (the exact posterior mean) and run \(total) iterations; the first 20% \
                are burn-in during which the proposal scale adapts toward \(Int(target * 100))% acceptance (final \
                acceptance \(cell(meanAcc)), scale \(cell(scales.first ?? .nan))). The histograms of the kept draws \
                match the exact marginal densities; the sampled means sit within \(cell(z.map(abs).max() ?? .nan)) \
                Monte Carlo standard errors of the exact ones.
                """,
            figures: [StudyFigure(file: "mcmc-linear.svg", figure: fig)],
            summary: [
                "iterations": .number(Double(total)), "burn_in": .number(Double(burn)), "chains": .number(4),
                "target_acceptance": .number(target), "acceptance_rates": JSONValue(acc), "mean_acceptance_rate": .number(meanAcc),
                "proposal_scales": JSONValue(scales), "alpha": .number(alpha), "beta": .number(beta),
                "mcmc_mean": JSONValue(s.map(\.mean)), "mcmc_sd": JSONValue(s.map(\.sd)),
                "exact_mean": JSONValue(exact.mean), "exact_sd": JSONValue(sd), "mean_error_in_mcse": JSONValue(z),
                "ess_bulk": JSONValue(s.map { $0.essBulk ?? .nan }), "rhat": JSONValue(s.map { $0.rhat ?? .nan }),
                "seed": .number(Double(seed)),
            ],
            table: StudyTable(header: ["coef", "MH mean", "exact mean", "MH sd", "exact sd", "MCSE", "ESS bulk", "R-hat"],
                              rows: rows),
            headline: String(format: "acceptance %.3f (target 0.2); MH means within %.2g MCSE of the exact posterior; sd %.3g/%.3g vs exact %.3g/%.3g",
                             meanAcc, z.map(abs).max() ?? .nan, s[0].sd, s[1].sd, sd[0], sd[1]))
    }

    /// A posterior predictive over a one-dimensional grid: the 5-95% bands of
    /// y and of f, the function draws, the mean, the data and the truth.
    public static func predictiveFigure(_ pred: PredictiveSummary, x: [Double], y: [Double],
                                        truth: (x: [Double], y: [Double])?, title: String,
                                        yLimits: ClosedRange<Double>? = nil) throws -> Figure {
        var fig = Figure(title: title, rows: 1, columns: 1, width: 900, height: 560)
        try fig.panel(0, 0) { p in
            p.yLimits = yLimits
            try predictivePanel(&p, pred, x: x, y: y, truth: truth)
        }
        return fig
    }

    /// Draws a one-dimensional posterior predictive into a panel (see ``predictiveFigure(_:x:y:truth:title:yLimits:)``).
    public static func predictivePanel(_ p: inout Panel, _ pred: PredictiveSummary, x: [Double], y: [Double],
                                       truth: (x: [Double], y: [Double])?) throws {
        let grid = pred.inputs.column(0)
        p.xLabel = "x"
        p.yLabel = "y"
        p.legend = .topLeft
        let lo = pred.levels.firstIndex(of: 0.05), hi = pred.levels.firstIndex(of: 0.95)
        if let lo, let hi, let q = pred.observationQuantiles {
            try p.band(x: grid, lower: q[lo].values, upper: q[hi].values, label: "5-95% predictive of y",
                       color: .skyBlue, opacity: 0.25)
        }
        if let lo, let hi {
            try p.band(x: grid, lower: pred.quantiles[lo].values, upper: pred.quantiles[hi].values,
                       label: "5-95% of f", color: .blue, opacity: 0.25)
        }
        if let samples = pred.functionSamples, !samples.isEmpty {
            try p.lines(x: grid, ys: samples.map(\.values), label: "\(samples.count) posterior draws of f", color: .blue,
                        width: 0.7, opacity: 0.15)
        }
        try p.line(x: grid, y: pred.mean.column(0), label: "predictive mean", color: .blue, width: 2.2)
        if let truth { try p.line(x: truth.x, y: truth.y, label: "truth", color: .black, width: 1.5, dash: .dotted) }
        try p.scatter(x: x, y: y, label: "data (n = \(x.count))", color: .vermillion, size: 7, edge: .black, opacity: 1)
    }
}
