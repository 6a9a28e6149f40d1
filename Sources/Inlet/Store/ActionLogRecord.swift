/// One stored action log: what one mapping did for one event.
public struct ActionLogRecord: Sendable, Equatable {
    /// The action log's id.
    public var id: Int64
    /// The action type.
    public var type: ActionType
    /// The mapping's position in the source's `mappings`.
    public var mappingIndex: Int
    /// The mapping's params as configured.
    public var parameters: JSON
    /// The resolved values.
    public var payload: JSON
    /// How it ended.
    public var status: ActionStatus
    /// Why it was skipped or failed.
    public var reason: String?
    /// What it produced.
    public var result: JSON?
    /// When it ran, ms since the epoch.
    public var insertedAtMs: Int64

    /// `{"id", "action_type", "mapping_index", "action_parameters", "action_payload", "action_result",
    /// "action_status", "reason", "inserted_at"}`.
    public var json: JSON {
        [
            "id": .integer(self.id),
            "action_type": .string(self.type.rawValue),
            "mapping_index": .integer(self.mappingIndex),
            "action_parameters": self.parameters,
            "action_payload": self.payload,
            "action_result": self.result ?? .null,
            "action_status": .string(self.status.rawValue),
            "reason": self.reason.map { .string($0) } ?? .null,
            "inserted_at": .string(StoreTime.iso8601(self.insertedAtMs)),
        ]
    }
}
