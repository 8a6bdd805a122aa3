import ArgumentParser
import BayesKit
import BayesKitCLI
import Foundation
import Testing

/// The only suite that changes process-wide state (the default thread
/// count, which every command sets from --threads); serialized so that its
/// tests do not race with each other. Every other test passes explicit
/// thread counts.
@Suite(.serialized) struct CommandLine {
    @Test func defaultThreadCountControl() throws {
        try BayesKitLibrary.setThreadCount(1)
        #expect(BayesKitLibrary.threadCount == 1)
        try BayesKitLibrary.setThreadCount(0)
        let env = ProcessInfo.processInfo.environment["OMP_NUM_THREADS"].flatMap { Int($0) }
        #expect(BayesKitLibrary.threadCount == (env ?? BayesKitLibrary.processorCount))
        #expect(BayesKitLibrary.openMPEnabled)
        #expect(throws: BayesKitError.invalidArgument("thread count must be >= 1 (or 0 for all cores), got -4")) {
            try BayesKitLibrary.setThreadCount(-4)
        }
    }

    @Test func rootHelpText() {
        let expected = """
            OVERVIEW: Bayesian deep learning: linear models, Bayesian neural networks,
            MCMC, VI, ODE inference.

            Every command writes result.json and its figures to --output (default
            ./bayeskit-out/<command>/).

            USAGE: bayeskit <subcommand>

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            SUBCOMMANDS:
              demo                    Run the seed studies on the embedded data and write
                                      the results.
              data                    Write an embedded dataset (sine, oscillator, line,
                                      sinusoid, sinusoid-evidence) as CSV.
              blr                     Bayesian linear regression in closed form: posterior,
                                      predictive, evidence, bootstrap.
              vi                      Mean-field variational inference (Bayes by Backprop)
                                      for a Bayesian neural network.
              mcmc                    Random-walk MH, HMC, NUTS, SGLD or SGHMC over the
                                      weights of a Bayesian neural network, with
                                      diagnostics.
              summary                 Diagnostics table (mean, sd, quantiles, ESS, R-hat)
                                      of MCMC draws files.
              ode                     ODE systems: solve them, grid and MCMC posteriors
                                      over their parameters.
              compare                 Compare MC dropout, deep ensembles, SWAG, Laplace,
                                      last-layer Bayes, VI and NUTS on one data set.
              predict                 Predictive mean, sd and quantiles of a saved model at
                                      new inputs.
              vae                     Variational autoencoder: amortized VI with an encoder
                                      q(z|x) and a decoder p(x|z).
              check                   Model checking of saved MCMC fits: PSIS-LOO
                                      comparison and posterior predictive checks.

              See 'bayeskit help <subcommand>' for detailed help.
            """
        #expect(BayesKitCommand.helpMessage(columns: 80) == expected)
    }

    @Test func versionIsTheLibraryVersion() {
        #expect(BayesKitCommand.configuration.version == BayesKitLibrary.version)
    }

    @Test func dataWritesAResultThatDecodesWithTheSharedSchema() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bk-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot(["data", "oscillator", "--size", "12", "--output", dir.path, "--threads", "1"])
        try command.run()
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        #expect(result.command == "data")
        #expect(result.seed == Datasets.oscillatorSeed)
        #expect(result.threads == 1)
        #expect(result.config["size"] == 12)
        #expect(result.outputs?["data"] == "data.csv")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("data.svg").path))
        #expect(result.schemaVersion == RunResult.currentSchemaVersion)
        let table = try CSVReader.read(path: dir.appendingPathComponent("data.csv").path)
        #expect(table.rowCount == 12)
        #expect(try table.column("y") == (try Datasets.oscillator(size: 12)).y)
        try BayesKitLibrary.setThreadCount(0)
    }

    @Test func validationErrorsNameTheBadValue() {
        func message(_ args: [String]) -> String {
            do {
                _ = try BayesKitCommand.parseAsRoot(args)
                return "parsed"
            } catch {
                return BayesKitCommand.message(for: error)
            }
        }
        #expect(message(["data", "cosine"])
            == "unknown dataset 'cosine'; known datasets: sine, oscillator, line, sinusoid, sinusoid-evidence")
        #expect(message(["data", "sine", "--threads=-1"]) == "--threads must be >= 1, or 0 for all cores; got -1")
        #expect(message(["data", "sine", "--size", "0"]) == "--size must be >= 1; got 0")
        #expect(message(["data", "sine", "--progress", "loud"]).contains("'loud'"))
    }

    @Test func optionGroupsValidate() {
        func message<T: ParsableArguments>(_ type: T.Type, _ args: [String]) -> String {
            do { _ = try T.parse(args); return "parsed" } catch { return T.message(for: error) }
        }
        #expect(message(ModelOptions.self, ["--layers", "1,x,1"])
            == "--layers must be at least two comma-separated integers such as 1,5,1; got '1,x,1'")
        #expect(message(ModelOptions.self, ["--layers", "1,0,1"]) == "--layers widths must be >= 1; got 0 in '1,0,1'")
        #expect(message(ModelOptions.self, ["--noise-std=-1"]) == "--noise-std must be positive and finite; got -1.0")
        #expect(message(SamplerOptions.self, ["--thin", "0"]) == "--thin must be >= 1; got 0")
        #expect(message(SamplerOptions.self, ["--draws", "10", "--thin", "20"])
            == "--thin (20) must not exceed --draws (10): no draw would be kept")
        #expect(message(DataOptions.self, ["--y", "a"]) == "--x and --y select columns of --data FILE, which is missing")
        #expect(message(ModelOptions.self, []) == "parsed")
        #expect(message(SamplerOptions.self, []) == "parsed")
    }

    @Test func dataOptionsLoadColumnsByNameAndIndex() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bk-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try "a,b,c\n1,2,3\n4,5,6\n".write(to: file, atomically: true, encoding: .utf8)
        let opts = try DataOptions.parse(["--data", file.path, "--x", "c,0", "--y", "b"])
        let loaded = try #require(try opts.load())
        #expect(loaded.x == (try Matrix([[3, 1], [6, 4]])))
        #expect(loaded.y == [2, 5])
        #expect(loaded.xNames == ["c", "a"])
        let clash = try DataOptions.parse(["--data", file.path, "--x", "b", "--y", "b"])
        #expect(throws: BayesKitError.invalidArgument("\(file.path): column 'b' is both an input (--x) and the target (--y)")) {
            try clash.load()
        }
    }
}
