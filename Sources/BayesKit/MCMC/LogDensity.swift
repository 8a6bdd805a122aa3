internal import CBayesKit
import Foundation

/// A user's own target `θ ↦ log p(θ)` (up to a constant), optionally with
/// its gradient, that the C samplers call through a trampoline.
///
/// - A non-finite value (`-inf`, NaN) is a zero density: samplers reject
///   such a proposal; it is not an error.
/// - A thrown error stops the chain; ``MCMC/run(_:initial:seed:threads:drawsFolder:keepInMemory:progress:)-(LogDensity,_,_,_,_,_,_)``
///   throws ``BayesKitError`` naming the chain and the error.
/// - THREADS: the closure is `@Sendable` and, with `concurrent: true` (the
///   default), is called from several threads at once (one chain per
///   thread). Pass `concurrent: false` for code that is not thread-safe:
///   chains then run one after another; the draws are the same.
public struct LogDensity: Sendable {
    public let dimension: Int
    public let parameterNames: [String]
    public let concurrent: Bool
    let body: @Sendable (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>?) throws -> Double
    public let hasGradient: Bool
    /// Data items of a ``sum(dimension:rows:names:concurrent:prior:term:)`` model (0 otherwise).
    public private(set) var rows = 0
    /// `log p(θ) + (N/B) Σ_{i∈rows} term_i(θ)` and its gradient, for SGLD and SGHMC.
    var minibatch: (@Sendable (UnsafeBufferPointer<Double>, UnsafeBufferPointer<Int>, UnsafeMutableBufferPointer<Double>?) throws -> Double)?

    /// A value-only log density over `dimension` parameters (names default to `theta[i]`).
    public init(dimension: Int, names: [String]? = nil, concurrent: Bool = true,
                _ value: @escaping @Sendable ([Double]) throws -> Double) throws {
        try self.init(dimension: dimension, names: names, concurrent: concurrent, hasGradient: false) { theta, _ in
            try value(Array(theta))
        }
    }

    /// A log density with its gradient: `valueAndGradient(θ)` returns
    /// `(log p(θ), ∇ log p(θ))`, the gradient with `dimension` values.
    public init(dimension: Int, names: [String]? = nil, concurrent: Bool = true,
                valueAndGradient: @escaping @Sendable ([Double]) throws -> (Double, [Double])) throws {
        try self.init(dimension: dimension, names: names, concurrent: concurrent, hasGradient: true) { theta, grad in
            let (v, g) = try valueAndGradient(Array(theta))
            if let grad {
                guard g.count == grad.count else {
                    throw BayesKitError.dimensionMismatch("gradient has \(g.count) values, expected \(grad.count)")
                }
                for i in 0..<g.count { grad[i] = g[i] }
            }
            return v
        }
    }

    /// The allocation-free form: `body(θ, grad)` reads `θ` and, when `grad`
    /// is not `nil`, writes the gradient into it (for fast user models).
    public init(dimension: Int, names: [String]? = nil, concurrent: Bool = true, hasGradient: Bool,
                unsafe body: @escaping @Sendable (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>?) throws -> Double) throws {
        guard dimension >= 1 else { throw BayesKitError.invalidArgument("log density dimension must be >= 1, got \(dimension)") }
        let names = names ?? (0..<dimension).map { "theta[\($0)]" }
        guard names.count == dimension else {
            throw BayesKitError.dimensionMismatch("\(names.count) parameter names for \(dimension) parameters")
        }
        self.dimension = dimension
        self.parameterNames = names
        self.concurrent = concurrent
        self.hasGradient = hasGradient
        self.body = body
    }

    /// A log density that is a prior plus a sum over `rows` data items,
    ///
    ///     log p(θ | y) = log p(θ) + Σ_{i<N} log p(y_i | θ),
    ///
    /// each as `(value, gradient)`. Every sampler can run it; the
    /// stochastic-gradient ones (``SGLD``, ``SGHMC``) evaluate only a minibatch
    /// `B` per step, `log p(θ) + (N/|B|) Σ_{i∈B} log p(y_i | θ)`.
    public static func sum(dimension: Int, rows: Int, names: [String]? = nil, concurrent: Bool = true,
                           prior: @escaping @Sendable ([Double]) throws -> (Double, [Double]),
                           term: @escaping @Sendable ([Double], Int) throws -> (Double, [Double])) throws -> LogDensity {
        guard rows >= 1 else { throw BayesKitError.invalidArgument("a sum over data items needs rows >= 1, got \(rows)") }
        @Sendable func add(_ theta: [Double], _ items: UnsafeBufferPointer<Int>?, _ grad: UnsafeMutableBufferPointer<Double>?) throws -> Double {
            let (lp, gp) = try prior(theta)
            guard gp.count == dimension else {
                throw BayesKitError.dimensionMismatch("prior gradient has \(gp.count) values, expected \(dimension)")
            }
            let count = items?.count ?? rows
            let scale = Double(rows) / Double(count)
            var total = 0.0
            var g = [Double](repeating: 0, count: dimension)
            for k in 0..<count {
                let i = items.map { $0[k] } ?? k
                let (v, gi) = try term(theta, i)
                guard gi.count == dimension else {
                    throw BayesKitError.dimensionMismatch("gradient of term \(i) has \(gi.count) values, expected \(dimension)")
                }
                total += v
                for j in 0..<dimension { g[j] += gi[j] }
            }
            if let grad { for j in 0..<dimension { grad[j] = gp[j] + scale * g[j] } }
            return lp + scale * total
        }
        var model = try LogDensity(dimension: dimension, names: names, concurrent: concurrent, hasGradient: true) { theta, grad in
            try add(Array(theta), nil, grad)
        }
        model.rows = rows
        model.minibatch = { theta, items, grad in try add(Array(theta), items, grad) }
        return model
    }

    /// Evaluates the log density (throws what the closure throws).
    public func callAsFunction(_ theta: [Double]) throws -> Double {
        guard theta.count == dimension else {
            throw BayesKitError.dimensionMismatch("parameter vector has \(theta.count) values but the model has \(dimension)")
        }
        return try theta.withUnsafeBufferPointer { try body($0, nil) }
    }
}

/// The per-chain context of a closure model: the closure and a message buffer
/// the C driver reads after a failure.
final class LogDensityBox {
    let model: LogDensity
    let message: UnsafeMutablePointer<CChar>
    static let capacity = 480

    init(_ model: LogDensity) {
        self.model = model
        message = .allocate(capacity: Self.capacity)
        message.initialize(repeating: 0, count: Self.capacity)
    }

    deinit { message.deallocate() }

    func fail(_ text: String) {
        let bytes = Array(text.utf8.prefix(Self.capacity - 1))
        for (i, b) in bytes.enumerated() { message[i] = CChar(bitPattern: b) }
        message[bytes.count] = 0
    }
}

/// `bk_logdensity_fn` calling the Swift closure of a ``LogDensityBox``.
private let closureTrampoline: bk_logdensity_fn = { ctx, dim, theta, logp, grad in
    guard let ctx, let theta, let logp else { return Int32(BK_EINVAL.rawValue) }
    let box = Unmanaged<LogDensityBox>.fromOpaque(ctx).takeUnretainedValue()
    guard dim == box.model.dimension else {
        box.fail("log density called with \(dim) parameters, the model has \(box.model.dimension)")
        return Int32(BK_EDIM.rawValue)
    }
    if grad != nil && !box.model.hasGradient {
        box.fail("this log density has no gradient; give one with LogDensity(dimension:valueAndGradient:)")
        return Int32(BK_EINVAL.rawValue)
    }
    do {
        let g = grad.map { UnsafeMutableBufferPointer(start: $0, count: dim) }
        logp.pointee = try box.model.body(UnsafeBufferPointer(start: theta, count: dim), g)
        return 0
    } catch let e as BayesKitError {
        box.fail("the log density closure threw: \(e.message)")
        return e.code.rawValue
    } catch {
        box.fail("the log density closure threw: \(error)")
        return Int32(BK_EINVAL.rawValue)
    }
}

/// `bk_minibatch_fn` calling the minibatch closure of a ``LogDensityBox``.
private let closureMinibatchTrampoline: bk_minibatch_fn = { ctx, dim, theta, nrows, rows, logp, grad in
    guard let ctx, let theta, let rows, let logp else { return Int32(BK_EINVAL.rawValue) }
    let box = Unmanaged<LogDensityBox>.fromOpaque(ctx).takeUnretainedValue()
    guard dim == box.model.dimension, let minibatch = box.model.minibatch else {
        box.fail("minibatch log density called with \(dim) parameters on a model with \(box.model.dimension) and no minibatches")
        return Int32(BK_EDIM.rawValue)
    }
    do {
        let items = UnsafeBufferPointer(start: UnsafeRawPointer(rows).assumingMemoryBound(to: Int.self), count: nrows)
        let g = grad.map { UnsafeMutableBufferPointer(start: $0, count: dim) }
        logp.pointee = try minibatch(UnsafeBufferPointer(start: theta, count: dim), items, g)
        return 0
    } catch let e as BayesKitError {
        box.fail("the log density closure threw: \(e.message)")
        return e.code.rawValue
    } catch {
        box.fail("the log density closure threw: \(error)")
        return Int32(BK_EINVAL.rawValue)
    }
}

private let closureMessage: bk_logdensity_message_fn = { ctx in
    guard let ctx else { return nil }
    return UnsafePointer(Unmanaged<LogDensityBox>.fromOpaque(ctx).takeUnretainedValue().message)
}

private let bnnMessage: bk_logdensity_message_fn = { ctx in bk_mcmc_bnn_message(ctx) }

/// A target bound for the C driver: the callback, one context per chain,
/// and the objects that keep those contexts alive.
struct ModelBinding {
    let dimension: Int
    let names: [String]
    let fn: bk_logdensity_fn
    let message: bk_logdensity_message_fn?
    let contexts: [UnsafeMutableRawPointer?]
    let serial: Bool
    let keepAlive: [AnyObject]
    /// The minibatch estimate for stochastic-gradient kernels and the number of data items (nil / 0: none).
    var minibatch: bk_minibatch_fn? = nil
    var rows = 0

    init(_ model: LogDensity, chains: Int) {
        let boxes = (0..<chains).map { _ in LogDensityBox(model) }
        dimension = model.dimension
        names = model.parameterNames
        fn = closureTrampoline
        message = closureMessage
        contexts = boxes.map { Unmanaged.passUnretained($0).toOpaque() }
        serial = !model.concurrent
        keepAlive = boxes
        if model.minibatch != nil {
            minibatch = closureMinibatchTrampoline
            rows = model.rows
        }
    }

    init(_ posterior: BNNPosterior, chains: Int) throws {
        let copies = try (0..<chains).map { _ in try posterior.copy() }
        dimension = posterior.dimension
        names = posterior.parameterNames
        fn = bk_bnn_posterior_logdensity
        message = bnnMessage
        contexts = copies.map { UnsafeMutableRawPointer($0.raw) }
        serial = bk_mcmc_bnn_uses_blas(posterior.raw) != 0
        keepAlive = copies
        minibatch = bk_bnn_posterior_minibatch
        rows = bk_bnn_posterior_nrows(posterior.raw)
    }
}
