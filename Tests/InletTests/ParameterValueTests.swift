import Testing

@testable import Inlet

@Suite struct ParameterValueTests {
    static let envelope = MappingEnvelope(
        body: [
            "data": [
                "first_name": "Ada",
                "last_name": "Example",
                "null_name": nil,
                "count": 3,
                "flag": true,
                "ratio": number("0.10000000000000000001"),
                "big": number("123456789012345678901234567890"),
                "nested": ["x": 1],
                "state": "inactive",
                "string_true": "true",
                "one": 1,
            ]
        ]
    )

    /// Compiles a parameter value from JSON text through the loader's decoder, as configs do.
    func value(_ json: String) throws -> ParameterValue {
        var decoder = ConfigDecoder(environment: [:])
        let compiled = decoder.decodeParameterValue(try JSONParser().parse(json), at: "v")
        #expect(decoder.errors.isEmpty, "\(decoder.errors)")
        return try #require(compiled)
    }

    func resolve(_ json: String) throws -> ResolvedValue {
        try self.value(json).resolve(in: Self.envelope.root)
    }

    func condition(_ json: String) throws -> Condition {
        var decoder = ConfigDecoder(environment: [:])
        let compiled = decoder.decodeCondition(try JSONParser().parse(json), at: "when")
        #expect(decoder.errors.isEmpty, "\(decoder.errors)")
        return try #require(compiled)
    }

    func holds(_ json: String) throws -> Bool {
        try self.condition(json).evaluate(in: Self.envelope.root)
    }

    // MARK: - Forms on present, null and missing data

    @Test func pathForm() throws {
        #expect(try self.resolve(#""data.first_name""#) == .value("Ada"))
        #expect(try self.resolve(#""data.null_name""#) == .null)
        #expect(try self.resolve(#""data.absent""#) == .missing)
    }

    @Test func literalForm() throws {
        #expect(try self.resolve(#"{"literal": "data.first_name"}"#) == .value("data.first_name"))
        #expect(try self.resolve(#"{"literal": {"a": [1, true]}}"#) == .value(["a": [1, true]]))
        #expect(try self.resolve(#"{"literal": null}"#) == .null)
        #expect(
            try self.resolve(#"{"literal": 12345678901234567890123}"#)
                == .value(number("12345678901234567890123"))
        )
    }

    @Test func firstForm() throws {
        #expect(try self.resolve(#"{"first": ["data.absent", "data.null_name", "data.first_name"]}"#) == .value("Ada"))
        #expect(try self.resolve(#"{"first": ["data.first_name", "data.last_name"]}"#) == .value("Ada"))
        // None has a value: null when one was null (so an identify stores the null), else missing.
        #expect(try self.resolve(#"{"first": ["data.absent", "data.null_name"]}"#) == .null)
        #expect(try self.resolve(#"{"first": ["data.absent", "data.other"]}"#) == .missing)
        #expect(try self.resolve(#"{"first": ["data.absent", {"literal": "fallback"}]}"#) == .value("fallback"))
    }

    @Test func templateForm() throws {
        #expect(try self.resolve(#"{"template": "{data.first_name} {data.last_name}"}"#) == .value("Ada Example"))
        // Missing and null pieces become empty; the result is trimmed.
        #expect(try self.resolve(#"{"template": "{data.first_name} {data.absent}"}"#) == .value("Ada"))
        #expect(try self.resolve(#"{"template": " {data.null_name} {data.last_name} "}"#) == .value("Example"))
        // Nothing left: missing.
        #expect(try self.resolve(#"{"template": "{data.absent} {data.null_name}"}"#) == .missing)
        // Non-strings render as their JSON text, numbers with their exact digits.
        #expect(
            try self.resolve(#"{"template": "{data.count}/{data.flag}/{data.nested}/{data.big}"}"#)
                == .value(#"3/true/{"x":1}/123456789012345678901234567890"#)
        )
        // Doubled braces are literal braces.
        #expect(try self.resolve(#"{"template": "{{{data.first_name}}}"}"#) == .value("{Ada}"))
        // A quoted key may hold a closing brace.
        let quoted = MappingEnvelope(body: ["data": ["a}b": "braced"]])
        let template = try self.value(#"{"template": "<{data[\"a}b\"]}>"}"#)
        #expect(template.resolve(in: quoted.root) == .value("<braced>"))
    }

    @Test func objectForm() throws {
        let built = try self.resolve(
            #"{"object": {"n": "data.first_name", "gone": "data.absent", "nul": "data.null_name", "#
                + #""lit": {"literal": 2}}}"#
        )
        #expect(built == .value(["n": "Ada", "nul": nil, "lit": 2]))
        guard case .value(.object(let object)) = built else {
            Issue.record("not an object")
            return
        }
        #expect(!object.contains("gone"))
        #expect(object.keys == ["n", "nul", "lit"])
        #expect(try self.resolve(#"{"object": {"a": "data.absent"}}"#) == .value(.object(JSONObject())))
    }

    @Test func valuesKeepTheirTypeAndDigits() throws {
        #expect(try self.resolve(#""data.big""#) == .value(number("123456789012345678901234567890")))
        #expect(try self.resolve(#""data.ratio""#) == .value(number("0.10000000000000000001")))
        #expect(try self.resolve(#""data.flag""#) == .value(true))
        #expect(try self.resolve(#""data.string_true""#) == .value("true"))
        #expect(try self.resolve(#""data.one""#) == .value(1))
    }

    @Test func descriptionsNameTheSource() throws {
        #expect(
            try self.value(#"{"first": ["data.email", "data.emails[0].value"]}"#).description
                == "first(data.email, data.emails[0].value)"
        )
        #expect(try self.value(#"{"template": "{a} {b}"}"#).description == #"template "{a} {b}""#)
        #expect(try self.value(#"{"literal": 5}"#).description == "literal 5")
    }

    // MARK: - Conditions

    @Test func equalsIsTypeExact() throws {
        #expect(try self.holds(#"{"path": "data.flag", "equals": true}"#))
        #expect(try !self.holds(#"{"path": "data.flag", "equals": "true"}"#))
        #expect(try !self.holds(#"{"path": "data.flag", "equals": 1}"#))
        #expect(try self.holds(#"{"path": "data.string_true", "equals": "true"}"#))
        #expect(try !self.holds(#"{"path": "data.string_true", "equals": true}"#))
        #expect(try self.holds(#"{"path": "data.one", "equals": 1}"#))
        #expect(try !self.holds(#"{"path": "data.one", "equals": true}"#))
        #expect(try !self.holds(#"{"path": "data.one", "equals": "1"}"#))
        #expect(try !self.holds(#"{"path": "data.one", "equals": 1.0}"#))
        #expect(try self.holds(#"{"path": "data.big", "equals": 123456789012345678901234567890}"#))
        #expect(try !self.holds(#"{"path": "data.big", "equals": 123456789012345678901234567891}"#))
        #expect(try self.holds(#"{"path": "data.nested", "equals": {"x": 1}}"#))
        #expect(try self.holds(#"{"path": "data.null_name", "equals": null}"#))
        #expect(try !self.holds(#"{"path": "data.absent", "equals": null}"#))
    }

    @Test func inMatchesAnyListedValue() throws {
        #expect(try self.holds(#"{"path": "data.state", "in": ["active", "inactive"]}"#))
        #expect(try !self.holds(#"{"path": "data.state", "in": ["active", "suspended"]}"#))
        #expect(try !self.holds(#"{"path": "data.one", "in": ["1", true]}"#))
        #expect(try !self.holds(#"{"path": "data.absent", "in": [null]}"#))
        #expect(try self.holds(#"{"path": "data.null_name", "in": [null]}"#))
    }

    @Test func existsCountsNullAsPresent() throws {
        #expect(try self.holds(#"{"path": "data.first_name", "exists": true}"#))
        #expect(try self.holds(#"{"path": "data.null_name", "exists": true}"#))
        #expect(try self.holds(#"{"path": "data.absent", "exists": false}"#))
        #expect(try !self.holds(#"{"path": "data.absent", "exists": true}"#))
    }

    @Test func combinators() throws {
        let active = #"{"path": "data.state", "equals": "active"}"#
        let inactive = #"{"path": "data.state", "equals": "inactive"}"#
        #expect(try self.holds(#"{"all": [\#(inactive), {"path": "data.one", "equals": 1}]}"#))
        #expect(try !self.holds(#"{"all": [\#(inactive), \#(active)]}"#))
        #expect(try self.holds(#"{"any": [\#(active), \#(inactive)]}"#))
        #expect(try !self.holds(#"{"any": [\#(active)]}"#))
        #expect(try self.holds(#"{"not": \#(active)}"#))
        #expect(try !self.holds(#"{"not": {"not": \#(active)}}"#))
        #expect(
            try self.condition(#"{"not": {"all": [\#(inactive), {"path": "a", "exists": false}]}}"#).description
                == #"not(all(data.state equals "inactive", a does not exist))"#
        )
    }
}
