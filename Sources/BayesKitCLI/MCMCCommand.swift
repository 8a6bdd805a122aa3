import ArgumentParser
import BayesKit
import Foundation

/// `bayeskit mcmc`: random-walk Metropolis, HMC or NUTS over the weights of a Bayesian neural network.
public struct MCMCCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mcmc",
        abstract: "Random-walk MH, HMC, NUTS, SGLD or SGHMC over the weights of a Bayesian neural network, with diagnostics.",
        discussion: """
            Samples p(w | data) of the network of --layers with random-walk Metropolis: --chains chains in parallel \
            (chain k uses random stream k of --seed, so the draws do not depend on --threads), --warmup iterations \
            in which the proposal scale adapts toward --target-acceptance (unless --no-adapt), then --draws \
            iterations of which every --thin-th is kept. Chains start from a MAP fit (--init map, 200 Adam steps on \
            the log posterior), seed 000's fit of the mean squared error (--init mse) or a prior draw (--init prior). \
            Draws stream to OUTPUT/draws/ (or --draws-file DIR; --no-draws-file keeps them in memory only). Writes \
            result.json (summary of every weight and of the predictive functionals f(x=...) at 5 points over the data \
            range, per-chain acceptance and scale), trace.svg, predictive.svg and predictive.csv (one input). Seed \
            000's experiment: --warmup 0 --draws 10000 --thin 10 --proposal-scale 0.01 --chains 1 --init mse. \
            --sampler nuts runs the No-U-Turn Sampler (Stan's multinomial NUTS; warmup adapts the step size toward \
            --target-accept, default 0.8, and a --metric diag or dense mass matrix; --max-depth caps the tree) and \
            --sampler hmc runs HMC with --steps leapfrog steps of an adapted --step-size; both print the cost of one \
            gradient evaluation first and report divergences, tree-depth hits and gradient evaluations per chain. \
            --sampler sgld (Welling & Teh 2011) or sghmc (Chen et al. 2014, --friction) samples from minibatches of \
            --batch-size rows with the likelihood scaled by N/B and no accept/reject step; --schedule decay \
            (eps_t = step-size (1 + t/b)^-gamma, --decay-offset b, --decay-exponent gamma), constant, or cyclical \
            (cSG-MCMC: --cycles, the first --exploration fraction of each cycle without noise).
            """)

    @Option(help: "Sampler: rwmh (random-walk Metropolis), hmc, nuts (No-U-Turn Sampler), sgld or sghmc (stochastic gradient).")
    public var sampler: String = "rwmh"

    @Option(help: "Model: bnn (a Bayesian neural network of --layers).")
    public var model: String = "bnn"

    @OptionGroup(title: "Model options") public var modelOptions: ModelOptions
    @OptionGroup(title: "Data options") public var dataOptions: DataOptions

    @Option(help: ArgumentHelp("Embedded dataset when no --data is given: \(Datasets.names.joined(separator: ", ")) (default sine).",
                               valueName: "name"))
    public var dataset: String?

    @OptionGroup(title: "Sampler options") public var samplerOptions: SamplerOptions

    @Option(parsing: .unconditional, help: "Standard deviation of the random-walk proposal (the starting value when adapting).")
    public var proposalScale: Double = 0.01

    @Flag(help: "Keep the proposal scale fixed during warmup (seed 000 has no adaptation).")
    public var noAdapt = false

    @Option(name: [.customLong("target-acceptance"), .customLong("target-accept")], parsing: .unconditional,
            help: "Acceptance rate the warmup adaptation aims for (default 0.234 for rwmh, 0.8 for hmc and nuts).")
    public var targetAcceptanceOption: Double?

    @Option(help: "NUTS: maximum tree depth (at most 2^depth - 1 leapfrog steps per draw).")
    public var maxDepth: Int = 10

    @Option(help: ArgumentHelp("HMC/NUTS mass matrix adapted in warmup: diag, dense or unit.", valueName: "metric"))
    public var metric: String = "diag"

    @Option(help: "HMC: leapfrog steps per draw.")
    public var steps: Int = 10

    @Option(name: .customLong("step-size"), parsing: .unconditional,
            help: "HMC/NUTS: initial leapfrog step size, adapted in warmup (default 1); SGLD: eps at t = 0 (default 1e-4); SGHMC: learning rate (default 1e-5).")
    public var stepSizeOption: Double?

    /// The step size: the option, or the sampler's default.
    public var stepSize: Double { stepSizeOption ?? (sampler == "sgld" ? 1e-4 : sampler == "sghmc" ? 1e-5 : 1) }

    @Option(help: ArgumentHelp("SGLD/SGHMC: rows per minibatch (default min(32, N)).", valueName: "n"))
    public var batchSize: Int?

    @Option(help: "SGLD/SGHMC step-size schedule: decay, constant or cyclical.")
    public var schedule: String = "decay"

    @Option(help: "SGLD/SGHMC decay schedule: offset b of eps_t = step-size (1 + t/b)^-gamma.")
    public var decayOffset: Double = 1000

    @Option(help: "SGLD/SGHMC decay schedule: exponent gamma in (0.5, 1].")
    public var decayExponent: Double = 0.55

    @Option(help: "SGLD/SGHMC cyclical schedule: number of cycles.")
    public var cycles: Int = 4

    @Option(help: "SGLD/SGHMC cyclical schedule: fraction of each cycle without noise, in [0, 1).")
    public var exploration: Double = 0.5

    @Option(help: "SGHMC: friction alpha in (0, 1].")
    public var friction: Double = 0.1

    /// The target acceptance: the option, or the sampler's default.
    public var targetAcceptance: Double { targetAcceptanceOption ?? (sampler == "rwmh" ? 0.234 : 0.8) }

    @Option(help: ArgumentHelp("Starting points: map (Adam on the log posterior), mse (Adam on the mean squared error, seed 000) or prior.",
                               valueName: "init"))
    public var `init`: String = "map"

    @Option(help: "Adam steps (learning rate 0.01) of --init map or mse.")
    public var initSteps: Int = 200

    @Option(help: ArgumentHelp("Folder the draws stream to (default: OUTPUT/draws).", valueName: "dir"))
    public var drawsFile: String?

    @Flag(help: "Keep the draws in memory only; write no draws files.")
    public var noDrawsFile = false

    @OptionGroup(title: "Run options") public var runOptions: RunOptions

    public init() {}

    static let initChoices = ["map", "mse", "prior"]

    public func validate() throws {
        if !["rwmh", "hmc", "nuts", "sgld", "sghmc"].contains(sampler) {
            throw ValidationError("--sampler must be rwmh, hmc, nuts, sgld or sghmc; got '\(sampler)'")
        }
        if let b = batchSize, b < 1 { throw ValidationError("--batch-size must be >= 1; got \(b)") }
        if !["decay", "constant", "cyclical"].contains(schedule) {
            throw ValidationError("--schedule must be decay, constant or cyclical; got '\(schedule)'")
        }
        if !(decayOffset > 0) || !decayOffset.isFinite { throw ValidationError("--decay-offset must be positive; got \(decayOffset)") }
        if !(decayExponent > 0.5 && decayExponent <= 1) {
            throw ValidationError("--decay-exponent must be in (0.5, 1]; got \(decayExponent)")
        }
        if cycles < 1 { throw ValidationError("--cycles must be >= 1; got \(cycles)") }
        if !(exploration >= 0 && exploration < 1) { throw ValidationError("--exploration must be in [0, 1); got \(exploration)") }
        if !(friction > 0 && friction <= 1) { throw ValidationError("--friction must be in (0, 1]; got \(friction)") }
        if !(maxDepth >= 1 && maxDepth <= 30) { throw ValidationError("--max-depth must be in 1...30; got \(maxDepth)") }
        if !["diag", "dense", "unit"].contains(metric) {
            throw ValidationError("--metric must be diag, dense or unit; got '\(metric)'")
        }
        if steps < 1 { throw ValidationError("--steps must be >= 1; got \(steps)") }
        if !(stepSize > 0) || !stepSize.isFinite { throw ValidationError("--step-size must be positive and finite; got \(stepSize)") }
        if model != "bnn" { throw ValidationError("--model must be bnn; got '\(model)'") }
        if dataOptions.data != nil, dataset != nil { throw ValidationError("give either --data FILE or --dataset NAME, not both") }
        if let dataset, !Datasets.names.contains(dataset) {
            throw ValidationError("unknown dataset '\(dataset)'; known datasets: \(Datasets.names.joined(separator: ", "))")
        }
        if !(proposalScale > 0) || !proposalScale.isFinite {
            throw ValidationError("--proposal-scale must be positive and finite; got \(proposalScale)")
        }
        if !(targetAcceptance > 0 && targetAcceptance < 1) {
            throw ValidationError("--target-acceptance must be between 0 and 1 (exclusive); got \(targetAcceptance)")
        }
        if !Self.initChoices.contains(self.`init`) {
            throw ValidationError("--init must be map, mse or prior; got '\(self.`init`)'")
        }
        if initSteps < 0 { throw ValidationError("--init-steps must be >= 0; got \(initSteps)") }
        if noDrawsFile, drawsFile != nil { throw ValidationError("give either --draws-file DIR or --no-draws-file, not both") }
        if let drawsFile, drawsFile.isEmpty { throw ValidationError("--draws-file must name a folder; got an empty string") }
    }

    /// The kernel of --sampler for data with `rows` rows (the default minibatch size depends on it).
    func kernel(rows: Int) -> any MCMCKernel {
        let sgBatch = batchSize ?? min(32, max(rows, 1))
        let m: HMCMetric = metric == "dense" ? .dense : metric == "unit" ? .unit : .diagonal
        switch sampler {
        case "nuts": return NUTS(targetAccept: targetAcceptance, maxTreeDepth: maxDepth, metric: m, stepSize: stepSize)
        case "hmc": return HMC(stepSize: stepSize, steps: steps, metric: m, targetAccept: targetAcceptance)
        case "sgld": return SGLD(stepSize: sgSchedule, batchSize: sgBatch)
        case "sghmc": return SGHMC(stepSize: sgSchedule, batchSize: sgBatch, friction: friction)
        default: return RandomWalkMetropolis(scale: proposalScale)
        }
    }

    /// --schedule as a ``StepSizeSchedule``; `decay` starts at --step-size: a = step-size b^gamma.
    var sgSchedule: StepSizeSchedule {
        switch schedule {
        case "constant": .constant(stepSize)
        case "cyclical": .cyclical(a: stepSize, cycles: cycles, exploration: exploration)
        default: .polynomial(a: stepSize * Foundation.pow(decayOffset, decayExponent), b: decayOffset, gamma: decayExponent)
        }
    }

    var isStochasticGradient: Bool { sampler == "sgld" || sampler == "sghmc" }

    var samplerLabel: String { ["nuts": "NUTS", "hmc": "HMC", "sgld": "SGLD", "sghmc": "SGHMC"][sampler] ?? "MH" }

    var initialization: Initialization {
        switch self.`init` {
        case "mse": .mse(steps: initSteps, learningRate: 0.01)
        case "prior": .prior
        default: .map(steps: initSteps, learningRate: 0.01)
        }
    }

    func likelihood(outputs: Int) -> Likelihood {
        switch modelOptions.likelihood {
        case .gaussian: .gaussian(sigma: modelOptions.noiseStd)
        case .bernoulli: .bernoulli
        case .categorical: .categorical(classes: outputs)
        }
    }

    public func run() throws {
        let widths = modelOptions.widths
        let architecture = try NetworkArchitecture(layers: widths,
                                                   activation: Activation(rawValue: modelOptions.activation.rawValue) ?? .relu)
        let input = try BlrCommand.Input.load(dataOptions, dataset: dataset)
        guard input.x.columns == architecture.inputCount else {
            throw BayesKitError.dimensionMismatch(
                "the data have \(input.x.columns) input columns but --layers starts with \(architecture.inputCount)")
        }
        if modelOptions.likelihood != .categorical, architecture.outputCount != 1 {
            throw BayesKitError.dimensionMismatch(
                "a \(modelOptions.likelihood.rawValue) likelihood on one target column needs 1 output; --layers ends with \(architecture.outputCount)")
        }
        let bnn = try BNN(architecture: architecture, likelihood: likelihood(outputs: architecture.outputCount),
                          prior: .normal(std: modelOptions.priorStd))
        let context = try RunContext(command: "mcmc", run: runOptions, defaultSeed: 0)
        let drawsFolder: URL? = noDrawsFile ? nil
            : drawsFile.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? context.file("draws")
        let s = samplerOptions
        let mcmc = MCMC(kernel: kernel(rows: input.x.rows), chains: s.chains, warmup: s.warmup,
                        draws: s.draws, thin: s.thin, adaptScale: !noAdapt, targetAcceptance: targetAcceptance)
        let y = try Matrix(rows: input.y.count, columns: 1, values: input.y)
        var gradientCost: Double? = nil
        if sampler != "rwmh" {
            // Stan's note before sampling: the cost of one gradient evaluation.
            let posterior = try bnn.posterior(x: input.x, y: y)
            let cost = try posterior.gradientCost(at: [Double](repeating: 0.1, count: posterior.dimension), repetitions: 200)
            gradientCost = cost
            let perTransition = sampler == "hmc" ? steps : 10
            note(String(format: "Gradient evaluation took %.3g seconds; 1000 transitions using %d leapfrog steps per transition would take %.3g seconds.",
                        cost, perTransition, cost * 1000 * Double(perTransition)))
        }
        let counter = try ProgressCounter(count: s.chains, prefix: "chain")
        let monitor = ProgressMonitor(counter: counter, reporter: context.progress.reporter())
        let chains = try monitor.run {
            try mcmc.run(bnn, x: input.x, y: y, initial: initialization, seed: context.seed, drawsFolder: drawsFolder,
                         keepInMemory: drawsFolder == nil, progress: counter)
        }

        // Diagnostics: every weight, then the predictive functionals.
        let weights = try chains.summary(threads: context.threads)
        let points: Matrix
        if let x = input.x1D {
            let p = try Predictive.defaultFunctionalInputs(x: x)
            points = try Matrix(rows: p.count, columns: 1, values: p)
        } else {
            let n = input.x.rows, m = min(5, n)
            let rows = (0..<m).map { m == 1 ? 0 : $0 * (n - 1) / (m - 1) }
            points = try Matrix(rows: m, columns: input.x.columns, values: rows.flatMap { input.x.row($0) })
        }
        // Streamed runs stream their functionals too (draws/functionals/), so memory stays bounded.
        let functionals = try Predictive.functionals(chains, architecture: architecture, at: points,
                                                     folder: drawsFolder?.appendingPathComponent("functionals", isDirectory: true),
                                                     threads: context.threads)
        let fSummary = try functionals.summary(threads: context.threads)
        let parameters = weights + fSummary
        let maxRhat = parameters.compactMap(\.rhat).filter { $0.isFinite }.max() ?? .nan
        let minESS = parameters.compactMap(\.essBulk).filter { $0.isFinite }.min() ?? .nan
        let fMaxRhat = fSummary.compactMap(\.rhat).filter { $0.isFinite }.max() ?? .nan
        let fMinESS = fSummary.compactMap(\.essBulk).filter { $0.isFinite }.min() ?? .nan
        // PSIS-LOO and WAIC on at most 4000 draws spread over the chains.
        let looDraws = try chains.evenlySpacedDraws(maximum: 4000)
        let pointwise = try bnn.pointwiseLogLikelihood(weightDraws: looDraws, x: input.x, y: y, threads: context.threads)
        let loo = looDraws.rows >= 10 ? try ModelChecking.loo(logLikelihood: pointwise, threads: context.threads) : nil
        let waic = looDraws.rows >= 10 ? try ModelChecking.waic(logLikelihood: pointwise, threads: context.threads) : nil
        let acceptance = chains.acceptanceRates
        let meanAcceptance = acceptance.reduce(0, +) / Double(acceptance.count)

        // Figures.
        var outputs = ["trace_figure": "trace.svg"]
        if let folder = drawsFolder { outputs["draws"] = relative(folder, to: context.outputDirectory) }
        let weightIdx = Array(Set([0, bnn.dimension / 2, bnn.dimension - 1])).sorted()
        let fIdx = Array(Set([0, functionals.dimension / 2, functionals.dimension - 1])).sorted()
        // One chain at a time, at most `tracePoints` draws each, so a large run's
        // figure neither holds every draw in memory nor grows without bound.
        let tracePoints = 1000
        var combined: [[[Double]]] = []
        var traceStep = 1
        for c in 0..<chains.chainCount {
            let wc = try chains.chain(c), fc = try functionals.chain(c)
            let n = min(wc.rows, fc.rows)
            traceStep = max(1, (n + tracePoints - 1) / tracePoints)
            combined.append(stride(from: 0, to: n, by: traceStep).map { d in
                weightIdx.map { wc[d, $0] } + fIdx.map { fc[d, $0] }
            })
        }
        let shown = traceStep == 1 ? "kept draws" : "every \(traceStep)th kept draw"
        try Figure.traces(title: "Traces (\(s.chains) chain\(s.chains == 1 ? "" : "s"), \(shown)): weights and predictive functionals",
                          names: weightIdx.map { chains.parameterNames[$0] } + fIdx.map { functionals.parameterNames[$0] },
                          draws: combined)
            .write(to: context.file("trace.svg"))
        if let x = input.x1D, architecture.outputCount == 1 {
            let grid: [Double]
            if let truth = input.truth { grid = truth.x } else {
                let lo = x.min()!, hi = x.max()!, pad = hi > lo ? 0.1 * (hi - lo) : 1
                grid = linspace(lo - pad, hi + pad, 200)
            }
            let pred = try Predictive.posterior(bnn, chains: chains, inputs: try Matrix(rows: grid.count, columns: 1, values: grid),
                                                count: 100, seed: context.seed, keepFunctionSamples: true)
            try MCMCStudies.predictiveFigure(pred, x: x, y: input.y, truth: input.truth,
                                             title: "\(samplerLabel) posterior predictive (\(pred.drawCount) random kept draws)",
                                             yLimits: input.source == "dataset:sine" ? -2...2 : nil)
                .write(to: context.file("predictive.svg"))
            let q = pred.observationQuantiles ?? pred.quantiles
            try Table(columnNames: ["x", "mean", "sd", "q05", "q50", "q95"],
                      columns: [grid, pred.mean.column(0), (pred.observationSD ?? pred.sd).column(0), q[0].column(0),
                                q[1].column(0), q[2].column(0)])
                .write(csvTo: context.file("predictive.csv"))
            outputs["predictive_figure"] = "predictive.svg"
            outputs["predictive"] = "predictive.csv"
        }

        // Poor mixing: the same thresholds as Stan's and ArviZ's advice.
        var warnings: [String] = []
        if chains.divergences > 0 {
            warnings.append("WARNING: \(chains.divergences) divergent transitions after warmup: the sampler missed regions of high curvature; "
                + "raise --target-accept (e.g. 0.95) or reparameterise")
        }
        if chains.treeDepthHits > 0 {
            warnings.append("WARNING: \(chains.treeDepthHits) transitions hit the maximum tree depth \(maxDepth): efficiency, not validity; raise --max-depth")
        }
        if !(maxRhat <= 1.01) || !(minESS >= 100) {
            warnings.append("WARNING: the chains have not mixed: max R-hat \(format(maxRhat)) (want <= 1.01), min bulk ESS \(format(minESS)) (want >= 100); "
                + "the weights are unidentifiable (symmetries), judge the predictive functionals f(x=...) (max R-hat \(format(fMaxRhat)), min bulk ESS \(format(fMinESS))); "
                + "run more or longer chains, or let the scale adapt (--warmup)")
        }

        var result = context.result(config: [
            "data": .string(input.source), "sampler": .string(sampler), "model": .string(model),
            "x_columns": dataOptions.xColumns.map { .string($0) } ?? .null, "y_column": dataOptions.yColumn.map { .string($0) } ?? .null,
            "layers": .array(widths.map { .number(Double($0)) }), "activation": .string(modelOptions.activation.rawValue),
            "likelihood": .string(modelOptions.likelihood.rawValue), "noise_std": .number(modelOptions.noiseStd),
            "prior_std": .number(modelOptions.priorStd), "chains": .number(Double(s.chains)),
            "warmup": .number(Double(s.warmup)), "draws": .number(Double(s.draws)), "thin": .number(Double(s.thin)),
            "proposal_scale": .number(proposalScale), "adapt": .bool(!noAdapt), "target_acceptance": .number(targetAcceptance),
            "init": .string(self.`init`), "init_steps": .number(Double(initSteps)),
            "draws_file": drawsFolder.map { .string($0.path) } ?? .null, "n": .number(Double(input.y.count)),
            "max_depth": sampler == "nuts" ? .number(Double(maxDepth)) : .null,
            "metric": sampler == "rwmh" ? .null : .string(metric), "steps": sampler == "hmc" ? .number(Double(steps)) : .null,
            "step_size": sampler == "rwmh" ? .null : .number(stepSize),
        ])
        result.parameters = parameters
        result.chains = chains.chainSummaries
        result.metrics = ["acceptance_rate": meanAcceptance, "max_rhat": maxRhat, "min_ess_bulk": minESS,
                          "max_rhat_functionals": fMaxRhat, "min_ess_bulk_functionals": fMinESS]
        if let loo, let waic {
            result.metrics?["elpd_loo"] = loo.elpd
            result.metrics?["elpd_loo_se"] = loo.se
            result.metrics?["p_loo"] = loo.effectiveParameters
            result.metrics?["max_pareto_k"] = loo.paretoK.max() ?? .nan
            result.metrics?["elpd_waic"] = waic.elpd
            result.metrics?["p_waic"] = waic.effectiveParameters
            if !loo.badObservations.isEmpty {
                warnings.append("WARNING: PSIS-LOO is unreliable for \(loo.badObservations.count) observation(s) "
                    + "(Pareto k > \(format(loo.goodK))): rows \(loo.badObservations.map(String.init).joined(separator: ", "))")
            }
        }
        result.summary = [
            "kept_draws_per_chain": .number(Double(chains.chainStats.map(\.keptDraws).min() ?? 0)),
            "functional_points": .array((0..<points.rows).map { JSONValue(points.row($0)) }),
            "functionals": .array(fSummary.map { .string($0.name) }),
            "complete": .bool(chains.complete), "kernel": .string(chains.kernelName),
            "log_density_evaluations": .number(Double(chains.chainStats.map(\.logDensityEvaluations).reduce(0, +))),
            "non_finite_proposals": .number(Double(chains.chainStats.map(\.nonFiniteProposals).reduce(0, +))),
            "sampling_s_total": .number(chains.samplingSeconds), "warmup_s_total": .number(chains.warmupSeconds),
            "warnings": JSONValue(warnings),
        ]
        if sampler != "rwmh" {
            let evals = chains.chainStats.map(\.samplingEvaluations).reduce(0, +)
            let iters = chains.chainStats.map(\.iterations).reduce(0, +)
            result.metrics?["divergences"] = Double(chains.divergences)
            result.metrics?["treedepth_hits"] = Double(chains.treeDepthHits)
            result.metrics?["grad_evals_per_draw"] = iters > 0 ? Double(evals) / Double(iters) : .nan
            result.summary?["step_sizes"] = JSONValue(chains.stepSizes)
            result.summary?["warmup_divergences"] = .number(Double(chains.chainStats.map(\.warmupDivergences).reduce(0, +)))
            result.summary?["gradient_eval_s"] = gradientCost.map { .number($0) } ?? .null
        }
        result.outputs = outputs
        // Chains run in parallel: a phase lasts as long as its slowest chain.
        result.timing.warmupS = chains.chainStats.map(\.warmupSeconds).max() ?? 0
        result.timing.samplingS = chains.chainStats.map(\.samplingSeconds).max() ?? 0
        try context.finish(result)

        print(summaryTable(parameters))
        if sampler == "hmc" || sampler == "nuts" {
            print("\nstep size " + chains.stepSizes.map(format).joined(separator: ", ") + " (per chain); divergences "
                + chains.chainStats.map { String($0.divergences) }.joined(separator: ", ") + "; max-depth hits "
                + chains.chainStats.map { String($0.treeDepthHits) }.joined(separator: ", ") + "; gradient evaluations per draw "
                + chains.chainStats.map { format($0.evaluationsPerDraw) }.joined(separator: ", "))
        }
        print("\nacceptance " + acceptance.map(format).joined(separator: ", ") + " (per chain); "
            + "\(chains.chainStats.map(\.keptDraws).reduce(0, +)) draws kept; max R-hat \(format(maxRhat)), min bulk ESS \(format(minESS))")
        for w in warnings { note(w) }
        note("wrote result.json, trace.svg" + (outputs["predictive_figure"] != nil ? ", predictive.svg, predictive.csv" : "")
            + (drawsFolder.map { " and draws to \($0.path)" } ?? "") + " in \(context.outputDirectory.path)")
    }

    func relative(_ url: URL, to base: URL) -> String {
        let p = url.standardizedFileURL.path, b = base.standardizedFileURL.path + "/"
        return p.hasPrefix(b) ? String(p.dropFirst(b.count)) : p
    }
}

/// The summary table's columns, for the terminal and `summary.csv`.
let summaryColumns = ["name", "mean", "sd", "q05", "q50", "q95", "ess_bulk", "ess_tail", "rhat"]

func summaryCells(_ p: RunResult.ParameterSummary, _ f: (Double) -> String) -> [String] {
    [p.name] + [p.mean, p.sd, p.q05, p.q50, p.q95, p.essBulk ?? .nan, p.essTail ?? .nan, p.rhat ?? .nan].map(f)
}

func summaryTable(_ parameters: [RunResult.ParameterSummary]) -> String {
    textTable(header: summaryColumns, rows: parameters.map { summaryCells($0, format) })
}

/// `bayeskit summary DIR`: the diagnostics table of a run's draws files.
public struct SummaryCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Diagnostics table (mean, sd, quantiles, ESS, R-hat) of MCMC draws files.",
        discussion: """
            Reads DIR/draws/manifest.json (or DIR/manifest.json) and the chain files it lists, chunk by chunk with \
            bounded memory; an incomplete run is cut to its shortest chain. Prints the table (rank-normalised split \
            R-hat, bulk and tail ESS) and writes it to DIR/summary.csv. With --export arviz it also writes \
            DIR/arviz.json (load with `az.from_dict(**json.load(open(path)))`); with --export stan-csv, \
            DIR/stan/chain-<k>.csv in CmdStan's layout (`az.from_cmdstan(posterior=files)`).
            """)

    @Argument(help: ArgumentHelp("An output folder of bayeskit mcmc, or a draws folder.", valueName: "dir"))
    public var directory: String

    @Option(help: "Threads for parallel loops; 0 means all cores. Results do not depend on it.")
    public var threads: Int = 0

    @Option(help: ArgumentHelp("Also export the draws for Python: arviz (DIR/arviz.json) or stan-csv (DIR/stan/).",
                               valueName: "format"))
    public var export: [String] = []

    public init() {}

    static let exportFormats = ["arviz", "stan-csv"]

    public func validate() throws {
        if threads < 0 { throw ValidationError("--threads must be >= 1, or 0 for all cores; got \(threads)") }
        for f in export where !Self.exportFormats.contains(f) {
            throw ValidationError("--export must be arviz or stan-csv; got '\(f)'")
        }
    }

    public func run() throws {
        let dir = URL(fileURLWithPath: directory, isDirectory: true)
        let fm = FileManager.default
        let folder: URL
        if fm.fileExists(atPath: dir.appendingPathComponent("manifest.json").path) {
            folder = dir
        } else if fm.fileExists(atPath: dir.appendingPathComponent("draws/manifest.json").path) {
            folder = dir.appendingPathComponent("draws", isDirectory: true)
        } else {
            throw BayesKitError.io("no draws manifest in \(directory): expected \(directory)/draws/manifest.json or \(directory)/manifest.json")
        }
        try BayesKitLibrary.setThreadCount(threads)
        let manifest = try DrawsManifest.read(from: folder)
        let table = try Diagnostics.summary(manifestFolder: folder, truncateToShortest: !manifest.complete,
                                            threads: BayesKitLibrary.threadCount)
        var csv = summaryColumns.joined(separator: ",") + "\n"
        for p in table {
            let name = p.name.contains(",") || p.name.contains("\"") ? "\"" + p.name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : p.name
            csv += ([name] + summaryCells(p) { String($0) }.dropFirst()).joined(separator: ",") + "\n"
        }
        let out = dir.appendingPathComponent("summary.csv")
        do { try csv.write(to: out, atomically: true, encoding: .utf8) } catch {
            throw BayesKitError.io("cannot write \(out.path): \(error.localizedDescription)")
        }
        print(summaryTable(table))
        let counts = manifest.chains.map(\.draws)
        print("\n\(counts.count) chain\(counts.count == 1 ? "" : "s"), draws per chain: "
            + counts.map(String.init).joined(separator: ", ") + (manifest.complete ? "" : " (run incomplete)"))
        note("wrote \(out.path)")
        for format in export {
            if format == "arviz" {
                let url = dir.appendingPathComponent("arviz.json")
                try DrawsExport.arvizJSON(manifestFolder: folder, to: url)
                note("wrote \(url.path) (ArviZ: az.from_dict(**json.load(open(path))))")
            } else {
                let files = try DrawsExport.stanCSV(manifestFolder: folder, to: dir.appendingPathComponent("stan", isDirectory: true))
                note("wrote \(files.count) Stan CSV file\(files.count == 1 ? "" : "s") in \(dir.appendingPathComponent("stan").path)")
            }
        }
    }
}
