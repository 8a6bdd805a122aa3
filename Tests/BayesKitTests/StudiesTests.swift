import BayesKit
import Foundation
import Testing

/// The seed studies: their numbers against the notebooks and closed forms,
/// reproducibility, and well-formed figures (written to
/// `.build/figures/studies/` for `make figures-check`).
@Suite struct StudiesTests {
    static func close(_ a: Double, _ b: Double, abs tol: Double) -> Bool { Swift.abs(a - b) <= tol }

    /// Writes every figure of `study`, checks each parses as XML and has no NaN.
    func checkFigures(_ study: StudyResult) throws {
        let folder = try PlotTestSupport.figuresFolder().appendingPathComponent("studies", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let files = try study.writeFigures(to: folder)
        #expect(!files.isEmpty)
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let doc = ParsedSVG(text)
            #expect(doc.isWellFormed, "\(file): \(doc.parseError ?? "")")
            #expect(!text.lowercased().contains("nan"), "\(file) contains NaN")
            #expect(doc.count("text") > 5)
        }
        #expect(!study.description.isEmpty && !study.headline.isEmpty && !study.table.rows.isEmpty)
        for row in study.table.rows { #expect(row.count == study.table.header.count) }
    }

    func numbers(_ v: JSONValue?) -> [Double] {
        guard case let .array(a)? = v else { return [] }
        return a.compactMap(\.number)
    }

    /// Seed 000 §7.2 prints m_N = [-0.07553835, 0.33272507] and sd [0.0225762, 0.01242588].
    @Test func blrSineMatchesTheNotebook() throws {
        let s = try Studies.run("blr-sine", threads: 1)
        #expect(s.name == "blr-sine" && s.figures.map(\.file) == ["blr-sine.svg"])
        let mean = numbers(s.summary["posterior_mean"]), sd = numbers(s.summary["posterior_sd"])
        #expect(Self.close(mean[0], -0.07553835, abs: 5e-9) && Self.close(mean[1], 0.33272507, abs: 5e-9), "\(mean)")
        #expect(Self.close(sd[0], 0.0225762, abs: 5e-8) && Self.close(sd[1], 0.01242588, abs: 5e-9), "\(sd)")
        #expect(s.headline.contains("[-0.0755, 0.3327]"))
        #expect(s.table.rows[0] == ["w0", "-0.07554", "0.02258"])
        try checkFigures(s)
        // 50 sample paths: one <path> each inside the samples mark.
        let doc = ParsedSVG(try s.figures[0].figure.svgString())
        #expect(doc.isWellFormed)
    }

    @Test func sameSeedSameFiguresOtherSeedOtherSamples() throws {
        for name in ["blr-sine", "blr-line", "coin", "bootstrap"] {
            let a = try Studies.run(name, seed: 7, threads: 1), b = try Studies.run(name, seed: 7, threads: 2)
            let c = try Studies.run(name, seed: 8, threads: 1)
            #expect(try a.figures[0].figure.svgString() == b.figures[0].figure.svgString(), "\(name)")
            #expect(try a.figures[0].figure.svgString() != c.figures[0].figure.svgString(), "\(name)")
        }
        // The evidence sweep has no random part.
        #expect(try Studies.run("blr-evidence", seed: 1).figures[1].figure.svgString()
            == Studies.run("blr-evidence", seed: 2).figures[1].figure.svgString())
    }

    /// Seed 001 (a): the posterior contracts and centres on the truth.
    @Test func blrLineContractsAroundTheTruth() throws {
        let s = try Studies.run("blr-line", threads: 1)
        guard case let .array(fits)? = s.summary["fits"] else { Issue.record("no fits"); return }
        #expect(fits.count == 3)
        let sds = fits.map { numbers($0["posterior_sd"]) }
        #expect(fits.map { $0["n"]?.number } == [3, 8, 20])
        #expect(sds[0][0] > sds[1][0] && sds[1][0] > sds[2][0] && sds[0][1] > sds[2][1])
        // Cross-check N = 8 against a direct fit of the first 8 points.
        let d = try Datasets.line()
        let direct = try BayesianLinearRegression(basis: .affine, alpha: 2, beta: 25)
            .fit(Array(d.x.prefix(8)), Array(d.y.prefix(8)))
        #expect(numbers(fits[1]["posterior_mean"]) == direct.mean)
        let m20 = numbers(fits[2]["posterior_mean"]), sd20 = sds[2]
        #expect(Swift.abs(m20[0] + 0.3) < 3 * sd20[0] && Swift.abs(m20[1] - 0.5) < 3 * sd20[1])
        // One heat map per row, the truth marked in each.
        let doc = ParsedSVG(try s.figures[0].figure.svgString())
        #expect(doc.texts("title").filter { $0.hasPrefix("Posterior density") }.count == 3
            || doc.all("text").filter { $0.text.hasPrefix("Posterior density") }.count == 3)
        try checkFigures(s)
    }

    /// Seed 001 (b): more data, narrower predictive, closer to the truth.
    @Test func blrBasisNarrowsWithData() throws {
        let s = try Studies.run("blr-basis", threads: 1)
        guard case let .array(fits)? = s.summary["fits"] else { Issue.record("no fits"); return }
        let meanSD = fits.compactMap { $0["mean_predictive_sd"]?.number }
        let rmse = fits.compactMap { $0["rmse_to_truth"]?.number }
        #expect(meanSD.count == 3 && meanSD[0] > meanSD[1] && meanSD[1] > meanSD[2])
        #expect(rmse[2] < rmse[0] && rmse[2] < 0.25)
        #expect(numbers(fits[0]["posterior_mean"]).count == 10)
        #expect(numbers(s.summary["centres"]) == linspace(0, 1, 9))
        try checkFigures(s)
    }

    /// Seed 001 (c): the values of LinearEvidenceTests and the best degree 4.
    @Test func blrEvidencePeaksAtDegreeFour() throws {
        let s = try Studies.run("blr-evidence", threads: 1)
        let expected = [-28.492791670868716, -20.45608370478818, -22.46180545050096, -17.635096141336664,
                        -17.438116631158874, -18.06096216606054, -18.681996580895756, -19.146334225396735,
                        -19.501663770919258, -19.804916879542844]
        let got = numbers(s.summary["log_evidence"])
        #expect(got.count == 10)
        for (g, e) in zip(got, expected) { #expect(Swift.abs(g - e) <= 1e-8 * Swift.abs(e)) }
        #expect(s.summary["best_degree"] == 4)
        #expect(s.table.rows[4][0] == "4 *")
        #expect(s.figures.map(\.file) == ["blr-evidence-fits.svg", "blr-evidence.svg"])
        let fits = ParsedSVG(try s.figures[0].figure.svgString())
        #expect(fits.all("text").filter { $0.text.hasPrefix("degree ") }.count == 10)
        try checkFigures(s)
    }

    /// Seed 003: the Beta–Bernoulli closed forms from the study's own counts.
    @Test func coinClosedForms() throws {
        let s = try Studies.run("coin")
        let flips = try ConjugateStudies.coinOutcomes(seed: 0)
        #expect(flips.count == 100)
        let few = Array(flips.prefix(ConjugateStudies.fewFlips))
        let h = Double(few.filter { $0 }.count), n = Double(few.count)
        guard let u = s.summary["uniform_prior"]?["few"], let i = s.summary["informative_prior"]?["few"] else {
            Issue.record("missing records"); return
        }
        #expect(u["heads"]?.number == h)
        #expect(u["mle"]?.number == h / n)
        // Uniform prior: MAP = MLE (seed 003), posterior mean = Laplace's rule (h + 1)/(n + 2).
        if h > 0 && h < n { #expect(Self.close(u["map"]!.number!, h / n, abs: 1e-15)) }
        #expect(Self.close(u["posterior_mean"]!.number!, (h + 1) / (n + 2), abs: 1e-15))
        // Beta(10, 10): MAP (h + 9)/(n + 18), mean (h + 10)/(n + 20).
        #expect(Self.close(i["map"]!.number!, (h + 9) / (n + 18), abs: 1e-15))
        #expect(Self.close(i["posterior_mean"]!.number!, (h + 10) / (n + 20), abs: 1e-15))
        let hAll = Double(flips.filter { $0 }.count)
        #expect(s.summary["heads"]?.number == hAll)
        // 100 flips of a 0.7 coin: within 4 binomial sd.
        #expect(Swift.abs(hAll - 70) < 4 * (100 * 0.7 * 0.3).squareRoot())
        try checkFigures(s)
    }

    /// Seed 004: the bootstrap's full-data estimate is least squares, and its
    /// spread matches the vague-prior posterior within Monte Carlo error.
    @Test func bootstrapAgreesWithThePosterior() throws {
        let s = try Studies.run("bootstrap", threads: 1)
        guard case let .array(rows)? = s.summary["coefficients"] else { Issue.record("no rows"); return }
        #expect(rows.count == 2 && s.summary["resamples"] == 100)
        let d = try Datasets.line()
        let ls = try BayesianLinearRegression(basis: .affine, alpha: 0, beta: 25).fit(d.x, d.y)
        for (j, r) in rows.enumerated() {
            #expect(Self.close(r["bootstrap_estimate"]!.number!, ls.mean[j], abs: 1e-12))
            let se = r["bootstrap_se"]!.number!, sd = r["posterior_sd"]!.number!
            // sd of a sd estimate from 100 draws is about 7%; the model's noise sd is known
            // while the bootstrap sees the sample's, so allow 50%.
            #expect(se > sd * 0.5 && se < sd * 1.5, "coefficient \(j): bootstrap se \(se), posterior sd \(sd)")
            let interval = numbers(r["posterior_interval"])
            #expect(interval[0] < r["posterior_mean"]!.number! && r["posterior_mean"]!.number! < interval[1])
        }
        try checkFigures(s)
    }

    /// The Swift lines of README.md's "Bayesian linear regression" section.
    @Test func readmeLinearSectionRuns() throws {
        let data = try Datasets.sine()
        let post = try BayesianLinearRegression(basis: .affine, alpha: 1, beta: 100).fit(data.x, data.y)
        #expect(String(format: "[%.4f, %.4f]", post.mean[0], post.mean[1]) == "[-0.0755, 0.3327]")
        let pred = try post.predict(data.truthX)
        #expect(pred.mean.count == 200)
        let ev = try ModelSelection.polynomialDegrees(Array(0...9), alpha: 0.005, beta: 1 / 0.09,
                                                      x: try Datasets.sinusoidEvidence().x,
                                                      y: try Datasets.sinusoidEvidence().y)
        #expect(ev.best.name == "degree 4")
        let study = try Studies.run("blr-line", seed: 0)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bk-study-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try study.writeFigures(to: out)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("blr-line.svg").path))
    }

    @Test func everyStudyHasARecordAndUnknownNamesFail() throws {
        #expect(Array(Studies.names.prefix(6)) == ["blr-sine", "blr-line", "blr-basis", "blr-evidence", "coin", "bootstrap"])
        let s = try Studies.run("coin")
        #expect(s.record["seed_document"] == "seed 003, coin tossing")
        #expect(s.record["figures"] == ["coin.svg"])
        #expect(throws: BayesKitError.invalidArgument(
            "unknown study 'nope'; known studies: \(Studies.names.joined(separator: ", "))")) {
            try Studies.run("nope")
        }
    }
}

@Suite struct ReportTests {
    func section(_ id: String, _ text: String = "a < b & c") throws -> Report.Section {
        var figure = Figure(title: "t", rows: 1, columns: 1)
        try figure.panel(0, 0) { try $0.line(x: [0, 1], y: [0, 1], label: "line") }
        return Report.Section(id: id, title: text, reproduces: "seed 000", description: text,
                              figures: [StudyFigure(file: "f.svg", figure: figure), StudyFigure(file: "g.svg", figure: figure)],
                              table: StudyTable(header: ["x"], rows: [[text]]), headline: text)
    }

    @Test func escapesTextAndKeepsFigureIDsApart() throws {
        let html = try Report(title: "R & D", facts: [("seed", "0")], introduction: "<intro>",
                              sections: [try section("one"), try section("two")]).html()
        #expect(!html.contains("a < b") && html.contains("a &lt; b &amp; c") && html.contains("R &amp; D"))
        #expect(!html.contains("<?xml"))
        // the same figure twice per section and in two sections: four distinct clip-path ids
        let ids = html.components(separatedBy: "<clipPath id=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(ids.count == 4 && Set(ids).count == 4)
        for id in ids { #expect(html.contains("url(#\(id))")) }
    }

    @Test func rejectsBadOrRepeatedSectionIDs() throws {
        #expect(throws: BayesKitError.self) { try Report(title: "r", facts: [], introduction: "", sections: [try section("a b")]).html() }
        #expect(throws: BayesKitError.self) {
            try Report(title: "r", facts: [], introduction: "", sections: [try section("a"), try section("a")]).html()
        }
    }
}
