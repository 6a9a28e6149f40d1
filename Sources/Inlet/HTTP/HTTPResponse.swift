/// An HTTP response before framing; the server adds `Content-Length`, `Date` and `Connection`.
public struct HTTPResponse: Sendable {
    /// The status code, e.g. 200.
    public var status: Int

    /// Header fields to send.
    public var headers: HTTPHeaders

    /// The body bytes.
    public var body: [UInt8]

    /// A response with these parts.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response with `Content-Type: application/json`.
    public static func json(_ status: Int, _ value: JSON) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: HTTPHeaders([("Content-Type", "application/json")]),
            body: value.serializedBytes()
        )
    }

    /// An error in Knock's shape: `{"code", "message", "status", "type"}`.
    public static func error(_ status: Int, code: String, message: String, type: String? = nil) -> HTTPResponse {
        let errorType = type ?? (status >= 500 ? "api_error" : "invalid_request_error")
        let body: JSON = [
            "code": .string(code),
            "message": .string(message),
            "status": .integer(status),
            "type": .string(errorType),
        ]
        return .json(status, body)
    }
}
