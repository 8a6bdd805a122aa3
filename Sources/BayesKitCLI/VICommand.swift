import ArgumentParser
import BayesKit
import Foundation

public enum KLEstimatorOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case closed, mc
}

public enum ScaleParamOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case logsigma, softplus
}

/// `--kl-schedule`: `constant`, `warmup:EPOCHS[:START]` or `cyclical:PERIOD[:RAMP]`.
func parseKLSchedule(_ text: String) throws -> KLSchedule {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    let bad = ValidationError("--kl-schedule must be constant, warmup:EPOCHS[:START] or cyclical:PERIOD[:RAMP]; got '\(text)'")
    switch parts[0] {
    case "constant" where parts.count == 1: return .constant
    case "warmup" where parts.count == 2 || parts.count == 3:
        guard let e = Int(parts[1]), e >= 1 else { throw bad }
        let start = parts.count == 3 ? Double(parts[2]) : 0
        guard let start, (0...1).contains(start) else { throw bad }
        return .linearWarmup(epochs: e, start: start)
    case "cyclical" where parts.count == 2 || parts.count == 3:
        guard let p = Int(parts[1]), p >= 1 else { throw bad }
        let ramp = parts.count == 3 ? Double(parts[2]) : 0.5
        guard let ramp, ramp > 0, ramp <= 1 else { throw bad }
        return .cyclical(period: p, ramp: ramp)
    default: throw bad
    }
}

/// `bayeskit vi`: mean-field Gaussian variational inference for a Bayesian neural network.
public struct VICommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vi",
        abstract: "Mean-field variational inference (Bayes by Backprop) for a Bayesian neural network.",
        discussion: """
            Fits q(w) = prod N(mu, sigma^2) over the network's weights by maximising the ELBO \
            E_q[log p(y | x, w)] - KL(q || p) with reparameterized draws and Adam. Defaults are seed \
            000's: the sine data, 1-5-1 ReLU, noise 0.1, prior N(0, 1), 5 draws per step, 3000 epochs, \
            lr 0.01, closed-form KL, log sigma starting at -3. Writes result.json (history: epoch, elbo, \
            exp_loglik, kl per epoch), elbo.svg, predictive.svg, predictive.csv and model.json (for \
            bayeskit predict). --seed (default 0) drives the initial means, the draws and the minibatches.
            """)

    @OptionGroup(title: "Model options") public var model: ModelOptions
    @OptionGroup(title: "Data options") public var dataOptions: DataOptions

    @Option(help: ArgumentHelp("Embedded dataset when no --data is given: \(Datasets.names.joined(separator: ", ")) (default sine).",
                               valueName: "name"))
    public var dataset: String?

    @Option(help: "Passes over the data.")
    public var epochs: Int = 3000

    @Option(help: "Monte Carlo draws of the weights per step.")
    public var samples: Int = 5

    @Option(parsing: .unconditional, help: "Adam learning rate.")
    public var learningRate: Double = 0.01

    @Option(help: ArgumentHelp("Rows per step, the likelihood scaled by N/B (default: all rows).", valueName: "n"))
    public var batchSize: Int?

    @Option(help: "KL estimator: closed (analytic) or mc (log q - log p of the draws).")
    public var klEstimator: KLEstimatorOption = .closed

    @Option(help: "Scale parameter: logsigma (sigma = exp r) or softplus (sigma = log(1 + e^rho)).")
    public var scaleParam: ScaleParamOption = .logsigma

    @Option(parsing: .unconditional, help: "Initial value of every scale parameter (log sigma or rho).")
    public var initScale: Double = -3

    @Option(help: "Std of the N(0, s^2) initial weight means.")
    public var initMeanStd: Double = 0.1

    @Option(help: "Std of the initial bias means (default: --init-mean-std; seed 001 uses 0).")
    public var initBiasStd: Double?

    @Option(help: ArgumentHelp("KL weight over epochs: constant, warmup:EPOCHS[:START] or cyclical:PERIOD[:RAMP].",
                               valueName: "schedule"))
    public var klSchedule: String = "constant"

    @Flag(help: "Map each input column to [-1, 1] over the training data (stored in the model).")
    public var normalizeX = false

    @Option(help: ArgumentHelp("Early stopping: hold out this fraction of the rows (a seeded random subset) and keep the epoch with the best held-out log-likelihood.",
                               valueName: "fraction"))
    public var validationFraction: Double?

    @Option(help: "Early stopping: epochs without a new best held-out log-likelihood before training stops.")
    public var patience: Int = 100

    @Option(help: "Weight draws for the predictive.")
    public var predictiveSamples: Int = 1000

    @OptionGroup(title: "Run options") public var runOptions: RunOptions

    public init() {}

    public func validate() throws {
        if dataOptions.data != nil, dataset != nil { throw ValidationError("give either --data FILE or --dataset NAME, not both") }
        if let dataset, !Datasets.names.contains(dataset) {
            throw ValidationError("unknown dataset '\(dataset)'; known datasets: \(Datasets.names.joined(separator: ", "))")
        }
        if epochs < 1 { throw ValidationError("--epochs must be >= 1; got \(epochs)") }
        if samples < 1 { throw ValidationError("--samples must be >= 1; got \(samples)") }
        if !(learningRate > 0) || !learningRate.isFinite {
            throw ValidationError("--learning-rate must be positive and finite; got \(learningRate)")
        }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be >= 1; got \(batchSize)") }
        if !initScale.isFinite { throw ValidationError("--init-scale must be finite; got \(initScale)") }
        if !(initMeanStd >= 0) || !initMeanStd.isFinite {
            throw ValidationError("--init-mean-std must be >= 0 and finite; got \(initMeanStd)")
        }
        if let b = initBiasStd, !(b >= 0) || !b.isFinite {
            throw ValidationError("--init-bias-std must be >= 0 and finite; got \(b)")
        }
        if let f = validationFraction, !(f > 0 && f < 1) {
            throw ValidationError("--validation-fraction must be in (0, 1); got \(f)")
        }
        if patience < 1 { throw ValidationError("--patience must be >= 1; got \(patience)") }
        if predictiveSamples < 2 { throw ValidationError("--predictive-samples must be >= 2; got \(predictiveSamples)") }
        _ = try parseKLSchedule(klSchedule)
    }

    func likelihood(outputs: Int) -> Likelihood {
        switch model.likelihood {
        case .gaussian: .gaussian(sigma: model.noiseStd)
        case .bernoulli: .bernoulli
        case .categorical: .categorical(classes: outputs)
        }
    }

    public func run() throws {
        let widths = model.widths
        let architecture = try NetworkArchitecture(layers: widths, activation: Activation(rawValue: model.activation.rawValue) ?? .relu)
        let input = try BlrCommand.Input.load(dataOptions, dataset: dataset)
        guard input.x.columns == architecture.inputCount else {
            throw BayesKitError.dimensionMismatch(
                "the data have \(input.x.columns) input columns but --layers starts with \(architecture.inputCount)")
        }
        if model.likelihood == .gaussian, architecture.outputCount != 1 {
            throw BayesKitError.dimensionMismatch("a Gaussian likelihood on one target column needs 1 output; --layers ends with \(architecture.outputCount)")
        }
        let context = try RunContext(command: "vi", run: runOptions, defaultSeed: 0)
        let lik = likelihood(outputs: architecture.outputCount)
        let scale: ScaleParameterization = scaleParam == .logsigma ? .logSigma(initial: initScale) : .softplus(initial: initScale)
        let method = MeanFieldVI(samples: samples, epochs: epochs, learningRate: learningRate, batchSize: batchSize,
                                 klSchedule: try parseKLSchedule(klSchedule),
                                 klEstimator: klEstimator == .closed ? .closedForm : .monteCarlo, scale: scale,
                                 meanInitStd: initMeanStd, biasInitStd: initBiasStd,
                                 earlyStopping: validationFraction.map { EarlyStopping(validationFraction: $0, patience: patience) })
        let y = try Matrix(rows: input.y.count, columns: 1, values: input.y)
        let scaling = normalizeX ? try InputScaling.unitInterval(fitting: input.x) : nil
        let counter = try ProgressCounter(tasks: ["vi epochs"])
        let monitor = ProgressMonitor(counter: counter, reporter: context.progress.reporter())
        let start = ContinuousClock.now
        let post = try monitor.run {
            try method.fit(architecture: architecture, likelihood: lik, prior: .normal(std: model.priorStd), x: input.x, y: y,
                           inputScaling: scaling, seed: context.seed, progress: counter)
        }
        let trainingSeconds = seconds(since: start)
        try post.save(to: context.file("model.json"))

        // Predictive on a grid (one input) or at the data rows.
        let stream = try RandomStream(seed: context.seed, stream: 1)
        let gridX: Matrix
        if let x = input.x1D {
            let grid: [Double]
            if let truth = input.truth { grid = truth.x } else {
                let lo = x.min()!, hi = x.max()!, pad = hi > lo ? 0.1 * (hi - lo) : 1
                grid = linspace(lo - pad, hi + pad, 200)
            }
            gridX = try Matrix(rows: grid.count, columns: 1, values: grid)
        } else {
            gridX = input.x
        }
        let pred = try post.predict(gridX, samples: predictiveSamples, stream: stream, keepFunctionSamples: input.x1D != nil)
        let q = pred.observationQuantiles ?? pred.functionQuantiles
        let xs = (0..<gridX.columns).map { gridX.column($0) }
        try Table(columnNames: input.xNames + ["mean", "sd", "epistemic_sd", "aleatoric_sd", "q05", "q50", "q95", "mean_weights"],
                  columns: xs + [pred.mean.column(0), pred.totalSD.column(0), pred.epistemicSD.column(0),
                                 pred.aleatoricSD?.column(0) ?? [Double](repeating: 0, count: gridX.rows),
                                 q[0].column(0), q[1].column(0), q[2].column(0), pred.meanWeights.column(0)])
            .write(csvTo: context.file("predictive.csv"))

        let title = "Mean-field VI, \(widths.map(String.init).joined(separator: "-")) \(model.activation.rawValue), n = \(input.y.count)"
        try VIFigures.elbo(post.history, title: title + ": ELBO and its terms").write(to: context.file("elbo.svg"))
        if let x = input.x1D {
            try VIFigures.predictive(pred, x: x, y: input.y, truth: input.truth, draws: 100, title: title + ": predictive")
                .write(to: context.file("predictive.svg"))
        } else {
            let atData = try post.predict(input.x, samples: predictiveSamples, stream: stream)
            var fig = Figure(title: title + ": predicted against observed (±2σ)", rows: 1, columns: 1, width: 640, height: 520)
            try fig.panel(0, 0) { p in
                p.xLabel = "observed y"
                p.yLabel = "predictive mean"
                let m = atData.mean.column(0), sd = atData.totalSD.column(0)
                try p.errorBars(x: input.y, lower: zip(m, sd).map { $0 - 2 * $1 }, upper: zip(m, sd).map { $0 + 2 * $1 })
                try p.scatter(x: input.y, y: m, label: "data (n = \(input.y.count))", color: .vermillion, edge: .black)
            }
            try fig.write(to: context.file("predictive.svg"))
        }

        // Training fit: the predictive mean at the data rows.
        let atTrain = try post.predict(input.x, samples: predictiveSamples, stream: try RandomStream(seed: context.seed, stream: 2))
        let m = atTrain.mean.column(0)
        let rmse = (zip(input.y, m).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(input.y.count)).squareRoot()
        let h = post.history
        let window = min(100, h.epochs)
        let sigma = post.standardDeviations
        let z95 = 1.6448536269514722
        var result = context.result(config: [
            "data": .string(input.source), "layers": .array(widths.map { .number(Double($0)) }),
            "activation": .string(model.activation.rawValue), "likelihood": .string(model.likelihood.rawValue),
            "noise_std": .number(model.noiseStd), "prior_std": .number(model.priorStd), "epochs": .number(Double(epochs)),
            "samples": .number(Double(samples)), "learning_rate": .number(learningRate),
            "batch_size": .number(Double(batchSize ?? input.y.count)), "kl_estimator": .string(klEstimator.rawValue),
            "scale_param": .string(scaleParam.rawValue), "init_scale": .number(initScale), "init_mean_std": .number(initMeanStd),
            "init_bias_std": .number(initBiasStd ?? initMeanStd),
            "kl_schedule": .string(klSchedule), "normalize_x": .bool(normalizeX),
            "predictive_samples": .number(Double(predictiveSamples)), "n": .number(Double(input.y.count)),
            "validation_fraction": validationFraction.map { .number($0) } ?? .null, "patience": .number(Double(patience)),
        ])
        result.parameters = zip(post.parameterNames, zip(post.mean, sigma)).map { name, ms in
            RunResult.ParameterSummary(name: name, mean: ms.0, sd: ms.1, q05: ms.0 - z95 * ms.1, q50: ms.0, q95: ms.0 + z95 * ms.1)
        }
        result.history = ["epoch": (1...h.epochs).map(Double.init), "elbo": h.elbo, "exp_loglik": h.expectedLogLikelihood,
                          "kl": h.kl, "kl_weight": h.klWeight, "time_s": h.seconds]
        if let v = h.validationLogLikelihood { result.history?["val_loglik"] = v }
        result.metrics = ["train_rmse": rmse, "final_elbo": h.elbo.last ?? .nan,
                          "smoothed_elbo": VIHistory.trailingMean(h.elbo, window: window)]
        result.summary = [
            "smoothed_window": .number(Double(window)),
            "smoothed_exp_loglik": .number(VIHistory.trailingMean(h.expectedLogLikelihood, window: window)),
            "smoothed_kl": .number(VIHistory.trailingMean(h.kl, window: window)),
            "mean_sigma": .number(sigma.reduce(0, +) / Double(sigma.count)),
            "best_epoch": h.bestEpoch.map { .number(Double($0)) } ?? .null,
            "steps_per_epoch": .number(Double((input.y.count + (batchSize ?? input.y.count) - 1) / (batchSize ?? input.y.count))),
        ]
        result.outputs = ["model": "model.json", "predictive": "predictive.csv", "elbo_figure": "elbo.svg",
                          "predictive_figure": "predictive.svg"]
        result.timing.trainingS = trainingSeconds
        try context.finish(result)

        print(textTable(header: ["epochs", "ELBO (last \(window))", "E log-lik", "KL", "train rmse", "training s"],
                        rows: [["\(h.epochs)", format(VIHistory.trailingMean(h.elbo, window: window)),
                                format(VIHistory.trailingMean(h.expectedLogLikelihood, window: window)),
                                format(VIHistory.trailingMean(h.kl, window: window)), format(rmse), format(trainingSeconds)]]))
        note("wrote result.json, predictive.csv, elbo.svg, predictive.svg and model.json to \(context.outputDirectory.path)")
    }
}

extension PredictCommand {
    /// `bayeskit predict` for a saved ``VariationalPosterior``: the predictive
    /// from 1000 draws of q (stream 1 of --seed), Monte Carlo quantiles.
    func runVariational(_ url: URL) throws {
        let posterior = try VariationalPosterior.load(from: url)
        let context = try RunContext(command: "predict", run: runOptions, defaultSeed: 0)
        let d = posterior.architecture.inputCount
        let (x, y, xNames) = try inputs(dimension: d)
        let p = try posterior.predict(x, samples: 1000, stream: try RandomStream(seed: context.seed, stream: 1),
                                      threads: context.threads)
        let q = p.observationQuantiles ?? p.functionQuantiles
        let mean = p.mean.column(0), sd = p.totalSD.column(0)
        try Table(columnNames: xNames + ["mean", "sd", "epistemic_sd", "q05", "q50", "q95"],
                  columns: (0..<d).map { x.column($0) } + [mean, sd, p.epistemicSD.column(0), q[0].column(0), q[1].column(0),
                                                         q[2].column(0)])
            .write(csvTo: context.file("predictive.csv"))
        var result = context.result(config: [
            "model": .string(url.path), "kind": .string(VariationalPosterior.archiveKind), "inputs": .number(Double(x.rows)),
            "data": data.data.map { .string($0) } ?? .null, "grid": grid.map { .string($0) } ?? .null,
            "predictive_samples": .number(1000),
        ])
        var outputs = ["predictive": "predictive.csv"]
        if let y { result.metrics = try Self.score(y: y, mean: mean, sd: sd) }
        if d == 1 {
            var fig = Figure(title: "Predictive distribution of \(url.deletingLastPathComponent().lastPathComponent)/model.json (VI)")
            let xs = x.column(0), label = xNames[0], observed = y
            try fig.panel(0, 0) { (panel: inout Panel) throws in
                panel.xLabel = label
                panel.yLabel = "y"
                try panel.predictive(x: xs, mean: mean, sd: sd, sigmas: [2, 1])
                if let observed { try panel.scatter(x: xs, y: observed, label: "observed") }
            }
            try fig.write(to: context.file("predictive.svg"))
            outputs["figure"] = "predictive.svg"
        }
        result.outputs = outputs
        try context.finish(result)
        print(textTable(header: ["inputs", "mean of mean", "mean sd"] + (y == nil ? [] : ["rmse", "coverage_90"]),
                        rows: [["\(x.rows)", format(mean.reduce(0, +) / Double(x.rows)), format(sd.reduce(0, +) / Double(x.rows))]
                               + (result.metrics.map { [format($0["rmse"] ?? .nan), format($0["coverage_90"] ?? .nan)] } ?? [])]))
        note("wrote predictive.csv and result.json to \(context.outputDirectory.path)")
    }
}
