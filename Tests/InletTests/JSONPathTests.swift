import Testing

@testable import Inlet

@Suite struct JSONPathTests {
    static let envelope = MappingEnvelope(
        body: [
            "event": "dsync.user.created",
            "data": [
                "id": "u1",
                "emails": [["value": "first@example.com"], ["value": "last@example.com"]],
                "a.b": ["": "empty key", "c d": 5],
                "nothing": nil,
                "body": "inner body",
            ],
        ],
        headers: ["X-Request-Id": "req-7", "WorkOS-Signature": "t=1, v1=ab"]
    )

    func resolve(_ text: String) throws -> ResolvedValue {
        try JSONPath(parsing: text).resolve(in: Self.envelope.root)
    }

    @Test func rootsAndRelativePaths() throws {
        #expect(try self.resolve("data.id") == .value("u1"))
        #expect(try self.resolve("body.data.id") == .value("u1"))
        #expect(try self.resolve("body.event") == .value("dsync.user.created"))
        #expect(try self.resolve("body") == .value(Self.envelope.body))
        #expect(try self.resolve("data.body") == .value("inner body"))
        #expect(try self.resolve("[\"data\"].body") == .value("inner body"))
    }

    @Test func headersAreLowerCaseAndCredentialsHidden() throws {
        #expect(try self.resolve("headers.x-request-id") == .value("req-7"))
        #expect(try self.resolve("headers.X-Request-Id") == .value("req-7"))
        #expect(try self.resolve("headers[\"X-REQUEST-ID\"]") == .value("req-7"))
        #expect(try self.resolve("headers.workos-signature") == .missing)
        #expect(try self.resolve("headers") == .value(["x-request-id": "req-7"]))
    }

    @Test func indexesAndQuotedKeys() throws {
        #expect(try self.resolve("data.emails[0].value") == .value("first@example.com"))
        #expect(try self.resolve("data.emails[-1].value") == .value("last@example.com"))
        #expect(try self.resolve("data.emails[-2].value") == .value("first@example.com"))
        #expect(try self.resolve("data.emails[-3]") == .missing)
        #expect(try self.resolve("data.emails[2]") == .missing)
        #expect(try self.resolve("data.emails[000000001].value") == .value("last@example.com"))
        #expect(try self.resolve(#"data["a.b"][""]"#) == .value("empty key"))
        #expect(try self.resolve(#"data["a.b"]["c d"]"#) == .value(5))
        #expect(try self.resolve(#"data["a\u002eb"]["c d"]"#) == .value(5))
    }

    @Test func missingAndNull() throws {
        #expect(try self.resolve("data.nothing") == .null)
        #expect(try self.resolve("data.nothing.deeper") == .missing)
        #expect(try self.resolve("data.absent") == .missing)
        #expect(try self.resolve("data.id.deeper") == .missing)
        #expect(try self.resolve("data.emails.value") == .missing)
        #expect(try self.resolve("data[0]") == .missing)
    }

    @Test(arguments: [
        ("", "a path cannot be empty"),
        ("data[", #""[" is never closed"#),
        ("data.emails[0", #""[" is never closed"#),
        (#"data["a"#, "the quoted key starting at character 5 is never closed"),
        (#"data["a""#, #""[" is never closed"#),
        ("data.emails[1234567890]", #"index "[1234567890]" has more than 9 digits"#),
        ("data.emails[-1234567890]", #"index "[-1234567890]" has more than 9 digits"#),
        ("data.emails[-0]", #"index "[-0]" is not valid; use [0] or [-1]"#),
        ("data[abc]", #""[abc]" at character 4 is not an index; quote keys as ["abc"]"#),
        ("data[]", #""[]" at character 4 is not an index; quote keys as [""]"#),
        ("data.", #"the path ends with "."; a key must follow it"#),
        (".data", #"a path cannot start with ".""#),
        ("data..id", #"empty key in ".." at character 5"#),
        ("data]", #""]" at character 4 has no matching "[""#),
        ("data[0]x", #"expected "." or "[" after "]" at character 7"#),
        (#"data["a"x]"#, #"expected "]" after the quoted key at character 8"#),
        ("data id", #"unexpected space at character 4; quote keys holding it, as ["..."]"#),
        (#"data["\x"]"#, "invalid quoted key at character 5: invalid escape"),
    ])
    func malformedPathsAreRefusedPrecisely(path: String, message: String) {
        #expect(throws: JSONPath.ParseError(message: message)) {
            try JSONPath(parsing: path)
        }
    }

    @Test func aKeyMustFollowADot() {
        #expect(throws: JSONPath.ParseError.self) { try JSONPath(parsing: "data.[0]") }
    }
}
