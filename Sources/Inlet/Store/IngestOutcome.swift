/// What `Store.ingest(_:completion:)` did with one event; delivered only after a durable commit.
public enum IngestOutcome: Sendable, Equatable {
    /// The event was logged and its actions run; one result per planned action, in order.
    case processed(eventLogID: Int64, actions: [ActionResult])

    /// A copy of an event already processed successfully within the idempotency window: logged
    /// (status `duplicate`) and nothing applied.
    case duplicate(eventLogID: Int64, originalEventLogID: Int64)

    /// The id of the event log written for this delivery.
    public var eventLogID: Int64 {
        switch self {
        case .processed(let id, _): id
        case .duplicate(let id, _): id
        }
    }

    /// The webhook answer body: `{"status": "processed", "event_log_id", "actions": [...]}` or
    /// `{"status": "duplicate", "event_log_id", "original_event_log_id"}`.
    public var answerJSON: JSON {
        switch self {
        case .processed(let id, let actions):
            [
                "status": "processed",
                "event_log_id": .integer(id),
                "actions": .array(actions.map(\.answerJSON)),
            ]
        case .duplicate(let id, let original):
            [
                "status": "duplicate",
                "event_log_id": .integer(id),
                "original_event_log_id": .integer(original),
            ]
        }
    }
}
