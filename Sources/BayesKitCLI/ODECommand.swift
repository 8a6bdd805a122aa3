import ArgumentParser
import BayesKit
import Foundation

/// `bayeskit ode`: solve ODE systems and compute grid posteriors over their parameters.
public struct ODECommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ode",
        abstract: "ODE systems: solve them, grid and MCMC posteriors over their parameters.",
        discussion: "Built-in systems: \(ODESystem.builtInNames.joined(separator: ", ")).",
        subcommands: [ODESolveCommand.self, ODEGridCommand.self, ODEMCMCCommand.self])

    public init() {}
}

/// Default parameters, initial state and time span of each built-in system
/// (the oscillator's are seed 001's).
struct ODESystemDefaults {
    let parameters: [Double]
    let initial: [Double]
    let tMax: Double

    static let table: [String: ODESystemDefaults] = [
        "oscillator": .init(parameters: [0.08, 1.1], initial: [1, 0], tMax: 8),
        "forced-oscillator": .init(parameters: [0.1, 1.1, 0.5, 0.8], initial: [1, 0], tMax: 20),
        "lotka-volterra": .init(parameters: [1.0, 0.1, 0.075, 1.5], initial: [10, 5], tMax: 15),
        "sir": .init(parameters: [0.5, 0.1], initial: [0.99, 0.01, 0], tMax: 60),
        "van-der-pol": .init(parameters: [1], initial: [2, 0], tMax: 20),
        "robertson": .init(parameters: [0.04, 3e7, 1e4], initial: [1, 0, 0], tMax: 40),
    ]
}

/// `--system --params --initial --method --rtol --atol --max-steps`: shared by `ode solve` and `ode grid`.
public struct ODESystemOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Built-in system: \(ODESystem.builtInNames.joined(separator: ", ")).", valueName: "name"))
    public var system: String = "oscillator"

    @Option(help: ArgumentHelp("Parameter values, NAME=VALUE,... or VALUE,... in order (default: the system's; oscillator zeta=0.08,omega=1.1).",
                               valueName: "values"))
    public var params: String?

    @Option(help: ArgumentHelp("Initial state, comma-separated (default: the system's; oscillator 1,0).", valueName: "values"))
    public var initial: String?

    @Option(help: "Integrator: rk8pd, rkf45, rkck, rk4imp or msbdf.")
    public var method: String = "rk8pd"

    @Option(parsing: .unconditional, help: "Relative tolerance.")
    public var rtol: Double = 1e-8

    @Option(parsing: .unconditional, help: "Absolute tolerance.")
    public var atol: Double = 1e-10

    @Option(help: "Steps allowed per solve.")
    public var maxSteps: Int = 100_000

    public init() {}

    public func validate() throws {
        guard ODESystem.builtInNames.contains(system) else {
            throw ValidationError("unknown ODE system '\(system)'; known systems: \(ODESystem.builtInNames.joined(separator: ", "))")
        }
        do { _ = try ODEMethod(parsing: method) } catch let e as BayesKitError { throw ValidationError("--method: " + e.message) }
        if !(rtol >= 0) || !rtol.isFinite { throw ValidationError("--rtol must be >= 0 and finite; got \(rtol)") }
        if !(atol >= 0) || !atol.isFinite { throw ValidationError("--atol must be >= 0 and finite; got \(atol)") }
        if rtol == 0, atol == 0 { throw ValidationError("--rtol and --atol must not both be 0") }
        if maxSteps < 1 { throw ValidationError("--max-steps must be >= 1; got \(maxSteps)") }
        _ = try parameters()
        _ = try initialState()
    }

    var odeSystem: ODESystem { (try? ODESystem.named(system)) ?? .oscillator }
    var defaults: ODESystemDefaults { ODESystemDefaults.table[system]! }

    func solver() throws -> ODESolver {
        ODESolver(method: try ODEMethod(parsing: method), rtol: rtol, atol: atol, maxSteps: maxSteps)
    }

    /// The parameters: defaults overridden by `--params`.
    func parameters() throws -> [Double] {
        let names = odeSystem.parameterNames
        var values = defaults.parameters
        guard let params else { return values }
        let items = params.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if items.allSatisfy({ !$0.contains("=") }) {
            let parsed = items.compactMap(Double.init)
            guard parsed.count == items.count, parsed.count == names.count else {
                throw ValidationError("--params needs \(names.count) numbers (\(names.joined(separator: ", "))) or NAME=VALUE pairs; got '\(params)'")
            }
            return parsed
        }
        for item in items {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, let v = Double(kv[1]) else {
                throw ValidationError("--params entries must be NAME=VALUE; got '\(item)'")
            }
            guard let i = names.firstIndex(of: kv[0]) else {
                throw ValidationError("--params: system '\(system)' has no parameter '\(kv[0])'; its parameters: \(names.joined(separator: ", "))")
            }
            values[i] = v
        }
        return values
    }

    func initialState() throws -> [Double] {
        guard let initial else { return defaults.initial }
        let parsed = initial.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parsed.count == odeSystem.dimension, parsed.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--initial needs \(odeSystem.dimension) comma-separated numbers (\(odeSystem.stateNames.joined(separator: ", "))); got '\(initial)'")
        }
        return parsed.map { $0! }
    }

    var config: [String: JSONValue] {
        ["system": .string(system), "method": .string(method), "rtol": .number(rtol), "atol": .number(atol),
         "max_steps": .number(Double(maxSteps))]
    }
}

/// `bayeskit ode solve`.
public struct ODESolveCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Solve a built-in ODE system and write its trajectory.",
        discussion: """
            Integrates the system from t = 0 to --t-max with GSL's gsl_odeiv2 and writes solution.csv (t and every \
            state; with --sensitivities also d<state>/d<parameter>), solution.svg and result.json (steps, \
            right-hand-side calls, solve time; for the oscillator also the max error against its closed form).
            """)

    @OptionGroup(title: "System options") public var systemOptions: ODESystemOptions

    @Option(help: ArgumentHelp("End of the time span (default: the system's; oscillator 8).", valueName: "t"))
    public var tMax: Double?

    @Option(help: "Output times, evenly spaced on [0, t-max].")
    public var points: Int = 400

    @Flag(help: "Also integrate the forward sensitivities dy/dp.")
    public var sensitivities = false

    @OptionGroup(title: "Run options") public var runOptions: RunOptions

    public init() {}

    public func validate() throws {
        if let tMax, !(tMax > 0) || !tMax.isFinite { throw ValidationError("--t-max must be positive and finite; got \(tMax)") }
        if points < 2 { throw ValidationError("--points must be >= 2; got \(points)") }
    }

    public func run() throws {
        let system = systemOptions.odeSystem
        let params = try systemOptions.parameters(), y0 = try systemOptions.initialState()
        let times = linspace(0, tMax ?? systemOptions.defaults.tMax, points)
        let context = try RunContext(command: "ode-solve", run: runOptions, defaultSeed: 0)
        let start = ContinuousClock.now
        let sol = try systemOptions.solver().solve(system, parameters: params, initial: y0, times: times,
                                                   sensitivities: sensitivities)
        let solveSeconds = seconds(since: start)

        var names = ["t"] + system.stateNames, columns = [times] + (0..<system.dimension).map { sol.state($0) }
        if let s = sol.sensitivities {
            for (k, p) in system.parameterNames.enumerated() {
                for (i, y) in system.stateNames.enumerated() {
                    names.append("d\(y)/d\(p)")
                    columns.append(s[k].column(i))
                }
            }
        }
        try Table(columnNames: names, columns: columns).write(csvTo: context.file("solution.csv"))
        var fig = Figure(title: "\(system.name): \(zip(system.parameterNames, params).map { "\($0) = \(percentG($1))" }.joined(separator: ", ")) (\(systemOptions.method))",
                         rows: 1, columns: 1, width: 900, height: 420)
        try fig.panel(0, 0) { p in
            p.xLabel = "t"
            p.yLabel = "state"
            for i in 0..<system.dimension { try p.line(x: times, y: sol.state(i), label: system.stateNames[i]) }
        }
        try fig.write(to: context.file("solution.svg"))

        var summary: [String: JSONValue] = [
            "steps": .number(Double(sol.steps)), "rhs_evaluations": .number(Double(sol.rhsEvaluations)),
            "parameters": .object(Dictionary(uniqueKeysWithValues: zip(system.parameterNames, params.map { JSONValue.number($0) }))),
            "initial": JSONValue(y0), "final_state": JSONValue(sol.states.row(times.count - 1)),
        ]
        var facts = "\(system.name), \(systemOptions.method): \(sol.steps) steps, \(sol.rhsEvaluations) right-hand-side calls, "
            + String(format: "%.3f ms", solveSeconds * 1000)
        if system.name == "oscillator", params[0] < 1, y0 == [1, 0] {
            let err = zip(times, sol.state(0)).map { abs($1 - Datasets.dampedOscillator(t: $0, zeta: params[0], omega: params[1])) }.max() ?? .nan
            summary["max_error_closed_form"] = .number(err)
            facts += String(format: ", max error vs the closed form %.2e", err)
        }
        var result = context.result(config: systemOptions.config.merging([
            "t_max": .number(times.last!), "points": .number(Double(points)), "sensitivities": .bool(sensitivities),
        ]) { $1 })
        result.timing.solveS = solveSeconds
        result.outputs = ["solution": "solution.csv", "figure": "solution.svg"]
        result.summary = summary
        try context.finish(result)
        print(textTable(header: ["t"] + system.stateNames,
                        rows: stride(from: 0, to: times.count, by: max(1, times.count / 8)).map { k in
                            [format(times[k])] + sol.states.row(k).map(format)
                        }))
        print("\n" + facts)
        note("wrote solution.csv, solution.svg and result.json to \(context.outputDirectory.path)")
    }
}

/// `bayeskit ode grid`.
public struct ODEGridCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "grid",
        abstract: "Posterior over ODE parameters on a grid (seed 001's oscillator by default).",
        discussion: """
            Evaluates log prior + Gaussian log likelihood (known --noise) of the observed state at every node of a \
            1-3 dimensional grid (one solve per node, in parallel), normalises on the log scale and reports the mode, \
            mean, sd and 90% interval of each parameter, then refines on a grid zoomed on the posterior (--refine) \
            and computes the posterior predictive to --predict-t-max. Defaults reproduce seed 001: the embedded \
            oscillator data, --grid 60x60 --zeta 0.02:0.2 --omega 0.7:1.4 --noise 0.05, priors zeta ~ U(0, 0.25), \
            omega ~ U(0.6, 1.6). Other axes (--axis NAME=LO:HI) get a uniform prior over their range. Writes \
            result.json, grid.csv, predictive.csv, grid.svg (2-D grids), fine.svg and predictive.svg.
            """)

    @OptionGroup(title: "System options") public var systemOptions: ODESystemOptions

    @OptionGroup(title: "Data options") public var dataOptions: DataOptions

    @Option(help: ArgumentHelp("Nodes per axis: N, NxM or NxMxK.", valueName: "grid"))
    public var grid: String = "60x60"

    @Option(help: ArgumentHelp("Oscillator zeta range LO:HI.", valueName: "range"))
    public var zeta: String = "0.02:0.2"

    @Option(help: ArgumentHelp("Oscillator omega range LO:HI.", valueName: "range"))
    public var omega: String = "0.7:1.4"

    @Option(help: ArgumentHelp("A grid axis NAME=LO:HI (repeat for each free parameter; replaces --zeta/--omega).",
                               valueName: "axis"))
    public var axis: [String] = []

    @Option(parsing: .unconditional, help: "Known observation noise standard deviation.")
    public var noise: Double = 0.05

    @Option(help: "Index of the observed state (0 = the first).")
    public var observe: Int = 0

    @Option(help: "Nodes per axis of the refined grid zoomed on the posterior (0: no refinement).")
    public var refine: Int = 100

    @Option(help: ArgumentHelp("End of the posterior predictive (default: 8 for the oscillator, else the data's end).", valueName: "t"))
    public var predictTMax: Double?

    @OptionGroup(title: "Run options") public var runOptions: RunOptions

    public init() {}

    static func range(_ text: String, _ option: String) throws -> (Double, Double) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo.isFinite, hi.isFinite, lo < hi else {
            throw ValidationError("\(option) must be LO:HI with finite LO < HI; got '\(text)'")
        }
        return (lo, hi)
    }

    func counts() throws -> [Int] {
        let parts = grid.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...3).contains(parts.count), parts.allSatisfy({ ($0 ?? 0) >= 2 }) else {
            throw ValidationError("--grid must be N, NxM or NxMxK with every N >= 2; got '\(grid)'")
        }
        return parts.map { $0! }
    }

    /// (name, lo, hi) per axis.
    func axisSpecs() throws -> [(String, Double, Double)] {
        if axis.isEmpty {
            guard systemOptions.system == "oscillator" else {
                throw ValidationError("--axis NAME=LO:HI is needed for system '\(systemOptions.system)' (--zeta and --omega are the oscillator's)")
            }
            let z = try Self.range(zeta, "--zeta"), w = try Self.range(omega, "--omega")
            return [("zeta", z.0, z.1), ("omega", w.0, w.1)]
        }
        return try axis.map { spec in
            let kv = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw ValidationError("--axis must be NAME=LO:HI; got '\(spec)'") }
            guard systemOptions.odeSystem.parameterNames.contains(kv[0]) else {
                throw ValidationError("--axis: system '\(systemOptions.system)' has no parameter '\(kv[0])'; its parameters: \(systemOptions.odeSystem.parameterNames.joined(separator: ", "))")
            }
            let r = try Self.range(kv[1], "--axis \(kv[0])")
            return (kv[0], r.0, r.1)
        }
    }

    public func validate() throws {
        let c = try counts(), specs = try axisSpecs()
        guard c.count == specs.count else {
            throw ValidationError("--grid has \(c.count) dimension(s) but there are \(specs.count) axes (\(specs.map(\.0).joined(separator: ", ")))")
        }
        if Set(specs.map(\.0)).count != specs.count { throw ValidationError("--axis names a parameter twice") }
        if !(noise > 0) || !noise.isFinite { throw ValidationError("--noise must be positive and finite; got \(noise)") }
        if observe < 0 || observe >= systemOptions.odeSystem.dimension {
            throw ValidationError("--observe must be a state index in 0..<\(systemOptions.odeSystem.dimension); got \(observe)")
        }
        if refine == 1 || refine < 0 { throw ValidationError("--refine must be 0 (none) or >= 2; got \(refine)") }
        if let predictTMax, !(predictTMax > 0) || !predictTMax.isFinite {
            throw ValidationError("--predict-t-max must be positive and finite; got \(predictTMax)")
        }
        if dataOptions.data == nil, systemOptions.system != "oscillator" {
            throw ValidationError("--data FILE is needed for system '\(systemOptions.system)' (the embedded data are seed 001's oscillator)")
        }
    }

    public func run() throws {
        let system = systemOptions.odeSystem
        let specs = try axisSpecs(), counts = try counts()
        // Data: a user's table (t, observation) or seed 001's oscillator.
        var t: [Double], y: [Double], source: String, truth: (t: [Double], y: [Double])?, truthParams: [Double]?
        if let loaded = try dataOptions.load() {
            guard loaded.x.columns == 1 else {
                throw BayesKitError.invalidArgument("--x must name one time column for ode grid; got \(loaded.x.columns) columns")
            }
            (t, y, source) = (loaded.x.values, loaded.y, dataOptions.data!)
            let order = t.indices.sorted { t[$0] < t[$1] }
            (t, y) = (order.map { t[$0] }, order.map { y[$0] })
        } else {
            let d = try Datasets.oscillator()
            (t, y, source, truth, truthParams) = (d.x, d.y, "dataset:oscillator", (d.truthX, d.truthY), [0.08, 1.1])
        }
        let names = specs.map(\.0)
        let seedPriors: [String: any ContinuousDistribution] = system.name == "oscillator"
            ? ["zeta": try Uniform(low: 0, high: 0.25), "omega": try Uniform(low: 0.6, high: 1.6)] : [:]
        let priors: [any ContinuousDistribution] = try specs.map { try seedPriors[$0.0] ?? Uniform(low: $0.1, high: $0.2) }
        let base = try systemOptions.parameters()
        var fixed: [String: Double] = [:]
        for (i, p) in system.parameterNames.enumerated() where !names.contains(p) { fixed[p] = base[i] }
        let context = try RunContext(command: "ode-grid", run: runOptions, defaultSeed: 0)
        let post = try ODEPosterior(system: system, solver: try systemOptions.solver(), free: names, priors: priors, fixed: fixed,
                                    initial: try systemOptions.initialState(), times: t, observations: y,
                                    observedState: observe, noiseSD: noise)
        let axes = try zip(specs, counts).map { try GridAxis.linspace($0.0, $0.1, $0.2, count: $1) }
        var start = ContinuousClock.now
        let coarse = try post.grid(axes)
        let coarseSeconds = seconds(since: start)
        start = .now
        var fine: GridPosterior?
        if refine > 0 {
            let zoom = try post.grid(try coarse.zoomedAxes(count: refine))
            fine = try post.grid(try zoom.zoomedAxes(count: refine, width: 5))
        }
        let fineSeconds = seconds(since: start)
        let best = fine ?? coarse
        let tEnd = predictTMax ?? (system.name == "oscillator" && dataOptions.data == nil ? 8 : t.last!)
        let predTimes = linspace(t.first! < 0 ? t.first! : 0, max(tEnd, t.last!), 400)
        let pred = try post.predictive(best, times: predTimes)

        // Files.
        let nodes = (0..<coarse.logPosterior.count).map { coarse.node($0) }
        try Table(columnNames: names + ["log_posterior", "log_likelihood", "probability"],
                  columns: names.indices.map { a in nodes.map { $0[a] } } + [coarse.logPosterior, coarse.logLikelihood, coarse.probabilities])
            .write(csvTo: context.file("grid.csv"))
        try Table(columnNames: ["t", "mean", "sd", "total_sd"], columns: [pred.times, pred.mean, pred.sd, pred.totalSD])
            .write(csvTo: context.file("predictive.csv"))
        var outputs = ["grid": "grid.csv", "predictive": "predictive.csv", "predictive_figure": "predictive.svg"]
        if names.count >= 2 {
            try ODEFigures.grid(coarse, truth: truthParams, title: "Posterior on the \(grid) grid (noise \(percentG(noise)) known)")
                .write(to: context.file("grid.svg"))
            outputs["grid_figure"] = "grid.svg"
            if let fine {
                try ODEFigures.grid(fine, truth: truthParams, title: "Posterior on a \(refine) x \(refine) grid zoomed on its mass")
                    .write(to: context.file("fine.svg"))
                outputs["fine_figure"] = "fine.svg"
            }
        }
        try ODEFigures.predictive(pred, data: (t, y), truth: truth,
                                  title: "Posterior predictive of \(system.stateNames[observe]) (\(system.name))",
                                  yLabel: system.stateNames[observe])
            .write(to: context.file("predictive.svg"))

        let m = best.mean, s = best.sd
        let parameters = try names.indices.map { a -> RunResult.ParameterSummary in
            RunResult.ParameterSummary(name: names[a], mean: m[a], sd: s[a], q05: try best.quantile(a, 0.05),
                                       q50: try best.quantile(a, 0.5), q95: try best.quantile(a, 0.95))
        }
        var summary: [String: JSONValue] = ["grid": try ODEStudies.record(coarse, seconds: coarseSeconds),
                                            "data": .string(source), "n": .number(Double(t.count)),
                                            "mode": .object(Dictionary(uniqueKeysWithValues: zip(names, best.mode.map { JSONValue.number($0) })))]
        if let fine { summary["fine_grid"] = try ODEStudies.record(fine, seconds: fineSeconds) }
        if let truthParams { summary["truth"] = JSONValue(truthParams) }
        var result = context.result(config: systemOptions.config.merging([
            "grid": .string(grid), "axes": .array(specs.map { .object(["name": .string($0.0), "lower": .number($0.1), "upper": .number($0.2)]) }),
            "noise": .number(noise), "observe": .number(Double(observe)), "refine": .number(Double(refine)),
            "data": .string(source), "predict_t_max": .number(predTimes.last!),
            "fixed": .object(fixed.mapValues { .number($0) }),
        ]) { $1 })
        result.parameters = parameters
        result.metrics = ["log_evidence": best.logEvidence]
        result.timing.solveS = coarseSeconds + fineSeconds
        result.outputs = outputs
        result.summary = summary
        try context.finish(result)

        let coarseMode = coarse.mode
        print(textTable(header: ["parameter", "grid mode", "mean", "sd", "q05", "q95"],
                        rows: parameters.enumerated().map { a, p in
                            [p.name, format(best.mode[a]), format(p.mean), format(p.sd), format(p.q05), format(p.q95)]
                        }))
        print("\n\(grid) grid (\(coarse.logPosterior.count) solves) in " + String(format: "%.1f ms", coarseSeconds * 1000)
            + "; its mode " + zip(names, coarseMode).map { "\($0) = \(format($1))" }.joined(separator: ", ")
            + (fine != nil ? "; refined grids in " + String(format: "%.1f ms", fineSeconds * 1000) : ""))
        note("wrote result.json, grid.csv, predictive.csv and figures to \(context.outputDirectory.path)")
    }
}
