import BayesKit
import Benchmark

/// Core family: random streams.
func coreBenchmarks() {
    // rng.normal: n standard normal draws into a new array (xoshiro256++ via GSL).
    Benchmark("rng.normal", configuration: throughputConfiguration) { benchmark, stream in
        for _ in benchmark.scaledIterations {
            blackHole(try stream.normals(1_000_000))
        }
    } setup: {
        try RandomStream(seed: 20_240_601, stream: 0)
    }
}

/// The cost of progress reporting: the same parallel kernel with and without
/// a poller thread reading its atomic counters every 10 ms and encoding JSON
/// lines. The ratio unpolled / polled should stay near 1.
func progressBenchmarks() {
    let streams = 2, count = 4_000_000
    Benchmark("progress.unpolled", configuration: throughputConfiguration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Seed(7).normals(streams: streams, count: count, threads: 2))
        }
    }
    Benchmark("progress.polled", configuration: throughputConfiguration) { benchmark in
        for _ in benchmark.scaledIterations {
            let counter = try ProgressCounter(count: streams, prefix: "stream")
            let monitor = ProgressMonitor(counter: counter, reporter: JSONLinesProgressReporter(write: { blackHole($0) }),
                                          interval: 0.01)
            blackHole(try monitor.run { try Seed(7).normals(streams: streams, count: count, threads: 2, progress: counter) })
        }
    }
}
