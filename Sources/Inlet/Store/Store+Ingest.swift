import Dispatch

extension Store {
    /// Writes one webhook delivery (SPEC 4 steps 4-6) in one job of the writer, and calls
    /// `completion` after the durable commit.
    ///
    /// In order, atomically: the idempotency check (same key, event type, source and environment
    /// processed successfully within the window: the outcome is `.duplicate`, logged with status
    /// `duplicate` and no action; replays skip this check); the event log; each planned action in
    /// order (`.run` applied in its own savepoint, so a store failure marks only that action
    /// `error`); one action log per planned action; the idempotency key, only when no action
    /// ended in `error` (the event log's status is then `processed`, else `error`).
    ///
    /// `completion` runs on `callbackQueue` when given (the connection's queue saves a hop), else
    /// on a store queue.
    public func ingest(
        _ event: IngestEvent,
        callbackQueue: DispatchQueue? = nil,
        completion: @escaping @Sendable (Result<IngestOutcome, StoreError>) -> Void
    ) {
        // Optimistic: `ingest` throws only when SQLite fails (an action's own failure is caught in
        // its savepoint), and it has no effect outside the store.
        self.write(
            optimistic: true,
            callbackQueue: callbackQueue,
            { transaction in try transaction.ingest(event) }
        ) { result in
            if case .success = result {
                self.adjustEventLogCount(by: 1)
            }
            completion(result)
        }
    }

    /// `ingest(_:completion:)` for async callers.
    public func ingest(_ event: IngestEvent) async throws(StoreError) -> IngestOutcome {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<IngestOutcome, StoreError>, Never>) in
            self.ingest(event) { result in continuation.resume(returning: result) }
        }
        return try result.get()
    }
}
