import Foundation

/// The `result.json` every `bayeskit` command writes (schema in
/// `docs/CONVENTIONS.md`). Keys are snake_case; sections that do not apply
/// to a command are omitted.
public struct RunResult: Codable, Sendable, Equatable {
    /// Version of this schema; bumped when a field changes meaning.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// The subcommand, e.g. `"data"`, `"mcmc"`.
    public var command: String
    /// The command line as typed, program name first.
    public var argv: [String]
    public var bayeskitVersion: String
    public var seed: UInt64
    public var threads: Int
    /// Every setting of the run, defaults filled in.
    public var config: [String: JSONValue]
    public var timing: Timing
    public var parameters: [ParameterSummary]?
    public var chains: [ChainSummary]?
    /// Scalar evaluation metrics: `rmse`, `test_loglik`, `coverage_90`, `ece`, ...
    public var metrics: [String: Double]?
    /// Per-epoch (or per-iteration) series of equal length: `epoch`, `elbo`, `exp_loglik`, `kl`, ...
    public var history: [String: [Double]]?
    /// Files the command wrote, relative to the output folder, by role.
    public var outputs: [String: String]?
    /// Command-specific results that fit none of the sections above.
    public var summary: [String: JSONValue]?

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", command, argv, bayeskitVersion = "bayeskit_version", seed, threads
        case config, timing, parameters, chains, metrics, history, outputs, summary
    }

    public init(
        command: String, argv: [String], seed: UInt64, threads: Int, config: [String: JSONValue],
        timing: Timing = Timing(wallS: 0)
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.command = command
        self.argv = argv
        self.bayeskitVersion = bayesKitVersion
        self.seed = seed
        self.threads = threads
        self.config = config
        self.timing = timing
    }

    /// Wall-clock and phase timings in seconds; phases that do not apply are omitted.
    public struct Timing: Codable, Sendable, Equatable {
        public var wallS: Double
        public var samplingS: Double?
        public var warmupS: Double?
        public var trainingS: Double?
        public var solveS: Double?
        public var gradEvalS: Double?

        enum CodingKeys: String, CodingKey {
            case wallS = "wall_s", samplingS = "sampling_s", warmupS = "warmup_s", trainingS = "training_s"
            case solveS = "solve_s", gradEvalS = "grad_eval_s"
        }

        public init(wallS: Double, samplingS: Double? = nil, warmupS: Double? = nil, trainingS: Double? = nil,
                    solveS: Double? = nil, gradEvalS: Double? = nil) {
            self.wallS = wallS
            self.samplingS = samplingS
            self.warmupS = warmupS
            self.trainingS = trainingS
            self.solveS = solveS
            self.gradEvalS = gradEvalS
        }
    }

    /// Posterior summary of one scalar parameter. Names are 0-based:
    /// `layer0.W[i,j]`, `layer0.b[j]`, `theta[0]`.
    public struct ParameterSummary: Codable, Sendable, Equatable {
        public var name: String
        public var mean: Double
        public var sd: Double
        public var q05: Double
        public var q50: Double
        public var q95: Double
        public var mcseMean: Double?
        public var essBulk: Double?
        public var essTail: Double?
        public var rhat: Double?

        enum CodingKeys: String, CodingKey {
            case name, mean, sd, q05, q50, q95, mcseMean = "mcse_mean", essBulk = "ess_bulk", essTail = "ess_tail", rhat
        }

        public init(name: String, mean: Double, sd: Double, q05: Double, q50: Double, q95: Double,
                    mcseMean: Double? = nil, essBulk: Double? = nil, essTail: Double? = nil, rhat: Double? = nil) {
            self.name = name
            self.mean = mean
            self.sd = sd
            self.q05 = q05
            self.q50 = q50
            self.q95 = q95
            self.mcseMean = mcseMean
            self.essBulk = essBulk
            self.essTail = essTail
            self.rhat = rhat
        }
    }

    /// What one chain did.
    public struct ChainSummary: Codable, Sendable, Equatable {
        public var index: Int
        public var acceptanceRate: Double
        public var stepSize: Double?
        public var nDivergent: Int?
        public var nTreedepthHits: Int?
        public var nGradEvals: Int?

        enum CodingKeys: String, CodingKey {
            case index, acceptanceRate = "acceptance_rate", stepSize = "step_size", nDivergent = "n_divergent"
            case nTreedepthHits = "n_treedepth_hits", nGradEvals = "n_grad_evals"
        }

        public init(index: Int, acceptanceRate: Double, stepSize: Double? = nil, nDivergent: Int? = nil,
                    nTreedepthHits: Int? = nil, nGradEvals: Int? = nil) {
            self.index = index
            self.acceptanceRate = acceptanceRate
            self.stepSize = stepSize
            self.nDivergent = nDivergent
            self.nTreedepthHits = nTreedepthHits
            self.nGradEvals = nGradEvals
        }
    }

    /// The JSON encoder used for `result.json`: keys sorted, pretty-printed.
    /// (Keys are spelled out in `CodingKeys`; a key strategy would also
    /// rewrite dictionary keys such as `coverage_90`.)
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    /// The matching decoder.
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// Encodes to JSON text.
    public func jsonData() throws -> Data {
        do { return try Self.encoder().encode(self) } catch {
            throw BayesKitError(.internal, "cannot encode result.json: \(error)")
        }
    }

    /// Writes `result.json` into `directory`.
    public func write(to directory: URL) throws {
        let url = directory.appendingPathComponent("result.json")
        do { try jsonData().write(to: url, options: .atomic) } catch let e as BayesKitError { throw e } catch {
            throw BayesKitError.io("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads a `result.json` file.
    public static func read(from url: URL) throws -> RunResult {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw BayesKitError.io("cannot read \(url.path): \(CSVReader.reason(error))")
        }
        do { return try decoder().decode(RunResult.self, from: data) } catch {
            throw BayesKitError.format("\(url.path): not a BayesKit result.json (\(error))")
        }
    }
}
