import Testing

@testable import Inlet

@Suite struct HTTPResponseEncoderTests {
    static let date = Array("Date: Fri, 04 Dec 2026 17:00:00 GMT\r\n".utf8)

    static func encode(_ response: HTTPResponse, keepAlive: Bool = true, acceptsGzip: Bool = false) -> String {
        var output: [UInt8] = []
        let options = HTTPResponseEncoder.Options(
            keepAlive: keepAlive,
            isHEAD: false,
            isHTTP10: false,
            acceptsGzip: acceptsGzip,
            compressOver: 1024
        )
        HTTPResponseEncoder.encode(response, options: options, dateLine: Self.date, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    @Test func acceptEncodingParsing() {
        #expect(HTTPResponseEncoder.acceptsGzip(["gzip"]))
        #expect(HTTPResponseEncoder.acceptsGzip(["deflate, GZIP;q=0.5"]))
        #expect(HTTPResponseEncoder.acceptsGzip(["br", "x-gzip"]))
        #expect(HTTPResponseEncoder.acceptsGzip(["*"]))
        #expect(!HTTPResponseEncoder.acceptsGzip([]))
        #expect(!HTTPResponseEncoder.acceptsGzip(["deflate, br"]))
        #expect(!HTTPResponseEncoder.acceptsGzip(["gzip;q=0"]))
        #expect(!HTTPResponseEncoder.acceptsGzip(["gzip; q=0.000"]))
        #expect(!HTTPResponseEncoder.acceptsGzip(["*, gzip;q=0"]))
        #expect(!HTTPResponseEncoder.acceptsGzip(["*;q=0"]))
        #expect(HTTPResponseEncoder.acceptsGzip(["gzip;q=0.001"]))
    }

    @Test func serverOwnsFramingHeaders() {
        let response = HTTPResponse(
            status: 200,
            headers: HTTPHeaders([
                ("Content-Length", "999"),
                ("Transfer-Encoding", "chunked"),
                ("Connection", "keep-alive"),
                ("X-Ok", "yes"),
            ]),
            body: Array("hi".utf8)
        )
        let text = Self.encode(response, keepAlive: false)
        #expect(
            text == "HTTP/1.1 200 OK\r\nX-Ok: yes\r\nContent-Length: 2\r\nConnection: close\r\n"
                + "Date: Fri, 04 Dec 2026 17:00:00 GMT\r\n\r\nhi"
        )
    }

    @Test func serverOwnedNamesMatchInAnyCase() {
        for name in ["date", "DATE", "Connection", "content-LENGTH", "Transfer-Encoding"] {
            #expect(HTTPResponseEncoder.isServerOwned(name))
        }
        for name in ["", "dat", "dates", "Content-Type", "connectioN2", "content_length", "x-date", "Transfer-Encodin"]
        {
            #expect(!HTTPResponseEncoder.isServerOwned(name))
        }
    }

    @Test(arguments: [0, 1, 9, 10, 99, 100, 1_000, 1_024])
    func statusLineAndLengthAreWrittenInDecimal(length: Int) {
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: length)
        let text = Self.encode(HTTPResponse(status: 201, body: body))
        #expect(text.hasPrefix("HTTP/1.1 201 Created\r\nContent-Length: \(length)\r\nDate: "))
        #expect(text.hasSuffix("\r\n\r\n" + String(repeating: "x", count: length)))
        #expect(Self.encode(HTTPResponse(status: 999)).hasPrefix("HTTP/1.1 999 Unknown\r\n"))
        #expect(Self.encode(HTTPResponse(status: 1_000)).hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
    }

    @Test func responderCannotSplitTheResponse() {
        let response = HTTPResponse(
            status: 200,
            headers: HTTPHeaders([("X-Evil", "a\r\nSet-Cookie: x=1"), ("Bad Name", "v")])
        )
        let text = Self.encode(response)
        #expect(text.contains("X-Evil: a  Set-Cookie: x=1\r\n"))
        #expect(!text.contains("Bad Name"))
    }

    @Test func noContentHasNoLengthOrBody() {
        let text = Self.encode(HTTPResponse(status: 204, body: Array("dropped".utf8)))
        #expect(text == "HTTP/1.1 204 No Content\r\nDate: Fri, 04 Dec 2026 17:00:00 GMT\r\n\r\n")
    }

    @Test func compressesOnlyBodiesOverTheThreshold() throws {
        let big = HTTPResponse(status: 200, body: [UInt8](repeating: UInt8(ascii: "a"), count: 1025))
        let compressed = Self.encode(big, acceptsGzip: true)
        #expect(compressed.contains("Content-Encoding: gzip\r\n"))
        #expect(compressed.contains("Vary: Accept-Encoding\r\n"))

        let exact = HTTPResponse(status: 200, body: [UInt8](repeating: UInt8(ascii: "a"), count: 1024))
        #expect(!Self.encode(exact, acceptsGzip: true).contains("Content-Encoding"))
    }

    @Test func dateLineIsIMFFixdate() {
        let line = String(decoding: HTTPResponseEncoder.dateLine(epochSeconds: 784_111_777), as: UTF8.self)
        #expect(line == "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n")
    }
}
