import ArgumentParser
import BayesKit
import Foundation

/// `bayeskit predict --model DIR --data FILE`: loads a saved model and writes
/// its predictive distribution at new inputs.
public struct PredictCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predictive mean, sd and quantiles of a saved model at new inputs.",
        discussion: """
            --model is a folder a fitting command wrote (its model.json) or a model.json file. \
            Inputs come from --data FILE (columns chosen with --x; with --y the targets are also \
            scored: RMSE, log-likelihood, 90% coverage) or, for one input, from --grid LO:HI:N. \
            Writes predictive.csv (inputs, mean, sd, epistemic_sd, q05, q50, q95), result.json and, \
            for one input, predictive.svg.
            """)

    @Option(help: ArgumentHelp("Folder with model.json, or the model file itself.", valueName: "dir"))
    public var model: String

    @OptionGroup(title: "Data options") public var data: DataOptions

    @Option(help: ArgumentHelp("Evenly spaced inputs LO:HI:N (one input only).", valueName: "lo:hi:n"))
    public var grid: String?

    @OptionGroup(title: "Run options") public var runOptions: RunOptions

    public init() {}

    public func validate() throws {
        if data.data == nil, grid == nil { throw ValidationError("give the inputs: --data FILE or --grid LO:HI:N") }
        if data.data != nil, grid != nil { throw ValidationError("--data and --grid are alternatives; give one") }
        if let grid { _ = try Self.parseGrid(grid) }
    }

    /// `LO:HI:N` → `linspace(LO, HI, N)`.
    static func parseGrid(_ text: String) throws -> [Double] {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let lo = Double(parts[0]), let hi = Double(parts[1]), let n = Int(parts[2]),
              lo.isFinite, hi.isFinite, lo < hi, n >= 2
        else {
            throw ValidationError("--grid must be LO:HI:N with finite LO < HI and N >= 2; got '\(text)'")
        }
        return linspace(lo, hi, n)
    }

    public func run() throws {
        let url = Self.modelFile(model)
        let kind = try ModelArchive.kind(of: url)
        if kind == VariationalPosterior.archiveKind { return try runVariational(url) }
        if Self.approxKinds.contains(kind) { return try runApprox(url, kind: kind) }
        guard kind == LinearPosterior.archiveKind else {
            throw BayesKitError.invalidArgument("\(url.path) holds a '\(kind)', which bayeskit predict cannot use yet")
        }
        let posterior = try LinearPosterior.load(from: url)
        let context = try RunContext(command: "predict", run: runOptions, defaultSeed: 0)

        let d = posterior.featureMap.inputDimension
        let (x, y, xNames) = try inputs(dimension: d)
        let prediction = try posterior.predict(x, threads: context.threads)
        let sd = prediction.standardDeviation
        let z95 = 1.6448536269514722  // Φ⁻¹(0.95): the predictive is Gaussian
        var columns = (0..<d).map { x.column($0) }
        columns += [prediction.mean, sd, prediction.epistemicStandardDeviation,
                    zip(prediction.mean, sd).map { $0 - z95 * $1 }, prediction.mean,
                    zip(prediction.mean, sd).map { $0 + z95 * $1 }]
        let table = try Table(columnNames: xNames + ["mean", "sd", "epistemic_sd", "q05", "q50", "q95"], columns: columns)
        try table.write(csvTo: context.file("predictive.csv"))

        var result = context.result(config: [
            "model": .string(url.path), "kind": .string(kind), "inputs": .number(Double(x.rows)),
            "data": data.data.map { .string($0) } ?? .null, "grid": grid.map { .string($0) } ?? .null,
        ])
        var outputs = ["predictive": "predictive.csv"]
        if let y {
            result.metrics = try Self.score(y: y, mean: prediction.mean, sd: sd)
        }
        if d == 1 {
            var fig = Figure(title: "Predictive distribution of \(url.deletingLastPathComponent().lastPathComponent)/model.json")
            let xs = x.column(0), mean = prediction.mean, label = xNames[0], observed = y
            try fig.panel(0, 0) { (p: inout Panel) throws in
                p.xLabel = label
                p.yLabel = "y"
                try p.predictive(x: xs, mean: mean, sd: sd, sigmas: [2, 1])
                if let observed { try p.scatter(x: xs, y: observed, label: "observed") }
            }
            try fig.write(to: context.file("predictive.svg"))
            outputs["figure"] = "predictive.svg"
        }
        result.outputs = outputs
        try context.finish(result)
        print(textTable(header: ["inputs", "mean of mean", "mean sd"] + (y == nil ? [] : ["rmse", "coverage_90"]),
                        rows: [["\(x.rows)", format(prediction.mean.reduce(0, +) / Double(x.rows)),
                                format(sd.reduce(0, +) / Double(x.rows))]
                               + (result.metrics.map { [format($0["rmse"] ?? .nan), format($0["coverage_90"] ?? .nan)] } ?? [])]))
        note("wrote predictive.csv and result.json to \(context.outputDirectory.path)")
    }

    /// The model file behind `--model`: `DIR/model.json`, or the file itself.
    static func modelFile(_ path: String) -> URL {
        var isDirectory: ObjCBool = false
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return url.appendingPathComponent("model.json")
        }
        return url
    }

    /// The inputs (n × d), optional targets and input names.
    func inputs(dimension d: Int) throws -> (Matrix, [Double]?, [String]) {
        if let grid {
            guard d == 1 else {
                throw BayesKitError.invalidArgument("--grid gives one input, but the model takes \(d) input columns; use --data")
            }
            let xs = try Self.parseGrid(grid)
            return (try Matrix(rows: xs.count, columns: 1, values: xs), nil, ["x"])
        }
        guard let path = data.data else { throw BayesKitError.invalidArgument("give --data FILE or --grid LO:HI:N") }
        let table = try CSVReader.read(path: path)
        let yIndex = try data.yColumn.map { try table.columnIndex($0) }
        let xSpecs: [String]
        if let spec = data.xColumns {
            xSpecs = spec.split(separator: ",").map(String.init)
        } else {
            let candidates = table.columnNames.indices.filter { $0 != yIndex }.map { table.columnNames[$0] }
            guard candidates.count == d else {
                throw BayesKitError.invalidArgument(
                    "\(path) has \(candidates.count) input columns but the model takes \(d); choose them with --x")
            }
            xSpecs = candidates
        }
        guard xSpecs.count == d else {
            throw BayesKitError.dimensionMismatch("--x names \(xSpecs.count) columns but the model takes \(d) inputs")
        }
        let x = try table.matrix(xSpecs)
        let names = try xSpecs.map { table.columnNames[try table.columnIndex($0)] }
        return (x, yIndex.map { table.columns[$0] }, names)
    }

    /// RMSE, mean Gaussian log predictive density, the share of targets
    /// inside the central 90% predictive interval and the CRPS, from
    /// ``Evaluation/regression(y:mean:sd:)`` (the one place scores are computed).
    static func score(y: [Double], mean: [Double], sd: [Double]) throws -> [String: Double] {
        try Evaluation.regression(y: y, mean: mean, sd: sd).metrics
    }
}
