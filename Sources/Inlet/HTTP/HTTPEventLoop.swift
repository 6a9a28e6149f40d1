import Dispatch
import Glibc

/// A serial queue owning a set of connections, with one sweep timer for all their deadlines and
/// one read buffer they share (reads never overlap on a serial queue).
final class HTTPEventLoop: @unchecked Sendable {
    // @unchecked: every mutable property is touched only on `queue`, which is serial.

    /// The queue every handler of this loop's connections runs on.
    let queue: DispatchQueue

    /// Scratch space for `recv`; its bytes are copied into a parser before the handler returns.
    let readBuffer: UnsafeMutableRawBufferPointer

    private let key = DispatchSpecificKey<ObjectIdentifier>()
    private let tickMilliseconds: Int
    private var connections: [ObjectIdentifier: HTTPConnection] = [:]
    private var timer: (any DispatchSourceTimer)?
    private var dateSecond = -1
    private var cachedDateLine: [UInt8] = []

    /// A loop whose sweep runs every `tickMilliseconds`.
    init(label: String, tickMilliseconds: Int) {
        self.queue = DispatchQueue(label: label)
        self.readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        self.tickMilliseconds = max(5, tickMilliseconds)
        self.queue.setSpecific(key: self.key, value: ObjectIdentifier(self))
    }

    deinit {
        self.readBuffer.deallocate()
    }

    /// Whether the caller runs on this loop's queue.
    var isCurrent: Bool {
        DispatchQueue.getSpecific(key: self.key) == ObjectIdentifier(self)
    }

    /// Monotonic time in nanoseconds, the clock of every deadline.
    static func now() -> UInt64 {
        DispatchTime.now().uptimeNanoseconds
    }

    /// Starts the sweep timer. Call once, from any thread.
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
        }
    }

    /// Stops the sweep timer. Call on the queue.
    func stopTimer() {
        self.timer?.cancel()
        self.timer = nil
    }

    /// Adds a connection; its deadline is checked from now on. Call on the queue.
    func register(_ connection: HTTPConnection) {
        self.connections[ObjectIdentifier(connection)] = connection
    }

    /// Forgets a closed connection. Call on the queue.
    func unregister(_ connection: HTTPConnection) {
        self.connections[ObjectIdentifier(connection)] = nil
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

    private func sweep() {
        let now = Self.now()
        for connection in Array(self.connections.values) where connection.deadline != 0 && now >= connection.deadline {
            connection.deadlinePassed()
        }
    }
}
