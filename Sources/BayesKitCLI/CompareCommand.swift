import ArgumentParser
import BayesKit
import Foundation

/// `bayeskit compare`: seed 002's table of cheap uncertainty methods, measured.
public struct CompareCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare MC dropout, deep ensembles, SWAG, last-layer Bayes and VI on one regression data set.",
        discussion: """
            Every method trains the same network shape (--hidden, --activation) on the standardised training \
            data and is scored on the test data: train and predict time, stored model size, RMSE, mean test \
            log-likelihood, 90% coverage and CRPS. Data: --data FILE (split by --test-fraction, shuffled by \
            --seed) with an optional --test-data FILE, or the embedded sine data with 200 fresh test points \
            (the default). Writes result.json (summary.methods, metrics <method>_rmse ...), comparison.md, \
            comparison.csv and comparison.svg.
            """)

    @OptionGroup(title: "Data options") public var dataOptions: DataOptions

    @Option(help: ArgumentHelp("Test table with the same columns as --data.", valueName: "file"))
    public var testData: String?

    @Option(help: "Share of --data rows held out for testing when no --test-data is given.")
    public var testFraction: Double = 0.2

    @Option(help: ArgumentHelp("Comma-separated: \(ApproxMethod.allCases.map(\.rawValue).joined(separator: ",")).",
                               valueName: "list"))
    public var methods: String = "mcdropout,ensemble,swag,lastlayer"

    @Option(help: ArgumentHelp("Hidden layer widths, comma-separated.", valueName: "widths"))
    public var hidden: String = "50"

    @Option(help: "Hidden activation: relu, tanh, sigmoid, softplus, sin or identity.")
    public var activation: String = "relu"

    @Option(help: "Training epochs of every method.")
    public var epochs: Int = 1000

    @Option(parsing: .unconditional, help: "Adam learning rate (SWAG's SGD collection uses it too).")
    public var learningRate: Double = 0.01

    @Option(help: ArgumentHelp("Rows per step (default: all rows).", valueName: "n"))
    public var batchSize: Int?

    @Option(help: "MC dropout rate.")
    public var dropout: Double = 0.1

    @Option(help: "MC dropout passes.")
    public var passes: Int = 50

    @Option(help: "Ensemble members.")
    public var members: Int = 5

    @Option(help: "SWAG deviation columns.")
    public var swagRank: Int = 20

    @Option(help: "SWAG draws.")
    public var swagSamples: Int = 30

    @Option(help: "SWAG collection epochs after pre-training.")
    public var swagEpochs: Int = 200

    @OptionGroup(title: "Run options") public var runOptions: RunOptions

    public init() {}

    func parsedMethods() throws -> [ApproxMethod] {
        try methods.split(separator: ",").map { name in
            guard let m = ApproxMethod(rawValue: String(name)) else {
                throw ValidationError("--methods: unknown method '\(name)'; known: \(ApproxMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return m
        }
    }

    func parsedHidden() throws -> [Int] {
        let parts = hidden.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--hidden must be comma-separated widths >= 1; got '\(hidden)'")
        }
        return parts.compactMap { $0 }
    }

    public func validate() throws {
        if try parsedMethods().isEmpty { throw ValidationError("--methods must name at least one method") }
        _ = try parsedHidden()
        if Activation(rawValue: activation) == nil {
            throw ValidationError("--activation must be one of \(Activation.allCases.map(\.rawValue).joined(separator: ", ")); got '\(activation)'")
        }
        if epochs < 1 { throw ValidationError("--epochs must be >= 1; got \(epochs)") }
        if !(learningRate > 0) || !learningRate.isFinite { throw ValidationError("--learning-rate must be positive and finite; got \(learningRate)") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be >= 1; got \(batchSize)") }
        if !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1); got \(dropout)") }
        if passes < 1 { throw ValidationError("--passes must be >= 1; got \(passes)") }
        if members < 1 { throw ValidationError("--members must be >= 1; got \(members)") }
        if swagRank < 1 { throw ValidationError("--swag-rank must be >= 1; got \(swagRank)") }
        if swagSamples < 1 { throw ValidationError("--swag-samples must be >= 1; got \(swagSamples)") }
        if swagEpochs < 1 { throw ValidationError("--swag-epochs must be >= 1; got \(swagEpochs)") }
        if !(testFraction > 0 && testFraction < 1) { throw ValidationError("--test-fraction must be in (0, 1); got \(testFraction)") }
        if testData != nil, dataOptions.data == nil { throw ValidationError("--test-data needs --data FILE") }
    }

    public func run() throws {
        let context = try RunContext(command: "compare", run: runOptions, defaultSeed: 0)
        let (xTrain, yTrain, xTest, yTest, source) = try loadData(seed: context.seed)
        let settings = UncertaintyComparison(hidden: try parsedHidden(), activation: Activation(rawValue: activation) ?? .relu,
                                             epochs: epochs, learningRate: learningRate, batchSize: batchSize,
                                             dropoutRate: dropout, passes: passes, members: members, swagRank: swagRank,
                                             swagSamples: swagSamples, swagEpochs: swagEpochs)
        let chosen = try parsedMethods()
        let rows = try settings.run(chosen, xTrain: xTrain, yTrain: yTrain, xTest: xTest, yTest: yTest, seed: context.seed,
                                    threads: context.threads) { note("fitting \($0.title) ...") }
        let markdown = UncertaintyComparison.markdown(rows)
        try markdown.write(to: context.file("comparison.md"), atomically: true, encoding: .utf8)
        try Table(columnNames: ["method", "train_s", "predict_s", "model_bytes", "rmse", "test_loglik", "coverage_90", "crps"],
                  columns: [rows.indices.map(Double.init), rows.map(\.trainSeconds), rows.map(\.predictSeconds),
                            rows.map { Double($0.modelBytes) }, rows.map(\.scores.rmse), rows.map(\.scores.logLikelihood),
                            rows.map(\.scores.coverage90), rows.map(\.scores.crps)])
            .write(csvTo: context.file("comparison.csv"))
        let fig = try UncertaintyComparison.figure(rows, xTest: xTest, yTest: yTest,
                                                   xTrain: xTrain.columns == 1 ? xTrain : nil, yTrain: xTrain.columns == 1 ? yTrain : nil,
                                                   title: "Uncertainty methods on \(source) (\(xTrain.rows) train, \(xTest.rows) test rows)")
        try fig.write(to: context.file("comparison.svg"))
        var result = context.result(config: [
            "data": .string(source), "test_data": testData.map { .string($0) } ?? .null,
            "test_fraction": .number(testFraction), "methods": .array(chosen.map { .string($0.rawValue) }),
            "hidden": .array(settings.hidden.map { .number(Double($0)) }), "activation": .string(activation),
            "epochs": .number(Double(epochs)), "learning_rate": .number(learningRate),
            "batch_size": .number(Double(batchSize ?? xTrain.rows)), "dropout": .number(dropout), "passes": .number(Double(passes)),
            "members": .number(Double(members)), "swag_rank": .number(Double(swagRank)),
            "swag_samples": .number(Double(swagSamples)), "swag_epochs": .number(Double(swagEpochs)),
            "n_train": .number(Double(xTrain.rows)), "n_test": .number(Double(xTest.rows)),
        ])
        var metrics = [String: Double]()
        for r in rows {
            for (k, v) in r.scores.metrics { metrics["\(r.method.rawValue)_\(k)"] = v }
        }
        result.metrics = metrics
        result.summary = ["methods": .array(rows.map(ApproxStudies.rowRecord)), "markdown": .string(markdown)]
        result.timing.trainingS = rows.map(\.trainSeconds).reduce(0, +)
        result.outputs = ["table": "comparison.md", "csv": "comparison.csv", "figure": "comparison.svg"]
        try context.finish(result)
        print(markdown, terminator: "")
        note("method codes in comparison.csv: " + rows.enumerated().map { "\($0.offset) = \($0.element.method.rawValue)" }.joined(separator: ", "))
        note("wrote result.json, comparison.md, comparison.csv and comparison.svg to \(context.outputDirectory.path)")
    }

    /// Training and test data with a label for the report.
    func loadData(seed: UInt64) throws -> (Matrix, [Double], Matrix, [Double], String) {
        guard let loaded = try dataOptions.load(), let path = dataOptions.data else {
            let d = try Datasets.sine()
            let test = try ApproxStudies.sineTest(seed: seed)
            return (try Matrix(rows: d.count, columns: 1, values: d.x), d.y, test.x, test.y, "the sine data")
        }
        if let testData {
            var other = dataOptions
            other.data = testData
            guard let t = try other.load() else { throw BayesKitError.io("cannot read \(testData)") }
            return (loaded.x, loaded.y, t.x, t.y, path)
        }
        let n = loaded.y.count
        let nTest = max(1, Int((Double(n) * testFraction).rounded()))
        guard n - nTest >= 2 else { throw BayesKitError.invalidArgument("\(path) has \(n) rows: too few to hold out \(nTest) for testing") }
        // Fisher-Yates on stream (seed, 99): the split depends only on --seed.
        let rng = try RandomStream(seed: seed, stream: 99)
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.uniform() * Double(i + 1))) }
        let d = loaded.x.columns
        func take(_ idx: ArraySlice<Int>) throws -> (Matrix, [Double]) {
            (try Matrix(rows: idx.count, columns: d, values: idx.flatMap { loaded.x.row($0) }), idx.map { loaded.y[$0] })
        }
        let (xt, yt) = try take(order[0..<nTest]), (xr, yr) = try take(order[nTest...])
        return (xr, yr, xt, yt, path)
    }
}
