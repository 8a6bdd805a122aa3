import BayesKit
@testable import BayesKitCLI
import Foundation
import Testing

@Suite struct VAECommandTests {
    @Test func vaeOnTheDigitsWritesBoundsAndFigures() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bk-vae-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot([
            "vae", "--epochs", "8", "--hidden", "64", "--iwae-samples", "20", "--output", dir.path, "--threads", "1",
            "--progress", "none",
        ])
        try command.run()
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        let metrics = try #require(result.metrics)
        let elbo = try #require(metrics["test_elbo"]), iwae = try #require(metrics["test_iwae"])
        #expect(elbo < 0 && iwae > elbo, "ELBO \(elbo), IWAE \(iwae)")
        #expect(result.history?["elbo"]?.count == 8)
        for f in ["vae.svg", "latent-grid.svg", "model.json"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), "\(f)")
        }
        let model = try FittedVAE.load(from: dir.appendingPathComponent("model.json"))
        #expect(model.model.latent == 2 && model.inputs == 64)
    }

    @Test func tablesWithAGaussianDecoderAndBadInput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bk-vae-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("points.csv")
        var text = "a,b,c,label\n"
        for i in 0..<60 { let t = Double(i) / 10; text += "\(cos(t)),\(sin(t)),\(0.1 * t),\(i % 2)\n" }
        try text.write(to: csv, atomically: true, encoding: .utf8)
        var command = try BayesKitCommand.parseAsRoot([
            "vae", "--data", csv.path, "--y", "label", "--decoder", "gaussian-learned", "--latent", "1", "--hidden", "8",
            "--activation", "tanh", "--epochs", "5", "--batch-size", "16", "--output", dir.appendingPathComponent("out").path,
            "--threads", "1", "--progress", "none",
        ])
        try command.run()
        let result = try RunResult.read(from: dir.appendingPathComponent("out/result.json"))
        #expect(try #require(result.metrics?["decoder_sigma"]) > 0)

        // Rows of mixed sizes, data outside [0, 1] for a Bernoulli decoder, and bad options.
        let ragged = dir.appendingPathComponent("ragged.csv")
        try "a,b\n0,1\n1\n".write(to: ragged, atomically: true, encoding: .utf8)
        var r = try BayesKitCommand.parseAsRoot(["vae", "--data", ragged.path, "--output", dir.appendingPathComponent("r").path])
        #expect(throws: BayesKitError.self) { try r.run() }
        var b = try BayesKitCommand.parseAsRoot(["vae", "--data", csv.path, "--decoder", "bernoulli",
                                                 "--output", dir.appendingPathComponent("b").path, "--progress", "none"])
        do {
            try b.run()
            Issue.record("a Bernoulli decoder accepted data outside [0, 1]")
        } catch let e as BayesKitError {
            #expect(e.message.contains("[0, 1]"))
        }
        for (args, message) in [(["--latent", "0"], "--latent must be >= 1"), (["--hidden", "64,x"], "--hidden must be"),
                                (["--test-every", "1"], "--test-every must be 0 or >= 2"), (["--beta=-1"], "--beta must be positive")] {
            do {
                _ = try BayesKitCommand.parseAsRoot(["vae"] + args)
                Issue.record("\(args) accepted")
            } catch {
                #expect(BayesKitCommand.message(for: error).contains(message), "\(BayesKitCommand.message(for: error))")
            }
        }
    }
}
