import Dispatch
import Glibc

/// A serial queue owning a set of connections, with one sweep timer for all their deadlines, one
/// read buffer they share (reads never overlap on a serial queue) and one epoll instance for their
/// sockets' readiness, watched by a single Dispatch source (see `Poller`).
final class HTTPEventLoop: @unchecked Sendable {
    // @unchecked: every mutable property is touched only on `queue`, which is serial.

    /// The queue every handler of this loop's connections runs on.
    let queue: DispatchQueue

    /// Scratch space for `recv`; its bytes are copied into a parser before the handler returns.
    let readBuffer: UnsafeMutableRawBufferPointer

    private let key = DispatchSpecificKey<ObjectIdentifier>()
    private let tickMilliseconds: Int
    private var connections: [UInt64: HTTPConnection] = [:]
    private var nextToken: UInt64 = 0
    private let poller: Poller?
    private var pollSource: (any DispatchSourceRead)?
    private var pollerOwnedBySource = false
    private var timer: (any DispatchSourceTimer)?
    private var dateSecond = -1
    private var cachedDateLine: [UInt8] = []

    /// A loop whose sweep runs every `tickMilliseconds`.
    init(label: String, tickMilliseconds: Int) {
        self.queue = DispatchQueue(label: label)
        self.readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        self.tickMilliseconds = max(5, tickMilliseconds)
        self.poller = Poller()
        self.queue.setSpecific(key: self.key, value: ObjectIdentifier(self))
    }

    deinit {
        self.readBuffer.deallocate()
        if !self.pollerOwnedBySource {
            self.poller?.close()
        }
    }

    /// Whether the caller runs on this loop's queue.
    var isCurrent: Bool {
        DispatchQueue.getSpecific(key: self.key) == ObjectIdentifier(self)
    }

    /// Monotonic time in nanoseconds, the clock of every deadline.
    static func now() -> UInt64 {
        DispatchTime.now().uptimeNanoseconds
    }

    /// Whether the loop has its epoll instance (the server cannot start without it).
    var canPoll: Bool {
        self.poller != nil
    }

    /// Starts the sweep timer and the source watching the loop's sockets. Call once, from any
    /// thread.
    func start() {
        self.queue.sync {
            let timer = DispatchSource.makeTimerSource(queue: self.queue)
            let interval = DispatchTimeInterval.milliseconds(self.tickMilliseconds)
            timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(5))
            timer.setEventHandler { [weak self] in
                self?.sweep()
            }
            timer.resume()
            self.timer = timer

            if let poller = self.poller {
                let source = DispatchSource.makeReadSource(fileDescriptor: poller.descriptor, queue: self.queue)
                source.setEventHandler { [weak self] in
                    self?.pollSockets()
                }
                source.setCancelHandler {
                    poller.close()
                }
                source.resume()
                self.pollSource = source
                self.pollerOwnedBySource = true
            }
        }
    }

    /// Stops the sweep timer and the socket source (after `closeAll`). Call on the queue.
    func stopTimer() {
        self.timer?.cancel()
        self.timer = nil
        self.pollSource?.cancel()
        self.pollSource = nil
    }

    /// Adds a connection; its deadline is checked from now on. Returns its token for `watch`.
    /// Call on the queue.
    func register(_ connection: HTTPConnection) -> UInt64 {
        self.nextToken += 1
        self.connections[self.nextToken] = connection
        return self.nextToken
    }

    /// Forgets a closed connection (stop watching its socket first). Call on the queue.
    func unregister(token: UInt64) {
        self.connections[token] = nil
    }

    /// Watches the socket of the connection registered as `token` for reading and/or writing
    /// (neither: not at all); `registered` says whether it is watched now. Returns whether it is
    /// watched afterwards. Call on the queue.
    func watch(_ socket: Int32, token: UInt64, read: Bool, write: Bool, registered: Bool) -> Bool {
        self.poller?.update(socket, token: token, read: read, write: write, registered: registered) ?? false
    }

    /// Tells every connection the server is stopping. Call on the queue.
    func drain() {
        for connection in Array(self.connections.values) {
            connection.beginDrain()
        }
    }

    /// Closes every connection now. Call on the queue.
    func closeAll() {
        for connection in Array(self.connections.values) {
            connection.close(reason: "server stopped")
        }
    }

    /// The `Date` header line for the current second, formatted at most once a second.
    func dateLine() -> [UInt8] {
        let second = time(nil)
        if second != self.dateSecond {
            self.dateSecond = second
            self.cachedDateLine = HTTPResponseEncoder.dateLine(epochSeconds: second)
        }
        return self.cachedDateLine
    }

    /// Hands every ready socket to its connection. A few rounds at most, so that responses
    /// queued on the loop meanwhile are not held back; the source fires again while any socket
    /// is still ready.
    private func pollSockets() {
        guard let poller = self.poller else {
            return
        }
        for _ in 0..<4 {
            let count = poller.poll { event in
                self.connections[event.token]?.socketReady(readable: event.readable, writable: event.writable)
            }
            if count < Poller.batchSize {
                return
            }
        }
    }

    private func sweep() {
        let now = Self.now()
        for connection in Array(self.connections.values) where connection.deadline != 0 && now >= connection.deadline {
            connection.deadlinePassed()
        }
    }
}
