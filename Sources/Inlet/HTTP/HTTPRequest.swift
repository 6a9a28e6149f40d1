import Dispatch

/// One complete HTTP request, framing already removed: the body is de-chunked and decompressed.
public struct HTTPRequest: Sendable {
    /// The method, e.g. `"POST"` (case-sensitive, as RFC 9110 says).
    public var method: String

    /// The request target as sent (origin form `/a?b`, or absolute form `http://h/a?b`).
    public var target: String

    /// The path of the target, without query, percent-decoding not applied.
    public var path: String

    /// The raw query string after `?`, or an empty string.
    public var query: String

    /// `"HTTP/1.1"` or `"HTTP/1.0"`.
    public var version: String

    /// The header fields as received.
    public var headers: HTTPHeaders

    /// The body bytes (empty when there is none).
    public var body: [UInt8]

    /// The peer address as text, e.g. `"127.0.0.1:53122"`.
    public var remoteAddress: String

    /// A short id for logs, unique within the process.
    public var requestID: String

    /// The serial queue of the connection that received the request, when it came from the
    /// server: a responder that answers later may call `respond` on it to save a hop (calling it
    /// from anywhere else is also fine).
    public var responseQueue: DispatchQueue?

    /// A request with these parts.
    public init(
        method: String,
        target: String,
        path: String,
        query: String = "",
        version: String = "HTTP/1.1",
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        remoteAddress: String = "",
        requestID: String = "",
        responseQueue: DispatchQueue? = nil
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.requestID = requestID
        self.responseQueue = responseQueue
    }
}
