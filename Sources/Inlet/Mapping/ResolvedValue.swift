/// What a path or parameter value found in an event: nothing, JSON `null`, or a value.
///
/// *Missing* means the path ran past the data (absent key, index out of range, descent into a
/// non-container); *null* is an explicit JSON `null`. Mappings treat them differently: a missing
/// optional param is left out, a null one is stored as `null`.
public enum ResolvedValue: Sendable, Equatable {
    /// The path ran past the data.
    case missing
    /// The data holds JSON `null` there.
    case null
    /// The data holds this value (never `.null`).
    case value(JSON)

    /// `.missing` for nil, `.null` for JSON null, `.value` otherwise.
    public init(_ json: JSON?) {
        switch json {
        case .none: self = .missing
        case .some(.null): self = .null
        case .some(let value): self = .value(value)
        }
    }

    /// The JSON to record: nil when missing, `.null` when null.
    public var json: JSON? {
        switch self {
        case .missing: .none
        case .null: .null
        case .value(let value): value
        }
    }

    /// The value when there is one that is neither missing nor null.
    public var value: JSON? {
        if case .value(let value) = self { return value }
        return nil
    }
}
