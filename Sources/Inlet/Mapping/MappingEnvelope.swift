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
        var visible: [String: String] = [:]
        for (name, value) in headers {
            let lower = name.lowercased()
            guard !MappingEnvelope.hiddenHeaders.contains(lower) else { continue }
            if let existing = visible[lower] {
                visible[lower] = existing + ", " + value
            } else {
                visible[lower] = value
            }
        }
        self.body = body
        self.headers = visible

        var headerObject = JSONObject()
        for name in visible.keys.sorted() {
            headerObject[name] = .string(visible[name] ?? "")
        }
        self.root = .object(JSONObject([("body", body), ("headers", .object(headerObject))]))
    }

    /// An envelope from a request's headers; repeated fields are joined with `", "` in order.
    public init(body: JSON, headers: HTTPHeaders) {
        var joined: [String: String] = [:]
        for field in headers {
            let lower = field.name.lowercased()
            if let existing = joined[lower] {
                joined[lower] = existing + ", " + field.value
            } else {
                joined[lower] = field.value
            }
        }
        self.init(body: body, headers: joined)
    }
}
