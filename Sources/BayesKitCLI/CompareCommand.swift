import ArgumentParser
import BayesKit
import Foundation

/// `bayeskit compare`: seed 002's table of cheap uncertainty methods, measured.
public struct CompareCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare MC dropout, deep ensembles, SWAG, Laplace, last-layer Bayes, VI and NUTS on one data set.",
        discussion: """
            Every method trains the same network shape (--hidden, --activation) on the standardised training \
            data and is scored on the test data. Regression: --data FILE (split by --test-fraction, shuffled \
            by --seed) with an optional --test-data FILE, or the embedded sine data with 200 fresh test points \
            (the default); train and predict time, stored model size, RMSE, mean test log-likelihood, 90% \
            coverage and CRPS (nuts: NUTS over all weights and the noise, --chains --warmup --draws --thin, \
            200 evenly spaced draws for the predictive). Classification: --data moons (500 two-moons points, noise 0.2) or --data digits \
            (the 1797 8x8 UCI digits shipped with BayesKit, CC BY 4.0), with softmax heads for the methods \
            that classify (mcdropout, ensemble, swag, laplace, kfac; others are skipped): accuracy, NLL, \
            Brier, ECE with reliability diagrams, and the AUROC of entropy and mutual information against \
            out-of-distribution inputs (a far ring for moons, pixel-scrambled test images for digits). \
            Writes result.json (summary.methods, metrics <method>_rmse or <method>_accuracy ...), \
            comparison.md, comparison.csv and comparison.svg.
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
    public var activation: ActivationOption = .relu

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

    @Option(help: ArgumentHelp("Ensemble adversarial training: step as a fraction of each input's range (paper: 0.01; default off).",
                               valueName: "fraction"))
    public var adversarial: Double?

    @Option(help: ArgumentHelp("Prior precision of the Laplace methods (default: tuned by the marginal likelihood).",
                               valueName: "delta"))
    public var priorPrecision: Double?

    @OptionGroup(title: "Sampler options (nuts)") public var samplerOptions: SamplerOptions

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
        if let adversarial, !(adversarial >= 0 && adversarial.isFinite) {
            throw ValidationError("--adversarial must be >= 0 and finite; got \(adversarial)")
        }
        if let priorPrecision, !(priorPrecision > 0 && priorPrecision.isFinite) {
            throw ValidationError("--prior-precision must be positive and finite; got \(priorPrecision)")
        }
        if isClassification {
            if testData != nil { throw ValidationError("--test-data applies to --data FILE, not to --data \(dataOptions.data ?? "")") }
            if try !parsedMethods().contains(where: \.classifies) {
                throw ValidationError("--methods: none of '\(methods)' classifies; use \(ApproxMethod.allCases.filter(\.classifies).map(\.rawValue).joined(separator: ", "))")
            }
        }
    }

    /// The built-in classification data sets `--data` accepts.
    static let classificationData = ["moons", "digits"]

    var isClassification: Bool { dataOptions.data.map { Self.classificationData.contains($0) } ?? false }

    func settings() throws -> UncertaintyComparison {
        var s = UncertaintyComparison(hidden: try parsedHidden(), activation: activation.activation, epochs: epochs,
                                      learningRate: learningRate, batchSize: batchSize, dropoutRate: dropout,
                                      passes: passes, members: members, swagRank: swagRank, swagSamples: swagSamples,
                                      swagEpochs: swagEpochs)
        s.adversarialFraction = adversarial
        s.laplacePriorPrecision = priorPrecision
        s.nutsChains = samplerOptions.chains
        s.nutsWarmup = samplerOptions.warmup
        s.nutsDraws = samplerOptions.draws
        s.nutsThin = samplerOptions.thin
        return s
    }

    func config(_ context: RunContext, _ settings: UncertaintyComparison, _ chosen: [ApproxMethod], source: String,
                nTrain: Int, nTest: Int) -> RunResult {
        context.result(config: [
            "data": .string(source), "test_data": testData.map { .string($0) } ?? .null,
            "test_fraction": .number(testFraction), "methods": .array(chosen.map { .string($0.rawValue) }),
            "hidden": .array(settings.hidden.map { .number(Double($0)) }), "activation": .string(activation.rawValue),
            "epochs": .number(Double(epochs)), "learning_rate": .number(learningRate),
            "batch_size": .number(Double(batchSize ?? nTrain)), "dropout": .number(dropout), "passes": .number(Double(passes)),
            "members": .number(Double(members)), "swag_rank": .number(Double(swagRank)),
            "swag_samples": .number(Double(swagSamples)), "swag_epochs": .number(Double(swagEpochs)),
            "adversarial": adversarial.map { .number($0) } ?? .null,
            "prior_precision": priorPrecision.map { .number($0) } ?? .null,
            "chains": .number(Double(samplerOptions.chains)), "warmup": .number(Double(samplerOptions.warmup)),
            "draws": .number(Double(samplerOptions.draws)), "thin": .number(Double(samplerOptions.thin)),
            "n_train": .number(Double(nTrain)), "n_test": .number(Double(nTest)),
        ])
    }

    public func run() throws {
        let context = try RunContext(command: "compare", run: runOptions, defaultSeed: 0)
        if isClassification { return try runClassification(context) }
        let (xTrain, yTrain, xTest, yTest, source) = try loadData(seed: context.seed)
        let settings = try settings()
        let chosen = try parsedMethods()
        let counter = try ProgressCounter(tasks: chosen.map(\.rawValue))
        let rows = try ProgressMonitor(counter: counter, reporter: context.progress.reporter()).run {
            try settings.run(chosen, xTrain: xTrain, yTrain: yTrain, xTest: xTest, yTest: yTest, seed: context.seed,
                             threads: context.threads, counter: counter)
        }
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
        var result = config(context, settings, chosen, source: source, nTrain: xTrain.rows, nTest: xTest.rows)
        var metrics = [String: Double]()
        for r in rows {
            for (k, v) in r.scores.metrics { metrics["\(r.method.rawValue)_\(k)"] = v }
        }
        result.metrics = metrics
        result.summary = ["methods": .array(rows.map(ApproxStudies.rowRecord)), "markdown": .string(markdown)]
        result.timing.trainingS = rows.map(\.trainSeconds).reduce(0, +)
        try finish(context, result, markdown: markdown, methods: rows.map(\.method))
    }

    func finish(_ context: RunContext, _ result: RunResult, markdown: String, methods: [ApproxMethod]) throws {
        var result = result
        result.outputs = ["table": "comparison.md", "csv": "comparison.csv", "figure": "comparison.svg"]
        try context.finish(result)
        print(markdown, terminator: "")
        note("method codes in comparison.csv: " + methods.enumerated().map { "\($0.offset) = \($0.element.rawValue)" }.joined(separator: ", "))
        note("wrote result.json, comparison.md, comparison.csv and comparison.svg to \(context.outputDirectory.path)")
    }

    /// `--data moons|digits`: the softmax comparison with reliability diagrams and OOD AUROCs.
    func runClassification(_ context: RunContext) throws {
        let name = dataOptions.data ?? "moons"
        let all: (x: Matrix, labels: [Int])
        if name == "digits" { all = try Datasets.digits() } else { all = try Datasets.twoMoons(count: 500, noise: 0.2) }
        let (trainIdx, testIdx) = try split(all.labels.count, seed: context.seed, source: name)
        func take(_ idx: [Int]) throws -> (Matrix, [Int]) {
            (try Matrix(rows: idx.count, columns: all.x.columns, values: idx.flatMap { all.x.row($0) }), idx.map { all.labels[$0] })
        }
        let (xTrain, lTrain) = try take(trainIdx), (xTest, lTest) = try take(testIdx)
        let ood = name == "digits" ? try Datasets.scrambledImages(xTest, seed: context.seed)
                                   : try Datasets.moonsOutOfDistribution(count: 200, seed: context.seed)
        let settings = try settings()
        let requested = try parsedMethods()
        let chosen = requested.filter(\.classifies)
        let skipped = requested.filter { !$0.classifies }
        if !skipped.isEmpty { note("skipping \(skipped.map(\.rawValue).joined(separator: ", ")): regression only") }
        let counter = try ProgressCounter(tasks: chosen.map(\.rawValue))
        let rows = try ProgressMonitor(counter: counter, reporter: context.progress.reporter()).run {
            try settings.runClassification(chosen, xTrain: xTrain, labelsTrain: lTrain, xTest: xTest, labelsTest: lTest,
                                           outOfDistribution: ood, seed: context.seed, threads: context.threads,
                                           progress: counter)
        }
        let markdown = UncertaintyComparison.markdown(rows)
        try markdown.write(to: context.file("comparison.md"), atomically: true, encoding: .utf8)
        try Table(columnNames: ["method", "train_s", "predict_s", "model_bytes", "accuracy", "nll", "brier", "ece",
                                "auroc_entropy", "auroc_mi"],
                  columns: [rows.indices.map(Double.init), rows.map(\.trainSeconds), rows.map(\.predictSeconds),
                            rows.map { Double($0.modelBytes) }, rows.map(\.scores.accuracy), rows.map(\.scores.nll),
                            rows.map(\.scores.brier), rows.map(\.scores.ece), rows.map { $0.aurocEntropy ?? .nan },
                            rows.map { $0.aurocMutualInformation ?? .nan }])
            .write(csvTo: context.file("comparison.csv"))
        let title = "Reliability of uncertainty methods on \(name) (\(xTrain.rows) train, \(xTest.rows) test rows)"
        try UncertaintyComparison.figure(rows, title: title).write(to: context.file("comparison.svg"))
        var result = config(context, settings, chosen, source: name, nTrain: xTrain.rows, nTest: xTest.rows)
        var metrics = [String: Double]()
        for r in rows {
            for (k, v) in r.metrics { metrics["\(r.method.rawValue)_\(k)"] = v }
        }
        result.metrics = metrics
        result.summary = ["methods": .array(rows.map(\.record)), "markdown": .string(markdown),
                          "n_out_of_distribution": .number(Double(ood.rows))]
        result.timing.trainingS = rows.map(\.trainSeconds).reduce(0, +)
        try finish(context, result, markdown: markdown, methods: rows.map(\.method))
    }

    /// Row indices of the training and test parts: Fisher-Yates on stream
    /// (seed, 99), the first `--test-fraction` for testing; depends only on `--seed`.
    func split(_ n: Int, seed: UInt64, source: String) throws -> (train: [Int], test: [Int]) {
        let nTest = max(1, Int((Double(n) * testFraction).rounded()))
        guard n - nTest >= 2 else { throw BayesKitError.invalidArgument("\(source) has \(n) rows: too few to hold out \(nTest) for testing") }
        let rng = try RandomStream(seed: seed, stream: 99)
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.uniform() * Double(i + 1))) }
        return (Array(order[nTest...]), Array(order[0..<nTest]))
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
        let (trainIdx, testIdx) = try split(loaded.y.count, seed: seed, source: path)
        let d = loaded.x.columns
        func take(_ idx: ArraySlice<Int>) throws -> (Matrix, [Double]) {
            (try Matrix(rows: idx.count, columns: d, values: idx.flatMap { loaded.x.row($0) }), idx.map { loaded.y[$0] })
        }
        let (xt, yt) = try take(testIdx[...]), (xr, yr) = try take(trainIdx[...])
        return (xr, yr, xt, yt, path)
    }
}
