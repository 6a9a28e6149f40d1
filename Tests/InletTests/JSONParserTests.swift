import Foundation
import Testing

@testable import Inlet

@Suite struct JSONParserTests {
    @Test func keepsExactNumberDigits() throws {
        let value = try JSONParser().parse(#"{"big": 123456789012345678901234567890, "d": -0.10000000000000000001}"#)
        #expect(value["big"] == .number(JSONNumber("123456789012345678901234567890")!))
        #expect(value.serialized() == #"{"big":123456789012345678901234567890,"d":-0.10000000000000000001}"#)
    }

    @Test func rejectsDuplicateKeys() {
        #expect(throws: JSONParseError.self) { try JSONParser().parse(#"{"a":1,"a":1}"#) }
    }
}
