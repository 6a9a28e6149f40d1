import Glibc

/// The POSIX socket calls the HTTP server makes, with Swift results; the only HTTP file that
/// calls socket syscalls. Descriptors are plain `Int32`; every socket is non-blocking.
enum Socket {
    /// A failed socket call: which one and its `errno`.
    struct Failure: Error, Sendable, CustomStringConvertible {
        /// The call that failed, e.g. `"bind"`.
        var operation: String

        /// The `errno` value (0 for address-resolution failures).
        var code: Int32

        /// Extra detail, e.g. the address.
        var detail: String

        /// `bind 127.0.0.1:80: Permission denied`.
        var description: String {
            let reason = self.code == 0 ? "" : ": " + String(cString: strerror(self.code))
            return "\(self.operation) \(self.detail)\(reason)"
        }
    }

    /// The outcome of `accept`.
    enum Accepted {
        case connection(descriptor: Int32, remoteAddress: String)
        case wouldBlock
        case failed(errno: Int32)
    }

    /// The outcome of a read or write.
    enum Transfer {
        case bytes(Int)
        case wouldBlock
        case endOfInput
        case failed(errno: Int32)
    }

    /// Makes writes to a closed peer fail with `EPIPE` instead of killing the process.
    static func ignoreBrokenPipeSignal() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Opens a non-blocking listening socket on `host:port` (port 0: any free port).
    ///
    /// - Returns: the descriptor and the port actually bound.
    /// - Throws: `Socket.Failure` when the address does not resolve or cannot be bound.
    static func listen(host: String, port: Int, backlog: Int32) throws(Failure) -> (descriptor: Int32, port: Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw Failure(operation: "resolve", code: 0, detail: "\(host): " + String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }

        var lastFailure = Failure(operation: "bind", code: EADDRNOTAVAIL, detail: "\(host):\(port)")
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            let descriptor = socket(info.pointee.ai_family, flags, 0)
            guard descriptor >= 0 else {
                lastFailure = Failure(operation: "socket", code: errno, detail: host)
                continue
            }
            var one: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            guard bind(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
                lastFailure = Failure(operation: "bind", code: errno, detail: "\(host):\(port)")
                Glibc.close(descriptor)
                continue
            }
            guard Glibc.listen(descriptor, backlog) == 0 else {
                lastFailure = Failure(operation: "listen", code: errno, detail: "\(host):\(port)")
                Glibc.close(descriptor)
                continue
            }
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let named = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            guard named == 0 else {
                lastFailure = Failure(operation: "getsockname", code: errno, detail: host)
                Glibc.close(descriptor)
                continue
            }
            return (descriptor, Self.port(of: address))
        }
        throw lastFailure
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec socket with `TCP_NODELAY`.
    static func accept(_ listener: Int32) -> Accepted {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        // accept4 is not visible without _GNU_SOURCE, so the flags are set with fcntl below.
        let descriptor = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &length) }
        }
        guard descriptor >= 0 else {
            let code = errno
            return code == EAGAIN || code == EWOULDBLOCK ? .wouldBlock : .failed(errno: code)
        }

        // A new socket has no other status flags, so setting O_NONBLOCK alone loses nothing.
        guard fcntl(descriptor, F_SETFL, O_NONBLOCK) == 0, fcntl(descriptor, F_SETFD, FD_CLOEXEC) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            return .failed(errno: code)
        }
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return .connection(descriptor: descriptor, remoteAddress: Self.describe(address))
    }

    /// Reads what is available, at most `buffer.count` bytes.
    static func receive(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Transfer {
        while true {
            let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count > 0 {
                return .bytes(count)
            }
            if count == 0 {
                return .endOfInput
            }
            let code = errno
            if code == EINTR {
                continue
            }
            return code == EAGAIN || code == EWOULDBLOCK ? .wouldBlock : .failed(errno: code)
        }
    }

    /// Writes as much of `bytes` as the socket takes now, never raising `SIGPIPE`.
    static func send(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Transfer {
        while true {
            let count = Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 {
                return .bytes(count)
            }
            let code = errno
            if code == EINTR {
                continue
            }
            return code == EAGAIN || code == EWOULDBLOCK ? .wouldBlock : .failed(errno: code)
        }
    }

    /// Shuts down the sending side: the peer reads end-of-file after what was sent.
    static func shutdownWrite(_ descriptor: Int32) {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Closes the descriptor.
    static func close(_ descriptor: Int32) {
        Glibc.close(descriptor)
    }

    private static func port(of address: sockaddr_storage) -> Int {
        var copy = address
        switch Int32(address.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &copy) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin_port))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &copy) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
        default:
            return 0
        }
    }

    /// `a.b.c.d:port` or `[v6]:port`.
    private static func describe(_ address: sockaddr_storage) -> String {
        var copy = address
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let port = Self.port(of: address)
        switch Int32(address.ss_family) {
        case AF_INET:
            withUnsafePointer(to: &copy) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
                    var raw = inet.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                }
            }
            return Self.string(text) + ":\(port)"
        case AF_INET6:
            withUnsafePointer(to: &copy) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { inet6 in
                    var raw = inet6.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
                }
            }
            return "[" + Self.string(text) + "]:\(port)"
        default:
            return "unknown"
        }
    }

    private static func string(_ characters: [CChar]) -> String {
        let bytes = characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
