import Foundation
import Testing

@testable import Inlet

@Suite struct ConfigLoaderTests {
    static let minimal = """
        {
          "environments": {"dev": {"api_keys": ["key-1"]}},
          "sources": [{"key": "workos", "path": "/hooks/workos", "signing_secrets": ["s1"]}]
        }
        """

    func messages(_ text: String, environment: [String: String] = [:]) -> [String] {
        TestConfigs.errors(text, environment: environment).map(\.description)
    }

    @Test func minimalConfigGetsEveryDefault() throws {
        let config = try ConfigLoader.load(bytes: Array(Self.minimal.utf8), environment: [:])
        #expect(config.listen == "127.0.0.1:8080")
        #expect(config.data == "data/inlet.sqlite")
        #expect(config.logLevel == .info)
        #expect(config.retentionDays == 7)
        #expect(config.shutdownDrainMs == 10_000)
        #expect(config.limits == HTTPServerConfiguration())
        #expect(config.limits.maxBodyBytes == 1_048_576)
        #expect(config.limits.maxConnections == 1_024)
        #expect(config.rejectedLog.maxRows == 10_000)
        #expect(config.environments == [EnvironmentConfig(name: "dev", apiKeys: ["key-1"])])
        #expect(config.workflows.isEmpty)

        let source = try #require(config.sources.first)
        #expect(source.key == "workos")
        #expect(source.provider == .workos)
        #expect(source.environment == "dev")
        #expect(source.path == "/hooks/workos")
        #expect(source.signingSecrets == ["s1"])
        #expect(source.enforceVerification)
        #expect(source.toleranceSeconds == 180)
        #expect(source.eventTypePath.description == "body.event")
        #expect(source.timestampPath?.description == "first(data.updated_at, created_at)")
        #expect(source.idempotency.keyPath?.description == "body.id")
        #expect(source.idempotency.windowHours == 24)
        #expect(source.mappings.isEmpty)
    }

    @Test func everyMistakeIsReportedInOneRun() {
        let text = """
            {
              "listen": "localhost",
              "retention_days": 0,
              "environments": {"dev": {"api_keys": ["key-1"]}},
              "workflows": [{"key": "wf"}],
              "sources": [{
                "key": "workos", "path": "/hooks/workos", "signing_secret": ["s1"],
                "mappings": [
                  {"event": "dsync.user.created", "action": "users_identfy", "params": {"id": "data.id"}},
                  {"event": "e", "action": "objects_subscribe",
                   "params": {"collection": {"literal": "c"}, "id": "data.id", "recipients": "data.users[0"}},
                  {"event": "e", "action": "workflows_trigger",
                     "params": {"key": "missing-wf", "recipients": "data.u"}},
                  {"event": "e", "action": "users_delete", "params": {}}
                ]
              }]
            }
            """
        #expect(
            self.messages(text) == [
                #"listen: must be HOST:PORT with a port from 0 to 65535, e.g. "127.0.0.1:8080" or "[::1]:8080""#,
                "retention_days: must be an integer from 1 to 3650, found 0",
                #"sources[0].signing_secret: unknown key (did you mean "signing_secrets"?)"#,
                "sources[0].signing_secrets: must list at least one secret while enforce_verification is true",
                "sources[0].mappings[0].action: unknown action \"users_identfy\" (one of "
                    + ActionType.allCases.map(\.rawValue).joined(separator: ", ") + ")",
                #"sources[0].mappings[1].params.recipients: "[" is never closed"#,
                #"sources[0].mappings[2].params.key: workflow "missing-wf" is not configured (configured: wf)"#,
                #"sources[0].mappings[3].params: required param "id" of users_delete is missing"#,
            ]
        )
    }

    @Test func unknownKeysAreErrorsEverywhere() {
        let text = """
            {
              "listn": "127.0.0.1:1",
              "limits": {"max_body_byte": 5, "zzz": 1},
              "environments": {"dev": {"api_keys": ["k"], "keys": []}},
              "sources": [{"key": "s", "path": "/p", "signing_secrets": ["x"], "idempotency": {"window": 1},
                "mappings": [{"event": "e", "action": "users_delete", "params": {"id": "data.id", "ids": "x"},
                              "when": {"path": "data.x", "equals": 1, "other": 2}, "activ": true}]}]
            }
            """
        let errors = self.messages(text)
        #expect(errors.contains(#"listn: unknown key (did you mean "listen"?)"#))
        #expect(errors.contains(#"limits.max_body_byte: unknown key (did you mean "max_body_bytes"?)"#))
        #expect(errors.contains { $0.hasPrefix("limits.zzz: unknown key (allowed: max_body_bytes,") })
        #expect(errors.contains(#"environments.dev.keys: unknown key (allowed: api_keys)"#))
        #expect(errors.contains(#"sources[0].idempotency.window: unknown key (did you mean "window_hours"?)"#))
        #expect(errors.contains("sources[0].mappings[0].params.ids: unknown param for users_delete (it takes id)"))
        #expect(
            errors.contains(
                "sources[0].mappings[0].when.other: unknown key in a condition (use path with equals, in or exists)"
            )
        )
        #expect(errors.contains(#"sources[0].mappings[0].activ: unknown key (did you mean "active"?)"#))
        #expect(errors.count == 8)
    }

    @Test func variablesAreSubstitutedAndMissingOnesNamed() throws {
        let text = """
            {
              "environments": {"dev": {"api_keys": ["${API_KEY}", "static-${SUFFIX}"]}},
              "sources": [{"key": "s", "path": "/hooks/${TOKEN}", "signing_secrets": ["${SECRET}"]}]
            }
            """
        let environment = ["API_KEY": "k1", "SUFFIX": "two", "TOKEN": "t0k3n", "SECRET": "whsec_x"]
        let config = try ConfigLoader.load(bytes: Array(text.utf8), environment: environment)
        #expect(config.environments[0].apiKeys == ["k1", "static-two"])
        #expect(config.sources[0].path == "/hooks/t0k3n")
        #expect(config.sources[0].signingSecrets == ["whsec_x"])

        #expect(
            self.messages(text, environment: ["SUFFIX": "two", "TOKEN": "t"]) == [
                "environments.dev.api_keys[0]: environment variable API_KEY is not set",
                "sources[0].signing_secrets[0]: environment variable SECRET is not set",
            ]
        )
        #expect(
            self.messages(text, environment: ["API_KEY": "", "SUFFIX": "2", "TOKEN": "t", "SECRET": "s"]) == [
                "environments.dev.api_keys[0]: the API key is empty (from ${API_KEY})"
            ]
        )
        // `${` outside the three substituted places stays literal text.
        let literal = Self.minimal.replacingOccurrences(
            of: "\"environments\"",
            with: "\"data\": \"${X}\", \"environments\""
        )
        #expect(try ConfigLoader.load(bytes: Array(literal.utf8), environment: [:]).data == "${X}")
    }

    @Test func substitutionSyntax() {
        #expect(EnvironmentSubstitution.substitute("a$b${X}$", environment: ["X": "1"]) == .success("a$b1$"))
        #expect(
            EnvironmentSubstitution.substitute("${X", environment: [:])
                == .failure(.malformed(#""${" at character 0 is never closed"#))
        )
        #expect(
            EnvironmentSubstitution.substitute("${1X}", environment: [:])
                == .failure(.malformed(#""${1X}" is not a valid variable name"#))
        )
        #expect(EnvironmentSubstitution.substitute("${A}${B}${A}", environment: [:]) == .failure(.missing(["A", "B"])))
        #expect(EnvironmentSubstitution.references(in: "/x/${A}/${B_2}/${A}") == ["A", "B_2"])
    }

    @Test func syntaxErrorsGiveLineColumnAndByte() {
        let text = "{\n  \"listen\": \"x\",\n  \"data\": tru\n}"
        #expect(self.messages(text) == ["line 3, column 11 (byte 29): invalid JSON: invalid literal"])
        let duplicate = "{\"data\": \"a\",\n \"data\": \"b\"}"
        #expect(self.messages(duplicate) == [#"line 2, column 2 (byte 15): invalid JSON: duplicate key "data""#])
        #expect(self.messages("[]") == ["the config file must be a JSON object, found array"])
    }

    @Test func requiredSectionsAndTheirContents() {
        #expect(
            self.messages("{}") == [
                "environments: required: at least one environment with at least one API key",
                "sources: required: at least one source",
            ]
        )
        #expect(
            self.messages(#"{"environments": {}, "sources": []}"#) == [
                "environments: must define at least one environment",
                "sources: must define at least one source",
            ]
        )
        let noKeys =
            #"{"environments": {"dev": {"api_keys": []}}, "sources": [{"key": "s", "path": "/p", "#
            + #""enforce_verification": false}]}"#
        #expect(self.messages(noKeys) == ["environments.dev.api_keys: must list at least one API key"])
        let noSourceKey =
            #"{"environments": {"dev": {"api_keys": ["k"]}}, "sources": [{"path": "/p", "signing_secrets": ["s"]}]}"#
        #expect(self.messages(noSourceKey) == ["sources[0].key: required key is missing"])
    }

    @Test func typesAndRanges() {
        let text = """
            {
              "data": "", "log_level": "verbose", "retention_days": 1.0, "shutdown_drain_ms": "10",
              "limits": {"max_body_bytes": 99999999999999999999999, "max_connections": -1},
              "environments": {"dev": {"api_keys": [5]}},
              "sources": [{"key": "s", "path": "/p", "signing_secrets": ["s"], "enforce_verification": "yes",
                           "tolerance_seconds": 86401}]
            }
            """
        #expect(
            self.messages(text) == [
                #"data: must be a file path or ":memory:""#,
                #"log_level: unknown level "verbose" (one of trace, debug, info, notice, warning, error, critical)"#,
                "retention_days: must be an integer from 1 to 3650, found 1.0",
                "shutdown_drain_ms: must be an integer, found string",
                "limits.max_body_bytes: must be an integer from 1 to 1073741824, found 99999999999999999999999",
                "limits.max_connections: must be an integer from 1 to 1000000, found -1",
                "environments.dev.api_keys[0]: must be a string, found number",
                "sources[0].enforce_verification: must be true or false, found string",
                "sources[0].tolerance_seconds: must be an integer from 0 to 86400, found 86401",
            ]
        )
    }

    func listen(_ text: String) -> String? {
        InletConfig.parseListenAddress(text).map { "\($0.host) \($0.port)" }
    }

    @Test func listenSyntax() {
        #expect(self.listen("127.0.0.1:8080") == "127.0.0.1 8080")
        #expect(self.listen("localhost:0") == "localhost 0")
        #expect(self.listen("[::1]:443") == "::1 443")
        #expect(self.listen("0.0.0.0:65535") == "0.0.0.0 65535")
        for bad in [
            "localhost", ":8080", "host:", "host:65536", "host:+80", "host:80a", "[::1:80", "[]:80", "a b:80",
            "host:123456",
        ] {
            #expect(InletConfig.parseListenAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func uniquenessAndReferences() {
        let text = """
            {
              "environments": {"dev": {"api_keys": ["same"]}, "prod": {"api_keys": ["same"]}},
              "workflows": [{"key": "wf"}, {"key": "wf", "name": "again"}, {"key": "bad key"}],
              "sources": [
                {"key": "s", "environment": "dev", "path": "/p", "signing_secrets": ["x"]},
                {"key": "s", "environment": "dev", "path": "/p", "signing_secrets": ["x"]},
                {"key": "t", "environment": "staging", "path": "p", "signing_secrets": ["x"], "provider": "stripe"},
                {"key": "u", "path": "/q", "signing_secrets": ["x"]},
                {"key": "v", "environment": "dev", "path": "/v1/hooks", "signing_secrets": ["x"]},
                {"key": "w", "environment": "dev", "path": "/a b", "signing_secrets": ["x"]}
              ]
            }
            """
        #expect(
            self.messages(text) == [
                "environments.prod.api_keys[0]: the same API key is already used at environments.dev.api_keys[0]; "
                    + "keys must be unique",
                #"workflows[1].key: workflow "wf" is already defined at workflows[0]"#,
                #"workflows[2].key: a workflow key must be 1 to 256 letters, digits, "-", "_" or ".""#,
                #"sources[1].key: source "s" is already defined at sources[0]"#,
                "sources[1].path: the same path is already used by sources[0]",
                #"sources[2].provider: unknown provider "stripe" (known: workos)"#,
                #"sources[2].environment: environment "staging" is not defined in environments"#,
                #"sources[2].path: must start with "/""#,
                "sources[3].environment: required key is missing "
                    + "(it may be left out only when one environment is configured)",
                "sources[4].path: /v1 is served by Inlet itself; choose another path",
                #"sources[5].path: must be "/" followed by URL path characters (letters, digits, "#
                    + #"-._~!$&'()*+,;=:@%/), with no query or fragment"#,
            ]
        )
    }

    @Test func pathErrorsNeverEchoTheSubstitutedToken() {
        let text =
            #"{"environments": {"d": {"api_keys": ["k"]}}, "sources": [{"key": "s", "#
            + #""path": "/x?${TOKEN}", "signing_secrets": ["${S}"]}]}"#
        let errors = self.messages(text, environment: ["TOKEN": "sup3rs3cret", "S": "whsec_hidden"])
        #expect(errors.count == 1)
        #expect(errors.allSatisfy { !$0.contains("sup3rs3cret") && !$0.contains("whsec_hidden") })
        #expect(errors.first?.hasSuffix("(from ${TOKEN})") == true)
    }

    @Test func verificationMayBeOffWithoutSecrets() throws {
        let text =
            #"{"environments": {"d": {"api_keys": ["k"]}}, "sources": [{"key": "s", "path": "/p", "#
            + #""enforce_verification": false}]}"#
        let config = try ConfigLoader.load(bytes: Array(text.utf8), environment: [:])
        #expect(config.sources[0].enforceVerification == false)
        #expect(config.sources[0].signingSecrets.isEmpty)
    }

    @Test func sourceLevelPathsMayBeFormsOrNull() throws {
        let extras =
            #", "event_type_path": "headers.x-event", "timestamp_path": null, "#
            + #""idempotency": {"key_path": null, "window_hours": 72}"#
        let config = try ConfigLoader.load(
            bytes: Array(TestConfigs.document(mappings: "[]", sourceExtras: extras).utf8),
            environment: [:]
        )
        let source = config.sources[0]
        #expect(source.eventTypePath.description == "headers.x-event")
        #expect(source.timestampPath == nil)
        #expect(source.idempotency.keyPath == nil)
        #expect(source.idempotency.windowHours == 72)

        let bad = #", "event_type_path": null, "timestamp_path": {"first": []}"#
        #expect(
            self.messages(TestConfigs.document(mappings: "[]", sourceExtras: bad)) == [
                "sources[0].event_type_path: must be a path or parameter value, not null",
                "sources[0].timestamp_path.first: must be a non-empty array of parameter values",
            ]
        )
    }

    @Test func mappingParamsAreCheckedPerAction() {
        let mappings = """
            [
              {"event": "e", "action": "users_identify",
                 "params": {"id": 5, "email": {"literal": 3}, "name": "data..n"}},
              {"event": "e", "action": "workflows_trigger", "params": {"key": {"literal": "wf"}, "recipients": "r"}},
              {"event": "e", "action": "workflows_cancel",
                 "params": {"key": "nope", "cancellation_key": "c", "tenant": "t"}},
              {"event": "", "action": "objects_set", "active": "yes",
                 "params": {"collection": {"literal": 1}, "id": {"first": "x"}}},
              {"event": "e", "action": "objects_set",
                 "params": {"collection": {"literal": "c", "first": []}, "id": {"template": "{a"}}},
              {"event": "e", "action": "users_delete", "params": []},
              {"action": "nope", "params": {"id": "data["}}
            ]
            """
        #expect(
            self.messages(TestConfigs.document(mappings: mappings)) == [
                #"sources[0].mappings[0].params.id: must be a path string or an object with literal, "#
                    + #"first, template or object, found number; write {"literal": 5} for a constant"#,
                "sources[0].mappings[0].params.email: a literal email must be a string or null, found number",
                #"sources[0].mappings[0].params.name: empty key in ".." at character 5"#,
                "sources[0].mappings[1].params.key: the workflow key must be a bare string "
                    + "naming a configured workflow, found object",
                "sources[0].mappings[2].params.tenant: unknown param for workflows_cancel (it takes key, "
                    + "cancellation_key, recipients)",
                #"sources[0].mappings[2].params.key: workflow "nope" is not configured (configured: wf, other-wf)"#,
                "sources[0].mappings[3].event: must be a non-empty event type",
                "sources[0].mappings[3].active: must be true or false, found string",
                "sources[0].mappings[3].params.collection: a literal collection must be a string, found number",
                "sources[0].mappings[3].params.id.first: must be a non-empty array of parameter values",
                "sources[0].mappings[4].params.collection: a parameter value object needs exactly one of literal, "
                    + "first, template, object; found keys literal, first",
                #"sources[0].mappings[4].params.id.template: "{" at character 0 is never closed; write "#
                    + #""{{" for a literal brace"#,
                "sources[0].mappings[5].params: must be an object of params, found array",
                "sources[0].mappings[6].event: required key is missing",
                "sources[0].mappings[6].action: unknown action \"nope\" (one of "
                    + ActionType.allCases.map(\.rawValue).joined(separator: ", ") + ")",
                #"sources[0].mappings[6].params.id: "[" is never closed"#,
            ]
        )
    }

    @Test func conditionsAreValidatedAtLoad() {
        let mappings = """
            [
              {"event": "e", "action": "users_delete", "params": {"id": "data.id"}, "when": {"all": []}},
              {"event": "e", "action": "users_delete",
                 "params": {"id": "data.id"}, "when": {"path": "a", "equals": 1, "in": [1]}},
              {"event": "e", "action": "users_delete",
                 "params": {"id": "data.id"}, "when": {"path": "a[", "exists": true}},
              {"event": "e", "action": "users_delete",
                 "params": {"id": "data.id"}, "when": {"path": "a", "exists": "yes"}},
              {"event": "e", "action": "users_delete", "params": {"id": "data.id"}, "when": {"path": "a", "in": []}},
              {"event": "e", "action": "users_delete", "params": {"id": "data.id"}, "when": {"any": [{"not": 1}]}},
              {"event": "e", "action": "users_delete", "params": {"id": "data.id"}, "when": {"all": [], "any": []}},
              {"event": "e", "action": "users_delete", "params": {"id": "data.id"}, "when": {"path": 3, "equals": 1}}
            ]
            """
        #expect(
            self.messages(TestConfigs.document(mappings: mappings)) == [
                "sources[0].mappings[0].when.all: must be a non-empty array of conditions",
                #"sources[0].mappings[1].when: a condition on "path" needs exactly one of equals, in, exists"#,
                #"sources[0].mappings[2].when.path: "[" is never closed"#,
                "sources[0].mappings[3].when.exists: must be true or false, found string",
                "sources[0].mappings[4].when.in: must be a non-empty array of values",
                "sources[0].mappings[5].when.any[0].not: a condition must be an object, found number",
                #"sources[0].mappings[6].when: a condition needs "path" with one of equals, in, "#
                    + #"exists; or exactly one of all, any, not"#,
                "sources[0].mappings[7].when.path: must be a path string",
            ]
        )
    }

    @Test func errorsPrintOnePerLine() {
        let errors = ConfigErrors([
            ConfigError(location: "sources[0].mappings[3].params.recipients", message: #""[" is never closed"#),
            ConfigError(location: "", message: "the config file must be a JSON object, found array"),
        ])
        #expect(
            errors.description == """
                sources[0].mappings[3].params.recipients: "[" is never closed
                the config file must be a JSON object, found array
                """
        )
    }

    @Test func unreadableFileIsOneErrorAtItsPath() {
        let path = "/nonexistent-\(UUID().uuidString)/inlet.json"
        #expect {
            try ConfigLoader.load(path: path, environment: [:])
        } throws: { error in
            guard let errors = error as? ConfigErrors else { return false }
            return errors.errors.count == 1 && errors.errors[0].location == path
        }
    }

    @Test func loadsFromAFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "inlet-config-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("inlet.json")
        try Data(Self.minimal.utf8).write(to: file)
        let config = try ConfigLoader.load(path: file.path, environment: [:])
        #expect(config.sources.map(\.key) == ["workos"])
    }

    @Test func apiKeysSelectTheirEnvironment() throws {
        let text =
            #"{"environments": {"a": {"api_keys": ["ka1", "ka2"]}, "b": {"api_keys": ["kb"]}}, "#
            + #""sources": [{"key": "s", "environment": "a", "path": "/p", "#
            + #""signing_secrets": ["x"]}]}"#
        let config = try ConfigLoader.load(bytes: Array(text.utf8), environment: [:])
        #expect(config.environment(forAPIKey: "ka2")?.name == "a")
        #expect(config.environment(forAPIKey: "kb")?.name == "b")
        #expect(config.environment(forAPIKey: "k") == nil)
        #expect(config.environment(forAPIKey: "") == nil)
        #expect(config.source(forPath: "/p")?.key == "s")
        #expect(config.source(forPath: "/p/") == nil)
    }
}
