import Foundation

/// One figure of a study and the file name it is written under.
public struct StudyFigure: Sendable {
    /// File name inside the output folder, e.g. `"blr-sine.svg"`.
    public let file: String
    public let figure: Figure

    public init(file: String, figure: Figure) {
        self.file = file
        self.figure = figure
    }
}

/// A small table of a study's numbers, as text cells (for the terminal).
public struct StudyTable: Sendable, Equatable {
    public let header: [String]
    public let rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// GitHub Markdown: the header, `---` for the first column and `---:`
    /// (right-aligned numbers) for the others, one line per row.
    public var markdown: String {
        func line(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |\n" }
        let rule = "|" + header.indices.map { $0 == 0 ? "---" : "---:" }.joined(separator: "|") + "|\n"
        return line(header) + rule + rows.map(line).joined()
    }
}

/// What a seed study produces: its figures, the numbers behind them and a
/// table. Running a study twice with the same seed gives the same result.
public struct StudyResult: Sendable {
    /// Short name used for files and `result.json` keys (`"blr-sine"`).
    public let name: String
    public let title: String
    /// The seed document and section it reproduces (`"seed 000, section 7.2"`).
    public let seedDocument: String
    /// One paragraph: what the study shows and how it follows the seed.
    public let description: String
    public let figures: [StudyFigure]
    /// Every number of the study, for `result.json` (keys snake_case).
    public let summary: [String: JSONValue]
    public let table: StudyTable
    /// One line for the terminal.
    public let headline: String

    /// Writes every figure into `directory` (which must exist) and returns the file names.
    @discardableResult
    public func writeFigures(to directory: URL) throws -> [String] {
        for f in figures { try f.figure.write(to: directory.appendingPathComponent(f.file)) }
        return figures.map(\.file)
    }

    /// ``summary`` with the study's name, title, seed document and description added.
    public var record: JSONValue {
        var s = summary
        s["title"] = .string(title)
        s["seed_document"] = .string(seedDocument)
        s["description"] = .string(description)
        s["figures"] = .array(figures.map { .string($0.file) })
        return .object(s)
    }
}

/// The seed studies by name.
public enum Studies {
    /// Every study `bayeskit demo` runs, in order.
    public static let names = ["blr-sine", "blr-line", "blr-basis", "blr-evidence", "coin", "bootstrap", "vi-sine", "vi-bimodal", "vi-oscillator", "vi-experiments", "mcmc-prior", "mcmc-sine", "mcmc-linear", "mcmc-nuts-sine", "mcmc-hmc-sin", "mcmc-sg-sine", "check-sine", "ode-oscillator", "ode-mcmc", "approx-compare", "approx-moons", "approx-oscillator", "vae-digits", "vae-moons", "sparse-vd"]

    /// Runs the study called `name`. `seed` drives its random draws (function
    /// samples, coin flips, bootstrap resamples); the data are the notebooks' own.
    /// `full` runs the seeds' own epoch counts where the demo uses fewer.
    public static func run(_ name: String, seed: UInt64 = 0, threads: Int? = nil, full: Bool = false) throws -> StudyResult {
        switch name {
        case "blr-sine": return try LinearStudies.sine(seed: seed, threads: threads)
        case "blr-line": return try LinearStudies.line(seed: seed, threads: threads)
        case "blr-basis": return try LinearStudies.basis(seed: seed, threads: threads)
        case "blr-evidence": return try LinearStudies.evidence(threads: threads)
        case "coin": return try ConjugateStudies.coin(seed: seed)
        case "bootstrap": return try ConjugateStudies.bootstrap(seed: seed, threads: threads)
        case "ode-oscillator": return try ODEStudies.oscillator(threads: threads)
        case "ode-mcmc": return try ODEStudies.mcmc(seed: seed, threads: threads)
        case "vi-sine": return try VIStudies.sine(seed: seed, threads: threads, epochs: full ? 3000 : 1000)
        case "vi-bimodal": return try ADVIStudies.bimodal(seed: seed)
        case "vi-experiments": return try VIExperimentsStudy.run(seed: seed, threads: threads)
        case "vi-oscillator": return try BBBOscillatorStudy.run(seed: seed, threads: threads, epochs: full ? 3500 : 1500)
        case "mcmc-prior": return try MCMCStudies.prior(seed: seed, threads: threads)
        case "mcmc-sine": return try MCMCStudies.sine(seed: seed, threads: threads)
        case "mcmc-linear": return try MCMCStudies.linear(seed: seed, threads: threads)
        case "approx-compare": return try ApproxStudies.sine(seed: seed, threads: threads)
        case "approx-moons": return try ApproxStudies.moons(seed: seed, threads: threads)
        case "approx-oscillator": return try ApproxStudies.oscillator(seed: seed, threads: threads)
        case "mcmc-nuts-sine": return try NUTSStudies.sine(seed: seed, threads: threads)
        case "mcmc-hmc-sin": return try NUTSStudies.hmcSin(seed: seed, threads: threads)
        case "mcmc-sg-sine": return try NUTSStudies.sgSine(seed: seed, threads: threads)
        case "check-sine": return try CheckingStudies.sine(seed: seed, threads: threads, viEpochs: full ? 3000 : 1000)
        case "vae-digits": return try VAEStudies.digits(seed: seed, threads: threads, epochs: full ? 500 : 150)
        case "vae-moons": return try VAEStudies.moons(seed: seed, threads: threads, epochs: full ? 1000 : 300)
        case "sparse-vd": return try VAEStudies.sparseVD(seed: seed, threads: threads, epochs: full ? 300 : 100)
        default:
            throw BayesKitError.invalidArgument("unknown study '\(name)'; known studies: \(names.joined(separator: ", "))")
        }
    }
}

/// `%.4g`, for study tables.
func cell(_ v: Double) -> String { String(format: "%.4g", v) }

/// Coefficient rows for a summary: name, mean, sd.
func coefficientRecords(_ post: LinearPosterior, names: [String]? = nil) -> JSONValue {
    let sd = post.standardDeviations
    return .array((names ?? post.names).indices.map { j in
        .object(["name": .string((names ?? post.names)[j]), "mean": .number(post.mean[j]), "sd": .number(sd[j])])
    })
}
