import Dispatch
import Foundation
import Testing

@testable import Inlet

/// The request bodies held over all connections stay within `maxBufferedBodyBytes`: a request
/// that would go past it gets `503 server_busy` and the budget comes back as requests finish.
@Suite struct HTTPBodyBudgetTests {
    /// 60 KB bodies under a 100 KB budget: one fits, two do not.
    static let configuration = HTTPServerConfiguration(maxBodyBytes: 60_000, maxBufferedBodyBytes: 100_000)

    static let body = [UInt8](repeating: UInt8(ascii: "b"), count: 60_000)

    /// Waits (at most 10 s) until `condition` holds.
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<1_000 {
            if condition() {
                return true
            }
            usleep(10_000)
        }
        return condition()
    }

    static func post(_ path: String, body: [UInt8]) -> [UInt8] {
        Array("POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    static func expectBusy(_ response: TestResponse, _ client: TestHTTPClient) {
        #expect(response.status == 503)
        #expect(response.text.contains(#""code":"server_busy""#))
        #expect(response.header("retry-after") == "1")
        #expect(response.header("connection") == "close")
        #expect(client.readToEnd() == .endOfFile)
    }

    @Test func aBodyPastTheBudgetIsRefusedWhileAnotherIsBeingReceived() throws {
        try HTTPServerTests.withServer(Self.configuration) { port, server in
            let slow = try TestHTTPClient(port: port)
            let request = Self.post("/slow-upload", body: Self.body)
            try slow.send(Array(request.prefix(request.count - 10_000)))
            #expect(Self.eventually { server.bufferedBodyBytes >= 50_000 })

            let refused = try TestHTTPClient(port: port)
            try refused.send(Self.post("/other", body: Self.body))
            Self.expectBusy(try refused.readResponse(), refused)

            try slow.send(Array(request.suffix(10_000)))
            let answered = try slow.readResponse()
            #expect(answered.status == 200)
            #expect(answered.body.count == 60_000)
            #expect(Self.eventually { server.bufferedBodyBytes == 0 }, "an answered request gives its budget back")

            let later = try TestHTTPClient(port: port)
            try later.send(Self.post("/later", body: Self.body))
            #expect(try later.readResponse().status == 200)
            slow.close()
            later.close()
            #expect(Self.eventually { server.bufferedBodyBytes == 0 })
        }
    }

    @Test func aBodyWithTheResponderCountsUntilItsAnswerIsSent() throws {
        let responder = EchoResponder()
        try HTTPServerTests.withServer(Self.configuration, responder: responder) { port, server in
            let gated = try TestHTTPClient(port: port)
            try gated.send(Self.post("/gate", body: Self.body))
            responder.arrived.wait()
            #expect(server.bufferedBodyBytes >= 60_000)

            let refused = try TestHTTPClient(port: port)
            try refused.send(Self.post("/other", body: Self.body))
            Self.expectBusy(try refused.readResponse(), refused)

            responder.gate.signal()
            #expect(try gated.readResponse().status == 200)
            #expect(Self.eventually { server.bufferedBodyBytes == 0 })

            let later = try TestHTTPClient(port: port)
            try later.send(Self.post("/later", body: Self.body))
            #expect(try later.readResponse().status == 200)
        }
    }

    @Test func closedConnectionsGiveTheirBudgetBack() throws {
        try HTTPServerTests.withServer(Self.configuration) { port, server in
            for round in 0..<5 {
                let client = try TestHTTPClient(port: port)
                let request = Self.post("/abandoned\(round)", body: Self.body)
                try client.send(Array(request.prefix(40_000)))
                #expect(Self.eventually { server.bufferedBodyBytes >= 30_000 })
                client.close()
                #expect(Self.eventually { server.bufferedBodyBytes == 0 }, "round \(round)")
            }
        }
    }

    @Test func theBudgetIsConfiguredUnderLimitsAndNeverBelowTheLargestBody() throws {
        let defaults = HTTPServerConfiguration()
        #expect(defaults.maxBufferedBodyBytes == 67_108_864)

        var decoder = ConfigDecoder(environment: [:])
        let tooSmall = decoder.decodeLimits(["max_body_bytes": 2_000_000, "max_buffered_body_bytes": 1_000_000])
        #expect(tooSmall == nil)
        #expect(decoder.errors.map(\.location) == ["limits.max_buffered_body_bytes"])

        var second = ConfigDecoder(environment: [:])
        let raised = second.decodeLimits(["max_body_bytes": 100_000_000])
        #expect(raised?.maxBufferedBodyBytes == 100_000_000, "the default grows to fit one largest body")
        #expect(second.errors.isEmpty)
    }
}
