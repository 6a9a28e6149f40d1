import Testing

@testable import Inlet

/// One bad input of the SPEC 3 table and the status it must get.
struct RejectCase: Sendable, CustomTestStringConvertible {
    let name: String
    let raw: String
    let status: Int

    var testDescription: String { self.name }
}

@Suite struct HTTPRequestParserTests {
    /// Small limits so the limit rows need little input.
    static let small = HTTPServerConfiguration(
        maxBodyBytes: 100,
        maxHeaderBytes: 200,
        maxHeaderCount: 4,
        maxRequestTargetBytes: 30
    )

    /// Every event the parser gives for `raw` fed at once.
    static func events(
        _ raw: String,
        configuration: HTTPServerConfiguration = small
    ) -> [HTTPRequestParser.Event] {
        var parser = HTTPRequestParser(configuration: configuration)
        parser.feed(Array(raw.utf8))
        var events: [HTTPRequestParser.Event] = []
        while let event = parser.next() {
            events.append(event)
        }
        return events
    }

    static func requests(_ events: [HTTPRequestParser.Event]) -> [HTTPRequestParser.Message] {
        events.compactMap { event in
            if case .request(let message) = event { return message }
            return nil
        }
    }

    static func failure(_ events: [HTTPRequestParser.Event]) -> HTTPParseError? {
        for case .failure(let error) in events {
            return error
        }
        return nil
    }

    /// A POST head with this `Content-Length` value.
    static func post(length: String) -> String {
        "POST / HTTP/1.1\r\nContent-Length: \(length)\r\n\r\n"
    }

    // MARK: - SPEC 3 rejections: status, then the connection must close

    static let rejections: [RejectCase] = [
        RejectCase(
            name: "Content-Length and Transfer-Encoding",
            raw: "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            status: 400
        ),
        RejectCase(
            name: "two equal Content-Length headers",
            raw: "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
            status: 400
        ),
        RejectCase(name: "Content-Length list", raw: Self.post(length: "3, 3") + "abc", status: 400),
        RejectCase(name: "Content-Length plus sign", raw: Self.post(length: "+3") + "abc", status: 400),
        RejectCase(name: "Content-Length minus sign", raw: Self.post(length: "-3"), status: 400),
        RejectCase(name: "Content-Length inner space", raw: Self.post(length: "1 0"), status: 400),
        RejectCase(name: "Content-Length non-digits", raw: Self.post(length: "3a"), status: 400),
        RejectCase(name: "Content-Length hex", raw: Self.post(length: "0x3"), status: 400),
        RejectCase(name: "Content-Length empty", raw: Self.post(length: ""), status: 400),
        RejectCase(
            name: "Content-Length over max_body_bytes",
            raw: "POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n",
            status: 413
        ),
        RejectCase(
            name: "Content-Length of 40 digits",
            raw: "POST / HTTP/1.1\r\nContent-Length: 9999999999999999999999999999999999999999\r\n\r\n",
            status: 413
        ),
        RejectCase(
            name: "Transfer-Encoding gzip",
            raw: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            status: 501
        ),
        RejectCase(
            name: "Transfer-Encoding gzip, chunked",
            raw: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            status: 501
        ),
        RejectCase(
            name: "Transfer-Encoding chunked twice",
            raw: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            status: 501
        ),
        RejectCase(
            name: "chunk size not hex",
            raw: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            status: 400
        ),
        RejectCase(
            name: "chunk size with sign",
            raw: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n",
            status: 400
        ),
        RejectCase(
            name: "chunk size empty",
            raw: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
            status: 400
        ),
        RejectCase(
            name: "chunk size of 17 hex digits",
            raw: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000005\r\nhello\r\n0\r\n\r\n",
            status: 400
        ),
        RejectCase(
            name: "chunk data not followed by CRLF",
            raw: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
            status: 400
        ),
        RejectCase(
            name: "chunked body over max_body_bytes",
            raw: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n" + String(repeating: "a", count: 80)
                + "\r\n15\r\n",
            status: 413
        ),
        RejectCase(name: "obs-fold", raw: "GET / HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n", status: 400),
        RejectCase(name: "bare CR", raw: "GET / HTTP/1.1\r\nX-A: 1\rX-B: 2\r\n\r\n", status: 400),
        RejectCase(name: "bare LF", raw: "GET / HTTP/1.1\nX-A: 1\n\n", status: 400),
        RejectCase(name: "bare LF in a header line", raw: "GET / HTTP/1.1\r\nX-A: 1\n\r\n", status: 400),
        RejectCase(name: "NUL in a value", raw: "GET / HTTP/1.1\r\nX-A: a\u{0}b\r\n\r\n", status: 400),
        RejectCase(name: "space before the colon", raw: "GET / HTTP/1.1\r\nHost : x\r\n\r\n", status: 400),
        RejectCase(name: "line without a colon", raw: "GET / HTTP/1.1\r\nno colon here\r\n\r\n", status: 400),
        RejectCase(name: "invalid name character", raw: "GET / HTTP/1.1\r\nX(A): 1\r\n\r\n", status: 400),
        RejectCase(name: "empty header name", raw: "GET / HTTP/1.1\r\n: 1\r\n\r\n", status: 400),
        RejectCase(
            name: "request target over max_request_target_bytes",
            raw: "GET /" + String(repeating: "a", count: 30) + " HTTP/1.1\r\n\r\n",
            status: 414
        ),
        RejectCase(
            name: "header block over max_header_bytes",
            raw: "GET / HTTP/1.1\r\nX-A: " + String(repeating: "a", count: 200) + "\r\n\r\n",
            status: 431
        ),
        RejectCase(
            name: "more than max_header_count fields",
            raw: "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n",
            status: 431
        ),
        RejectCase(
            name: "Expect other than 100-continue",
            raw: "POST / HTTP/1.1\r\nExpect: something\r\nContent-Length: 1\r\n\r\na",
            status: 417
        ),
        RejectCase(
            name: "Content-Encoding br",
            raw: "POST / HTTP/1.1\r\nContent-Encoding: br\r\nContent-Length: 1\r\n\r\na",
            status: 415
        ),
        RejectCase(name: "HTTP/2.0", raw: "GET / HTTP/2.0\r\n\r\n", status: 505),
        RejectCase(name: "HTTP/1.2", raw: "GET / HTTP/1.2\r\n\r\n", status: 505),
        RejectCase(name: "garbage version", raw: "GET / HTTX/1.1\r\n\r\n", status: 400),
        RejectCase(name: "missing version", raw: "GET /\r\n\r\n", status: 400),
        RejectCase(name: "double space in request line", raw: "GET  / HTTP/1.1\r\n\r\n", status: 400),
        RejectCase(name: "relative target", raw: "GET a/b HTTP/1.1\r\n\r\n", status: 400),
        RejectCase(name: "two Host headers", raw: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400),
        RejectCase(
            name: "Transfer-Encoding on HTTP/1.0",
            raw: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            status: 400
        ),
    ]

    @Test(arguments: rejections)
    func rejects(_ reject: RejectCase) throws {
        var parser = HTTPRequestParser(configuration: Self.small)
        parser.feed(Array(reject.raw.utf8))

        var events: [HTTPRequestParser.Event] = []
        while let event = parser.next() {
            events.append(event)
        }

        #expect(Self.requests(events).isEmpty)
        let error = try #require(Self.failure(events))
        #expect(error.status == reject.status)
        #expect(!error.code.isEmpty)

        // The connection must close: nothing fed afterwards is ever parsed.
        #expect(parser.phase == .failed)
        parser.feed(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(parser.next() == nil)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func chunkedBodyOverTheLimitFailsBeforeTheDataArrives() throws {
        var parser = HTTPRequestParser(configuration: Self.small)
        parser.feed(Array("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n".utf8))
        guard case .failure(let error) = parser.next() else {
            Issue.record("expected a failure as soon as the chunk size is known")
            return
        }
        #expect(error.status == 413)
    }

    @Test func targetTooLongIsReportedBeforeTheLineEnds() throws {
        var parser = HTTPRequestParser(configuration: Self.small)
        parser.feed(Array(("POST /" + String(repeating: "x", count: 40)).utf8))
        guard case .failure(let error) = parser.next() else {
            Issue.record("expected 414 before the request line is complete")
            return
        }
        #expect(error.status == 414)
    }

    @Test func targetCheckComesBeforeTheHeaderBlockLimit() throws {
        let configuration = HTTPServerConfiguration(maxHeaderBytes: 100, maxRequestTargetBytes: 50)
        let raw = "GET /" + String(repeating: "x", count: 200) + " HTTP/1.1\r\n\r\n"
        let events = Self.events(raw, configuration: configuration)
        #expect(Self.failure(events)?.status == 414)
    }

    @Test func headerBlockTooLargeIsReportedWhileBytesStillArrive() throws {
        var parser = HTTPRequestParser(configuration: Self.small)
        parser.feed(Array("GET / HTTP/1.1\r\nX-A: ".utf8))
        #expect(parser.next() == nil)
        #expect(parser.phase == .head)

        // No line end ever comes: the parser fails once the limit is passed, holding no more.
        for _ in 0..<40 {
            parser.feed(Array("aaaaaaaaaa".utf8))
            if let event = parser.next() {
                guard case .failure(let error) = event else {
                    Issue.record("expected a failure")
                    return
                }
                #expect(error.status == 431)
                #expect(parser.bufferedByteCount == 0)
                return
            }
            #expect(parser.bufferedByteCount <= Self.small.maxHeaderBytes)
        }
        Issue.record("no 431 after 400 bytes of header")
    }

    @Test func trailerSectionOverTheLimitIs431() throws {
        let trailer = "T: " + String(repeating: "t", count: 250) + "\r\n"
        let events = Self.events("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailer + "\r\n")
        #expect(Self.failure(events)?.status == 431)
    }

    @Test func expectContinueWithAnErrorGivesTheErrorAndNoContinue() throws {
        let events = Self.events("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 500\r\n\r\n")
        #expect(events.count == 1)
        #expect(Self.failure(events)?.status == 413)
    }

    // MARK: - Positive controls

    @Test func parsesAGetWithOptionalWhitespaceAroundValues() throws {
        let raw = "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost:example.com\r\nX-Pad: \t value with  spaces \t\r\n\r\n"
        let events = Self.events(raw)
        let message = try #require(Self.requests(events).first)
        #expect(events.count == 1)
        #expect(message.request.method == "GET")
        #expect(message.request.target == "/a/b?x=1&y=2")
        #expect(message.request.path == "/a/b")
        #expect(message.request.query == "x=1&y=2")
        #expect(message.request.version == "HTTP/1.1")
        #expect(message.request.headers["host"] == "example.com")
        #expect(message.request.headers["x-pad"] == "value with  spaces")
        #expect(message.request.body.isEmpty)
        #expect(message.keepAlive)
        #expect(!message.bodyIsGzip)
    }

    @Test func decodesChunksWithExtensionsLeadingZerosAndUpperCaseHex() throws {
        let raw =
            "POST /w HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
            + "0005;name=value;x\r\nhello\r\n"
            + "0000000000000A ; ext\r\n0123456789\r\n"
            + "0\r\n\r\n"
        let events = Self.events(raw)
        let message = try #require(Self.requests(events).first)
        #expect(String(decoding: message.request.body, as: UTF8.self) == "hello0123456789")
        #expect(message.request.headers["transfer-encoding"] == "Chunked")
    }

    @Test func sixteenHexDigitChunkSizeIsAccepted() throws {
        let raw = "POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0000000000000003\r\nabc\r\n0\r\n\r\n"
        let message = try #require(Self.requests(Self.events(raw)).first)
        #expect(message.request.body == Array("abc".utf8))
    }

    @Test func trailersAreReadAndNotMerged() throws {
        let raw =
            "POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-Keep: 1\r\n\r\n"
            + "3\r\nabc\r\n0\r\nX-Trailer: t\r\nContent-Length: 99\r\n\r\n"
            + "GET /next HTTP/1.1\r\n\r\n"
        let messages = Self.requests(Self.events(raw))
        #expect(messages.count == 2)
        let first = try #require(messages.first)
        #expect(first.request.body == Array("abc".utf8))
        #expect(first.request.headers["x-trailer"] == nil)
        #expect(first.request.headers["content-length"] == nil)
        #expect(first.request.headers["x-keep"] == "1")
        #expect(messages.last?.request.path == "/next")
    }

    @Test func pipelinedRequestsInOneFeedComeOutInOrder() throws {
        let raw =
            "POST /one HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
            + "GET /two HTTP/1.1\r\n\r\n"
            + "POST /three HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n"
            + "GET /fo"
        var parser = HTTPRequestParser(configuration: Self.small)
        parser.feed(Array(raw.utf8))
        var paths: [String] = []
        var bodies: [String] = []
        while let event = parser.next() {
            if case .request(let message) = event {
                paths.append(message.request.path)
                bodies.append(String(decoding: message.request.body, as: UTF8.self))
            }
        }
        #expect(paths == ["/one", "/two", "/three"])
        #expect(bodies == ["abc", "", "z"])
        #expect(parser.phase == .head)
        #expect(parser.bufferedByteCount == 7)

        parser.feed(Array("ur HTTP/1.1\r\n\r\n".utf8))
        guard case .request(let fourth) = parser.next() else {
            Issue.record("expected the fourth request")
            return
        }
        #expect(fourth.request.path == "/four")
        #expect(parser.phase == .idle)
    }

    @Test func requestFedByteByByteMatchesOneFeed() throws {
        let raw = Array(
            ("\r\nPOST /w?q HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "4;e\r\nwxyz\r\n0\r\nT: v\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").utf8
        )
        var parser = HTTPRequestParser(configuration: Self.small)
        var kinds: [String] = []
        var messages: [HTTPRequestParser.Message] = []
        for byte in raw {
            parser.feed([byte])
            while let event = parser.next() {
                switch event {
                case .sendContinue:
                    kinds.append("continue")
                case .request(let message):
                    kinds.append("request")
                    messages.append(message)
                case .failure(let error):
                    kinds.append("failure \(error)")
                }
            }
        }
        #expect(kinds == ["continue", "request", "request"])
        #expect(messages.first?.request.body == Array("wxyz".utf8))
        #expect(messages.first?.request.query == "q")
        #expect(messages.last?.request.version == "HTTP/1.0")
        #expect(messages.last?.keepAlive == true)
    }

    @Test func absoluteFormTargetGivesThePath() throws {
        let events = Self.events(
            "POST http://inlet.example:8080/webhooks/x?a=1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            configuration: HTTPServerConfiguration()
        )
        let message = try #require(Self.requests(events).first)
        #expect(message.request.target == "http://inlet.example:8080/webhooks/x?a=1")
        #expect(message.request.path == "/webhooks/x")
        #expect(message.request.query == "a=1")

        let bare = try #require(Self.requests(Self.events("GET HTTPS://host HTTP/1.1\r\n\r\n")).first)
        #expect(bare.request.path == "/")
    }

    @Test func keepAliveRulesForBothVersions() throws {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
            ("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false),
        ]
        for (raw, keepAlive) in cases {
            let message = try #require(Self.requests(Self.events(raw)).first)
            #expect(message.keepAlive == keepAlive, "\(raw.debugDescription)")
        }
    }

    @Test func continueComesAfterTheHeadAndBeforeTheBody() throws {
        var parser = HTTPRequestParser(configuration: Self.small)
        parser.feed(Array("PUT /x HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n".utf8))
        guard case .sendContinue = parser.next() else {
            Issue.record("expected sendContinue once the head is complete")
            return
        }
        #expect(parser.next() == nil)
        #expect(parser.phase == .body)

        parser.feed(Array("hello".utf8))
        guard case .request(let message) = parser.next() else {
            Issue.record("expected the request after the body")
            return
        }
        #expect(message.request.body == Array("hello".utf8))
    }

    @Test func expectIsIgnoredOnHTTP10AndWithoutABody() throws {
        let old = Self.events("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\na")
        #expect(old.count == 1)
        #expect(Self.requests(old).count == 1)

        let oldOther = Self.events("POST / HTTP/1.0\r\nExpect: nonsense\r\nContent-Length: 1\r\n\r\na")
        #expect(Self.requests(oldOther).count == 1)

        let noBody = Self.events("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n")
        #expect(noBody.count == 1)
        #expect(Self.requests(noBody).count == 1)
    }

    @Test func contentLengthAtTheLimitAndLeadingZerosAreAccepted() throws {
        let body = String(repeating: "b", count: 100)
        let exact = Self.events("POST / HTTP/1.1\r\nContent-Length: 0000100\r\n\r\n" + body)
        #expect(Self.requests(exact).first?.request.body.count == 100)
    }

    @Test func gzipAndIdentityContentEncodingsAreAccepted() throws {
        let gzip = Self.events("POST / HTTP/1.1\r\nContent-Encoding: GZIP\r\nContent-Length: 1\r\n\r\na")
        #expect(Self.requests(gzip).first?.bodyIsGzip == true)
        let identity = Self.events("POST / HTTP/1.1\r\nContent-Encoding: identity\r\nContent-Length: 1\r\n\r\na")
        #expect(Self.requests(identity).first?.bodyIsGzip == false)
    }

    @Test func missingHostIsAcceptedOnHTTP11() throws {
        #expect(Self.requests(Self.events("GET / HTTP/1.1\r\n\r\n")).count == 1)
    }

    /// Regression: `next()` used to spin forever when a chunk-size line or a trailer line was
    /// incomplete (the "need more bytes" answer was mistaken for "state changed, go on").
    @Test func incompleteChunkLineOrTrailerWaitsForBytes() throws {
        var parser = HTTPRequestParser(configuration: Self.small)
        parser.feed(Array("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5".utf8))
        #expect(parser.next() == nil)
        #expect(parser.phase == .body)

        parser.feed(Array("\r\nhello\r\n0\r\nTrailer-Fi".utf8))
        #expect(parser.next() == nil)
        #expect(parser.phase == .body)

        parser.feed(Array("eld: 1\r\n\r\n".utf8))
        guard case .request(let message) = parser.next() else {
            Issue.record("expected the request once the trailers ended")
            return
        }
        #expect(message.request.body == Array("hello".utf8))
    }

    @Test func idlePhaseOnlyWithNothingBuffered() throws {
        var parser = HTTPRequestParser(configuration: Self.small)
        #expect(parser.phase == .idle)
        parser.feed(Array("G".utf8))
        #expect(parser.next() == nil)
        #expect(parser.phase == .head)
    }
}
