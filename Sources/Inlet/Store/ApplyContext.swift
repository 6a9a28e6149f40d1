import Foundation

/// Applies one `StoreAction` on the writer's connection, for one environment and one timestamp.
///
/// The rules (SPEC 6): every entity row keeps `source_ts`, the source timestamp of the last change
/// applied to it; a change with a strictly older timestamp is stale. Deletes and unsubscribes turn
/// rows into tombstones that keep their timestamp. Entities created only because something refers
/// to them (a subscription's object, a bare user id) are placeholders: they keep the timestamp of
/// their tombstone, or the lowest one, so the real create that arrives later is never stale.
struct ApplyContext {
    /// The writer's connection, inside the batch's transaction.
    let database: SQLiteDatabase
    /// The environment whose data the action changes.
    let environment: String
    /// The source timestamp of the change (ms), compared with each entity's `source_ts`.
    let timestamp: Int64
    /// The clock (ms), for `created_at`, `updated_at` and `inserted_at`.
    let now: Int64
    /// `storedProperties(of:)` of the action, already serialized by the caller (a webhook's
    /// request thread), or `nil` to serialize here.
    var preparedProperties: [UInt8]? = nil

    /// The longest id, collection or key accepted (Knock's user id limit).
    static let maxIDLength = 256

    /// Keys of a user's or tenant's JSON that the store owns; an identify cannot set them.
    static let reservedKeys: Set<String> = ["__typename", "id", "created_at", "updated_at"]

    /// The timestamp of a placeholder that was never set by an event.
    static let placeholderTimestamp = Int64.min

    /// The properties an identify or set stores as given when the entity is new or was deleted:
    /// a user's or tenant's without the keys the store owns, an object's as they are; `nil` for
    /// other actions.
    static func storedProperties(of action: StoreAction) -> JSONObject? {
        switch action {
        case .identifyUser(_, let properties), .setTenant(_, let properties):
            var incoming = properties
            for key in ApplyContext.reservedKeys {
                incoming[key] = nil
            }
            return incoming
        case .setObject(_, _, let properties):
            return properties
        default:
            return nil
        }
    }

    /// Runs `action`; the caller wraps this in a savepoint and rolls back `.skipped` outcomes.
    func apply(_ action: StoreAction) throws(StoreError) -> ActionOutcome {
        switch action {
        case .identifyUser(let id, let properties):
            try ApplyContext.check(id, "user id")
            return try self.setTopLevel(
                EntityTable.users,
                id: id,
                properties: properties,
                prepared: self.preparedProperties
            )
        case .deleteUser(let id):
            try ApplyContext.check(id, "user id")
            return try self.deleteTopLevel(EntityTable.users, id: id)
        case .setTenant(let id, let properties):
            try ApplyContext.check(id, "tenant id")
            return try self.setTopLevel(
                EntityTable.tenants,
                id: id,
                properties: properties,
                prepared: self.preparedProperties
            )
        case .deleteTenant(let id):
            try ApplyContext.check(id, "tenant id")
            return try self.deleteTopLevel(EntityTable.tenants, id: id)
        case .setObject(let collection, let id, let properties):
            try ApplyContext.check(collection, "object collection")
            try ApplyContext.check(id, "object id")
            return try self.setObject(
                collection: collection,
                id: id,
                properties: properties,
                prepared: self.preparedProperties
            )
        case .deleteObject(let collection, let id):
            try ApplyContext.check(collection, "object collection")
            try ApplyContext.check(id, "object id")
            return try self.deleteObject(collection: collection, id: id)
        case .subscribe(let collection, let id, let recipients, let properties):
            return try self.subscribe(collection: collection, id: id, recipients: recipients, properties: properties)
        case .unsubscribe(let collection, let id, let recipients):
            return try self.unsubscribe(collection: collection, id: id, recipients: recipients)
        case .addAudienceMembers(let key, let recipients, let tenant):
            return try self.addMembers(key: key, recipients: recipients, tenant: tenant)
        case .removeAudienceMembers(let key, let recipients, let tenant):
            return try self.removeMembers(key: key, recipients: recipients, tenant: tenant)
        case .triggerWorkflow(let key, let recipients, let actor, let data, let tenant, let cancellationKey):
            return try self.trigger(
                key: key,
                recipients: recipients,
                actor: actor,
                data: data,
                tenant: tenant,
                cancellationKey: cancellationKey
            )
        case .cancelWorkflow(let key, let cancellationKey, let recipients):
            return try self.cancel(key: key, cancellationKey: cancellationKey, recipients: recipients)
        }
    }

    /// Whether `apply(action)` runs at most one writing statement, which must then be its last
    /// step (so a skip or a failure leaves nothing behind without a savepoint): an identify or a
    /// tenant set (`setTopLevel`: checks, one read, then one INSERT or one UPDATE).
    static func writesAtMostOnce(_ action: StoreAction) -> Bool {
        switch action {
        case .identifyUser, .setTenant:
            return true
        default:
            return false
        }
    }

    /// Fails with `.invalidArgument` unless `value` has 1 to 256 characters.
    static func check(_ value: String, _ what: String) throws(StoreError) {
        guard !value.isEmpty, value.utf8.count <= maxIDLength * 4, value.count <= maxIDLength else {
            throw .invalidArgument("\(what) must be 1 to \(maxIDLength) characters")
        }
    }

    // MARK: - Users and tenants (properties at the top level)

    /// The tables of entities keyed by one id, whose properties sit at the top level of their JSON.
    enum EntityTable: String {
        case users
        case tenants

        /// The statements of the identify path on this table, built once.
        var statements: TopLevelStatements {
            switch self {
            case .users: TopLevelStatements.users
            case .tenants: TopLevelStatements.tenants
            }
        }
    }

    /// The statements an identify or set runs on `users` or `tenants`, held as `SQLText` so that
    /// neither the text is formatted nor hashed per event.
    struct TopLevelStatements: Sendable {
        /// The row of an id, if any.
        let fetch: SQLText
        /// A new live row.
        let insert: SQLText
        /// New properties for an existing row (reviving a tombstone).
        let update: SQLText

        static let users = TopLevelStatements(table: "users")
        static let tenants = TopLevelStatements(table: "tenants")

        private init(table: String) {
            self.fetch = SQLText(
                "SELECT seq, properties, source_ts, deleted FROM \(table) WHERE environment = ? AND id = ?"
            )
            self.insert = SQLText(
                """
                INSERT INTO \(table) (environment, id, properties, created_at, updated_at, source_ts, deleted)
                VALUES (?, ?, ?, ?, ?, ?, 0)
                """
            )
            self.update = SQLText(
                """
                UPDATE \(table) SET properties = ?, updated_at = ?, source_ts = ?,
                    created_at = CASE WHEN deleted = 0 THEN created_at ELSE ? END, deleted = 0
                WHERE seq = ?
                """
            )
        }
    }

    private struct EntityRow {
        var seq: Int64
        var properties: [UInt8]
        var sourceTimestamp: Int64
        var deleted: Bool
    }

    private func fetch(_ table: EntityTable, id: String) throws(StoreError) -> EntityRow? {
        try self.database.queryFirst(
            table.statements.fetch,
            [.text(self.environment), .text(id)],
            row: ApplyContext.entityRow
        )
    }

    private static func entityRow(_ statement: SQLiteStatement) -> EntityRow {
        EntityRow(
            seq: statement.int64(0),
            properties: statement.bytes(1) ?? [],
            sourceTimestamp: statement.int64(2),
            deleted: statement.int64(3) != 0
        )
    }

    /// Identifies or sets `id`: inserts it, or merges `properties` into it (replaces a tombstone's).
    /// `prepared`, when given, is `storedProperties` of this identify as bytes.
    private func setTopLevel(
        _ table: EntityTable,
        id: String,
        properties: JSONObject,
        prepared: [UInt8]? = nil
    ) throws(StoreError) -> ActionOutcome {
        let asGiven = { () -> SQLValue in
            .utf8(prepared ?? JSON.object(ApplyContext.withoutReservedKeys(properties)).serializedBytes())
        }
        guard let existing = try self.fetch(table, id: id) else {
            try self.database.run(
                table.statements.insert,
                [
                    .text(self.environment), .text(id), asGiven(), .integer(self.now),
                    .integer(self.now), .integer(self.timestamp),
                ]
            )
            return .ok(result: nil)
        }
        if self.timestamp < existing.sourceTimestamp {
            return .skipped(reason: "stale")
        }
        let stored: SQLValue =
            existing.deleted
            ? asGiven()
            : .json(
                .object(
                    try ApplyContext.parseObject(existing.properties).merging(
                        ApplyContext.withoutReservedKeys(properties)
                    )
                )
            )
        try self.database.run(
            table.statements.update,
            [
                stored, .integer(self.now), .integer(self.timestamp), .integer(self.now),
                .integer(existing.seq),
            ]
        )
        return .ok(result: nil)
    }

    /// `properties` without the keys the store owns (`reservedKeys`).
    private static func withoutReservedKeys(_ properties: JSONObject) -> JSONObject {
        var incoming = properties
        for key in ApplyContext.reservedKeys {
            incoming[key] = nil
        }
        return incoming
    }

    private func deleteTopLevel(_ table: EntityTable, id: String) throws(StoreError) -> ActionOutcome {
        if let existing = try self.fetch(table, id: id) {
            if self.timestamp < existing.sourceTimestamp {
                return .skipped(reason: "stale")
            }
            try self.database.run(
                """
                UPDATE \(table.rawValue) SET properties = '{}', deleted = 1, source_ts = ?, updated_at = ?
                WHERE seq = ?
                """,
                [.integer(self.timestamp), .integer(self.now), .integer(existing.seq)]
            )
        } else {
            try self.database.run(
                """
                INSERT INTO \(table.rawValue) (environment, id, properties, created_at, updated_at, source_ts, deleted)
                VALUES (?, ?, '{}', ?, ?, ?, 1)
                """,
                [.text(self.environment), .text(id), .integer(self.now), .integer(self.now), .integer(self.timestamp)]
            )
        }

        if table == .users {
            // The user's subscriptions and memberships go with it (those not newer than the delete).
            try self.database.run(
                """
                UPDATE subscriptions SET deleted = 1, source_ts = ?, updated_at = ?
                WHERE environment = ? AND recipient_collection = '' AND recipient_id = ? AND deleted = 0
                    AND source_ts <= ?
                """,
                [
                    .integer(self.timestamp), .integer(self.now), .text(self.environment), .text(id),
                    .integer(self.timestamp),
                ]
            )
            try self.database.run(
                """
                UPDATE audience_members SET deleted = 1, source_ts = ?
                WHERE environment = ? AND user_id = ? AND deleted = 0 AND source_ts <= ?
                """,
                [.integer(self.timestamp), .text(self.environment), .text(id), .integer(self.timestamp)]
            )
        }
        return .ok(result: nil)
    }

    /// Makes sure user `id` is visible, creating or reviving an empty placeholder; `false` when a
    /// newer delete forbids it (the reference is stale).
    private func ensureUser(_ id: String) throws(StoreError) -> Bool {
        guard let existing = try self.fetch(.users, id: id) else {
            try self.database.run(
                """
                INSERT INTO users (environment, id, properties, created_at, updated_at, source_ts, deleted)
                VALUES (?, ?, '{}', ?, ?, ?, 0)
                """,
                [
                    .text(self.environment), .text(id), .integer(self.now), .integer(self.now),
                    .integer(ApplyContext.placeholderTimestamp),
                ]
            )
            return true
        }
        guard existing.deleted else {
            return true
        }
        if existing.sourceTimestamp > self.timestamp {
            return false
        }
        try self.database.run(
            "UPDATE users SET deleted = 0, properties = '{}', created_at = ?, updated_at = ? WHERE seq = ?",
            [.integer(self.now), .integer(self.now), .integer(existing.seq)]
        )
        return true
    }

    // MARK: - Objects

    private func fetchObject(collection: String, id: String) throws(StoreError) -> EntityRow? {
        try self.database.queryFirst(
            """
            SELECT seq, properties, source_ts, deleted FROM objects
            WHERE environment = ? AND collection = ? AND id = ?
            """,
            [.text(self.environment), .text(collection), .text(id)],
            row: ApplyContext.entityRow
        )
    }

    /// Sets object `(collection, id)`: inserts it, or merges `properties` into it (replaces a
    /// tombstone's). `prepared`, when given, is `properties` as bytes.
    private func setObject(
        collection: String,
        id: String,
        properties: JSONObject,
        prepared: [UInt8]? = nil
    ) throws(StoreError) -> ActionOutcome {
        let asGiven = { () -> SQLValue in .utf8(prepared ?? JSON.object(properties).serializedBytes()) }
        guard let existing = try self.fetchObject(collection: collection, id: id) else {
            try self.database.run(
                """
                INSERT INTO objects (environment, collection, id, properties, created_at, updated_at, source_ts,
                    deleted)
                VALUES (?, ?, ?, ?, ?, ?, ?, 0)
                """,
                [
                    .text(self.environment), .text(collection), .text(id), asGiven(),
                    .integer(self.now), .integer(self.now), .integer(self.timestamp),
                ]
            )
            return .ok(result: nil)
        }
        if self.timestamp < existing.sourceTimestamp {
            return .skipped(reason: "stale")
        }
        let stored =
            existing.deleted
            ? asGiven() : .json(.object(try ApplyContext.parseObject(existing.properties).merging(properties)))
        try self.database.run(
            """
            UPDATE objects SET properties = ?, updated_at = ?, source_ts = ?,
                created_at = CASE WHEN deleted = 0 THEN created_at ELSE ? END, deleted = 0
            WHERE seq = ?
            """,
            [
                stored, .integer(self.now), .integer(self.timestamp), .integer(self.now),
                .integer(existing.seq),
            ]
        )
        return .ok(result: nil)
    }

    private func deleteObject(collection: String, id: String) throws(StoreError) -> ActionOutcome {
        if let existing = try self.fetchObject(collection: collection, id: id) {
            if self.timestamp < existing.sourceTimestamp {
                return .skipped(reason: "stale")
            }
            try self.database.run(
                "UPDATE objects SET properties = '{}', deleted = 1, source_ts = ?, updated_at = ? WHERE seq = ?",
                [.integer(self.timestamp), .integer(self.now), .integer(existing.seq)]
            )
        } else {
            try self.database.run(
                """
                INSERT INTO objects (environment, collection, id, properties, created_at, updated_at, source_ts,
                    deleted)
                VALUES (?, ?, ?, '{}', ?, ?, ?, 1)
                """,
                [
                    .text(self.environment), .text(collection), .text(id), .integer(self.now), .integer(self.now),
                    .integer(self.timestamp),
                ]
            )
        }

        // Its subscriptions, both as the object and as a recipient, go with it.
        try self.database.run(
            """
            UPDATE subscriptions SET deleted = 1, source_ts = ?, updated_at = ?
            WHERE environment = ? AND deleted = 0 AND source_ts <= ?
                AND ((object_collection = ? AND object_id = ?) OR (recipient_collection = ? AND recipient_id = ?))
            """,
            [
                .integer(self.timestamp), .integer(self.now), .text(self.environment), .integer(self.timestamp),
                .text(collection), .text(id), .text(collection), .text(id),
            ]
        )
        return .ok(result: nil)
    }

    /// Makes sure object `(collection, id)` is visible, creating or reviving an empty placeholder;
    /// `false` when a newer delete forbids it.
    private func ensureObject(collection: String, id: String) throws(StoreError) -> Bool {
        guard let existing = try self.fetchObject(collection: collection, id: id) else {
            try self.database.run(
                """
                INSERT INTO objects (environment, collection, id, properties, created_at, updated_at, source_ts,
                    deleted)
                VALUES (?, ?, ?, '{}', ?, ?, ?, 0)
                """,
                [
                    .text(self.environment), .text(collection), .text(id), .integer(self.now), .integer(self.now),
                    .integer(ApplyContext.placeholderTimestamp),
                ]
            )
            return true
        }
        guard existing.deleted else {
            return true
        }
        if existing.sourceTimestamp > self.timestamp {
            return false
        }
        try self.database.run(
            "UPDATE objects SET deleted = 0, properties = '{}', created_at = ?, updated_at = ? WHERE seq = ?",
            [.integer(self.now), .integer(self.now), .integer(existing.seq)]
        )
        return true
    }

    // MARK: - Recipients

    /// A recipient's identity: `collection` is `""` for a user.
    struct RecipientKey: Hashable {
        /// The object's collection, or `""` for a user.
        var collection: String
        /// The user's or object's id.
        var id: String

        /// The key of a user (`collection` `""`) or an object.
        init(collection: String, id: String) {
            self.collection = collection
            self.id = id
        }

        /// The key of `recipient`.
        init(_ recipient: Recipient) {
            switch recipient {
            case .user(let id, _):
                self.init(collection: "", id: id)
            case .object(let collection, let id, _):
                self.init(collection: collection, id: id)
            }
        }

        /// A user id as a string, an object as `{"collection", "id"}`.
        var json: JSON {
            self.collection.isEmpty
                ? .string(self.id) : ["collection": .string(self.collection), "id": .string(self.id)]
        }
    }

    /// Checks a recipient's ids and, when it came inline, identifies or sets it first (an older
    /// inline identify is ignored: the entity's own timestamp decides).
    private func prepare(_ recipient: Recipient) throws(StoreError) -> RecipientKey {
        switch recipient {
        case .user(let id, let properties):
            try ApplyContext.check(id, "recipient user id")
            if let properties {
                _ = try self.setTopLevel(.users, id: id, properties: properties)
            }
        case .object(let collection, let id, let properties):
            try ApplyContext.check(collection, "recipient object collection")
            try ApplyContext.check(id, "recipient object id")
            if let properties {
                _ = try self.setObject(collection: collection, id: id, properties: properties)
            }
        }
        return RecipientKey(recipient)
    }

    private func ensure(_ key: RecipientKey) throws(StoreError) -> Bool {
        key.collection.isEmpty
            ? try self.ensureUser(key.id) : try self.ensureObject(collection: key.collection, id: key.id)
    }

    /// The recipients without repeats, in first-seen order.
    private static func unique(_ recipients: [Recipient]) -> [Recipient] {
        var seen = Set<RecipientKey>()
        return recipients.filter { seen.insert(RecipientKey($0)).inserted }
    }

    private static func result(_ subscriptions: [JSON], stale: [RecipientKey]) -> JSON {
        var object = JSONObject()
        object["subscriptions"] = .array(subscriptions)
        if !stale.isEmpty {
            object["stale_recipients"] = .array(stale.map(\.json))
        }
        return .object(object)
    }

    // MARK: - Subscriptions

    private struct MembershipRow {
        var seq: Int64
        var sourceTimestamp: Int64
        var deleted: Bool
    }

    private func fetchSubscription(
        collection: String,
        id: String,
        recipient: RecipientKey
    ) throws(StoreError) -> MembershipRow? {
        try self.database.queryFirst(
            """
            SELECT seq, source_ts, deleted FROM subscriptions
            WHERE environment = ? AND object_collection = ? AND object_id = ? AND recipient_collection = ?
                AND recipient_id = ?
            """,
            [.text(self.environment), .text(collection), .text(id), .text(recipient.collection), .text(recipient.id)]
        ) { statement in
            MembershipRow(
                seq: statement.int64(0),
                sourceTimestamp: statement.int64(1),
                deleted: statement.int64(2) != 0
            )
        }
    }

    private func subscribe(
        collection: String,
        id: String,
        recipients: [Recipient],
        properties: JSONObject?
    ) throws(StoreError) -> ActionOutcome {
        try ApplyContext.check(collection, "object collection")
        try ApplyContext.check(id, "object id")
        guard try self.ensureObject(collection: collection, id: id) else {
            return .skipped(reason: "stale")
        }

        let reader = StoreReader(database: self.database)
        var subscriptions: [JSON] = []
        var stale: [RecipientKey] = []
        for recipient in ApplyContext.unique(recipients) {
            let key = try self.prepare(recipient)
            if key.collection == collection, key.id == id {
                throw .invalidArgument("object \(collection)/\(id) cannot subscribe to itself")
            }
            let existing = try self.fetchSubscription(collection: collection, id: id, recipient: key)
            if let existing, self.timestamp < existing.sourceTimestamp {
                stale.append(key)
                continue
            }
            guard try self.ensure(key) else {
                stale.append(key)
                continue
            }

            let propertiesValue: SQLValue = properties.map { .json(.object($0)) } ?? .null
            if let existing {
                try self.database.run(
                    """
                    UPDATE subscriptions SET
                        properties = CASE WHEN ?1 IS NOT NULL OR deleted = 1 THEN ?1 ELSE properties END,
                        inserted_at = CASE WHEN deleted = 1 THEN ?2 ELSE inserted_at END,
                        updated_at = ?2, source_ts = ?3, deleted = 0
                    WHERE seq = ?4
                    """,
                    [propertiesValue, .integer(self.now), .integer(self.timestamp), .integer(existing.seq)]
                )
            } else {
                try self.database.run(
                    """
                    INSERT INTO subscriptions (environment, object_collection, object_id, recipient_collection,
                        recipient_id, properties, inserted_at, updated_at, source_ts, deleted)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
                    """,
                    [
                        .text(self.environment), .text(collection), .text(id), .text(key.collection), .text(key.id),
                        propertiesValue, .integer(self.now), .integer(self.now), .integer(self.timestamp),
                    ]
                )
            }
            if let subscription = try reader.subscription(
                environment: self.environment,
                collection: collection,
                id: id,
                recipient: key
            ) {
                subscriptions.append(subscription)
            }
        }

        if !recipients.isEmpty, subscriptions.isEmpty, !stale.isEmpty {
            return .skipped(reason: "stale")
        }
        return .ok(result: ApplyContext.result(subscriptions, stale: stale))
    }

    private func unsubscribe(
        collection: String,
        id: String,
        recipients: [Recipient]
    ) throws(StoreError) -> ActionOutcome {
        try ApplyContext.check(collection, "object collection")
        try ApplyContext.check(id, "object id")

        let reader = StoreReader(database: self.database)
        var removed: [JSON] = []
        var stale: [RecipientKey] = []
        var applied = 0
        for recipient in ApplyContext.unique(recipients) {
            let key = RecipientKey(recipient)
            try ApplyContext.check(key.id, "recipient id")
            let existing = try self.fetchSubscription(collection: collection, id: id, recipient: key)
            if let existing, self.timestamp < existing.sourceTimestamp {
                stale.append(key)
                continue
            }
            applied += 1
            if let existing {
                if !existing.deleted,
                    let subscription = try reader.subscription(
                        environment: self.environment,
                        collection: collection,
                        id: id,
                        recipient: key
                    )
                {
                    removed.append(subscription)
                }
                try self.database.run(
                    "UPDATE subscriptions SET deleted = 1, source_ts = ?, updated_at = ? WHERE seq = ?",
                    [.integer(self.timestamp), .integer(self.now), .integer(existing.seq)]
                )
            } else {
                // A tombstone, so that an older subscribe arriving later stays stale.
                try self.database.run(
                    """
                    INSERT INTO subscriptions (environment, object_collection, object_id, recipient_collection,
                        recipient_id, properties, inserted_at, updated_at, source_ts, deleted)
                    VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, 1)
                    """,
                    [
                        .text(self.environment), .text(collection), .text(id), .text(key.collection), .text(key.id),
                        .integer(self.now), .integer(self.now), .integer(self.timestamp),
                    ]
                )
            }
        }

        if applied == 0, !stale.isEmpty {
            return .skipped(reason: "stale")
        }
        return .ok(result: ApplyContext.result(removed, stale: stale))
    }

    // MARK: - Audiences

    private func fetchMember(key: String, userID: String, tenant: String) throws(StoreError) -> MembershipRow? {
        try self.database.queryFirst(
            """
            SELECT seq, source_ts, deleted FROM audience_members
            WHERE environment = ? AND audience_key = ? AND user_id = ? AND tenant = ?
            """,
            [.text(self.environment), .text(key), .text(userID), .text(tenant)]
        ) { statement in
            MembershipRow(
                seq: statement.int64(0),
                sourceTimestamp: statement.int64(1),
                deleted: statement.int64(2) != 0
            )
        }
    }

    private static func memberResult(stale: [RecipientKey]) -> JSON? {
        stale.isEmpty ? nil : ["stale_recipients": .array(stale.map(\.json))]
    }

    private func addMembers(key: String, recipients: [Recipient], tenant: String?) throws(StoreError) -> ActionOutcome {
        try ApplyContext.check(key, "audience key")
        let tenant = tenant ?? ""
        var stale: [RecipientKey] = []
        var applied = 0
        for recipient in ApplyContext.unique(recipients) {
            guard case .user = recipient else {
                throw .invalidArgument("audience members must be users, not objects")
            }
            let user = try self.prepare(recipient)
            let existing = try self.fetchMember(key: key, userID: user.id, tenant: tenant)
            if let existing, self.timestamp < existing.sourceTimestamp {
                stale.append(user)
                continue
            }
            guard try self.ensureUser(user.id) else {
                stale.append(user)
                continue
            }
            applied += 1
            if let existing {
                try self.database.run(
                    """
                    UPDATE audience_members SET source_ts = ?,
                        added_at = CASE WHEN deleted = 1 THEN ? ELSE added_at END, deleted = 0
                    WHERE seq = ?
                    """,
                    [.integer(self.timestamp), .integer(self.now), .integer(existing.seq)]
                )
            } else {
                try self.database.run(
                    """
                    INSERT INTO audience_members (environment, audience_key, user_id, tenant, added_at, source_ts,
                        deleted)
                    VALUES (?, ?, ?, ?, ?, ?, 0)
                    """,
                    [
                        .text(self.environment), .text(key), .text(user.id), .text(tenant), .integer(self.now),
                        .integer(self.timestamp),
                    ]
                )
            }
        }
        if applied == 0, !stale.isEmpty {
            return .skipped(reason: "stale")
        }
        return .ok(result: ApplyContext.memberResult(stale: stale))
    }

    private func removeMembers(
        key: String,
        recipients: [Recipient],
        tenant: String?
    ) throws(StoreError) -> ActionOutcome {
        try ApplyContext.check(key, "audience key")
        let tenant = tenant ?? ""
        var stale: [RecipientKey] = []
        var applied = 0
        for recipient in ApplyContext.unique(recipients) {
            guard case .user(let userID, _) = recipient else {
                throw .invalidArgument("audience members must be users, not objects")
            }
            try ApplyContext.check(userID, "recipient user id")
            let user = RecipientKey(recipient)
            let existing = try self.fetchMember(key: key, userID: userID, tenant: tenant)
            if let existing, self.timestamp < existing.sourceTimestamp {
                stale.append(user)
                continue
            }
            applied += 1
            if let existing {
                try self.database.run(
                    "UPDATE audience_members SET deleted = 1, source_ts = ? WHERE seq = ?",
                    [.integer(self.timestamp), .integer(existing.seq)]
                )
            } else {
                try self.database.run(
                    """
                    INSERT INTO audience_members (environment, audience_key, user_id, tenant, added_at, source_ts,
                        deleted)
                    VALUES (?, ?, ?, ?, ?, ?, 1)
                    """,
                    [
                        .text(self.environment), .text(key), .text(userID), .text(tenant), .integer(self.now),
                        .integer(self.timestamp),
                    ]
                )
            }
        }
        if applied == 0, !stale.isEmpty {
            return .skipped(reason: "stale")
        }
        return .ok(result: ApplyContext.memberResult(stale: stale))
    }

    // MARK: - Workflows

    /// How deep object recipients fan out: an object's subscribers, and their subscribers when
    /// those are objects (Knock supports nesting to depth 2).
    static let maxFanOutDepth = 2

    private func subscribers(of object: RecipientKey) throws(StoreError) -> [RecipientKey] {
        try self.database.query(
            """
            SELECT s.recipient_collection, s.recipient_id FROM subscriptions s
            LEFT JOIN users u ON s.recipient_collection = '' AND u.environment = s.environment
                AND u.id = s.recipient_id AND u.deleted = 0
            LEFT JOIN objects o ON s.recipient_collection != '' AND o.environment = s.environment
                AND o.collection = s.recipient_collection AND o.id = s.recipient_id AND o.deleted = 0
            WHERE s.environment = ? AND s.object_collection = ? AND s.object_id = ? AND s.deleted = 0
                AND (u.seq IS NOT NULL OR o.seq IS NOT NULL)
            ORDER BY s.seq
            """,
            [.text(self.environment), .text(object.collection), .text(object.id)]
        ) { statement in
            RecipientKey(collection: statement.string(0) ?? "", id: statement.string(1) ?? "")
        }
    }

    private func trigger(
        key: String,
        recipients: [Recipient],
        actor: Recipient?,
        data: JSON?,
        tenant: String?,
        cancellationKey: String?
    ) throws(StoreError) -> ActionOutcome {
        try ApplyContext.check(key, "workflow key")
        var explicit: [RecipientKey] = []
        for recipient in recipients {
            explicit.append(try self.prepare(recipient))
        }
        let actorKey = try actor.map { (actor: Recipient) throws(StoreError) -> RecipientKey in
            try self.prepare(actor)
        }

        var expanded: [RecipientKey] = []
        var seen = Set<RecipientKey>()
        func fanOut(_ object: RecipientKey, depth: Int) throws(StoreError) {
            guard depth <= ApplyContext.maxFanOutDepth else { return }
            for subscriber in try self.subscribers(of: object) where subscriber != actorKey {
                if seen.insert(subscriber).inserted {
                    expanded.append(subscriber)
                }
                if !subscriber.collection.isEmpty {
                    try fanOut(subscriber, depth: depth + 1)
                }
            }
        }
        for recipient in explicit {
            if seen.insert(recipient).inserted {
                expanded.append(recipient)
            }
            if !recipient.collection.isEmpty {
                try fanOut(recipient, depth: 1)
            }
        }

        let runID = UUID().uuidString.lowercased()
        try self.database.run(
            """
            INSERT INTO workflow_runs (environment, id, workflow, recipients, actor, data, tenant, cancellation_key,
                status, inserted_at, source_ts)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'triggered', ?, ?)
            """,
            [
                .text(self.environment), .text(runID), .text(key), .json(.array(expanded.map(\.json))),
                .json(actorKey?.json), .json(data), .optional(tenant), .optional(cancellationKey),
                .integer(self.now), .integer(self.timestamp),
            ]
        )
        let runSeq = self.database.lastInsertRowID
        for recipient in expanded {
            try self.database.run(
                """
                INSERT OR IGNORE INTO workflow_run_recipients (environment, recipient_collection, recipient_id, run_seq)
                VALUES (?, ?, ?, ?)
                """,
                [.text(self.environment), .text(recipient.collection), .text(recipient.id), .integer(runSeq)]
            )
        }
        return .ok(result: ["workflow_run_id": .string(runID)])
    }

    private func cancel(
        key: String,
        cancellationKey: String,
        recipients: [Recipient]?
    ) throws(StoreError) -> ActionOutcome {
        try ApplyContext.check(key, "workflow key")
        var cancelled = 0
        if let recipients {
            for recipient in ApplyContext.unique(recipients) {
                let target = RecipientKey(recipient)
                cancelled += try self.database.run(
                    """
                    UPDATE workflow_runs SET status = 'cancelled'
                    WHERE environment = ? AND workflow = ? AND cancellation_key = ? AND status = 'triggered'
                        AND seq IN (SELECT run_seq FROM workflow_run_recipients
                            WHERE environment = ? AND recipient_collection = ? AND recipient_id = ?)
                    """,
                    [
                        .text(self.environment), .text(key), .text(cancellationKey), .text(self.environment),
                        .text(target.collection), .text(target.id),
                    ]
                )
            }
        } else {
            cancelled = try self.database.run(
                """
                UPDATE workflow_runs SET status = 'cancelled'
                WHERE environment = ? AND workflow = ? AND cancellation_key = ? AND status = 'triggered'
                """,
                [.text(self.environment), .text(key), .text(cancellationKey)]
            )
        }
        return .ok(result: ["cancelled_runs": .integer(cancelled)])
    }

    // MARK: - JSON

    /// Parses stored object text; a failure means the database was altered outside Inlet.
    static func parseObject(_ bytes: [UInt8]) throws(StoreError) -> JSONObject {
        do {
            if case .object(let object) = try JSONParser().parse(bytes) {
                return object
            }
        } catch {}
        throw StoreError(.corrupt, "a stored JSON object could not be read")
    }
}
