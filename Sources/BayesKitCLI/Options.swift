import ArgumentParser
import BayesKit

extension ProgressMode: ExpressibleByArgument {}

/// `--seed --threads --output --progress`: every command has these.
public struct RunOptions: ParsableArguments {
    @Option(help: "Seed of every random stream (default: the command's documented seed).")
    public var seed: UInt64?

    @Option(help: "Threads for parallel loops; 0 means all cores. Results do not depend on it.")
    public var threads: Int = 0

    @Option(help: ArgumentHelp("Output folder (default: ./bayeskit-out/<command>/).", valueName: "dir"))
    public var output: String?

    @Option(help: "Progress display: tty, jsonl or none.")
    public var progress: ProgressMode = .tty

    public init() {}

    public func validate() throws {
        if threads < 0 {
            throw ValidationError("--threads must be >= 1, or 0 for all cores; got \(threads)")
        }
        if let output, output.isEmpty { throw ValidationError("--output must name a folder; got an empty string") }
    }
}

/// `--data FILE --x COL --y COL`: a user's table. Columns are header names or
/// 0-based indices; `--x` takes a comma-separated list for several inputs.
public struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("CSV or whitespace-separated table (header optional).", valueName: "file"))
    public var data: String?

    @Option(name: .customLong("x"), help: ArgumentHelp("Input column(s): names or 0-based indices, comma-separated.", valueName: "col"))
    public var xColumns: String?

    @Option(name: .customLong("y"), help: ArgumentHelp("Target column: name or 0-based index.", valueName: "col"))
    public var yColumn: String?

    public init() {}

    public func validate() throws {
        if data == nil, xColumns != nil || yColumn != nil {
            throw ValidationError("--x and --y select columns of --data FILE, which is missing")
        }
        if let xColumns, xColumns.split(separator: ",", omittingEmptySubsequences: false).contains(where: { $0.isEmpty }) {
            throw ValidationError("--x must be a comma-separated list of column names or indices; got '\(xColumns)'")
        }
    }

    /// The inputs (`n × d`) and targets (`n`) of `--data`; `--x` defaults to
    /// every column but the target, `--y` to the last column.
    public func load() throws -> (x: Matrix, y: [Double], xNames: [String], yName: String)? {
        guard let data else { return nil }
        let table = try CSVReader.read(path: data)
        let yIndex = try yColumn.map { try table.columnIndex($0) } ?? (table.columnCount - 1)
        let xSpecs: [String]
        if let xColumns {
            xSpecs = xColumns.split(separator: ",").map(String.init)
        } else {
            xSpecs = table.columnNames.indices.filter { $0 != yIndex }.map { table.columnNames[$0] }
        }
        guard !xSpecs.isEmpty else {
            throw BayesKitError.invalidArgument("\(data): no input columns left after taking column \(yIndex) as the target")
        }
        let xIndices = try xSpecs.map { try table.columnIndex($0) }
        if xIndices.contains(yIndex) {
            throw BayesKitError.invalidArgument(
                "\(data): column '\(table.columnNames[yIndex])' is both an input (--x) and the target (--y)")
        }
        let x = try table.matrix(xIndices.map { table.columnNames[$0] })
        return (x, table.columns[yIndex], xIndices.map { table.columnNames[$0] }, table.columnNames[yIndex])
    }
}

/// Activation functions of dense layers.
public enum ActivationOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case relu, tanh, sigmoid, sin, identity, softplus

    /// The library's activation of the same name.
    public var activation: Activation { Activation(rawValue: rawValue) ?? .relu }
}

/// Observation models.
public enum LikelihoodOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case gaussian, bernoulli, categorical
}

/// `--layers --activation --likelihood --noise-std --prior-std`: a network and its prior.
public struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Layer widths, input to output, comma-separated.", valueName: "widths"))
    public var layers: String = "1,5,1"

    @Option(help: "Hidden activation: relu, tanh, sigmoid, softplus, sin or identity.")
    public var activation: ActivationOption = .relu

    @Option(help: "Likelihood: gaussian, bernoulli or categorical.")
    public var likelihood: LikelihoodOption = .gaussian

    @Option(help: "Observation noise standard deviation of the Gaussian likelihood.")
    public var noiseStd: Double = 0.1

    @Option(help: "Standard deviation of the N(0, s^2) prior on every weight.")
    public var priorStd: Double = 1.0

    public init() {}

    /// The parsed `--layers` widths.
    public var widths: [Int] { layers.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    public func validate() throws {
        let parts = layers.split(separator: ",", omittingEmptySubsequences: false)
        let parsed = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
        if parsed.contains(where: { $0 == nil }) || parts.count < 2 {
            throw ValidationError("--layers must be at least two comma-separated integers such as 1,5,1; got '\(layers)'")
        }
        if let bad = parsed.compactMap({ $0 }).first(where: { $0 < 1 }) {
            throw ValidationError("--layers widths must be >= 1; got \(bad) in '\(layers)'")
        }
        if !(noiseStd > 0) || !noiseStd.isFinite {
            throw ValidationError("--noise-std must be positive and finite; got \(noiseStd)")
        }
        if !(priorStd > 0) || !priorStd.isFinite {
            throw ValidationError("--prior-std must be positive and finite; got \(priorStd)")
        }
    }
}

/// `--chains --warmup --draws --thin`, with Stan's meaning: `--draws`
/// post-warmup iterations per chain, of which every `--thin`-th is kept.
public struct SamplerOptions: ParsableArguments {
    @Option(help: "Number of chains, run in parallel.")
    public var chains: Int = 4

    @Option(help: "Warmup iterations per chain (discarded; adaptation happens here).")
    public var warmup: Int = 1000

    @Option(help: "Post-warmup iterations per chain.")
    public var draws: Int = 1000

    @Option(help: "Keep every n-th post-warmup iteration.")
    public var thin: Int = 1

    public init() {}

    /// Draws kept per chain.
    public var keptPerChain: Int { (draws + thin - 1) / thin }

    public func validate() throws {
        if chains < 1 { throw ValidationError("--chains must be >= 1; got \(chains)") }
        if warmup < 0 { throw ValidationError("--warmup must be >= 0; got \(warmup)") }
        if draws < 1 { throw ValidationError("--draws must be >= 1; got \(draws)") }
        if thin < 1 { throw ValidationError("--thin must be >= 1; got \(thin)") }
        if thin > draws { throw ValidationError("--thin (\(thin)) must not exceed --draws (\(draws)): no draw would be kept") }
    }
}
