import ArgumentParser
import BayesKit
import Foundation

public enum VAEDecoderOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case bernoulli, gaussian, gaussianLearned = "gaussian-learned"
}

/// `bayeskit vae`: a variational autoencoder on the digits, two moons or a table.
public struct VAECommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Variational autoencoder: amortized VI with an encoder q(z|x) and a decoder p(x|z).",
        discussion: """
            Trains an encoder D-H-2K and a decoder K-H-D (dense, --activation) by the reparameterized ELBO \
            E_q[log p(x|z)] - beta KL(q(z|x) || N(0, I)) with Adam on minibatches (Kingma & Welling 2014). \
            Data: --dataset digits (the 1797 UCI 8x8 digits scaled to [0, 1], every --test-every-th image held \
            out; default) or moons, or --data FILE (every column a feature, or --x; --y names a label column used \
            only for colours). Reports the ELBO and the importance-weighted bound with --iwae-samples draws \
            (Burda et al. 2016) on the held-out rows. Writes result.json (history per epoch), model.json, \
            vae.svg (training, latent space, reconstructions, samples) and, for a 2-D latent space, \
            latent-grid.svg.
            """)

    @Option(help: ArgumentHelp("Embedded dataset when no --data is given: digits or moons (default digits).", valueName: "name"))
    public var dataset: String?

    @OptionGroup(title: "Data options") public var dataOptions: DataOptions

    @Option(help: "Latent dimension K.")
    public var latent: Int = 2

    @Option(help: ArgumentHelp("Hidden widths of the encoder, comma-separated (the decoder mirrors them).", valueName: "widths"))
    public var hidden: String = "256"

    @Option(help: "Hidden activation: relu, tanh, sigmoid, sin or identity.")
    public var activation: ActivationOption = .relu

    @Option(help: "Decoder: bernoulli (data in [0, 1]), gaussian (fixed --sigma) or gaussian-learned.")
    public var decoder: VAEDecoderOption?

    @Option(help: "Gaussian decoder noise (initial value for gaussian-learned).")
    public var sigma: Double = 0.3

    @Option(help: "Passes over the training rows.")
    public var epochs: Int = 100

    @Option(help: ArgumentHelp("Rows per step (default 128, at most the training rows).", valueName: "n"))
    public var batchSize: Int?

    @Option(help: "Latent draws per data point and step.")
    public var samples: Int = 1

    @Option(parsing: .unconditional, help: "Adam learning rate.")
    public var learningRate: Double = 1e-3

    @Option(help: "KL weight beta (1: the ELBO; the beta-VAE otherwise).")
    public var beta: Double = 1

    @Option(help: ArgumentHelp("KL weight over epochs: constant, warmup:EPOCHS[:START] or cyclical:PERIOD[:RAMP].",
                               valueName: "schedule"))
    public var klSchedule: String = "constant"

    @Option(help: "Importance samples k of the IWAE bound on the held-out rows.")
    public var iwaeSamples: Int = 100

    @Option(help: "Hold out every n-th row (0: train and evaluate on all rows).")
    public var testEvery: Int = 5

    @OptionGroup(title: "Run options") public var runOptions: RunOptions

    public init() {}

    var hiddenWidths: [Int]? {
        let parts = hidden.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        return parts.allSatisfy({ $0 != nil && $0! >= 1 }) ? parts.compactMap { $0 } : nil
    }

    public func validate() throws {
        if dataOptions.data != nil, dataset != nil { throw ValidationError("give either --data FILE or --dataset NAME, not both") }
        if let dataset, !["digits", "moons"].contains(dataset) {
            throw ValidationError("unknown dataset '\(dataset)' for vae; known: digits, moons")
        }
        if latent < 1 { throw ValidationError("--latent must be >= 1; got \(latent)") }
        if hiddenWidths == nil { throw ValidationError("--hidden must be comma-separated widths >= 1; got '\(hidden)'") }
        if !(sigma > 0) || !sigma.isFinite { throw ValidationError("--sigma must be positive and finite; got \(sigma)") }
        if epochs < 1 { throw ValidationError("--epochs must be >= 1; got \(epochs)") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be >= 1; got \(batchSize)") }
        if samples < 1 { throw ValidationError("--samples must be >= 1; got \(samples)") }
        if !(learningRate > 0) || !learningRate.isFinite {
            throw ValidationError("--learning-rate must be positive and finite; got \(learningRate)")
        }
        if !(beta > 0) || !beta.isFinite { throw ValidationError("--beta must be positive and finite; got \(beta)") }
        if iwaeSamples < 1 { throw ValidationError("--iwae-samples must be >= 1; got \(iwaeSamples)") }
        if testEvery == 1 || testEvery < 0 { throw ValidationError("--test-every must be 0 or >= 2; got \(testEvery)") }
        _ = try parseKLSchedule(klSchedule)
    }

    /// The rows and optional labels of the chosen data, and the data's name.
    func loadData() throws -> (x: Matrix, labels: [Int]?, source: String) {
        if let path = dataOptions.data {
            let table = try CSVReader.read(path: path)
            let yIndex = try dataOptions.yColumn.map { try table.columnIndex($0) }
            let specs = dataOptions.xColumns.map { $0.split(separator: ",").map(String.init) }
                ?? table.columnNames.indices.filter { $0 != yIndex }.map { table.columnNames[$0] }
            guard !specs.isEmpty else { throw BayesKitError.invalidArgument("\(path): no feature columns") }
            let x = try table.matrix(specs)
            let labels = yIndex.map { table.columns[$0].map { Int($0.rounded()) } }
            return (x, labels, path)
        }
        switch dataset ?? "digits" {
        case "moons":
            let m = try Datasets.twoMoons(count: 1000, noise: 0.08)
            return (m.x, m.labels, "moons")
        default:
            let d = try Digits.load()
            return (d.images, d.labels, "digits")
        }
    }

    public func run() throws {
        let (all, labels, source) = try loadData()
        let context = try RunContext(command: "vae", run: runOptions, defaultSeed: 0)
        var trainIdx = [Int](), testIdx = [Int]()
        for i in 0..<all.rows {
            if testEvery >= 2, i % testEvery == testEvery - 1 { testIdx.append(i) } else { trainIdx.append(i) }
        }
        if testIdx.isEmpty { testIdx = trainIdx }
        func take(_ idx: [Int]) throws -> Matrix {
            try Matrix(rows: idx.count, columns: all.columns,
                       values: idx.flatMap { all.values[($0 * all.columns)..<(($0 + 1) * all.columns)] })
        }
        let train = try take(trainIdx), test = try take(testIdx)
        let dec: VAEDecoder
        switch decoder ?? (source == "moons" ? .gaussianLearned : .bernoulli) {
        case .bernoulli: dec = .bernoulli
        case .gaussian: dec = .gaussian(sigma: sigma)
        case .gaussianLearned: dec = .gaussianLearned(sigma: sigma)
        }
        let model = VAE(latent: latent, hidden: hiddenWidths ?? [256], activation: Activation(rawValue: activation.rawValue) ?? .relu,
                        decoder: dec, epochs: epochs, batchSize: min(batchSize ?? 128, train.rows), samples: samples,
                        learningRate: learningRate, beta: beta, klSchedule: try parseKLSchedule(klSchedule))
        let counter = try ProgressCounter(tasks: ["vae epochs"])
        let monitor = ProgressMonitor(counter: counter, reporter: context.progress.reporter())
        let start = ContinuousClock.now
        let fit = try monitor.run { try model.fit(train, seed: context.seed, progress: counter) }
        let trainingSeconds = seconds(since: start)
        try fit.save(to: context.file("model.json"))

        let evalStart = ContinuousClock.now
        let elbo = try fit.meanBound(test, samples: 1, seed: context.seed, threads: context.threads)
        let iwae = try fit.meanBound(test, samples: iwaeSamples, seed: context.seed, threads: context.threads)
        let evalSeconds = seconds(since: evalStart)
        let testLabels = labels.map { l in testIdx.map { l[$0] } }
        let title = "VAE on \(source) (latent \(latent), hidden \(hidden), \(decoder?.rawValue ?? (source == "moons" ? "gaussian-learned" : "bernoulli")) decoder)"
        try Figure.vaeOverview(fit, data: test, labels: testLabels, seed: context.seed, title: title)
            .write(to: context.file("vae.svg"))
        var outputs = ["model": "model.json", "figure": "vae.svg"]
        let side = Int(Double(all.columns).squareRoot().rounded())
        if latent == 2, side * side == all.columns, side >= 4 {
            let g = linspace(-2, 2, 10)
            var z = [Double]()
            for z2 in g.reversed() { for z1 in g { z += [z1, z2] } }
            let grid = try fit.decode(try Matrix(rows: 100, columns: 2, values: z))
            var fig = Figure(title: title + ": decoder means on z ∈ [−2, 2]²", rows: 1, columns: 1, width: 620, height: 620)
            try fig.panel(0, 0) { p in
                p.xLabel = "z₁ from −2 to 2"
                p.yLabel = "z₂ from −2 to 2"
                try p.images((0..<100).map { grid.row($0) }, side: side, columns: 10)
            }
            try fig.write(to: context.file("latent-grid.svg"))
            outputs["latent_grid_figure"] = "latent-grid.svg"
        }

        let h = fit.history
        var result = context.result(config: [
            "data": .string(source), "latent": .number(Double(latent)), "hidden": .array((hiddenWidths ?? []).map { .number(Double($0)) }),
            "activation": .string(activation.rawValue), "decoder": .string(decoder?.rawValue ?? (source == "moons" ? "gaussian-learned" : "bernoulli")),
            "sigma": .number(sigma), "epochs": .number(Double(epochs)), "batch_size": .number(Double(model.batchSize ?? train.rows)),
            "samples": .number(Double(samples)), "learning_rate": .number(learningRate), "beta": .number(beta),
            "kl_schedule": .string(klSchedule), "iwae_samples": .number(Double(iwaeSamples)), "test_every": .number(Double(testEvery)),
            "train_rows": .number(Double(train.rows)), "test_rows": .number(Double(test.rows)),
        ])
        result.history = ["epoch": (1...max(h.epochs, 1)).prefix(h.epochs).map(Double.init), "elbo": h.elbo,
                          "reconstruction": h.reconstruction, "kl": h.kl, "kl_weight": h.klWeight, "time_s": h.seconds]
        var metrics = ["final_train_elbo": h.elbo.last ?? .nan, "test_elbo": elbo, "test_iwae": iwae, "eval_s": evalSeconds]
        if let s = fit.decoderSigma { metrics["decoder_sigma"] = s }
        result.metrics = metrics
        result.outputs = outputs
        result.timing.trainingS = trainingSeconds
        try context.finish(result)
        print(textTable(header: ["epochs", "train ELBO", "test ELBO", "test IWAE-\(iwaeSamples)", "KL", "training s"],
                        rows: [["\(h.epochs)", format(h.elbo.last ?? .nan), format(elbo), format(iwae),
                                format(h.kl.last ?? .nan), format(trainingSeconds)]]))
        note("wrote result.json, model.json and \(outputs.values.filter { $0.hasSuffix(".svg") }.sorted().joined(separator: ", ")) to \(context.outputDirectory.path)")
    }
}
