internal import CBayesKit

/// The one error type BayesKit throws. Its ``Code`` mirrors the C core's
/// `bk_status`; its ``message`` names the problem in a sentence a person can
/// act on ("scale must be positive, got -1").
public struct BayesKitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of failure, one case per C status code.
    public enum Code: Int32, Sendable, Codable {
        case invalidArgument = 1
        case dimensionMismatch = 2
        case outOfMemory = 3
        case nonFinite = 4
        case solverFailure = 5
        case io = 6
        case format = 7
        case `internal` = 8
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Shorthands for the errors Swift code raises itself.
    public static func invalidArgument(_ message: String) -> BayesKitError { .init(.invalidArgument, message) }
    public static func dimensionMismatch(_ message: String) -> BayesKitError { .init(.dimensionMismatch, message) }
    public static func nonFinite(_ message: String) -> BayesKitError { .init(.nonFinite, message) }
    public static func io(_ message: String) -> BayesKitError { .init(.io, message) }
    public static func format(_ message: String) -> BayesKitError { .init(.format, message) }
}

/// Calls a C function that reports failure through a status and a
/// `bk_error` record, and turns a failure into a thrown ``BayesKitError``
/// carrying the C message. This is the only place C statuses become errors.
@discardableResult
func check<T>(_ body: (UnsafeMutablePointer<bk_error>) throws -> (status: Int32, value: T)) throws -> T {
    var record = bk_error()
    bk_error_clear(&record)
    let (status, value) = try body(&record)
    if status != 0 { throw BayesKitError(status: status, record: record) }
    return value
}

/// ``check(_:)`` for the common case of a C call that returns only a status.
func check(_ body: (UnsafeMutablePointer<bk_error>) throws -> Int32) throws {
    try check { (status: try body($0), value: ()) }
}

extension BayesKitError {
    init(status: Int32, record: bk_error) {
        let code = Code(rawValue: status) ?? .internal
        var record = record
        let text = withUnsafeBytes(of: &record.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        self.init(code, text.isEmpty ? String(cString: bk_strerror(status)) : text)
    }
}

/// Throws ``BayesKitError/Code/nonFinite`` naming `what` when `values` holds NaN or infinity.
func requireFinite(_ values: [Double], _ what: String) throws {
    if let i = values.firstIndex(where: { !$0.isFinite }) {
        throw BayesKitError.nonFinite("\(what) contains a non-finite value (\(values[i])) at index \(i)")
    }
}
