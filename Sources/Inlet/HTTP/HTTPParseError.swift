/// A framing error in a request: the status to answer with, a stable code and a message.
///
/// After any of these the connection must close: the parser cannot know where the next
/// request would start. `code` and `message` go into the Knock-shaped JSON error body; the
/// message never quotes request bytes.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status to answer with (400, 413, 414, 415, 417, 431, 501 or 505).
    public var status: Int

    /// A stable snake-case code, e.g. `"invalid_content_length"`.
    public var code: String

    /// A short human-readable reason.
    public var message: String

    /// An error with these parts.
    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// `status code: message`.
    public var description: String {
        "\(self.status) \(self.code): \(self.message)"
    }

    /// A `400` for a malformed request line.
    static func badRequestLine(_ message: String) -> HTTPParseError {
        HTTPParseError(status: 400, code: "invalid_request_line", message: message)
    }

    /// A `400` for a malformed header field line.
    static func badHeader(_ message: String) -> HTTPParseError {
        HTTPParseError(status: 400, code: "invalid_header", message: message)
    }

    /// A `400` for a malformed `Content-Length`.
    static func badContentLength(_ message: String) -> HTTPParseError {
        HTTPParseError(status: 400, code: "invalid_content_length", message: message)
    }

    /// A `400` for a malformed chunked body.
    static func badChunk(_ message: String) -> HTTPParseError {
        HTTPParseError(status: 400, code: "invalid_chunk", message: message)
    }

    /// A `413` for a body over the limit.
    static func bodyTooLarge(limit: Int) -> HTTPParseError {
        HTTPParseError(status: 413, code: "body_too_large", message: "request body exceeds \(limit) bytes")
    }

    /// A `414` for a request target over the limit.
    static func targetTooLong(limit: Int) -> HTTPParseError {
        HTTPParseError(status: 414, code: "uri_too_long", message: "request target exceeds \(limit) bytes")
    }

    /// A `431` for a header block over the byte or field-count limit.
    static func headersTooLarge(_ message: String) -> HTTPParseError {
        HTTPParseError(status: 431, code: "headers_too_large", message: message)
    }
}
