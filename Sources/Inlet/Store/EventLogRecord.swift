import Foundation

/// One stored event log: a webhook delivery as received, with its action logs when asked for.
public struct EventLogRecord: Sendable, Equatable {
    /// The event log's id (the `event_log_id` of the webhook answer).
    public var id: Int64
    /// The environment of the source.
    public var environment: String
    /// The source's key.
    public var sourceKey: String
    /// The event type, when one was found.
    public var eventType: String?
    /// `processed` (every action ok or skipped), `error` (at least one action ended in `error`;
    /// not remembered for idempotency) or `duplicate`.
    public var status: String
    /// The idempotency key, when valid.
    public var idempotencyKey: String?
    /// The verification outcome, e.g. `enforced:verified`.
    public var verification: String
    /// A note, e.g. `event type missing`.
    public var note: String?
    /// For a duplicate, the event log of the copy that was processed.
    public var duplicateOf: Int64?
    /// For a replay, the event log replayed.
    public var replayOf: Int64?
    /// When received, ms since the epoch.
    public var receivedAtMs: Int64
    /// The event's own timestamp used for ordering, ms since the epoch.
    public var sourceTimestampMs: Int64
    /// The stored request headers.
    public var headers: [String: String]
    /// The exact body bytes, for replay.
    public var rawBody: [UInt8]
    /// The action logs, in execution order (filled when asked for).
    public var actions: [ActionLogRecord]?

    /// The event log in the API's shape: `{"id", "source", "environment", "event", "status",
    /// "idempotency_key", "verification_status", "note", "duplicate_of", "replay_of",
    /// "source_timestamp", "inserted_at", "headers", "data"}`, plus `"raw_body"` (the body as text)
    /// when `includeRawBody`, and `"actions"` when the action logs were loaded.
    public func json(includeRawBody: Bool = false) -> JSON {
        var object = JSONObject()
        object["id"] = .integer(self.id)
        object["source"] = .string(self.sourceKey)
        object["environment"] = .string(self.environment)
        object["event"] = self.eventType.map { .string($0) } ?? .null
        object["status"] = .string(self.status)
        object["idempotency_key"] = self.idempotencyKey.map { .string($0) } ?? .null
        object["verification_status"] = .string(self.verification)
        object["note"] = self.note.map { .string($0) } ?? .null
        object["duplicate_of"] = self.duplicateOf.map { .integer($0) } ?? .null
        object["replay_of"] = self.replayOf.map { .integer($0) } ?? .null
        object["source_timestamp"] = .string(StoreTime.iso8601(self.sourceTimestampMs))
        object["inserted_at"] = .string(StoreTime.iso8601(self.receivedAtMs))
        var headers = JSONObject()
        for key in self.headers.keys.sorted() {
            headers[key] = self.headers[key].map { .string($0) }
        }
        object["headers"] = .object(headers)
        object["data"] = (try? JSONParser().parse(self.rawBody)) ?? .null
        if includeRawBody {
            object["raw_body"] = .string(String(decoding: self.rawBody, as: UTF8.self))
        }
        if let actions = self.actions {
            object["actions"] = .array(actions.map(\.json))
        }
        return .object(object)
    }
}
