import Benchmark

// Every benchmark is named by its task id in Benchmarks/tasks.json, so that
// run.sh can put it next to the Python peers that time the same operation.
// Each family registers its own benchmarks from its own file.
let benchmarks: @Sendable () -> Void = {
    coreBenchmarks()
    distributionBenchmarks()
    progressBenchmarks()
    linearBenchmarks()
    mcmcBenchmarks()
    viBenchmarks()
    odeBenchmarks()
    odeMHBenchmark()
    approxBenchmarks()
    vaeBenchmarks()
    checkingBenchmarks()
}

/// Settings shared by the throughput rows: wall-clock time of one call (the
/// table reports the median) and calls per second. One call is one whole
/// operation of `n` elements, so the per-call time compares directly with
/// the peers' per-call time.
var throughputConfiguration: Benchmark.Configuration {
    .init(
        metrics: [.wallClock, .throughput],
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(3),
        maxIterations: 100
    )
}
