extension Store {
    /// Deletes event logs (with their action logs) and rejected deliveries received before
    /// `olderThanMs`, and idempotency keys expired at `nowMs`.
    ///
    /// Works in small write jobs (a few hundred rows each) so ingestion is never blocked for long;
    /// `completion` gets the totals after the last job.
    public func prune(olderThanMs: Int64, nowMs: Int64, completion: @escaping @Sendable (Result<PruneReport, StoreError>) -> Void) {
        // TODO: implemented in the next commit.
        completion(.success(PruneReport()))
    }

    /// `prune(olderThanMs:nowMs:completion:)` for async callers.
    public func prune(olderThanMs: Int64, nowMs: Int64) async throws(StoreError) -> PruneReport {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<PruneReport, StoreError>, Never>) in
            self.prune(olderThanMs: olderThanMs, nowMs: nowMs) { result in continuation.resume(returning: result) }
        }
        return try result.get()
    }
}
