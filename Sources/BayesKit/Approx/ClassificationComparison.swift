import Foundation

extension ApproxMethod {
    /// Whether the method has a softmax (classification) variant in ``UncertaintyComparison/runClassification(_:xTrain:labelsTrain:xTest:labelsTest:outOfDistribution:seed:threads:progress:)``.
    public var classifies: Bool {
        switch self {
        case .mcdropout, .ensemble, .swag, .laplace, .kfac: return true
        case .lastlayer, .vi, .nuts: return false
        }
    }
}

extension UncertaintyComparison {
    /// One row of the classification table.
    public struct ClassificationRow: Sendable, Codable, Equatable {
        public let method: ApproxMethod
        public let trainSeconds: Double
        public let predictSeconds: Double
        public let modelBytes: Int
        /// Accuracy, NLL, Brier and ECE (15 bins) on the test data.
        public let scores: ClassificationScores
        /// The reliability diagram's bins (10 equal confidence bins).
        public let calibration: Calibration
        /// AUROC of predictive entropy and of mutual information for telling
        /// out-of-distribution inputs from test inputs (`nil` without them).
        public let aurocEntropy: Double?
        public let aurocMutualInformation: Double?

        enum CodingKeys: String, CodingKey {
            case method, trainSeconds = "train_s", predictSeconds = "predict_s", modelBytes = "model_bytes", scores,
                 calibration, aurocEntropy = "auroc_entropy", aurocMutualInformation = "auroc_mutual_information"
        }

        /// `accuracy`, `nll`, `brier`, `ece` and, with OOD inputs, `auroc_entropy`, `auroc_mi`.
        public var metrics: [String: Double] {
            var m = scores.metrics
            if let aurocEntropy { m["auroc_entropy"] = aurocEntropy }
            if let aurocMutualInformation { m["auroc_mi"] = aurocMutualInformation }
            return m
        }
    }

    /// Softmax networks `d → hidden → K` (K = the number of classes, labels
    /// `0..<K`) fitted by every method on the standardised training inputs
    /// and scored on the test inputs with ``Evaluation``; with
    /// `outOfDistribution` inputs also the entropy and mutual-information
    /// AUROCs. Methods without a classification variant are an error (see
    /// ``ApproxMethod/classifies``). Laplace methods classify with 100 draws
    /// of the linearised logits.
    public func runClassification(_ methods: [ApproxMethod], xTrain: Matrix, labelsTrain: [Int], xTest: Matrix,
                                  labelsTest: [Int], outOfDistribution: Matrix? = nil, seed: UInt64 = 0,
                                  threads: Int? = nil, progress: ProgressCounter? = nil) throws -> [ClassificationRow] {
        guard !methods.isEmpty else { throw BayesKitError.invalidArgument("compare needs at least 1 method") }
        if let m = methods.first(where: { !$0.classifies }) {
            throw BayesKitError.invalidArgument("\(m.rawValue) has no classification variant; classifying methods: \(ApproxMethod.allCases.filter(\.classifies).map(\.rawValue).joined(separator: ", "))")
        }
        guard xTrain.rows >= 2, xTrain.rows == labelsTrain.count, xTest.rows == labelsTest.count, xTest.rows >= 1,
              xTest.columns == xTrain.columns, outOfDistribution.map({ $0.columns == xTrain.columns }) ?? true
        else {
            throw BayesKitError.dimensionMismatch(
                "training data \(xTrain.rows) x \(xTrain.columns) with \(labelsTrain.count) labels, test data \(xTest.rows) x \(xTest.columns) with \(labelsTest.count) labels")
        }
        guard let minLabel = labelsTrain.min(), minLabel >= 0, (labelsTest.min() ?? 0) >= 0 else {
            throw BayesKitError.invalidArgument("class labels must be >= 0")
        }
        let k = max(labelsTrain.max() ?? 0, labelsTest.max() ?? 0) + 1
        guard k >= 2 else { throw BayesKitError.invalidArgument("classification needs at least 2 classes, got \(k)") }
        guard epochs >= 1 else { throw BayesKitError.invalidArgument("epochs must be >= 1, got \(epochs)") }
        let sx = Standardizer(xTrain)
        let xs = sx.apply(xTrain), xt = sx.apply(xTest), xo = outOfDistribution.map(sx.apply)
        let y = labelsTrain.map(Double.init)
        let arch = try NetworkArchitecture(layers: [xTrain.columns] + hidden + [k], activation: activation)
        let p = arch.parameterCount
        let training = Training(head: .softmax, epochs: epochs, batchSize: batchSize,
                                optimizer: .adam(Adam(learningRate: learningRate)))
        var rows = [ClassificationRow]()
        for index in methods.indices { progress?.setTotal(2, task: index) }
        for (index, method) in methods.enumerated() {
            let start = Date()
            var predictStart = Date()
            let classify: (Matrix) throws -> UncertaintyDecomposition
            let bytes: Int
            switch method {
            case .mcdropout:
                let m = try MCDropout(rate: dropoutRate, passes: passes, training: training)
                    .fit(architecture: arch, x: xs, y: y, seed: seed, threads: threads)
                classify = { try m.classify($0, seed: seed &+ 1, threads: threads) }
                bytes = 8 * p
            case .ensemble:
                let m = try DeepEnsemble(members: members, training: training, adversarialFraction: adversarialFraction)
                    .fit(architecture: arch, x: xs, y: y, seed: seed, threads: threads)
                classify = { try m.classify($0, threads: threads) }
                bytes = 8 * members * p
            case .swag:
                var collection = training
                collection.epochs = swagEpochs
                collection.optimizer = .sgd(SGD(learningRate: learningRate, momentum: 0.9))
                let m = try SWAG(rank: swagRank, samples: swagSamples, pretraining: training, collection: collection)
                    .fit(architecture: arch, x: xs, y: y, seed: seed, threads: threads)
                classify = { try m.classify($0, seed: seed &+ 1, threads: threads) }
                bytes = 8 * p * (2 + m.moments.deviations.count)
            case .laplace:
                let fit = try training.train(architecture: arch, x: xs, y: y, seed: seed)
                let m = try LastLayerLaplace.fit(architecture: arch, head: .softmax, weights: fit.weights, x: xs, y: y,
                                                 priorPrecision: laplacePriorPrecision)
                classify = { try m.classify($0, seed: seed &+ 1) }
                bytes = 8 * (p + m.covariance.values.count)
            case .kfac:
                let fit = try training.train(architecture: arch, x: xs, y: y, seed: seed)
                let m = try KFACLaplace.fit(architecture: arch, head: .softmax, weights: fit.weights, x: xs, y: y,
                                            priorPrecision: laplacePriorPrecision)
                classify = { try m.classify($0, seed: seed &+ 1) }
                bytes = 8 * (p + m.eigenvectors.count + m.eigenvalues.count)
            case .lastlayer, .vi, .nuts:
                throw BayesKitError.invalidArgument("\(method.rawValue) has no classification variant")
            }
            progress?.add(1, task: index)
            predictStart = Date()
            let d = try classify(xt)
            let end = Date()
            let ood = try xo.map(classify)
            rows.append(ClassificationRow(
                method: method, trainSeconds: predictStart.timeIntervalSince(start),
                predictSeconds: end.timeIntervalSince(predictStart), modelBytes: bytes,
                scores: try Evaluation.classification(labels: labelsTest, probabilities: d.probabilities),
                calibration: try Evaluation.calibration(labels: labelsTest, probabilities: d.probabilities, bins: 10),
                aurocEntropy: try ood.map { try Evaluation.auroc(inDistribution: d.total, outOfDistribution: $0.total) },
                aurocMutualInformation: try ood.map {
                    try Evaluation.auroc(inDistribution: d.epistemic, outOfDistribution: $0.epistemic)
                }))
            progress?.add(1, task: index)
        }
        return rows
    }

    /// The classification table: method, times, memory, accuracy, NLL, Brier, ECE and, with OOD inputs, the AUROCs.
    public static func table(_ rows: [ClassificationRow]) -> StudyTable {
        let ood = rows.contains { $0.aurocEntropy != nil }
        func f(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
        return StudyTable(
            header: ["method", "train (s)", "predict (s)", "memory (KiB)", "accuracy", "NLL", "Brier", "ECE"]
                + (ood ? ["AUROC entropy", "AUROC MI"] : []),
            rows: rows.map { r in
                [r.method.title, f(r.trainSeconds, 3), f(r.predictSeconds, 4), f(Double(r.modelBytes) / 1024, 1),
                 f(r.scores.accuracy, 4), f(r.scores.nll, 4), f(r.scores.brier, 4), f(r.scores.ece, 4)]
                    + (ood ? [r.aurocEntropy.map { f($0, 3) } ?? "-", r.aurocMutualInformation.map { f($0, 3) } ?? "-"] : [])
            })
    }

    /// The classification table as Markdown.
    public static func markdown(_ rows: [ClassificationRow]) -> String { table(rows).markdown }

    /// Reliability diagrams, one panel per method (observed frequency against
    /// mean confidence per bin, with the diagonal of perfect calibration).
    public static func figure(_ rows: [ClassificationRow], title: String) throws -> Figure {
        let columns = min(3, rows.count), panelRows = (rows.count + columns - 1) / columns
        var fig = Figure(title: title, rows: panelRows, columns: columns)
        for (i, r) in rows.enumerated() {
            try fig.panel(i / columns, i % columns) { p in
                p.title = "\(r.method.title): accuracy \(String(format: "%.3f", r.scores.accuracy)), ECE \(String(format: "%.3f", r.scores.ece))"
                let used = r.calibration.counts.indices.filter { r.calibration.counts[$0] > 0 }
                try p.reliability(confidence: used.map { r.calibration.confidence[$0] },
                                  frequency: used.map { r.calibration.frequency[$0] }, label: r.method.title,
                                  color: methodColor(i))
                p.xLabel = "confidence"
                p.yLabel = "observed frequency"
            }
        }
        return fig
    }
}

extension UncertaintyComparison.ClassificationRow {
    /// The row as a `result.json` record (the reliability bins included).
    public var record: JSONValue {
        var o: [String: JSONValue] = [
            "method": .string(method.rawValue), "train_s": .number(trainSeconds), "predict_s": .number(predictSeconds),
            "model_bytes": .number(Double(modelBytes)),
            "reliability_confidence": .array(calibration.confidence.map { .number($0) }),
            "reliability_frequency": .array(calibration.frequency.map { .number($0) }),
            "reliability_counts": .array(calibration.counts.map { .number($0) }),
        ]
        for (k, v) in metrics { o[k] = .number(v) }
        return .object(o)
    }
}

extension Datasets {
    /// Inputs far from two moons: `count` points on a ring of radius 4–6
    /// around (0.5, 0.25), from stream `(seed, 9)`.
    public static func moonsOutOfDistribution(count: Int = 200, seed: UInt64 = 0) throws -> Matrix {
        let rng = try RandomStream(seed: seed, stream: 9)
        var v = [Double]()
        for _ in 0..<count {
            let r = 4 + 2 * rng.uniform(), a = 2 * Double.pi * rng.uniform()
            v += [0.5 + r * cos(a), 0.25 + r * sin(a)]
        }
        return try Matrix(rows: count, columns: 2, values: v)
    }

    /// Out-of-distribution images for digits: each row of `x` with its 64
    /// pixels permuted at random (stream `(seed, 9)`): the same intensities,
    /// no digit.
    public static func scrambledImages(_ x: Matrix, seed: UInt64 = 0) throws -> Matrix {
        let rng = try RandomStream(seed: seed, stream: 9)
        var v = [Double]()
        v.reserveCapacity(x.values.count)
        for i in 0..<x.rows {
            var row = x.row(i)
            for j in stride(from: row.count - 1, to: 0, by: -1) { row.swapAt(j, min(Int(rng.uniform() * Double(j + 1)), j)) }
            v += row
        }
        return try Matrix(rows: x.rows, columns: x.columns, values: v)
    }
}
