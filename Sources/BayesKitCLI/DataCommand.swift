import ArgumentParser
import BayesKit
import Foundation

/// `bayeskit data NAME`: writes an embedded dataset as CSV.
public struct DataCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Write an embedded dataset (sine, oscillator, line, sinusoid, sinusoid-evidence) as CSV.",
        discussion: """
            Prints the observations as CSV (columns x,y) on standard output and writes \
            data.csv, truth.csv (the noise-free function on a dense grid), data.svg and \
            result.json to the output folder. With default options the points are the seed notebooks' own.
            """)

    @Argument(help: "Dataset name; see --list.")
    public var name: String?

    @Flag(help: "List the datasets and exit.")
    public var list = false

    @Option(help: "Number of observations (default: the notebook's).")
    public var size: Int?

    @Option(help: "Observation noise standard deviation (default: the notebook's).")
    public var noiseStd: Double?

    @OptionGroup(title: "Run options") public var runOptions: RunOptions

    public init() {}

    public func validate() throws {
        if list { return }
        guard let name else { throw ValidationError("give a dataset name; one of: \(Datasets.names.joined(separator: ", "))") }
        if !Datasets.names.contains(name) {
            throw ValidationError("unknown dataset '\(name)'; known datasets: \(Datasets.names.joined(separator: ", "))")
        }
        if let size, size < 1 { throw ValidationError("--size must be >= 1; got \(size)") }
        if let noiseStd, !(noiseStd >= 0) || !noiseStd.isFinite {
            throw ValidationError("--noise-std must be finite and >= 0; got \(noiseStd)")
        }
    }

    public func run() throws {
        if list {
            for n in Datasets.names { print(n.padding(toLength: 19, withPad: " ", startingAt: 0) + (Datasets.summaries[n] ?? "")) }
            return
        }
        guard let name else { return }
        let dataset = try Datasets.named(name, size: size, noiseStd: noiseStd, seed: runOptions.seed)
        let context = try RunContext(command: "data", run: runOptions, defaultSeed: dataset.seed)
        try dataset.table.write(csvTo: context.file("data.csv"))
        try dataset.truthTable.write(csvTo: context.file("truth.csv"))
        try dataset.figure().write(to: context.file("data.svg"))
        var result = context.result(config: [
            "name": .string(name), "size": .number(Double(dataset.count)), "noise_std": .number(dataset.noiseStd),
        ])
        result.outputs = ["data": "data.csv", "truth": "truth.csv", "figure": "data.svg"]
        result.summary = datasetSummary(dataset)
        try context.finish(result)
        print(dataset.table.csv(), terminator: "")
        note("wrote \(dataset.count) points to \(context.file("data.csv").path) (result.json, truth.csv beside it)")
    }
}

/// The facts about a dataset that `result.json` records.
func datasetSummary(_ d: Dataset) -> [String: JSONValue] {
    [
        "name": .string(d.name), "n": .number(Double(d.count)), "noise_std": .number(d.noiseStd),
        "seed": .number(Double(d.seed)), "x_min": .number(d.x.min() ?? .nan), "x_max": .number(d.x.max() ?? .nan),
        "y_mean": .number(d.y.reduce(0, +) / Double(max(d.count, 1))),
        "parameters": .object(d.parameters.mapValues { .number($0) }), "provenance": .string(d.provenance),
    ]
}
