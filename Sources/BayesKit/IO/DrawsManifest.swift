import Foundation

/// `draws/manifest.json`: which draws file holds which chain, how many draws
/// each has, and whether the run finished. Written when a run starts
/// (`complete: false`) and again when it ends.
public struct DrawsManifest: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public struct Entry: Codable, Sendable, Equatable {
        public var chain: Int
        /// File name relative to the manifest's folder.
        public var file: String
        public var draws: Int
        public init(chain: Int, file: String, draws: Int) {
            self.chain = chain
            self.file = file
            self.draws = draws
        }
    }

    public var schemaVersion: Int
    public var parameterNames: [String]
    public var chains: [Entry]
    public var complete: Bool

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", parameterNames = "parameter_names", chains, complete
    }

    public init(parameterNames: [String], chains: [Entry], complete: Bool) {
        schemaVersion = Self.currentSchemaVersion
        self.parameterNames = parameterNames
        self.chains = chains
        self.complete = complete
    }

    /// Writes `manifest.json` into `folder`.
    public func write(to folder: URL) throws {
        try ModelArchive.writeJSON(self, to: folder.appendingPathComponent("manifest.json"))
    }

    /// Reads `folder/manifest.json`, rejecting a newer schema.
    public static func read(from folder: URL) throws -> DrawsManifest {
        let url = folder.appendingPathComponent("manifest.json")
        let data = try ModelArchive.readData(url)
        try ModelArchive.requireSupportedSchema(data, url: url, supported: currentSchemaVersion)
        do { return try JSONDecoder().decode(DrawsManifest.self, from: data) } catch {
            throw BayesKitError.format("\(url.path): not a BayesKit draws manifest (\(ModelArchive.describe(error)))")
        }
    }

    /// Reads every chain listed, in manifest order.
    public func readChains(in folder: URL) throws -> [ChainDraws] {
        try chains.map { try DrawsFile.read(folder.appendingPathComponent($0.file)) }
    }
}
