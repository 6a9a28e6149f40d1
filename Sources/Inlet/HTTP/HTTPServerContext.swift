import Synchronization

/// What every connection of one server shares: configuration, responder, logger, counters.
final class HTTPServerContext: Sendable {
    /// The limits in force.
    let configuration: HTTPServerConfiguration

    /// Answers complete requests.
    let responder: any HTTPResponder

    /// Where protocol errors and timeouts are logged.
    let logger: Logger

    /// Accepted connections not yet closed (lingering ones included, rejected ones excluded).
    let openConnections = Atomic<Int>(0)

    /// Connections accepted over the cap that are still being answered `503`.
    let rejectingConnections = Atomic<Int>(0)

    /// Accepted sockets whose descriptor is not closed yet (closing waits for the Dispatch
    /// sources' cancel handlers, so this trails `openConnections`).
    let openDescriptors = Atomic<Int>(0)

    /// Set once `stop` began: responses say `Connection: close` and idle connections close.
    let draining = Atomic<Bool>(false)

    /// Request body bytes held now over all connections (see `maxBufferedBodyBytes`).
    let bufferedBodyBytes = Atomic<Int>(0)

    private let protocolErrorHook = Mutex<(@Sendable (Int) -> Void)?>(nil)

    private static let requestCounter = Atomic<UInt64>(0)

    /// A context for one server.
    init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
    }

    /// The hook called with the status of each protocol error (framing errors, `503` at the cap).
    var onProtocolError: (@Sendable (Int) -> Void)? {
        get { self.protocolErrorHook.withLock { $0 } }
        set { self.protocolErrorHook.withLock { $0 = newValue } }
    }

    /// Calls the protocol-error hook, if any.
    func reportProtocolError(status: Int) {
        let hook = self.protocolErrorHook.withLock { $0 }
        hook?(status)
    }

    /// A short id unique within the process: `r` and a base-36 counter.
    static func nextRequestID() -> String {
        let number = Self.requestCounter.add(1, ordering: .relaxed).newValue
        return "r" + String(number, radix: 36)
    }

    /// Takes `count` more bytes of the body budget; false (and nothing taken) when that would go
    /// past `maxBufferedBodyBytes`.
    func reserveBodyBytes(_ count: Int) -> Bool {
        let limit = self.configuration.maxBufferedBodyBytes
        var current = self.bufferedBodyBytes.load(ordering: .relaxed)
        while true {
            guard current + count <= limit else { return false }
            let (exchanged, original) = self.bufferedBodyBytes.compareExchange(
                expected: current,
                desired: current + count,
                ordering: .relaxed
            )
            if exchanged {
                return true
            }
            current = original
        }
    }

    /// Gives `count` bytes of the body budget back.
    func releaseBodyBytes(_ count: Int) {
        self.bufferedBodyBytes.subtract(count, ordering: .relaxed)
    }
}
