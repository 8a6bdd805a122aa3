import ArgumentParser
import BayesKit
import BayesKitCLI
import Foundation
import Testing

/// `bayeskit predict` on a model saved by `bayeskit blr` (part of the
/// serialized `CommandLine` suite: commands set the thread count).
extension CommandLine {
    @Test func predictLoadsASavedLinearModelAndScoresData() throws {
        let dir = Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fit = dir.appendingPathComponent("fit"), out = dir.appendingPathComponent("pred")
        var blr = try BayesKitCommand.parseAsRoot(["blr", "--dataset", "sinusoid", "--basis", "rbf:9:0.1", "--alpha", "2",
                                                   "--beta", "25", "--output", fit.path, "--threads", "1"])
        try blr.run()
        let saved = try LinearPosterior.load(from: fit.appendingPathComponent("model.json"))
        let data = try Datasets.sinusoid()
        let csv = dir.appendingPathComponent("d.csv")
        try data.table.write(csvTo: csv)
        var predict = try BayesKitCommand.parseAsRoot(["predict", "--model", fit.path, "--data", csv.path, "--x", "x",
                                                       "--y", "y", "--output", out.path])
        try predict.run()
        try BayesKitLibrary.setThreadCount(0)
        let result = try RunResult.read(from: out.appendingPathComponent("result.json"))
        #expect(result.command == "predict")
        let table = try CSVReader.read(path: out.appendingPathComponent("predictive.csv").path)
        #expect(table.columnNames == ["x", "mean", "sd", "epistemic_sd", "q05", "q50", "q95"])
        let expected = try saved.predict(data.x)
        #expect(try table.column("mean") == expected.mean)
        #expect(try table.column("sd") == expected.standardDeviation)
        let metrics = try #require(result.metrics)
        let rmse = (zip(data.y, expected.mean).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(data.count)).squareRoot()
        #expect(abs(try #require(metrics["rmse"]) - rmse) < 1e-12)
        #expect((0...1).contains(try #require(metrics["coverage_90"])))
        #expect(result.outputs?["figure"] == "predictive.svg")
    }

    @Test func predictErrorsNameTheProblem() throws {
        func message(_ args: [String]) -> String {
            do { _ = try BayesKitCommand.parseAsRoot(args); return "parsed" } catch { return BayesKitCommand.message(for: error) }
        }
        #expect(message(["predict", "--model", "m"]) == "give the inputs: --data FILE or --grid LO:HI:N")
        #expect(message(["predict", "--model", "m", "--grid", "1:0:5"])
            == "--grid must be LO:HI:N with finite LO < HI and N >= 2; got '1:0:5'")
        var missing = try BayesKitCommand.parseAsRoot(["predict", "--model", "/nonexistent/fit", "--grid", "0:1:3"])
        #expect(throws: BayesKitError.io("cannot read /nonexistent/fit: No such file or directory")) { try missing.run() }
    }
}
