import BayesKit
@testable import BayesKitCLI
import Foundation
import Testing

extension CommandLine {
    @Test func checkLOOAndPPCOnSavedFits() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bk-check-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        func run(_ args: [String]) throws {
            var c = try BayesKitCommand.parseAsRoot(args + ["--threads", "1", "--progress", "none"])
            try c.run()
        }
        let nuts = root.appendingPathComponent("nuts").path, mh = root.appendingPathComponent("mh").path
        try run(["mcmc", "--sampler", "nuts", "--chains", "2", "--warmup", "200", "--draws", "200", "--output", nuts])
        try run(["mcmc", "--chains", "2", "--draws", "2000", "--output", mh])
        try BayesKitLibrary.setThreadCount(0)
        let loo = root.appendingPathComponent("loo")
        try run(["check", "loo", nuts, mh, "--output", loo.path])
        let r = try RunResult.read(from: loo.appendingPathComponent("result.json"))
        #expect(r.command == "check")
        let m = try #require(r.metrics)
        #expect(try #require(m["nuts_elpd_loo"]).isFinite && (try #require(m["mh_elpd_loo"])).isFinite)
        #expect(min(m["nuts_elpd_diff"] ?? -1, m["mh_elpd_diff"] ?? -1) == 0)
        #expect(FileManager.default.fileExists(atPath: loo.appendingPathComponent("loo.svg").path))
        let ppc = root.appendingPathComponent("ppc")
        try run(["check", "ppc", nuts, "--output", ppc.path, "--max-draws", "200"])
        let p = try RunResult.read(from: ppc.appendingPathComponent("result.json"))
        for s in ["mean", "sd", "min", "max", "q10", "q90"] {
            let v = try #require(p.metrics?["p_\(s)"])
            #expect(v >= 0 && v <= 1)
        }
        #expect(p.summary?["draws"] == 200)
        try BayesKitLibrary.setThreadCount(0)

        func message(_ args: [String]) -> String {
            do {
                try run(args)
                return "no error"
            } catch { return BayesKitCommand.message(for: error) }
        }
        #expect(message(["check", "ppc", root.appendingPathComponent("none").path, "--output", ppc.path])
            .contains("no result.json (give the output folder of bayeskit mcmc)"))
        #expect(message(["check", "loo", "--output", ppc.path]).contains("give at least one bayeskit mcmc output folder"))
        #expect(message(["check", "ppc", loo.path, "--output", ppc.path]).contains("not 'bayeskit mcmc'"))
        #expect(message(["check", "ppc", nuts, "--max-draws", "2"]).contains("--max-draws must be >= 4"))
        try BayesKitLibrary.setThreadCount(0)
    }
}
