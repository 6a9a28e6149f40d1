/// An incremental HTTP/1.1 (and 1.0) request parser with no I/O: feed it bytes in any split and
/// pull events with `next()`.
///
/// It enforces every framing rule of SPEC section 3: strict `Content-Length`, `chunked` as the
/// only transfer coding, no obs-fold, no bare CR or LF, limits on the request target, the header
/// block, the field count and the body. Limits are checked while bytes are still arriving, and
/// nothing past a limit is looked at, so memory stays bounded by the limits plus what the caller
/// fed since the last `next()`.
///
/// After a `.failure` the parser ignores all further input: the connection must close. After a
/// `.request`, bytes already fed stay buffered and the next call to `next()` parses the following
/// (pipelined) request from them.
///
/// The parser knows about `Content-Encoding` only to refuse codings the server cannot decode
/// (`415` before the body is read); decoding the body is the server's job.
public struct HTTPRequestParser: Sendable {
    /// What the parser found.
    public enum Event: Sendable {
        /// The head asked for `Expect: 100-continue` and is valid: send `100 Continue` now, before
        /// waiting for the body.
        case sendContinue

        /// A complete request.
        case request(Message)

        /// A framing error: answer with its status, then close the connection.
        case failure(HTTPParseError)
    }

    /// A complete request and what its head says about the connection.
    public struct Message: Sendable {
        /// The request; `remoteAddress` and `requestID` are left empty for the server to fill.
        public var request: HTTPRequest

        /// Whether the connection may stay open after the response (HTTP/1.1 unless
        /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`).
        public var keepAlive: Bool

        /// Whether the body is gzip-coded (`Content-Encoding: gzip`) and still to be decoded.
        public var bodyIsGzip: Bool
    }

    /// Where the parser is within the current request.
    public enum Phase: Sendable, Equatable {
        /// Between requests, with no byte of the next one buffered.
        case idle

        /// Some bytes of a head buffered, head not complete.
        case head

        /// Head complete, reading the body.
        case body

        /// A failure was reported; input is ignored.
        case failed
    }

    /// A method longer than this is refused (`400`) before the request line ends.
    static let maxMethodBytes = 64

    /// A chunk-size line (chunk extensions included) longer than this is refused (`400`).
    static let maxChunkLineBytes = 4096

    /// The limits in force.
    public let configuration: HTTPServerConfiguration

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var state = State.head
    private var head = PendingHead()
    private var scan = LineScan()
    private var body: [UInt8] = []
    private var trailerBytes = 0
    private var trailerCount = 0

    /// A parser enforcing `configuration`'s limits.
    public init(configuration: HTTPServerConfiguration = HTTPServerConfiguration()) {
        self.configuration = configuration
    }

    /// Where the parser is within the current request (the server picks its timeout from this).
    public var phase: Phase {
        switch self.state {
        case .head:
            let nothingBuffered = self.readIndex == self.buffer.count && self.head.headBytes == 0
            return nothingBuffered ? .idle : .head
        case .failed:
            return .failed
        case .announceContinue, .fixedBody, .chunkLine, .chunkData, .chunkDataEnd, .trailers:
            return .body
        }
    }

    /// Bytes fed but not yet consumed.
    public var bufferedByteCount: Int {
        self.buffer.count - self.readIndex
    }

    /// Bytes the parser holds: input not yet consumed plus the body collected so far.
    public var heldByteCount: Int {
        self.buffer.count - self.readIndex + self.body.count
    }

    /// Appends bytes received from the connection. Ignored after a failure.
    public mutating func feed<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if case .failed = self.state {
            return
        }

        self.compact()
        self.buffer.append(contentsOf: bytes)
    }

    /// The next event the buffered bytes allow, or `nil` when more bytes are needed (or after a
    /// failure).
    public mutating func next() -> Event? {
        while true {
            switch self.state {
            case .failed:
                return nil

            case .head:
                switch self.parseHead() {
                case .needMore:
                    return nil
                case .failure(let error):
                    return self.fail(error)
                case .complete:
                    if let error = self.finishHead() {
                        return self.fail(error)
                    }
                }

            case .announceContinue:
                self.state = self.head.bodyState
                return .sendContinue

            case .fixedBody(let remaining):
                let taken = self.takeBody(upTo: remaining)
                guard taken == remaining else {
                    self.state = .fixedBody(remaining: remaining - taken)
                    return nil
                }
                return self.completeMessage()

            case .chunkLine:
                switch self.parseChunkLine() {
                case .wait:
                    return nil
                case .emit(let event):
                    return event
                case .proceed:
                    continue
                }

            case .chunkData(let remaining):
                let taken = self.takeBody(upTo: remaining)
                guard taken == remaining else {
                    self.state = .chunkData(remaining: remaining - taken)
                    return nil
                }
                self.state = .chunkDataEnd

            case .chunkDataEnd:
                guard self.buffer.count - self.readIndex >= 2 else {
                    return nil
                }
                guard self.buffer[self.readIndex] == Self.cr, self.buffer[self.readIndex + 1] == Self.lf else {
                    return self.fail(.badChunk("chunk data not followed by CRLF"))
                }
                self.readIndex += 2
                self.state = .chunkLine

            case .trailers:
                switch self.parseTrailerLine() {
                case .wait:
                    return nil
                case .emit(let event):
                    return event
                case .proceed:
                    continue
                }
            }
        }
    }

    // MARK: - Head

    private mutating func parseHead() -> HeadOutcome {
        while true {
            let allowance = self.configuration.maxHeaderBytes - self.head.headBytes
            let isRequestLine = !self.head.sawRequestLine
            let limit = self.configuration.maxHeaderBytes

            switch self.scanLine(allowance: allowance, requestLine: isRequestLine) {
            case .needMore:
                return .needMore
            case .tooLong:
                return .failure(.headersTooLarge("header block exceeds \(limit) bytes"))
            case .bareCR:
                return .failure(.badHeader("bare CR in the header block"))
            case .bareLF:
                return .failure(.badHeader("line ends with a bare LF, not CRLF"))
            case .methodTooLong:
                return .failure(.badRequestLine("method longer than \(Self.maxMethodBytes) bytes"))
            case .targetTooLong:
                return .failure(.targetTooLong(limit: self.configuration.maxRequestTargetBytes))
            case .line(let length):
                let start = self.readIndex
                let spaces = (self.scan.firstSpace, self.scan.secondSpace)
                self.consumeLine(length: length)
                self.head.headBytes += length + 2

                if isRequestLine {
                    if length == 0 {
                        continue
                    }
                    if let error = self.parseRequestLine(start: start, length: length, spaces: spaces) {
                        return .failure(error)
                    }
                } else if length == 0 {
                    return .complete
                } else if let error = self.parseHeaderLine(start: start, length: length) {
                    return .failure(error)
                }
            }
        }
    }

    private mutating func parseRequestLine(start: Int, length: Int, spaces: (Int?, Int?)) -> HTTPParseError? {
        let bytes = self.buffer
        guard let first = spaces.0, let second = spaces.1 else {
            return .badRequestLine("request line is not `method target version`")
        }

        let method = start..<(start + first)
        let target = (start + first + 1)..<(start + second)
        let version = (start + second + 1)..<(start + length)
        guard !method.isEmpty, bytes[method].allSatisfy(Self.isTokenByte) else {
            return .badRequestLine("invalid method")
        }
        guard !target.isEmpty, bytes[target].allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            return .badRequestLine("invalid request target")
        }

        let versionBytes = bytes[version]
        guard versionBytes.count == 8, versionBytes.starts(with: Self.httpSlash) else {
            return .badRequestLine("invalid HTTP version")
        }
        let major = bytes[version.lowerBound + 5]
        let dot = bytes[version.lowerBound + 6]
        let minor = bytes[version.lowerBound + 7]
        guard Self.isDigit(major), dot == UInt8(ascii: "."), Self.isDigit(minor) else {
            return .badRequestLine("invalid HTTP version")
        }
        guard major == UInt8(ascii: "1"), minor == UInt8(ascii: "0") || minor == UInt8(ascii: "1") else {
            return HTTPParseError(
                status: 505,
                code: "http_version_not_supported",
                message: "only HTTP/1.0 and HTTP/1.1 are supported"
            )
        }

        guard let (path, query) = Self.splitTarget(bytes, target) else {
            return .badRequestLine("request target is not in origin, absolute or asterisk form")
        }
        self.head.sawRequestLine = true
        self.head.method = String(decoding: bytes[method], as: UTF8.self)
        self.head.target = String(decoding: bytes[target], as: UTF8.self)
        self.head.path = path
        self.head.query = query
        self.head.isHTTP10 = minor == UInt8(ascii: "0")
        return nil
    }

    private mutating func parseHeaderLine(start: Int, length: Int) -> HTTPParseError? {
        self.head.fieldCount += 1
        guard self.head.fieldCount <= self.configuration.maxHeaderCount else {
            return .headersTooLarge("more than \(self.configuration.maxHeaderCount) header fields")
        }

        let bytes = self.buffer
        let field: Field
        switch Self.splitField(bytes, start..<(start + length)) {
        case .success(let value):
            field = value
        case .failure(let error):
            return error
        }

        if let error = self.interpret(field, in: bytes) {
            return error
        }
        self.head.headers.add(
            name: String(decoding: bytes[field.name], as: UTF8.self),
            value: String(decoding: bytes[field.value], as: UTF8.self)
        )
        return nil
    }

    /// Records what the framing-relevant headers say; the verdict waits for the complete head.
    private mutating func interpret(_ field: Field, in bytes: [UInt8]) -> HTTPParseError? {
        let name = field.name
        let value = field.value
        if Self.equalsIgnoringCase(bytes, name, Self.contentLengthName) {
            self.head.contentLengthCount += 1
            self.readContentLength(bytes, value)
        } else if Self.equalsIgnoringCase(bytes, name, Self.transferEncodingName) {
            self.head.transferEncodingSeen = true
            Self.forEachElement(bytes, value) { element in
                self.head.transferCodingCount += 1
                if !Self.equalsIgnoringCase(bytes, element, Self.chunkedToken) {
                    self.head.transferCodingOther = true
                }
            }
        } else if Self.equalsIgnoringCase(bytes, name, Self.connectionName) {
            Self.forEachElement(bytes, value) { element in
                if Self.equalsIgnoringCase(bytes, element, Self.closeToken) {
                    self.head.connectionClose = true
                } else if Self.equalsIgnoringCase(bytes, element, Self.keepAliveToken) {
                    self.head.connectionKeepAlive = true
                }
            }
        } else if Self.equalsIgnoringCase(bytes, name, Self.expectName) {
            self.head.expectSeen = true
            Self.forEachElement(bytes, value) { element in
                self.head.expectCount += 1
                if !Self.equalsIgnoringCase(bytes, element, Self.continueToken) {
                    self.head.expectOther = true
                }
            }
        } else if Self.equalsIgnoringCase(bytes, name, Self.contentEncodingName) {
            Self.forEachElement(bytes, value) { element in
                if Self.equalsIgnoringCase(bytes, element, Self.identityToken) {
                    return
                }
                let isGzip =
                    Self.equalsIgnoringCase(bytes, element, Self.gzipToken)
                    || Self.equalsIgnoringCase(bytes, element, Self.xGzipToken)
                if isGzip {
                    self.head.gzipCount += 1
                } else {
                    self.head.contentEncodingOther = true
                }
            }
        } else if Self.equalsIgnoringCase(bytes, name, Self.hostName) {
            self.head.hostCount += 1
        }
        return nil
    }

    private mutating func readContentLength(_ bytes: [UInt8], _ value: Range<Int>) {
        guard !value.isEmpty else {
            self.head.contentLengthInvalid = true
            return
        }

        var length = 0
        for index in value {
            let byte = bytes[index]
            guard Self.isDigit(byte) else {
                self.head.contentLengthInvalid = true
                return
            }
            if self.head.contentLengthTooLarge {
                continue
            }
            let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 || sum > self.configuration.maxBodyBytes {
                self.head.contentLengthTooLarge = true
            } else {
                length = sum
            }
        }
        self.head.contentLength = length
    }

    /// Decides the framing once the head is complete; the order of checks is the SPEC's.
    private mutating func finishHead() -> HTTPParseError? {
        let head = self.head
        guard head.sawRequestLine else {
            return .badRequestLine("missing request line")
        }
        if head.hostCount > 1 {
            return .badHeader("more than one Host header")
        }
        if head.contentLengthCount > 0 && head.transferEncodingSeen {
            return HTTPParseError(
                status: 400,
                code: "conflicting_framing",
                message: "both Content-Length and Transfer-Encoding"
            )
        }
        if head.contentLengthCount > 1 {
            return .badContentLength("more than one Content-Length header")
        }
        if head.contentLengthInvalid {
            return .badContentLength("Content-Length must be digits only")
        }
        if head.transferEncodingSeen {
            if head.isHTTP10 {
                return .badHeader("Transfer-Encoding in an HTTP/1.0 request")
            }
            if head.transferCodingCount != 1 || head.transferCodingOther {
                return HTTPParseError(
                    status: 501,
                    code: "unsupported_transfer_encoding",
                    message: "only Transfer-Encoding: chunked is supported"
                )
            }
        }
        if head.contentLengthTooLarge {
            return .bodyTooLarge(limit: self.configuration.maxBodyBytes)
        }
        if head.contentEncodingOther || head.gzipCount > 1 {
            return HTTPParseError(
                status: 415,
                code: "unsupported_content_encoding",
                message: "only Content-Encoding gzip or identity is supported"
            )
        }
        let expectsContinue = !head.isHTTP10 && head.expectSeen
        if expectsContinue && (head.expectCount != 1 || head.expectOther) {
            return HTTPParseError(
                status: 417,
                code: "expectation_failed",
                message: "only Expect: 100-continue is supported"
            )
        }

        let bodyState: State = head.transferEncodingSeen ? .chunkLine : .fixedBody(remaining: head.contentLength)
        let hasBody = head.transferEncodingSeen || head.contentLength > 0
        self.head.bodyState = bodyState
        self.body = []
        self.body.reserveCapacity(min(head.contentLength, 65_536))
        self.trailerBytes = 0
        self.trailerCount = 0
        self.state = expectsContinue && hasBody ? .announceContinue : bodyState
        return nil
    }

    // MARK: - Body

    private mutating func takeBody(upTo wanted: Int) -> Int {
        let taken = min(wanted, self.buffer.count - self.readIndex)
        if taken > 0 {
            self.body.append(contentsOf: self.buffer[self.readIndex..<(self.readIndex + taken)])
            self.readIndex += taken
        }
        return taken
    }

    private mutating func parseChunkLine() -> Step {
        switch self.scanLine(allowance: Self.maxChunkLineBytes, requestLine: false) {
        case .needMore:
            return .wait
        case .tooLong:
            return .emit(self.fail(.badChunk("chunk size line longer than \(Self.maxChunkLineBytes) bytes")))
        case .bareCR, .bareLF, .methodTooLong, .targetTooLong:
            return .emit(self.fail(.badChunk("chunk size line does not end with CRLF")))
        case .line(let length):
            let start = self.readIndex
            self.consumeLine(length: length)

            let size: UInt64
            switch Self.chunkSize(self.buffer, start..<(start + length)) {
            case .success(let value):
                size = value
            case .failure(let error):
                return .emit(self.fail(error))
            }

            if size == 0 {
                self.state = .trailers
                return .proceed
            }
            let room = max(0, self.configuration.maxBodyBytes - self.body.count)
            guard size <= UInt64(room) else {
                return .emit(self.fail(.bodyTooLarge(limit: self.configuration.maxBodyBytes)))
            }
            self.state = .chunkData(remaining: Int(size))
            return .proceed
        }
    }

    private mutating func parseTrailerLine() -> Step {
        let limit = self.configuration.maxHeaderBytes
        switch self.scanLine(allowance: limit - self.trailerBytes, requestLine: false) {
        case .needMore:
            return .wait
        case .tooLong:
            return .emit(self.fail(.headersTooLarge("trailer section exceeds \(limit) bytes")))
        case .bareCR, .bareLF, .methodTooLong, .targetTooLong:
            return .emit(self.fail(.badHeader("trailer line does not end with CRLF")))
        case .line(let length):
            let start = self.readIndex
            self.consumeLine(length: length)
            self.trailerBytes += length + 2
            if length == 0 {
                return .emit(self.completeMessage())
            }

            self.trailerCount += 1
            guard self.trailerCount <= self.configuration.maxHeaderCount else {
                let count = self.configuration.maxHeaderCount
                return .emit(self.fail(.headersTooLarge("more than \(count) trailer fields")))
            }
            if case .failure(let error) = Self.splitField(self.buffer, start..<(start + length)) {
                return .emit(self.fail(error))
            }
            return .proceed
        }
    }

    private mutating func completeMessage() -> Event {
        var head = PendingHead()
        swap(&head, &self.head)
        var body: [UInt8] = []
        swap(&body, &self.body)
        self.state = .head

        let request = HTTPRequest(
            method: head.method,
            target: head.target,
            path: head.path,
            query: head.query,
            version: head.isHTTP10 ? "HTTP/1.0" : "HTTP/1.1",
            headers: head.headers,
            body: body
        )
        let keepAlive = head.isHTTP10 ? head.connectionKeepAlive && !head.connectionClose : !head.connectionClose
        return .request(Message(request: request, keepAlive: keepAlive, bodyIsGzip: head.gzipCount == 1))
    }

    private mutating func fail(_ error: HTTPParseError) -> Event {
        self.state = .failed
        self.buffer = []
        self.readIndex = 0
        self.body = []
        self.head = PendingHead()
        return .failure(error)
    }

    // MARK: - Lines

    /// Looks for the CRLF ending the line at `readIndex`, never beyond `allowance` bytes (CRLF
    /// included). Resumes where the previous call stopped, so each byte is examined once.
    private mutating func scanLine(allowance: Int, requestLine: Bool) -> LineOutcome {
        let bytes = self.buffer
        let start = self.readIndex
        let windowEnd = min(bytes.count - start, allowance)
        let maxTarget = self.configuration.maxRequestTargetBytes
        var index = self.scan.offset
        var firstSpace = self.scan.firstSpace
        var secondSpace = self.scan.secondSpace
        defer {
            self.scan.offset = index
            self.scan.firstSpace = firstSpace
            self.scan.secondSpace = secondSpace
        }

        while index < windowEnd {
            let byte = bytes[start + index]
            if byte == Self.cr {
                if index + 1 >= allowance {
                    return .tooLong
                }
                if start + index + 1 >= bytes.count {
                    return .needMore
                }
                return bytes[start + index + 1] == Self.lf ? .line(length: index) : .bareCR
            }
            if byte == Self.lf {
                return .bareLF
            }
            if requestLine {
                if byte == Self.space {
                    if firstSpace == nil {
                        firstSpace = index
                    } else if secondSpace == nil {
                        secondSpace = index
                    }
                } else if firstSpace == nil && index >= Self.maxMethodBytes {
                    return .methodTooLong
                }
                if let first = firstSpace, secondSpace == nil, index - first > maxTarget {
                    return .targetTooLong
                }
            }
            index += 1
        }

        return windowEnd >= allowance ? .tooLong : .needMore
    }

    private mutating func consumeLine(length: Int) {
        self.readIndex += length + 2
        self.scan = LineScan()
    }

    /// Drops consumed bytes so the buffer holds only what is still to be parsed.
    private mutating func compact() {
        guard self.readIndex > 0 else {
            return
        }
        if self.readIndex == self.buffer.count {
            if self.buffer.capacity > 262_144 {
                self.buffer = []
            } else {
                self.buffer.removeAll(keepingCapacity: true)
            }
            self.readIndex = 0
        } else if self.readIndex >= 16_384 || self.readIndex * 2 >= self.buffer.count {
            self.buffer.removeSubrange(0..<self.readIndex)
            self.readIndex = 0
        }
    }

    // MARK: - Byte helpers

    /// Splits `name: value`, validating both; the value is trimmed of optional whitespace.
    private static func splitField(_ bytes: [UInt8], _ line: Range<Int>) -> Result<Field, HTTPParseError> {
        let first = bytes[line.lowerBound]
        if first == Self.space || first == Self.tab {
            return .failure(.badHeader("obsolete line folding is not allowed"))
        }

        var colon = line.lowerBound
        while colon < line.upperBound {
            let byte = bytes[colon]
            if byte == UInt8(ascii: ":") {
                break
            }
            guard Self.isTokenByte(byte) else {
                let isSpace = byte == Self.space || byte == Self.tab
                return .failure(.badHeader(isSpace ? "whitespace before the colon" : "invalid header name"))
            }
            colon += 1
        }
        guard colon < line.upperBound else {
            return .failure(.badHeader("header line without a colon"))
        }
        guard colon > line.lowerBound else {
            return .failure(.badHeader("empty header name"))
        }

        var valueStart = colon + 1
        var valueEnd = line.upperBound
        while valueStart < valueEnd, bytes[valueStart] == Self.space || bytes[valueStart] == Self.tab {
            valueStart += 1
        }
        while valueEnd > valueStart, bytes[valueEnd - 1] == Self.space || bytes[valueEnd - 1] == Self.tab {
            valueEnd -= 1
        }
        for index in valueStart..<valueEnd {
            let byte = bytes[index]
            guard byte == Self.tab || (byte >= 0x20 && byte != 0x7F) else {
                return .failure(.badHeader("control character in a header value"))
            }
        }
        return .success(Field(name: line.lowerBound..<colon, value: valueStart..<valueEnd))
    }

    /// Parses `chunk-size [BWS ";" chunk-ext]`; extensions are checked for control bytes, then ignored.
    private static func chunkSize(_ bytes: [UInt8], _ line: Range<Int>) -> Result<UInt64, HTTPParseError> {
        var size: UInt64 = 0
        var digits = 0
        var index = line.lowerBound
        while index < line.upperBound, let digit = Self.hexValue(bytes[index]) {
            guard digits < 16 else {
                return .failure(.badChunk("chunk size has more than 16 hex digits"))
            }
            size = size << 4 | UInt64(digit)
            digits += 1
            index += 1
        }
        guard digits > 0 else {
            return .failure(.badChunk("chunk size is not hexadecimal"))
        }

        while index < line.upperBound, bytes[index] == Self.space || bytes[index] == Self.tab {
            index += 1
        }
        guard index < line.upperBound else {
            return .success(size)
        }
        guard bytes[index] == UInt8(ascii: ";") else {
            return .failure(.badChunk("invalid character after the chunk size"))
        }
        for position in index..<line.upperBound {
            let byte = bytes[position]
            guard byte == Self.tab || (byte >= 0x20 && byte != 0x7F) else {
                return .failure(.badChunk("control character in a chunk extension"))
            }
        }
        return .success(size)
    }

    /// Splits an origin, absolute or asterisk form target into path and query.
    private static func splitTarget(_ bytes: [UInt8], _ target: Range<Int>) -> (String, String)? {
        var pathStart = target.lowerBound
        let first = bytes[target.lowerBound]
        if first == UInt8(ascii: "*") {
            return target.count == 1 ? ("*", "") : nil
        }
        if first != UInt8(ascii: "/") {
            guard let afterScheme = Self.absoluteFormAuthorityStart(bytes, target) else {
                return nil
            }
            var index = afterScheme
            while index < target.upperBound, bytes[index] != UInt8(ascii: "/"), bytes[index] != UInt8(ascii: "?") {
                index += 1
            }
            guard index > afterScheme else {
                return nil
            }
            guard index < target.upperBound, bytes[index] == UInt8(ascii: "/") else {
                let query = index < target.upperBound ? (index + 1)..<target.upperBound : index..<index
                return ("/", String(decoding: bytes[query], as: UTF8.self))
            }
            pathStart = index
        }

        let questionMark = bytes[pathStart..<target.upperBound].firstIndex(of: UInt8(ascii: "?"))
        guard let mark = questionMark else {
            return (String(decoding: bytes[pathStart..<target.upperBound], as: UTF8.self), "")
        }
        let path = String(decoding: bytes[pathStart..<mark], as: UTF8.self)
        let query = String(decoding: bytes[(mark + 1)..<target.upperBound], as: UTF8.self)
        return (path, query)
    }

    /// The index after `http://` or `https://` (any case), or nil when the target has neither.
    private static func absoluteFormAuthorityStart(_ bytes: [UInt8], _ target: Range<Int>) -> Int? {
        for scheme in [Self.httpScheme, Self.httpsScheme] where target.count > scheme.count {
            let prefix = target.lowerBound..<(target.lowerBound + scheme.count)
            if Self.equalsIgnoringCase(bytes, prefix, scheme) {
                return prefix.upperBound
            }
        }
        return nil
    }

    /// Calls `body` with each non-empty, trimmed element of a comma-separated list.
    private static func forEachElement(_ bytes: [UInt8], _ value: Range<Int>, _ body: (Range<Int>) -> Void) {
        var elementStart = value.lowerBound
        var index = value.lowerBound
        while index <= value.upperBound {
            if index == value.upperBound || bytes[index] == UInt8(ascii: ",") {
                var lower = elementStart
                var upper = index
                while lower < upper, bytes[lower] == Self.space || bytes[lower] == Self.tab {
                    lower += 1
                }
                while upper > lower, bytes[upper - 1] == Self.space || bytes[upper - 1] == Self.tab {
                    upper -= 1
                }
                if lower < upper {
                    body(lower..<upper)
                }
                elementStart = index + 1
            }
            index += 1
        }
    }

    /// Whether `bytes[range]` equals the lower-case ASCII `word`, ignoring ASCII case.
    private static func equalsIgnoringCase(_ bytes: [UInt8], _ range: Range<Int>, _ word: [UInt8]) -> Bool {
        guard range.count == word.count else {
            return false
        }
        var offset = 0
        for index in range {
            var byte = bytes[index]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                byte += 32
            }
            if byte != word[offset] {
                return false
            }
            offset += 1
        }
        return true
    }

    /// RFC 9110 `tchar`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"):
            return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"):
            return byte - UInt8(ascii: "A") + 10
        default:
            return nil
        }
    }

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let httpSlash = Array("HTTP/".utf8)
    private static let httpScheme = Array("http://".utf8)
    private static let httpsScheme = Array("https://".utf8)
    private static let contentLengthName = Array("content-length".utf8)
    private static let transferEncodingName = Array("transfer-encoding".utf8)
    private static let connectionName = Array("connection".utf8)
    private static let expectName = Array("expect".utf8)
    private static let contentEncodingName = Array("content-encoding".utf8)
    private static let hostName = Array("host".utf8)
    private static let chunkedToken = Array("chunked".utf8)
    private static let closeToken = Array("close".utf8)
    private static let keepAliveToken = Array("keep-alive".utf8)
    private static let continueToken = Array("100-continue".utf8)
    private static let identityToken = Array("identity".utf8)
    private static let gzipToken = Array("gzip".utf8)
    private static let xGzipToken = Array("x-gzip".utf8)
}

// MARK: - Private state

extension HTTPRequestParser {
    private enum State: Sendable {
        case head
        case announceContinue
        case fixedBody(remaining: Int)
        case chunkLine
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case failed
    }

    /// What a body-phase step did: wait for bytes, report an event, or go on with the new state.
    private enum Step {
        case wait
        case emit(Event)
        case proceed
    }

    private enum HeadOutcome {
        case needMore
        case complete
        case failure(HTTPParseError)
    }

    private enum LineOutcome {
        case line(length: Int)
        case needMore
        case tooLong
        case bareCR
        case bareLF
        case methodTooLong
        case targetTooLong
    }

    /// Progress through the current, incomplete line; offsets are relative to `readIndex`.
    private struct LineScan: Sendable {
        var offset = 0
        var firstSpace: Int?
        var secondSpace: Int?
    }

    /// A header field line split into name and (trimmed) value ranges.
    private struct Field {
        var name: Range<Int>
        var value: Range<Int>
    }

    /// What the head of the current request said so far.
    private struct PendingHead: Sendable {
        var headBytes = 0
        var sawRequestLine = false
        var method = ""
        var target = ""
        var path = ""
        var query = ""
        var isHTTP10 = false
        var headers = HTTPHeaders()
        var fieldCount = 0
        var hostCount = 0
        var contentLengthCount = 0
        var contentLengthInvalid = false
        var contentLengthTooLarge = false
        var contentLength = 0
        var transferEncodingSeen = false
        var transferCodingCount = 0
        var transferCodingOther = false
        var connectionClose = false
        var connectionKeepAlive = false
        var expectSeen = false
        var expectCount = 0
        var expectOther = false
        var gzipCount = 0
        var contentEncodingOther = false
        var bodyState = State.fixedBody(remaining: 0)
    }
}
