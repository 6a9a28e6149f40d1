/// Reading request bodies and their typed fields; every failure names the field (422) or says
/// why the body is not JSON (400).
enum APIFields {
    /// The longest id, collection, key or cancellation key accepted (Knock's user id limit).
    static let maxIDLength = 256

    /// The body as a JSON object; an empty body counts as `{}`.
    /// - Throws: `400 invalid_json` when the bytes are not a JSON object (strict parser: UTF-8,
    ///   no duplicate keys, depth 64).
    static func body(_ bytes: [UInt8]) throws(APIError) -> JSONObject {
        if bytes.isEmpty {
            return JSONObject()
        }
        let value: JSON
        do {
            value = try JSONParser().parse(bytes)
        } catch {
            throw .invalidJSON(error.description)
        }
        guard case .object(let object) = value else {
            throw .invalidJSON("the top level is \(value.typeName), not an object")
        }
        return object
    }

    /// `prefix.key`, or `key` at the top level.
    static func path(_ prefix: String, _ key: String) -> String {
        prefix.isEmpty ? key : "\(prefix).\(key)"
    }

    /// Checks that `value` is an acceptable id: 1 to 256 characters.
    /// - Throws: `422 invalid_params` naming `field`.
    static func checkID(_ value: String, field: String) throws(APIError) {
        guard !value.isEmpty else {
            throw .invalidParams(field: field, message: "must not be empty", type: "invalid_value")
        }
        guard value.count <= APIFields.maxIDLength, value.utf8.count <= APIFields.maxIDLength * 4 else {
            throw .invalidParams(
                field: field,
                message: "must be at most \(APIFields.maxIDLength) characters",
                type: "too_long"
            )
        }
    }

    /// A required id: a string of 1 to 256 characters.
    static func id(_ value: JSON?, field: String) throws(APIError) -> String {
        guard let value, !value.isNull else {
            throw .invalidParams(field: field, message: "is required", type: "required")
        }
        guard case .string(let text) = value else {
            throw APIFields.typeError(field: field, expected: "a string", got: value)
        }
        try APIFields.checkID(text, field: field)
        return text
    }

    /// An optional id: absent or `null` is `nil`, else as `id(_:field:)`.
    static func optionalID(_ value: JSON?, field: String) throws(APIError) -> String? {
        guard let value, !value.isNull else {
            return nil
        }
        return try APIFields.id(value, field: field)
    }

    /// An optional object: absent or `null` is `nil`.
    static func optionalObject(_ value: JSON?, field: String) throws(APIError) -> JSONObject? {
        guard let value, !value.isNull else {
            return nil
        }
        guard case .object(let object) = value else {
            throw APIFields.typeError(field: field, expected: "an object", got: value)
        }
        return object
    }

    /// An array of `range.lowerBound` to `range.upperBound` elements; absent or `null` is `nil`
    /// unless `required`.
    static func array(
        _ value: JSON?,
        field: String,
        required: Bool,
        count range: ClosedRange<Int>
    ) throws(APIError) -> [JSON]? {
        guard let value, !value.isNull else {
            if required {
                throw .invalidParams(field: field, message: "is required", type: "required")
            }
            return nil
        }
        guard case .array(let elements) = value else {
            throw APIFields.typeError(field: field, expected: "an array", got: value)
        }
        guard elements.count >= range.lowerBound else {
            throw .invalidParams(
                field: field,
                message: "must hold at least \(range.lowerBound) element(s)",
                type: "too_few"
            )
        }
        guard elements.count <= range.upperBound else {
            throw .invalidParams(
                field: field,
                message: "must hold at most \(range.upperBound) elements",
                type: "too_many"
            )
        }
        return elements
    }

    /// Checks that each of `keys` present in `object` is a string or `null`.
    static func checkStringsOrNull(_ object: JSONObject, keys: [String], prefix: String) throws(APIError) {
        for key in keys {
            guard let value = object[key] else { continue }
            switch value {
            case .string, .null:
                continue
            default:
                throw APIFields.typeError(field: APIFields.path(prefix, key), expected: "a string or null", got: value)
            }
        }
    }

    /// Checks that each of `keys` present in `object` is an object or `null`.
    static func checkObjectsOrNull(_ object: JSONObject, keys: [String], prefix: String) throws(APIError) {
        for key in keys {
            guard let value = object[key] else { continue }
            switch value {
            case .object, .null:
                continue
            default:
                throw APIFields.typeError(field: APIFields.path(prefix, key), expected: "an object or null", got: value)
            }
        }
    }

    /// `422 invalid_params` for a value of the wrong JSON type.
    static func typeError(field: String, expected: String, got value: JSON) -> APIError {
        .invalidParams(field: field, message: "must be \(expected), not \(value.typeName)", type: "invalid_type")
    }
}
