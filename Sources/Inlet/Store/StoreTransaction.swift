import Synchronization

/// The writer's view of the store inside one job: Knock semantics shared by webhooks and the API.
///
/// Only valid inside the `write` closure that received it (it is not `Sendable` and must not
/// escape). `reader` reads the same connection, so it sees this job's uncommitted changes.
public final class StoreTransaction {
    /// The writer's connection, inside the batch's transaction.
    let database: SQLiteDatabase
    private var savepointDepth = 0

    /// Events counted by this batch's jobs, written to `source_stats` by `finishBatch()`.
    private var countedEvents: [CountedEvent] = []

    /// One event counted for a source's statistics.
    private struct CountedEvent {
        var environment: String
        var sourceKey: String
        var receivedAtMs: Int64
    }

    /// Reads through the writer's connection (sees this batch's uncommitted changes).
    public let reader: StoreReader

    /// The writer's ids of action parameters (see `ActionParameterIDs`).
    let parameterIDs: ActionParameterIDs

    /// A transaction view over the writer's `database`, valid for one batch; `parameterIDs` is the
    /// writer's, kept from batch to batch.
    init(database: SQLiteDatabase, parameterIDs: ActionParameterIDs = ActionParameterIDs()) {
        self.database = database
        self.parameterIDs = parameterIDs
        self.reader = StoreReader(database: database)
    }

    /// Applies `action` in `environment` with Knock semantics (SPEC 6).
    ///
    /// The action runs in its own savepoint: when it throws or ends `.skipped`, nothing it did
    /// remains. Every entity keeps the source timestamp of the last change applied to it; an
    /// older `sourceTimestampMs` (strictly smaller) is `.skipped(reason: "stale")`; deletes and
    /// unsubscribes leave tombstones so older creates stay stale. API writes pass the clock as
    /// `sourceTimestampMs`.
    /// - Parameters:
    ///   - action: the resolved action.
    ///   - environment: the environment whose data it changes.
    ///   - sourceTimestampMs: the event's timestamp, ms since the epoch (ordering).
    ///   - nowMs: the clock, ms since the epoch (`created_at`, `updated_at`, `inserted_at`).
    /// - Returns: `.ok(result:)` (see `ActionOutcome`) or `.skipped(reason:)`.
    /// - Throws: `StoreError` `.invalidArgument` for unacceptable values (an id of 0 or more than
    ///   256 characters, an object as audience member), other kinds for store failures.
    public func apply(
        _ action: StoreAction,
        environment: String,
        sourceTimestampMs: Int64,
        nowMs: Int64
    ) throws(StoreError) -> ActionOutcome {
        try self.apply(
            action,
            environment: environment,
            sourceTimestampMs: sourceTimestampMs,
            nowMs: nowMs,
            prepared: nil
        )
    }

    /// `apply(_:environment:sourceTimestampMs:nowMs:)` with the action's stored properties
    /// already serialized (`PlannedAction.preparedProperties`), or `nil`.
    func apply(
        _ action: StoreAction,
        environment: String,
        sourceTimestampMs: Int64,
        nowMs: Int64,
        prepared: [UInt8]?
    ) throws(StoreError) -> ActionOutcome {
        let context = ApplyContext(
            database: self.database,
            environment: environment,
            timestamp: sourceTimestampMs,
            now: nowMs,
            preparedProperties: prepared
        )
        if ApplyContext.writesAtMostOnce(action) {
            // One statement or none: SQLite undoes a failed statement by itself, and a skip wrote
            // nothing, so a savepoint (two more statements, and a copy of every page the action
            // touches into the statement journal) would add nothing.
            return try context.apply(action)
        }
        return try self.withSavepoint(
            { () throws(StoreError) -> ActionOutcome in try context.apply(action) },
            keep: { outcome in
                if case .ok = outcome { return true }
                return false
            }
        )
    }

    /// Runs `body` inside a savepoint; rolls it back when `body` throws or `keep` says no.
    func withSavepoint<T>(
        _ body: () throws(StoreError) -> T,
        keep: (T) -> Bool = { _ in true }
    ) throws(StoreError) -> T {
        self.savepointDepth += 1
        let statements = StoreTransaction.savepointStatements(depth: self.savepointDepth)
        let counted = self.countedEvents.count
        defer { self.savepointDepth -= 1 }

        try self.database.run(statements.open)
        do {
            let value = try body()
            if !keep(value) {
                self.parameterIDs.rolledBack()
                try self.database.run(statements.rollback)
                self.countedEvents.removeSubrange(counted...)
            }
            try self.database.run(statements.release)
            return value
        } catch {
            self.parameterIDs.rolledBack()
            _ = try? self.database.run(statements.rollback)
            _ = try? self.database.run(statements.release)
            self.countedEvents.removeSubrange(counted...)
            throw error
        }
    }

    /// The SQL that opens, rolls back to and releases the savepoint at `depth`, built once per
    /// depth (so no statement text is formatted or hashed per job, and a connection's statement
    /// cache holds one entry per depth).
    private static func savepointStatements(depth: Int) -> Savepoint {
        StoreTransaction.savepoints.withLock { savepoints in
            while savepoints.count <= depth {
                savepoints.append(Savepoint(depth: savepoints.count))
            }
            return savepoints[depth]
        }
    }

    private static let savepoints = Mutex((0..<8).map(Savepoint.init(depth:)))

    /// The statements of one savepoint depth.
    private struct Savepoint: Sendable {
        let open: SQLText
        let rollback: SQLText
        let release: SQLText

        init(depth: Int) {
            self.open = SQLText("SAVEPOINT inlet_sp\(depth)")
            self.rollback = SQLText("ROLLBACK TO inlet_sp\(depth)")
            self.release = SQLText("RELEASE inlet_sp\(depth)")
        }
    }

    /// Counts one event of `sourceKey` received at `receivedAtMs` in `source_stats`, written once
    /// per source at the end of the batch (`finishBatch()`); a savepoint rolled back forgets the
    /// events counted inside it.
    func countEvent(environment: String, sourceKey: String, receivedAtMs: Int64) {
        self.countedEvents.append(
            CountedEvent(environment: environment, sourceKey: sourceKey, receivedAtMs: receivedAtMs)
        )
    }

    /// Writes what the batch's jobs left for its end: one `source_stats` upsert per source counted
    /// (instead of one per event). Called by the writer just before `COMMIT`; a failure fails the
    /// whole batch.
    func finishBatch() throws(StoreError) {
        guard !self.countedEvents.isEmpty else {
            return
        }
        var totals: [(environment: String, sourceKey: String, count: Int64, lastAtMs: Int64)] = []
        for event in self.countedEvents {
            if let index = totals.firstIndex(where: {
                $0.sourceKey == event.sourceKey && $0.environment == event.environment
            }) {
                totals[index].count += 1
                totals[index].lastAtMs = max(totals[index].lastAtMs, event.receivedAtMs)
            } else {
                totals.append((event.environment, event.sourceKey, 1, event.receivedAtMs))
            }
        }
        self.countedEvents.removeAll()
        for total in totals {
            try self.database.run(
                StoreTransaction.countEventsSQL,
                [.text(total.environment), .text(total.sourceKey), .integer(total.count), .integer(total.lastAtMs)]
            )
        }
    }
}

extension StoreTransaction {
    fileprivate static let countEventsSQL = SQLText(
        """
        INSERT INTO source_stats (environment, source_key, events_received, last_event_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (environment, source_key) DO UPDATE SET
            events_received = events_received + excluded.events_received,
            last_event_at = max(COALESCE(last_event_at, excluded.last_event_at), excluded.last_event_at)
        """
    )
}

@available(*, unavailable)
extension StoreTransaction: Sendable {}
