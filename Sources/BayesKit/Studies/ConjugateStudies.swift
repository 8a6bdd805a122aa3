import Foundation

/// Seed 003's coin flips and seed 004's bootstrap-versus-Bayes comparison.
public enum ConjugateStudies {
    /// The coin's true probability of heads in the `coin` study.
    public static let coinBias = 0.7
    /// Number of flips, and the "few flips" point where MLE and MAP are compared.
    public static let coinFlips = 100
    public static let fewFlips = 5
    /// The informative prior Beta(10, 10): "the coin is probably about fair".
    public static let informativePrior = (alpha: 10.0, beta: 10.0)

    /// The flips of the `coin` study: flip i is heads when the i-th uniform
    /// of `RandomStream(seed: seed, stream: 30)` is below ``coinBias``.
    public static func coinOutcomes(seed: UInt64 = 0, count: Int = coinFlips) throws -> [Bool] {
        try RandomStream(seed: seed, stream: 30).uniforms(count).map { $0 < coinBias }
    }

    /// `coin`: seed 003's coin tossing, x ~ Bern(π), with the uniform prior
    /// Beta(1, 1) and an informative Beta(10, 10). Posterior densities as
    /// flips arrive, MLE vs MAP vs posterior mean after a few flips, the
    /// sequential estimates with a 90% credible band, and the posterior
    /// predictive of the next 10 flips against the MLE plug-in.
    public static func coin(seed: UInt64 = 0) throws -> StudyResult {
        let flips = try coinOutcomes(seed: seed)
        let uniform = try BetaBernoulli(alpha: 1, beta: 1)
        let informative = try BetaBernoulli(alpha: informativePrior.alpha, beta: informativePrior.beta)
        let priors = [("Beta(1, 1) uniform", uniform), ("Beta(10, 10)", informative)]
        let grid = linspace(0.0025, 0.9975, 399)
        func density(_ m: BetaBernoulli) throws -> [Double] {
            let b = try m.posterior()
            return grid.map { exp(b.logDensity($0)) }
        }
        let shown = [0, 1, 2, 5, 20, 100]
        var fig = Figure(title: "Coin flips, x ~ Bern(π), true π = \(coinBias): Bayes, MLE and MAP (seed 003)",
                         rows: 2, columns: 3)
        for (c, (label, prior)) in priors.enumerated() {
            let states = prior.sequentialUpdates(flips)
            try fig.panel(0, c) { p in
                p.title = "Posterior under \(label) after n flips"
                p.xLabel = "π"
                p.yLabel = "density"
                p.legend = .topLeft
                for (k, n) in shown.enumerated() {
                    let s = states[n]
                    try p.line(x: grid, y: try density(s), label: "n = \(n) (\(s.successes) heads)",
                               color: .categorical(k), width: n == 0 ? 1.5 : 2, dash: n == 0 ? .dashed : .solid)
                }
                try p.verticalLine(x: coinBias, label: "true π", color: .gray(0.2))
            }
        }
        let few = priors.map { $0.1.observing(Array(flips.prefix(fewFlips))) }
        let fewHeads = few[0].successes
        try fig.panel(0, 2) { p in
            p.title = "After \(fewFlips) flips (\(fewHeads) heads): point estimates"
            p.yLabel = "estimate of π"
            p.yLimits = 0...1
            p.legend = .bottomRight
            try p.bars(categories: ["MLE", "MAP", "posterior mean"], series: priors.indices.map { k in
                BarSeries(label: priors[k].0 + " prior",
                          values: [few[k].maximumLikelihood ?? .nan, few[k].maximumAPosteriori ?? .nan,
                                   few[k].predictiveProbability])
            })
            try p.horizontalLine(y: coinBias, label: "true π", color: .gray(0.2))
        }
        let uStates = uniform.sequentialUpdates(flips), iStates = informative.sequentialUpdates(flips)
        let ns = (1...flips.count).map(Double.init)
        let bandU = try uStates.dropFirst().map { try $0.credibleInterval(level: 0.9) }
        try fig.panel(1, 0) { p in
            p.title = "Sequential updating: estimates after n flips"
            p.xLabel = "number of flips n"
            p.yLabel = "π"
            p.xScale = .log10
            p.yLimits = 0...1
            p.legend = .bottomRight
            try p.band(x: ns, lower: bandU.map(\.lowerBound), upper: bandU.map(\.upperBound),
                       label: "90% interval, uniform prior", color: LinearFigures.predictionColor, opacity: 0.15)
            try p.line(x: ns, y: uStates.dropFirst().map(\.predictiveProbability), label: "posterior mean, uniform",
                       color: LinearFigures.predictionColor)
            try p.line(x: ns, y: iStates.dropFirst().map(\.predictiveProbability), label: "posterior mean, Beta(10, 10)",
                       color: .bluishGreen, dash: .dashDot)
            try p.line(x: ns, y: uStates.dropFirst().map { $0.maximumLikelihood ?? .nan }, label: "MLE h/n",
                       color: .black, width: 1.4)
            try p.horizontalLine(y: coinBias, label: "true π", color: .gray(0.4))
        }
        // Posterior predictive of heads in the next m flips, after the few flips.
        let m = 10
        let mle = few[0].maximumLikelihood ?? 0.5
        let plugIn: [Double] = (0...m).map { (k: Int) -> Double in
            let logChoose: Double = lgamma(Double(m + 1)) - lgamma(Double(k + 1)) - lgamma(Double(m - k + 1))
            let p: Double = pow(mle, Double(k)) * pow(1 - mle, Double(m - k))
            return exp(logChoose) * p
        }
        let bayesU = try few[0].predictiveCounts(trials: m), bayesI = try few[1].predictiveCounts(trials: m)
        try fig.panel(1, 1) { p in
            p.title = "Heads in the next \(m) flips, after \(fewFlips) flips"
            p.xLabel = "heads"
            p.yLabel = "probability"
            p.legend = .topLeft
            try p.bars(categories: (0...m).map(String.init), series: [
                BarSeries(label: "MLE plug-in Bin(\(m), \(cell(mle)))", values: plugIn, color: .black),
                BarSeries(label: "Bayes, uniform prior", values: bayesU, color: LinearFigures.predictionColor),
                BarSeries(label: "Bayes, Beta(10, 10)", values: bayesI, color: .bluishGreen),
            ])
        }
        let all = priors.map { $0.1.observing(flips) }
        try fig.panel(1, 2) { p in
            p.title = "After \(flips.count) flips the prior hardly matters"
            p.xLabel = "π"
            p.yLabel = "density"
            p.legend = .topLeft
            p.xLimits = 0.4...1
            try p.line(x: grid, y: try density(all[0]), label: "uniform prior", color: LinearFigures.predictionColor)
            try p.line(x: grid, y: try density(all[1]), label: "Beta(10, 10) prior", color: .bluishGreen, dash: .dashDot)
            try p.verticalLine(x: all[0].maximumLikelihood!, label: "MLE \(cell(all[0].maximumLikelihood!))",
                               color: .black, dash: .dotted)
            try p.verticalLine(x: coinBias, label: "true π", color: .gray(0.5))
        }

        func record(_ s: BetaBernoulli) throws -> JSONValue {
            let ci = try s.credibleInterval(level: 0.9)
            return .object([
                "n": .number(Double(s.trials)), "heads": .number(Double(s.successes)),
                "posterior_alpha": .number(s.posteriorAlpha), "posterior_beta": .number(s.posteriorBeta),
                "mle": JSONValue(s.maximumLikelihood) { .number($0) }, "map": JSONValue(s.maximumAPosteriori) { .number($0) },
                "posterior_mean": .number(s.predictiveProbability), "posterior_sd": .number(s.posteriorVariance.squareRoot()),
                "interval_90": JSONValue([ci.lowerBound, ci.upperBound]),
                "log_marginal_likelihood": .number(s.logMarginalLikelihood),
            ])
        }
        var rows: [[String]] = []
        for (k, (label, _)) in priors.enumerated() {
            for s in [few[k], all[k]] {
                let ci = try s.credibleInterval(level: 0.9)
                rows.append([label, "\(s.trials)", "\(s.successes)", s.maximumLikelihood.map(cell) ?? "-",
                             s.maximumAPosteriori.map(cell) ?? "-", cell(s.predictiveProbability),
                             "[\(cell(ci.lowerBound)), \(cell(ci.upperBound))]"])
            }
        }
        return StudyResult(
            name: "coin", title: "Coin flips with a Beta prior", seedDocument: "seed 003, coin tossing",
            description: """
                Seed 003's coin: x ~ Bern(pi) with the uniform prior pi ~ U(0, 1) = Beta(1, 1) and an informative \
                Beta(10, 10). \(flips.count) flips of a coin with pi = \(coinBias) (RandomStream seed \(seed), \
                stream 30). The posterior is Beta(a + h, b + t) and the predictive p(heads) = (a + h)/(n + a + b) \
                (Laplace's rule (h + 1)/(n + 2) for the uniform prior). After \(fewFlips) flips MLE and MAP agree \
                under the uniform prior, the informative prior pulls MAP and mean toward 1/2, and the MLE plug-in \
                predictive is overconfident next to the Bayesian one; after \(flips.count) flips both priors give \
                nearly the same posterior.
                """,
            figures: [StudyFigure(file: "coin.svg", figure: fig)],
            summary: [
                "bias": .number(coinBias), "flips": .number(Double(flips.count)),
                "heads": .number(Double(all[0].successes)), "stream": .number(30), "seed": .number(Double(seed)),
                "uniform_prior": .object(["few": try record(few[0]), "all": try record(all[0])]),
                "informative_prior": .object(["alpha": .number(informativePrior.alpha), "beta": .number(informativePrior.beta),
                                              "few": try record(few[1]), "all": try record(all[1])]),
            ],
            table: StudyTable(header: ["prior", "n", "heads", "MLE", "MAP", "post mean", "90% interval"], rows: rows),
            headline: "\(all[0].successes)/\(flips.count) heads; after \(fewFlips) flips MLE \(rows[0][3]), "
                + "MAP \(rows[0][4]) / \(rows[2][4]), posterior mean \(rows[0][5]) / \(rows[2][5]) (uniform / Beta(10, 10))")
    }

    /// Seed 004's setup on the `line` data: noise sd σ_D = 0.2 (β = 25) and
    /// priors N(0, σⱼ²) with σ₀ = σ₁ = 10 ("arbitrarily large").
    public static let bootstrapPriorSD = 10.0

    /// `bootstrap`: seed 004's "bootstrap combined with maximum likelihood
    /// gives the distribution of the coefficients", 100 case resamples of
    /// least squares (resample b uses stream b of `seed`), against the
    /// Bayesian posterior with per-coefficient priors N(0, 10²) on the
    /// 20-point `line` set. Histograms with the posterior overlaid, 90% intervals.
    public static func bootstrap(seed: UInt64 = 0, threads: Int? = nil) throws -> StudyResult {
        let data = try Datasets.line()
        let resamples = 100, level = 0.9, beta = 1 / (0.2 * 0.2)
        let precision = 1 / (bootstrapPriorSD * bootstrapPriorSD)
        let post = try BayesianLinearRegression(basis: .affine, priorPrecision: .perCoefficient([precision, precision]),
                                                beta: beta).fit(data.x, data.y, threads: threads)
        let boot = try LinearBootstrap(basis: .affine, scheme: .cases, resamples: resamples, seed: seed)
            .run(data.x, data.y, threads: threads)
        let comparison = try IntervalComparison(bootstrap: boot, posterior: post, level: level)
        let fig = try LinearFigures.bootstrap(
            boot, posterior: post, level: level,
            title: "Bootstrap (100 case resamples of least squares) vs the Bayesian posterior, t = -0.3 + 0.5x (seed 004)")
        let names = ["w0", "w1"]
        let rows = comparison.rows.enumerated().map { j, r in
            [names[j], cell(r.bootstrapEstimate), cell(r.bootstrapStandardError),
             "[\(cell(r.bootstrapLower)), \(cell(r.bootstrapUpper))]", cell(r.posteriorMean), cell(r.posteriorSD),
             "[\(cell(r.posteriorLower)), \(cell(r.posteriorUpper))]"]
        }
        let records: [JSONValue] = comparison.rows.enumerated().map { j, r in
            .object([
                "name": .string(names[j]), "feature": .string(r.name), "bootstrap_estimate": .number(r.bootstrapEstimate),
                "bootstrap_se": .number(r.bootstrapStandardError),
                "bootstrap_interval": JSONValue([r.bootstrapLower, r.bootstrapUpper]),
                "posterior_mean": .number(r.posteriorMean), "posterior_sd": .number(r.posteriorSD),
                "posterior_interval": JSONValue([r.posteriorLower, r.posteriorUpper]),
            ])
        }
        let r1 = comparison.rows[1]
        return StudyResult(
            name: "bootstrap", title: "Bootstrap versus the Bayesian posterior", seedDocument: "seed 004, bootstrap",
            description: """
                Seed 004: "bootstrap combined with maximum likelihood can give us the distribution of the \
                coefficients", repeated 100 times. Case bootstrap (pairs drawn with replacement, resample b from \
                stream b of seed \(seed)) of the least-squares line on the 20-point line set \
                (t = -0.3 + 0.5 x + N(0, 0.2^2)), against the closed-form posterior with the seed's priors \
                N(0, sigma_j^2), sigma_0 = sigma_1 = \(Int(bootstrapPriorSD)) ("arbitrarily large"), and known noise \
                sd 0.2. Histograms of the bootstrap draws with the posterior densities overlaid and both 90% \
                intervals: with a vague prior and a well-specified model the two agree up to Monte Carlo error.
                """,
            figures: [StudyFigure(file: "bootstrap.svg", figure: fig)],
            summary: ["resamples": .number(Double(resamples)), "scheme": .string("cases"), "level": .number(level),
                      "beta": .number(beta), "prior_sd": JSONValue([bootstrapPriorSD, bootstrapPriorSD]),
                      "seed": .number(Double(seed)), "coefficients": .array(records)],
            table: StudyTable(header: ["coef", "LS estimate", "boot se", "boot 90%", "post mean", "post sd", "post 90%"],
                              rows: rows),
            headline: "w1 bootstrap 90% [\(cell(r1.bootstrapLower)), \(cell(r1.bootstrapUpper))] vs posterior "
                + "[\(cell(r1.posteriorLower)), \(cell(r1.posteriorUpper))]")
    }
}
