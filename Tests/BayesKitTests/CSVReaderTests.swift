import BayesKit
import Foundation
import Testing

@Suite struct CSVReading {
    @Test func headerAndColumnsByNameOrIndex() throws {
        let t = try CSVReader.parse("x,y\n1,2\n3,4.5\n", source: "a.csv")
        #expect(t.columnNames == ["x", "y"])
        #expect(try t.column("y") == [2, 4.5])
        #expect(try t.column("0") == [1, 3])
        #expect(t.rowCount == 2)
    }

    @Test func whitespaceTableWithoutHeaderLikeUCI() throws {
        let text = "  0.1   2\t3\n4 \t 5 6 \n\n"
        let t = try CSVReader.parse(text, source: "data.txt")
        #expect(t.columnNames == ["0", "1", "2"])
        #expect(t.columns == [[0.1, 4], [2, 5], [3, 6]])
    }

    @Test func commentsBlankLinesAndCRLF() throws {
        let t = try CSVReader.parse("# made by hand\r\na,b\r\n\r\n1,2\r\n", source: "c.csv")
        #expect(t.columns == [[1], [2]])
    }

    @Test func roundTripThroughCSVText() throws {
        let t = try Table(columnNames: ["x", "y"], columns: [[0.1, 1e-300], [-2.5, 1.0 / 3]])
        #expect(try CSVReader.parse(t.csv()).columns == t.columns)
    }

    @Test func errorsNameFileLineAndColumn() {
        #expect(throws: BayesKitError.format("e.csv: file is empty (no data rows)")) {
            try CSVReader.parse("\n\n", source: "e.csv")
        }
        #expect(throws: BayesKitError.format("r.csv:3: ragged row: 3 fields, expected 2")) {
            try CSVReader.parse("x,y\n1,2\n3,4,5\n", source: "r.csv")
        }
        #expect(throws: BayesKitError.format("n.csv:3: column 2 ('y'): 'abc' is not a number")) {
            try CSVReader.parse("x,y\n1,2\n3,abc\n", source: "n.csv")
        }
        #expect(throws: BayesKitError.format("m.csv:2: column 1 ('x'): missing value")) {
            try CSVReader.parse("x,y\n,2\n", source: "m.csv")
        }
        #expect(throws: BayesKitError.nonFinite("f.csv:2: column 2 ('y'): 'nan' is not finite (NaN or infinity in data)")) {
            try CSVReader.parse("x,y\n1,nan\n", source: "f.csv")
        }
        #expect(throws: BayesKitError.format("h.csv: file has a header but no data rows")) {
            try CSVReader.parse("x,y\n", source: "h.csv")
        }
        #expect(throws: BayesKitError.format("d.csv:1: column name 'x' appears more than once")) {
            try CSVReader.parse("x,x\n1,2\n", source: "d.csv")
        }
        #expect(throws: BayesKitError.format("w.txt:2: column 2: '1.2.3' is not a number")) {
            try CSVReader.parse("1 2\n3 1.2.3\n", source: "w.txt")
        }
    }

    @Test func unreadableFileIsAnIOError() {
        #expect(throws: BayesKitError.io("cannot read /nonexistent/data.csv: No such file or directory")) {
            try CSVReader.read(path: "/nonexistent/data.csv")
        }
    }

    @Test func unknownColumnsAreNamed() throws {
        let t = try CSVReader.parse("x,y\n1,2\n", source: "a.csv")
        #expect(throws: BayesKitError.invalidArgument("a.csv: no column named 'z'; columns are 'x', 'y'")) {
            try t.column("z")
        }
        #expect(throws: BayesKitError.invalidArgument(
            "a.csv: column index 5 is out of range; the table has 2 columns (0-based)")) {
            try t.column("5")
        }
    }

    /// The UCI files in ../shared/data use runs of spaces, tabs and trailing blanks.
    @Test func readsEveryUCIDataFileWhenPresent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../shared/data/uci").standardized
        let expected = ["boston": (506, 14), "concrete": (1030, 9), "energy": (768, 9), "yacht": (308, 7)]
        guard FileManager.default.fileExists(atPath: root.path) else { return }
        for (name, (rows, cols)) in expected {
            let t = try CSVReader.read(path: root.appendingPathComponent("\(name)/data.txt").path)
            #expect(t.rowCount == rows && t.columnCount == cols, "\(name)")
        }
    }
}
