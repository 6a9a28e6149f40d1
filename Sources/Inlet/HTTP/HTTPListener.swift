import Synchronization

/// A bound, listening socket not yet accepting: binding first lets `inlet serve` refuse a taken
/// port before it opens (and perhaps migrates) the store another instance may be using.
public final class HTTPListener: Sendable {
    /// The port actually bound (the one asked for, or a free one for port 0).
    public let port: Int

    let descriptor: Int32
    private let handedOver = Mutex(false)

    /// Binds `host:port` (port 0: any free port) and listens.
    ///
    /// - Throws: `HTTPServer.StartError` naming the address and the reason.
    public init(host: String, port: Int) throws(HTTPServer.StartError) {
        do {
            let bound = try Socket.listen(host: host, port: port, backlog: 1024)
            self.descriptor = bound.descriptor
            self.port = bound.port
        } catch {
            throw HTTPServer.StartError(description: error.description)
        }
    }

    /// Marks the socket as owned by a server; returns false when it already was.
    func handOver() -> Bool {
        self.handedOver.withLock { taken in
            defer { taken = true }
            return !taken
        }
    }

    /// Closes the socket unless a server took it over (that server closes it when it stops).
    public func close() {
        if self.handOver() {
            Socket.close(self.descriptor)
        }
    }
}
