/// What a mapping sees of one delivery: the parsed body and the request headers.
///
/// Paths address `{"body": <body>, "headers": {<lower-case name>: <value>}}`. Headers that carry
/// credentials (`workos-signature`, `authorization`, `proxy-authorization`, `cookie`) are left
/// out, so no mapping can copy a signature or key into the store or the action log.
public struct MappingEnvelope: Sendable, Equatable {
    /// Header names never exposed to mappings.
    public static let hiddenHeaders: Set<String> = [
        "workos-signature", "authorization", "proxy-authorization", "cookie",
    ]

    /// The parsed body.
    public let body: JSON

    /// The visible headers by lower-case name.
    public let headers: [String: String]

    /// `{"body": ..., "headers": ...}`, the root every path starts from.
    public let root: JSON

    /// An envelope from a body and headers (names are lower-cased; hidden headers dropped).
    public init(body: JSON, headers: [String: String] = [:]) {
        self.init(body: body, fields: headers.map { (name: $0.key, value: $0.value) })
    }

    /// An envelope from a request's headers; repeated fields are joined with `", "` in order.
    public init(body: JSON, headers: HTTPHeaders) {
        self.init(body: body, fields: headers.map { (name: $0.name, value: $0.value) })
    }

    /// Lower-cases the names, joins repeated fields with `", "` in order, drops hidden headers and
    /// sorts by name, in one pass over a short list (a request has a handful of fields).
    private init(body: JSON, fields: [(name: String, value: String)]) {
        var visible: [(name: String, value: String)] = []
        visible.reserveCapacity(fields.count)
        for field in fields {
            let lower = MappingEnvelope.lowercased(field.name)
            guard !MappingEnvelope.isHidden(lower) else { continue }
            if let index = visible.firstIndex(where: { JSONObject.sameKey($0.name, lower) }) {
                visible[index].value += ", " + field.value
            } else {
                visible.append((lower, field.value))
            }
        }
        visible.sort { $0.name < $1.name }

        var headers: [String: String] = [:]
        headers.reserveCapacity(visible.count)
        for field in visible {
            headers[field.name] = field.value
        }
        self.body = body
        self.headers = headers
        let headerObject = JSONObject(distinctMembers: visible.map { (key: $0.name, value: JSON.string($0.value)) })
        self.root = .object(JSONObject(distinctMembers: [("body", body), ("headers", .object(headerObject))]))
    }

    /// Whether the lower-case `name` is one of `hiddenHeaders`; hashes only names of their lengths.
    static func isHidden(_ name: String) -> Bool {
        switch name.utf8.count {
        case 6, 13, 16, 19: MappingEnvelope.hiddenHeaders.contains(name)
        default: false
        }
    }

    /// `name` lower-cased; without allocating when it is already lower-case ASCII.
    static func lowercased(_ name: String) -> String {
        var hasUpper = false
        for byte in name.utf8 {
            if byte >= 0x80 {
                return name.lowercased()
            }
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                hasUpper = true
            }
        }
        guard hasUpper else {
            return name
        }
        let utf8 = name.utf8
        return String(unsafeUninitializedCapacity: utf8.count) { buffer in
            for (offset, byte) in utf8.enumerated() {
                buffer[offset] = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
            }
            return utf8.count
        }
    }
}
