import Foundation

/// Saving and loading fitted objects (posteriors, variational parameters,
/// networks, ensembles) as JSON with a schema version:
///
/// ```json
/// {"schema_version": 1, "kind": "BayesianLinearRegression", "bayeskit_version": "0.1.0", "model": {...}}
/// ```
///
/// Doubles are written in their shortest round-trip form, so loading gives
/// back the same bits; NaN and infinities are written as strings.
public enum ModelArchive {
    /// The newest envelope schema this BayesKit writes and reads.
    public static let currentSchemaVersion = 1

    struct Envelope<T: Codable>: Codable {
        var schemaVersion: Int
        var kind: String
        var bayeskitVersion: String
        var model: T
        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", kind, bayeskitVersion = "bayeskit_version", model
        }
    }

    struct Header: Decodable {
        var schemaVersion: Int?
        var kind: String?
        enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", kind }
    }

    /// Saves `value` under `kind` (the type's name, checked on load).
    public static func save<T: Codable>(_ value: T, kind: String, to url: URL) throws {
        try writeJSON(Envelope(schemaVersion: currentSchemaVersion, kind: kind, bayeskitVersion: bayesKitVersion, model: value), to: url)
    }

    /// Loads a value saved by ``save(_:kind:to:)``. Fails with a message
    /// naming the file when it is unreadable, holds another kind, or comes
    /// from a newer schema.
    public static func load<T: Codable>(_ type: T.Type, kind: String, from url: URL) throws -> T {
        let data = try readData(url)
        try requireSupportedSchema(data, url: url, supported: currentSchemaVersion)
        let header = try? JSONDecoder().decode(Header.self, from: data)
        if let found = header?.kind, found != kind {
            throw BayesKitError.format("\(url.path) holds a '\(found)', not a '\(kind)'")
        }
        do { return try decoder().decode(Envelope<T>.self, from: data).model } catch {
            throw BayesKitError.format("\(url.path): not a saved '\(kind)' (\(describe(error)))")
        }
    }

    /// The `kind` recorded in a saved file, to dispatch on before loading.
    public static func kind(of url: URL) throws -> String {
        let data = try readData(url)
        try requireSupportedSchema(data, url: url, supported: currentSchemaVersion)
        guard let kind = (try? JSONDecoder().decode(Header.self, from: data))?.kind else {
            throw BayesKitError.format("\(url.path): not a BayesKit model file (no 'kind')")
        }
        return kind
    }

    // MARK: - shared JSON helpers

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        let data: Data
        do { data = try encoder().encode(value) } catch let e as BayesKitError { throw e } catch {
            throw BayesKitError(.internal, "cannot encode \(url.lastPathComponent): \(error)")
        }
        do { try data.write(to: url, options: .atomic) } catch {
            throw BayesKitError.io("cannot write \(url.path): \(CSVReader.reason(error))")
        }
    }

    static func readData(_ url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw BayesKitError.io("cannot read \(url.path): \(CSVReader.reason(error))")
        }
    }

    /// Rejects a file whose `schema_version` is newer than `supported`.
    static func requireSupportedSchema(_ data: Data, url: URL, supported: Int) throws {
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: data) } catch {
            throw BayesKitError.format("\(url.path) is not valid JSON (\(describe(error)))")
        }
        guard let version = header.schemaVersion else {
            throw BayesKitError.format("\(url.path) has no schema_version; it was not written by BayesKit")
        }
        if version > supported {
            throw BayesKitError.format(
                "\(url.path) has schema_version \(version), newer than this BayesKit (\(bayesKitVersion)) reads (\(supported)); upgrade BayesKit")
        }
        if version < 1 { throw BayesKitError.format("\(url.path) has an invalid schema_version \(version)") }
    }

    /// A short description of a decoding error, naming the key path.
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            return "missing key '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            return "wrong type at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let ctx):
            return ctx.codingPath.isEmpty ? "corrupted data" : "corrupted data at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'"
        default:
            return "\(error)"
        }
    }
}
