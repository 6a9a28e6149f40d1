/// Read access to the store, in Knock's JSON shapes; every read is scoped by environment.
///
/// Obtained through `Store.read(_:)` (a committed snapshot) or `StoreTransaction.reader` (the
/// writer's view). Deleted entities (tombstones) are invisible: gets return `nil` (the API's 404),
/// and subscriptions or memberships of deleted entities are left out of lists.
public final class StoreReader {
    /// The connection read from (a reader's, or the writer's inside a transaction).
    let database: SQLiteDatabase

    /// A reader over `database`, owned by the caller for the duration of its use.
    init(database: SQLiteDatabase) {
        self.database = database
    }

    /// A small query that reads an Inlet table, for health checks: unlike `SELECT 1` it takes a
    /// read snapshot of the database file (WAL included) and needs the schema to be there.
    func ping() throws(StoreError) -> Int64 {
        try self.database.queryFirst("SELECT count(*) FROM source_stats") { $0.int64(0) } ?? 0
    }

    // MARK: - Users

    /// The user `{"__typename": "User", "id", ...properties, "created_at", "updated_at"}`, or `nil`.
    public func user(environment: String, id: String) throws(StoreError) -> JSON? {
        try self.topLevelEntity(table: "users", typename: "User", environment: environment, id: id)
    }

    /// A page of users, oldest first.
    public func users(environment: String, page: PageRequest) throws(StoreError) -> Page {
        try self.topLevelEntities(table: "users", typename: "User", environment: environment, page: page)
    }

    /// A page of the Subscriptions whose recipient is user `userID` (what the user is subscribed to).
    public func userSubscriptions(environment: String, userID: String, page: PageRequest) throws(StoreError) -> Page {
        try self.subscriptions(
            filter: "s.environment = ? AND s.recipient_collection = '' AND s.recipient_id = ?",
            values: [.text(environment), .text(userID)],
            page: page
        )
    }

    // MARK: - Objects

    /// The object `{"__typename": "Object", "id", "collection", "properties", "created_at", "updated_at"}`,
    /// or `nil`.
    public func object(environment: String, collection: String, id: String) throws(StoreError) -> JSON? {
        try self.database.queryFirst(
            """
            SELECT collection, id, properties, created_at, updated_at FROM objects
            WHERE environment = ? AND collection = ? AND id = ? AND deleted = 0
            """,
            [.text(environment), .text(collection), .text(id)]
        ) { statement throws(StoreError) in
            try StoreReader.objectJSON(statement, from: 0)
        }
    }

    /// A page of the objects of `collection`, oldest first.
    public func objects(environment: String, collection: String, page: PageRequest) throws(StoreError) -> Page {
        try self.page(
            select: "SELECT seq, collection, id, properties, created_at, updated_at FROM objects",
            filter: "environment = ? AND collection = ? AND deleted = 0",
            values: [.text(environment), .text(collection)],
            sequence: "seq",
            newestFirst: false,
            request: page
        ) { statement throws(StoreError) in
            try StoreReader.objectJSON(statement, from: 1)
        }
    }

    /// A page of Subscriptions of object `(collection, id)`, oldest first: its subscribers
    /// (`.object`) or what it is subscribed to (`.recipient`).
    public func objectSubscriptions(
        environment: String,
        collection: String,
        id: String,
        mode: SubscriptionListMode,
        page: PageRequest
    ) throws(StoreError) -> Page {
        switch mode {
        case .object:
            return try self.subscriptions(
                filter: "s.environment = ? AND s.object_collection = ? AND s.object_id = ?",
                values: [.text(environment), .text(collection), .text(id)],
                page: page
            )
        case .recipient:
            return try self.subscriptions(
                filter: "s.environment = ? AND s.recipient_collection = ? AND s.recipient_id = ?",
                values: [.text(environment), .text(collection), .text(id)],
                page: page
            )
        }
    }

    /// The live subscription of `recipient` to object `(collection, id)`, in Knock's shape.
    func subscription(
        environment: String,
        collection: String,
        id: String,
        recipient: ApplyContext.RecipientKey
    ) throws(StoreError) -> JSON? {
        try self.database.queryFirst(
            StoreReader.subscriptionSelect + """
                 WHERE s.environment = ? AND s.object_collection = ? AND s.object_id = ?
                    AND s.recipient_collection = ? AND s.recipient_id = ? AND s.deleted = 0
                    AND (u.seq IS NOT NULL OR ro.seq IS NOT NULL)
                """,
            [.text(environment), .text(collection), .text(id), .text(recipient.collection), .text(recipient.id)]
        ) { statement throws(StoreError) in
            try StoreReader.subscriptionJSON(statement)
        }
    }

    /// Columns: 0 seq, 1-2 object collection and id, 3-4 recipient collection and id, 5 properties,
    /// 6 inserted_at, 7 updated_at, 8-10 object properties and times, 11-13 recipient's.
    private static let subscriptionSelect = """
        SELECT s.seq, s.object_collection, s.object_id, s.recipient_collection, s.recipient_id, s.properties,
            s.inserted_at, s.updated_at, o.properties, o.created_at, o.updated_at,
            COALESCE(u.properties, ro.properties), COALESCE(u.created_at, ro.created_at),
            COALESCE(u.updated_at, ro.updated_at)
        FROM subscriptions s
        JOIN objects o ON o.environment = s.environment AND o.collection = s.object_collection
            AND o.id = s.object_id AND o.deleted = 0
        LEFT JOIN users u ON s.recipient_collection = '' AND u.environment = s.environment
            AND u.id = s.recipient_id AND u.deleted = 0
        LEFT JOIN objects ro ON s.recipient_collection != '' AND ro.environment = s.environment
            AND ro.collection = s.recipient_collection AND ro.id = s.recipient_id AND ro.deleted = 0
        """

    private func subscriptions(filter: String, values: [SQLValue], page: PageRequest) throws(StoreError) -> Page {
        try self.page(
            select: StoreReader.subscriptionSelect,
            filter: filter + " AND s.deleted = 0 AND (u.seq IS NOT NULL OR ro.seq IS NOT NULL)",
            values: values,
            sequence: "s.seq",
            newestFirst: false,
            request: page
        ) { statement throws(StoreError) in
            try StoreReader.subscriptionJSON(statement)
        }
    }

    private static func subscriptionJSON(_ statement: SQLiteStatement) throws(StoreError) -> JSON {
        let objectCollection = statement.string(1) ?? ""
        let objectID = statement.string(2) ?? ""
        let recipientCollection = statement.string(3) ?? ""
        let recipientID = statement.string(4) ?? ""

        let object = try StoreReader.objectJSON(
            collection: objectCollection,
            id: objectID,
            properties: statement.bytes(8) ?? [],
            createdAt: statement.int64(9),
            updatedAt: statement.int64(10)
        )
        let recipientProperties = statement.bytes(11) ?? []
        let recipient =
            recipientCollection.isEmpty
            ? try StoreReader.topLevelJSON(
                "User",
                id: recipientID,
                properties: recipientProperties,
                createdAt: statement.int64(12),
                updatedAt: statement.int64(13)
            )
            : try StoreReader.objectJSON(
                collection: recipientCollection,
                id: recipientID,
                properties: recipientProperties,
                createdAt: statement.int64(12),
                updatedAt: statement.int64(13)
            )

        var json = JSONObject()
        json["__typename"] = "Subscription"
        json["recipient"] = recipient
        json["object"] = object
        json["properties"] =
            try statement.bytes(5).map { (bytes: [UInt8]) throws(StoreError) -> JSON in
                .object(try ApplyContext.parseObject(bytes))
            } ?? .null
        json["inserted_at"] = .string(StoreTime.iso8601(statement.int64(6)))
        json["updated_at"] = .string(StoreTime.iso8601(statement.int64(7)))
        return .object(json)
    }

    // MARK: - Tenants and audiences

    /// The tenant `{"__typename": "Tenant", "id", ...properties, "created_at", "updated_at"}`, or `nil`.
    public func tenant(environment: String, id: String) throws(StoreError) -> JSON? {
        try self.topLevelEntity(table: "tenants", typename: "Tenant", environment: environment, id: id)
    }

    /// A page of tenants, oldest first.
    public func tenants(environment: String, page: PageRequest) throws(StoreError) -> Page {
        try self.topLevelEntities(table: "tenants", typename: "Tenant", environment: environment, page: page)
    }

    /// One live row of `table` (users or tenants: properties at the top level), or `nil`.
    private func topLevelEntity(
        table: StaticString,
        typename: String,
        environment: String,
        id: String
    ) throws(StoreError) -> JSON? {
        try self.database.queryFirst(
            """
            SELECT id, properties, created_at, updated_at FROM \(table)
            WHERE environment = ? AND id = ? AND deleted = 0
            """,
            [.text(environment), .text(id)]
        ) { statement throws(StoreError) in
            try StoreReader.topLevelJSON(typename, statement, from: 0)
        }
    }

    /// A page of the live rows of `table` (users or tenants), oldest first.
    private func topLevelEntities(
        table: StaticString,
        typename: String,
        environment: String,
        page: PageRequest
    ) throws(StoreError) -> Page {
        try self.page(
            select: "SELECT seq, id, properties, created_at, updated_at FROM \(table)",
            filter: "environment = ? AND deleted = 0",
            values: [.text(environment)],
            sequence: "seq",
            newestFirst: false,
            request: page
        ) { statement throws(StoreError) in
            try StoreReader.topLevelJSON(typename, statement, from: 1)
        }
    }

    /// A page of `{"__typename": "AudienceMember", "added_at", "user_id", "user", "tenant"}` of
    /// audience `key`, oldest first (members whose user is deleted are left out).
    public func audienceMembers(environment: String, key: String, page: PageRequest) throws(StoreError) -> Page {
        try self.page(
            select: """
                SELECT m.seq, m.user_id, m.tenant, m.added_at, u.id, u.properties, u.created_at, u.updated_at
                FROM audience_members m
                JOIN users u ON u.environment = m.environment AND u.id = m.user_id AND u.deleted = 0
                """,
            filter: "m.environment = ? AND m.audience_key = ? AND m.deleted = 0",
            values: [.text(environment), .text(key)],
            sequence: "m.seq",
            newestFirst: false,
            request: page
        ) { statement throws(StoreError) in
            let tenant = statement.string(2) ?? ""
            var json = JSONObject()
            json["__typename"] = "AudienceMember"
            json["added_at"] = .string(StoreTime.iso8601(statement.int64(3)))
            json["user_id"] = .string(statement.string(1) ?? "")
            json["user"] = try StoreReader.topLevelJSON("User", statement, from: 4)
            json["tenant"] = tenant.isEmpty ? .null : .string(tenant)
            return .object(json)
        }
    }

    // MARK: - Workflow runs

    private static let runColumns = """
        SELECT r.seq, r.id, r.workflow, r.recipients, r.actor, r.data, r.tenant, r.cancellation_key, r.status,
            r.inserted_at
        FROM workflow_runs r
        """

    /// The run `{"id", "workflow", "recipients", "actor", "data", "tenant", "cancellation_key",
    /// "status", "inserted_at"}`, or `nil`.
    public func workflowRun(environment: String, id: String) throws(StoreError) -> JSON? {
        try self.database.queryFirst(
            StoreReader.runColumns + " WHERE r.environment = ? AND r.id = ?",
            [.text(environment), .text(id)]
        ) { statement throws(StoreError) in
            try StoreReader.runJSON(statement)
        }
    }

    /// A page of runs, newest first, optionally only of `workflow` and only those whose recipients
    /// (after fan-out) include `recipient`.
    public func workflowRuns(
        environment: String,
        workflow: String?,
        recipient: Recipient?,
        page: PageRequest
    ) throws(StoreError) -> Page {
        var select = StoreReader.runColumns
        var filter = "r.environment = ?"
        var values: [SQLValue] = [.text(environment)]
        if let recipient {
            let key = ApplyContext.RecipientKey(recipient)
            select += """
                 JOIN workflow_run_recipients x ON x.environment = r.environment AND x.run_seq = r.seq
                    AND x.recipient_collection = ? AND x.recipient_id = ?
                """
            values = [.text(key.collection), .text(key.id)] + values
        }
        if let workflow {
            filter += " AND r.workflow = ?"
            values.append(.text(workflow))
        }
        return try self.page(
            select: select,
            filter: filter,
            values: values,
            sequence: "r.seq",
            newestFirst: true,
            request: page
        ) { statement throws(StoreError) in
            try StoreReader.runJSON(statement)
        }
    }

    private static func runJSON(_ statement: SQLiteStatement) throws(StoreError) -> JSON {
        var json = JSONObject()
        json["id"] = .string(statement.string(1) ?? "")
        json["workflow"] = .string(statement.string(2) ?? "")
        json["recipients"] = try StoreReader.parse(statement.bytes(3)) ?? .array([])
        json["actor"] = try StoreReader.parse(statement.bytes(4)) ?? .null
        json["data"] = try StoreReader.parse(statement.bytes(5)) ?? .null
        json["tenant"] = statement.string(6).map { .string($0) } ?? .null
        json["cancellation_key"] = statement.string(7).map { .string($0) } ?? .null
        json["status"] = .string(statement.string(8) ?? "")
        json["inserted_at"] = .string(StoreTime.iso8601(statement.int64(9)))
        return .object(json)
    }

    // MARK: - Event logs, rejected deliveries, stats

    private static let eventLogColumns = """
        SELECT id, environment, source_key, event_type, status, idempotency_key, verification, note, duplicate_of,
            replay_of, received_at, source_ts, headers, body
        FROM event_logs
        """

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
        var filter = "environment = ? AND source_key = ?"
        var values: [SQLValue] = [.text(environment), .text(sourceKey)]
        if let event {
            filter += " AND event_type = ?"
            values.append(.text(event))
        }
        if let status {
            filter += " AND status = ?"
            values.append(.text(status))
        }
        var result = try self.page(
            select: StoreReader.eventLogColumns,
            filter: filter,
            values: values,
            sequence: "id",
            newestFirst: true,
            request: page
        ) { statement throws(StoreError) in
            try StoreReader.eventLogRecord(statement).json()
        }
        if includeActions {
            for index in result.entries.indices {
                guard case .object(var entry) = result.entries[index],
                    let id = entry["id"]?.numberValue?.int64Value
                else { continue }
                entry["actions"] = .array(try self.actionLogs(eventLogID: id).map(\.json))
                result.entries[index] = .object(entry)
            }
        }
        return result
    }

    /// One event log of source `sourceKey` with its action logs and raw body, or `nil`.
    public func eventLog(environment: String, sourceKey: String, id: Int64) throws(StoreError) -> EventLogRecord? {
        guard
            var record = try self.database.queryFirst(
                StoreReader.eventLogColumns + " WHERE environment = ? AND source_key = ? AND id = ?",
                [.text(environment), .text(sourceKey), .integer(id)],
                row: StoreReader.eventLogRecord
            )
        else {
            return nil
        }
        record.actions = try self.actionLogs(eventLogID: id)
        return record
    }

    private static func eventLogRecord(_ statement: SQLiteStatement) throws(StoreError) -> EventLogRecord {
        var headers: [String: String] = [:]
        if let bytes = statement.bytes(12) {
            for (key, value) in try ApplyContext.parseObject(bytes) {
                headers[key] = value.stringValue
            }
        }
        return EventLogRecord(
            id: statement.int64(0),
            environment: statement.string(1) ?? "",
            sourceKey: statement.string(2) ?? "",
            eventType: statement.string(3),
            status: statement.string(4) ?? "",
            idempotencyKey: statement.string(5),
            verification: statement.string(6) ?? "",
            note: statement.string(7),
            duplicateOf: statement.optionalInt64(8),
            replayOf: statement.optionalInt64(9),
            receivedAtMs: statement.int64(10),
            sourceTimestampMs: statement.int64(11),
            headers: headers,
            rawBody: statement.bytes(13) ?? [],
            actions: nil
        )
    }

    private func actionLogs(eventLogID: Int64) throws(StoreError) -> [ActionLogRecord] {
        try self.database.query(
            """
            SELECT a.id, a.action_type, a.mapping_index, COALESCE(p.json, a.parameters), a.payload, a.status,
                a.reason, a.result, a.inserted_at
            FROM action_logs a LEFT JOIN action_parameters p ON p.id = a.parameters_id
            WHERE a.event_log_id = ? ORDER BY a.position
            """,
            [.integer(eventLogID)]
        ) { statement throws(StoreError) in
            guard let type = ActionType(rawValue: statement.string(1) ?? ""),
                let status = ActionStatus(rawValue: statement.string(5) ?? "")
            else {
                throw StoreError(.corrupt, "action log \(statement.int64(0)) has an unknown type or status")
            }
            return ActionLogRecord(
                id: statement.int64(0),
                type: type,
                mappingIndex: Int(statement.int64(2)),
                parameters: try StoreReader.parse(statement.bytes(3)) ?? .null,
                payload: try StoreReader.parse(statement.bytes(4)) ?? .null,
                status: status,
                reason: statement.string(6),
                result: try StoreReader.parse(statement.bytes(7)),
                insertedAtMs: statement.int64(8)
            )
        }
    }

    /// A page of rejected deliveries of source `sourceKey`, newest first:
    /// `{"id", "source", "reason", "remote_address", "size_bytes", "inserted_at"}`.
    public func rejectedDeliveries(
        environment: String,
        sourceKey: String,
        page: PageRequest
    ) throws(StoreError) -> Page {
        try self.page(
            select: "SELECT id, source_key, reason, remote_address, size_bytes, received_at FROM rejected_deliveries",
            filter: "environment = ? AND source_key = ?",
            values: [.text(environment), .text(sourceKey)],
            sequence: "id",
            newestFirst: true,
            request: page
        ) { statement in
            [
                "id": .integer(statement.int64(0)),
                "source": .string(statement.string(1) ?? ""),
                "reason": .string(statement.string(2) ?? ""),
                "remote_address": statement.string(3).map { .string($0) } ?? .null,
                "size_bytes": .integer(statement.int64(4)),
                "inserted_at": .string(StoreTime.iso8601(statement.int64(5))),
            ]
        }
    }

    /// Counters of source `sourceKey` (zero and `nil` when it never received an event).
    public func sourceStats(environment: String, sourceKey: String) throws(StoreError) -> SourceStats {
        try self.database.queryFirst(
            "SELECT events_received, last_event_at FROM source_stats WHERE environment = ? AND source_key = ?",
            [.text(environment), .text(sourceKey)]
        ) { statement in
            SourceStats(eventsReceived: statement.int64(0), lastEventAtMs: statement.optionalInt64(1))
        } ?? SourceStats(eventsReceived: 0, lastEventAtMs: nil)
    }

    // MARK: - Paging

    /// Reads one page of `select` rows matching `filter`, ordered by `sequence` (the first column
    /// of `select` must be that sequence). `render` gets each row.
    ///
    /// The list's natural order is ascending, or descending when `newestFirst`; `after` moves
    /// forward in that order, `before` backward. Cursors hold the sequence of the page's last and
    /// first entries, so inserts never shift a page.
    private func page(
        select: String,
        filter: String,
        values: [SQLValue],
        sequence: String,
        newestFirst: Bool,
        request: PageRequest,
        render: (SQLiteStatement) throws(StoreError) -> JSON
    ) throws(StoreError) -> Page {
        let bounds = try request.bounds()
        let forward = newestFirst ? "<" : ">"
        let backward = newestFirst ? ">" : "<"
        let naturalOrder = newestFirst ? "DESC" : "ASC"
        let reverseOrder = newestFirst ? "ASC" : "DESC"

        var conditions = filter
        var parameters = values
        if let after = bounds.after {
            conditions += " AND \(sequence) \(forward) ?"
            parameters.append(.integer(after))
        }
        if let before = bounds.before {
            conditions += " AND \(sequence) \(backward) ?"
            parameters.append(.integer(before))
        }
        // Walking backward (only `before` given) reads in reverse order, then flips the page.
        let backwards = bounds.before != nil && bounds.after == nil
        let order = backwards ? reverseOrder : naturalOrder
        parameters.append(.integer(Int64(request.pageSize + 1)))

        var rows = try self.database.query(
            "\(select) WHERE \(conditions) ORDER BY \(sequence) \(order) LIMIT ?",
            parameters
        ) { statement throws(StoreError) -> (Int64, JSON) in
            (statement.int64(0), try render(statement))
        }
        let more = rows.count > request.pageSize
        if more {
            rows.removeLast()
        }
        if backwards {
            rows.reverse()
        }
        guard let first = rows.first, let last = rows.last else {
            return Page(entries: [], after: nil, before: nil, pageSize: request.pageSize)
        }

        func exists(_ comparison: String, _ sequenceValue: Int64) throws(StoreError) -> Bool {
            try self.database.queryFirst(
                "\(select) WHERE \(filter) AND \(sequence) \(comparison) ? LIMIT 1",
                values + [.integer(sequenceValue)]
            ) { _ in true } ?? false
        }
        let hasNext = backwards ? try exists(forward, last.0) : more
        let hasPrevious = backwards ? more : (bounds.after != nil ? try exists(backward, first.0) : false)
        return Page(
            entries: rows.map(\.1),
            after: hasNext ? PageRequest.encode(last.0) : nil,
            before: hasPrevious ? PageRequest.encode(first.0) : nil,
            pageSize: request.pageSize
        )
    }

    // MARK: - Rendering

    /// `{"__typename": typename, "id", ...properties, "created_at", "updated_at"}` from columns
    /// `index` (id), +1 (properties), +2 (created_at), +3 (updated_at).
    private static func topLevelJSON(
        _ typename: String,
        _ statement: SQLiteStatement,
        from index: Int32
    ) throws(StoreError) -> JSON {
        try StoreReader.topLevelJSON(
            typename,
            id: statement.string(index) ?? "",
            properties: statement.bytes(index + 1) ?? [],
            createdAt: statement.int64(index + 2),
            updatedAt: statement.int64(index + 3)
        )
    }

    private static func topLevelJSON(
        _ typename: String,
        id: String,
        properties: [UInt8],
        createdAt: Int64,
        updatedAt: Int64
    ) throws(StoreError) -> JSON {
        var json = JSONObject()
        json["__typename"] = .string(typename)
        json["id"] = .string(id)
        for (key, value) in try ApplyContext.parseObject(properties) {
            json[key] = value
        }
        json["created_at"] = .string(StoreTime.iso8601(createdAt))
        json["updated_at"] = .string(StoreTime.iso8601(updatedAt))
        return .object(json)
    }

    /// An Object from columns `index` (collection), +1 (id), +2 (properties), +3, +4 (times).
    private static func objectJSON(_ statement: SQLiteStatement, from index: Int32) throws(StoreError) -> JSON {
        try StoreReader.objectJSON(
            collection: statement.string(index) ?? "",
            id: statement.string(index + 1) ?? "",
            properties: statement.bytes(index + 2) ?? [],
            createdAt: statement.int64(index + 3),
            updatedAt: statement.int64(index + 4)
        )
    }

    private static func objectJSON(
        collection: String,
        id: String,
        properties: [UInt8],
        createdAt: Int64,
        updatedAt: Int64
    ) throws(StoreError) -> JSON {
        var json = JSONObject()
        json["__typename"] = "Object"
        json["id"] = .string(id)
        json["collection"] = .string(collection)
        json["properties"] = .object(try ApplyContext.parseObject(properties))
        json["created_at"] = .string(StoreTime.iso8601(createdAt))
        json["updated_at"] = .string(StoreTime.iso8601(updatedAt))
        return .object(json)
    }

    /// Parses stored JSON text; `nil` for SQL NULL.
    static func parse(_ bytes: [UInt8]?) throws(StoreError) -> JSON? {
        guard let bytes else { return nil }
        do {
            return try JSONParser().parse(bytes)
        } catch {
            throw StoreError(.corrupt, "a stored JSON value could not be read")
        }
    }
}

@available(*, unavailable)
extension StoreReader: Sendable {}
