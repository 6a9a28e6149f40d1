/// What applying one `StoreAction` did.
public enum ActionOutcome: Sendable, Equatable {
    /// The action was applied. `result` is what the action produced, when it produces something:
    /// - `workflows_trigger`: `{"workflow_run_id": "<uuid>"}`
    /// - `workflows_cancel`: `{"cancelled_runs": N}`
    /// - `objects_subscribe`: `{"subscriptions": [Subscription, ...]}` (the upserted ones, Knock shape),
    ///   plus `"stale_recipients": [...]` when some recipients were skipped as stale
    /// - `objects_unsubscribe`: `{"subscriptions": [Subscription, ...]}` (the ones removed, as they were),
    ///   plus `"stale_recipients"` likewise
    /// - `audiences_add_member` / `audiences_remove_member`: `{"stale_recipients": [...]}` only when
    ///   some were stale, otherwise `nil`
    /// - the others: `nil`
    case ok(result: JSON?)

    /// Nothing changed; `reason` says why (`"stale"` when the event is older than the entity's state).
    case skipped(reason: String)
}
