import Foundation
import Synchronization
import Testing

@testable import Inlet

/// The test double of `APIBackend`: two environments, a few sources and workflows, a rehearsal
/// that echoes its input, and a replay that runs a fixed "today's mapping" through the store.
final class TestAPIBackend: APIBackend {
    /// API keys and their environments.
    static let keys = ["dev-key": "development", "prod-key": "production"]

    /// The store replays ingest into.
    let store: Store
    /// Every source of every environment, in configuration order.
    let sourceList: [APISourceInfo] = [
        APISourceInfo(key: "workos", path: "/webhooks/workos/tok-dev", environment: "development", mappingCount: 10),
        APISourceInfo(key: "workos-b", path: "/webhooks/b/tok-b", environment: "development", mappingCount: 2),
        APISourceInfo(key: "custom", path: "/webhooks/custom/tok-c", environment: "development", mappingCount: 0),
        APISourceInfo(
            key: "workos-prod",
            path: "/webhooks/workos/tok-prod",
            environment: "production",
            mappingCount: 1
        ),
    ]
    /// The configured workflow keys.
    let workflows: Set<String> = ["welcome", "org-alert"]

    /// The rehearsals asked for, in order.
    let rehearsals = Mutex<[(source: String, environment: String)]>([])

    /// A backend whose replays write to `store`.
    init(store: Store) {
        self.store = store
    }

    /// The environment of `key` (a plain lookup: the real backend compares in constant time).
    func environment(forAPIKey key: String) -> String? {
        TestAPIBackend.keys[key]
    }

    /// The sources of `environment`.
    func sources(environment: String) -> [APISourceInfo] {
        self.sourceList.filter { $0.environment == environment }
    }

    /// Whether `key` is one of `workflows`.
    func isWorkflowConfigured(_ key: String) -> Bool {
        self.workflows.contains(key)
    }

    /// Echoes the source, the event type and the headers, with one fixed action; records the call.
    func rehearse(sourceKey: String, environment: String, body: JSON, headers: [String: String]) -> JSON? {
        guard self.sources(environment: environment).contains(where: { $0.key == sourceKey }) else {
            return nil
        }
        self.rehearsals.withLock { $0.append((sourceKey, environment)) }
        var headerJSON = JSONObject()
        for key in headers.keys.sorted() {
            headerJSON[key] = headers[key].map { .string($0) }
        }
        return [
            "source": .string(sourceKey),
            "event": body["event"] ?? .null,
            "headers": .object(headerJSON),
            "actions": [["type": "users_identify", "status": "ok", "reason": nil]],
        ]
    }

    /// Today's mapping: `users_identify` with `id: data.id` and `name: data.name`.
    func replay(
        sourceKey: String,
        environment: String,
        eventLog: EventLogRecord,
        completion: @escaping @Sendable (Result<JSON, StoreError>) -> Void
    ) {
        let body = try? JSONParser().parse(eventLog.rawBody)
        var actions: [PlannedAction] = []
        if let id = body?["data"]?["id"]?.stringValue {
            var properties = JSONObject()
            properties["name"] = body?["data"]?["name"] ?? .null
            actions.append(
                PlannedAction(
                    type: .usersIdentify,
                    mappingIndex: 0,
                    parameters: ["id": "data.id", "name": "data.name"],
                    payload: ["id": .string(id)],
                    decision: .run(.identifyUser(id: id, properties: properties))
                )
            )
        }
        let now = StoreTime.nowMs()
        let event = IngestEvent(
            environment: environment,
            sourceKey: sourceKey,
            eventType: eventLog.eventType,
            idempotencyKey: eventLog.idempotencyKey,
            idempotencyWindowMs: 86_400_000,
            body: body,
            rawBody: eventLog.rawBody,
            headers: eventLog.headers,
            verification: "replay",
            receivedAtMs: now,
            sourceTimestampMs: now,
            note: nil,
            actions: actions,
            replayOf: eventLog.id
        )
        self.store.ingest(event) { result in
            completion(result.map(\.answerJSON))
        }
    }
}

/// One answer of the router, with its body parsed when it is JSON.
struct APITestResponse {
    /// The status code.
    let status: Int
    /// The response headers.
    let headers: HTTPHeaders
    /// The body bytes.
    let body: [UInt8]

    /// The body parsed, or `nil` when empty or not JSON.
    var json: JSON? {
        try? JSONParser().parse(self.body)
    }

    /// `json["code"]` as a string.
    var code: String? {
        self.json?["code"]?.stringValue
    }

    /// The entries of a page.
    var entries: [JSON] {
        self.json?["entries"]?.arrayValue ?? []
    }

    /// The first field error's `field`.
    var errorField: String? {
        self.json?["errors"]?.arrayValue?.first?["field"]?.stringValue
    }

    /// `page_info.after`.
    var after: String? {
        self.json?["page_info"]?["after"]?.stringValue
    }

    /// `page_info.before`.
    var before: String? {
        self.json?["page_info"]?["before"]?.stringValue
    }
}

/// A router over a fresh in-memory store and the test backend.
struct APITestHarness {
    /// The in-memory store.
    let store: Store
    /// The test backend.
    let backend: TestAPIBackend
    /// The router under test.
    let router: APIRouter
    /// Where the router's log lines go.
    let logSink: LogSink

    /// A fresh store, backend and router.
    init() throws {
        self.store = try Store.open(path: ":memory:", logger: Logger(level: .critical, sink: .memory()))
        self.backend = TestAPIBackend(store: self.store)
        self.logSink = LogSink.memory()
        self.router = APIRouter(
            store: self.store,
            backend: self.backend,
            logger: Logger(level: .info, sink: self.logSink)
        )
    }

    /// Sends one request and waits for the answer; `target` may carry a query.
    func send(
        _ method: String,
        _ target: String,
        json: JSON? = nil,
        body: String? = nil,
        key: String? = "dev-key",
        headers: [(String, String)] = [],
        requestID: String = "req-test"
    ) async -> APITestResponse {
        var fields = headers
        if let key {
            fields.append(("Authorization", "Bearer \(key)"))
        }
        let bytes = json?.serializedBytes() ?? body.map { Array($0.utf8) } ?? []
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let request = HTTPRequest(
            method: method,
            target: target,
            path: String(parts[0]),
            query: parts.count > 1 ? String(parts[1]) : "",
            headers: HTTPHeaders(fields),
            body: bytes,
            remoteAddress: "127.0.0.1:50000",
            requestID: requestID
        )
        let response = await withCheckedContinuation { (continuation: CheckedContinuation<HTTPResponse, Never>) in
            self.router.handle(request) { response in continuation.resume(returning: response) }
        }
        return APITestResponse(status: response.status, headers: response.headers, body: response.body)
    }

    /// Applies `actions` in one write in `environment`, with the clock as timestamp.
    func seed(_ actions: [StoreAction], environment: String = "development") async throws {
        _ = try await self.store.write { transaction in
            let now = StoreTime.nowMs()
            for action in actions {
                _ = try transaction.apply(action, environment: environment, sourceTimestampMs: now, nowMs: now)
            }
        }
    }
}
