internal import CBayesKit

/// Process-wide facts and settings of the BayesKit core.
public enum BayesKitLibrary {
    /// BayesKit's version, the C core's `bk_version()`.
    public static var version: String { String(cString: bk_version()) }

    /// Whether the C core was built with OpenMP.
    public static var openMPEnabled: Bool { bk_openmp_enabled() != 0 }

    /// Cores visible to OpenMP.
    public static var processorCount: Int { Int(bk_get_num_procs()) }

    /// Threads the parallel loops use; results never depend on it.
    /// Set it with ``setThreadCount(_:)``.
    public static var threadCount: Int { Int(bk_get_num_threads()) }

    /// Sets the number of threads (`n >= 1`), or `0` for all cores.
    public static func setThreadCount(_ n: Int) throws {
        guard let n32 = Int32(exactly: n) else {
            throw BayesKitError.invalidArgument("thread count \(n) is out of range")
        }
        try check { bk_set_num_threads(n32, $0) }
    }
}

/// The C `nthreads` argument for a Swift `threads:` parameter (`nil` → 0, the default).
func threadArgument(_ threads: Int?) throws -> Int32 {
    guard let threads else { return 0 }
    guard threads >= 1, let n = Int32(exactly: threads) else {
        throw BayesKitError.invalidArgument("thread count must be >= 1, got \(threads)")
    }
    return n
}

/// BayesKit's version string.
public let bayesKitVersion: String = BayesKitLibrary.version
