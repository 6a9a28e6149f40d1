/// Read access to the store, in Knock's JSON shapes; every read is scoped by environment.
///
/// Obtained through `Store.read(_:)` (a committed snapshot) or `StoreTransaction.reader` (the
/// writer's view). Deleted entities (tombstones) are invisible: gets return `nil` (the API's 404).
public final class StoreReader {
    let database: SQLiteDatabase

    init(database: SQLiteDatabase) {
        self.database = database
    }

    /// A trivial query, for health checks.
    func ping() throws(StoreError) -> Int64 {
        try self.database.queryFirst("SELECT 1") { $0.int64(0) } ?? 0
    }

    // MARK: - Users

    /// The user `{"__typename": "User", "id", ...properties, "created_at", "updated_at"}`, or `nil`.
    public func user(environment: String, id: String) throws(StoreError) -> JSON? {
        nil
    }

    /// A page of users, oldest first.
    public func users(environment: String, page: PageRequest) throws(StoreError) -> Page {
        Page(entries: [], after: nil, before: nil, pageSize: page.pageSize)
    }

    /// A page of the Subscriptions whose recipient is user `userID` (what the user is subscribed to).
    public func userSubscriptions(environment: String, userID: String, page: PageRequest) throws(StoreError) -> Page {
        Page(entries: [], after: nil, before: nil, pageSize: page.pageSize)
    }

    // MARK: - Objects

    /// The object `{"__typename": "Object", "id", "collection", "properties", "created_at", "updated_at"}`,
    /// or `nil`.
    public func object(environment: String, collection: String, id: String) throws(StoreError) -> JSON? {
        nil
    }

    /// A page of the objects of `collection`, oldest first.
    public func objects(environment: String, collection: String, page: PageRequest) throws(StoreError) -> Page {
        Page(entries: [], after: nil, before: nil, pageSize: page.pageSize)
    }

    /// A page of Subscriptions of object `(collection, id)`: its subscribers (`.object`) or what it
    /// is subscribed to (`.recipient`).
    public func objectSubscriptions(
        environment: String,
        collection: String,
        id: String,
        mode: SubscriptionListMode,
        page: PageRequest
    ) throws(StoreError) -> Page {
        Page(entries: [], after: nil, before: nil, pageSize: page.pageSize)
    }

    // MARK: - Tenants and audiences

    /// The tenant `{"__typename": "Tenant", "id", ...properties, "created_at", "updated_at"}`, or `nil`.
    public func tenant(environment: String, id: String) throws(StoreError) -> JSON? {
        nil
    }

    /// A page of tenants, oldest first.
    public func tenants(environment: String, page: PageRequest) throws(StoreError) -> Page {
        Page(entries: [], after: nil, before: nil, pageSize: page.pageSize)
    }

    /// A page of `{"__typename": "AudienceMember", "added_at", "user_id", "user", "tenant"}` of
    /// audience `key`, oldest first (members whose user is deleted are left out).
    public func audienceMembers(environment: String, key: String, page: PageRequest) throws(StoreError) -> Page {
        Page(entries: [], after: nil, before: nil, pageSize: page.pageSize)
    }

    // MARK: - Workflow runs

    /// The run `{"id", "workflow", "recipients", "actor", "data", "tenant", "cancellation_key",
    /// "status", "inserted_at"}`, or `nil`.
    public func workflowRun(environment: String, id: String) throws(StoreError) -> JSON? {
        nil
    }

    /// A page of runs, newest first, optionally only of `workflow` and only those whose recipients
    /// (after fan-out) include `recipient`.
    public func workflowRuns(
        environment: String,
        workflow: String?,
        recipient: Recipient?,
        page: PageRequest
    ) throws(StoreError) -> Page {
        Page(entries: [], after: nil, before: nil, pageSize: page.pageSize)
    }

    // MARK: - Event logs, rejected deliveries, stats

    /// A page of the event logs of source `sourceKey`, newest first (`EventLogRecord.json()`),
    /// optionally only of `event` type and of `status` (`processed`, `error`, `duplicate`), with
    /// each log's `actions` when `includeActions`.
    public func eventLogs(
        environment: String,
        sourceKey: String,
        event: String?,
        status: String?,
        includeActions: Bool,
        page: PageRequest
    ) throws(StoreError) -> Page {
        Page(entries: [], after: nil, before: nil, pageSize: page.pageSize)
    }

    /// One event log of source `sourceKey` with its action logs and raw body, or `nil`.
    public func eventLog(environment: String, sourceKey: String, id: Int64) throws(StoreError) -> EventLogRecord? {
        nil
    }

    /// A page of rejected deliveries of source `sourceKey`, newest first:
    /// `{"id", "source", "reason", "remote_address", "size_bytes", "inserted_at"}`.
    public func rejectedDeliveries(environment: String, sourceKey: String, page: PageRequest) throws(StoreError) -> Page {
        Page(entries: [], after: nil, before: nil, pageSize: page.pageSize)
    }

    /// Counters of source `sourceKey` (zero and `nil` when it never received an event).
    public func sourceStats(environment: String, sourceKey: String) throws(StoreError) -> SourceStats {
        SourceStats(eventsReceived: 0, lastEventAtMs: nil)
    }
}

@available(*, unavailable)
extension StoreReader: Sendable {}
