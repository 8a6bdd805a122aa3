import BayesKit
import Foundation
import Testing

/// Collects what a reporter writes.
final class Sink: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String] = []
    func write(_ s: String) { lock.lock(); parts.append(s); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return parts.joined() }
}

@Suite struct ProgressReporting {
    @Test func countersAddUpAcrossThreads() throws {
        let c = try ProgressCounter(count: 3, prefix: "chain")
        DispatchQueue.concurrentPerform(iterations: 300) { i in c.add(2, task: i % 3) }
        #expect((0..<3).map { c.done(task: $0) } == [200, 200, 200])
        #expect(c.tasks == ["chain 0", "chain 1", "chain 2"])
        #expect(!c.isCancelled)
        c.cancel()
        #expect(c.isCancelled)
        #expect(throws: BayesKitError.invalidArgument("progress needs at least one task")) { try ProgressCounter(tasks: []) }
    }

    @Test func parallelKernelReportsEveryDrawAndTheSameNumbers() throws {
        let c = try ProgressCounter(count: 5, prefix: "stream")
        let withProgress = try Seed(3).normals(streams: 5, count: 10_000, threads: 2, progress: c)
        #expect((0..<5).map { c.done(task: $0) } == [Int](repeating: 10_000, count: 5))
        #expect((0..<5).map { c.total(task: $0) } == [Int](repeating: 10_000, count: 5))
        #expect(withProgress == (try Seed(3).normals(streams: 5, count: 10_000, threads: 1)))
        let wrong = try ProgressCounter(count: 2, prefix: "x")
        #expect(throws: BayesKitError.dimensionMismatch("progress has 2 tasks for 5 streams")) {
            try Seed(3).normals(streams: 5, count: 10, progress: wrong)
        }
    }

    @Test func jsonLinesAreOneObjectPerTaskPerUpdate() throws {
        let sink = Sink()
        let c = try ProgressCounter(count: 2, prefix: "chain")
        c.setTotal(100, task: 0)
        c.setTotal(100, task: 1)
        let monitor = ProgressMonitor(counter: c, reporter: JSONLinesProgressReporter(write: sink.write), interval: 0.01)
        monitor.run {
            for i in 0..<100 {
                c.add(1, task: 0)
                c.add(1, task: 1)
                if i % 20 == 0 { Thread.sleep(forTimeInterval: 0.01) }
            }
        }
        let lines = sink.text.split(separator: "\n")
        #expect(lines.count >= 2 && lines.count % 2 == 0)
        let decoded = try lines.map { try JSONDecoder().decode(ProgressUpdate.self, from: Data($0.utf8)) }
        #expect(decoded.suffix(2).map(\.done) == [100, 100])
        #expect(decoded.suffix(2).map(\.task) == ["chain 0", "chain 1"])
        let last = try #require(lines.last)
        for key in ["\"task\"", "\"done\"", "\"total\"", "\"elapsed_s\"", "\"rate\""] { #expect(last.contains(key)) }
    }

    @Test func ttyModeIsSilentWhenStderrIsNotATerminal() {
        #expect(ProgressMode.tty.reporter(stderrIsTerminal: false) is SilentProgressReporter)
        #expect(ProgressMode.tty.reporter(stderrIsTerminal: true) is TerminalProgressReporter)
        #expect(ProgressMode.none.reporter(stderrIsTerminal: true) is SilentProgressReporter)
        #expect(ProgressMode.jsonl.reporter(stderrIsTerminal: false) is JSONLinesProgressReporter)
    }

    @Test func terminalLineFormat() {
        let u = ProgressUpdate(task: "chain 1", done: 4500, total: 10000, elapsedS: 2)
        #expect(TerminalProgressReporter.line(u, nameWidth: 8, barWidth: 20)
            == "chain 1   [#########...........]  45%  4500/10000  2.2k/s  ETA 0:02")
        let done = ProgressUpdate(task: "epochs", done: 3000, total: 3000, elapsedS: 75)
        #expect(TerminalProgressReporter.line(done, nameWidth: 6, barWidth: 10, final: true)
            == "epochs  [##########] 100%  3000/3000  40/s  1:15")
    }

    @Test func terminalReporterRedrawsInPlace() throws {
        let sink = Sink()
        let r = TerminalProgressReporter(barWidth: 4, write: sink.write)
        let snap = [ProgressUpdate(task: "a", done: 1, total: 2, elapsedS: 1), ProgressUpdate(task: "b", done: 2, total: 2, elapsedS: 1)]
        r.update(snap)
        r.finish(snap)
        #expect(sink.text.components(separatedBy: "\u{1B}[2A").count == 2)
    }
}
