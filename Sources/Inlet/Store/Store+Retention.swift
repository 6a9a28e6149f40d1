extension Store {
    /// Rows deleted per table by one prune job (small, so ingestion waits at most one short job).
    static let pruneBatchSize = 500

    private static let oldestLogsSQL = SQLText(
        "SELECT count(*), max(id) FROM (SELECT id FROM event_logs ORDER BY id LIMIT ?)"
    )
    private static let pruneActionLogsSQL = SQLText(
        "DELETE FROM action_logs WHERE event_log_id IN (SELECT id FROM event_logs WHERE id <= ?1 AND received_at < ?2)"
    )
    private static let pruneEventLogsSQL = SQLText("DELETE FROM event_logs WHERE id <= ?1 AND received_at < ?2")
    private static let newestLogSQL = SQLText("SELECT max(id) FROM event_logs")

    /// Deletes event logs (with their action logs) and rejected deliveries received before
    /// `olderThanMs`, and idempotency keys expired at `nowMs`.
    // TODO: tombstones and workflow runs are kept forever, so a store with heavy churn grows slowly
    // without bound. Pruning tombstones needs a horizon older than any delivery WorkOS may still
    // retry (3 days), with `retention_days` as a floor; a `workflow_runs_retention_days` setting
    // would bound the runs.
    ///
    /// Works in small write jobs (a few hundred rows each) so ingestion is never blocked for long;
    /// `completion` gets the totals after the last job.
    public func prune(
        olderThanMs: Int64,
        nowMs: Int64,
        completion: @escaping @Sendable (Result<PruneReport, StoreError>) -> Void
    ) {
        self.pruneStep(olderThanMs: olderThanMs, nowMs: nowMs, total: PruneReport(), completion: completion)
    }

    private func pruneStep(
        olderThanMs: Int64,
        nowMs: Int64,
        total: PruneReport,
        completion: @escaping @Sendable (Result<PruneReport, StoreError>) -> Void
    ) {
        let limit = Int64(Store.pruneBatchSize)
        self.write({ transaction -> (PruneReport, fullLogWindow: Bool) in
            let database = transaction.database
            var step = PruneReport()
            var fullLogWindow = false
            // Ids grow with time: the oldest logs are the first ids, so no index on time is written
            // per event. Of the first `limit` ids, the logs received before the cut go; one stamped
            // later (a clock that was ahead, then set back) stays without holding back the older
            // ones behind it, and the walk goes on while a full window had something to delete.
            let window = try database.queryFirst(Store.oldestLogsSQL, [.integer(limit)]) {
                (count: $0.int64(0), lastID: $0.int64(1))
            }
            // The newest log (and the newest rejected delivery, below) always stays: SQLite gives a
            // new row the largest id plus one, so an emptied table would hand out ids from 1 again,
            // and ids are what answers, replays, duplicates and API cursors refer to.
            let newest = try database.queryFirst(Store.newestLogSQL) { $0.int64(0) } ?? 0
            if let window, window.count > 0 {
                let bounds: [SQLValue] = [.integer(min(window.lastID, newest - 1)), .integer(olderThanMs)]
                step.actionLogs = try database.run(Store.pruneActionLogsSQL, bounds)
                step.eventLogs = try database.run(Store.pruneEventLogsSQL, bounds)
                fullLogWindow = window.count == limit
            }
            step.rejectedDeliveries = try database.run(
                """
                DELETE FROM rejected_deliveries WHERE id IN
                    (SELECT id FROM rejected_deliveries
                     WHERE received_at < ?1 AND id < (SELECT max(id) FROM rejected_deliveries)
                     ORDER BY received_at LIMIT ?2)
                """,
                [.integer(olderThanMs), .integer(limit)]
            )
            step.idempotencyKeys = try database.run(
                """
                DELETE FROM idempotency_keys WHERE (environment, source_key, event_type, key) IN
                    (SELECT environment, source_key, event_type, key FROM idempotency_keys
                     WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)
                """,
                [.integer(nowMs), .integer(limit)]
            )
            return (step, fullLogWindow)
        }) { result in
            switch result {
            case .failure(let error):
                completion(.failure(error))
            case .success(let (step, fullLogWindow)):
                self.adjustEventLogCount(by: -step.eventLogs)
                let sum = PruneReport(
                    eventLogs: total.eventLogs + step.eventLogs,
                    actionLogs: total.actionLogs + step.actionLogs,
                    rejectedDeliveries: total.rejectedDeliveries + step.rejectedDeliveries,
                    idempotencyKeys: total.idempotencyKeys + step.idempotencyKeys
                )
                let more =
                    (fullLogWindow && step.eventLogs > 0)
                    || step.rejectedDeliveries == Store.pruneBatchSize
                    || step.idempotencyKeys == Store.pruneBatchSize
                if more {
                    self.pruneStep(olderThanMs: olderThanMs, nowMs: nowMs, total: sum, completion: completion)
                } else {
                    completion(.success(sum))
                }
            }
        }
    }

    /// `prune(olderThanMs:nowMs:completion:)` for async callers.
    public func prune(olderThanMs: Int64, nowMs: Int64) async throws(StoreError) -> PruneReport {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<PruneReport, StoreError>, Never>) in
            self.prune(olderThanMs: olderThanMs, nowMs: nowMs) { result in continuation.resume(returning: result) }
        }
        return try result.get()
    }
}
