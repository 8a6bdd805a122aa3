import Foundation

extension ApproxStudies {
    /// Held-out oscillator data: `count` times t ~ U(lo, hi) with the
    /// closed-form displacement plus N(0, 0.05²), from stream `(seed, stream)`
    /// (t, then the noise, point by point).
    static func oscillatorTest(seed: UInt64, stream: UInt64, lo: Double, hi: Double, count: Int = 200) throws
        -> (t: [Double], y: [Double]) {
        let rng = try RandomStream(seed: seed, stream: stream)
        var t = [Double](), y = [Double]()
        for _ in 0..<count {
            let v = lo + (hi - lo) * rng.uniform()
            t.append(v)
            y.append(Datasets.dampedOscillator(t: v, zeta: 0.08, omega: 1.1) + 0.05 * rng.normal())
        }
        return (t, y)
    }

    /// `approx-oscillator`: the comparison on seed 001's damped oscillator
    /// (60 noisy points on [0, 6]), scored separately on 200 fresh points
    /// inside the data's range (interpolation, t ∈ [0, 6]) and 200 beyond it
    /// (extrapolation, t ∈ (6, 8]): RMSE and 90% coverage per method.
    public static func oscillator(seed: UInt64 = 0, threads: Int? = nil, epochs: Int = 1000) throws -> StudyResult {
        let data = try Datasets.oscillator()
        let x = try Matrix(rows: data.x.count, columns: 1, values: data.x)
        let inside = try oscillatorTest(seed: seed, stream: 8, lo: 0, hi: 6)
        let beyond = try oscillatorTest(seed: seed, stream: 10, lo: 6, hi: 8)
        let n = inside.t.count
        let xTest = try Matrix(rows: 2 * n, columns: 1, values: inside.t + beyond.t)
        let yTest = inside.y + beyond.y
        let settings = UncertaintyComparison(epochs: epochs, swagEpochs: 200)
        let rows = try settings.run(ApproxMethod.approximations, xTrain: x, yTrain: data.y, xTest: xTest, yTest: yTest,
                                    seed: seed, threads: threads)
        var fig = try UncertaintyComparison.figure(
            rows, xTest: xTest, yTest: yTest, xTrain: x, yTrain: data.y,
            title: "Seed 002's methods on seed 001's oscillator: 60 points on [0, 6], tested on [0, 6] and (6, 8]")
        let columns = min(3, rows.count + 1)
        for i in rows.indices {
            try fig.panel((i + 1) / columns, (i + 1) % columns) { p in try p.verticalLine(x: 6, label: "end of data") }
        }
        var tableRows = [[String]](), records = [JSONValue]()
        var summary: [String: JSONValue] = ["epochs": .number(Double(epochs)), "seed": .number(Double(seed)),
                                            "test_points_per_region": .number(Double(n))]
        for r in rows {
            let sd = r.prediction.totalSD
            func region(_ range: Range<Int>, _ y: [Double]) throws -> (rmse: Double, coverage: Double) {
                let mean = Array(r.prediction.mean[range]), s = Array(sd[range])
                return (try Evaluation.rmse(y: y, mean: mean), try Evaluation.coverage(y: y, mean: mean, sd: s, level: 0.9))
            }
            let a = try region(0..<n, inside.y), b = try region(n..<(2 * n), beyond.y)
            tableRows.append([r.method.title, cell(a.rmse), cell(a.coverage), cell(b.rmse), cell(b.coverage), cell(r.trainSeconds)])
            records.append(.object(["method": .string(r.method.rawValue), "train_s": .number(r.trainSeconds),
                                    "interpolation_rmse": .number(a.rmse), "interpolation_coverage_90": .number(a.coverage),
                                    "extrapolation_rmse": .number(b.rmse), "extrapolation_coverage_90": .number(b.coverage)]))
        }
        summary["methods"] = .array(records)
        let bestBeyond = zip(rows, tableRows).min { abs((Double($0.1[4]) ?? 0) - 0.9) < abs((Double($1.1[4]) ?? 0) - 0.9) }
        return StudyResult(
            name: "approx-oscillator", title: "Cheap approximations on the oscillator: interpolation and extrapolation",
            seedDocument: "seed 002",
            description: """
                The comparison of approx-compare on seed 001's damped oscillator (zeta 0.08, omega 1.1): 1-50-1 ReLU \
                networks trained for \(epochs) epochs on the 60 noisy points on [0, 6], then scored on 200 fresh noisy \
                points inside the data's range and 200 beyond it, t in (6, 8], where no method has seen data. RMSE \
                and the coverage of central 90% intervals of each predictive, per region: a method whose \
                uncertainty is honest keeps its coverage near 0.9 when it extrapolates, even though its RMSE grows.
                """,
            figures: [StudyFigure(file: "approx-oscillator.svg", figure: fig)],
            summary: summary,
            table: StudyTable(header: ["method", "RMSE [0,6]", "90% cov [0,6]", "RMSE (6,8]", "90% cov (6,8]", "train s"],
                              rows: tableRows),
            headline: "extrapolation coverage closest to 0.9: \(bestBeyond?.0.method.title ?? "-") (\(bestBeyond?.1[4] ?? "-"))")
    }
}
