import Foundation

/// The Bayesian linear regression studies of seeds 000 and 001, with the
/// notebooks' settings and data. Each returns its figures and numbers; the
/// random draws (posterior samples) come from `RandomStream(seed: seed,
/// stream: k)` with the stream `k` documented per study, so the same seed
/// gives the same figures.
public enum LinearStudies {
    /// Seed 001's N values for the growing-data studies.
    public static let growingSizes = [3, 8, 20]

    // MARK: - seed 000, section 7.2

    /// `blr-sine`: seed 000 §7.2. Affine basis (1, x), α = 1, β = 1/0.1² =
    /// 100 on the 20-point sine data; the predictive with ±1σ/±2σ bands and
    /// 50 posterior function samples (stream 0). The notebook prints the
    /// posterior mean [-0.0755, 0.3327] and sd [0.0226, 0.0124].
    public static func sine(seed: UInt64 = 0, threads: Int? = nil) throws -> StudyResult {
        let data = try Datasets.sine()
        let alpha = 1.0, beta = 1 / (0.1 * 0.1), samples = 50
        let post = try BayesianLinearRegression(basis: .affine, alpha: alpha, beta: beta).fit(data.x, data.y, threads: threads)
        let fig = try LinearFigures.fit(
            post, x: data.x, y: data.y, grid: data.truthX, truth: (data.truthX, data.truthY), samples: samples,
            stream: try RandomStream(seed: seed, stream: 0),
            title: "Linear Bayesian regression on y = sin(x) + noise (α = 1, β = 100): a line cannot capture the sine",
            yLimits: -2...2)
        let sd = post.standardDeviations
        let prediction = try post.predict(data.truthX, threads: threads)
        return StudyResult(
            name: "blr-sine", title: "Linear Bayesian regression on the sine data", seedDocument: "seed 000, section 7.2",
            description: """
                Seed 000's first model: y = w0 + w1 x with prior N(0, I/alpha), alpha = 1, and noise precision \
                beta = 1/0.1^2 = 100, fitted in closed form to the 20 noisy sine observations (np.random.seed(42)). \
                The left panel shows the predictive mean with +-1 and +-2 sigma bands, the right panel 50 functions \
                drawn from the weight posterior. The posterior is confident (sd 0.02 and 0.01) yet the line misses \
                the sine: an exact posterior of a misspecified model is narrow and wrong.
                """,
            figures: [StudyFigure(file: "blr-sine.svg", figure: fig)],
            summary: [
                "alpha": .number(alpha), "beta": .number(beta), "n": .number(Double(data.count)),
                "posterior_mean": JSONValue(post.mean), "posterior_sd": JSONValue(sd),
                "coefficients": coefficientRecords(post, names: ["w0", "w1"]),
                "log_evidence": .number(try post.logEvidence()),
                "function_samples": .number(Double(samples)), "sample_stream": .number(0), "seed": .number(Double(seed)),
                "max_predictive_sd": .number(prediction.standardDeviation.max() ?? .nan),
            ],
            table: StudyTable(header: ["coefficient", "mean", "sd"],
                              rows: [["w0", cell(post.mean[0]), cell(sd[0])], ["w1", cell(post.mean[1]), cell(sd[1])]]),
            headline: String(format: "posterior mean [%.4f, %.4f], sd [%.4f, %.4f] (alpha 1, beta 100)",
                             post.mean[0], post.mean[1], sd[0], sd[1]))
    }

    // MARK: - seed 001 (a): straight line, growing data

    /// `blr-line`: seed 001's straight-line study. t = -0.3 + 0.5x + N(0,
    /// 0.2²), affine basis, α = 2, β = 25, fitted to the first N = 3, 8, 20
    /// points of the `line` set. Per N: the weight-posterior density on
    /// [-1, 1]² (120 × 120 grid) with the truth (-0.3, 0.5) marked, 5 sampled
    /// lines (stream 10 + row) and the predictive mean ± 1σ.
    public static func line(seed: UInt64 = 0, threads: Int? = nil) throws -> StudyResult {
        let data = try Datasets.line()
        let alpha = 2.0, beta = 25.0, truth = (-0.3, 0.5)
        let model = BayesianLinearRegression(basis: .affine, alpha: alpha, beta: beta)
        let grid = linspace(-1, 1, 120), xs = data.truthX
        var fig = Figure(title: "Straight line with growing data (α = 2, β = 25): the posterior sharpens around the truth",
                         rows: growingSizes.count, columns: 3, width: 1560, height: 340 * Double(growingSizes.count) + 40)
        fig.columnWeights = [1.15, 1, 1]
        var rows: [[String]] = [], records: [JSONValue] = []
        for (i, n) in growingSizes.enumerated() {
            let x = Array(data.x.prefix(n)), y = Array(data.y.prefix(n))
            let post = try model.fit(x, y, threads: threads)
            let density = try post.weightDensity(first: grid, second: grid)
            try fig.panel(i, 0) { p in
                p.title = "Posterior density p(w0, w1 | N = \(n))"
                p.xLabel = "w0"
                p.yLabel = "w1"
                p.legend = .topRight
                try p.heatmap(x: grid, y: grid, values: density, colorbarLabel: "density")
                try p.scatter(x: [truth.0], y: [truth.1], label: "truth", color: .vermillion, marker: .cross, size: 11)
            }
            try fig.panel(i, 1) { p in
                p.title = "5 posterior samples (N = \(n))"
                p.xLabel = "x"
                p.yLabel = "t"
                p.yLimits = -1.5...1.0
                p.legend = i == growingSizes.count - 1 ? .bottomRight : .hidden
                try LinearFigures.drawSamples(&p, post, grid: xs, count: 5,
                                              stream: try RandomStream(seed: seed, stream: UInt64(10 + i)))
                try LinearFigures.drawData(&p, x: x, y: y, truth: (xs, data.truthY))
            }
            try fig.panel(i, 2) { p in
                p.title = "Posterior predictive (N = \(n))"
                p.xLabel = "x"
                p.yLabel = "t"
                p.yLimits = -1.5...1.0
                p.legend = i == growingSizes.count - 1 ? .bottomRight : .hidden
                try LinearFigures.drawPredictive(&p, try post.predict(xs, threads: threads), grid: xs, sigmas: [1])
                try LinearFigures.drawData(&p, x: x, y: y, truth: (xs, data.truthY))
            }
            let sd = post.standardDeviations
            let corr = post.covariance[0, 1] / (sd[0] * sd[1])
            rows.append(["\(n)", cell(post.mean[0]), cell(sd[0]), cell(post.mean[1]), cell(sd[1]), cell(corr)])
            records.append(.object([
                "n": .number(Double(n)), "posterior_mean": JSONValue(post.mean), "posterior_sd": JSONValue(sd),
                "correlation": .number(corr), "log_evidence": .number(try post.logEvidence()),
            ]))
        }
        let last = rows.last!
        return StudyResult(
            name: "blr-line", title: "Straight-line regression with growing data", seedDocument: "seed 001, study (a)",
            description: """
                Seed 001's straight-line study: t = -0.3 + 0.5 x + N(0, 0.2^2) with x ~ U(-1, 1) (the notebook's \
                NumPy stream), model (1, x) with alpha = 2 and beta = 25, fitted to the first 3, 8 and 20 points. \
                Each row shows the weight posterior as a density image with the true weights marked, five lines \
                drawn from it and the predictive mean +-1 sigma: the posterior contracts around (-0.3, 0.5) and the \
                predictive band narrows where data arrive.
                """,
            figures: [StudyFigure(file: "blr-line.svg", figure: fig)],
            summary: ["alpha": .number(alpha), "beta": .number(beta), "truth": JSONValue([truth.0, truth.1]),
                      "fits": .array(records), "sample_streams": JSONValue([10.0, 11, 12]), "seed": .number(Double(seed))],
            table: StudyTable(header: ["N", "w0 mean", "w0 sd", "w1 mean", "w1 sd", "corr"], rows: rows),
            headline: "N = 20: w0 = \(last[1]) ± \(last[2]), w1 = \(last[3]) ± \(last[4]) (truth -0.3, 0.5)")
    }

    // MARK: - seed 001 (b): Gaussian basis functions

    /// Seed 001's Gaussian basis: 9 centres at linspace(0, 1, 9), width 0.1, with an intercept.
    public static let seed001GaussianBasis = BasisFunction.gaussian(centres: linspace(0, 1, 9), width: 0.1)

    /// `blr-basis`: seed 001's Gaussian-basis study on the `sinusoid` set
    /// (t = 0.5 + sin 2πx + N(0, 0.2²)), α = 2, β = 25, N = 3, 8, 20: per N,
    /// 5 posterior function samples (stream 20 + row) and the predictive ± 1σ.
    public static func basis(seed: UInt64 = 0, threads: Int? = nil) throws -> StudyResult {
        let data = try Datasets.sinusoid()
        let alpha = 2.0, beta = 25.0
        let model = BayesianLinearRegression(basis: seed001GaussianBasis, alpha: alpha, beta: beta)
        let xs = data.truthX
        var fig = Figure(title: "Gaussian basis functions (9 centres, width 0.1, α = 2, β = 25) on a sinusoid",
                         rows: growingSizes.count, columns: 2, width: 1200, height: 340 * Double(growingSizes.count) + 40)
        var rows: [[String]] = [], records: [JSONValue] = []
        for (i, n) in growingSizes.enumerated() {
            let x = Array(data.x.prefix(n)), y = Array(data.y.prefix(n))
            let post = try model.fit(x, y, threads: threads)
            let prediction = try post.predict(xs, threads: threads)
            try fig.panel(i, 0) { p in
                p.title = "5 posterior samples (N = \(n))"
                p.xLabel = "x"
                p.yLabel = "t"
                p.yLimits = -1.0...2.0
                p.legend = i == growingSizes.count - 1 ? .bottomLeft : .hidden
                try LinearFigures.drawSamples(&p, post, grid: xs, count: 5,
                                              stream: try RandomStream(seed: seed, stream: UInt64(20 + i)))
                try LinearFigures.drawData(&p, x: x, y: y, truth: (xs, data.truthY))
            }
            try fig.panel(i, 1) { p in
                p.title = "Posterior predictive (N = \(n))"
                p.xLabel = "x"
                p.yLabel = "t"
                p.yLimits = -1.0...2.0
                p.legend = i == growingSizes.count - 1 ? .bottomLeft : .hidden
                try LinearFigures.drawPredictive(&p, prediction, grid: xs, sigmas: [1])
                try LinearFigures.drawData(&p, x: x, y: y, truth: (xs, data.truthY))
            }
            let sd = prediction.standardDeviation
            let meanSD = sd.reduce(0, +) / Double(sd.count)
            let rmse = (zip(prediction.mean, data.truthY).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                / Double(xs.count)).squareRoot()
            rows.append(["\(n)", cell(meanSD), cell(sd.max()!), cell(rmse)])
            records.append(.object([
                "n": .number(Double(n)), "mean_predictive_sd": .number(meanSD), "max_predictive_sd": .number(sd.max()!),
                "rmse_to_truth": .number(rmse), "posterior_mean": JSONValue(post.mean),
                "log_evidence": .number(try post.logEvidence()),
            ]))
        }
        return StudyResult(
            name: "blr-basis", title: "Gaussian basis functions on a sinusoid", seedDocument: "seed 001, study (b)",
            description: """
                Seed 001's nonlinear regression with a linear model: an intercept and 9 Gaussian bumps at \
                linspace(0, 1, 9) with width 0.1, alpha = 2, beta = 25, fitted to the first 3, 8 and 20 points of \
                t = 0.5 + sin(2 pi x) + N(0, 0.2^2). Left: five functions drawn from the posterior; right: the \
                predictive mean +-1 sigma. Far from data the model falls back to the prior (mean 0, wide band); \
                with 20 points it follows the sinusoid.
                """,
            figures: [StudyFigure(file: "blr-basis.svg", figure: fig)],
            summary: ["alpha": .number(alpha), "beta": .number(beta), "centres": JSONValue(linspace(0, 1, 9)),
                      "width": .number(0.1), "fits": .array(records), "sample_streams": JSONValue([20.0, 21, 22]),
                      "seed": .number(Double(seed))],
            table: StudyTable(header: ["N", "mean pred sd", "max pred sd", "rmse to truth"], rows: rows),
            headline: "mean predictive sd " + rows.map { "\($0[1]) (N = \($0[0]))" }.joined(separator: ", "))
    }

    // MARK: - seed 001 (c): evidence against polynomial degree

    /// `blr-evidence`: seed 001's evidence sweep. Polynomials (1, x, …, x^d)
    /// for d = 0…9, α = 0.005, β = 1/0.3², on the 10 points of
    /// `sinusoid-evidence` (np.random.seed(1)): a fit panel per degree and the
    /// log evidence against the degree. No random draws.
    public static func evidence(threads: Int? = nil) throws -> StudyResult {
        let data = try Datasets.sinusoidEvidence()
        let alpha = 0.005, beta = 1 / (0.3 * 0.3), degrees = Array(0...9)
        let sweep = try ModelSelection.polynomialDegrees(degrees, alpha: alpha, beta: beta, x: data.x, y: data.y,
                                                         threads: threads)
        let fits = try LinearFigures.evidenceFits(
            sweep, x: data.x, y: data.y, grid: data.truthX, truth: (data.truthX, data.truthY), yLimits: -1.0...2.0,
            title: "Polynomial fits of degree 0–9 (α = 0.005, β = 1/0.3², 10 points), predictive ±1σ")
        let curve = try LinearFigures.evidenceCurve(sweep, positions: degrees.map(Double.init), xLabel: "polynomial degree",
                                                    title: "Evidence prefers moderate complexity")
        let best = degrees[sweep.bestIndex]
        return StudyResult(
            name: "blr-evidence", title: "Evidence against polynomial degree", seedDocument: "seed 001, study (c)",
            description: """
                Seed 001's model comparison: polynomial models of degree 0 to 9 with alpha = 0.005 and \
                beta = 1/0.3^2, fitted to 10 evenly spaced noisy samples of 0.5 + sin(2 pi x) (np.random.seed(1)). \
                The small panels show each fit with its predictive +-1 sigma band; the curve shows the closed-form \
                log marginal likelihood, which rises while extra terms improve the fit and falls once they only \
                add prior volume: it peaks at degree \(best).
                """,
            figures: [StudyFigure(file: "blr-evidence-fits.svg", figure: fits),
                      StudyFigure(file: "blr-evidence.svg", figure: curve)],
            summary: [
                "alpha": .number(alpha), "beta": .number(beta), "best_degree": .number(Double(best)),
                "degrees": JSONValue(degrees.map(Double.init)),
                "log_evidence": JSONValue(sweep.entries.map(\.logEvidence)),
                "effective_parameters": JSONValue(sweep.entries.map(\.effectiveParameters)),
                "training_rmse": JSONValue(sweep.entries.map(\.trainingRMSE)),
            ],
            table: StudyTable(header: ["degree", "M", "log evidence", "gamma", "train rmse"],
                              rows: sweep.entries.enumerated().map { d, e in
                                  ["\(d)" + (d == best ? " *" : ""), "\(e.parameterCount)", cell(e.logEvidence),
                                   cell(e.effectiveParameters), cell(e.trainingRMSE)]
                              }),
            headline: "best degree \(best), ln p(y) = \(cell(sweep.best.logEvidence))")
    }
}
