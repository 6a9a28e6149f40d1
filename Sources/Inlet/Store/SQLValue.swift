/// A value bound to a SQL statement parameter.
enum SQLValue: Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    /// UTF-8 text given as bytes (e.g. serialized JSON), bound without a String round trip.
    case utf8([UInt8])
    case blob([UInt8])

    /// `.text(value)` or `.null`.
    static func optional(_ value: String?) -> SQLValue {
        value.map { .text($0) } ?? .null
    }

    /// `.integer(value)` or `.null`.
    static func optional(_ value: Int64?) -> SQLValue {
        value.map { .integer($0) } ?? .null
    }

    /// The serialized JSON text of `value`, or `.null`.
    static func json(_ value: JSON?) -> SQLValue {
        value.map { .utf8($0.serializedBytes()) } ?? .null
    }
}
