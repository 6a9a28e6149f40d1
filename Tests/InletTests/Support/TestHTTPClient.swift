import Foundation
import Glibc

@testable import Inlet

/// A response as a test client read it.
struct TestResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    /// The first value of header `name`, any case.
    func header(_ name: String) -> String? {
        self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// The body as UTF-8 text.
    var text: String {
        String(decoding: self.body, as: UTF8.self)
    }
}

/// How a read of the rest of the stream ended.
enum TestStreamEnd: Equatable {
    case endOfFile
    case reset
    case timeout
}

/// A failure in the test client (connect, send, or a malformed or missing response).
struct TestClientError: Error, CustomStringConvertible {
    var description: String
}

/// A small blocking TCP client for live server tests: every read and write times out, so a test
/// fails instead of hanging.
final class TestHTTPClient {
    private var descriptor: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`.
    init(port: Int, timeoutSeconds: Int = 5) throws {
        self.descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard self.descriptor >= 0 else {
            throw TestClientError(description: "socket failed")
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(self.descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(self.descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(self.descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(self.descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let failure = errno
            // A class whose init throws after every property is set still runs deinit: close here
            // and forget the descriptor, or deinit closes the same number again, which by then may
            // belong to another thread's socket (the EBADF flakes of the crash and reload tests).
            self.close()
            throw TestClientError(description: "connect failed: errno \(failure)")
        }
    }

    deinit {
        self.close()
    }

    /// Closes the socket (idempotent).
    func close() {
        if self.descriptor >= 0 {
            Glibc.close(self.descriptor)
            self.descriptor = -1
        }
    }

    /// Sends all of `bytes`.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { raw in
                Glibc.send(self.descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else {
                throw TestClientError(description: "send failed: errno \(errno)")
            }
            offset += sent
        }
    }

    /// Sends `text` as UTF-8.
    func send(_ text: String) throws {
        try self.send(Array(text.utf8))
    }

    /// Reads one response (an interim `100` included, as its own response); `bodyless` for the
    /// answer to `HEAD`, whose `Content-Length` describes a body that is not sent.
    func readResponse(bodyless: Bool = false) throws -> TestResponse {
        let headEnd = try self.fill(until: { buffer in Self.find([13, 10, 13, 10], in: buffer) })
        let head = String(decoding: self.buffer[0..<headEnd], as: UTF8.self)
        self.buffer.removeFirst(headEnd + 4)

        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw TestClientError(description: "bad status line in \(head)")
        }
        let headers = lines.map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            let value = parts.count > 1 ? parts[1].trimmingCharacters(in: " ") : ""
            return (String(parts[0]), value)
        }
        var response = TestResponse(status: status, headers: headers, body: [])
        if !bodyless, let length = response.header("content-length").flatMap({ Int($0) }) {
            _ = try self.fill(until: { $0.count >= length ? length : nil })
            response.body = Array(self.buffer[0..<length])
            self.buffer.removeFirst(length)
        }
        return response
    }

    /// Reads and drops input until the peer closes, resets, or the read times out.
    func readToEnd() -> TestStreamEnd {
        self.buffer.removeAll()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                continue
            }
            if count == 0 {
                return .endOfFile
            }
            if errno == EINTR {
                continue
            }
            return errno == ECONNRESET ? .reset : .timeout
        }
    }

    private func fill(until found: ([UInt8]) -> Int?) throws -> Int {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let index = found(self.buffer) {
                return index
            }
            let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                let reason = count == 0 ? "end of file" : "errno \(errno)"
                throw TestClientError(description: "no complete response (\(reason)) after \(self.buffer.count) bytes")
            }
            self.buffer.append(contentsOf: chunk[0..<count])
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else {
            return nil
        }
        for index in 0...(haystack.count - needle.count)
        where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var text = self
        while text.first == character {
            text = text.dropFirst()
        }
        while text.last == character {
            text = text.dropLast()
        }
        return String(text)
    }
}

extension TestResponse {
    /// The body parsed as JSON, or nil when it is not JSON.
    var json: JSON? {
        try? JSONParser().parse(self.body)
    }
}

extension TestHTTPClient {
    /// Sends one request on a new connection (`Connection: close`) and reads its response.
    static func request(
        port: Int,
        _ method: String,
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8] = []
    ) throws -> TestResponse {
        let client = try TestHTTPClient(port: port, timeoutSeconds: 10)
        defer { client.close() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers {
            head += "\(name): \(value)\r\n"
        }
        head += "Content-Length: \(body.count)\r\n\r\n"
        try client.send(Array(head.utf8) + body)
        return try client.readResponse()
    }
}
