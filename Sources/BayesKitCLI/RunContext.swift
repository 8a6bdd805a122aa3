import BayesKit
import Foundation

/// What every command does around its work: resolve and create the output
/// folder, apply `--threads`, time the run, and write `result.json`
/// following `docs/CONVENTIONS.md`.
public struct RunContext {
    public let command: String
    public let outputDirectory: URL
    public let seed: UInt64
    public let threads: Int
    public let progress: ProgressMode
    let started: ContinuousClock.Instant

    /// Creates the output folder and sets the thread count.
    public init(command: String, run: RunOptions, defaultSeed: UInt64) throws {
        self.command = command
        let path = run.output ?? "bayeskit-out/\(command)"
        outputDirectory = URL(fileURLWithPath: path, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw BayesKitError.io("cannot create output folder \(path): \(error.localizedDescription)")
        }
        try BayesKitLibrary.setThreadCount(run.threads)
        seed = run.seed ?? defaultSeed
        threads = BayesKitLibrary.threadCount
        progress = run.progress
        started = .now
    }

    /// Seconds since the context was made.
    public var elapsed: Double {
        let d = ContinuousClock.now - started
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// A result with the common fields filled in.
    public func result(config: [String: JSONValue]) -> RunResult {
        RunResult(command: command, argv: CommandLine.arguments, seed: seed, threads: threads, config: config,
                  timing: .init(wallS: elapsed))
    }

    /// The URL of `name` inside the output folder.
    public func file(_ name: String) -> URL { outputDirectory.appendingPathComponent(name) }

    /// Sets the wall time and writes `result.json`.
    public func finish(_ result: RunResult) throws {
        var result = result
        result.timing.wallS = elapsed
        try result.write(to: outputDirectory)
    }
}

/// Writes to standard error (messages for people; standard output is for data).
func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
