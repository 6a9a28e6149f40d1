/// Parses Knock's recipient forms in API bodies into `Recipient` values.
///
/// A RecipientRequest (trigger recipients and actor, subscribe) is a user id string, an inline
/// user `{"id", ...properties}` (identified before the action), or an object `{"collection",
/// "id", ...properties}` (set first when it carries properties, else a plain reference). A
/// RecipientReference (cancel, unsubscribe) is a user id string, `{"id"}` or `{"collection", "id"}`.
enum APIRecipients {
    /// A list of RecipientRequests at `field`.
    /// - Parameters:
    ///   - value: the field's value (absent or `null` is `nil` unless `required`).
    ///   - field: its name, for errors (`recipients`).
    ///   - required: whether absence is an error.
    ///   - count: how many elements are allowed.
    static func requests(
        _ value: JSON?,
        field: String,
        required: Bool,
        count: ClosedRange<Int>
    ) throws(APIError) -> [Recipient]? {
        guard let elements = try APIFields.array(value, field: field, required: required, count: count) else {
            return nil
        }
        var recipients: [Recipient] = []
        for (index, element) in elements.enumerated() {
            recipients.append(try APIRecipients.request(element, field: "\(field)[\(index)]"))
        }
        return recipients
    }

    /// One RecipientRequest at `field`.
    static func request(_ value: JSON, field: String) throws(APIError) -> Recipient {
        switch value {
        case .string(let id):
            try APIFields.checkID(id, field: field)
            return .user(id: id, properties: nil)
        case .object(let object) where object.contains("collection"):
            let collection = try APIFields.id(object["collection"], field: APIFields.path(field, "collection"))
            let id = try APIFields.id(object["id"], field: APIFields.path(field, "id"))
            var properties = object
            properties["collection"] = nil
            properties["id"] = nil
            return .object(collection: collection, id: id, properties: properties.isEmpty ? nil : properties)
        case .object(let object):
            let id = try APIFields.id(object["id"], field: APIFields.path(field, "id"))
            var properties = object
            properties["id"] = nil
            try APIFields.checkStringsOrNull(properties, keys: UsersAPI.stringFields, prefix: field)
            return .user(id: id, properties: properties)
        default:
            throw APIFields.typeError(field: field, expected: "a user id string or an object", got: value)
        }
    }

    /// A list of RecipientReferences at `field`.
    static func references(
        _ value: JSON?,
        field: String,
        required: Bool,
        count: ClosedRange<Int>
    ) throws(APIError) -> [Recipient]? {
        guard let elements = try APIFields.array(value, field: field, required: required, count: count) else {
            return nil
        }
        var recipients: [Recipient] = []
        for (index, element) in elements.enumerated() {
            recipients.append(try APIRecipients.reference(element, field: "\(field)[\(index)]"))
        }
        return recipients
    }

    /// One RecipientReference at `field`; other members of an object reference are ignored.
    static func reference(_ value: JSON, field: String) throws(APIError) -> Recipient {
        switch value {
        case .string(let id):
            try APIFields.checkID(id, field: field)
            return .user(id: id, properties: nil)
        case .object(let object):
            let id = try APIFields.id(object["id"], field: APIFields.path(field, "id"))
            guard object.contains("collection") else {
                return .user(id: id, properties: nil)
            }
            let collection = try APIFields.id(object["collection"], field: APIFields.path(field, "collection"))
            return .object(collection: collection, id: id, properties: nil)
        default:
            throw APIFields.typeError(field: field, expected: "a user id string or an object", got: value)
        }
    }
}
