/// A mapping's `when`: decides from the event whether the mapping runs (SPEC 5.2).
///
/// Comparisons are type-exact JSON equality (`true`, `1` and `"true"` differ; `1` and `1.0` differ).
/// A missing value equals nothing (not even `null`); `exists` is true for any value that is not
/// missing, JSON `null` included.
public indirect enum Condition: Sendable, Equatable, CustomStringConvertible {
    /// `{"path": P, "equals": V}`.
    case equals(JSONPath, JSON)
    /// `{"path": P, "in": [V, ...]}`.
    case oneOf(JSONPath, [JSON])
    /// `{"path": P, "exists": true|false}`.
    case exists(JSONPath, Bool)
    /// `{"all": [...]}`: every condition holds (empty lists are refused at load).
    case all([Condition])
    /// `{"any": [...]}`: at least one condition holds.
    case any([Condition])
    /// `{"not": {...}}`.
    case not(Condition)

    /// Whether the condition holds for `envelope` (`{"body": ..., "headers": ...}`).
    public func evaluate(in envelope: JSON) -> Bool {
        switch self {
        case .equals(let path, let expected):
            guard let found = path.resolve(in: envelope).json else { return false }
            return found == expected
        case .oneOf(let path, let candidates):
            guard let found = path.resolve(in: envelope).json else { return false }
            return candidates.contains(found)
        case .exists(let path, let wanted):
            let present = path.resolve(in: envelope) != .missing
            return present == wanted
        case .all(let conditions):
            return conditions.allSatisfy { $0.evaluate(in: envelope) }
        case .any(let conditions):
            return conditions.contains { $0.evaluate(in: envelope) }
        case .not(let condition):
            return !condition.evaluate(in: envelope)
        }
    }

    /// A readable rendering for skip reasons, e.g. `data.state equals "inactive"`.
    public var description: String {
        switch self {
        case .equals(let path, let value):
            "\(path.text) equals \(value.serialized())"
        case .oneOf(let path, let values):
            "\(path.text) in \(JSON.array(values).serialized())"
        case .exists(let path, let wanted):
            wanted ? "\(path.text) exists" : "\(path.text) does not exist"
        case .all(let conditions):
            "all(\(conditions.map(\.description).joined(separator: ", ")))"
        case .any(let conditions):
            "any(\(conditions.map(\.description).joined(separator: ", ")))"
        case .not(let condition):
            "not(\(condition.description))"
        }
    }
}
