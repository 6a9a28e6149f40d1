import Foundation
import Testing

@testable import Inlet

/// `JSONObject` keeps insertion order and answers lookups the same below and above the size at
/// which it starts keeping a hash index; the writer escapes what JSON requires.
@Suite struct JSONObjectTests {
    /// Sizes on both sides of the index threshold.
    static let sizes = [0, 1, 5, JSONObject.indexThreshold, JSONObject.indexThreshold + 1, 100]

    @Test(arguments: sizes)
    func lookupsOrderUpdatesAndRemovals(size: Int) {
        var object = JSONObject()
        for index in 0..<size {
            object["k\(index)"] = .integer(index)
        }
        #expect(object.count == size)
        #expect(object.keys == (0..<size).map { "k\($0)" })
        for index in 0..<size {
            #expect(object["k\(index)"] == .integer(index))
            #expect(object.contains("k\(index)"))
        }
        #expect(object["missing"] == nil)
        #expect(!object.contains("missing"))

        // Updating keeps the position; null is a value, nil removes.
        if size > 2 {
            object["k1"] = .null
            #expect(object.keys[1] == "k1")
            #expect(object["k1"] == .null)
            #expect(object.contains("k1"))
            object["k1"] = nil
            #expect(!object.contains("k1"))
            #expect(object.count == size - 1)
            #expect(object.keys == (0..<size).filter { $0 != 1 }.map { "k\($0)" })
            for index in 0..<size where index != 1 {
                #expect(object["k\(index)"] == .integer(index), "k\(index) after removing k1")
            }
            object["k1"] = "back"
            #expect(object.keys.last == "k1")
            #expect(object["k1"] == "back")
        }

        let inserted = object.insertNew("new", true)
        let insertedAgain = object.insertNew("new", false)
        #expect(inserted)
        #expect(!insertedAgain)
        #expect(object["new"] == true)
        #expect(Array(object).map(\.key) == object.keys)
    }

    @Test(arguments: sizes)
    func equalityIgnoresOrder(size: Int) {
        let members = (0..<size).map { ("k\($0)", JSON.integer($0)) }
        let forward = JSONObject(members)
        let backward = JSONObject(members.reversed())
        #expect(forward == backward)
        if size > 0 {
            var changed = backward
            changed["k0"] = "other"
            #expect(forward != changed)
            var extra = backward
            extra["extra"] = .null
            #expect(forward != extra)
            var swapped = JSONObject(members.dropLast())
            swapped["other"] = members.last?.1
            #expect(forward != swapped)
        }
    }

    @Test func parserRejectsDuplicatesInLargeObjectsAndKeepsOrder() throws {
        let keys = (0..<60).map { "key_\($0)" }
        let text = "{" + keys.map { "\"\($0)\": 1" }.joined(separator: ",") + "}"
        let parsed = try JSONParser().parse(text)
        #expect(parsed.objectValue?.keys == keys)
        let duplicate = "{" + keys.map { "\"\($0)\": 1" }.joined(separator: ",") + ", \"key_31\": 2}"
        #expect(throws: JSONParseError.self) { try JSONParser().parse(duplicate) }
        let lenient = try JSONParser(rejectsDuplicateKeys: false).parse(duplicate)
        #expect(lenient["key_31"] == 2)
        #expect(lenient.objectValue?.keys == keys)
    }

    @Test func mergingIsDeepAndKeepsOrder() {
        let base: JSON = ["a": 1, "b": ["x": 1, "y": 2], "c": "keep"]
        let incoming: JSON = ["b": ["y": nil, "z": 3], "d": 4, "a": 5]
        let merged = base.objectValue?.merging(incoming.objectValue ?? JSONObject())
        #expect(merged.map { JSON.object($0).serialized() } == #"{"a":5,"b":{"x":1,"y":null,"z":3},"c":"keep","d":4}"#)
    }

    @Test func writerEscapesWhatJSONRequires() throws {
        let text = "plain \"quoted\" back\\slash \n\r\t \u{01}\u{1F} é 😀 </tag>"
        let written = JSON.string(text).serialized()
        #expect(written == #""plain \"quoted\" back\\slash \n\r\t \u0001\u001f é 😀 </tag>""#)
        #expect(try JSONParser().parse(written) == .string(text))
        #expect(JSON.string("").serialized() == #""""#)
        #expect(JSON.string("\"").serialized() == #""\"""#)
    }
}

@Suite struct JSONObjectKeyBytesTests {
    /// Member names compare by bytes on both sides of the hash-index threshold.
    @Test(arguments: [0, 40])
    func composedAndDecomposedKeysStayApart(filler: Int) throws {
        var members = (0..<filler).map { ("k\($0)", JSON.integer($0)) }
        members.append(("\u{E9}", 1))
        members.append(("e\u{301}", 2))
        let object = JSONObject(members)
        #expect(object.count == filler + 2)
        #expect(object["\u{E9}"] == 1)
        #expect(object["e\u{301}"] == 2)

        let text = JSON.object(object).serialized()
        let parsed = try #require(try JSONParser().parse(text).objectValue)
        #expect(parsed.count == filler + 2)
        #expect(parsed == object)
    }

    /// Canonically equivalent keys of the same byte length (combining marks in another order)
    /// are two keys; long (heap) keys compare all their bytes.
    @Test func sameLengthEquivalentKeysAndLongKeysCompareByBytes() throws {
        let first = "a\u{301}\u{316}"
        let second = "a\u{316}\u{301}"
        #expect(first == second)
        #expect(first.utf8.count == second.utf8.count)
        #expect(!JSONObject.sameKey(first, second))
        #expect(JSONObject.sameKey(first, String(decoding: Array(first.utf8), as: UTF8.self)))

        let long = String(repeating: "k", count: 40)
        #expect(JSONObject.sameKey(long + "a", String(repeating: "k", count: 40) + "a"))
        #expect(!JSONObject.sameKey(long + "a", long + "b"))
        #expect(!JSONObject.sameKey(long, long + "a"))

        let object = try #require(try JSONParser().parse("{\"\(first)\": 1, \"\(second)\": 2}").objectValue)
        #expect(object.count == 2)
        #expect(object[first] == 1)
        #expect(object[second] == 2)
        #expect(throws: JSONParseError.self) { try JSONParser().parse("{\"\(long)\": 1, \"\(long)\": 2}") }
    }
}
