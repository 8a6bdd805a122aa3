import Foundation

/// The page `bayeskit demo` writes: one self-contained HTML file
/// (`report/index.html`) with every study's figures inline as SVG, its
/// numbers as tables and one paragraph saying what it shows and which seed
/// document it reproduces. No scripts, no fonts, no network: it opens in any
/// browser from the file system. The markup is well-formed XML (XHTML
/// syntax), so it can be checked with an XML parser.
public struct Report: Sendable {
    /// A section of the report: a title, what it reproduces, a paragraph,
    /// figures and a table.
    public struct Section: Sendable {
        public var id: String
        public var title: String
        public var reproduces: String
        public var description: String
        public var figures: [StudyFigure]
        public var table: StudyTable?
        public var headline: String

        public init(id: String, title: String, reproduces: String, description: String, figures: [StudyFigure],
                    table: StudyTable?, headline: String) {
            self.id = id
            self.title = title
            self.reproduces = reproduces
            self.description = description
            self.figures = figures
            self.table = table
            self.headline = headline
        }

        /// The section of a seed study.
        public init(_ study: StudyResult) {
            self.init(id: study.name, title: study.title, reproduces: study.seedDocument, description: study.description,
                      figures: study.figures, table: study.table.rows.isEmpty ? nil : study.table, headline: study.headline)
        }
    }

    public var title: String
    /// Lines under the title (version, seed, threads, time).
    public var facts: [(String, String)]
    public var introduction: String
    public var sections: [Section]

    public init(title: String, facts: [(String, String)], introduction: String, sections: [Section]) {
        self.title = title
        self.facts = facts
        self.introduction = introduction
        self.sections = sections
    }

    /// The HTML page. Every figure's SVG ids are prefixed with its section
    /// and figure index, so clip paths and gradients of different figures
    /// never collide on the page.
    public func html() throws -> String {
        var ids = Set<String>()
        for s in sections {
            guard !s.id.isEmpty, s.id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw BayesKitError.invalidArgument("report section id '\(s.id)' must be letters, digits, '-' or '_'")
            }
            guard ids.insert(s.id).inserted else {
                throw BayesKitError.invalidArgument("report section id '\(s.id)' appears twice")
            }
        }
        var out = """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(Self.escape(title))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <header>
            <h1>\(Self.escape(title))</h1>
            <p class="facts">\(facts.map { "<span><b>\(Self.escape($0.0))</b> \(Self.escape($0.1))</span>" }.joined(separator: " "))</p>
            <p>\(Self.escape(introduction))</p>
            </header>
            <nav>
            <table class="toc">
            <thead><tr><th>study</th><th>reproduces</th><th>result</th></tr></thead>
            <tbody>

            """
        for s in sections {
            out += "<tr><td><a href=\"#\(s.id)\">\(Self.escape(s.title))</a></td><td>\(Self.escape(s.reproduces))</td>"
                + "<td>\(Self.escape(s.headline))</td></tr>\n"
        }
        out += "</tbody>\n</table>\n</nav>\n"
        for (i, s) in sections.enumerated() {
            out += "<section id=\"\(s.id)\">\n<h2>\(Self.escape(s.title))</h2>\n"
            if !s.reproduces.isEmpty { out += "<p class=\"seed\">Reproduces: \(Self.escape(s.reproduces))</p>\n" }
            out += "<p>\(Self.escape(s.description))</p>\n"
            for (j, f) in s.figures.enumerated() {
                let svg = Self.prefixIDs(try Self.inlineSVG(f.figure.svgString()), prefix: "s\(i)f\(j)-")
                out += "<figure>\n\(svg)\n<figcaption>\(Self.escape(f.file))</figcaption>\n</figure>\n"
            }
            if let t = s.table {
                out += "<table class=\"numbers\">\n<thead><tr>"
                    + t.header.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
                for row in t.rows { out += "<tr>" + row.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>\n" }
                out += "</tbody>\n</table>\n"
            }
            out += "<p class=\"headline\">\(Self.escape(s.headline))</p>\n</section>\n"
        }
        out += "<footer><p>Written by bayeskit \(Self.escape(bayesKitVersion)). Every number is also in result.json "
            + "beside this folder; every figure is also an SVG file there.</p></footer>\n</body>\n</html>\n"
        return out
    }

    /// Writes ``html()`` to `url`, creating its folder.
    public func write(to url: URL) throws {
        let text = try html()
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw BayesKitError.io("cannot write the report to \(url.path): \(error.localizedDescription)")
        }
    }

    /// Text for HTML content and attribute values.
    static func escape(_ s: String) -> String {
        var r = ""
        r.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            default: r.append(ch)
            }
        }
        return r
    }

    /// The `<svg>` element without the XML declaration.
    static func inlineSVG(_ document: String) -> String {
        guard document.hasPrefix("<?xml"), let end = document.range(of: "?>") else { return document }
        return String(document[end.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Prefixes every `id="…"` and its `url(#…)` / `href="#…"` references.
    static func prefixIDs(_ svg: String, prefix: String) -> String {
        svg.replacingOccurrences(of: "id=\"", with: "id=\"" + prefix)
            .replacingOccurrences(of: "url(#", with: "url(#" + prefix)
            .replacingOccurrences(of: "href=\"#", with: "href=\"#" + prefix)
    }

    static let style = """
        body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1100px;margin:0 auto;\
        padding:1.5em;color:#1a1a1a;line-height:1.45}\
        h1{margin-bottom:.2em}h2{margin-top:2.2em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
        .facts span{margin-right:1.2em;color:#444}.seed{color:#555;font-style:italic}\
        .headline{background:#f4f6f8;padding:.5em .8em;border-left:3px solid #0072b2}\
        figure{margin:1em 0}figure svg{max-width:100%;height:auto}figcaption{color:#777;font-size:.8em}\
        table{border-collapse:collapse;font-size:.88em;margin:.8em 0}\
        th,td{border:1px solid #ddd;padding:.25em .55em;text-align:left;vertical-align:top}\
        th{background:#f4f6f8}td:not(:first-child){font-variant-numeric:tabular-nums}\
        footer{margin-top:3em;color:#777;font-size:.85em}
        """
}
