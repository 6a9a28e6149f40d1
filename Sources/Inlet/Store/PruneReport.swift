/// What one `Store.prune` run deleted.
public struct PruneReport: Sendable, Equatable {
    /// Event logs deleted.
    public var eventLogs: Int
    /// Action logs deleted (with their event logs).
    public var actionLogs: Int
    /// Rejected-delivery rows deleted.
    public var rejectedDeliveries: Int
    /// Expired idempotency keys deleted.
    public var idempotencyKeys: Int

    /// A report with these counts.
    public init(eventLogs: Int = 0, actionLogs: Int = 0, rejectedDeliveries: Int = 0, idempotencyKeys: Int = 0) {
        self.eventLogs = eventLogs
        self.actionLogs = actionLogs
        self.rejectedDeliveries = rejectedDeliveries
        self.idempotencyKeys = idempotencyKeys
    }

    /// The counts as log pairs.
    var logPairs: [(String, String)] {
        [
            ("event_logs", "\(self.eventLogs)"),
            ("action_logs", "\(self.actionLogs)"),
            ("rejected", "\(self.rejectedDeliveries)"),
            ("idempotency_keys", "\(self.idempotencyKeys)"),
        ]
    }
}
