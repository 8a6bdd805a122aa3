import BayesKit
import Foundation
import Testing

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("bk-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct DrawsFiles {
    /// Values that must survive bit-exactly, including signed zero, subnormals and non-finite numbers.
    static let awkward: [Double] = [0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .nan, -.infinity, 1.0 / 3]

    @Test func roundTripIsBitExactAcrossChunks() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("chain-0.bkd")
        let names = ["layer0.W[0,0]", "layer0.b[0]", "sigma"]
        let draws = try RandomStream(seed: 4).normals(3 * 2500)
        let w = try DrawsWriter(url: url, parameterNames: names, chain: 3, chunkDraws: 1000)
        try w.append(contentsOf: try Matrix(rows: 2499, columns: 3, values: Array(draws.prefix(3 * 2499))))
        try w.append(Array(draws.suffix(3)))
        try w.append([Self.awkward[0], Self.awkward[1], Self.awkward[2]])
        #expect(w.count == 2501)
        try w.close()
        let back = try DrawsFile.read(url)
        #expect(back.parameterNames == names && back.chain == 3 && !back.truncated)
        #expect(back.values.rows == 2501)
        let expected = draws + [0, -0.0, .leastNonzeroMagnitude]
        #expect(back.values.values.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func nonFiniteValuesKeepTheirBits() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("d.bkd")
        let w = try DrawsWriter(url: url, parameterNames: (0..<7).map { "theta[\($0)]" })
        try w.append(Self.awkward)
        try w.close()
        #expect(try DrawsFile.read(url).values.values.map(\.bitPattern) == Self.awkward.map(\.bitPattern))
    }

    /// A run cut off mid-write: the reader returns every complete chunk.
    @Test func partialFileIsReadableUpToItsLastCompleteChunk() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("partial.bkd")
        let w = try DrawsWriter(url: url, parameterNames: ["a", "b"], chunkDraws: 10)
        for i in 0..<35 { try w.append([Double(i), -Double(i)]) }
        try w.flush()  // 4 chunks: 10, 10, 10, 5
        let full = try Data(contentsOf: url)
        try w.close()
        for cut in [full.count - 1, full.count - 50, full.count - 96 + 3] {
            try full.prefix(cut).write(to: url)
            let back = try DrawsFile.read(url)
            #expect(back.truncated)
            #expect(back.values.rows == 30)
            #expect(back.values.column(0) == (0..<30).map(Double.init))
        }
        // While the writer is still open, flushed chunks are already readable.
        let live = try DrawsWriter(url: url, parameterNames: ["a"], chunkDraws: 4)
        for i in 0..<9 { try live.append([Double(i)]) }
        #expect(try DrawsFile.read(url).values.rows == 8)
        try live.close()
        #expect(try DrawsFile.read(url).values.rows == 9)
    }

    @Test func corruptedOrForeignFilesGiveClearErrors() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("c.bkd")
        let w = try DrawsWriter(url: url, parameterNames: ["x"], chunkDraws: 2)
        for i in 0..<4 { try w.append([Double(i)]) }
        try w.close()
        var bytes = [UInt8](try Data(contentsOf: url))
        let firstChunk = 28 + 2  // header + "x\n"
        bytes[firstChunk + 8 + 3] ^= 0xFF  // flip a payload byte of chunk 0
        try Data(bytes).write(to: url)
        #expect(throws: BayesKitError.format("\(url.path): chunk 0 at byte 30 is corrupted (hash mismatch)")) {
            try DrawsFile.read(url)
        }
        bytes[firstChunk + 8 + 3] ^= 0xFF
        bytes[firstChunk + 32] = UInt8(ascii: "X")  // marker of chunk 1
        try Data(bytes).write(to: url)
        #expect(throws: BayesKitError.format("\(url.path): chunk 1 at byte 62 is corrupted (bad chunk marker)")) {
            try DrawsFile.read(url)
        }
        try Data("x,y\n1,2\n".utf8).write(to: url)
        #expect(throws: BayesKitError.format("\(url.path) is not a BayesKit draws file (bad magic)")) {
            try DrawsFile.read(url)
        }
        var newer = [UInt8](bytes.prefix(30))
        newer[8] = 9
        try Data(newer).write(to: url)
        #expect(throws: BayesKitError.format(
            "\(url.path): draws file format version 9 is not supported (this BayesKit reads up to 1)")) {
            try DrawsFile.read(url)
        }
        try Data(bytes.prefix(20)).write(to: url)
        #expect(throws: BayesKitError.format("\(url.path): draws file is truncated inside its header")) {
            try DrawsFile.read(url)
        }
        #expect(throws: BayesKitError.io("cannot read draws file /nonexistent/x.bkd: No such file or directory")) {
            try DrawsFile.read(URL(fileURLWithPath: "/nonexistent/x.bkd"))
        }
    }

    @Test func writerValidatesItsInput() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("v.bkd")
        #expect(throws: BayesKitError.invalidArgument("a draws file needs between 1 and 16777216 parameters, got 0")) {
            try DrawsWriter(url: url, parameterNames: [])
        }
        #expect(throws: BayesKitError.invalidArgument("parameter name 1 ('a\nb') contains a newline")) {
            try DrawsWriter(url: url, parameterNames: ["x", "a\nb"])
        }
        #expect(throws: BayesKitError.io("cannot create draws file /nonexistent/v.bkd: No such file or directory")) {
            try DrawsWriter(url: URL(fileURLWithPath: "/nonexistent/v.bkd"), parameterNames: ["x"])
        }
        let w = try DrawsWriter(url: url, parameterNames: ["x", "y"])
        #expect(throws: BayesKitError.dimensionMismatch("a draw needs 2 values, got 3")) { try w.append([1, 2, 3]) }
        try w.close()
        #expect(throws: BayesKitError.io("draws file \(url.path) is already closed")) { try w.append([1, 2]) }
    }

    @Test func manifestAndCSVExport() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var entries: [DrawsManifest.Entry] = []
        for chain in 0..<2 {
            let w = try DrawsWriter(url: dir.appendingPathComponent("chain-\(chain).bkd"), parameterNames: ["a", "b,c"], chain: chain)
            try w.append([Double(chain), 0.5])
            try w.close()
            entries.append(.init(chain: chain, file: "chain-\(chain).bkd", draws: 1))
        }
        let manifest = DrawsManifest(parameterNames: ["a", "b,c"], chains: entries, complete: true)
        try manifest.write(to: dir)
        let back = try DrawsManifest.read(from: dir)
        #expect(back == manifest)
        #expect(try back.readChains(in: dir).map { $0.values.values } == [[0, 0.5], [1, 0.5]])
        let csv = dir.appendingPathComponent("chain-1.csv")
        try DrawsFile.exportCSV(from: dir.appendingPathComponent("chain-1.bkd"), to: csv)
        #expect(try String(contentsOf: csv, encoding: .utf8) == "a,\"b,c\"\n1.0,0.5\n")
    }
}

@Suite struct SavedModels {
    struct Toy: Codable, Equatable { var mean: [Double]; var covariance: Matrix; var note: String }

    @Test func saveAndLoadIsBitExact() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.json")
        let draws = try RandomStream(seed: 9).normals(50)
        let toy = Toy(mean: draws + [.nan, .infinity, -0.0, .leastNonzeroMagnitude],
                      covariance: try Matrix([[1.0 / 3, 0.1], [0.1, 2]]), note: "x < y & \"z\"")
        try ModelArchive.save(toy, kind: "Toy", to: url)
        let back = try ModelArchive.load(Toy.self, kind: "Toy", from: url)
        #expect(back.mean.map(\.bitPattern) == toy.mean.map(\.bitPattern))
        #expect(back.covariance == toy.covariance && back.note == toy.note)
        #expect(try ModelArchive.kind(of: url) == "Toy")
    }

    @Test func wrongKindNewerSchemaAndGarbageAreClearErrors() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.json")
        try ModelArchive.save(Toy(mean: [1], covariance: try .identity(1), note: ""), kind: "Toy", to: url)
        #expect(throws: BayesKitError.format("\(url.path) holds a 'Toy', not a 'Ensemble'")) {
            try ModelArchive.load(Toy.self, kind: "Ensemble", from: url)
        }
        let newer = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"schema_version\" : 1", with: "\"schema_version\" : 7")
        try newer.write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: BayesKitError.format(
            "\(url.path) has schema_version 7, newer than this BayesKit (\(bayesKitVersion)) reads (1); upgrade BayesKit")) {
            try ModelArchive.load(Toy.self, kind: "Toy", from: url)
        }
        try "{\"schema_version\": 1, \"kind\": \"Toy\", \"model\": {\"mean\": [1]}}".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: BayesKitError.self) { try ModelArchive.load(Toy.self, kind: "Toy", from: url) }
        try "not json".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: BayesKitError.self) { try ModelArchive.load(Toy.self, kind: "Toy", from: url) }
        try Data("{\"kind\": \"Toy\"}".utf8).write(to: url)
        #expect(throws: BayesKitError.format("\(url.path) has no schema_version; it was not written by BayesKit")) {
            try ModelArchive.load(Toy.self, kind: "Toy", from: url)
        }
    }
}
