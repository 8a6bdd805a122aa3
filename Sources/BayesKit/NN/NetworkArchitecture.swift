internal import CBayesKit

/// Hidden-layer activation functions. The output layer is always the identity.
public enum Activation: String, Codable, Sendable, CaseIterable {
    /// `z`
    case identity
    /// `max(z, 0)`; its derivative at 0 is taken as 0, as in PyTorch.
    case relu
    /// `tanh z`
    case tanh
    /// `1 / (1 + e^{-z})`
    case sigmoid
    /// `log(1 + e^z)`, computed stably.
    case softplus
    /// `sin z`
    case sin

    var code: Int32 {
        switch self {
        case .identity: Int32(BK_ACT_IDENTITY.rawValue)
        case .relu: Int32(BK_ACT_RELU.rawValue)
        case .tanh: Int32(BK_ACT_TANH.rawValue)
        case .sigmoid: Int32(BK_ACT_SIGMOID.rawValue)
        case .softplus: Int32(BK_ACT_SOFTPLUS.rawValue)
        case .sin: Int32(BK_ACT_SIN.rawValue)
        }
    }
}

/// A stack of dense layers with widths `w₀ (inputs), w₁, …, w_L (outputs)`.
/// Layer `l` computes `z = W_l a + b_l` and applies its activation (the
/// identity for the output layer).
///
/// Weights are one flat vector, layer by layer, each layer's `W` row-major
/// (row = output unit, column = input unit, PyTorch's `[out x in]`) followed
/// by its `b`: names `layer0.W[0,0]`, …, `layer0.b[0]`, …, `layer1.W[0,0]`, …
/// PyTorch's `torch.cat([p.flatten() for p in model.parameters()])` of
/// `nn.Linear` layers maps one to one. `P = Σ_l w_{l+1}(w_l + 1)`.
public struct NetworkArchitecture: Codable, Sendable, Hashable {
    /// Layer widths, inputs first, outputs last.
    public let layers: [Int]
    /// One activation per hidden layer (`layers.count - 2` values).
    public let activations: [Activation]

    /// A network whose hidden layers all use `activation`, e.g. `NetworkArchitecture(layers: [1, 5, 1])`.
    public init(layers: [Int], activation: Activation = .relu) throws {
        try self.init(layers: layers, activations: [activation])
    }

    /// A network with one activation per hidden layer, or a single shared one.
    public init(layers: [Int], activations: [Activation]) throws {
        if let i = layers.firstIndex(where: { $0 <= 0 }) {
            throw BayesKitError.invalidArgument("layer width \(i) is \(layers[i]); every width must be >= 1")
        }
        let hidden = max(layers.count - 2, 0)
        // Validated by the C core (same messages as every other caller).
        _ = try NetworkHandle(layers: layers, activations: activations)
        self.layers = layers
        self.activations = activations.count == 1 ? Array(repeating: activations[0], count: hidden) : activations
    }

    private enum CodingKeys: String, CodingKey { case layers, activations }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(layers: c.decode([Int].self, forKey: .layers),
                      activations: c.decode([Activation].self, forKey: .activations))
    }

    public var inputCount: Int { layers[0] }
    public var outputCount: Int { layers[layers.count - 1] }
    /// Number of dense layers `L`.
    public var layerCount: Int { layers.count - 1 }
    /// `P = Σ_l w_{l+1}(w_l + 1)`.
    public var parameterCount: Int { (0..<layerCount).reduce(0) { $0 + layers[$1 + 1] * (layers[$1] + 1) } }

    /// Offset of layer `l`'s `W` in the flat vector; its `b` follows at `offset + w_{l+1} w_l`.
    public func layerOffset(_ l: Int) -> Int { (0..<l).reduce(0) { $0 + layers[$1 + 1] * (layers[$1] + 1) } }

    /// The `P` parameter names in flat order (`layer0.W[i,j]`, `layer0.b[i]`, …).
    public var parameterNames: [String] {
        guard let net = try? NetworkHandle(self) else { return [] }
        var buffer = [CChar](repeating: 0, count: 64)
        return (0..<parameterCount).map { i in
            _ = bk_net_param_name(net.raw, i, &buffer, buffer.count, nil)
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Outputs (`n × w_L`) for inputs (`n × w₀`) under one weight vector (`P` values).
    public func forward(weights: [Double], inputs: Matrix) throws -> Matrix {
        try checkWeights(weights.count, inputs)
        let net = try NetworkHandle(self)
        let n = inputs.rows, k = outputCount
        guard n > 0 else { return try Matrix(rows: 0, columns: k) }
        try requireFinite(inputs.values, "inputs")
        var ws: OpaquePointer?
        try check { bk_net_work_alloc(net.raw, n, &ws, $0) }
        defer { bk_net_work_free(ws) }
        var out = [Double](repeating: 0, count: n * k)
        try check { err in bk_net_forward(net.raw, weights, n, inputs.values, &out, ws, err) }
        return try Matrix(rows: n, columns: k, values: out)
    }

    /// Outputs under each of `S` weight vectors (the rows of `weightSamples`,
    /// `S × P`, or `S × (P + extra)` with trailing non-network parameters such
    /// as a learned log-noise, which are ignored). Element `s` of the result
    /// is `forward(weights: row s, inputs:)`. Parallel over weight vectors
    /// (OpenMP, `threads: nil` = the process default); the result does not
    /// depend on the thread count.
    public func predict(weightSamples: Matrix, inputs: Matrix, threads: Int? = nil) throws -> [Matrix] {
        let all = try predictions(weightSamples: weightSamples, inputs: inputs, threads: threads)
        let n = inputs.rows, k = outputCount
        return (0..<all.rows).map { Matrix(unchecked: n, k, Array(all.values[($0 * n * k)..<(($0 + 1) * n * k)])) }
    }

    /// ``predict(weightSamples:inputs:threads:)`` as one flat `S × (n·k)`
    /// matrix: row `s` holds `f(x_i; θ_s)` for every input row `i` and output
    /// `o` at column `i·k + o`. One buffer instead of `S` matrices, for
    /// predictive functionals over many draws.
    public func predictions(weightSamples: Matrix, inputs: Matrix, threads: Int? = nil) throws -> Matrix {
        guard weightSamples.columns >= parameterCount else {
            throw BayesKitError.dimensionMismatch(
                "weight samples have \(weightSamples.columns) columns but the network has \(parameterCount) parameters")
        }
        guard inputs.columns == inputCount else {
            throw BayesKitError.dimensionMismatch(
                "inputs have \(inputs.columns) columns but the network has \(inputCount) inputs")
        }
        let nthreads = try threadArgument(threads)
        let net = try NetworkHandle(self)
        let s = weightSamples.rows, n = inputs.rows, k = outputCount
        var out = [Double](repeating: 0, count: s * n * k)
        try check { err in
            bk_net_predict(net.raw, s, weightSamples.values, weightSamples.columns, n, inputs.values, &out, nthreads, err)
        }
        return Matrix(unchecked: s, n * k, out)
    }

    /// PyTorch's default `nn.Linear` initialisation: every entry of `W_l` and
    /// `b_l` uniform on `(-1/√w_l, 1/√w_l)`, drawn in flat order from `stream`.
    public func defaultInitialWeights(stream: RandomStream) throws -> [Double] {
        let net = try NetworkHandle(self)
        var theta = [Double](repeating: 0, count: parameterCount)
        try check { bk_net_init_default(stream.raw, net.raw, &theta, $0) }
        return theta
    }

    func checkWeights(_ count: Int, _ inputs: Matrix) throws {
        guard count == parameterCount else {
            throw BayesKitError.dimensionMismatch(
                "weight vector has \(count) values but the network has \(parameterCount) parameters")
        }
        guard inputs.columns == inputCount else {
            throw BayesKitError.dimensionMismatch(
                "inputs have \(inputs.columns) columns but the network has \(inputCount) inputs")
        }
    }
}

/// Owns a C `bk_net` (immutable, shareable between threads).
final class NetworkHandle: @unchecked Sendable {
    let raw: OpaquePointer

    convenience init(_ architecture: NetworkArchitecture) throws {
        try self.init(layers: architecture.layers, activations: architecture.activations)
    }

    init(layers: [Int], activations: [Activation]) throws {
        if let i = layers.firstIndex(where: { $0 <= 0 }) {
            throw BayesKitError.invalidArgument("layer width \(i) is \(layers[i]); every width must be >= 1")
        }
        let codes = activations.map(\.code)
        var out: OpaquePointer?
        try check { bk_net_alloc(layers.count, layers, codes.count, codes, &out, $0) }
        guard let out else { throw BayesKitError(.outOfMemory, "cannot allocate a network") }
        raw = out
    }

    deinit { bk_net_free(raw) }
}
