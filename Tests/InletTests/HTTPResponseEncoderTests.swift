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
