import Dispatch
import Synchronization
import Testing

@testable import Inlet

/// Echoes what it received, so tests can check what the server handed over.
///
/// `/big` answers 4000 bytes of text, `/slow` answers after 300 ms from another thread,
/// `/gate` waits until the test opens the gate; anything else echoes the body with the method,
/// path and request headers of interest in `X-` headers.
struct EchoResponder: HTTPResponder {
    /// Signalled when a `/gate` request arrives; the test then calls `open`.
    let arrived = DispatchSemaphore(value: 0)
    let gate = DispatchSemaphore(value: 0)

    func handle(_ request: HTTPRequest, respond: @escaping @Sendable (HTTPResponse) -> Void) {
        switch request.path {
        case "/big":
            let text = String(repeating: "all work and no play makes a big response. ", count: 100)
            let headers = HTTPHeaders([("Content-Type", "text/plain")])
            respond(HTTPResponse(status: 200, headers: headers, body: Array(text.utf8)))
        case "/slow":
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(300)) {
                respond(HTTPResponse(status: 200, body: Array("slow".utf8)))
            }
        case "/gate":
            let (arrived, gate) = (self.arrived, self.gate)
            DispatchQueue.global().async {
                arrived.signal()
                gate.wait()
                respond(HTTPResponse(status: 200, body: Array("gated".utf8)))
            }
        case "/twice":
            respond(HTTPResponse(status: 200, body: Array("first".utf8)))
            respond(HTTPResponse(status: 500, body: Array("second".utf8)))
        default:
            let headers = HTTPHeaders([
                ("X-Method", request.method),
                ("X-Path", request.path),
                ("X-Content-Encoding", request.headers["content-encoding"] ?? "none"),
                ("X-Content-Length", request.headers["content-length"] ?? "none"),
                ("X-Request-ID", request.requestID),
                ("X-Remote", request.remoteAddress),
            ])
            respond(HTTPResponse(status: 200, headers: headers, body: request.body))
        }
    }
}

@Suite struct HTTPServerTests {
    static let quiet = Logger(level: .critical, sink: .memory())

    /// Starts a server on 127.0.0.1 port 0, runs `body`, and always stops the server.
    static func withServer(
        _ configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        responder: EchoResponder = EchoResponder(),
        logger: Logger = quiet,
        _ body: (Int, HTTPServer) throws -> Void
    ) throws {
        let server = HTTPServer(configuration: configuration, responder: responder, logger: logger)
        let port = try server.start(host: "127.0.0.1", port: 0)
        defer { server.stop(drainTimeoutMs: 1000) }
        try body(port, server)
    }

    @Test func answersARequestWithServerHeaders() throws {
        try Self.withServer { port, _ in
            let client = try TestHTTPClient(port: port)
            try client.send("POST /echo?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "hello")
            #expect(response.header("x-method") == "POST")
            #expect(response.header("x-path") == "/echo")
            #expect(response.header("content-length") == "5")
            #expect(response.header("date")?.hasSuffix(" GMT") == true)
            #expect(response.header("connection") == nil)
            #expect(response.header("x-request-id")?.hasPrefix("r") == true)
            #expect(response.header("x-remote")?.hasPrefix("127.0.0.1:") == true)
        }
    }

    @Test func pipelinedPairInOneWriteIsAnsweredInOrder() throws {
        try Self.withServer { port, _ in
            let client = try TestHTTPClient(port: port)
            try client.send(
                "GET /slow HTTP/1.1\r\n\r\nPOST /second HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
            )
            let first = try client.readResponse()
            let second = try client.readResponse()
            #expect(first.text == "slow")
            #expect(second.header("x-path") == "/second")
            #expect(second.text == "abc")
        }
    }

    @Test func longPipelineInOneWriteIsAnsweredInOrder() throws {
        try Self.withServer { port, _ in
            let client = try TestHTTPClient(port: port)
            let count = 2000
            var batch = ""
            for index in 0..<count {
                batch += "GET /p\(index) HTTP/1.1\r\n\r\n"
            }
            try client.send(batch)
            for index in 0..<count {
                let response = try client.readResponse()
                #expect(response.header("x-path") == "/p\(index)")
            }
        }
    }

    @Test func requestSplitByteByByteIsParsed() throws {
        try Self.withServer { port, _ in
            let client = try TestHTTPClient(port: port)
            for byte in Array("POST /bytes HTTP/1.1\r\nContent-Length: 2\r\n\r\nok".utf8) {
                try client.send([byte])
            }
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("x-path") == "/bytes")
            #expect(response.text == "ok")
        }
    }

    @Test func expectContinueSendsTheInterimResponseBeforeTheBody() throws {
        try Self.withServer { port, _ in
            let client = try TestHTTPClient(port: port)
            try client.send("PUT /upload HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            let interim = try client.readResponse()
            #expect(interim.status == 100)

            try client.send("data")
            let final = try client.readResponse()
            #expect(final.status == 200)
            #expect(final.text == "data")
        }
    }

    @Test func expectContinueWithTooLargeBodyGetsTheFinalErrorAtOnce() throws {
        try Self.withServer(HTTPServerConfiguration(maxBodyBytes: 1000)) { port, _ in
            let client = try TestHTTPClient(port: port)
            try client.send("PUT /upload HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.header("connection") == "close")
            #expect(client.readToEnd() == .endOfFile)
        }
    }

    @Test func tooLargeBodyIsAnsweredBeforeTheClientFinishesAndWithoutReset() throws {
        try Self.withServer(HTTPServerConfiguration(maxBodyBytes: 100_000)) { port, _ in
            let client = try TestHTTPClient(port: port)
            try client.send("POST /big-upload HTTP/1.1\r\nContent-Length: 10000000\r\n\r\n")
            // Like curl, keep sending the body before reading: 8 MB is more than the socket
            // buffers hold, so these sends only succeed if the server reads and drops the rest
            // instead of closing (which would reset the connection and fail a send).
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 65_536)
            for _ in 0..<128 {
                try client.send(chunk)
            }

            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.header("content-type") == "application/json")
            #expect(response.text.contains(#""code":"body_too_large""#))
            #expect(response.text.contains(#""status":413"#))
            #expect(response.header("connection") == "close")
            #expect(client.readToEnd() == .endOfFile)
        }
    }

    @Test func earlyErrorNeverAnswersLeftoverBytes() throws {
        try Self.withServer { port, _ in
            let client = try TestHTTPClient(port: port)
            try client.send("GET / HTTP/1.1\r\nBad Header: x\r\n\r\nGET /second HTTP/1.1\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.text.contains(#""type":"invalid_request_error""#))
            #expect(client.readToEnd() == .endOfFile)
        }
    }

    @Test func protocolErrorsReachTheHookAndTheLog() throws {
        let counted = Mutex<[Int]>([])
        let sink = LogSink.memory()
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(),
            responder: EchoResponder(),
            logger: Logger(level: .info, sink: sink)
        )
        server.onProtocolError = { status in counted.withLock { $0.append(status) } }
        let port = try server.start(host: "127.0.0.1", port: 0)
        defer { server.stop(drainTimeoutMs: 1000) }

        let client = try TestHTTPClient(port: port)
        try client.send("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(try client.readResponse().status == 400)
        #expect(client.readToEnd() == .endOfFile)
        #expect(counted.withLock { $0 } == [400])
        let line = try #require(sink.capturedLines.first { $0.contains("protocol error") })
        #expect(line.contains("status=400"))
        #expect(line.contains("request_id=r"))
        #expect(line.contains("remote=127.0.0.1:"))
    }

    @Test func slowHeaderConnectionsDoNotBlockANormalRequest() throws {
        try Self.withServer { port, _ in
            var slow: [TestHTTPClient] = []
            for _ in 0..<50 {
                let client = try TestHTTPClient(port: port)
                try client.send("GET /slowloris HTTP/1.1\r\nX-Partial: ")
                slow.append(client)
            }

            let normal = try TestHTTPClient(port: port)
            try normal.send("GET /normal HTTP/1.1\r\n\r\n")
            let response = try normal.readResponse()
            #expect(response.status == 200)
            #expect(response.header("x-path") == "/normal")
            for client in slow {
                client.close()
            }
        }
    }

    @Test func connectionCapAnswers503WhileExistingConnectionsKeepWorking() throws {
        try Self.withServer(HTTPServerConfiguration(maxConnections: 3)) { port, server in
            var clients: [TestHTTPClient] = []
            for index in 0..<3 {
                let client = try TestHTTPClient(port: port)
                try client.send("GET /c\(index) HTTP/1.1\r\n\r\n")
                #expect(try client.readResponse().status == 200)
                clients.append(client)
            }
            #expect(server.openConnections == 3)

            let extra = try TestHTTPClient(port: port)
            try extra.send("GET /extra HTTP/1.1\r\n\r\n")
            let refused = try extra.readResponse()
            #expect(refused.status == 503)
            #expect(refused.text.contains(#""code":"too_many_connections""#))
            #expect(refused.header("connection") == "close")
            #expect(extra.readToEnd() == .endOfFile)

            for (index, client) in clients.enumerated() {
                try client.send("GET /again\(index) HTTP/1.1\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.header("x-path") == "/again\(index)")
            }
        }
    }

    @Test func headerTimeoutClosesASilentConnection() throws {
        let configuration = HTTPServerConfiguration(headerTimeoutMs: 200, idleTimeoutMs: 5000)
        try Self.withServer(configuration) { port, server in
            let silent = try TestHTTPClient(port: port)
            let partial = try TestHTTPClient(port: port)
            try partial.send("GET / HTTP/1.1\r\nHost:")
            #expect(silent.readToEnd() == .endOfFile)
            #expect(partial.readToEnd() == .endOfFile)
        }
    }

    @Test func idleTimeoutClosesAKeptAliveConnection() throws {
        let configuration = HTTPServerConfiguration(headerTimeoutMs: 5000, idleTimeoutMs: 200)
        try Self.withServer(configuration) { port, _ in
            let client = try TestHTTPClient(port: port)
            try client.send("GET / HTTP/1.1\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            #expect(client.readToEnd() == .endOfFile)
        }
    }

    @Test func bodyMakingNoProgressIsClosedAfterTheIdleTimeout() throws {
        let configuration = HTTPServerConfiguration(headerTimeoutMs: 5000, idleTimeoutMs: 200)
        try Self.withServer(configuration) { port, _ in
            let client = try TestHTTPClient(port: port)
            try client.send("POST /stalled HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
            #expect(client.readToEnd() == .endOfFile)
        }
    }

    @Test func gzipRequestBodyIsDecodedBeforeTheResponder() throws {
        try Self.withServer { port, _ in
            let json = Array(String(repeating: #"{"event":"dsync.user.created"}"#, count: 20).utf8)
            let compressed = try #require(Gzip.deflate(json))
            let client = try TestHTTPClient(port: port)
            try client.send(
                "POST /gz HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: \(compressed.count)\r\n\r\n"
            )
            try client.send(compressed)
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.body == json)
            #expect(response.header("x-content-encoding") == "none")
            #expect(response.header("x-content-length") == String(json.count))
        }
    }

    @Test func gzipBombAndCorruptGzipAreRefused() throws {
        try Self.withServer(HTTPServerConfiguration(maxBodyBytes: 10_000)) { port, _ in
            let bomb = try #require(Gzip.deflate([UInt8](repeating: 0, count: 1_000_000)))
            let client = try TestHTTPClient(port: port)
            try client.send("POST /gz HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: \(bomb.count)\r\n\r\n")
            try client.send(bomb)
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.header("connection") == "close")

            let corrupt = try TestHTTPClient(port: port)
            try corrupt.send("POST /gz HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope")
            #expect(try corrupt.readResponse().status == 400)
        }
    }

    @Test func unsupportedContentEncodingIs415() throws {
        try Self.withServer { port, _ in
            let client = try TestHTTPClient(port: port)
            try client.send("POST /x HTTP/1.1\r\nContent-Encoding: br\r\nContent-Length: 1\r\n\r\na")
            #expect(try client.readResponse().status == 415)
        }
    }

    @Test func largeResponsesAreCompressedOnlyWhenAccepted() throws {
        try Self.withServer { port, _ in
            let client = try TestHTTPClient(port: port)
            try client.send("GET /big HTTP/1.1\r\nAccept-Encoding: br, gzip;q=0.8\r\n\r\n")
            let compressed = try client.readResponse()
            #expect(compressed.header("content-encoding") == "gzip")
            #expect(compressed.header("vary") == "Accept-Encoding")
            let text = String(decoding: try Gzip.inflate(compressed.body, limit: 100_000), as: UTF8.self)
            #expect(text.hasPrefix("all work and no play"))
            #expect(text.utf8.count == 4300)

            try client.send("GET /big HTTP/1.1\r\nAccept-Encoding: gzip;q=0\r\n\r\n")
            let refused = try client.readResponse()
            #expect(refused.header("content-encoding") == nil)
            #expect(refused.body.count == 4300)

            try client.send("GET /big HTTP/1.1\r\n\r\n")
            #expect(try client.readResponse().header("content-encoding") == nil)

            try client.send("GET /small HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n")
            #expect(try client.readResponse().header("content-encoding") == nil)
        }
    }

    @Test func http10ClosesUnlessKeepAlive() throws {
        try Self.withServer { port, _ in
            let keep = try TestHTTPClient(port: port)
            try keep.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try keep.readResponse().header("connection") == "keep-alive")
            try keep.send("GET /b HTTP/1.0\r\n\r\n")
            let last = try keep.readResponse()
            #expect(last.header("connection") == "close")
            #expect(keep.readToEnd() == .endOfFile)
        }
    }

    @Test func eachRequestIsAnsweredOnce() throws {
        try Self.withServer { port, _ in
            let client = try TestHTTPClient(port: port)
            try client.send("GET /twice HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n")
            let first = try client.readResponse()
            let second = try client.readResponse()
            #expect(first.text == "first")
            #expect(second.header("x-path") == "/after")
        }
    }

    @Test func headRequestGetsHeadersWithoutBody() throws {
        try Self.withServer { port, _ in
            let client = try TestHTTPClient(port: port)
            try client.send("HEAD /big HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\n\r\n")
            let head = try client.readResponse(bodyless: true)
            #expect(head.header("content-length") == "4300")
            // The HEAD response carries no body, so the next bytes are the second response.
            let next = try client.readResponse()
            #expect(next.header("x-path") == "/next")
        }
    }

    @Test func startFailsClearlyWhenThePortIsTaken() throws {
        try Self.withServer { port, _ in
            let second = HTTPServer(
                configuration: HTTPServerConfiguration(),
                responder: EchoResponder(),
                logger: Self.quiet
            )
            defer { second.stop(drainTimeoutMs: 0) }
            #expect {
                try second.start(host: "127.0.0.1", port: port)
            } throws: { error in
                String(describing: error).contains("bind 127.0.0.1:\(port)")
            }
        }
    }

    @Test func stopLetsAnInFlightRequestFinish() throws {
        let responder = EchoResponder()
        let server = HTTPServer(configuration: HTTPServerConfiguration(), responder: responder, logger: Self.quiet)
        let port = try server.start(host: "127.0.0.1", port: 0)
        let client = try TestHTTPClient(port: port)
        let idle = try TestHTTPClient(port: port)
        try idle.send("GET /warm HTTP/1.1\r\n\r\n")
        #expect(try idle.readResponse().status == 200)

        try client.send("GET /gate HTTP/1.1\r\n\r\n")
        try #require(responder.arrived.wait(timeout: .now() + .seconds(5)) == .success)
        let stopped = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            server.stop(drainTimeoutMs: 5000)
            stopped.signal()
        }
        // The idle keep-alive connection is closed by the drain; the busy one still gets its answer.
        #expect(idle.readToEnd() == .endOfFile)
        responder.gate.signal()
        let response = try client.readResponse()
        #expect(response.text == "gated")
        #expect(response.header("connection") == "close")
        #expect(stopped.wait(timeout: .now() + .seconds(10)) == .success)
        #expect(server.openConnections == 0)
        #expect(throws: TestClientError.self) { try TestHTTPClient(port: port) }
    }
}
