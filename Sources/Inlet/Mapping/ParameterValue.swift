/// A mapping parameter's value as configured: a path or one of the forms of SPEC 5.1.
///
/// Values keep their JSON type exactly (`true`, `1` and `"true"` stay different; numbers keep
/// their digits).
public indirect enum ParameterValue: Sendable, Equatable, CustomStringConvertible {
    /// A named member of an `{"object": {...}}` form.
    public struct Member: Sendable, Equatable {
        /// The member's key in the built object.
        public var name: String
        /// The member's value.
        public var value: ParameterValue

        /// A member.
        public init(name: String, value: ParameterValue) {
            self.name = name
            self.value = value
        }
    }

    /// A bare string: the value at that path.
    case path(JSONPath)
    /// `{"literal": <any JSON>}`: that value.
    case literal(JSON)
    /// `{"first": [...]}`: the first candidate that is neither missing nor null.
    case first([ParameterValue])
    /// `{"template": "..."}`: a string built from placeholders.
    case template(MappingTemplate)
    /// `{"object": {...}}`: an object built from the members (missing left out, null kept).
    case object([Member])

    /// The value in `envelope` (`{"body": ..., "headers": ...}`).
    ///
    /// `first` gives the first candidate with a value; when none has one, it is null if any
    /// candidate was null (so an identify stores the `null`), else missing.
    public func resolve(in envelope: JSON) -> ResolvedValue {
        switch self {
        case .path(let path):
            return path.resolve(in: envelope)
        case .literal(let value):
            return ResolvedValue(value)
        case .first(let candidates):
            var sawNull = false
            for candidate in candidates {
                switch candidate.resolve(in: envelope) {
                case .value(let value): return .value(value)
                case .null: sawNull = true
                case .missing: continue
                }
            }
            return sawNull ? .null : .missing
        case .template(let template):
            return template.resolve(in: envelope)
        case .object(let members):
            var resolved: [(String, JSON)] = []
            resolved.reserveCapacity(members.count)
            for member in members {
                if let value = member.value.resolve(in: envelope).json {
                    resolved.append((member.name, value))
                }
            }
            return .value(.object(JSONObject(resolved)))
        }
    }

    /// A short, readable rendering for skip reasons, e.g. `first(data.email, data.emails[0].value)`.
    public var description: String {
        switch self {
        case .path(let path):
            path.text
        case .literal(let value):
            "literal \(value.serialized())"
        case .first(let candidates):
            "first(\(candidates.map(\.description).joined(separator: ", ")))"
        case .template(let template):
            "template \(JSON.string(template.text).serialized())"
        case .object(let members):
            "object{\(members.map { "\($0.name): \($0.value.description)" }.joined(separator: ", "))}"
        }
    }
}
