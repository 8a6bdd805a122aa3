import BayesKit
@testable import BayesKitCLI
import Foundation
import Testing

@Suite struct CompareCommandTests {
    @Test func compareWritesTheTable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bk-compare-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot([
            "compare", "--methods", "mcdropout,lastlayer,swag", "--epochs", "200", "--swag-epochs", "20",
            "--hidden", "16", "--output", dir.path, "--threads", "1",
        ])
        try command.run()
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        let metrics = try #require(result.metrics)
        for m in ["mcdropout", "lastlayer", "swag"] {
            #expect(try #require(metrics["\(m)_rmse"]) > 0)
            #expect((0...1).contains(try #require(metrics["\(m)_coverage_90"])))
        }
        let md = try String(contentsOf: dir.appendingPathComponent("comparison.md"), encoding: .utf8)
        #expect(md.contains("| MC dropout |") && md.contains("| Last-layer Bayes |"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("comparison.svg").path))
    }

    @Test func compareClassifiesTwoMoons() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bk-compare-moons-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot([
            "compare", "--data", "moons", "--methods", "ensemble,kfac,lastlayer", "--epochs", "100", "--batch-size", "32",
            "--members", "2", "--hidden", "16", "--adversarial", "0.01", "--output", dir.path, "--threads", "1",
            "--progress", "none",
        ])
        try command.run()
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        let metrics = try #require(result.metrics)
        for m in ["ensemble", "kfac"] {
            #expect(try #require(metrics["\(m)_accuracy"]) > 0.8)
            for key in ["nll", "brier", "ece", "auroc_entropy", "auroc_mi"] { #expect(metrics["\(m)_\(key)"] != nil, "\(m)_\(key)") }
        }
        #expect(metrics["lastlayer_accuracy"] == nil)  // regression only: skipped
        let md = try String(contentsOf: dir.appendingPathComponent("comparison.md"), encoding: .utf8)
        #expect(md.contains("| KFAC Laplace |") && md.contains("AUROC MI"))
        let csv = try CSVReader.read(path: dir.appendingPathComponent("comparison.csv").path)
        #expect(try csv.column("ece").count == 2)
    }

    @Test func compareRunsNUTSAsTheReference() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bk-compare-nuts-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot([
            "compare", "--methods", "nuts", "--hidden", "8", "--epochs", "50", "--chains", "2", "--warmup", "100",
            "--draws", "100", "--output", dir.path, "--threads", "1", "--progress", "none",
        ])
        try command.run()
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        let metrics = try #require(result.metrics)
        #expect(try #require(metrics["nuts_rmse"]) < 0.3)  // sin(x) with noise 0.1
        #expect((0...1).contains(try #require(metrics["nuts_coverage_90"])))
        #expect(result.config["draws"] == .number(100))
    }

    @Test func digitsShipWithTheLibrary() throws {
        let d = try Datasets.digits()
        #expect(d.x.rows == 1797 && d.x.columns == 64 && d.labels.count == 1797)
        #expect(Set(d.labels) == Set(0...9))
        #expect(d.x.values.allSatisfy { (0...16).contains($0) })
        #expect(d.labels[0] == 0 && d.labels[1] == 1 && d.x.values[2] == 5)  // scikit-learn's first image
    }

    @Test func badOptionsAreNamed() throws {
        do {
            _ = try BayesKitCommand.parseAsRoot(["compare", "--data", "digits", "--methods", "lastlayer,vi"])
            Issue.record("regression-only methods accepted for digits")
        } catch {
            #expect(BayesKitCommand.message(for: error).contains("none of 'lastlayer,vi' classifies"))
        }
        do {
            _ = try BayesKitCommand.parseAsRoot(["compare", "--adversarial=-1"])
            Issue.record("negative adversarial step accepted")
        } catch {
            #expect(BayesKitCommand.message(for: error).contains("--adversarial must be >= 0"))
        }
        #expect(throws: (any Error).self) { try BayesKitCommand.parseAsRoot(["compare", "--methods", "laplace2"]) }
        do {
            _ = try BayesKitCommand.parseAsRoot(["compare", "--dropout", "1"])
            Issue.record("dropout 1 accepted")
        } catch {
            #expect(BayesKitCommand.message(for: error).contains("--dropout must be in [0, 1)"))
        }
        do {
            _ = try BayesKitCommand.parseAsRoot(["compare", "--members", "0"])
            Issue.record("0 members accepted")
        } catch {
            #expect(BayesKitCommand.message(for: error).contains("--members must be >= 1"))
        }
    }
}

@Suite struct PredictApproxTests {
    @Test func predictLoadsAnEnsemble() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bk-pred-ens-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let sine = try Datasets.sine()
        let x = try Matrix(rows: sine.count, columns: 1, values: sine.x)
        let arch = try NetworkArchitecture(layers: [1, 8, 2], activation: .tanh)
        let ens = try DeepEnsemble(members: 2, training: Training(head: .meanVariance, epochs: 50))
            .fit(architecture: arch, x: x, y: sine.y, seed: 0, threads: 1)
        try ens.save(to: dir.appendingPathComponent("model.json"))
        try sine.table.write(csvTo: dir.appendingPathComponent("data.csv"))
        var command = try BayesKitCommand.parseAsRoot([
            "predict", "--model", dir.path, "--data", dir.appendingPathComponent("data.csv").path, "--x", "x", "--y", "y",
            "--output", dir.appendingPathComponent("out").path, "--threads", "1",
        ])
        try command.run()
        let result = try RunResult.read(from: dir.appendingPathComponent("out/result.json"))
        let expected = try ens.predict(x).scores(sine.y)
        #expect(result.metrics?["rmse"] == expected.rmse && result.metrics?["test_loglik"] == expected.logLikelihood)
    }
}

@Suite struct PredictLaplaceTests {
    @Test func predictLoadsALastLayerLaplace() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bk-pred-lla-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let sine = try Datasets.sine()
        let x = try Matrix(rows: sine.count, columns: 1, values: sine.x)
        let arch = try NetworkArchitecture(layers: [1, 8, 1], activation: .tanh)
        let fit = try Training(epochs: 100).train(architecture: arch, x: x, y: sine.y, seed: 0)
        let lap = try LastLayerLaplace.fit(architecture: arch, head: .gaussian, weights: fit.weights, x: x, y: sine.y,
                                           noiseSD: 0.1)
        try lap.save(to: dir.appendingPathComponent("model.json"))
        var command = try BayesKitCommand.parseAsRoot([
            "predict", "--model", dir.path, "--grid=-3:3:11", "--output", dir.appendingPathComponent("out").path,
        ])
        try command.run()
        let table = try CSVReader.read(path: dir.appendingPathComponent("out/predictive.csv").path)
        let expected = try lap.predict(try Matrix(rows: 11, columns: 1, values: linspace(-3, 3, 11)))
        let sd = try table.column("sd")
        for i in 0..<11 { #expect(abs(sd[i] - expected.totalSD[i]) < 1e-12 * max(1, expected.totalSD[i])) }
    }
}

@Suite struct PredictKFACTests {
    @Test func predictLoadsAKFACLaplace() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bk-pred-kfac-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let sine = try Datasets.sine()
        let x = try Matrix(rows: sine.count, columns: 1, values: sine.x)
        let arch = try NetworkArchitecture(layers: [1, 8, 1], activation: .tanh)
        let fit = try Training(epochs: 100).train(architecture: arch, x: x, y: sine.y, seed: 0)
        let lap = try KFACLaplace.fit(architecture: arch, head: .gaussian, weights: fit.weights, x: x, y: sine.y, noiseSD: 0.1)
        try lap.save(to: dir.appendingPathComponent("model.json"))
        var command = try BayesKitCommand.parseAsRoot([
            "predict", "--model", dir.path, "--grid=-3:3:11", "--output", dir.appendingPathComponent("out").path,
        ])
        try command.run()
        let table = try CSVReader.read(path: dir.appendingPathComponent("out/predictive.csv").path)
        let expected = try lap.predict(try Matrix(rows: 11, columns: 1, values: linspace(-3, 3, 11)))
        let sd = try table.column("sd")
        for i in 0..<11 { #expect(abs(sd[i] - expected.totalSD[i]) < 1e-12 * max(1, expected.totalSD[i])) }
    }
}
