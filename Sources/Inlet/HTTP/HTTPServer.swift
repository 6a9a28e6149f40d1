import Dispatch
import Glibc
import Synchronization

/// An HTTP/1.1 server on non-blocking sockets and Dispatch: no thread per connection or request.
///
/// One accept queue hands connections round-robin to a few serial event loops
/// (`HTTPServerConfiguration.eventLoopCount`). The responder is called on a loop's queue: it must
/// not block; slow work (a store commit) goes elsewhere and answers through `respond` later.
///
/// Request bodies sent with `Content-Encoding: gzip` are decoded before the responder sees them:
/// the responder gets the decoded bytes, no `Content-Encoding` header, and a `Content-Length`
/// (when one was sent) equal to the decoded size. Past `maxBodyBytes` decoded the answer is
/// `413`, corrupt gzip `400`, both with `Connection: close`.
///
/// Starting the server ignores `SIGPIPE` for the whole process.
public final class HTTPServer: Sendable {
    /// Why the server could not start.
    public struct StartError: Error, Sendable, CustomStringConvertible {
        /// What failed, e.g. `bind 127.0.0.1:80: Permission denied`.
        public var description: String
    }

    private let context: HTTPServerContext
    private let loops: [HTTPEventLoop]
    private let acceptQueue = DispatchQueue(label: "inlet.http.accept")
    private let listener = Mutex(ListenerState())
    private let nextLoop = Atomic<Int>(0)

    /// Most connections over the cap answered `503` at once; beyond that they are closed unanswered.
    private static let maxRejectingConnections = 64

    /// A server that will answer with `responder` under `configuration`'s limits.
    public init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger) {
        self.context = HTTPServerContext(configuration: configuration, responder: responder, logger: logger)

        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let count = configuration.eventLoopCount > 0 ? configuration.eventLoopCount : min(max(cores, 1), 8)
        let shortest = min(configuration.headerTimeoutMs, configuration.idleTimeoutMs, configuration.lingerMs)
        let tick = min(250, max(5, shortest / 4))
        self.loops = (0..<count).map { HTTPEventLoop(label: "inlet.http.loop\($0)", tickMilliseconds: tick) }
    }

    /// Connections currently open (lingering ones included; those refused at the cap excluded).
    public var openConnections: Int {
        self.context.openConnections.load(ordering: .relaxed)
    }

    /// Request body bytes held in memory now, over all connections (bounded by
    /// `HTTPServerConfiguration.maxBufferedBodyBytes`).
    public var bufferedBodyBytes: Int {
        self.context.bufferedBodyBytes.load(ordering: .relaxed)
    }

    /// Called with the status of every protocol error: framing errors (400, 413, 414, 415, 417,
    /// 431, 501, 505), gzip bodies that fail to decode, and `503` at the connection cap. Set it
    /// before `start`; it is called from the event loops and must be cheap.
    public var onProtocolError: (@Sendable (Int) -> Void)? {
        get { self.context.onProtocolError }
        set { self.context.onProtocolError = newValue }
    }

    /// Binds `host:port` and starts accepting; port 0 picks a free port.
    ///
    /// - Returns: the port actually bound.
    /// - Throws: `HTTPServer.StartError` when the address cannot be bound or the server was
    ///   already started.
    @discardableResult
    public func start(host: String, port: Int) throws -> Int {
        let listener = try HTTPListener(host: host, port: port)
        do {
            return try self.start(listener)
        } catch {
            listener.close()
            throw error
        }
    }

    /// Starts accepting on `listener`, bound earlier; the server owns and closes it from now on.
    ///
    /// - Returns: the listener's port.
    /// - Throws: `HTTPServer.StartError` when the server was already started, the listener was
    ///   already used, or the event loops cannot poll.
    @discardableResult
    public func start(_ listener: HTTPListener) throws(StartError) -> Int {
        Socket.ignoreBrokenPipeSignal()

        let alreadyStarted = self.listener.withLock { $0.started }
        guard !alreadyStarted else {
            throw StartError(description: "the server was already started")
        }
        guard self.loops.allSatisfy(\.canPoll) else {
            throw StartError(description: "cannot create an epoll instance for the event loops (out of descriptors?)")
        }
        guard listener.handOver() else {
            throw StartError(description: "the listening socket was already used or closed")
        }
        let bound = (descriptor: listener.descriptor, port: listener.port)

        for loop in self.loops {
            loop.start()
        }
        self.listener.withLock { state in
            state.started = true
            state.descriptor = bound.descriptor
            let source = DispatchSource.makeReadSource(fileDescriptor: bound.descriptor, queue: self.acceptQueue)
            source.setEventHandler { [self] in
                self.acceptPending()
            }
            let closed = state.closed
            source.setCancelHandler {
                Socket.close(bound.descriptor)
                closed.signal()
            }
            source.resume()
            state.source = source
        }
        return bound.port
    }

    /// Stops accepting, lets in-flight requests get their responses (with `Connection: close`),
    /// closes idle keep-alive connections, and after at most `drainTimeoutMs` closes whatever is
    /// left. Returns once every socket is closed. Do not call it from a responder.
    public func stop(drainTimeoutMs: Int) {
        let closed: DispatchSemaphore? = self.listener.withLock { state in
            guard let source = state.source else {
                return nil
            }
            if state.acceptSuspended {
                source.resume()
                state.acceptSuspended = false
            }
            source.cancel()
            state.source = nil
            return state.closed
        }
        _ = closed?.wait(timeout: .now() + .seconds(5))

        self.context.draining.store(true, ordering: .relaxed)
        for loop in self.loops {
            loop.queue.async {
                loop.drain()
            }
        }

        let deadline = HTTPEventLoop.now() + UInt64(max(0, drainTimeoutMs)) * 1_000_000
        while HTTPEventLoop.now() < deadline {
            let open = self.openConnections + self.context.rejectingConnections.load(ordering: .relaxed)
            if open == 0 {
                break
            }
            usleep(2_000)
        }

        for loop in self.loops {
            loop.queue.sync {
                loop.closeAll()
                loop.stopTimer()
            }
        }

        // Every connection closed its descriptor in closeAll; wait anyway in case one is in flight.
        let closeDeadline = HTTPEventLoop.now() + 2_000_000_000
        while self.context.openDescriptors.load(ordering: .relaxed) > 0 && HTTPEventLoop.now() < closeDeadline {
            usleep(1_000)
        }
    }

    // MARK: - Accepting

    private func acceptPending() {
        let listening = self.listener.withLock { $0.descriptor }
        for _ in 0..<256 {
            switch Socket.accept(listening) {
            case .connection(let descriptor, let remoteAddress):
                self.adopt(descriptor: descriptor, remoteAddress: remoteAddress)
            case .wouldBlock:
                return
            case .failed(let code):
                if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM {
                    self.context.logger.error("accept failed, pausing accepts", [("errno", String(code))])
                    self.pauseAccepting()
                    return
                }
                if code != ECONNABORTED && code != EINTR && code != EPROTO {
                    self.context.logger.warning("accept failed", [("errno", String(code))])
                    return
                }
            }
        }
    }

    private func adopt(descriptor: Int32, remoteAddress: String) {
        let configuration = self.context.configuration
        self.context.openDescriptors.add(1, ordering: .relaxed)
        var isRejection = false
        if self.context.openConnections.load(ordering: .relaxed) >= configuration.maxConnections {
            let rejecting = self.context.rejectingConnections.add(1, ordering: .relaxed).newValue
            guard rejecting <= Self.maxRejectingConnections else {
                self.context.rejectingConnections.subtract(1, ordering: .relaxed)
                self.context.reportProtocolError(status: 503)
                Socket.close(descriptor)
                self.context.openDescriptors.subtract(1, ordering: .relaxed)
                return
            }
            isRejection = true
        } else {
            self.context.openConnections.add(1, ordering: .relaxed)
        }

        let index = self.nextLoop.add(1, ordering: .relaxed).newValue
        let loop = self.loops[index % self.loops.count]
        let connection = HTTPConnection(
            descriptor: descriptor,
            remoteAddress: remoteAddress,
            loop: loop,
            context: self.context,
            isRejection: isRejection
        )
        loop.queue.async {
            connection.start()
        }
    }

    /// Out of descriptors: stop accepting for 100 ms instead of spinning on a readable listener.
    private func pauseAccepting() {
        self.listener.withLock { state in
            guard let source = state.source, !state.acceptSuspended else {
                return
            }
            source.suspend()
            state.acceptSuspended = true
        }
        self.acceptQueue.asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in
            self.listener.withLock { state in
                guard let source = state.source, state.acceptSuspended else {
                    return
                }
                source.resume()
                state.acceptSuspended = false
            }
        }
    }
}

extension HTTPServer {
    /// The listening socket and its accept source, guarded by `listener`.
    private struct ListenerState {
        var started = false
        var descriptor: Int32 = -1
        var source: (any DispatchSourceRead)?
        var acceptSuspended = false
        let closed = DispatchSemaphore(value: 0)
    }
}
