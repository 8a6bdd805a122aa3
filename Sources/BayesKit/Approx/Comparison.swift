import Foundation

/// The methods ``UncertaintyComparison`` can run.
public enum ApproxMethod: String, Codable, Sendable, CaseIterable {
    case mcdropout, ensemble, swag, lastlayer, laplace, vi, kfac, nuts

    /// Every method but the NUTS reference (the demo studies run these; NUTS costs seconds to minutes).
    public static var approximations: [ApproxMethod] { allCases.filter { $0 != .nuts } }

    /// Seed 002's table names.
    public var title: String {
        switch self {
        case .mcdropout: return "MC dropout"
        case .ensemble: return "Deep ensemble"
        case .swag: return "SWAG"
        case .lastlayer: return "Last-layer Bayes"
        case .laplace: return "Last-layer Laplace"
        case .vi: return "Mean-field VI"
        case .kfac: return "KFAC Laplace"
        case .nuts: return "NUTS"
        }
    }
}

/// Seed 002's comparison table measured for real: every method fits the
/// same network shape on the same (standardised) training data and is
/// scored on the same test data with ``Evaluation``. Inputs and targets are
/// z-scored with the training statistics; predictions and scores are
/// reported in the original units. Timings are wall-clock seconds; memory
/// is what the fitted model stores to predict (numbers × 8 bytes).
public struct UncertaintyComparison: Sendable {
    public var hidden: [Int]
    public var activation: Activation
    public var epochs: Int
    public var learningRate: Double
    public var batchSize: Int?
    /// MC dropout: rate and passes (seed 002: 0.1, 50).
    public var dropoutRate: Double
    public var passes: Int
    /// Ensemble members (seed 002: 5).
    public var members: Int
    /// SWAG: rank, draws and collection epochs (seed 002: 20, 30).
    public var swagRank: Int
    public var swagSamples: Int
    public var swagEpochs: Int
    /// VI: draws of the predictive.
    public var viSamples: Int
    /// Ensembles: the adversarial-training step as a fraction of each input's
    /// range (``DeepEnsemble/adversarialFraction``; `nil`: off).
    public var adversarialFraction: Double? = nil
    /// Laplace methods: the prior precision δ (`nil`: tuned by the marginal likelihood).
    public var laplacePriorPrecision: Double? = nil
    /// NUTS: chains, warmup and post-warmup iterations per chain, and the
    /// number of draws (evenly spaced over all chains) the predictive uses.
    public var nutsChains = 4
    public var nutsWarmup = 500
    public var nutsDraws = 500
    public var nutsThin = 1
    public var nutsSamples = 200

    public init(hidden: [Int] = [50], activation: Activation = .relu, epochs: Int = 1000, learningRate: Double = 0.01,
                batchSize: Int? = nil, dropoutRate: Double = 0.1, passes: Int = 50, members: Int = 5, swagRank: Int = 20,
                swagSamples: Int = 30, swagEpochs: Int = 200, viSamples: Int = 200) {
        self.hidden = hidden
        self.activation = activation
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.dropoutRate = dropoutRate
        self.passes = passes
        self.members = members
        self.swagRank = swagRank
        self.swagSamples = swagSamples
        self.swagEpochs = swagEpochs
        self.viSamples = viSamples
    }

    /// One row of the table.
    public struct Row: Sendable, Codable, Equatable {
        public let method: ApproxMethod
        public let trainSeconds: Double
        public let predictSeconds: Double
        public let modelBytes: Int
        public let scores: RegressionScores
        /// The predictive at the test inputs (original units).
        public let prediction: UncertainPrediction
        /// Observed coverage of central Gaussian intervals at ``Evaluation/defaultLevels``.
        public let coverage: CoverageCurve

        enum CodingKeys: String, CodingKey {
            case method, trainSeconds = "train_s", predictSeconds = "predict_s", modelBytes = "model_bytes", scores,
                 prediction, coverage
        }
    }

    /// Fits every method on (`xTrain`, `yTrain`) and scores it on (`xTest`, `yTest`).
    /// Method m uses seed `seed` (each family draws its own streams from it).
    public func run(_ methods: [ApproxMethod], xTrain: Matrix, yTrain: [Double], xTest: Matrix, yTest: [Double],
                    seed: UInt64 = 0, threads: Int? = nil, progress: ((ApproxMethod) -> Void)? = nil,
                    counter: ProgressCounter? = nil) throws -> [Row] {
        guard !methods.isEmpty else { throw BayesKitError.invalidArgument("compare needs at least 1 method") }
        guard xTrain.rows >= 2, xTrain.rows == yTrain.count, xTest.rows == yTest.count, xTest.rows >= 1,
              xTest.columns == xTrain.columns
        else {
            throw BayesKitError.dimensionMismatch(
                "training data \(xTrain.rows) x \(xTrain.columns) with \(yTrain.count) targets, test data \(xTest.rows) x \(xTest.columns) with \(yTest.count) targets")
        }
        guard epochs >= 1 else { throw BayesKitError.invalidArgument("epochs must be >= 1, got \(epochs)") }
        let sx = Standardizer(xTrain), (my, sy) = Standardizer.moments(yTrain)
        let xs = sx.apply(xTrain), xt = sx.apply(xTest), ys = yTrain.map { ($0 - my) / sy }
        let d = xTrain.columns
        let adam = TrainingOptimizer.adam(Adam(learningRate: learningRate))
        var rows = [Row]()
        for index in methods.indices { counter?.setTotal(1, task: index) }
        for (index, method) in methods.enumerated() {
            progress?(method)
            let start = Date()
            var predictStart = Date()
            let predicted: UncertainPrediction
            let bytes: Int
            switch method {
            case .mcdropout:
                let arch = try NetworkArchitecture(layers: [d] + hidden + [1], activation: activation)
                let m = try MCDropout(rate: dropoutRate, passes: passes,
                                      training: Training(epochs: epochs, batchSize: batchSize, optimizer: adam))
                    .fit(architecture: arch, x: xs, y: ys, seed: seed, threads: threads)
                predictStart = Date()
                predicted = try m.predict(xt, seed: seed &+ 1, threads: threads)
                bytes = 8 * m.weights.count
            case .ensemble:
                let arch = try NetworkArchitecture(layers: [d] + hidden + [2], activation: activation)
                let m = try DeepEnsemble(members: members, training: Training(head: .meanVariance, epochs: epochs,
                                                                              batchSize: batchSize, optimizer: adam),
                                         adversarialFraction: adversarialFraction)
                    .fit(architecture: arch, x: xs, y: ys, seed: seed, threads: threads)
                predictStart = Date()
                predicted = try m.predict(xt, threads: threads)
                bytes = 8 * m.members.count * arch.parameterCount
            case .swag:
                let arch = try NetworkArchitecture(layers: [d] + hidden + [1], activation: activation)
                let m = try SWAG(rank: swagRank, samples: swagSamples,
                                 pretraining: Training(epochs: epochs, batchSize: batchSize, optimizer: adam),
                                 collection: Training(epochs: swagEpochs, batchSize: batchSize,
                                                      optimizer: .sgd(SGD(learningRate: learningRate, momentum: 0.9))))
                    .fit(architecture: arch, x: xs, y: ys, seed: seed, threads: threads)
                predictStart = Date()
                predicted = try m.predict(xt, seed: seed &+ 1, threads: threads)
                bytes = 8 * arch.parameterCount * (2 + m.moments.deviations.count)
            case .lastlayer:
                let arch = try NetworkArchitecture(layers: [d] + hidden + [1], activation: activation)
                let m = try LastLayerBayes(training: Training(epochs: epochs, batchSize: batchSize, optimizer: adam))
                    .fit(architecture: arch, x: xs, y: ys, seed: seed, threads: threads)
                predictStart = Date()
                predicted = try m.predict(xt, threads: threads)
                let mm = m.posterior.coefficientCount
                bytes = 8 * (m.weights.count + mm + mm * mm)
            case .laplace, .kfac:
                let arch = try NetworkArchitecture(layers: [d] + hidden + [1], activation: activation)
                let fit = try Training(epochs: epochs, batchSize: batchSize, optimizer: adam)
                    .train(architecture: arch, x: xs, y: ys, seed: seed)
                let f = try arch.forward(weights: fit.weights, inputs: xs).values
                let noise = try NoiseModel.trainingResiduals.noiseSD(y: ys) { f }
                if method == .kfac {
                    let m = try KFACLaplace.fit(architecture: arch, head: .gaussian, weights: fit.weights, x: xs, y: ys,
                                                priorPrecision: laplacePriorPrecision, noiseSD: noise)
                    predictStart = Date()
                    predicted = try m.predict(xt)
                    bytes = 8 * (fit.weights.count + m.eigenvectors.count + m.eigenvalues.count)
                } else {
                    let m = try LastLayerLaplace.fit(architecture: arch, head: .gaussian, weights: fit.weights, x: xs, y: ys,
                                                     priorPrecision: laplacePriorPrecision, noiseSD: noise)
                    predictStart = Date()
                    predicted = try m.predict(xt)
                    bytes = 8 * (fit.weights.count + m.covariance.values.count)
                }
            case .nuts:
                // The reference: NUTS over every weight and log σ ~ N(0, 1), weights N(0, 4/fan-in) (VI's
                // N(0, 1/fan-in) under-fits the sine data even when sampled exactly), started at the MAP.
                let arch = try NetworkArchitecture(layers: [d] + hidden + [1], activation: activation)
                let bnn = try BNN(architecture: arch, likelihood: .gaussianLearnedNoise(), prior: .fanInScaled(std: 2))
                let chains = try MCMC(kernel: NUTS(), chains: nutsChains, warmup: nutsWarmup, draws: nutsDraws, thin: nutsThin)
                    .run(bnn, x: xs, y: try Matrix(rows: ys.count, columns: 1, values: ys), seed: seed, threads: threads)
                predictStart = Date()
                let all = try chains.draws().flatMap { $0 }
                let step = max(1, all.count / max(nutsSamples, 1))
                let kept = Array(Swift.stride(from: 0, to: all.count, by: step).map { all[$0] }.prefix(nutsSamples))
                let p = arch.parameterCount
                let f = try arch.predict(weightSamples: try Matrix(rows: kept.count, columns: p, values: kept.flatMap { $0[0..<p] }),
                                         inputs: xt, threads: threads)
                predicted = try UncertainPrediction(componentMeans: f.map(\.values),
                                                    componentSDs: kept.map { [Double](repeating: exp($0[p]), count: xt.rows) })
                bytes = 8 * kept.count * (p + 1)
            case .vi:
                let arch = try NetworkArchitecture(layers: [d] + hidden + [1], activation: activation)
                // Prior N(0, 1/fan-in) per weight: O(1) prior functions on standardised data.
                let q = try MeanFieldVI(samples: 5, epochs: epochs, learningRate: learningRate, batchSize: batchSize)
                    .fit(architecture: arch, likelihood: .gaussianLearnedNoise(), prior: .fanInScaled(std: 1), x: xs,
                         y: try Matrix(rows: ys.count, columns: 1, values: ys), seed: seed, threads: threads)
                predictStart = Date()
                let p = try q.predict(xt, samples: viSamples, stream: try RandomStream(seed: seed, stream: 1), threads: threads)
                predicted = try UncertainPrediction(mean: p.mean.values, epistemicSD: p.epistemicSD.values,
                                                    aleatoricSD: p.aleatoricSD?.values ?? [Double](repeating: 0, count: xt.rows))
                bytes = 8 * (q.mean.count + q.scaleParameters.count)
            }
            let end = Date()
            counter?.add(1, task: index)
            let original = try predicted.unstandardized(mean: my, sd: sy)
            rows.append(Row(method: method, trainSeconds: predictStart.timeIntervalSince(start),
                            predictSeconds: end.timeIntervalSince(predictStart), modelBytes: bytes,
                            scores: try original.scores(yTest),
                            prediction: original,
                            coverage: try Evaluation.coverageCurve(y: yTest, mean: original.mean, sd: original.totalSD)))
        }
        return rows
    }

    /// Seed 002's table: method, train and predict time, memory, RMSE, test log-likelihood, 90% coverage, CRPS.
    public static func table(_ rows: [Row]) -> StudyTable {
        func f(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
        return StudyTable(header: ["method", "train (s)", "predict (s)", "memory (KiB)", "RMSE", "test log-lik", "90% coverage", "CRPS"],
                          rows: rows.map { r in
                              [r.method.title, f(r.trainSeconds, 3), f(r.predictSeconds, 4), f(Double(r.modelBytes) / 1024, 1),
                               f(r.scores.rmse, 4), f(r.scores.logLikelihood, 3), f(r.scores.coverage90, 3), f(r.scores.crps, 4)]
                          })
    }

    /// Seed 002's table as Markdown.
    public static func markdown(_ rows: [Row]) -> String { table(rows).markdown }

    /// Calibration curves of every method (observed against nominal
    /// coverage) beside their test log-likelihoods; with one input, one panel
    /// per method of the predictive (±2σ total, ±2σ epistemic) at the sorted test inputs.
    public static func figure(_ rows: [Row], xTest: Matrix, yTest: [Double], xTrain: Matrix? = nil, yTrain: [Double]? = nil,
                              title: String) throws -> Figure {
        let oneD = xTest.columns == 1
        let columns = oneD ? min(3, rows.count + 1) : 1
        let panelRows = oneD ? (rows.count + 1 + columns - 1) / columns : 1
        var fig = Figure(title: title, rows: panelRows, columns: columns)
        try fig.panel(0, 0) { p in
            p.title = "coverage of central intervals"
            p.xLabel = "nominal"
            p.yLabel = "observed"
            try p.line(x: [0, 1], y: [0, 1], label: "calibrated", color: .gray(0.5))
            for (i, r) in rows.enumerated() {
                try p.line(x: r.coverage.nominal, y: r.coverage.observed, label: r.method.title, color: methodColor(i))
            }
        }
        guard oneD else { return fig }
        let order = (0..<xTest.rows).sorted { xTest[$0, 0] < xTest[$1, 0] }
        let xs = order.map { xTest[$0, 0] }
        for (i, r) in rows.enumerated() {
            let cell = i + 1
            try fig.panel(cell / columns, cell % columns) { p in
                p.title = "\(r.method.title): RMSE \(String(format: "%.3f", r.scores.rmse)), log-lik \(String(format: "%.2f", r.scores.logLikelihood))"
                let mean = order.map { r.prediction.mean[$0] }
                try p.band(x: xs, mean: mean, sd: order.map { r.prediction.totalSD[$0] }, k: 2, label: "±2σ total",
                           color: methodColor(i), opacity: 0.18)
                try p.band(x: xs, mean: mean, sd: order.map { r.prediction.epistemicSD[$0] }, k: 2, label: "±2σ epistemic",
                           color: methodColor(i), opacity: 0.35)
                try p.line(x: xs, y: mean, label: "mean", color: methodColor(i))
                try p.scatter(x: xs, y: order.map { yTest[$0] }, label: "test", color: .gray(0.55), size: 3)
                if let xTrain, let yTrain { try p.scatter(x: xTrain.column(0), y: yTrain, label: "train", color: .gray(0.1)) }
            }
        }
        return fig
    }
}

extension UncertainPrediction {
    /// The predictive of `y = mean + sd·z` from that of standardised `z`.
    func unstandardized(mean m: Double, sd s: Double) throws -> UncertainPrediction {
        var out = try UncertainPrediction(componentMeans: componentMeans.map { $0.map { m + s * $0 } },
                                          componentSDs: componentSDs.map { $0.map { s * $0 } })
        out.epistemicSD = epistemicSD.map { s * $0 }
        out.aleatoricSD = aleatoricSD.map { s * $0 }
        return out
    }
}

/// z-scores of each column with the training mean and sd (sd 1 for a constant column).
struct Standardizer {
    let mean: [Double]
    let sd: [Double]

    init(_ x: Matrix) {
        var m = [Double](), s = [Double]()
        for j in 0..<x.columns {
            let (a, b) = Self.moments(x.column(j))
            m.append(a)
            s.append(b)
        }
        mean = m
        sd = s
    }

    static func moments(_ v: [Double]) -> (Double, Double) {
        let m = v.reduce(0, +) / Double(v.count)
        let s = (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(v.count - 1, 1))).squareRoot()
        return (m, s > 0 ? s : 1)
    }

    func apply(_ x: Matrix) -> Matrix {
        var v = x.values
        for i in 0..<x.rows { for j in 0..<x.columns { v[i * x.columns + j] = (v[i * x.columns + j] - mean[j]) / sd[j] } }
        return Matrix(unchecked: x.rows, x.columns, v)
    }
}

/// Okabe–Ito colours, one per method.
func methodColor(_ i: Int) -> PlotColor {
    let c: [PlotColor] = [.blue, .vermillion, .bluishGreen, .reddishPurple, .orange, .skyBlue]
    return c[i % c.count]
}
