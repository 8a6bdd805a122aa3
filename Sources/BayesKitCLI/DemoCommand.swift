import ArgumentParser
import BayesKit
import Foundation

/// `bayeskit demo`: runs every seed study BayesKit has so far on the embedded
/// data. It grows with each capability; today it writes the seed datasets
/// and a summary of them, then runs the linear-model studies of
/// ``Studies/names`` (seeds 000, 001, 003, 004) with their figures.
public struct DemoCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the seed studies on the embedded data and write the results.")

    @OptionGroup(title: "Run options") public var runOptions: RunOptions

    @Flag(help: "Run every study with its seed's own epoch counts (slower; the default shortens the long VI runs).")
    public var full = false

    public init() {}

    public func run() throws {
        let context = try RunContext(command: "demo", run: runOptions, defaultSeed: 0)
        var rows: [[String]] = []
        var datasets: [String: JSONValue] = [:]
        var outputs: [String: String] = ["figure": "datasets.svg"]
        var figure = Figure(title: "The seed datasets", rows: 2, columns: 3)
        for (i, name) in Datasets.names.enumerated() {
            // The notebook's own seed for each set unless --seed overrides it.
            let d = try Datasets.named(name, seed: runOptions.seed)
            try d.table.write(csvTo: context.file("\(name).csv"))
            try d.truthTable.write(csvTo: context.file("\(name)-truth.csv"))
            outputs[name] = "\(name).csv"
            outputs[name + "_truth"] = "\(name)-truth.csv"
            datasets[name] = .object(datasetSummary(d))
            try figure.panel(i / 3, i % 3) { try d.draw(into: &$0) }
            rows.append([name, "\(d.count)", format(d.x.min() ?? .nan) + " .. " + format(d.x.max() ?? .nan),
                         format(d.noiseStd), "\(d.seed)"])
        }
        try figure.panel(1, 2) { p in
            // The oscillator's noise is BayesKit's own draw: show it against the stated N(0, 0.05²).
            let osc = try Datasets.oscillator(seed: runOptions.seed ?? Datasets.oscillatorSeed)
            let residuals = zip(osc.x, osc.y).map { $1 - Datasets.dampedOscillator(t: $0, zeta: 0.08, omega: 1.1) }
            let grid = linspace(-0.2, 0.2, 200)
            let normal = try Normal(mean: 0, sd: osc.noiseStd)
            p.title = "oscillator noise"
            p.xLabel = "residual y - x(t)"
            p.yLabel = "density"
            try p.histogram(residuals, bins: 12, range: -0.2...0.2, density: true, label: "residuals (n = \(osc.count))")
            try p.line(x: grid, y: grid.map { exp(normal.logDensity($0)) }, label: "N(0, 0.05²)")
        }
        try figure.write(to: context.file("datasets.svg"))
        var summary: [String: JSONValue] = ["datasets": .object(datasets)]
        var headlines: [[String]] = []
        // The studies keep the notebooks' data; their random draws use the run seed (default 0).
        for name in Studies.names {
            let study = try Studies.run(name, seed: context.seed, full: full)
            for file in try study.writeFigures(to: context.outputDirectory) {
                outputs[String(file.dropLast(4))] = file
            }
            summary[name] = study.record
            headlines.append([name, study.seedDocument, study.headline])
        }
        var result = context.result(config: ["datasets": .array(Datasets.names.map { .string($0) }), "full": .bool(full),
                                             "studies": .array(Studies.names.map { .string($0) })])
        result.outputs = outputs
        result.summary = summary
        try context.finish(result)
        print(textTable(header: ["dataset", "n", "x range", "noise sd", "seed"], rows: rows))
        print("\n" + textTable(header: ["study", "reproduces", "result"], rows: headlines))
        print("\nWrote \(Datasets.names.count) datasets, \(Studies.names.count) studies and result.json to "
            + context.outputDirectory.path)
    }
}

/// Fixed-width text table for terminal summaries.
func textTable(header: [String], rows: [[String]]) -> String {
    let widths = header.indices.map { j in ([header] + rows).map { $0[j].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line))
        .joined(separator: "\n")
}

/// A number with 4 significant digits, for terminal tables.
func format(_ x: Double) -> String { String(format: "%.4g", x) }
