import Glibc

/// Turns an `HTTPResponse` into wire bytes, adding the headers the server owns.
///
/// The server owns the framing: it drops any `Content-Length`, `Transfer-Encoding`,
/// `Connection` and `Date` the responder set and writes its own. Bodies over the configured size
/// are gzip-compressed when the request accepts gzip (`Content-Encoding: gzip`,
/// `Vary: Accept-Encoding`). Header names that are not tokens are dropped and CR, LF and NUL in
/// values become spaces, so a responder cannot split the response.
enum HTTPResponseEncoder {
    /// What the request and the connection decide about the response's framing.
    struct Options {
        /// Whether the connection stays open after this response (`Connection: close` otherwise).
        var keepAlive: Bool

        /// The request was `HEAD`: send the headers of the response, not its body.
        var isHEAD: Bool

        /// The request was HTTP/1.0: a kept-alive connection says `Connection: keep-alive`.
        var isHTTP10: Bool

        /// The request's `Accept-Encoding` allows gzip.
        var acceptsGzip: Bool

        /// Bodies longer than this are compressed when `acceptsGzip`.
        var compressOver: Int
    }

    /// The interim response sent for `Expect: 100-continue`.
    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Appends the complete response (status line, headers, body) to `output`.
    static func encode(_ response: HTTPResponse, options: Options, dateLine: [UInt8], into output: inout [UInt8]) {
        let status = (100...999).contains(response.status) ? response.status : 500
        let mayHaveBody = !(100...199).contains(status) && status != 204 && status != 304
        var body = mayHaveBody ? response.body : []
        var extraHeaders: [(String, String)] = []

        let eligible = mayHaveBody && !options.isHEAD && body.count > options.compressOver
        if eligible && response.headers["content-encoding"] == nil {
            if response.headers["vary"] == nil {
                extraHeaders.append(("Vary", "Accept-Encoding"))
            }
            if options.acceptsGzip, let compressed = Gzip.deflate(body), compressed.count < body.count {
                body = compressed
                extraHeaders.append(("Content-Encoding", "gzip"))
            }
        }

        output.reserveCapacity(output.count + 256 + body.count)
        // Written piece by piece: interpolated lines and mapped values would each allocate.
        Self.append("HTTP/1.1 ", to: &output)
        Self.appendDecimal(status, to: &output)
        output.append(UInt8(ascii: " "))
        Self.append(Self.reasonPhrase(status), to: &output)
        output.append(contentsOf: [13, 10])
        for field in response.headers.fields where !Self.isServerOwned(field.name) {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(HTTPRequestParser.isTokenByte) else {
                continue
            }
            Self.append(field.name, to: &output)
            output.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
            for byte in field.value.utf8 {
                output.append(Self.sanitize(byte))
            }
            output.append(contentsOf: [13, 10])
        }
        for (name, value) in extraHeaders {
            Self.append("\(name): \(value)\r\n", to: &output)
        }
        if status != 204 && status != 304 && !(100...199).contains(status) {
            Self.append("Content-Length: ", to: &output)
            Self.appendDecimal(body.count, to: &output)
            output.append(contentsOf: [13, 10])
        }
        if !options.keepAlive {
            Self.append("Connection: close\r\n", to: &output)
        } else if options.isHTTP10 {
            Self.append("Connection: keep-alive\r\n", to: &output)
        }
        output.append(contentsOf: dateLine)
        output.append(contentsOf: [13, 10])
        if !options.isHEAD {
            output.append(contentsOf: body)
        }
    }

    /// Whether `Accept-Encoding` values allow gzip: `gzip` or `x-gzip` with a non-zero q, or
    /// `*` with a non-zero q when gzip is not named.
    static func acceptsGzip(_ values: [String]) -> Bool {
        var gzipQuality: Bool?
        var anyQuality: Bool?
        for value in values {
            for element in value.split(separator: ",") {
                let parts = element.split(separator: ";", omittingEmptySubsequences: false)
                guard let first = parts.first else {
                    continue
                }
                let coding = first.trimmingSpaces().lowercased()
                var allowed = true
                for parameter in parts.dropFirst() {
                    let pair = parameter.trimmingSpaces().lowercased()
                    if pair.hasPrefix("q=") {
                        allowed = !Self.isZeroQuality(pair.dropFirst(2))
                    }
                }
                if coding == "gzip" || coding == "x-gzip" {
                    gzipQuality = (gzipQuality ?? false) || allowed
                } else if coding == "*" {
                    anyQuality = allowed
                }
            }
        }
        return gzipQuality ?? anyQuality ?? false
    }

    /// The `Date: ...\r\n` line for a time in seconds since the epoch (RFC 9110 IMF-fixdate).
    static func dateLine(epochSeconds: Int) -> [UInt8] {
        var seconds = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let day = days[Int(parts.tm_wday) % 7]
        let month = months[Int(parts.tm_mon) % 12]
        let text =
            "Date: \(day), \(Self.twoDigits(Int(parts.tm_mday))) \(month) \(Int(parts.tm_year) + 1900) "
            + "\(Self.twoDigits(Int(parts.tm_hour))):\(Self.twoDigits(Int(parts.tm_min))):"
            + "\(Self.twoDigits(Int(parts.tm_sec))) GMT\r\n"
        return Array(text.utf8)
    }

    /// The standard reason phrase, or `Unknown`.
    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Unknown"
        }
    }

    /// Whether the server writes the field `name` itself (ASCII case-insensitive, no new string).
    static func isServerOwned(_ name: String) -> Bool {
        let owned: StaticString
        switch name.utf8.count {
        case 4: owned = "date"
        case 10: owned = "connection"
        case 14: owned = "content-length"
        case 17: owned = "transfer-encoding"
        default: return false
        }
        let lower = UnsafeBufferPointer(start: owned.utf8Start, count: owned.utf8CodeUnitCount)
        return zip(name.utf8, lower).allSatisfy { byte, expected in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == expected
        }
    }

    /// Appends the decimal digits of `value` (not negative).
    private static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        var divisor = 1
        while divisor <= value / 10 {
            divisor *= 10
        }
        var remaining = value
        repeat {
            output.append(UInt8(ascii: "0") + UInt8(remaining / divisor))
            remaining %= divisor
            divisor /= 10
        } while divisor > 0
    }

    private static func sanitize(_ byte: UInt8) -> UInt8 {
        byte == 13 || byte == 10 || byte == 0 ? UInt8(ascii: " ") : byte
    }

    private static func append(_ text: String, to output: inout [UInt8]) {
        output.append(contentsOf: text.utf8)
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    private static func isZeroQuality(_ text: Substring) -> Bool {
        let trimmed = text.trimmingSpaces()
        guard let first = trimmed.first, first == "0" else {
            return false
        }
        let rest = trimmed.dropFirst()
        guard let dot = rest.first else {
            return true
        }
        return dot == "." && rest.dropFirst().allSatisfy { $0 == "0" }
    }
}

extension Substring {
    /// This text without leading and trailing spaces and tabs.
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" {
            text = text.dropFirst()
        }
        while let last = text.last, last == " " || last == "\t" {
            text = text.dropLast()
        }
        return text
    }
}
