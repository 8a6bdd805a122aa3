import BayesKit
import Benchmark
import Foundation

/// VI family: seed 000's mean-field VI (1-5-1 ReLU on the 20 sine points,
/// means N(0, 0.1²), log σ = −3, prior N(0, 1), noise 0.1, 5 samples,
/// closed-form KL, Adam lr 0.01, 3000 epochs: `MeanFieldVI()`'s defaults), one thread.
func viBenchmarks() {
    Benchmark("vi.seed000", configuration: throughputConfiguration) { benchmark, data in
        let arch = try NetworkArchitecture(layers: [1, 5, 1], activation: .relu)
        for i in benchmark.scaledIterations {
            blackHole(try MeanFieldVI().fit(architecture: arch, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1),
                                            x: data.x, y: data.y, seed: UInt64(i), threads: 1))
        }
    } setup: {
        try Datasets.sine()
    }
    viSeed001Benchmark()
    vi100kBenchmark()
}

/// Issue 8's large-data row: mean-field VI of a 4-50-1 ReLU network on
/// 100,000 rows (`x_ij = sin(0.001 (i+1)(j+1) + j)`, `y_i = Σ_j sin(2 x_ij) +
/// 0.1 sin(7919 (i+1))`, computed the same way by the peer), one sample per
/// step, closed-form KL, Adam 1e-3, batches of 128, 10 epochs, one thread.
func vi100kBenchmark() {
    Benchmark("vi.bbb100k", configuration: .init(metrics: [.wallClock, .throughput], timeUnits: .microseconds, warmupIterations: 1,
                                                 maxDuration: .seconds(10), maxIterations: 5)) { benchmark, data in
        let arch = try NetworkArchitecture(layers: [4, 50, 1], activation: .relu)
        let method = MeanFieldVI(samples: 1, epochs: 10, learningRate: 1e-3, batchSize: 128)
        for i in benchmark.scaledIterations {
            blackHole(try method.fit(architecture: arch, likelihood: .gaussian(sigma: 0.1), prior: .normal(std: 1),
                                     x: data.x, y: data.y, seed: UInt64(i), threads: 1))
        }
    } setup: {
        try Rows100k.make()
    }
}

/// Seed 001's Bayes by Backprop on the oscillator: 1-64-64-1 tanh, softplus
/// ρ = −3, Monte Carlo KL, 6 samples, Adam lr 5e-3, 3500 epochs, time scaled
/// to [−1, 1] over the data window, one thread (`BBBOscillatorStudy.method`).
func viSeed001Benchmark() {
    Benchmark("vi.seed001", configuration: .init(metrics: [.wallClock, .throughput], timeUnits: .microseconds, warmupIterations: 1,
                                                maxDuration: .seconds(10), maxIterations: 5)) { benchmark, data in
        let arch = try NetworkArchitecture(layers: [1, 64, 64, 1], activation: .tanh)
        for i in benchmark.scaledIterations {
            let start = ContinuousClock.now
            blackHole(try BBBOscillatorStudy.method(epochs: 3500).fit(
                architecture: arch, likelihood: .gaussian(sigma: data.noiseStd), prior: .normal(std: 1), x: data.x, y: data.y,
                inputScaling: try InputScaling(shift: [3], scale: [3]), seed: UInt64(i), threads: 1))
            seed001CallSeconds.append(seconds(since: start))
        }
        // ordo-one's JMH export drops calls over about a second: record them for compare.py.
        try writeCallSeconds(seed001CallSeconds, id: "vi.seed001")
    } setup: {
        try Datasets.oscillator()
    }
}

/// `vi.bbb100k`'s data (the peer computes the same numbers).
struct Rows100k {
    let x: Matrix, y: Matrix

    static func make() throws -> Rows100k {
        let n = 100_000
        var x = [Double](), y = [Double]()
        x.reserveCapacity(4 * n)
        for i in 0..<n {
            var s = 0.0
            for j in 0..<4 {
                let v = Foundation.sin(0.001 * Double(i + 1) * Double(j + 1) + Double(j))
                x.append(v)
                s += Foundation.sin(2 * v)
            }
            y.append(s + 0.1 * Foundation.sin(7919 * Double(i + 1)))
        }
        return Rows100k(x: try Matrix(rows: n, columns: 4, values: x), y: try Matrix(rows: n, columns: 1, values: y))
    }
}

/// Wall time of every seed 001 BBB call so far (the first is the warm-up call).
nonisolated(unsafe) var seed001CallSeconds: [Double] = []

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// Writes `{"call_seconds": [...]}` (without the warm-up call) to
/// `$BAYESKIT_BENCH_QUALITY/<id>.json`, which compare.py reads for rows whose
/// calls take over a second.
func writeCallSeconds(_ calls: [Double], id: String) throws {
    guard let folder = ProcessInfo.processInfo.environment["BAYESKIT_BENCH_QUALITY"] else { return }
    let record = ["call_seconds": calls.count > 1 ? Array(calls.dropFirst()) : calls]
    try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys])
        .write(to: URL(fileURLWithPath: folder).appendingPathComponent("\(id).json"))
}
