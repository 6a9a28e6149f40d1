import Foundation
import Glibc
import Testing

@testable import Inlet

/// Issue 7's log rules under a mixed workload (good and forged webhooks, API calls with good and
/// bad keys, a rehearsal, a wrong webhook token): no line holds a secret, a signature, an API key
/// or the webhook path token; bodies appear only at debug; every request line carries its fields.
@Suite struct LogSafetyTests {
    /// What the workload sent that must never be logged, and the body fragments it sent.
    struct Sent {
        /// Secrets, signatures, keys and tokens.
        var forbidden: [String] = [TestServer.secret, TestServer.apiKey, TestServer.token, "Bearer"]
        /// Unique strings placed in request bodies (allowed in logs at debug only).
        var bodyMarkers: [String] = []
    }

    /// The fields every `msg=request` line has.
    static let requestFields = [
        "time", "level", "msg", "request_id", "method", "route", "status", "bytes_in", "bytes_out", "duration_ms",
    ]

    /// Runs the mixed workload against the server on `port`; returns what it sent.
    static func workload(port: Int) throws -> Sent {
        var sent = Sent()
        let unique = UUID().uuidString.prefix(8).lowercased()
        func marker(_ name: String) -> String {
            let text = "bodymarker-\(name)-\(unique)"
            sent.bodyMarkers.append(text)
            return text
        }
        func post(
            _ bytes: [UInt8],
            signature: String,
            path: String = "/webhooks/workos/\(TestServer.token)"
        ) throws
            -> Int
        {
            for part in signature.split(separator: ",") where part.contains("v1=") {
                sent.forbidden.append(String(part.split(separator: "=")[1]))
            }
            return try TestHTTPClient.request(
                port: port,
                "POST",
                path,
                headers: [("Content-Type", "application/json"), ("WorkOS-Signature", signature)],
                body: bytes
            ).status
        }
        func sign(_ bytes: [UInt8], secret: String = TestServer.secret) -> String {
            WorkOSSignature.header(secret: secret, timestampMs: InletServer.systemClock(), body: bytes)
        }
        func api(_ method: String, _ path: String, key: String = TestServer.apiKey, json: JSON? = nil) throws -> Int {
            try TestHTTPClient.request(
                port: port,
                method,
                path,
                headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")],
                body: json?.serializedBytes() ?? []
            ).status
        }

        var body = try WebhookLoad.template()
        body["id"] = .string("event_logsafety_\(unique)")
        if var data = body["data"]?.objectValue {
            data["id"] = .string("directory_user_logsafety_\(unique)")
            data["custom_attributes"] = ["department": .string(marker("webhook"))]
            body["data"] = .object(data)
        }
        let good = JSON.object(body).serializedBytes()
        #expect(try post(good, signature: sign(good)) == 200)
        #expect(try post(good, signature: sign(good)) == 200, "the duplicate")

        let forgedSecret = "whsec_forged_\(unique)"
        sent.forbidden.append(forgedSecret)
        #expect(try post(good, signature: sign(good, secret: forgedSecret)) == 401)
        let randomHex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        #expect(try post(good, signature: "t=\(InletServer.systemClock()), v1=\(randomHex)") == 401)
        let tampered = Array("{\"event\": \"dsync.user.created\", \"note\": \"\(marker("tampered"))\"}".utf8)
        #expect(try post(tampered, signature: sign(Array(tampered.dropLast(2)) + [UInt8(ascii: "}")])) == 401)
        let notJSON = Array("not json \(marker("invalid"))".utf8)
        #expect(try post(notJSON, signature: sign(notJSON)) == 400)
        let wrongToken = "tok_wrong_\(unique)"
        sent.forbidden.append(wrongToken)
        #expect(try post(good, signature: sign(good), path: "/webhooks/workos/\(wrongToken)") == 404)

        #expect(try api("GET", "/v1/users/directory_user_logsafety_\(unique)") == 200)
        #expect(try api("PUT", "/v1/users/u_logsafety", json: ["name": .string(marker("api"))]) == 200)
        let wrongKey = "sk_wrong_\(unique)"
        sent.forbidden.append(wrongKey)
        #expect(try api("GET", "/v1/users", key: wrongKey) == 401)
        let rehearsal: JSON = [
            "body": [
                "event": "dsync.user.created", "data": ["id": "u_rehearsed", "email": .string(marker("rehearse"))],
            ]
        ]
        #expect(try api("POST", "/v1/sources/workos/rehearse", json: rehearsal) == 200)
        #expect(try TestHTTPClient.request(port: port, "GET", "/healthz").status == 200)
        #expect(try TestHTTPClient.request(port: port, "GET", "/metrics").status == 200)
        return sent
    }

    /// The `key=value` pairs of one log line (quoted values unescaped).
    static func pairs(_ line: String) -> [String: String] {
        var pairs: [String: String] = [:]
        var rest = Substring(line)
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " }
            let key = String(rest.prefix { $0 != "=" && $0 != " " })
            rest = rest.dropFirst(key.count)
            guard rest.first == "=" else {
                rest = rest.drop { $0 != " " }
                continue
            }
            rest = rest.dropFirst()
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first, character != "\"" {
                    rest = rest.dropFirst()
                    if character == "\\", let escaped = rest.first {
                        rest = rest.dropFirst()
                        value.append(escaped == "n" ? "\n" : escaped)
                    } else {
                        value.append(character)
                    }
                }
                rest = rest.dropFirst()
            } else {
                value = String(rest.prefix { $0 != " " })
                rest = rest.dropFirst(value.count)
            }
            pairs[key] = value
        }
        return pairs
    }

    /// Every rule broken by `lines`: forbidden text anywhere, body fragments outside debug lines
    /// (or at all when `bodiesAllowed` is false), request lines missing a field.
    static func problems(_ lines: [String], sent: Sent, bodiesAllowed: Bool) -> [String] {
        var problems: [String] = []
        for line in lines {
            for secret in sent.forbidden where line.contains(secret) {
                problems.append("\"\(secret)\" logged: \(line)")
            }
            let level = LogSafetyTests.pairs(line)["level"]
            for marker in sent.bodyMarkers where line.contains(marker) && (!bodiesAllowed || level != "debug") {
                problems.append("body fragment \(marker) logged at \(level ?? "?"): \(line)")
            }
            let pairs = LogSafetyTests.pairs(line)
            if pairs["msg"] == "request" {
                for field in LogSafetyTests.requestFields where (pairs[field] ?? "").isEmpty {
                    problems.append("request line without \(field): \(line)")
                }
            }
        }
        return problems
    }

    @Test func infoLogsOfAMixedWorkloadHoldNoSecretNoSignatureNoKeyNoBody() throws {
        let server = try TestServer()
        defer { server.stop() }

        let sent = try Self.workload(port: server.port)
        let lines = server.logs.capturedLines
        #expect(Self.problems(lines, sent: sent, bodiesAllowed: false) == [])

        let requests = lines.map(Self.pairs).filter { $0["msg"] == "request" }
        #expect(requests.count == 13)
        #expect(requests.allSatisfy { $0["level"] == "info" })
        let webhookRoutes = Set(
            requests.filter { $0["method"] == "POST" && $0["route"]?.hasPrefix("webhook") == true }
                .compactMap { $0["route"] }
        )
        #expect(webhookRoutes == ["webhook:workos"], "a webhook line names its source by key")
        #expect(
            requests.contains { $0["route"] == "unknown" && $0["status"] == "404" },
            "the wrong token is not echoed"
        )
        #expect(requests.contains { $0["route"] == "/v1/users/{id}" && $0["method"] == "PUT" })
        #expect(Set(requests.compactMap { $0["request_id"] }).count == requests.count, "request ids are unique")
        #expect(!lines.contains { $0.contains("level=debug") })
        let rejected = lines.map(Self.pairs).filter { $0["msg"] == "webhook rejected" }
        #expect(
            rejected.compactMap { $0["reason"] }.sorted() == [
                "invalid_json", "invalid_signature", "invalid_signature", "invalid_signature",
            ]
        )

        let started = try #require(lines.map(Self.pairs).first { $0["msg"] == "inlet started" })
        #expect(started["version"] == InletServer.version)
        #expect(started["listen"] == "127.0.0.1:\(server.port)")
        #expect(started["store"] == server.directory.appendingPathComponent("inlet.sqlite").path)
        #expect(started["sources"] == "workos")
        #expect(started["mappings"] == "workos:10")
    }

    @Test func debugLogsOfAChildShowBodiesButNoSecretNoSignatureNoKey() async throws {
        let workspace = try ChildServer.Workspace()
        defer { workspace.remove() }
        let child = try await ChildServer.start(in: workspace, logLevel: "debug")
        defer { child.kill() }
        let port = child.port

        let sent = try await OffThread.run { try Self.workload(port: port) }
        child.signal(SIGTERM)
        #expect(await child.waitForExit(timeout: 30) == .exited(0))
        let lines = child.stderr.split(separator: "\n").map(String.init)
        #expect(Self.problems(lines, sent: sent, bodiesAllowed: true) == [])

        let bodies = lines.map(Self.pairs).filter { $0["msg"] == "webhook body" }
        #expect(bodies.count == 6, "every delivery to the source's path, forged ones included")
        #expect(bodies.allSatisfy { $0["level"] == "debug" && $0["source"] == "workos" })
        let webhookMarker = try #require(sent.bodyMarkers.first)
        #expect(bodies.contains { $0["body"]?.contains(webhookMarker) == true }, "bodies are logged at debug")
        #expect(lines.map(Self.pairs).filter { $0["msg"] == "request" }.count == 13)
        #expect(
            lines.contains { $0.contains("msg=\"inlet started\"") && $0.contains("version=\(InletServer.version)") }
        )
    }

    @Test func theConfiguredLevelFiltersLines() throws {
        let server = try TestServer { config in
            config.replacingOccurrences(of: "\"log_level\": \"info\"", with: "\"log_level\": \"warning\"")
        }
        defer { server.stop() }

        #expect(try TestHTTPClient.request(port: server.port, "GET", "/healthz").status == 200)
        #expect(try server.postWebhook(Array("{}".utf8), signature: "t=1, v1=00").status == 401)
        let lines = server.logs.capturedLines
        #expect(!lines.contains { $0.contains("level=info") || $0.contains("level=debug") }, "\(lines)")
    }

    @Test func aBodyPreviewIsOneBoundedLine() {
        let preview = WebhookHandler.bodyPreview(Array("{\"a\":\n\"b\u{1B}[31m\"}".utf8) + [0xFF])
        #expect(preview == "{\"a\":\\u{a}\"b\\u{1b}[31m\"}\u{FFFD}")
        let long = WebhookHandler.bodyPreview([UInt8](repeating: UInt8(ascii: "x"), count: 5_000), limit: 10)
        #expect(long == "xxxxxxxxxx ...(4990 more bytes)")
    }
}
