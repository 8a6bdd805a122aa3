import ArgumentParser
import BayesKit
import Foundation

/// The `--basis` option: `linear`, `poly:DEG` or `rbf:K[:WIDTH]`.
public enum BasisOption: Equatable, Sendable {
    case linear
    case polynomial(degree: Int)
    case rbf(count: Int, width: Double?)

    /// The basis, or the sentence saying what is wrong with `text`.
    public static func parse(_ text: String) throws -> BasisOption {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts[0] {
        case "linear" where parts.count == 1:
            return .linear
        case "poly":
            guard parts.count == 2, let d = Int(parts[1]), d >= 0 else {
                throw ValidationError("--basis poly:DEG needs an integer degree >= 0; got '\(text)'")
            }
            return .polynomial(degree: d)
        case "rbf":
            guard parts.count == 2 || parts.count == 3, let k = Int(parts[1]) else {
                throw ValidationError("--basis rbf:K[:WIDTH] needs an integer number of functions K; got '\(text)'")
            }
            guard k >= 1 else { throw ValidationError("--basis rbf:K needs K >= 1 basis functions; got '\(text)'") }
            guard parts.count == 3 else { return .rbf(count: k, width: nil) }
            guard let w = Double(parts[2]), w > 0, w.isFinite else {
                throw ValidationError("--basis rbf:K:WIDTH needs a finite width > 0; got '\(text)'")
            }
            return .rbf(count: k, width: w)
        default:
            throw ValidationError("--basis must be linear, poly:DEG or rbf:K[:WIDTH]; got '\(text)'")
        }
    }

    /// The library basis: (1, x…), (1, x, …, x^DEG) on raw inputs like the
    /// seeds, or an intercept and K Gaussian bumps evenly spaced over the data.
    public var basisFunction: BasisFunction {
        switch self {
        case .linear: return .affine
        case let .polynomial(d): return .polynomial(degree: d)
        case let .rbf(k, w): return .gaussianGrid(count: k, width: w)
        }
    }

    public var description: String {
        switch self {
        case .linear: return "linear"
        case let .polynomial(d): return "poly:\(d)"
        case let .rbf(k, w): return "rbf:\(k)" + (w.map { ":\($0)" } ?? "")
        }
    }
}

/// Parses `--evidence-degrees`: a range `0-9`, a list `1,3,5`, or both `0-3,7`.
func parseDegrees(_ text: String) throws -> [Int] {
    let bad = ValidationError(
        "--evidence-degrees must be a range such as 0-9 or a comma-separated list such as 1,3,5; got '\(text)'")
    var out = Set<Int>()
    for item in text.split(separator: ",", omittingEmptySubsequences: false) {
        let ends = item.split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count == 1 || ends.count == 2 else { throw bad }
        guard let lo = Int(ends[0]), let hi = Int(ends.last!), lo >= 0, lo <= hi else { throw bad }
        guard hi <= 30 else { throw ValidationError("--evidence-degrees must be at most 30; got \(hi) in '\(text)'") }
        out.formUnion(lo...hi)
    }
    return out.sorted()
}

/// `bayeskit blr`: Bayesian linear regression in closed form.
public struct BlrCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "blr",
        abstract: "Bayesian linear regression in closed form: posterior, predictive, evidence, bootstrap.",
        discussion: """
            Fits y = w^T phi(x) + noise with the prior w ~ N(0, I/alpha) and noise precision beta \
            (PRML 3.3). Defaults are seed 000's: the sine data, basis (1, x), alpha 1, beta 100. Writes \
            result.json (posterior mean, sd and 5/50/95% quantiles per coefficient; log evidence), \
            predictive.csv (x, mean, sd, epistemic_sd), fit.svg and model.json (for bayeskit predict); with --evidence-degrees also \
            evidence.csv, evidence.svg and evidence-fits.svg; with --bootstrap also bootstrap.svg. \
            --seed (default 0) drives the function samples and the bootstrap resamples; an embedded \
            dataset keeps the notebook's data.
            """)

    @OptionGroup(title: "Data options") public var dataOptions: DataOptions

    @Option(help: ArgumentHelp("Embedded dataset when no --data is given: \(Datasets.names.joined(separator: ", ")) (default sine).",
                               valueName: "name"))
    public var dataset: String?

    @Option(help: ArgumentHelp("Basis functions: linear, poly:DEG, or rbf:K[:WIDTH] (K Gaussians evenly spaced over the data; width defaults to their spacing).",
                               valueName: "basis"))
    public var basis: String = "linear"

    // `.unconditional` so that `--alpha -1` reaches validate() and gets its message.
    @Option(parsing: .unconditional, help: "Prior precision alpha: w ~ N(0, I/alpha).")
    public var alpha: Double = 1

    @Option(parsing: .unconditional, help: "Noise precision beta = 1/sigma^2.")
    public var beta: Double = 100

    @Flag(help: "Maximise the evidence over alpha and beta (MacKay's fixed point), starting at --alpha and --beta.")
    public var optimizeHyperparameters = false

    @Option(help: ArgumentHelp("Compare polynomial degrees by their evidence (at --alpha, --beta): a range such as 0-9 or a list such as 1,3,5.",
                               valueName: "degrees"))
    public var evidenceDegrees: String?

    @Option(help: ArgumentHelp("Case-bootstrap resamples of the posterior-mean estimate, compared with the posterior intervals (0 = none).",
                               valueName: "n"))
    public var bootstrap: Int = 0

    @Option(help: "Posterior function samples drawn in fit.svg.")
    public var samples: Int = 50

    @OptionGroup(title: "Run options") public var runOptions: RunOptions

    public init() {}

    public func validate() throws {
        if dataOptions.data != nil, dataset != nil { throw ValidationError("give either --data FILE or --dataset NAME, not both") }
        if let dataset, !Datasets.names.contains(dataset) {
            throw ValidationError("unknown dataset '\(dataset)'; known datasets: \(Datasets.names.joined(separator: ", "))")
        }
        _ = try BasisOption.parse(basis)
        if !(alpha > 0) || !alpha.isFinite { throw ValidationError("--alpha must be positive and finite; got \(alpha)") }
        if !(beta > 0) || !beta.isFinite { throw ValidationError("--beta must be positive and finite; got \(beta)") }
        if let evidenceDegrees { _ = try parseDegrees(evidenceDegrees) }
        if bootstrap < 0 || bootstrap == 1 {
            throw ValidationError("--bootstrap must be >= 2 resamples, or 0 for none; got \(bootstrap)")
        }
        if samples < 0 { throw ValidationError("--samples must be >= 0; got \(samples)") }
    }

    /// The data to fit and, for an embedded set, its noise-free truth.
    struct Input {
        var x: Matrix
        var y: [Double]
        var xNames: [String]
        var source: String
        var truth: (x: [Double], y: [Double])?
        var x1D: [Double]? { x.columns == 1 ? x.values : nil }

        /// `--data FILE` when given, else the embedded `--dataset` (default sine) with its truth.
        static func load(_ dataOptions: DataOptions, dataset: String?) throws -> Input {
            if let loaded = try dataOptions.load() {
                return Input(x: loaded.x, y: loaded.y, xNames: loaded.xNames, source: dataOptions.data ?? "", truth: nil)
            }
            let d = try Datasets.named(dataset ?? "sine")
            return Input(x: try Matrix(rows: d.count, columns: 1, values: d.x), y: d.y, xNames: ["x"],
                         source: "dataset:" + d.name, truth: (d.truthX, d.truthY))
        }
    }

    func loadInput() throws -> Input { try Input.load(dataOptions, dataset: dataset) }

    public func run() throws {
        let basisOption = try BasisOption.parse(basis)
        let degrees = try evidenceDegrees.map(parseDegrees)
        let input = try loadInput()
        if input.x.columns != 1, degrees != nil {
            throw BayesKitError.invalidArgument(
                "--evidence-degrees compares polynomials of one input, but the data have \(input.x.columns) input columns")
        }
        let context = try RunContext(command: "blr", run: runOptions, defaultSeed: 0)
        let model = BayesianLinearRegression(basis: basisOption.basisFunction, alpha: alpha, beta: beta)

        // The posterior (and the empirical-Bayes hyperparameters when asked).
        let solveStart = ContinuousClock.now
        var summary: [String: JSONValue] = [:]
        let posterior: LinearPosterior
        var usedAlpha = alpha, usedBeta = beta
        if optimizeHyperparameters {
            let eb = try model.maximizingEvidence(input.x, input.y)
            posterior = eb.posterior
            usedAlpha = eb.alpha
            usedBeta = eb.beta
            summary["empirical_bayes"] = .object([
                "alpha": .number(eb.alpha), "beta": .number(eb.beta), "noise_sd": .number(1 / eb.beta.squareRoot()),
                "effective_parameters": .number(eb.effectiveParameters), "iterations": .number(Double(eb.iterations)),
                "log_evidence": .number(eb.logEvidence),
            ])
        } else {
            posterior = try model.fit(input.x, input.y)
        }
        let solveSeconds = seconds(since: solveStart)
        let evidence = try posterior.evidence()

        // Names: the feature map's, with --data column names for the linear basis.
        var features = posterior.names
        if basisOption == .linear, input.xNames.count == input.x.columns { features = ["1"] + input.xNames }
        let names = features.map { "w[\($0)]" }
        let marginals = try posterior.marginals()
        let parameters = try zip(names, marginals).map { name, m in
            RunResult.ParameterSummary(name: name, mean: m.mean, sd: m.sd, q05: try m.quantile(0.05), q50: m.mean,
                                       q95: try m.quantile(0.95))
        }

        var outputs = ["predictive": "predictive.csv", "fit_figure": "fit.svg", "model": "model.json"]
        try posterior.save(to: context.file("model.json"))
        try writePredictive(posterior, input, context)
        try fitFigure(posterior, input, seed: context.seed).write(to: context.file("fit.svg"))

        // Evidence against polynomial degree.
        var evidenceRows: [[String]] = []
        if let degrees, let x = input.x1D {
            let sweep = try ModelSelection.polynomialDegrees(degrees, alpha: alpha, beta: beta, x: x, y: input.y)
            let positions = degrees.map(Double.init)
            try LinearFigures.evidenceCurve(sweep, positions: positions, xLabel: "polynomial degree",
                                            title: "Evidence against polynomial degree (alpha \(percentG(alpha)), beta \(percentG(beta)))")
                .write(to: context.file("evidence.svg"))
            let grid = predictionGrid(input, x)
            try LinearFigures.evidenceFits(sweep, x: x, y: input.y, grid: grid, truth: input.truth)
                .write(to: context.file("evidence-fits.svg"))
            let entries = sweep.entries
            try Table(columnNames: ["degree", "parameters", "log_evidence", "effective_parameters", "train_rmse"],
                      columns: [positions, entries.map { Double($0.parameterCount) }, entries.map(\.logEvidence),
                                entries.map(\.effectiveParameters), entries.map(\.trainingRMSE)])
                .write(csvTo: context.file("evidence.csv"))
            outputs["evidence"] = "evidence.csv"
            outputs["evidence_figure"] = "evidence.svg"
            outputs["evidence_fits_figure"] = "evidence-fits.svg"
            summary["evidence"] = .array(zip(degrees, entries).map { d, e in
                .object(["model": .string(e.name), "degree": .number(Double(d)), "parameters": .number(Double(e.parameterCount)),
                         "log_evidence": .number(e.logEvidence), "effective_parameters": .number(e.effectiveParameters),
                         "train_rmse": .number(e.trainingRMSE)])
            })
            summary["best_degree"] = .number(Double(degrees[sweep.bestIndex]))
            evidenceRows = zip(degrees, entries).map { d, e in
                ["\(d)" + (d == degrees[sweep.bestIndex] ? " *" : ""), "\(e.parameterCount)", format(e.logEvidence),
                 format(e.effectiveParameters), format(e.trainingRMSE)]
            }
        }

        // Case bootstrap of the posterior mean (ridge lambda = alpha/beta) against the posterior.
        var bootstrapRows: [[String]] = []
        if bootstrap > 0 {
            let boot = try LinearBootstrap(basis: basisOption.basisFunction, scheme: .cases, resamples: bootstrap,
                                           ridge: .isotropic(usedAlpha / usedBeta), seed: context.seed)
                .run(input.x, input.y)
            let comparison = try IntervalComparison(bootstrap: boot, posterior: posterior, level: 0.9)
            try LinearFigures.bootstrap(boot, posterior: posterior, level: 0.9,
                                        title: "Case bootstrap (B = \(bootstrap)) vs the posterior, 90% intervals")
                .write(to: context.file("bootstrap.svg"))
            outputs["bootstrap_figure"] = "bootstrap.svg"
            summary["bootstrap"] = .object([
                "resamples": .number(Double(bootstrap)), "scheme": .string("cases"), "level": .number(0.9),
                "ridge": .number(usedAlpha / usedBeta),
                "coefficients": .array(zip(names, comparison.rows).map { name, r in
                    .object(["name": .string(name), "estimate": .number(r.bootstrapEstimate),
                             "se": .number(r.bootstrapStandardError),
                             "interval": .array([.number(r.bootstrapLower), .number(r.bootstrapUpper)]),
                             "posterior_interval": .array([.number(r.posteriorLower), .number(r.posteriorUpper)])])
                }),
            ])
            bootstrapRows = zip(names, comparison.rows).map { name, r in
                [name, format(r.bootstrapStandardError), "[\(format(r.bootstrapLower)), \(format(r.bootstrapUpper))]",
                 format(r.posteriorSD), "[\(format(r.posteriorLower)), \(format(r.posteriorUpper))]"]
            }
        }

        summary["log_evidence"] = .number(evidence.logEvidence)
        summary["alpha"] = .number(usedAlpha)
        summary["beta"] = .number(usedBeta)
        summary["features"] = .array(features.map { .string($0) })
        var result = context.result(config: [
            "data": .string(input.source), "basis": .string(basisOption.description), "alpha": .number(alpha),
            "beta": .number(beta), "optimize_hyperparameters": .bool(optimizeHyperparameters),
            "evidence_degrees": degrees.map { .array($0.map { .number(Double($0)) }) } ?? .null,
            "bootstrap": .number(Double(bootstrap)), "samples": .number(Double(samples)),
            "n": .number(Double(input.y.count)),
        ])
        result.parameters = parameters
        result.metrics = ["log_evidence": evidence.logEvidence, "effective_parameters": evidence.effectiveParameters,
                          "train_rmse": (evidence.residualSumOfSquares / Double(evidence.count)).squareRoot()]
        result.outputs = outputs
        result.summary = summary
        result.timing.solveS = solveSeconds
        try context.finish(result)

        print(textTable(header: ["coefficient", "mean", "sd", "q05", "q95"],
                        rows: parameters.map { [$0.name, format($0.mean), format($0.sd), format($0.q05), format($0.q95)] }))
        var facts = "\nn = \(input.y.count), basis \(basisOption.description), alpha \(format(usedAlpha)), beta \(format(usedBeta))"
        if optimizeHyperparameters { facts += " (evidence maximised)" }
        print(facts + ", log evidence \(format(evidence.logEvidence))")
        if !evidenceRows.isEmpty {
            print("\n" + textTable(header: ["degree", "M", "log evidence", "gamma", "train rmse"], rows: evidenceRows))
        }
        if !bootstrapRows.isEmpty {
            print("\n" + textTable(header: ["coefficient", "boot se", "boot 90%", "post sd", "post 90%"], rows: bootstrapRows))
        }
        note("wrote result.json, predictive.csv and figures to \(context.outputDirectory.path)")
    }

    /// The notebook's test grid for an embedded set, else the data range widened by 10% on each side.
    func predictionGrid(_ input: Input, _ x: [Double]) -> [Double] {
        if let truth = input.truth { return truth.x }
        let lo = x.min()!, hi = x.max()!, pad = hi > lo ? 0.1 * (hi - lo) : 1
        return linspace(lo - pad, hi + pad, 200)
    }

    /// predictive.csv: on a grid for one input, else at the data rows.
    func writePredictive(_ posterior: LinearPosterior, _ input: Input, _ context: RunContext) throws {
        if let x = input.x1D {
            let grid = predictionGrid(input, x)
            let p = try posterior.predict(grid)
            try Table(columnNames: ["x", "mean", "sd", "epistemic_sd"],
                      columns: [grid, p.mean, p.standardDeviation, p.epistemicStandardDeviation])
                .write(csvTo: context.file("predictive.csv"))
        } else {
            let p = try posterior.predict(input.x)
            let xs = (0..<input.x.columns).map { input.x.column($0) }
            try Table(columnNames: input.xNames + ["y", "mean", "sd", "epistemic_sd"],
                      columns: xs + [input.y, p.mean, p.standardDeviation, p.epistemicStandardDeviation])
                .write(csvTo: context.file("predictive.csv"))
        }
    }

    /// Seed 000's two panels for one input; predicted against observed for several.
    func fitFigure(_ posterior: LinearPosterior, _ input: Input, seed: UInt64) throws -> Figure {
        let title = "Bayesian linear regression, basis \(basis), n = \(input.y.count)"
        if let x = input.x1D {
            return try LinearFigures.fit(posterior, x: x, y: input.y, grid: predictionGrid(input, x), truth: input.truth,
                                         samples: samples, stream: try RandomStream(seed: seed, stream: 0), title: title,
                                         yLimits: input.source == "dataset:sine" ? -2...2 : nil)
        }
        let p = try posterior.predict(input.x)
        var fig = Figure(title: title, rows: 1, columns: 1, width: 640, height: 520)
        try fig.panel(0, 0) { panel in
            panel.title = "Predicted against observed (±2σ predictive)"
            panel.xLabel = "observed y"
            panel.yLabel = "predictive mean"
            let lo = min(input.y.min()!, p.mean.min()!), hi = max(input.y.max()!, p.mean.max()!)
            try panel.line(x: [lo, hi], y: [lo, hi], label: "y = x", color: .gray(0.4), width: 1.2, dash: .dashed)
            let band = p.band(2)
            try panel.errorBars(x: input.y, lower: band.lower, upper: band.upper, color: .gray(0.6), width: 1)
            try panel.scatter(x: input.y, y: p.mean, label: "data (n = \(input.y.count))", color: .vermillion, edge: .black)
        }
        return fig
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// `%g`, for titles.
func percentG(_ x: Double) -> String { String(format: "%g", x) }
