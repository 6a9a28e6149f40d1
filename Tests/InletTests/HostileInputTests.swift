import Foundation
import Testing

@testable import Inlet

/// Regressions found by attacking a running server: each test is the smallest repro of one bug.
@Suite struct HostileInputTests {
    /// A signed event whose timestamp is a number near `Int64.min` used to be stored as its source
    /// timestamp; rendering it (`GET .../logs`) trapped on an overflow and killed the process, on
    /// every later listing too, since the row stayed in the store.
    @Test func extremeEpochTimestampNeitherCrashesNorPinsTheEntity() throws {
        let server = try TestServer()
        defer { server.stop() }

        let body = Array(
            """
            {"id": "evt_min_ts", "event": "dsync.user.created", "created_at": -9223372036854775808,
             "data": {"id": "user_min_ts", "updated_at": -9223372036854775808}}
            """.utf8
        )
        let posted = try server.postWebhook(body)
        #expect(posted.status == 200)

        let logs = try server.api("GET", "/v1/sources/workos/logs")
        #expect(logs.status == 200)
        let entry = try #require(logs.json?["entries"]?.arrayValue?.first)
        #expect(entry["idempotency_key"] == "evt_min_ts")
        let rendered = try #require(entry["source_timestamp"]?.stringValue)
        #expect(rendered.hasPrefix("2"))
    }

    /// The year and the milliseconds are what matters at the ends of `Int64` (the day depends on
    /// how the C library counts leap years 292 million years away).
    @Test(arguments: [
        (Int64.min, "-292275055-05-", "16:47:04.192Z"),
        (Int64.min + 807, "-292275055-05-", "16:47:04.999Z"),
        (Int64.max, "292278994-08-17T", "07:12:55.807Z"),
    ])
    func rendersEveryInt64WithoutTrapping(ms: Int64, start: String, end: String) {
        let text = StoreTime.iso8601(ms)
        #expect(text.hasPrefix(start))
        #expect(text.hasSuffix(end))
    }

    @Test func epochNumbersOutsideFourDigitYearsAreNotTimestamps() {
        #expect(SourceTimestamp.milliseconds(from: .number(JSONNumber(integer: Int64.min))) == nil)
        #expect(SourceTimestamp.milliseconds(from: .number(JSONNumber(integer: Int64.max))) == nil)
        #expect(SourceTimestamp.milliseconds(from: .number(JSONNumber(integer: 253_402_300_800_000))) == nil)
        #expect(
            SourceTimestamp.milliseconds(from: .number(JSONNumber(integer: 253_402_300_799_999))) == 253_402_300_799_999
        )
        #expect(SourceTimestamp.milliseconds(from: .number(JSONNumber(integer: -1))) == -1)
    }

    /// `"\u{E9}"` and `"e\u{301}"` are different JSON member names (different bytes), but Swift's
    /// `String ==` treats them as equal: a valid signed webhook holding both was refused as having
    /// a duplicate key (400, so WorkOS would retry it for days), and an object could not hold both.
    @Test func keysDifferingOnlyInNormalizationAreDistinct() throws {
        let composed = "\u{E9}"
        let decomposed = "e\u{301}"
        let parsed = try JSONParser().parse("{\"\(composed)\": 1, \"\(decomposed)\": 2}")

        let object = try #require(parsed.objectValue)
        #expect(object.count == 2)
        #expect(object[composed] == 1)
        #expect(object[decomposed] == 2)
        #expect(parsed.serialized() == "{\"\(composed)\":1,\"\(decomposed)\":2}")

        #expect(throws: JSONParseError.self) {
            try JSONParser().parse("{\"\(composed)\": 1, \"\(composed)\": 2}")
        }
    }

    /// The duplicate key of a signed body went whole and raw into the info log (and the answer):
    /// a 400 KB line holding a carriage return and terminal escape codes. Log values now escape
    /// every control character, the parser names at most 64 characters of the key, and the info
    /// line names only the byte offset (bodies are logged at debug alone).
    @Test func duplicateKeyIsBoundedAndLogLinesHoldNoControlCharacters() throws {
        let server = try TestServer()
        defer { server.stop() }

        let key = "x\\r\\nFORGED level=critical\\u001b[31m" + String(repeating: "k", count: 100_000)
        let body = Array("{\"\(key)\": 1, \"\(key)\": 2}".utf8)
        let response = try server.postWebhook(body)
        #expect(response.status == 400)
        #expect(response.json?["code"] == "invalid_json")
        #expect(response.body.count < 1_000)

        let line = try #require(server.logs.capturedLines.first { $0.contains("webhook rejected") })
        #expect(line.count < 1_000)
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
        #expect(!line.contains("FORGED"), "no fragment of the body at info level")
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("", #""""#),
        ("a b", #""a b""#),
        ("a\r\nb", #""a\r\nb""#),
        ("a\rb", #""a\rb""#),
        ("tab\there", #""tab\there""#),
        ("esc\u{1B}[0m", #""esc\u{1b}[0m""#),
        ("c1\u{85}", #""c1\u{85}""#),
        (#"q"u\o"#, #""q\"u\\o""#),
        ("caf\u{E9}", "\"caf\u{E9}\""),
    ])
    func logValuesEscapeControlCharacters(value: String, written: String) {
        #expect(Logger.quote(value) == written)
    }

    /// `inlet serve --bogus` said "--bogus needs a value" instead of naming the unknown flag.
    @Test func unknownFlagIsNamedEvenWithoutValue() {
        for arguments in [["--bogus"], ["--bogus", "x"], ["--bogus=x"]] {
            #expect {
                _ = try CommandArguments(arguments, flagNames: ["config"], maxPositionals: 0)
            } throws: { error in
                (error as? UsageError)?.message == "unknown flag --bogus"
            }
        }
        #expect {
            _ = try CommandArguments(["--config"], flagNames: ["config"], maxPositionals: 0)
        } throws: { error in
            (error as? UsageError)?.message == "--config needs a value"
        }
    }

    /// `inlet serve --listen nope` exited 1 like a config error, and only after the config loaded
    /// (so a missing variable hid it); a malformed flag value is a usage error: exit 2 at once.
    @Test func malformedListenFlagIsAUsageError() {
        for listen in ["nope", "127.0.0.1:99999", "127.0.0.1:-1", ":"] {
            #expect(
                InletCommandLine.run(arguments: ["serve", "--config", "/nonexistent/inlet.json", "--listen", listen])
                    == 2
            )
        }
    }

    /// `inlet sign --timestamp +5` signed with t=5; `inlet rehearse` of `[1]` printed an empty plan
    /// and exited 0 although the server answers such a body 400.
    @Test func signAndRehearseRefuseWhatTheServerRefuses() throws {
        #expect(InletCommandLine.run(arguments: ["sign", "--secret", "s", "--timestamp", "+5"]) == 2)

        let config = try #require(Bundle.module.url(forResource: "Fixtures/inlet.json", withExtension: nil))
        let payload = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-array-\(UUID().uuidString)")
        try Data("[1]".utf8).write(to: payload)
        defer { try? FileManager.default.removeItem(at: payload) }
        let status = InletCommandLine.run(arguments: [
            "rehearse", "--config", config.path, "--source", "workos", payload.path,
        ])
        #expect(status == 1)
    }

    /// glibc raised its mmap threshold after the first freed 1 MiB body buffer, so later ones came
    /// from fragmenting heap arenas: six rounds of 200 connections stalling 1 MiB bodies left `inlet
    /// serve` 130 to 230 MB above its start once every connection had closed (growing per round);
    /// with the threshold fixed by `serve` it stays within 25 MB.
    @Test func stalledLargeBodiesLeaveNoMemoryBehind() async throws {
        let workspace = try ChildServer.Workspace()
        defer { workspace.remove() }
        let child = try await ChildServer.start(in: workspace)
        defer { child.kill() }
        let pid = child.process.processIdentifier
        let baseline = try #require(HostileInputTests.residentKilobytes(pid))

        let head = Array(
            ("PUT /v1/users/big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(TestServer.apiKey)\r\n"
                + "Content-Length: 1048576\r\n\r\n").utf8
        )
        let body = [UInt8](repeating: UInt8(ascii: "a"), count: 1_048_575)
        let connections = 200
        for _ in 0..<6 {
            var clients: [TestHTTPClient] = []
            for _ in 0..<connections {
                let client = try TestHTTPClient(port: child.port)
                try client.send(head)
                clients.append(client)
            }
            for client in clients {
                try client.send(body)
            }
            // The server buffers bodies (one byte short of complete) up to its body budget
            // (`limits.max_buffered_body_bytes`, 64 MiB): 200 MB of stalled bodies do not all
            // stay in memory; the connections past the budget get 503 and are closed.
            let buffered = try await HostileInputTests.waitUntil {
                (HostileInputTests.residentKilobytes(pid) ?? 0) > baseline + 50_000
            }
            #expect(buffered)
            let held = try #require(HostileInputTests.residentKilobytes(pid))
            #expect(held < baseline + 140_000, "RSS \(held) kB with \(connections) stalled 1 MiB bodies")
            for client in clients {
                client.close()
            }
            let drained = try await HostileInputTests.waitUntil {
                let health = try? TestHTTPClient.request(port: child.port, "GET", "/metrics")
                return health?.text.contains("\ninlet_open_connections 1\n") ?? false
            }
            #expect(drained)
        }

        let after = try #require(HostileInputTests.residentKilobytes(pid))
        #expect(after < baseline + 60_000, "RSS \(after) kB after the connections closed, \(baseline) kB at start")
    }

    /// `VmRSS` of process `pid` in kB, from `/proc`.
    private static func residentKilobytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
            return nil
        }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return line.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }
    }

    /// Polls `condition` every 20 ms for at most 20 seconds; whether it became true.
    private static func waitUntil(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<1_000 {
            if condition() {
                return true
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
