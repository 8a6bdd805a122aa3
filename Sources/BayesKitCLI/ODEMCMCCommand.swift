import ArgumentParser
import BayesKit
import Foundation

/// `bayeskit ode mcmc`: MCMC over the parameters (and optionally initial states and noise) of an ODE system.
public struct ODEMCMCCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mcmc",
        abstract: "MCMC over ODE parameters, initial states and noise (seed 001's oscillator by default).",
        discussion: """
            Samples p(theta | data) of the --free parameters (default: the oscillator's zeta, omega; every parameter \
            of other systems), the --infer-initial states and, with --infer-noise, log sigma, with random-walk \
            Metropolis (--sampler rwmh) or NUTS (--sampler nuts, Stan's adaptation; gradients from the forward \
            sensitivities): --chains chains in parallel, each with its own ODE workspace (chain k uses \
            random stream k of --seed, so the draws do not depend on --threads). Chains start at a MAP fit (--init \
            map: the best of 64 prior draws, then --init-steps Adam steps on the log posterior with the sensitivity \
            gradient) or a prior draw (--init prior). The proposal has per-parameter steps from the Laplace \
            approximation at chain 0's start times --proposal-scale (default 2.4/sqrt(dim)), adapted during \
            --warmup toward --target-acceptance. Priors: --prior NAME=FAMILY(ARGS), e.g. zeta=uniform(0,0.25), \
            x0=normal(1,0.1), sigma=half-normal(0.2) or sigma=log-uniform(0.001,1); families: \
            \(PriorSpec.families.map(\.name).joined(separator: ", ")). Defaults: seed 001's zeta ~ U(0, 0.25), \
            omega ~ U(0.6, 1.6); other parameters U(0, 2 x default value); initial states N(y0, (0.25 max(1, |y0|))^2); \
            sigma half-normal(sd of the observations). Data: --data FILE (time and observation columns) or seed \
            001's oscillator. Writes result.json (mean, sd, quantiles, R-hat, ESS per parameter; sigma derived from \
            log_sigma; the grid posterior's mean, sd and mode for two free parameters with known noise), draws/ \
            (streamed), pairs.svg (draws with the grid posterior's contours), trace.svg, predictive.svg and \
            predictive.csv (90% bands over --predict-t-max, 8 for the oscillator).
            """)

    @OptionGroup(title: "System options") public var systemOptions: ODESystemOptions
    @OptionGroup(title: "Data options") public var dataOptions: DataOptions

    @Option(help: ArgumentHelp("Parameters to infer, comma-separated (default: oscillator zeta,omega; else all).", valueName: "names"))
    public var free: String?

    @Option(help: ArgumentHelp("Initial states to infer, comma-separated state names (x, v, ...).", valueName: "names"))
    public var inferInitial: String?

    @Option(help: ArgumentHelp("Prior NAME=FAMILY(ARGS) of a parameter, an initial state (x0, v0, ...) or sigma; repeatable.",
                               valueName: "prior"))
    public var prior: [String] = []

    @Option(parsing: .unconditional, help: "Known observation noise standard deviation.")
    public var noise: Double = 0.05

    @Flag(help: "Infer the noise sd (log sigma is sampled; prior --prior sigma=...).")
    public var inferNoise = false

    @Option(help: "Index of the observed state (0 = the first).")
    public var observe: Int = 0

    @Option(help: "Sampler: rwmh (random-walk Metropolis) or nuts (No-U-Turn, with the sensitivity gradient).")
    public var sampler: String = "rwmh"

    @OptionGroup(title: "Sampler options") public var samplerOptions: SamplerOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Multiplier of the per-parameter Laplace sds (default 2.4/sqrt(dim)).", valueName: "s"))
    public var proposalScale: Double?

    @Flag(help: "Keep the proposal scale fixed during warmup.")
    public var noAdapt = false

    @Option(parsing: .unconditional, help: "Acceptance rate the warmup adaptation aims for.")
    public var targetAcceptance: Double = 0.234

    @Option(help: ArgumentHelp("Starting points: map or prior.", valueName: "init"))
    public var `init`: String = "map"

    @Option(help: "Adam steps (learning rate 0.005) of --init map.")
    public var initSteps: Int = 500

    @Option(help: ArgumentHelp("Folder the draws stream to (default: OUTPUT/draws).", valueName: "dir"))
    public var drawsFile: String?

    @Flag(help: "Keep the draws in memory only; write no draws files.")
    public var noDrawsFile = false

    @Option(help: "Nodes per axis of the comparison grid posterior (two free parameters, known noise; 0: none).")
    public var grid: Int = 60

    @Option(help: ArgumentHelp("End of the posterior predictive (default: 8 for the oscillator, else the data's end).", valueName: "t"))
    public var predictTMax: Double?

    @OptionGroup(title: "Run options") public var runOptions: RunOptions

    public init() {}

    var system: ODESystem { systemOptions.odeSystem }

    func freeNames() throws -> [String] {
        guard let free else { return system.name == "oscillator" ? ["zeta", "omega"] : system.parameterNames }
        let names = free.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for n in names where !system.parameterNames.contains(n) {
            throw ValidationError("--free: system '\(systemOptions.system)' has no parameter '\(n)'; its parameters: \(system.parameterNames.joined(separator: ", "))")
        }
        if Set(names).count != names.count { throw ValidationError("--free names a parameter twice") }
        return names
    }

    func initialNames() throws -> [String] {
        guard let inferInitial else { return [] }
        let names = inferInitial.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for n in names where !system.stateNames.contains(n) {
            throw ValidationError("--infer-initial: system '\(systemOptions.system)' has no state '\(n)'; its states: \(system.stateNames.joined(separator: ", "))")
        }
        if Set(names).count != names.count { throw ValidationError("--infer-initial names a state twice") }
        return names
    }

    /// `--prior` entries by name.
    func priorTexts() throws -> [String: String] {
        var out: [String: String] = [:]
        let known = Set(try freeNames() + (try initialNames()).map { $0 + "0" } + (inferNoise ? ["sigma"] : []))
        for spec in prior {
            let kv = spec.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { throw ValidationError("--prior must be NAME=FAMILY(ARGS); got '\(spec)'") }
            guard known.contains(kv[0]) else {
                throw ValidationError("--prior: '\(kv[0])' is not inferred; inferred: \(known.sorted().joined(separator: ", "))")
            }
            guard out[kv[0]] == nil else { throw ValidationError("--prior gives '\(kv[0])' twice") }
            do {
                if kv[0] == "sigma" { _ = try PriorSpec.noise(kv[1]) } else { _ = try PriorSpec.parse(kv[1]) }
            } catch let e as BayesKitError { throw ValidationError("--prior \(kv[0]): " + e.message) }
            out[kv[0]] = kv[1]
        }
        return out
    }

    public func validate() throws {
        if !["rwmh", "nuts"].contains(sampler) { throw ValidationError("--sampler must be rwmh or nuts; got '\(sampler)'") }
        if try freeNames().isEmpty && (try initialNames()).isEmpty && !inferNoise {
            throw ValidationError("nothing to infer: give --free, --infer-initial or --infer-noise")
        }
        _ = try priorTexts()
        if !(noise > 0) || !noise.isFinite { throw ValidationError("--noise must be positive and finite; got \(noise)") }
        if observe < 0 || observe >= system.dimension {
            throw ValidationError("--observe must be a state index in 0..<\(system.dimension); got \(observe)")
        }
        if let s = proposalScale, !(s > 0) || !s.isFinite {
            throw ValidationError("--proposal-scale must be positive and finite; got \(s)")
        }
        if !(targetAcceptance > 0 && targetAcceptance < 1) {
            throw ValidationError("--target-acceptance must be between 0 and 1 (exclusive); got \(targetAcceptance)")
        }
        if !["map", "prior"].contains(self.`init`) { throw ValidationError("--init must be map or prior; got '\(self.`init`)'") }
        if initSteps < 0 { throw ValidationError("--init-steps must be >= 0; got \(initSteps)") }
        if noDrawsFile, drawsFile != nil { throw ValidationError("give either --draws-file DIR or --no-draws-file, not both") }
        if grid == 1 || grid < 0 { throw ValidationError("--grid must be 0 (none) or >= 2; got \(grid)") }
        if let predictTMax, !(predictTMax > 0) || !predictTMax.isFinite {
            throw ValidationError("--predict-t-max must be positive and finite; got \(predictTMax)")
        }
        if dataOptions.data == nil, systemOptions.system != "oscillator" {
            throw ValidationError("--data FILE is needed for system '\(systemOptions.system)' (the embedded data are seed 001's oscillator)")
        }
    }

    /// The posterior the options describe.
    func posterior(times t: [Double], observations y: [Double]) throws -> ODEPosterior {
        let names = try freeNames(), initNames = try initialNames(), texts = try priorTexts()
        let base = try systemOptions.parameters(), y0 = try systemOptions.initialState()
        let seedPriors: [String: any ContinuousDistribution] = system.name == "oscillator"
            ? ["zeta": try Uniform(low: 0, high: 0.25), "omega": try Uniform(low: 0.6, high: 1.6)] : [:]
        let priors: [any ContinuousDistribution] = try names.map { n in
            if let text = texts[n] { return try PriorSpec.parse(text) }
            if let p = seedPriors[n] { return p }
            let v = base[system.parameterNames.firstIndex(of: n)!]
            return try Uniform(low: min(0, 2 * v), high: max(2 * v, v == 0 ? 1 : 0))
        }
        let initialPriors: [any ContinuousDistribution] = try initNames.map { n in
            if let text = texts[n + "0"] { return try PriorSpec.parse(text) }
            let v = y0[system.stateNames.firstIndex(of: n)!]
            return try Normal(mean: v, sd: 0.25 * max(1, abs(v)))
        }
        let noiseModel: ODENoise
        if inferNoise {
            if let text = texts["sigma"] {
                noiseModel = try PriorSpec.noise(text)
            } else {
                let m = y.reduce(0, +) / Double(y.count)
                let sd = (y.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(1, y.count - 1))).squareRoot()
                noiseModel = .inferred(prior: try HalfNormal(scale: sd > 0 ? sd : 1))
            }
        } else {
            noiseModel = .known(noise)
        }
        var fixed: [String: Double] = [:]
        for (i, p) in system.parameterNames.enumerated() where !names.contains(p) { fixed[p] = base[i] }
        return try ODEPosterior(system: system, solver: try systemOptions.solver(), free: names, priors: priors, fixed: fixed,
                                initial: y0, freeInitial: initNames, initialPriors: initialPriors, times: t, observations: y,
                                observedState: observe, noise: noiseModel)
    }

    public func run() throws {
        // Data: a user's table (t, observation) or seed 001's oscillator.
        var t: [Double], y: [Double], source: String, truth: (t: [Double], y: [Double])?, truthValues: [String: Double] = [:]
        if let loaded = try dataOptions.load() {
            guard loaded.x.columns == 1 else {
                throw BayesKitError.invalidArgument("--x must name one time column for ode mcmc; got \(loaded.x.columns) columns")
            }
            (t, y, source) = (loaded.x.values, loaded.y, dataOptions.data!)
            let order = t.indices.sorted { t[$0] < t[$1] }
            (t, y) = (order.map { t[$0] }, order.map { y[$0] })
        } else {
            let d = try Datasets.oscillator()
            (t, y, source, truth) = (d.x, d.y, "dataset:oscillator", (d.truthX, d.truthY))
            truthValues = ["zeta": 0.08, "omega": 1.1, "x0": 1, "v0": 0, "log_sigma": Foundation.log(0.05)]
        }
        let post = try posterior(times: t, observations: y)
        let context = try RunContext(command: "ode-mcmc", run: runOptions, defaultSeed: 0)
        let s = samplerOptions, d = post.dimension

        // Starting points, then the proposal's per-parameter steps from the Laplace approximation.
        var start = ContinuousClock.now
        let starts: [[Double]] = try (0..<s.chains).map { k in
            self.`init` == "map" ? try post.mapStart(seed: context.seed, chain: k, steps: initSteps, learningRate: 0.005)
                : try post.priorDraw(seed: context.seed, stream: (1 << 32) + UInt64(k))
        }
        let laplace = try post.laplaceSD(at: self.`init` == "map" ? starts[0]
            : try post.mapStart(seed: context.seed, chain: 0, steps: initSteps, learningRate: 0.005))
        let priorSD = post.priors.map { p -> Double in p.variance.isFinite && p.variance > 0 ? 0.1 * p.variance.squareRoot() : 0.1 }
            + (post.noise.isInferred ? [0.1] : [])
        let steps = laplace ?? priorSD
        let initSeconds = seconds(since: start)
        let scale = proposalScale ?? 2.4 / Double(d).squareRoot()
        let mcmc = MCMC(kernel: try kernel(scale: scale, steps: steps), chains: s.chains, warmup: s.warmup,
                        draws: s.draws, thin: s.thin, adaptScale: !noAdapt, targetAcceptance: targetAcceptance)
        let drawsFolder: URL? = noDrawsFile ? nil
            : drawsFile.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? context.file("draws")
        let counter = try ProgressCounter(count: s.chains, prefix: "chain")
        let monitor = ProgressMonitor(counter: counter, reporter: context.progress.reporter())
        let chains = try monitor.run {
            try mcmc.run(post, initial: .given(starts), seed: context.seed, drawsFolder: drawsFolder,
                         keepInMemory: drawsFolder == nil, progress: counter)
        }

        // Diagnostics; sigma = exp(log_sigma) summarised from the same draws.
        var parameters = try chains.summary(threads: context.threads)
        // One chain in memory at a time: thinned draws for the figures, the sigma column for its summary.
        let kept = chains.chainStats.map(\.keptDraws).min() ?? 0
        let longest = chains.chainStats.map(\.keptDraws).max() ?? 0
        let pairStep = max(1, longest * chains.chainCount / 2000), traceStep = max(1, (longest + 999) / 1000)
        var pairDraws: [[Double]] = [], traceDraws: [[[Double]]] = [], sigma: [[[Double]]] = []
        for k in 0..<chains.chainCount {
            let m = try chains.chain(k)
            pairDraws += stride(from: 0, to: m.rows, by: pairStep).map { m.row($0) }
            traceDraws.append(stride(from: 0, to: m.rows, by: traceStep).map { m.row($0) })
            if post.noise.isInferred { sigma.append((0..<min(kept, m.rows)).map { [Foundation.exp(m[$0, d - 1])] }) }
        }
        if post.noise.isInferred, kept >= 4 {
            parameters += try Diagnostics.summary(names: ["sigma"], draws: sigma, threads: context.threads)
        }
        let maxRhat = parameters.compactMap(\.rhat).filter { $0.isFinite }.max() ?? .nan
        let minESS = parameters.compactMap(\.essBulk).filter { $0.isFinite }.min() ?? .nan
        let acceptance = chains.acceptanceRates
        let meanAcceptance = acceptance.reduce(0, +) / Double(acceptance.count)

        // The grid posterior for comparison: two free parameters, known noise.
        var gridPosterior: GridPosterior?
        var gridSeconds = 0.0
        if grid >= 2, d == 2, post.freeParameterCount == 2 {
            start = .now
            let specs = post.parameterNames.indices.map { a -> (Double, Double) in
                let p = parameters[a], w = 8 * max(p.sd, 1e-12)
                return (p.mean - w, p.mean + w)
            }
            let coarse = try post.grid(try zip(post.parameterNames, specs).map { try GridAxis.linspace($0, $1.0, $1.1, count: grid) })
            gridPosterior = try post.grid(try coarse.zoomedAxes(count: max(grid, 100), width: 5))
            gridSeconds = seconds(since: start)
        }

        // Predictive and figures.
        let tEnd = predictTMax ?? (system.name == "oscillator" && dataOptions.data == nil ? 8 : t.last!)
        let predTimes = linspace(min(0, t.first!), max(tEnd, t.last!), 400)
        start = .now
        let pred = try post.predictive(chains, times: predTimes, maxDraws: 1000, seed: context.seed)
        let predictSeconds = seconds(since: start)
        try Table(columnNames: ["t", "mean", "sd", "q05", "q50", "q95", "obs_q05", "obs_q95"],
                  columns: [pred.times, pred.mean, pred.sd, pred.quantiles[0], pred.quantiles[1], pred.quantiles[2],
                            pred.observationQuantiles[0], pred.observationQuantiles[2]])
            .write(csvTo: context.file("predictive.csv"))
        try ODEFigures.predictive(pred, data: (t, y), truth: truth,
                                  title: "MCMC posterior predictive of \(system.stateNames[observe]) (\(system.name))",
                                  yLabel: system.stateNames[observe])
            .write(to: context.file("predictive.svg"))
        let truthVector = post.parameterNames.allSatisfy { truthValues[$0] != nil } ? post.parameterNames.map { truthValues[$0]! } : nil
        try ODEFigures.pairs(pairDraws, names: post.parameterNames, grid: gridPosterior, truth: truthVector,
                             title: "MCMC draws (\(pairDraws.count) shown)" + (gridPosterior != nil ? " vs the grid posterior" : ""))
            .write(to: context.file("pairs.svg"))
        try Figure.traces(title: "Traces (\(s.chains) chain\(s.chains == 1 ? "" : "s")\(traceStep > 1 ? ", every \(traceStep)th kept draw" : ""))",
                          names: post.parameterNames,
                          draws: traceDraws)
            .write(to: context.file("trace.svg"))

        var warnings: [String] = []
        if !(maxRhat <= 1.01) || !(minESS >= 100) {
            warnings.append("WARNING: the chains have not mixed: max R-hat \(format(maxRhat)) (want <= 1.01), min bulk ESS \(format(minESS)) (want >= 100); run longer chains (--draws, --warmup)")
        }
        var outputs = ["trace_figure": "trace.svg", "pairs_figure": "pairs.svg", "predictive_figure": "predictive.svg",
                       "predictive": "predictive.csv"]
        if let folder = drawsFolder { outputs["draws"] = relativePath(folder, to: context.outputDirectory) }
        let evals = chains.chainStats.map(\.logDensityEvaluations).reduce(0, +)
        var summary: [String: JSONValue] = [
            "data": .string(source), "n": .number(Double(t.count)),
            "kept_draws_per_chain": .number(Double(kept)), "complete": .bool(chains.complete), "kernel": .string(chains.kernelName),
            "log_density_evaluations": .number(Double(evals)),
            "evaluations_per_second": .number(Double(evals) / max(1e-12, chains.samplingSeconds + chains.warmupSeconds)),
            "non_finite_proposals": .number(Double(chains.chainStats.map(\.nonFiniteProposals).reduce(0, +))),
            "starts": .array(starts.map { JSONValue($0) }),
            "proposal_sd": JSONValue(steps.map { $0 * scale }), "proposal_from": .string(laplace != nil ? "laplace" : "prior"),
            "predictive_draws": .number(Double(pred.draws)), "warnings": JSONValue(warnings),
        ]
        if let g = gridPosterior {
            summary["grid"] = .object([
                "nodes": .number(Double(g.logPosterior.count)),
                "mean": .object(Dictionary(uniqueKeysWithValues: zip(post.parameterNames, g.mean.map { JSONValue.number($0) }))),
                "sd": .object(Dictionary(uniqueKeysWithValues: zip(post.parameterNames, g.sd.map { JSONValue.number($0) }))),
                "mode": .object(Dictionary(uniqueKeysWithValues: zip(post.parameterNames, g.mode.map { JSONValue.number($0) }))),
            ])
        }
        if !truthValues.isEmpty { summary["truth"] = .object(truthValues.mapValues { .number($0) }) }
        let texts = try priorTexts()
        var priorConfig: [String: JSONValue] = [:]
        for n in post.parameterNames {
            let key = n == "log_sigma" ? "sigma" : n
            priorConfig[key] = .string(texts[key] ?? "default")
        }
        let noiseConfig: JSONValue = post.noise.isInferred ? .string("inferred") : .number(noise)
        let freeConfig = JSONValue(try freeNames()), initialConfig = JSONValue(try initialNames())
        var config: [String: JSONValue] = [
            "data": .string(source), "free": freeConfig, "infer_initial": initialConfig, "priors": .object(priorConfig),
            "noise": noiseConfig, "observe": .number(Double(observe)),
            "sampler": .string(sampler), "chains": .number(Double(s.chains)), "warmup": .number(Double(s.warmup)),
            "draws": .number(Double(s.draws)), "thin": .number(Double(s.thin)), "proposal_scale": .number(scale),
            "adapt": .bool(!noAdapt), "target_acceptance": .number(targetAcceptance), "init": .string(self.`init`),
            "init_steps": .number(Double(initSteps)), "grid": .number(Double(grid)),
            "predict_t_max": .number(predTimes.last!),
        ]
        config["draws_file"] = drawsFolder.map { .string($0.path) } ?? .null
        var result = context.result(config: systemOptions.config.merging(config) { $1 })
        result.parameters = parameters
        result.chains = chains.chainSummaries
        result.metrics = ["acceptance_rate": meanAcceptance, "max_rhat": maxRhat, "min_ess_bulk": minESS]
        result.summary = summary
        result.outputs = outputs
        result.timing.warmupS = chains.chainStats.map(\.warmupSeconds).max() ?? 0
        result.timing.samplingS = chains.chainStats.map(\.samplingSeconds).max() ?? 0
        result.timing.solveS = gridSeconds + predictSeconds + initSeconds
        try context.finish(result)

        print(summaryTable(parameters))
        if let g = gridPosterior {
            print("\ngrid posterior (\(g.logPosterior.count) nodes): "
                + post.parameterNames.indices.map { "\(post.parameterNames[$0]) mean \(format(g.mean[$0])) sd \(format(g.sd[$0]))" }.joined(separator: "; "))
        }
        print("\nacceptance " + acceptance.map(format).joined(separator: ", ") + " (per chain); "
            + "\(kept * chains.chainCount) draws kept; max R-hat \(format(maxRhat)), min bulk ESS \(format(minESS)); "
            + String(format: "%.0f log-density evaluations per second per chain", Double(evals) / max(1e-12, chains.samplingSeconds + chains.warmupSeconds)))
        for w in warnings { note(w) }
        note("wrote result.json, pairs.svg, trace.svg, predictive.svg, predictive.csv"
            + (drawsFolder.map { " and draws to \($0.path)" } ?? "") + " in \(context.outputDirectory.path)")
    }

    /// The kernel of `--sampler` with per-parameter `steps` (a gradient sampler joins here as a new case).
    func kernel(scale: Double, steps: [Double]) throws -> any MCMCKernel {
        switch sampler {
        case "rwmh": return RandomWalkMetropolis(scale: scale, diagonal: steps)
        // The Laplace variances start the diagonal metric; warmup adapts it (Stan's windows).
        case "nuts": return NUTS(stepSize: 0.5, inverseMetric: steps.map { $0 * $0 })
        default: throw ValidationError("--sampler must be rwmh or nuts; got '\(sampler)'")
        }
    }

    func relativePath(_ url: URL, to base: URL) -> String {
        let p = url.standardizedFileURL.path, b = base.standardizedFileURL.path + "/"
        return p.hasPrefix(b) ? String(p.dropFirst(b.count)) : p
    }
}
