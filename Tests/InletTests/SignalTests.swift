import Foundation
import Glibc
import Testing

@testable import Inlet

/// Issue 7's signals and refusals, on `inlet serve` run as a child process (signals only ever go to
/// that child, by its pid): `SIGTERM` under load drains, loses no acknowledged event and exits 0;
/// `SIGINT` exits 0; a taken port, an unusable data path and a newer store schema stop the start
/// with a clear message and a non-zero status.
@Suite struct SignalTests {
    @Test func sigtermUnderLoadDrainsLosesNoAcknowledgedEventAndExitsZero() async throws {
        let workspace = try ChildServer.Workspace()
        defer { workspace.remove() }
        let child = try await ChildServer.start(in: workspace)
        defer { child.kill() }
        let port = child.port

        async let load = WebhookLoad.run(port: port, prefix: "term", threads: 4, perThread: 2_000, seconds: 8)
        try await Task.sleep(for: .milliseconds(Int.random(in: 200...500)))
        child.signal(SIGTERM)
        let deliveries = try await load
        let exit = await child.waitForExit(timeout: 30)
        #expect(exit == .exited(0), "stderr:\n\(child.stderr)")

        let acked = deliveries.filter { $0.outcome == .processed }
        let answeredOtherwise = deliveries.filter {
            if case .answered = $0.outcome { return true }
            return false
        }
        #expect(acked.count > 0)
        #expect(
            answeredOtherwise.isEmpty,
            "a request answered during the drain failed: \(answeredOtherwise.prefix(3).map(\.outcome))"
        )
        let log = child.stderr
        #expect(log.contains("msg=\"shutting down\""))
        #expect(log.contains("msg=stopped"))

        let restarted = try await ChildServer.start(in: workspace)
        defer { restarted.kill() }
        let restartedPort = restarted.port
        let audit = try await OffThread.run { try StoreAudit.read(port: restartedPort) }
        let problems = audit.problems(acknowledged: acked).prefix(20).joined(separator: "\n")
        #expect(problems.isEmpty, "\(problems)")
        print("SIGTERM under load: sent \(deliveries.count), acknowledged \(acked.count), stored \(audit.logs.count)")

        restarted.signal(SIGTERM)
        #expect(await restarted.waitForExit(timeout: 30) == .exited(0))
    }

    @Test func aRequestHalfSentWhenSigtermArrivesIsStillAnswered() async throws {
        let workspace = try ChildServer.Workspace()
        defer { workspace.remove() }
        let child = try await ChildServer.start(in: workspace)
        defer { child.kill() }
        let port = child.port

        let event = WebhookLoad.event(try WebhookLoad.template(), tag: "inflight")
        let signature = WorkOSSignature.header(
            secret: TestServer.secret,
            timestampMs: InletServer.systemClock(),
            body: event.bytes
        )
        let head =
            "POST /webhooks/workos/\(TestServer.token) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/json\r\nWorkOS-Signature: \(signature)\r\n"
            + "Content-Length: \(event.bytes.count)\r\n\r\n"
        let half = event.bytes.count / 2
        let client = try TestHTTPClient(port: port, timeoutSeconds: 20)
        defer { client.close() }
        try client.send(Array(head.utf8) + Array(event.bytes[..<half]))
        // Give the server a moment to read the head and the first half of the body.
        try await Task.sleep(for: .milliseconds(300))

        child.signal(SIGTERM)
        #expect(try await child.waitForLog(containing: "msg=\"shutting down\"").count == 1)
        try client.send(Array(event.bytes[half...]))
        let response = try client.readResponse()
        #expect(response.status == 200, "\(response.text)")
        #expect(response.json?["status"] == "processed")
        #expect(response.header("Connection")?.lowercased() == "close")
        client.close()
        #expect(await child.waitForExit(timeout: 30) == .exited(0))

        let restarted = try await ChildServer.start(in: workspace)
        defer { restarted.kill() }
        let user = try restarted.api("GET", "/v1/users/\(event.userID)")
        #expect(user.status == 200)
        #expect(user.json?["email"] == .string(event.email))
        restarted.signal(SIGTERM)
        #expect(await restarted.waitForExit(timeout: 30) == .exited(0))
    }

    @Test func aRequestThatNeverCompletesIsCutAtTheDrainTimeout() async throws {
        let workspace = try ChildServer.Workspace { config in
            config.replacingOccurrences(of: "\"shutdown_drain_ms\": 10000", with: "\"shutdown_drain_ms\": 300")
        }
        defer { workspace.remove() }
        let child = try await ChildServer.start(in: workspace)
        defer { child.kill() }

        let event = WebhookLoad.event(try WebhookLoad.template(), tag: "stalled")
        let head =
            "POST /webhooks/workos/\(TestServer.token) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(event.bytes.count)\r\n\r\n"
        let client = try TestHTTPClient(port: child.port, timeoutSeconds: 20)
        defer { client.close() }
        try client.send(Array(head.utf8) + Array(event.bytes.prefix(10)))
        try await Task.sleep(for: .milliseconds(300))

        child.signal(SIGTERM)
        #expect(await child.waitForExit(timeout: 30) == .exited(0), "the stalled request does not hold the exit")
        #expect(child.stderr.contains("msg=\"shutting down\" drain_ms=300"))
        #expect(client.readToEnd() != .timeout, "the connection is closed, unanswered")

        let restarted = try await ChildServer.start(in: workspace)
        defer { restarted.kill() }
        #expect(try restarted.api("GET", "/v1/users/\(event.userID)").status == 404)
        restarted.signal(SIGTERM)
        #expect(await restarted.waitForExit(timeout: 30) == .exited(0))
    }

    @Test func signalsSentTheMomentTheBannerAppearsAreHandled() async throws {
        let workspace = try ChildServer.Workspace()
        defer { workspace.remove() }
        for round in 1...6 {
            let child = try await ChildServer.start(in: workspace, pollMilliseconds: 1)
            defer { child.kill() }
            child.signal(SIGHUP)
            let reloaded = try await child.waitForLog(containing: "msg=\"config reloaded\"", timeout: 10)
            #expect(reloaded.count == 1, "round \(round): the SIGHUP was lost\n\(child.stderr)")
            child.signal(SIGTERM)
            #expect(await child.waitForExit(timeout: 30) == .exited(0), "round \(round)")
        }
    }

    @Test func sigintStopsAndExitsZero() async throws {
        let workspace = try ChildServer.Workspace()
        defer { workspace.remove() }
        let child = try await ChildServer.start(in: workspace)
        defer { child.kill() }

        let event = WebhookLoad.event(try WebhookLoad.template(), tag: "sigint")
        #expect(try child.postWebhook(event.bytes).status == 200)
        child.signal(SIGINT)
        #expect(await child.waitForExit(timeout: 30) == .exited(0))
        #expect(child.stderr.contains("msg=stopped"))
        #expect(throws: (any Error).self) { try TestHTTPClient.request(port: child.port, "GET", "/healthz") }
    }

    @Test func aSecondServerOnTheSamePortExitsNonZeroNamingTheAddress() async throws {
        let first = try ChildServer.Workspace()
        defer { first.remove() }
        let child = try await ChildServer.start(in: first)
        defer { child.kill() }

        let second = try ChildServer.Workspace()
        defer { second.remove() }
        let address = "127.0.0.1:\(child.port)"
        let result = try await ChildServer.runExpectingExit(in: second, listen: address)
        #expect(result.exit == .exited(1))
        #expect(result.stderr.contains("cannot listen on \(address)"), "\(result.stderr)")
        #expect(result.stderr.lowercased().contains("address already in use"), "\(result.stderr)")
        #expect(!result.stdout.contains("inlet listening"))
        #expect(try TestHTTPClient.request(port: child.port, "GET", "/healthz").status == 200)
        // The port is checked before the store: the second instance neither created nor
        // opened (and so never migrated) a store.
        #expect(!FileManager.default.fileExists(atPath: second.dataPath))
    }

    @Test func aDataPathThatCannotBeWrittenIsRefused() async throws {
        let workspace = try ChildServer.Workspace()
        defer { workspace.remove() }
        // Tests run as root, where permissions do not stop a write: put the store under a file.
        let blocker = workspace.directory.appendingPathComponent("not-a-directory")
        try Data("x".utf8).write(to: blocker)
        workspace.dataPath = blocker.appendingPathComponent("inlet.sqlite").path

        let result = try await ChildServer.runExpectingExit(in: workspace)
        #expect(result.exit == .exited(1))
        #expect(result.stderr.contains("cannot open the store at \(workspace.dataPath)"), "\(result.stderr)")
        #expect(result.stderr.contains("not a directory"), "\(result.stderr)")
        #expect(!result.stdout.contains("inlet listening"))
    }

    @Test func aStoreWrittenByANewerSchemaIsRefusedAndLeftAlone() async throws {
        let workspace = try ChildServer.Workspace()
        defer { workspace.remove() }
        do {
            let database = try SQLiteDatabase(path: workspace.dataPath, create: true)
            try database.execute("CREATE TABLE future (x); PRAGMA user_version=99;")
            database.close()
        }

        let result = try await ChildServer.runExpectingExit(in: workspace)
        #expect(result.exit == .exited(1))
        #expect(result.stderr.contains("written by a newer Inlet (schema version 99"), "\(result.stderr)")
        #expect(!result.stdout.contains("inlet listening"))
        let database = try SQLiteDatabase(path: workspace.dataPath, create: false)
        #expect(try database.queryFirst("PRAGMA user_version") { $0.int64(0) } == 99)
    }

    @Test func anOlderSchemaIsMigratedAtStart() async throws {
        let workspace = try ChildServer.Workspace()
        defer { workspace.remove() }
        do {
            // Version 0: a SQLite file with no Inlet tables yet.
            let database = try SQLiteDatabase(path: workspace.dataPath, create: true)
            try database.execute("PRAGMA user_version=0;")
            database.close()
        }

        let child = try await ChildServer.start(in: workspace)
        defer { child.kill() }
        let line = try await child.waitForLog(containing: "msg=\"store schema migrated\"").first
        #expect(line?.contains("from=0 to=\(StoreSchema.currentVersion)") == true, "\(child.stderr)")
        #expect(try child.api("GET", "/v1/users").status == 200)
        child.signal(SIGTERM)
        #expect(await child.waitForExit(timeout: 30) == .exited(0))
    }
}
