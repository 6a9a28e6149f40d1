import Foundation
import Testing

@testable import Inlet

/// The request path's cheaper building blocks behave as before: nested parsing with scratch
/// stacks, the mapping envelope's headers, histogram updates, and logger level checks.
@Suite struct RequestPathTests {
    @Test func nestedContainersParseExactlyAndDuplicatesAreScopedToOneObject() throws {
        let text = #"{"a":{"b":1,"c":[1,{"d":2},[]],"e":{}},"f":[[],[1,2],{"b":3}],"b":3.50,"g":"x"}"#
        let value = try JSONParser().parse(text)
        #expect(value.serialized() == text)
        #expect(value["a"]?["c"]?.arrayValue?.count == 3)
        #expect(value["f"]?.arrayValue?[2]["b"] == 3)

        // The same key in different objects is fine; twice in one object is not, at any depth.
        _ = try JSONParser().parse(#"{"x":{"x":1,"y":{"x":2}},"y":[{"x":1},{"x":2}]}"#)
        #expect(throws: JSONParseError.self) { try JSONParser().parse(#"{"a":[{"x":1,"y":2,"x":3}]}"#) }
        #expect(throws: JSONParseError.self) { try JSONParser().parse(#"{"a":{"b":{}},"c":1,"a":2}"#) }

        // Lenient: the last value wins in the first position, in nested objects too.
        let lenient = try JSONParser(rejectsDuplicateKeys: false).parse(#"{"o":{"k":1,"j":0,"k":2},"k":3,"o":4}"#)
        #expect(lenient.serialized() == #"{"o":4,"k":3}"#)
        let inner = try JSONParser(rejectsDuplicateKeys: false).parse(#"{"o":{"k":1,"j":0,"k":2}}"#)
        #expect(inner.serialized() == #"{"o":{"k":2,"j":0}}"#)

        // An error deep inside leaves nothing behind for the next parse with the same parser.
        let parser = JSONParser()
        #expect(throws: JSONParseError.self) { try parser.parse(#"{"a":[1,{"b":[2,"#) }
        #expect(try parser.parse(#"[{"a":1}]"#).serialized() == #"[{"a":1}]"#)
    }

    @Test func envelopeHeadersAreLowerCasedJoinedSortedAndFiltered() {
        var headers = HTTPHeaders()
        headers.add(name: "X-Trace", value: "a")
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "WorkOS-Signature", value: "t=1, v1=secret")
        headers.add(name: "x-trace", value: "b")
        headers.add(name: "Authorization", value: "Bearer secret")
        headers.add(name: "X-ÜBER", value: "u")
        let envelope = MappingEnvelope(body: ["k": 1], headers: headers)
        #expect(envelope.headers == ["x-trace": "a, b", "content-type": "application/json", "x-über": "u"])
        #expect(envelope.root["headers"]?.objectValue?.keys == ["content-type", "x-trace", "x-über"])
        #expect(envelope.root["body"] == ["k": 1])
        #expect(envelope == MappingEnvelope(body: ["k": 1], headers: envelope.headers))
        #expect(MappingEnvelope.lowercased("already-lower") == "already-lower")
        #expect(MappingEnvelope.lowercased("Mixed-Case") == "mixed-case")
        #expect(MappingEnvelope.lowercased("PROXY-AUTHORIZATION-LONG-NAME") == "proxy-authorization-long-name")
        #expect(MappingEnvelope.lowercased("") == "")
    }

    @Test func everyHiddenHeaderIsHiddenAndOthersAreNot() {
        for name in MappingEnvelope.hiddenHeaders {
            #expect(MappingEnvelope.isHidden(name))
        }
        for name in ["", "cookies", "workos-signaturex", "authorisation", "x-workos-signature", "host", "content-type"]
        {
            #expect(!MappingEnvelope.isHidden(name))
        }
        var headers = HTTPHeaders()
        for name in ["COOKIE", "Proxy-Authorization", "AUTHORIZATION", "WorkOS-Signature", "Host"] {
            headers.add(name: name, value: "v")
        }
        #expect(MappingEnvelope(body: [:], headers: headers).headers == ["host": "v"])
    }

    @Test func histogramsAccumulateAcrossObservations() {
        let metrics = Metrics()
        for seconds in [0.0004, 0.003, 0.003, 7.0] {
            metrics.observe("inlet_test_seconds", [("route", "r")], seconds: seconds, help: "h")
        }
        metrics.observe("inlet_test_seconds", [("route", "other")], seconds: 0.2, help: "h")
        let text = metrics.render()
        #expect(text.contains(#"inlet_test_seconds_bucket{route="r",le="0.0005"} 1"#))
        #expect(text.contains(#"inlet_test_seconds_bucket{route="r",le="0.005"} 3"#))
        #expect(text.contains(#"inlet_test_seconds_bucket{route="r",le="+Inf"} 4"#))
        #expect(text.contains(#"inlet_test_seconds_count{route="r"} 4"#))
        #expect(text.contains(#"inlet_test_seconds_count{route="other"} 1"#))
        #expect(text.contains(#"inlet_test_seconds_bucket{route="other",le="0.1"} 0"#))
    }

    @Test func loggerLevelChecks() {
        let logger = Logger(level: .warning, sink: .memory())
        #expect(!logger.isEnabled(.info))
        #expect(logger.isEnabled(.warning))
        #expect(logger.isEnabled(.error))
    }
}
