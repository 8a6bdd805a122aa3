import ArgumentParser
import BayesKit
import BayesKitCLI
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `bayeskit blr` and the studies in `bayeskit demo`, end to end. An
/// extension of the serialized `CommandLine` suite: commands set the
/// process-wide thread count.
extension CommandLine {
    static func tempFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("bk-blr-\(UUID().uuidString)")
    }

    @Test func blrReproducesSeed000AndWritesItsFiles() throws {
        let dir = Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot(["blr", "--output", dir.path, "--threads", "1",
                                                       "--evidence-degrees", "0-3,5", "--bootstrap", "40"])
        try command.run()
        try BayesKitLibrary.setThreadCount(0)
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        #expect(result.command == "blr" && result.seed == 0 && result.threads == 1)
        let p = try #require(result.parameters)
        #expect(p.map(\.name) == ["w[1]", "w[x]"])
        #expect(abs(p[0].mean - -0.07553835) < 5e-9 && abs(p[1].mean - 0.33272507) < 5e-9)
        #expect(abs(p[0].sd - 0.0225762) < 5e-8 && abs(p[1].sd - 0.01242588) < 5e-9)
        // q05/q95 of the Normal marginal: mean ∓ 1.6448536 sd.
        #expect(abs(p[1].q95 - (p[1].mean + 1.6448536269514722 * p[1].sd)) < 1e-9)
        #expect(p[1].q50 == p[1].mean && p[0].q05 < p[0].mean)
        let metrics = try #require(result.metrics)
        #expect(metrics["log_evidence"].map { $0 < 0 } == true)
        #expect(result.timing.wallS > 0 && result.timing.solveS != nil)
        #expect(result.config["basis"] == "linear" && result.config["alpha"] == 1 && result.config["beta"] == 100)
        #expect(result.config["evidence_degrees"] == [0, 1, 2, 3, 5])
        guard case let .array(evidence)? = result.summary?["evidence"] else { Issue.record("no evidence table"); return }
        #expect(evidence.count == 5)
        #expect(evidence[1]["log_evidence"]?.number == metrics["log_evidence"])
        #expect(result.summary?["bootstrap"]?["resamples"] == 40)
        for file in ["fit.svg", "predictive.csv", "evidence.svg", "evidence-fits.svg", "evidence.csv", "bootstrap.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "\(file)")
        }
        #expect(result.outputs?["fit_figure"] == "fit.svg" && result.outputs?["bootstrap_figure"] == "bootstrap.svg")
        let pred = try CSVReader.read(path: dir.appendingPathComponent("predictive.csv").path)
        #expect(pred.columnNames == ["x", "mean", "sd", "epistemic_sd"] && pred.rowCount == 200)
        let sd = try pred.column("sd"), epi = try pred.column("epistemic_sd")
        // total variance = epistemic + 1/beta
        #expect(zip(sd, epi).allSatisfy { abs($0 * $0 - ($1 * $1 + 0.01)) < 1e-12 })
        let table = try CSVReader.read(path: dir.appendingPathComponent("evidence.csv").path)
        #expect(try table.column("degree") == [0, 1, 2, 3, 5])
    }

    @Test func blrOnAUserTableWithEmpiricalBayes() throws {
        let dir = Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let d = try Datasets.sinusoid()
        let csv = dir.appendingPathComponent("data.csv")
        try ("t,input\n" + zip(d.x, d.y).map { "\($1),\($0)" }.joined(separator: "\n") + "\n")
            .write(to: csv, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        var command = try BayesKitCommand.parseAsRoot([
            "blr", "--data", csv.path, "--x", "input", "--y", "t", "--basis", "rbf:9:0.1", "--alpha", "1", "--beta", "1",
            "--optimize-hyperparameters", "--output", out.path, "--threads", "1",
        ])
        try command.run()
        try BayesKitLibrary.setThreadCount(0)
        let result = try RunResult.read(from: out.appendingPathComponent("result.json"))
        let p = try #require(result.parameters)
        #expect(p.count == 10 && p[0].name == "w[1]" && p[1].name.hasPrefix("w[rbf("))
        // Same as the library's evidence maximisation on the same data and basis.
        let eb = try BayesianLinearRegression(basis: .gaussianGrid(count: 9, width: 0.1), alpha: 1, beta: 1)
            .maximizingEvidence(d.x, d.y)
        #expect(result.summary?["empirical_bayes"]?["alpha"]?.number == eb.alpha)
        #expect(result.summary?["beta"]?.number == eb.beta)
        #expect(zip(p, eb.posterior.mean).allSatisfy { $0.mean == $1 })
        #expect(result.config["data"] == .string(csv.path))
    }

    @Test func blrValidationErrorsNameTheBadValue() {
        func message(_ args: [String]) -> String {
            do {
                _ = try BayesKitCommand.parseAsRoot(["blr"] + args)
                return "parsed"
            } catch {
                return BayesKitCommand.message(for: error)
            }
        }
        #expect(message(["--basis", "rbf:0"]) == "--basis rbf:K needs K >= 1 basis functions; got 'rbf:0'")
        #expect(message(["--basis", "rbf:x"]) == "--basis rbf:K[:WIDTH] needs an integer number of functions K; got 'rbf:x'")
        #expect(message(["--basis", "rbf:5:-1"]) == "--basis rbf:K:WIDTH needs a finite width > 0; got 'rbf:5:-1'")
        #expect(message(["--basis", "poly:-2"]) == "--basis poly:DEG needs an integer degree >= 0; got 'poly:-2'")
        #expect(message(["--basis", "cubic"]) == "--basis must be linear, poly:DEG or rbf:K[:WIDTH]; got 'cubic'")
        #expect(message(["--alpha", "-1"]) == "--alpha must be positive and finite; got -1.0")
        #expect(message(["--alpha=inf"]) == "--alpha must be positive and finite; got inf")
        #expect(message(["--beta", "0"]) == "--beta must be positive and finite; got 0.0")
        #expect(message(["--dataset", "cosine"])
            == "unknown dataset 'cosine'; known datasets: sine, oscillator, line, sinusoid, sinusoid-evidence")
        #expect(message(["--dataset", "line", "--data", "x.csv"]) == "give either --data FILE or --dataset NAME, not both")
        #expect(message(["--evidence-degrees", "9-0"])
            == "--evidence-degrees must be a range such as 0-9 or a comma-separated list such as 1,3,5; got '9-0'")
        #expect(message(["--evidence-degrees", "0-40"]) == "--evidence-degrees must be at most 30; got 40 in '0-40'")
        #expect(message(["--bootstrap", "1"]) == "--bootstrap must be >= 2 resamples, or 0 for none; got 1")
        #expect(message(["--samples=-3"]) == "--samples must be >= 0; got -3")
        #expect(message(["--basis", "poly:3", "--evidence-degrees", "0,2,4", "--bootstrap", "10"]) == "parsed")
    }

    @Test func blrRunErrorsLeaveNoResult() throws {
        let dir = Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let csv = dir.appendingPathComponent("two.csv")
        try "a,b,y\n1,2,3\n4,5,6\n7,8,10\n".write(to: csv, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        var command = try BayesKitCommand.parseAsRoot(["blr", "--data", csv.path, "--evidence-degrees", "0-2",
                                                       "--output", out.path])
        #expect(throws: BayesKitError.invalidArgument(
            "--evidence-degrees compares polynomials of one input, but the data have 2 input columns")) {
            try command.run()
        }
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("result.json").path))
        // Two inputs with the linear basis work: predicted-vs-observed figure, predictions at the rows.
        var ok = try BayesKitCommand.parseAsRoot(["blr", "--data", csv.path, "--output", out.path, "--threads", "1"])
        try ok.run()
        try BayesKitLibrary.setThreadCount(0)
        let result = try RunResult.read(from: out.appendingPathComponent("result.json"))
        #expect(result.parameters?.map(\.name) == ["w[1]", "w[a]", "w[b]"])
        let pred = try CSVReader.read(path: out.appendingPathComponent("predictive.csv").path)
        #expect(pred.columnNames == ["a", "b", "y", "mean", "sd", "epistemic_sd"] && pred.rowCount == 3)
    }

    @Test func demoRunsEveryStudy() throws {
        let dir = Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try BayesKitCommand.parseAsRoot(["demo", "--output", dir.path, "--threads", "1"])
        try command.run()
        try BayesKitLibrary.setThreadCount(0)
        let result = try RunResult.read(from: dir.appendingPathComponent("result.json"))
        #expect(result.summary?["datasets"] != nil)
        for name in Studies.names {
            let record = try #require(result.summary?[name], "\(name)")
            guard case let .array(files)? = record["figures"] else { Issue.record("\(name): no figures"); continue }
            for file in files.compactMap(\.string) {
                #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "\(file)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("datasets.svg").path))
        let mean = result.summary?["blr-sine"]?["posterior_mean"]
        guard case let .array(m)? = mean else { Issue.record("no blr-sine mean"); return }
        #expect(abs(m[0].number! - -0.07553835) < 5e-9)
        #expect(result.summary?["blr-evidence"]?["best_degree"] == 4)
        #expect(result.outputs?["blr-evidence-fits"] == "blr-evidence-fits.svg")

        // The report: one well-formed page, a section per study with its figures inline, ids unique.
        #expect(result.outputs?["report"] == "report/index.html")
        let page = try String(contentsOf: dir.appendingPathComponent("report/index.html"), encoding: .utf8)
        let parsed = ReportPage(page)
        #expect(parsed.error == nil, "\(parsed.error ?? "")")
        #expect(parsed.sectionIDs == ["datasets"] + Studies.names)
        #expect(Set(parsed.ids).count == parsed.ids.count, "duplicate ids in the report")
        let svgCount = parsed.svgCount
        let figureCount = try Studies.names.reduce(1) { n, name in
            guard case let .array(files)? = result.summary?[name]?["figures"] else { return n }
            return n + files.count
        }
        #expect(svgCount == figureCount)
    }
}

/// The demo report parsed as XML: its section ids, every id and the inline SVGs.
final class ReportPage: NSObject, XMLParserDelegate {
    private(set) var sectionIDs: [String] = []
    private(set) var ids: [String] = []
    private(set) var svgCount = 0
    private(set) var error: String?

    init(_ text: String) {
        super.init()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = self
        if !parser.parse() { error = parser.parserError.map { "\($0)" } ?? "unknown XML error" }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if let id = attributes["id"] {
            ids.append(id)
            if name == "section" { sectionIDs.append(id) }
        }
        if name == "svg" { svgCount += 1 }
    }
}
