import BayesKit
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed SVG document: every element with its attributes, text and the
/// classes of its ancestors, so tests can count e.g. the circles inside a
/// scatter mark.
final class ParsedSVG: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
        /// Own and ancestors' `class` attributes, split into words.
        var classes: Set<String>
    }

    private(set) var elements: [Element] = []
    private var stack: [Int] = []
    private(set) var parseError: String?

    /// Parses `svg`; `parseError` is set when the text is not well-formed XML.
    init(_ svg: String) {
        super.init()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = self
        if !parser.parse() { parseError = parser.parserError.map { "\($0)" } ?? "unknown XML error" }
    }

    var isWellFormed: Bool { parseError == nil }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        var classes = stack.last.map { elements[$0].classes } ?? []
        for word in (attributes["class"] ?? "").split(separator: " ") { classes.insert(String(word)) }
        elements.append(Element(name: name, attributes: attributes, classes: classes))
        stack.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let i = stack.last { elements[i].text += string }
    }

    /// Elements named `name` (any name when nil) inside or carrying class `cls`.
    func all(_ name: String? = nil, in cls: String? = nil) -> [Element] {
        elements.filter { (name == nil || $0.name == name) && (cls == nil || $0.classes.contains(cls!)) }
    }

    func count(_ name: String? = nil, in cls: String? = nil) -> Int { all(name, in: cls).count }

    /// Texts of the `<text>` elements with class `cls`.
    func texts(_ cls: String) -> [String] { all("text", in: cls).map(\.text) }
}

enum PlotTestSupport {
    /// `<package root>/.build/figures/`, created if needed.
    static func figuresFolder() throws -> URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let folder = root.appendingPathComponent(".build/figures", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Renders `fig`, checks the SVG parses, and returns the parsed document.
    static func parse(_ fig: Figure) throws -> (String, ParsedSVG) {
        let svg = try fig.svgString()
        return (svg, ParsedSVG(svg))
    }

    static func grid(_ lo: Double, _ hi: Double, _ n: Int) -> [Double] {
        (0..<n).map { lo + (hi - lo) * Double($0) / Double(n - 1) }
    }
}
