import Dispatch
import Synchronization

/// One accepted TCP connection: reads, parses, hands one request at a time to the responder,
/// writes the response, and closes gracefully.
///
/// Every method except `deliver` runs on the owning loop's serial queue. Input that arrives while
/// a request is with the responder or a response is being written is left in the socket (the read
/// source is suspended when it fires then), so the input buffered per connection stays bounded and
/// responses leave in request order, each request answered once.
/// After an early (framing) error the connection answers, shuts down its sending side, discards
/// input for at most `lingerMs`, then closes, so the client reads the answer instead of a reset.
final class HTTPConnection: @unchecked Sendable {
    // @unchecked: all mutable state is confined to `loop.queue`; `deliver` only hops onto it.

    /// The peer, `host:port`.
    let remoteAddress: String

    /// When the sweep must call `deadlinePassed` (monotonic nanoseconds); 0 means none.
    private(set) var deadline: UInt64 = 0

    private let descriptor: Int32
    private let loop: HTTPEventLoop
    private let context: HTTPServerContext
    private let isRejection: Bool
    private var parser: HTTPRequestParser
    private var state = State.open
    private var token: UInt64 = 0
    private var watched = false
    private var readActive = false
    private var writeActive = false
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var afterFlush = AfterFlush.continueReading
    private var awaitingResponse = false
    private var responseToken = 0
    private var insideResponder = false
    private var stashedResponse: HTTPResponse?
    private var current = CurrentRequest()
    private var requestsStarted = 0
    private var headStartedAt: UInt64
    private var lastBodyProgress: UInt64 = 0
    private var peerClosedInput = false
    private var draining = false
    private var processing = false
    /// Body budget this connection holds (see `HTTPServerConfiguration.maxBufferedBodyBytes`).
    private var reservedBodyBytes = 0
    /// Body bytes of the request with the responder (0 when none).
    private var inFlightBodyBytes = 0

    /// A connection on `descriptor`; `isRejection` answers `503` and closes (over the cap).
    init(
        descriptor: Int32,
        remoteAddress: String,
        loop: HTTPEventLoop,
        context: HTTPServerContext,
        isRejection: Bool
    ) {
        self.descriptor = descriptor
        self.remoteAddress = remoteAddress
        self.loop = loop
        self.context = context
        self.isRejection = isRejection
        self.parser = HTTPRequestParser(configuration: context.configuration)
        self.headStartedAt = HTTPEventLoop.now()
    }

    // MARK: - Lifecycle

    /// Registers with the loop and starts reading (or answering `503`). Call on the queue.
    func start() {
        self.token = self.loop.register(self)

        if self.isRejection {
            self.rejectOverCapacity()
            return
        }
        self.deadline = self.headStartedAt + Self.nanoseconds(self.context.configuration.headerTimeoutMs)
        self.resumeReading()
        if self.context.draining.load(ordering: .relaxed) {
            self.beginDrain()
        }
    }

    /// The server is stopping: idle connections close now, busy ones after their response.
    func beginDrain() {
        self.draining = true
        let idle = !self.awaitingResponse && self.outputOffset == self.output.count && self.parser.phase == .idle
        if self.state == .open && idle {
            self.close(reason: "server stopping")
        }
    }

    /// Called by the sweep when `deadline` has passed.
    func deadlinePassed() {
        switch self.state {
        case .closed:
            return
        case .lingering:
            self.close(reason: "linger time over")
        case .open:
            let phase = self.parser.phase
            let reason: String
            if self.outputOffset < self.output.count {
                reason = "client not reading the response"
            } else if phase == .head || (phase == .idle && self.requestsStarted == 0) {
                reason = "header timeout"
            } else if phase == .body {
                reason = "body made no progress"
            } else {
                reason = "idle timeout"
            }
            let level: Logger.Level = reason == "idle timeout" ? .debug : .info
            self.context.logger.log(
                level,
                "connection timed out",
                [("remote", self.remoteAddress), ("reason", reason)]
            )
            self.close(reason: reason)
        }
    }

    /// Closes at once: stops watching the socket and closes the descriptor.
    func close(reason: String) {
        guard self.state != .closed else {
            return
        }
        self.state = .closed
        self.deadline = 0
        self.loop.unregister(token: self.token)
        self.context.logger.log(.trace, "connection closed", [("remote", self.remoteAddress), ("reason", reason)])
        if self.isRejection {
            self.context.rejectingConnections.subtract(1, ordering: .relaxed)
        } else {
            self.context.openConnections.subtract(1, ordering: .relaxed)
        }

        // Unwatched before it closes, so the descriptor number can be reused at once.
        self.readActive = false
        self.writeActive = false
        self.updateWatch()
        self.closeDescriptor()
        self.output = []
        self.outputOffset = 0
        self.parser = HTTPRequestParser(configuration: self.context.configuration)
        self.inFlightBodyBytes = 0
        self.context.releaseBodyBytes(self.reservedBodyBytes)
        self.reservedBodyBytes = 0
    }

    private func closeDescriptor() {
        Socket.close(self.descriptor)
        self.context.openDescriptors.subtract(1, ordering: .relaxed)
    }

    // MARK: - Reading

    private func handleReadable() {
        switch self.state {
        case .closed:
            return
        case .lingering:
            self.discardInput()
            return
        case .open:
            break
        }
        guard !self.awaitingResponse, self.outputOffset == self.output.count else {
            self.suspendReading()
            return
        }

        switch Socket.receive(self.descriptor, into: self.loop.readBuffer) {
        case .bytes(let count):
            let before = self.parser.phase
            self.parser.feed(UnsafeRawBufferPointer(rebasing: self.loop.readBuffer[0..<count]))
            guard self.settleBodyBudget() else {
                self.rejectBusy()
                return
            }
            let now = HTTPEventLoop.now()
            if before == .idle && self.requestsStarted > 0 {
                self.headStartedAt = now
            }
            self.lastBodyProgress = now
            self.processInput()
        case .wouldBlock:
            return
        case .endOfInput:
            self.peerClosedInput = true
            self.suspendReading()
            self.processInput()
        case .failed:
            self.close(reason: "read failed")
        }
    }

    /// Pulls events from the parser until it needs bytes, a request goes to the responder, or
    /// output is waiting to be written.
    ///
    /// Not re-entered: a response completed synchronously inside the loop (an inline responder)
    /// just lets the loop go on, so a long pipeline does not deepen the stack.
    private func processInput() {
        guard !self.processing else {
            return
        }
        self.processing = true
        defer { self.processing = false }

        while self.state == .open && !self.awaitingResponse && self.outputOffset == self.output.count {
            guard let event = self.parser.next() else {
                self.waitForInput()
                return
            }

            switch event {
            case .sendContinue:
                self.output.append(contentsOf: HTTPResponseEncoder.continueResponse)
                self.afterFlush = .continueReading
                self.lastBodyProgress = HTTPEventLoop.now()
                guard self.flush() else {
                    return
                }
            case .failure(let error):
                self.rejectEarly(error)
                return
            case .request(let message):
                self.dispatch(message)
            }
        }
    }

    /// No complete event in the buffer: wait for bytes under the deadline of the phase.
    private func waitForInput() {
        if self.peerClosedInput {
            self.close(reason: "peer closed")
            return
        }
        let configuration = self.context.configuration
        switch self.parser.phase {
        case .idle:
            if self.draining {
                self.close(reason: "server stopping")
                return
            }
            if self.requestsStarted > 0 {
                self.deadline = HTTPEventLoop.now() + Self.nanoseconds(configuration.idleTimeoutMs)
            } else {
                self.deadline = self.headStartedAt + Self.nanoseconds(configuration.headerTimeoutMs)
            }
        case .head:
            self.deadline = self.headStartedAt + Self.nanoseconds(configuration.headerTimeoutMs)
        case .body:
            self.deadline = self.lastBodyProgress + Self.nanoseconds(configuration.idleTimeoutMs)
        case .failed:
            return
        }
        self.resumeReading()
    }

    private func discardInput() {
        for _ in 0..<16 {
            switch Socket.receive(self.descriptor, into: self.loop.readBuffer) {
            case .bytes:
                continue
            case .wouldBlock:
                return
            case .endOfInput, .failed:
                self.close(reason: "lingering done")
                return
            }
        }
    }

    // MARK: - Requests and responses

    private func dispatch(_ message: HTTPRequestParser.Message) {
        // Reading is not suspended here: a client that waits for the answer sends nothing, and one
        // that pipelines makes `handleReadable` suspend the source then. Suspending and resuming
        // a source per request costs a hand-off to Dispatch's manager thread each time.
        self.requestsStarted += 1
        self.awaitingResponse = true
        self.deadline = 0
        self.responseToken += 1

        var request = message.request
        request.requestID = HTTPServerContext.nextRequestID()
        request.remoteAddress = self.remoteAddress
        request.responseQueue = self.loop.queue
        self.current = CurrentRequest(
            requestID: request.requestID,
            keepAlive: message.keepAlive,
            isHEAD: request.method == "HEAD",
            isHTTP10: request.version == "HTTP/1.0",
            acceptsGzip: HTTPResponseEncoder.acceptsGzip(request.headers.values(for: "accept-encoding"))
        )

        if message.bodyIsGzip {
            if let failure = self.decodeGzipBody(of: &request) {
                self.current.keepAlive = false
                self.complete(failure)
                return
            }
        }

        self.inFlightBodyBytes = request.body.count
        guard self.settleBodyBudget() else {
            self.logProtocolError(requestID: request.requestID, status: 503, code: "server_busy")
            self.current.keepAlive = false
            self.complete(HTTPConnection.busyResponse)
            return
        }

        let token = self.responseToken
        self.insideResponder = true
        self.context.responder.handle(request) { [self] response in
            self.deliver(response, token: token)
        }
        self.insideResponder = false
        if let response = self.stashedResponse {
            self.stashedResponse = nil
            self.complete(response)
        }
        // An answer that comes later does not suspend reading either: input stays bounded
        // because `handleReadable` reads nothing while a request is with the responder (it
        // suspends reading if bytes arrive then), and a suspend/resume pair costs two epoll_ctl
        // calls per request (3% of the server's CPU under the bench).
    }

    /// Replaces a gzip body by its decoded bytes (and drops `Content-Encoding`, fixes
    /// `Content-Length`), or returns the error response: `413` past `maxBodyBytes`, `400` corrupt.
    private func decodeGzipBody(of request: inout HTTPRequest) -> HTTPResponse? {
        let limit = self.context.configuration.maxBodyBytes
        do {
            request.body = try Gzip.inflate(request.body, limit: limit)
        } catch {
            let status: Int
            let response: HTTPResponse
            switch error {
            case .tooLarge:
                status = 413
                response = .error(413, code: "body_too_large", message: "decompressed body exceeds \(limit) bytes")
            case .corrupt(let reason):
                status = 400
                response = .error(400, code: "invalid_gzip", message: "request body is not valid gzip: \(reason)")
            }
            self.logProtocolError(requestID: request.requestID, status: status, code: "gzip")
            return response
        }
        request.headers.remove(name: "content-encoding")
        if request.headers["content-length"] != nil {
            request.headers.replaceOrAdd(name: "Content-Length", value: String(request.body.count))
        }
        return nil
    }

    /// The responder's callback: hops onto the queue unless already there.
    private func deliver(_ response: HTTPResponse, token: Int) {
        if self.loop.isCurrent {
            self.receive(response, token: token)
        } else {
            self.loop.queue.async { [self] in
                self.receive(response, token: token)
            }
        }
    }

    private func receive(_ response: HTTPResponse, token: Int) {
        guard self.state == .open, self.awaitingResponse, token == self.responseToken else {
            return
        }
        if self.insideResponder {
            if self.stashedResponse == nil {
                self.stashedResponse = response
            }
            return
        }
        self.complete(response)
    }

    private func complete(_ response: HTTPResponse) {
        self.awaitingResponse = false
        self.inFlightBodyBytes = 0
        _ = self.settleBodyBudget()
        let stopping = self.draining || self.context.draining.load(ordering: .relaxed)
        let keepAlive = self.current.keepAlive && !stopping
        let options = HTTPResponseEncoder.Options(
            keepAlive: keepAlive,
            isHEAD: self.current.isHEAD,
            isHTTP10: self.current.isHTTP10,
            acceptsGzip: self.current.acceptsGzip,
            compressOver: self.context.configuration.compressResponsesOver
        )
        HTTPResponseEncoder.encode(response, options: options, dateLine: self.loop.dateLine(), into: &self.output)
        self.afterFlush = keepAlive ? .continueReading : .linger
        if self.flush() {
            self.flushed()
        }
    }

    private func rejectEarly(_ error: HTTPParseError) {
        let requestID = HTTPServerContext.nextRequestID()
        self.logProtocolError(requestID: requestID, status: error.status, code: error.code)
        self.suspendReading()
        self.sendFinal(.error(error.status, code: error.code, message: error.message))
    }

    private func rejectOverCapacity() {
        let requestID = HTTPServerContext.nextRequestID()
        self.logProtocolError(requestID: requestID, status: 503, code: "too_many_connections")
        let maxConnections = self.context.configuration.maxConnections
        let message = "the server already has \(maxConnections) open connections; retry later"
        self.sendFinal(.error(503, code: "too_many_connections", message: message))
    }

    /// `503 server_busy`: the request bodies held over all connections reached their budget.
    private static let busyResponse: HTTPResponse = {
        var response = HTTPResponse.error(
            503,
            code: "server_busy",
            message: "too many request bodies are held at once; retry later"
        )
        response.headers.add(name: "Retry-After", value: "1")
        return response
    }()

    /// Answers `503 server_busy` and closes: the bytes just read would take the request bodies
    /// held over all connections past their budget.
    private func rejectBusy() {
        let requestID = HTTPServerContext.nextRequestID()
        self.logProtocolError(requestID: requestID, status: 503, code: "server_busy")
        self.suspendReading()
        self.sendFinal(HTTPConnection.busyResponse)
    }

    /// Takes or gives back body budget so that this connection holds exactly what it keeps in
    /// memory (the parser's input and body, and the body with the responder); false, with
    /// nothing more taken, when the budget has no room.
    private func settleBodyBudget() -> Bool {
        let wanted = self.parser.heldByteCount + self.inFlightBodyBytes
        if wanted > self.reservedBodyBytes {
            guard self.context.reserveBodyBytes(wanted - self.reservedBodyBytes) else {
                return false
            }
        } else if wanted < self.reservedBodyBytes {
            self.context.releaseBodyBytes(self.reservedBodyBytes - wanted)
        }
        self.reservedBodyBytes = wanted
        return true
    }

    /// Sends `response` with `Connection: close`, then lingers and closes.
    private func sendFinal(_ response: HTTPResponse) {
        let options = HTTPResponseEncoder.Options(
            keepAlive: false,
            isHEAD: false,
            isHTTP10: false,
            acceptsGzip: false,
            compressOver: Int.max
        )
        HTTPResponseEncoder.encode(response, options: options, dateLine: self.loop.dateLine(), into: &self.output)
        self.afterFlush = .linger
        if self.flush() {
            self.flushed()
        }
    }

    private func logProtocolError(requestID: String, status: Int, code: String) {
        self.context.logger.info(
            "protocol error",
            [("request_id", requestID), ("remote", self.remoteAddress), ("status", String(status)), ("code", code)]
        )
        self.context.reportProtocolError(status: status)
    }

    // MARK: - Writing

    /// Writes pending output; true when all of it is written. On a full socket it arms the write
    /// source and returns false; `flushed` runs once the rest is out.
    private func flush() -> Bool {
        while self.outputOffset < self.output.count {
            let offset = self.outputOffset
            let result = self.output.withUnsafeBytes { bytes in
                Socket.send(self.descriptor, UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            }
            switch result {
            case .bytes(let count):
                self.outputOffset += count
            case .wouldBlock:
                self.deadline = HTTPEventLoop.now() + Self.nanoseconds(self.context.configuration.idleTimeoutMs)
                self.resumeWriting()
                return false
            case .endOfInput, .failed:
                self.close(reason: "write failed")
                return false
            }
        }

        if self.output.capacity > 262_144 {
            self.output = []
        } else {
            self.output.removeAll(keepingCapacity: true)
        }
        self.outputOffset = 0
        self.suspendWriting()
        return true
    }

    private func handleWritable() {
        guard self.state != .closed else {
            return
        }
        if self.flush() {
            self.flushed()
        }
    }

    /// Everything is written: read on, or linger and close.
    private func flushed() {
        switch self.afterFlush {
        case .continueReading:
            self.headStartedAt = HTTPEventLoop.now()
            self.lastBodyProgress = self.headStartedAt
            if !self.processing {
                self.processInput()
            }
        case .linger:
            self.beginLinger()
        }
    }

    private func beginLinger() {
        guard self.state == .open else {
            return
        }
        Socket.shutdownWrite(self.descriptor)
        self.state = .lingering
        if self.peerClosedInput {
            self.close(reason: "peer closed")
            return
        }
        let configured = self.context.configuration.lingerMs
        let linger = self.isRejection ? min(configured, 1000) : configured
        self.deadline = HTTPEventLoop.now() + Self.nanoseconds(linger)
        self.resumeReading()
    }

    // MARK: - Readiness

    /// The loop's poller says the socket is ready: write pending output first, then read.
    func socketReady(readable: Bool, writable: Bool) {
        if writable && self.writeActive {
            self.handleWritable()
        }
        if readable && self.readActive && self.state != .closed {
            self.handleReadable()
        }
    }

    private func resumeReading() {
        guard !self.readActive, self.state != .closed else {
            return
        }
        self.readActive = true
        self.updateWatch()
    }

    private func suspendReading() {
        guard self.readActive else {
            return
        }
        self.readActive = false
        self.updateWatch()
    }

    private func resumeWriting() {
        guard !self.writeActive, self.state != .closed else {
            return
        }
        self.writeActive = true
        self.updateWatch()
    }

    private func suspendWriting() {
        guard self.writeActive else {
            return
        }
        self.writeActive = false
        self.updateWatch()
    }

    /// Tells the loop's poller what the socket is waited for (one `epoll_ctl`, on this queue).
    private func updateWatch() {
        self.watched = self.loop.watch(
            self.descriptor,
            token: self.token,
            read: self.readActive,
            write: self.writeActive,
            registered: self.watched
        )
    }

    private static func nanoseconds(_ milliseconds: Int) -> UInt64 {
        UInt64(max(0, milliseconds)) * 1_000_000
    }
}

extension HTTPConnection {
    private enum State {
        case open
        case lingering
        case closed
    }

    private enum AfterFlush {
        case continueReading
        case linger
    }

    /// What the response to the request with the responder needs to know.
    private struct CurrentRequest {
        var requestID = ""
        var keepAlive = true
        var isHEAD = false
        var isHTTP10 = false
        var acceptsGzip = false
    }
}
