/// The end of one planned action of an ingested webhook, one per mapping, in execution order.
public struct ActionResult: Sendable, Equatable {
    /// The action type of the mapping.
    public var type: ActionType

    /// The mapping's position in its source's `mappings` array.
    public var mappingIndex: Int

    /// How it ended.
    public var status: ActionStatus

    /// Why it was skipped or failed; `nil` when `ok`.
    public var reason: String?

    /// What the action produced (see `ActionOutcome.ok`), when `ok`.
    public var result: JSON?

    /// A result with these parts.
    public init(type: ActionType, mappingIndex: Int, status: ActionStatus, reason: String?, result: JSON?) {
        self.type = type
        self.mappingIndex = mappingIndex
        self.status = status
        self.reason = reason
        self.result = result
    }

    /// The entry of the webhook answer's `actions`: `{"type", "status", "reason"}`.
    public var answerJSON: JSON {
        [
            "type": .string(self.type.rawValue),
            "status": .string(self.status.rawValue),
            "reason": self.reason.map { .string($0) } ?? .null,
        ]
    }
}
