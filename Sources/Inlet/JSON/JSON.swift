/// A JSON value that keeps every detail a webhook body carries.
///
/// Numbers keep their exact source text, so integers beyond 64 bits and long decimals survive a
/// round trip through the store and the API. Objects keep their key order. Values compare
/// type-exactly: `true`, `1` and `"true"` are three different values.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSON])
    case object(JSONObject)
}

extension JSON {
    /// The name of the value's JSON type, as used in error messages (`"string"`, `"object"`, ...).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The string, when this value is a JSON string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The object, when this value is a JSON object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The elements, when this value is a JSON array.
    public var arrayValue: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The boolean, when this value is a JSON boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number, when this value is a JSON number.
    public var numberValue: JSONNumber? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// Whether this value is JSON `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member named `key` when this value is an object that has it.
    public subscript(key: String) -> JSON? {
        self.objectValue?[key]
    }

    /// A JSON number from an integer.
    public static func integer<T: BinaryInteger>(_ value: T) -> JSON {
        .number(JSONNumber(integer: value))
    }
}

extension JSON: ExpressibleByStringLiteral {
    /// A JSON string from a literal.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension JSON: ExpressibleByBooleanLiteral {
    /// A JSON boolean from a literal.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension JSON: ExpressibleByIntegerLiteral {
    /// A JSON number from an integer literal.
    public init(integerLiteral value: Int) {
        self = .number(JSONNumber(integer: value))
    }
}

extension JSON: ExpressibleByNilLiteral {
    /// JSON `null`.
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension JSON: ExpressibleByArrayLiteral {
    /// A JSON array from a literal.
    public init(arrayLiteral elements: JSON...) {
        self = .array(elements)
    }
}

extension JSON: ExpressibleByDictionaryLiteral {
    /// A JSON object from a literal, keeping the literal's key order; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSON)...) {
        var object = JSONObject()
        for (key, value) in elements {
            object[key] = value
        }
        self = .object(object)
    }
}
