import Foundation
import Testing

@testable import Inlet

/// Helpers shared by the store tests: fresh stores, temporary directories, short-hand writes.
enum StoreTestSupport {
    static let environment = "development"

    /// A fresh in-memory store.
    static func memoryStore() throws -> Store {
        try Store.open(path: ":memory:", logger: Logger(level: .critical, sink: .memory()))
    }

    /// Runs `body` with a new empty directory, removed afterwards.
    static func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("inlet-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    /// Applies `action` in its own job and returns the outcome.
    @discardableResult
    static func apply(
        _ store: Store,
        _ action: StoreAction,
        at timestamp: Int64,
        environment: String = StoreTestSupport.environment,
        now: Int64 = 1_700_000_000_000
    ) async throws -> ActionOutcome {
        try await store.write { transaction in
            try transaction.apply(action, environment: environment, sourceTimestampMs: timestamp, nowMs: now)
        }
    }

    /// Ingests `event`, which must be processed, and returns its event log (with its action logs)
    /// as the API reads it.
    static func processedLog(_ store: Store, _ event: IngestEvent) async throws -> EventLogRecord {
        let outcome = try await store.ingest(event)
        guard case .processed(let id, _) = outcome else {
            throw StoreError(.other, "event \(event.idempotencyKey ?? "?") was not processed: \(outcome)")
        }
        return try #require(
            try store.read { try $0.eventLog(environment: StoreTestSupport.environment, sourceKey: "workos", id: id) }
        )
    }

    /// The user's JSON, or nil.
    static func user(_ store: Store, _ id: String, environment: String = StoreTestSupport.environment) throws -> JSON? {
        try store.read { try $0.user(environment: environment, id: id) }
    }

    /// A JSON object literal as a `JSONObject`.
    static func object(_ json: JSON) -> JSONObject {
        json.objectValue ?? JSONObject()
    }

    /// A webhook event with `actions`, defaults for everything else.
    static func event(
        id: String?,
        type: String = "dsync.user.created",
        actions: [PlannedAction],
        receivedAtMs: Int64 = 1_700_000_000_000,
        sourceTimestampMs: Int64? = nil,
        windowMs: Int64 = 86_400_000
    ) -> IngestEvent {
        let body: JSON = ["id": id.map { .string($0) } ?? .null, "event": .string(type)]
        return IngestEvent(
            environment: StoreTestSupport.environment,
            sourceKey: "workos",
            eventType: type,
            idempotencyKey: id,
            idempotencyWindowMs: windowMs,
            body: body,
            rawBody: body.serializedBytes(),
            headers: ["content-type": "application/json"],
            verification: "enforced:verified",
            receivedAtMs: receivedAtMs,
            sourceTimestampMs: sourceTimestampMs ?? receivedAtMs,
            note: nil,
            actions: actions
        )
    }

    /// A planned action that runs `action`.
    static func planned(_ action: StoreAction, index: Int = 0) -> PlannedAction {
        PlannedAction(
            type: action.type,
            mappingIndex: index,
            parameters: ["id": "data.id"],
            payload: ["id": "x"],
            decision: .run(action)
        )
    }
}
