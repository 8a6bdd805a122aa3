import BayesKit
@testable import BayesKitCLI
import Foundation
import Testing

@Suite struct VIEarlyStoppingCLITests {
    @Test func viStopsEarlyOnHeldOutRows() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bk-vi-es-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot([
            "vi", "--layers", "1,30,30,1", "--activation", "tanh", "--epochs", "4000", "--samples", "2",
            "--validation-fraction", "0.25", "--patience", "30", "--predictive-samples", "50",
            "--output", dir.path, "--threads", "1", "--progress", "none"])
        try command.run()
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        let val = try #require(result.history?["val_loglik"])
        let epochs = try #require(result.history?["elbo"]).count
        #expect(val.count == epochs && epochs < 4000)
        guard case .number(let best)? = result.summary?["best_epoch"] else { Issue.record("no best epoch"); return }
        #expect(Int(best) + 30 == epochs)
        #expect(result.config["validation_fraction"] == 0.25)
        do {
            _ = try BayesKitCommand.parseAsRoot(["vi", "--validation-fraction", "1.5"])
            Issue.record("fraction 1.5 accepted")
        } catch {
            #expect(BayesKitCommand.message(for: error).contains("--validation-fraction must be in (0, 1); got 1.5"))
        }
    }
}
