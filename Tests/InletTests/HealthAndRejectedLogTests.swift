import Foundation
import Synchronization
import Testing

@testable import Inlet

/// `GET /healthz` (200 while the store answers, 503 with the reason when it cannot) and the bound
/// on the rejected-delivery log under a flood.
@Suite struct HealthAndRejectedLogTests {
    @Test func healthzIsOKWhileTheStoreAnswers() throws {
        let server = try TestServer()
        defer { server.stop() }

        let response = try TestHTTPClient.request(port: server.port, "GET", "/healthz")
        #expect(response.status == 200)
        #expect(response.json == ["status": "ok"])
        let post = try TestHTTPClient.request(port: server.port, "POST", "/healthz")
        #expect(post.status == 405)
        #expect(post.header("Allow") == "GET, HEAD")
    }

    @Test func healthzIs503WithTheReasonWhenTheStoreCannotAnswer() throws {
        // A closed store is the failure a test can cause honestly (a broken disk is not); the
        // router is the one the server runs, over a store closed under it.
        let fixture = try #require(Bundle.module.url(forResource: "Fixtures/inlet.json", withExtension: nil))
        let environment = [
            "WORKOS_WEBHOOK_SECRET": TestServer.secret,
            "INLET_API_KEY": TestServer.apiKey,
            "INLET_WEBHOOK_TOKEN": TestServer.token,
        ]
        let config = try ConfigLoader.load(path: fixture.path, environment: environment)
        let logs = LogSink.memory()
        let logger = Logger(level: .info, sink: logs)
        let store = try Store.open(path: ":memory:", logger: logger)
        let runtime = RuntimeHolder(RuntimeConfig(config: config, now: InletServer.systemClock))
        let router = InletRouter(
            runtime: runtime,
            store: store,
            metrics: Metrics(),
            api: APIRouter(store: store, backend: ServerBackend(runtime: runtime, store: store), logger: logger),
            logger: logger,
            now: InletServer.systemClock
        )
        let request = HTTPRequest(method: "GET", target: "/healthz", path: "/healthz", requestID: "r1")
        let answers = Mutex<[HTTPResponse]>([])

        router.handle(request) { response in answers.withLock { $0.append(response) } }
        #expect(answers.withLock { $0.map(\.status) } == [200])

        store.close()
        router.handle(request) { response in answers.withLock { $0.append(response) } }
        let failed = try #require(answers.withLock { $0.last })
        #expect(failed.status == 503)
        let body = try JSONParser().parse(failed.body)
        #expect(body["status"] == "unavailable")
        #expect(body["reason"]?.stringValue?.contains("closed") == true, "\(body.serialized())")
        #expect(logs.capturedLines.contains { $0.contains("msg=\"health check failed\"") })
    }

    @Test func theRejectedLogKeepsOnlyTheNewestRowsUnderAFlood() throws {
        let server = try TestServer { config in
            config.replacingOccurrences(of: "\"max_rows\": 10000", with: "\"max_rows\": 5")
        }
        defer { server.stop() }

        let flood = 40
        for index in 0..<flood {
            let body = Array("{\"flood\": \"\(String(repeating: "x", count: index))\"}".utf8)
            let response = try server.postWebhook(body, signature: "t=\(InletServer.systemClock()), v1=\(index)")
            #expect(response.status == 401)
        }
        // The rejected rows are written after each 401; the writer commits in order, so once a
        // later event is acknowledged every one of them is committed.
        let event = WebhookLoad.event(try WebhookLoad.template(), tag: "after_flood")
        #expect(try server.postWebhook(event.bytes).json?["status"] == "processed")

        let entries = try StoreAudit.pages(port: server.port, path: "/v1/sources/workos/rejected", pageSize: 2)
        #expect(entries.count == 5)
        let sizes = entries.compactMap { $0["size_bytes"]?.numberValue?.int64Value }
        let expected = (flood - 5..<flood).reversed().map { Int64("{\"flood\": \"\"}".utf8.count + $0) }
        #expect(sizes == expected, "the newest five, newest first")
        for entry in entries {
            #expect(entry["reason"]?.stringValue?.hasPrefix("invalid_signature") == true)
            #expect(entry["remote_address"]?.stringValue?.hasPrefix("127.0.0.1:") == true)
            #expect(entry["inserted_at"]?.stringValue?.isEmpty == false)
        }
    }
}
