import ArgumentParser
import BayesKit
import BayesKitCLI
import Foundation
import Testing

/// `bayeskit vi` end to end, and `bayeskit predict` on its saved model (part
/// of the serialized `CommandLine` suite: commands set the thread count).
extension CommandLine {
    @Test func viFitsTheSineDataWritesItsFilesAndPredictLoadsTheModel() throws {
        let dir = Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fit = dir.appendingPathComponent("fit"), out = dir.appendingPathComponent("pred")
        var vi = try BayesKitCommand.parseAsRoot(["vi", "--epochs", "400", "--output", fit.path, "--threads", "1",
                                                  "--progress", "none", "--predictive-samples", "200"])
        try vi.run()
        let result = try RunResult.read(from: fit.appendingPathComponent("result.json"))
        #expect(result.command == "vi")
        #expect(result.seed == 0)
        let history = try #require(result.history)
        #expect(history["epoch"]?.count == 400 && history["elbo"]?.count == 400)
        #expect(history["exp_loglik"]?.count == 400 && history["kl"]?.count == 400)
        #expect(history["epoch"]?.first == 1 && history["epoch"]?.last == 400)
        let rmse = try #require(result.metrics?["train_rmse"])
        #expect(rmse > 0.02 && rmse < 0.5)
        #expect(result.parameters?.count == 16 && result.parameters?.first?.name == "layer0.W[0,0]")
        #expect(result.config["epochs"] == 400 && result.config["kl_estimator"] == "closed")
        for file in ["model.json", "predictive.csv", "elbo.svg", "predictive.svg"] {
            #expect(FileManager.default.fileExists(atPath: fit.appendingPathComponent(file).path), "\(file)")
        }
        let table = try CSVReader.read(path: fit.appendingPathComponent("predictive.csv").path)
        #expect(table.columnNames == ["x", "mean", "sd", "epistemic_sd", "aleatoric_sd", "q05", "q50", "q95", "mean_weights"])
        #expect(table.rowCount == (try Datasets.sine()).truthX.count)

        // The same fit through the library, bit for bit.
        let saved = try VariationalPosterior.load(from: fit.appendingPathComponent("model.json"))
        let direct = try MeanFieldVI(epochs: 400).fit(architecture: try NetworkArchitecture(layers: [1, 5, 1]),
                                                        likelihood: .gaussian(sigma: 0.1), x: (try Datasets.sine()).x,
                                                        y: (try Datasets.sine()).y, seed: 0, threads: 2)
        #expect(saved.mean == direct.mean && saved.scaleParameters == direct.scaleParameters)
        #expect(saved.history.elbo == history["elbo"])

        var predict = try BayesKitCommand.parseAsRoot(["predict", "--model", fit.path, "--grid=-3:3:25", "--output", out.path])
        try predict.run()
        try BayesKitLibrary.setThreadCount(0)
        let pred = try CSVReader.read(path: out.appendingPathComponent("predictive.csv").path)
        #expect(pred.columnNames == ["x", "mean", "sd", "epistemic_sd", "q05", "q50", "q95"])
        #expect(pred.rowCount == 25)
        let expected = try saved.predict(linspace(-3, 3, 25), samples: 1000, stream: try RandomStream(seed: 0, stream: 1))
        #expect(try pred.column("mean") == expected.mean.values)
        let predResult = try RunResult.read(from: out.appendingPathComponent("result.json"))
        #expect(predResult.config["kind"] == "VariationalPosterior")
    }

    @Test func viOptionsMinibatchesNormalizationAndScoring() throws {
        let dir = Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fit = dir.appendingPathComponent("fit"), out = dir.appendingPathComponent("pred")
        let data = try Datasets.oscillator()
        let csv = dir.appendingPathComponent("osc.csv")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try data.table.write(csvTo: csv)
        var vi = try BayesKitCommand.parseAsRoot([
            "vi", "--data", csv.path, "--layers", "1,16,1", "--activation", "tanh", "--noise-std", "0.05", "--epochs", "60",
            "--samples", "3", "--batch-size", "16", "--kl-estimator", "mc", "--scale-param", "softplus", "--normalize-x",
            "--kl-schedule", "warmup:20", "--output", fit.path, "--threads", "2", "--progress", "none", "--seed", "4",
        ])
        try vi.run()
        let result = try RunResult.read(from: fit.appendingPathComponent("result.json"))
        #expect(result.seed == 4 && result.threads == 2)
        #expect(result.history?["kl_weight"]?[10] == 0.5)
        let saved = try VariationalPosterior.load(from: fit.appendingPathComponent("model.json"))
        #expect(saved.inputScaling != nil && saved.method.klEstimator == .monteCarlo && saved.method.batchSize == 16)
        if case .softplus(let r) = saved.scale { #expect(r == -3) } else { Issue.record("scale should be softplus") }
        var predict = try BayesKitCommand.parseAsRoot(["predict", "--model", fit.appendingPathComponent("model.json").path,
                                                       "--data", csv.path, "--x", "x", "--y", "y", "--output", out.path])
        try predict.run()
        try BayesKitLibrary.setThreadCount(0)
        let metrics = try #require(try RunResult.read(from: out.appendingPathComponent("result.json")).metrics)
        #expect((0...1).contains(try #require(metrics["coverage_90"])))
        #expect(try #require(metrics["rmse"]) > 0)
    }

    @Test func viErrorsNameTheProblem() throws {
        func message(_ args: [String]) -> String {
            do { _ = try BayesKitCommand.parseAsRoot(args); return "parsed" } catch { return BayesKitCommand.message(for: error) }
        }
        #expect(message(["vi", "--samples", "0"]) == "--samples must be >= 1; got 0")
        #expect(message(["vi", "--epochs", "0"]) == "--epochs must be >= 1; got 0")
        #expect(message(["vi", "--batch-size", "0"]) == "--batch-size must be >= 1; got 0")
        #expect(message(["vi", "--learning-rate", "-1"]) == "--learning-rate must be positive and finite; got -1.0")
        #expect(message(["vi", "--prior-std", "0"]) == "--prior-std must be positive and finite; got 0.0")
        #expect(message(["vi", "--kl-schedule", "warmup:0"])
            == "--kl-schedule must be constant, warmup:EPOCHS[:START] or cyclical:PERIOD[:RAMP]; got 'warmup:0'")
        #expect(message(["vi", "--init-bias-std=-1"]) == "--init-bias-std must be >= 0 and finite; got -1.0")
        #expect(message(["demo", "--full"]) == "parsed")
        #expect(message(["vi", "--kl-estimator", "exact"]).hasPrefix("The value 'exact' is invalid for '--kl-estimator <kl-estimator>'"))
        let dir = Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var tooBig = try BayesKitCommand.parseAsRoot(["vi", "--batch-size", "50", "--output", dir.path, "--progress", "none"])
        #expect(throws: BayesKitError.invalidArgument("batch size 50 exceeds the 20 data rows")) { try tooBig.run() }
        var diverging = try BayesKitCommand.parseAsRoot(["vi", "--learning-rate", "1000", "--epochs", "100", "--output", dir.path,
                                                         "--progress", "none", "--threads", "1"])
        do {
            try diverging.run()
            Issue.record("lr 1000 should diverge")
        } catch let e as BayesKitError {
            #expect(e.message.hasPrefix("VI diverged at epoch "))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("result.json").path))
        var wrongWidth = try BayesKitCommand.parseAsRoot(["vi", "--layers", "2,5,1", "--output", dir.path, "--progress", "none"])
        #expect(throws: BayesKitError.dimensionMismatch("the data have 1 input columns but --layers starts with 2")) {
            try wrongWidth.run()
        }
        try BayesKitLibrary.setThreadCount(0)
    }
}
