internal import CBayesKit
import Foundation

/// Per-task counters that C kernels bump while they run (one relaxed atomic
/// add per block of work, each task on its own cache line) and that Swift
/// polls from another thread. Safe to share across threads.
public final class ProgressCounter: @unchecked Sendable {
    let raw: OpaquePointer
    /// Task names, e.g. `chain 0`, `chain 1`.
    public let tasks: [String]

    public init(tasks: [String]) throws {
        var out: OpaquePointer?
        try check { bk_progress_alloc(tasks.count, &out, $0) }
        guard let out else { throw BayesKitError(.outOfMemory, "cannot allocate progress counters") }
        raw = out
        self.tasks = tasks
    }

    /// `count` tasks named `"\(prefix) 0"`, `"\(prefix) 1"`, ...
    public convenience init(count: Int, prefix: String) throws {
        try self.init(tasks: (0..<max(count, 0)).map { "\(prefix) \($0)" })
    }

    deinit { bk_progress_free(raw) }

    public func setTotal(_ total: Int, task: Int) { bk_progress_set_total(raw, task, UInt64(max(total, 0))) }
    public func add(_ n: Int, task: Int) { bk_progress_add(raw, task, UInt64(max(n, 0))) }
    public func done(task: Int) -> Int { Int(bk_progress_done(raw, task)) }
    public func total(task: Int) -> Int { Int(bk_progress_total(raw, task)) }

    /// Asks the running kernel to stop at its next check.
    public func cancel() { bk_progress_cancel(raw) }
    public var isCancelled: Bool { bk_progress_cancelled(raw) != 0 }

    /// A snapshot of every task.
    public func snapshot(elapsed: Double) -> [ProgressUpdate] {
        tasks.indices.map { ProgressUpdate(task: tasks[$0], done: done(task: $0), total: total(task: $0), elapsedS: elapsed) }
    }
}

/// How a command shows progress: live bars on a terminal (`tty`, silent when
/// standard error is not a terminal), one JSON object per update (`jsonl`),
/// or nothing.
public enum ProgressMode: String, CaseIterable, Sendable, Codable {
    case tty, jsonl, none
}

/// The state of one task at one moment.
public struct ProgressUpdate: Sendable, Equatable, Codable {
    public var task: String
    public var done: Int
    public var total: Int
    /// Seconds since the work started.
    public var elapsedS: Double

    enum CodingKeys: String, CodingKey { case task, done, total, elapsedS = "elapsed_s", rate, etaS = "eta_s" }

    public init(task: String, done: Int, total: Int, elapsedS: Double) {
        self.task = task
        self.done = done
        self.total = total
        self.elapsedS = elapsedS
    }

    /// Units per second so far.
    public var rate: Double { elapsedS > 0 ? Double(done) / elapsedS : 0 }

    /// Seconds left at the current rate; `nil` when unknown.
    public var etaS: Double? {
        guard total > 0, done > 0, rate > 0 else { return nil }
        return Double(max(total - done, 0)) / rate
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.decode(String.self, forKey: .task)
        done = try c.decode(Int.self, forKey: .done)
        total = try c.decode(Int.self, forKey: .total)
        elapsedS = try c.decode(Double.self, forKey: .elapsedS)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(task, forKey: .task)
        try c.encode(done, forKey: .done)
        try c.encode(total, forKey: .total)
        try c.encode((elapsedS * 1000).rounded() / 1000, forKey: .elapsedS)
        try c.encode((rate * 10).rounded() / 10, forKey: .rate)
        try c.encodeIfPresent(etaS.map { ($0 * 10).rounded() / 10 }, forKey: .etaS)
    }
}

/// Receives progress snapshots: `update` while the work runs (at most a few
/// times a second), `finish` once at the end.
public protocol ProgressReporter: Sendable {
    func update(_ snapshot: [ProgressUpdate])
    func finish(_ snapshot: [ProgressUpdate])
}

/// Reports nothing.
public struct SilentProgressReporter: ProgressReporter {
    public init() {}
    public func update(_ snapshot: [ProgressUpdate]) {}
    public func finish(_ snapshot: [ProgressUpdate]) {}
}

/// One JSON object per task per update, one per line:
/// `{"done":4096,"elapsed_s":0.51,"eta_s":1.2,"rate":8031.4,"task":"chain 0","total":10000}`.
/// The final snapshot adds `"event":"finish"`-free lines with `done == total`.
public struct JSONLinesProgressReporter: ProgressReporter {
    let write: @Sendable (String) -> Void

    /// Writes to `write`; by default to standard error.
    public init(write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.write = write
    }

    public func update(_ snapshot: [ProgressUpdate]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = ""
        for u in snapshot {
            if let data = try? encoder.encode(u) { text += String(decoding: data, as: UTF8.self) + "\n" }
        }
        write(text)
    }

    public func finish(_ snapshot: [ProgressUpdate]) { update(snapshot) }
}

/// Live bars on a terminal, one line per task, redrawn in place:
/// `chain 0  [#########...........]  45%  4500/10000  1.2k/s  ETA 0:05`.
public final class TerminalProgressReporter: ProgressReporter, @unchecked Sendable {
    let write: @Sendable (String) -> Void
    let width: Int
    private let lock = NSLock()
    private var linesDrawn = 0

    public init(barWidth: Int = 24, write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.width = barWidth
        self.write = write
    }

    public func update(_ snapshot: [ProgressUpdate]) { draw(snapshot, final: false) }
    public func finish(_ snapshot: [ProgressUpdate]) { draw(snapshot, final: true) }

    private func draw(_ snapshot: [ProgressUpdate], final: Bool) {
        lock.lock()
        defer { lock.unlock() }
        var text = linesDrawn > 0 ? "\u{1B}[\(linesDrawn)A" : ""
        let nameWidth = snapshot.map(\.task.count).max() ?? 0
        for u in snapshot { text += "\r\u{1B}[2K" + Self.line(u, nameWidth: nameWidth, barWidth: width, final: final) + "\n" }
        linesDrawn = snapshot.count
        write(text)
    }

    /// One bar line (no escape codes), also used by tests.
    public static func line(_ u: ProgressUpdate, nameWidth: Int, barWidth: Int, final: Bool = false) -> String {
        let fraction = u.total > 0 ? min(Double(u.done) / Double(u.total), 1) : 0
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled)
        let percent = String(format: "%3d%%", Int((fraction * 100).rounded(.down)))
        var text = "\(u.task.padding(toLength: nameWidth, withPad: " ", startingAt: 0))  [\(bar)] \(percent)  \(u.done)/\(u.total)"
        text += "  " + compact(u.rate) + "/s"
        if final {
            text += "  " + clock(u.elapsedS)
        } else if let eta = u.etaS {
            text += "  ETA " + clock(eta)
        }
        return text
    }

    static func compact(_ x: Double) -> String {
        switch x {
        case ..<1_000: return String(format: "%.0f", x)
        case ..<1_000_000: return String(format: "%.1fk", x / 1_000)
        default: return String(format: "%.1fM", x / 1_000_000)
        }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

extension ProgressMode {
    /// The reporter for this mode: `tty` is silent when standard error is not
    /// a terminal, so logs and pipes stay clean.
    public func reporter(stderrIsTerminal: Bool = isatty(STDERR_FILENO) != 0) -> any ProgressReporter {
        switch self {
        case .tty: return stderrIsTerminal ? TerminalProgressReporter() : SilentProgressReporter()
        case .jsonl: return JSONLinesProgressReporter()
        case .none: return SilentProgressReporter()
        }
    }
}

/// Runs work while a background thread polls a ``ProgressCounter`` every
/// `interval` seconds and hands snapshots to a reporter.
public struct ProgressMonitor: Sendable {
    public let counter: ProgressCounter
    public let reporter: any ProgressReporter
    public let interval: Double

    public init(counter: ProgressCounter, reporter: any ProgressReporter, interval: Double = 0.2) {
        self.counter = counter
        self.reporter = reporter
        self.interval = interval
    }

    /// Runs `body` on the calling thread; reports until it returns or throws,
    /// then reports the final state once.
    public func run<T>(_ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        let stop = DispatchSemaphore(value: 0)
        let stopped = DispatchSemaphore(value: 0)
        let counter = self.counter, reporter = self.reporter, interval = self.interval
        let poller = Thread {
            while stop.wait(timeout: .now() + interval) == .timedOut {
                reporter.update(counter.snapshot(elapsed: Self.seconds(since: start)))
            }
            stopped.signal()
        }
        poller.start()
        defer {
            stop.signal()
            stopped.wait()
            reporter.finish(counter.snapshot(elapsed: Self.seconds(since: start)))
        }
        return try body()
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
