import Foundation
import Testing

@testable import Inlet

/// Runs the public JSON parsing test suite (Fixtures/json-test-suite, MIT) through the body parser.
@Suite struct JSONTestSuiteTests {
    static let directory: URL? = Bundle.module.url(forResource: "Fixtures/json-test-suite", withExtension: nil)

    static func files(prefix: String) -> [String] {
        guard let directory,
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return [] }
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        let url = try #require(directory).appendingPathComponent(name)
        return Array(try Data(contentsOf: url))
    }

    @Test func suiteIsPresent() {
        #expect(Self.files(prefix: "y_").count == 95)
        #expect(Self.files(prefix: "n_").count == 188)
        #expect(Self.files(prefix: "i_").count == 35)
    }

    /// Valid JSON that SPEC section 3 still refuses: one object holding the same key twice.
    static let duplicateKeyCases: Set<String> = [
        "y_object_duplicated_key.json", "y_object_duplicated_key_and_value.json",
    ]

    @Test(arguments: files(prefix: "y_"))
    func accepts(_ name: String) throws {
        let input = try Self.bytes(name)
        if Self.duplicateKeyCases.contains(name) {
            #expect(throws: JSONParseError.self) { try JSONParser().parse(input) }
        } else {
            #expect(throws: Never.self) { try JSONParser().parse(input) }
        }
    }

    @Test(arguments: files(prefix: "n_"))
    func rejects(_ name: String) throws {
        let input = try Self.bytes(name)
        #expect(throws: JSONParseError.self) { try JSONParser().parse(input) }
    }

    /// The implementation-defined cases: numbers of any size are kept exactly; everything that is
    /// not well-formed UTF-8, a lone surrogate, a byte-order mark or deeper than 64 levels is refused.
    @Test(arguments: files(prefix: "i_"))
    func decidesImplementationDefinedCases(_ name: String) throws {
        let input = try Self.bytes(name)
        if name.hasPrefix("i_number_") {
            let value = try JSONParser().parse(input)
            let digits = String(decoding: input, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(value.serialized() == digits.replacingOccurrences(of: " ", with: ""))
        } else {
            #expect(throws: JSONParseError.self) { try JSONParser().parse(input) }
        }
    }

    @Test func valuesRoundTripExactly() throws {
        let text = #"{"a":[1,-0.0,1e400,12345678901234567890123],"b":"Zo\u00eb \ud83d\ude00","c":null,"d":true}"#
        let value = try JSONParser().parse(text)
        #expect(value["b"] == .string("Zoë 😀"))
        let expected = #"{"a":[1,-0.0,1e400,12345678901234567890123],"b":"Zoë 😀","c":null,"d":true}"#
        #expect(value.serialized() == expected)
    }

    @Test func keepsTypesApart() throws {
        let value = try JSONParser().parse(#"[true, 1, "true"]"#)
        let elements = try #require(value.arrayValue)
        #expect(elements[0] != elements[1])
        #expect(elements[1] != elements[2])
        #expect(elements[0] != elements[2])
    }

    @Test func limitsDepthToSixtyFourLevels() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: Never.self) { try JSONParser().parse(ok) }
        #expect(throws: JSONParseError.self) { try JSONParser().parse(tooDeep) }
    }

    @Test func rejectsByteOrderMarkAndLoneSurrogates() {
        #expect(throws: JSONParseError.self) { try JSONParser().parse([0xEF, 0xBB, 0xBF, 0x7B, 0x7D]) }
        #expect(throws: JSONParseError.self) { try JSONParser().parse(#"{"a":"\ud800"}"#) }
        #expect(throws: JSONParseError.self) { try JSONParser().parse(#"{"a":"\udc00\ud800"}"#) }
    }
}
