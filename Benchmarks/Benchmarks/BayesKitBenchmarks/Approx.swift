import BayesKit
import Benchmark
import Foundation

/// The UCI concrete data (Gal & Ghahramani's copy, split 0: 927 train, 103
/// test rows), inputs and target z-scored with the training statistics.
/// Folder: `$BAYESKIT_UCI` or `/work/shared/data/uci`.
struct ConcreteSplit {
    let xTrain: Matrix, yTrain: [Double], xTest: Matrix, yTest: [Double]

    static func load() throws -> ConcreteSplit {
        let root = ProcessInfo.processInfo.environment["BAYESKIT_UCI"] ?? "/work/shared/data/uci"
        let dir = URL(fileURLWithPath: root).appendingPathComponent("concrete")
        let table = try CSVReader.read(path: dir.appendingPathComponent("data.txt").path)
        func indices(_ file: String) throws -> [Int] {
            try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
                .split(whereSeparator: \.isNewline).compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }
        let train = try indices("index_train_0.txt"), test = try indices("index_test_0.txt")
        let x = try table.matrix((0..<8).map(String.init)), y = try table.column("8")
        var mean = [Double](repeating: 0, count: 8), sd = mean
        for j in 0..<8 {
            let c = train.map { x[$0, j] }
            mean[j] = c.reduce(0, +) / Double(c.count)
            sd[j] = (c.map { ($0 - mean[j]) * ($0 - mean[j]) }.reduce(0, +) / Double(c.count - 1)).squareRoot()
        }
        let ty = train.map { y[$0] }
        let my = ty.reduce(0, +) / Double(ty.count)
        let sy = (ty.map { ($0 - my) * ($0 - my) }.reduce(0, +) / Double(ty.count - 1)).squareRoot()
        func rows(_ idx: [Int]) throws -> Matrix {
            try Matrix(rows: idx.count, columns: 8, values: idx.flatMap { i in (0..<8).map { (x[i, $0] - mean[$0]) / sd[$0] } })
        }
        return ConcreteSplit(xTrain: try rows(train), yTrain: train.map { (y[$0] - my) / sy },
                             xTest: try rows(test), yTest: test.map { (y[$0] - my) / sy })
    }
}

/// Approx family (issue 10's benchmark): 8-50 ReLU networks on concrete,
/// 40 epochs of Adam (lr 0.01) in batches of 32, one thread.
/// `approx.ensemble5`: 5 members with the mean-and-variance head, then the
/// mixture predictive on the 103 test rows. `approx.mcdropout100`: one
/// network with dropout 0.1, then 100 stochastic passes on the test rows.
func approxBenchmarks() {
    let optimizer = TrainingOptimizer.adam(Adam(learningRate: 0.01))
    Benchmark("approx.ensemble5", configuration: throughputConfiguration) { benchmark, data in
        let arch = try NetworkArchitecture(layers: [8, 50, 2], activation: .relu)
        let method = DeepEnsemble(members: 5, training: Training(head: .meanVariance, epochs: 40, batchSize: 32,
                                                                 optimizer: optimizer))
        for i in benchmark.scaledIterations {
            let m = try method.fit(architecture: arch, x: data.xTrain, y: data.yTrain, seed: UInt64(i), threads: 1)
            blackHole(try m.predict(data.xTest, threads: 1))
        }
    } setup: {
        try ConcreteSplit.load()
    }
    Benchmark("approx.mcdropout100", configuration: throughputConfiguration) { benchmark, data in
        let arch = try NetworkArchitecture(layers: [8, 50, 1], activation: .relu)
        let method = MCDropout(rate: 0.1, passes: 100, training: Training(epochs: 40, batchSize: 32, optimizer: optimizer),
                               noise: .fixed(1))
        for i in benchmark.scaledIterations {
            let m = try method.fit(architecture: arch, x: data.xTrain, y: data.yTrain, seed: UInt64(i), threads: 1)
            blackHole(try m.predict(data.xTest, threads: 1))
        }
    } setup: {
        try ConcreteSplit.load()
    }
}
