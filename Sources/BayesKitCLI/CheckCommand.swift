import ArgumentParser
import BayesKit
import Foundation

/// `bayeskit check`: model checking of fits saved by `bayeskit mcmc`.
public struct CheckCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Model checking of saved MCMC fits: PSIS-LOO comparison and posterior predictive checks.",
        subcommands: [CheckLOOCommand.self, CheckPPCCommand.self])

    public init() {}
}

/// A fit saved by `bayeskit mcmc`: its model and data rebuilt from
/// `result.json`'s config, and up to `maximum` weight draws read evenly from
/// every chain's draws file (the same number per chain).
struct SavedFit {
    let name: String
    let bnn: BNN
    let x: Matrix
    let y: [Double]
    let draws: Matrix
    let chains: Int

    static func load(_ path: String, maximum: Int) throws -> SavedFit {
        let dir = URL(fileURLWithPath: path, isDirectory: true)
        let resultURL = dir.appendingPathComponent("result.json")
        guard FileManager.default.fileExists(atPath: resultURL.path) else {
            throw BayesKitError.io("\(path): no result.json (give the output folder of bayeskit mcmc)")
        }
        let result = try RunResult.read(from: resultURL)
        guard result.command == "mcmc" else {
            throw BayesKitError.invalidArgument("\(path): result.json is from 'bayeskit \(result.command)', not 'bayeskit mcmc'")
        }
        let c = result.config
        guard let layers = c["layers"].flatMap({ v -> [Int]? in
                  if case .array(let a) = v { return a.compactMap { $0.number.map { Int($0) } } } else { return nil }
              }),
              let activation = c["activation"]?.string.flatMap(Activation.init(rawValue:)),
              let likelihood = c["likelihood"]?.string, let noise = c["noise_std"]?.number, let priorStd = c["prior_std"]?.number,
              let source = c["data"]?.string else {
            throw BayesKitError.format("\(path)/result.json lacks the model settings (layers, activation, likelihood, noise_std, prior_std, data)")
        }
        let lik: Likelihood
        switch likelihood {
        case "gaussian": lik = .gaussian(sigma: noise)
        case "bernoulli": lik = .bernoulli
        default: lik = .categorical(classes: layers.last ?? 2)
        }
        let bnn = try BNN(architecture: NetworkArchitecture(layers: layers, activation: activation), likelihood: lik,
                          prior: .normal(std: priorStd))
        var dataset: String?
        var args: [String] = []
        if source.hasPrefix("dataset:") {
            dataset = String(source.dropFirst("dataset:".count))
        } else {
            args = ["--data", source]
            if let xs = c["x_columns"]?.string { args += ["--x", xs] }
            if let yc = c["y_column"]?.string { args += ["--y", yc] }
        }
        let dataOptions = try DataOptions.parse(args)
        let input = try BlrCommand.Input.load(dataOptions, dataset: dataset)

        let folder = dir.appendingPathComponent("draws", isDirectory: true)
        let manifest = try DrawsManifest.read(from: folder)
        let p = bnn.architecture.parameterCount
        var perChain = [Matrix]()
        for entry in manifest.chains {
            perChain.append(try DrawsFile.read(folder.appendingPathComponent(entry.file)).values)
        }
        let shortest = perChain.map(\.rows).min() ?? 0
        guard shortest >= 2 else {
            throw BayesKitError.invalidArgument("\(path): too few draws (\(shortest) in the shortest chain); checks need >= 2 per chain")
        }
        let take = min(shortest, max(maximum / max(perChain.count, 1), 2))
        let step = shortest / take
        var values = [Double]()
        for m in perChain {
            guard m.columns >= p else {
                throw BayesKitError.dimensionMismatch("\(path): draws have \(m.columns) parameters, the network has \(p)")
            }
            for k in 0..<take { values += m.row(k * step) }
        }
        let draws = try Matrix(rows: take * perChain.count, columns: perChain[0].columns, values: values)
        return SavedFit(name: dir.lastPathComponent, bnn: bnn, x: input.x, y: input.y, draws: draws, chains: perChain.count)
    }
}

/// `bayeskit check loo DIR...`
public struct CheckLOOCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "loo",
        abstract: "PSIS-LOO of one or more bayeskit mcmc fits and their comparison (elpd difference and its se).")

    @Argument(help: ArgumentHelp("Output folders of bayeskit mcmc (each with result.json and draws/).", valueName: "dir"))
    public var fits: [String] = []

    @Option(help: "At most this many draws per fit, spread evenly over its chains.")
    public var maxDraws: Int = 4000

    @OptionGroup(title: "Run options") public var runOptions: RunOptions

    public init() {}

    public func validate() throws {
        if fits.isEmpty { throw ValidationError("give at least one bayeskit mcmc output folder") }
        if maxDraws < 4 { throw ValidationError("--max-draws must be >= 4; got \(maxDraws)") }
    }

    public func run() throws {
        let context = try RunContext(command: "check", run: runOptions, defaultSeed: 0)
        var loos: [(name: String, loo: ModelChecking.LOO)] = []
        var names = Set<String>()
        for path in fits {
            let fit = try SavedFit.load(path, maximum: maxDraws)
            var name = fit.name
            while names.contains(name) { name += "'" }
            names.insert(name)
            let y = try Matrix(rows: fit.y.count, columns: 1, values: fit.y)
            let ll = try fit.bnn.pointwiseLogLikelihood(weightDraws: fit.draws, x: fit.x, y: y, threads: context.threads)
            let reff = try ModelChecking.relativeEfficiency(logLikelihood: ll, chains: fit.chains)
            loos.append((name, try ModelChecking.loo(logLikelihood: ll, relativeEfficiency: reff, threads: context.threads)))
        }
        let comparison = try ModelChecking.compare(loos)
        var fig = Figure(title: "Pareto k of each observation's PSIS-LOO estimate", rows: 1, columns: 1, width: 760, height: 420)
        try fig.panel(0, 0) { p in
            p.xLabel = "observation"
            p.yLabel = "Pareto k"
            for (i, l) in loos.enumerated() {
                try p.scatter(x: l.loo.paretoK.indices.map(Double.init), y: l.loo.paretoK, label: l.name, color: PlotColor.categorical(i))
            }
            try p.horizontalLine(y: 0.7, label: "0.7: unreliable above", color: .vermillion)
        }
        try fig.write(to: context.file("loo.svg"))
        var result = context.result(config: ["fits": .array(fits.map { .string($0) }), "max_draws": .number(Double(maxDraws))])
        var metrics = [String: Double]()
        var rows = [[String]]()
        for c in comparison {
            let loo = loos.first { $0.name == c.name }?.loo
            metrics["\(c.name)_elpd_loo"] = c.elpd
            metrics["\(c.name)_se"] = c.se
            metrics["\(c.name)_elpd_diff"] = c.elpdDifference
            metrics["\(c.name)_diff_se"] = c.differenceSE
            metrics["\(c.name)_p_loo"] = c.effectiveParameters
            metrics["\(c.name)_max_pareto_k"] = loo?.paretoK.max() ?? .nan
            rows.append([c.name, format(c.elpd), format(c.se), format(c.elpdDifference), format(c.differenceSE),
                         format(c.effectiveParameters), format(loo?.paretoK.max() ?? .nan),
                         "\(loo?.badObservations.count ?? 0)"])
        }
        result.metrics = metrics
        result.summary = ["ranking": .array(comparison.map { .string($0.name) })]
        result.outputs = ["pareto_k_figure": "loo.svg"]
        try context.finish(result)
        print(textTable(header: ["fit", "elpd_loo", "se", "elpd_diff", "se_diff", "p_loo", "max k", "bad k"], rows: rows))
        note("wrote result.json and loo.svg to \(context.outputDirectory.path)")
    }
}

/// `bayeskit check ppc DIR`
public struct CheckPPCCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ppc",
        abstract: "Posterior predictive check of a bayeskit mcmc fit: replicated data, test statistics and p-values.")

    @Argument(help: ArgumentHelp("Output folder of bayeskit mcmc (with result.json and draws/).", valueName: "dir"))
    public var fit: String

    @Option(help: "At most this many draws (replicated data sets), spread evenly over the chains.")
    public var maxDraws: Int = 1000

    @OptionGroup(title: "Run options") public var runOptions: RunOptions

    public init() {}

    public func validate() throws {
        if maxDraws < 4 { throw ValidationError("--max-draws must be >= 4; got \(maxDraws)") }
    }

    public func run() throws {
        let context = try RunContext(command: "check", run: runOptions, defaultSeed: 0)
        let saved = try SavedFit.load(fit, maximum: maxDraws)
        let stats = PredictiveCheck.Statistic.standard + [.quantile(0.1), .quantile(0.9)]
        let check = try PredictiveCheck.posterior(saved.bnn, weightDraws: saved.draws, x: saved.x, y: saved.y,
                                                  statistics: stats, seed: context.seed)
        try PredictiveCheck.figure(check, title: "Posterior predictive check of \(saved.name) (\(check.draws) draws)")
            .write(to: context.file("ppc.svg"))
        var result = context.result(config: ["fit": .string(fit), "max_draws": .number(Double(maxDraws))])
        var metrics = [String: Double]()
        for r in check.results {
            metrics["p_\(r.statistic)"] = r.pValue
            metrics["t_\(r.statistic)"] = r.observed
        }
        result.metrics = metrics
        result.summary = ["draws": .number(Double(check.draws))]
        result.outputs = ["figure": "ppc.svg"]
        try context.finish(result)
        print(textTable(header: ["statistic", "T(y)", "mean T(y_rep)", "p", "mcse"], rows: check.results.map { r in
            [r.statistic, format(r.observed), format(r.replicated.reduce(0, +) / Double(r.replicated.count)), format(r.pValue),
             format(r.pValueMCSE)]
        }))
        note("wrote result.json and ppc.svg to \(context.outputDirectory.path)")
    }
}
