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

    /// The entry of the webhook answer's `actions`: `{"type", "status", "reason"}`, plus the
    /// `workflow_run_id` of a trigger so a caller can look the run up (larger results, such as
    /// the subscriptions of a subscribe, stay in the action log).
    public var answerJSON: JSON {
        var entry = JSONObject([
            ("type", .string(self.type.rawValue)),
            ("status", .string(self.status.rawValue)),
            ("reason", self.reason.map { .string($0) } ?? .null),
        ])
        if let runID = self.result?["workflow_run_id"] {
            entry["workflow_run_id"] = runID
        }
        return .object(entry)
    }
}
