import Foundation
import Glibc
import Synchronization
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

    @Test func aRequestInFlightFinishesUnderTheConfigItStartedWith() throws {
        // In process, through the server's router: the store's writer is held busy so that a webhook
        // is routed and planned under config A, a reload to B happens before its commit, and its
        // answer still comes from A; the next webhook, routed after the reload, runs under B.
        let environment = [
            "WORKOS_WEBHOOK_SECRET": TestServer.secret,
            "INLET_API_KEY": TestServer.apiKey,
            "INLET_WEBHOOK_TOKEN": TestServer.token,
        ]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pathA = directory.appendingPathComponent("a.json").path
        let pathB = directory.appendingPathComponent("b.json").path
        var textB = try ChildServer.Workspace.fixtureConfig()
        let event = try #require(textB.range(of: "\"event\": \"dsync.user.created\""))
        let active = try #require(textB.range(of: "\"active\": true", range: event.upperBound..<textB.endIndex))
        textB.replaceSubrange(active, with: "\"active\": false")
        try ChildServer.Workspace.fixtureConfig().write(toFile: pathA, atomically: true, encoding: .utf8)
        try textB.write(toFile: pathB, atomically: true, encoding: .utf8)
        let configA = try ConfigLoader.load(path: pathA, environment: environment)
        let configB = try ConfigLoader.load(path: pathB, environment: environment)

        let logger = Logger(level: .critical, sink: LogSink.memory())
        let store = try Store.open(path: directory.appendingPathComponent("inlet.sqlite").path, logger: logger)
        defer { store.close() }
        let runtime = RuntimeHolder(RuntimeConfig(config: configA, now: InletServer.systemClock))
        let router = InletRouter(
            runtime: runtime,
            store: store,
            metrics: Metrics(),
            api: APIRouter(store: store, backend: ServerBackend(runtime: runtime, store: store), logger: logger),
            logger: logger,
            now: InletServer.systemClock
        )
        let template = try WebhookLoad.template()
        func request(_ tag: String) -> HTTPRequest {
            let body = WebhookLoad.event(template, tag: tag).bytes
            let signature = WorkOSSignature.header(
                secret: TestServer.secret,
                timestampMs: InletServer.systemClock(),
                body: body
            )
            let path = "/webhooks/workos/\(TestServer.token)"
            return HTTPRequest(
                method: "POST",
                target: path,
                path: path,
                headers: HTTPHeaders([("Content-Type", "application/json"), ("WorkOS-Signature", signature)]),
                body: body,
                requestID: tag
            )
        }
        let answers = Mutex<[String: HTTPResponse]>([:])
        let answered = DispatchSemaphore(value: 0)
        func send(_ tag: String) {
            router.handle(request(tag)) { response in
                answers.withLock { $0[tag] = response }
                answered.signal()
            }
        }

        let release = DispatchSemaphore(value: 0)
        store.write({ _ in _ = release.wait(timeout: .now() + 20) }, completion: { _ in })
        send("in_flight")
        runtime.install(RuntimeConfig(config: configB, now: InletServer.systemClock))
        release.signal()
        #expect(answered.wait(timeout: .now() + 20) == .success)
        send("after_reload")
        #expect(answered.wait(timeout: .now() + 20) == .success)

        let inFlight = try JSONParser().parse(try #require(answers.withLock { $0["in_flight"] }).body)
        #expect(inFlight["status"] == "processed")
        #expect(inFlight["actions"]?.arrayValue?.map { $0["type"] } == ["users_identify"], "planned under A")
        #expect(inFlight["actions"]?.arrayValue?.map { $0["status"] } == ["ok"])
        let after = try JSONParser().parse(try #require(answers.withLock { $0["after_reload"] }).body)
        #expect(after["status"] == "processed")
        #expect(after["actions"]?.arrayValue?.isEmpty == true, "B has no active mapping for it")
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
