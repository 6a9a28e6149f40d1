/// The writer's view of the store inside one job: Knock semantics shared by webhooks and the API.
///
/// Only valid inside the `write` closure that received it (it is not `Sendable` and must not
/// escape). `reader` reads the same connection, so it sees this job's uncommitted changes.
public final class StoreTransaction {
    /// The writer's connection, inside the batch's transaction.
    let database: SQLiteDatabase
    private var savepointDepth = 0

    /// Reads through the writer's connection (sees this batch's uncommitted changes).
    public let reader: StoreReader

    /// A transaction view over the writer's `database`, valid for one batch.
    init(database: SQLiteDatabase) {
        self.database = database
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
        let name = "inlet_sp\(self.savepointDepth)"
        defer { self.savepointDepth -= 1 }

        try self.database.run("SAVEPOINT \(name)")
        do {
            let value = try body()
            if !keep(value) {
                try self.database.run("ROLLBACK TO \(name)")
            }
            try self.database.run("RELEASE \(name)")
            return value
        } catch {
            _ = try? self.database.run("ROLLBACK TO \(name)")
            _ = try? self.database.run("RELEASE \(name)")
            throw error
        }
    }
}

@available(*, unavailable)
extension StoreTransaction: Sendable {}
