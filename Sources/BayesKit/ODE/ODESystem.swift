internal import CBayesKit
import Foundation

/// A system of ordinary differential equations `y' = f(t, y; p)`.
///
/// The built-ins (``oscillator``, ``forcedOscillator``, ``lotkaVolterra``,
/// ``sir``, ``vanDerPol``, ``robertson``) run entirely in C, with analytic
/// Jacobians `∂f/∂y` (for the implicit methods) and `∂f/∂p` (for forward
/// sensitivities), and are solved in parallel by batch and grid functions.
///
/// A user system is a Swift closure called from C through a trampoline.
/// COST: each right-hand-side call crosses the C/Swift boundary (a C
/// function pointer into a trampoline, then the closure; the `[Double]` form
/// also allocates two arrays per call, the `unsafe:` form none), where a
/// built-in is a few inlined multiplications; Jacobians and parameter Jacobians come from central
/// finite differences (2·dim or 2·nparams extra calls), and a closure system
/// always runs on ONE thread (batch and grid functions serialise it), since
/// the closure need not be thread-safe. Use a built-in where one fits.
public struct ODESystem: Sendable {
    /// Name used in messages (`"oscillator"`, or the user's).
    public let name: String
    /// One name per state, in order.
    public let stateNames: [String]
    /// One name per parameter, in order.
    public let parameterNames: [String]
    let storage: Storage

    enum Storage: Sendable {
        case builtin(Int32)
        case closure(ODEClosureBox)
    }

    /// Number of states.
    public var dimension: Int { stateNames.count }
    /// Whether the right-hand side is a Swift closure (one thread, finite-difference Jacobians).
    public var isClosure: Bool { if case .closure = storage { return true } else { return false } }

    // MARK: built-ins

    /// `x'' + 2ζω x' + ω² x = 0` as states `(x, v)`, parameters `(zeta, omega)` (seed 001).
    public static let oscillator = ODESystem(builtin: BK_ODE_OSCILLATOR)
    /// `x'' + 2ζω x' + ω² x = F cos(Ω t)`: states `(x, v)`, parameters `(zeta, omega, F, Omega)`.
    public static let forcedOscillator = ODESystem(builtin: BK_ODE_FORCED_OSCILLATOR)
    /// `x' = αx − βxy`, `y' = δxy − γy`: states `(prey, predator)`, parameters `(alpha, beta, delta, gamma)`.
    public static let lotkaVolterra = ODESystem(builtin: BK_ODE_LOTKA_VOLTERRA)
    /// `S' = −βSI`, `I' = βSI − γI`, `R' = γI` (population fractions): parameters `(beta, gamma)`.
    public static let sir = ODESystem(builtin: BK_ODE_SIR)
    /// Van der Pol, `x'' − μ(1 − x²)x' + x = 0`: states `(x, v)`, parameter `mu` (stiff for large μ).
    public static let vanDerPol = ODESystem(builtin: BK_ODE_VAN_DER_POL)
    /// Robertson's stiff chemical kinetics (Hairer & Wanner II, §IV.1): parameters `(k1, k2, k3)`,
    /// classically `(0.04, 3e7, 1e4)`.
    public static let robertson = ODESystem(builtin: BK_ODE_ROBERTSON)

    /// Every built-in, in the order of ``builtInNames``.
    public static let builtIns: [ODESystem] = [.oscillator, .forcedOscillator, .lotkaVolterra, .sir, .vanDerPol, .robertson]
    /// `oscillator, forced-oscillator, lotka-volterra, sir, van-der-pol, robertson`.
    public static var builtInNames: [String] { builtIns.map(\.name) }

    /// The built-in called `name`; throws naming the known systems otherwise.
    public static func named(_ name: String) throws -> ODESystem {
        var sys = bk_ode_system()
        try check { bk_ode_system_named(name, &sys, $0) }
        return builtIns.first { $0.name == name }!
    }

    private init(builtin: bk_ode_builtin) {
        var sys = bk_ode_system()
        _ = bk_ode_system_builtin(Int32(builtin.rawValue), &sys, nil)
        name = String(cString: sys.name)
        stateNames = (0..<sys.dim).map { String(cString: sys.state_names[$0]!) }
        parameterNames = (0..<sys.nparams).map { String(cString: sys.param_names[$0]!) }
        storage = .builtin(Int32(builtin.rawValue))
    }

    // MARK: closures

    /// A user system from a closure `f(t, y, p) -> dy/dt` (see the type's note on cost).
    /// A thrown error stops the solve, which throws ``BayesKitError/Code/solverFailure``
    /// carrying the error's description.
    public init(name: String = "user", states: [String], parameters: [String] = [],
                _ rhs: @escaping @Sendable (_ t: Double, _ y: [Double], _ p: [Double]) throws -> [Double]) throws {
        let n = states.count
        try self.init(name: name, states: states, parameters: parameters, unsafe: { t, y, p, dydt in
            let f = try rhs(t, Array(y), Array(p))
            guard f.count == n else {
                throw BayesKitError.dimensionMismatch("right-hand side returned \(f.count) values for \(n) states")
            }
            for i in 0..<n { dydt[i] = f[i] }
        })
    }

    /// The allocation-free form: `rhs(t, y, p, dydt)` writes `dydt`.
    public init(name: String = "user", states: [String], parameters: [String] = [],
                unsafe rhs: @escaping @Sendable (Double, UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>,
                                                 UnsafeMutableBufferPointer<Double>) throws -> Void) throws {
        guard !states.isEmpty else { throw BayesKitError.invalidArgument("an ODE system needs at least one state") }
        for (what, names) in [("state", states), ("parameter", parameters)] where Set(names).count != names.count {
            throw BayesKitError.invalidArgument("\(what) names must be distinct, got \(names)")
        }
        self.name = name
        stateNames = states
        parameterNames = parameters
        storage = .closure(ODEClosureBox(name: name, states: states, parameters: parameters, rhs: rhs))
    }

    /// Calls `body` with the C description of the system (valid during the call only).
    func withCSystem<R>(_ body: (UnsafePointer<bk_ode_system>) throws -> R) throws -> R {
        switch storage {
        case let .builtin(which):
            var sys = bk_ode_system()
            try check { bk_ode_system_builtin(which, &sys, $0) }
            return try body(&sys)
        case let .closure(box):
            return try withExtendedLifetime(box) {
                var sys = box.cSystem
                return try body(&sys)
            }
        }
    }

    /// Throws unless `parameters` and `initial` fit the system.
    func checkShapes(parameters: Int, initial: Int) throws {
        guard parameters == parameterNames.count else {
            throw BayesKitError.dimensionMismatch(
                "system '\(name)' has \(parameterNames.count) parameters (\(parameterNames.joined(separator: ", "))), got \(parameters)")
        }
        guard initial == dimension else {
            throw BayesKitError.dimensionMismatch(
                "system '\(name)' has \(dimension) states (\(stateNames.joined(separator: ", "))), got \(initial) initial values")
        }
    }
}

/// The context of a closure system: the closure, C copies of the names, and
/// the message of the last thrown error (read by the C solver).
final class ODEClosureBox: @unchecked Sendable {
    typealias RHS = @Sendable (Double, UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>,
                               UnsafeMutableBufferPointer<Double>) throws -> Void
    let rhs: RHS
    let dim: Int
    let nparams: Int
    let cName: UnsafeMutablePointer<CChar>
    let cStates: UnsafeMutablePointer<UnsafePointer<CChar>?>
    let cParams: UnsafeMutablePointer<UnsafePointer<CChar>?>
    let message: UnsafeMutablePointer<CChar>
    static let capacity = 400

    init(name: String, states: [String], parameters: [String], rhs: @escaping RHS) {
        self.rhs = rhs
        dim = states.count
        nparams = parameters.count
        cName = strdup(name)
        cStates = .allocate(capacity: max(1, states.count))
        for (i, s) in states.enumerated() { cStates[i] = UnsafePointer(strdup(s)) }
        cParams = .allocate(capacity: max(1, parameters.count))
        for (i, s) in parameters.enumerated() { cParams[i] = UnsafePointer(strdup(s)) }
        message = .allocate(capacity: Self.capacity)
        message[0] = 0
    }

    deinit {
        free(cName)
        for i in 0..<dim { free(UnsafeMutablePointer(mutating: cStates[i])) }
        for i in 0..<nparams { free(UnsafeMutablePointer(mutating: cParams[i])) }
        cStates.deallocate()
        cParams.deallocate()
        message.deallocate()
    }

    func setMessage(_ text: String) {
        let bytes = Array(text.utf8.prefix(Self.capacity - 1))
        for (i, b) in bytes.enumerated() { message[i] = CChar(bitPattern: b) }
        message[bytes.count] = 0
    }

    var cSystem: bk_ode_system {
        var sys = bk_ode_system()
        sys.name = UnsafePointer(cName)
        sys.dim = dim
        sys.nparams = nparams
        sys.rhs = odeClosureRHS
        sys.jac = nil
        sys.pjac = nil
        sys.message = odeClosureMessage
        sys.ctx = Unmanaged.passUnretained(self).toOpaque()
        sys.serial = 1
        sys.state_names = UnsafePointer(cStates)
        sys.param_names = nparams > 0 ? UnsafePointer(cParams) : nil
        return sys
    }
}

/// The C trampoline of closure systems: `ctx` is an unretained ODEClosureBox.
private let odeClosureRHS: bk_ode_rhs_fn = { ctx, t, y, p, dydt in
    let box = Unmanaged<ODEClosureBox>.fromOpaque(ctx!).takeUnretainedValue()
    do {
        try box.rhs(t, UnsafeBufferPointer(start: y, count: box.dim), UnsafeBufferPointer(start: p, count: box.nparams),
                    UnsafeMutableBufferPointer(start: dydt, count: box.dim))
        return 0
    } catch {
        box.setMessage(String(describing: error))
        return 1
    }
}

private let odeClosureMessage: bk_ode_message_fn = { ctx in
    UnsafePointer(Unmanaged<ODEClosureBox>.fromOpaque(ctx!).takeUnretainedValue().message)
}
