import Foundation
import Glibc
import Testing

@testable import Inlet

/// `kill -HUP` on a child `inlet serve`: a valid new file applies to new requests, an invalid one
/// is refused with its errors logged while the old config keeps running, and reloads under load
/// fail no request. Signals only ever go to the child, by its pid.
@Suite struct ReloadTests {
    static let addedKey = "sk_reload_added_key"
    static let organization = "org_01K94FYXA3FKG7BMSGXJT7KX0E"

    /// The fixture config with one more API key and the `organization.created` mapping active.
    static func changedConfig() throws -> String {
        var text = try ChildServer.Workspace.fixtureConfig()
        let keys = "\"api_keys\": [\"${INLET_API_KEY}\"]"
        #expect(text.contains(keys))
        text = text.replacingOccurrences(of: keys, with: "\"api_keys\": [\"${INLET_API_KEY}\", \"\(Self.addedKey)\"]")
        let event = try #require(text.range(of: "\"event\": \"organization.created\""))
        let inactive = try #require(text.range(of: "\"active\": false", range: event.upperBound..<text.endIndex))
        text.replaceSubrange(inactive, with: "\"active\": true")
        return text
    }

    /// `organization.created` with its own event id.
    static func organizationCreated(_ tag: String) throws -> [UInt8] {
        try EndToEndTests.derive("organization.created.json") { body in
            body["id"] = .string("event_org_\(tag)")
        }
    }

    /// Waits (at most 10 s) until `child` has logged `text` `count` times.
    static func waitFor(_ text: String, count: Int, in child: ChildServer) async throws -> Bool {
        try await child.waitForLog(containing: text, count: count).count >= count
    }

    @Test func aValidChangedFileAppliesToNewRequests() async throws {
        let workspace = try ChildServer.Workspace()
        defer { workspace.remove() }
        let child = try await ChildServer.start(in: workspace)
        defer { child.kill() }

        let before = try child.postWebhook(try Self.organizationCreated("before"))
        #expect(before.json?["status"] == "processed")
        #expect(before.json?["actions"]?.arrayValue?.isEmpty == true, "the mapping is inactive at first")
        #expect(try child.api("GET", "/v1/tenants", key: Self.addedKey).status == 401)

        try workspace.writeConfig(try Self.changedConfig())
        child.signal(SIGHUP)
        #expect(try await Self.waitFor("msg=\"config reloaded\"", count: 1, in: child), "\(child.stderr)")

        let after = try child.postWebhook(try Self.organizationCreated("after"))
        let actions = after.json?["actions"]?.arrayValue ?? []
        #expect(actions.map { $0["type"] } == ["tenants_set"])
        #expect(actions.map { $0["status"] } == ["ok"])
        let tenant = try child.api("GET", "/v1/tenants/\(Self.organization)", key: Self.addedKey)
        #expect(tenant.status == 200, "\(tenant.text)")
        #expect(tenant.json?["name"] == "Example Corp")
        #expect(try child.api("GET", "/v1/tenants").status == 200, "the old key still works")

        let metrics = try PrometheusText(try TestHTTPClient.request(port: child.port, "GET", "/metrics").text)
        #expect(metrics.value("inlet_config_reloads_total", ["result": "applied"]) == 1)
        child.signal(SIGTERM)
        #expect(await child.waitForExit(timeout: 30) == .exited(0))
    }

    @Test func anInvalidFileIsRefusedWithItsErrorsAndTheOldConfigKeepsRunning() async throws {
        let workspace = try ChildServer.Workspace()
        defer { workspace.remove() }
        let child = try await ChildServer.start(in: workspace)
        defer { child.kill() }

        var invalid = try Self.changedConfig()
        invalid = "{\n  \"bogus_setting\": true," + invalid.dropFirst()
        invalid = invalid.replacingOccurrences(of: "\"id\": \"data.id\"", with: "\"id\": \"data.id[\"")
        try workspace.writeConfig(invalid)
        child.signal(SIGHUP)
        #expect(try await Self.waitFor("msg=\"config reload refused\"", count: 1, in: child), "\(child.stderr)")
        let refusals = child.logLines(containing: "msg=\"config reload refused\"")
        #expect(refusals.count >= 2, "every error is logged: \(refusals)")
        #expect(refusals.contains { $0.contains("location=bogus_setting") }, "\(refusals)")
        #expect(refusals.contains { $0.contains("location=sources[0].mappings[") && $0.contains("level=error") })
        #expect(!child.stderr.contains("msg=\"config reloaded\""))

        let user = WebhookLoad.event(try WebhookLoad.template(), tag: "afterrefusal")
        let answer = try child.postWebhook(user.bytes)
        #expect(answer.json?["status"] == "processed")
        #expect(answer.json?["actions"]?.arrayValue?.map { $0["status"] } == ["ok"])
        #expect(try child.api("GET", "/v1/users/\(user.userID)").json?["email"] == .string(user.email))
        #expect(try child.api("GET", "/v1/users", key: Self.addedKey).status == 401, "nothing of the new file applies")
        let organization = try child.postWebhook(try Self.organizationCreated("refused"))
        #expect(organization.json?["actions"]?.arrayValue?.isEmpty == true)

        try workspace.writeConfig(try Self.changedConfig())
        child.signal(SIGHUP)
        #expect(try await Self.waitFor("msg=\"config reloaded\"", count: 1, in: child), "\(child.stderr)")
        #expect(try child.api("GET", "/v1/users", key: Self.addedKey).status == 200, "a fixed file applies")

        let metrics = try PrometheusText(try TestHTTPClient.request(port: child.port, "GET", "/metrics").text)
        #expect(metrics.value("inlet_config_reloads_total", ["result": "refused"]) == 1)
        #expect(metrics.value("inlet_config_reloads_total", ["result": "applied"]) == 1)
        child.signal(SIGTERM)
        #expect(await child.waitForExit(timeout: 30) == .exited(0))
    }

    @Test func reloadsUnderLoadFailNoRequest() async throws {
        let workspace = try ChildServer.Workspace()
        defer { workspace.remove() }
        let child = try await ChildServer.start(in: workspace)
        defer { child.kill() }
        let port = child.port
        let original = try ChildServer.Workspace.fixtureConfig()
        let changed = try Self.changedConfig()

        let stop = WebhookLoad.StopFlag()
        async let load = WebhookLoad.run(
            port: port,
            prefix: "reload",
            threads: 3,
            perThread: 5_000,
            seconds: 30,
            readBack: true,
            stop: stop
        )
        let reloads = 8
        var applied = 0
        for index in 0..<reloads {
            try workspace.writeConfig(index.isMultiple(of: 2) ? changed : original)
            child.signal(SIGHUP)
            if try await Self.waitFor("msg=\"config reloaded\"", count: index + 1, in: child) {
                applied += 1
            }
            try await Task.sleep(for: .milliseconds(30))
        }
        stop.stop()
        let deliveries = try await load

        #expect(applied == reloads, "\(child.stderr.suffix(2_000))")
        let failed = deliveries.filter { $0.outcome != .processed }
        #expect(deliveries.count > 0)
        #expect(failed.isEmpty, "\(failed.count) of \(deliveries.count) failed: \(failed.prefix(3).map(\.outcome))")
        #expect(!child.stderr.contains("config reload refused"))
        print(
            "reload under load: \(reloads) reloads, \(deliveries.count) webhooks each read back, \(failed.count) failed"
        )
        child.signal(SIGTERM)
        #expect(await child.waitForExit(timeout: 30) == .exited(0))
    }
}
