import Foundation

/// The store's tables, connection settings and migrations, keyed by `PRAGMA user_version`.
enum StoreSchema {
    /// The schema version this build writes. A store with a higher version is refused.
    static let currentVersion: Int64 = 2

    /// `migrations[n]` moves a store from version `n` to `n + 1`.
    static let migrations: [String] = [version1, version2]

    /// Creates the parent directory of `path` when missing and checks it can hold the database,
    /// its WAL and its shared-memory file.
    static func prepareDirectory(for path: String) throws(StoreError) {
        guard !path.isEmpty else {
            throw StoreError(.cannotOpen, "the data path is empty")
        }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false

        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw StoreError(.cannotOpen, "the data path \(path) is a directory, not a file")
        }

        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw StoreError(
                    .cannotOpen,
                    "cannot create the data directory \(directory): \(StoreSchema.reason(of: error))"
                )
            }
        } else if !isDirectory.boolValue {
            throw StoreError(.cannotOpen, "cannot use \(directory) as the data directory: it is not a directory")
        }

        guard access(directory, W_OK | X_OK) == 0 else {
            throw StoreError(.cannotOpen, "the data directory \(directory) is not writable")
        }
        if FileManager.default.fileExists(atPath: path), access(path, R_OK | W_OK) != 0 {
            throw StoreError(.cannotOpen, "the data file \(path) is not readable and writable")
        }
    }

    /// Sets the writer's pragmas: WAL, `synchronous=FULL` (a success means durably committed),
    /// a WAL truncated back to 64 MiB after checkpoints, a busy timeout. The writer of a file store
    /// does not checkpoint automatically: `StoreCheckpointer` does (see `Store.open`).
    static func configureWriter(_ database: SQLiteDatabase, isMemory: Bool) throws(StoreError) {
        let mode = try database.queryFirst("PRAGMA journal_mode=WAL") { $0.string(0) } ?? nil
        if !isMemory, mode?.lowercased() != "wal" {
            throw StoreError(
                .cannotOpen,
                "cannot switch \(database.path) to WAL mode (journal_mode is \(mode ?? "unknown"))"
            )
        }
        try database.execute(
            """
            PRAGMA synchronous=FULL;
            PRAGMA journal_size_limit=67108864;
            PRAGMA busy_timeout=5000;
            PRAGMA foreign_keys=OFF;
            PRAGMA temp_store=MEMORY;
            """
        )
    }

    /// Sets a reader's pragmas: read-only by intent, busy timeout.
    static func configureReader(_ database: SQLiteDatabase) throws(StoreError) {
        try database.execute(
            """
            PRAGMA busy_timeout=5000;
            PRAGMA query_only=1;
            """
        )
    }

    /// Brings the schema to `currentVersion` in one transaction; returns the versions when it
    /// migrated, `nil` when already current.
    static func migrate(_ database: SQLiteDatabase) throws(StoreError) -> (from: Int64, to: Int64)? {
        let version = try database.queryFirst("PRAGMA user_version") { $0.int64(0) } ?? 0
        if version > StoreSchema.currentVersion {
            throw StoreError(
                .schemaTooNew,
                "the store \(database.path) was written by a newer Inlet (schema version \(version); "
                    + "this build knows up to \(StoreSchema.currentVersion)); upgrade Inlet or use another data path"
            )
        }
        if version == StoreSchema.currentVersion {
            return nil
        }
        if version == 0 {
            let tables =
                try database.queryFirst(
                    "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                ) { $0.int64(0) } ?? 0
            if tables > 0 {
                throw StoreError(
                    .notADatabase,
                    "\(database.path) is a SQLite database but not an Inlet store (it has other tables)"
                )
            }
        }

        try database.execute("BEGIN IMMEDIATE")
        do {
            for step in Int(version)..<Int(StoreSchema.currentVersion) {
                try database.execute(StoreSchema.migrations[step])
            }
            try database.execute("PRAGMA user_version=\(StoreSchema.currentVersion)")
            try database.execute("COMMIT")
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
        return (version, StoreSchema.currentVersion)
    }

    private static func reason(of error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }

    /// Version 1. Every entity row keeps `source_ts`, the source timestamp of the last change
    /// applied, and `deleted` (a tombstone); `seq` is the immutable insertion sequence used by
    /// page cursors. A subscription's `recipient_collection` is `''` for a user recipient.
    static let version1 = """
        CREATE TABLE users (
            seq INTEGER PRIMARY KEY,
            environment TEXT NOT NULL,
            id TEXT NOT NULL,
            properties TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            source_ts INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            UNIQUE (environment, id)
        );
        CREATE INDEX users_list ON users (environment, deleted, seq);

        CREATE TABLE objects (
            seq INTEGER PRIMARY KEY,
            environment TEXT NOT NULL,
            collection TEXT NOT NULL,
            id TEXT NOT NULL,
            properties TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            source_ts INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            UNIQUE (environment, collection, id)
        );
        CREATE INDEX objects_list ON objects (environment, collection, deleted, seq);

        CREATE TABLE tenants (
            seq INTEGER PRIMARY KEY,
            environment TEXT NOT NULL,
            id TEXT NOT NULL,
            properties TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            source_ts INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            UNIQUE (environment, id)
        );
        CREATE INDEX tenants_list ON tenants (environment, deleted, seq);

        CREATE TABLE subscriptions (
            seq INTEGER PRIMARY KEY,
            environment TEXT NOT NULL,
            object_collection TEXT NOT NULL,
            object_id TEXT NOT NULL,
            recipient_collection TEXT NOT NULL,
            recipient_id TEXT NOT NULL,
            properties TEXT,
            inserted_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            source_ts INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            UNIQUE (environment, object_collection, object_id, recipient_collection, recipient_id)
        );
        CREATE INDEX subscriptions_by_object
            ON subscriptions (environment, object_collection, object_id, deleted, seq);
        CREATE INDEX subscriptions_by_recipient
            ON subscriptions (environment, recipient_collection, recipient_id, deleted, seq);

        CREATE TABLE audience_members (
            seq INTEGER PRIMARY KEY,
            environment TEXT NOT NULL,
            audience_key TEXT NOT NULL,
            user_id TEXT NOT NULL,
            tenant TEXT NOT NULL,
            added_at INTEGER NOT NULL,
            source_ts INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            UNIQUE (environment, audience_key, user_id, tenant)
        );
        CREATE INDEX audience_members_list ON audience_members (environment, audience_key, deleted, seq);
        CREATE INDEX audience_members_by_user ON audience_members (environment, user_id);

        CREATE TABLE workflow_runs (
            seq INTEGER PRIMARY KEY,
            environment TEXT NOT NULL,
            id TEXT NOT NULL UNIQUE,
            workflow TEXT NOT NULL,
            recipients TEXT NOT NULL,
            actor TEXT,
            data TEXT,
            tenant TEXT,
            cancellation_key TEXT,
            status TEXT NOT NULL,
            inserted_at INTEGER NOT NULL,
            source_ts INTEGER NOT NULL
        );
        CREATE INDEX workflow_runs_list ON workflow_runs (environment, seq);
        CREATE INDEX workflow_runs_by_workflow ON workflow_runs (environment, workflow, seq);
        CREATE INDEX workflow_runs_by_cancellation
            ON workflow_runs (environment, workflow, cancellation_key) WHERE cancellation_key IS NOT NULL;

        CREATE TABLE workflow_run_recipients (
            environment TEXT NOT NULL,
            recipient_collection TEXT NOT NULL,
            recipient_id TEXT NOT NULL,
            run_seq INTEGER NOT NULL,
            PRIMARY KEY (environment, recipient_collection, recipient_id, run_seq)
        ) WITHOUT ROWID;

        CREATE TABLE event_logs (
            id INTEGER PRIMARY KEY,
            environment TEXT NOT NULL,
            source_key TEXT NOT NULL,
            event_type TEXT,
            status TEXT NOT NULL,
            idempotency_key TEXT,
            verification TEXT NOT NULL,
            note TEXT,
            duplicate_of INTEGER,
            replay_of INTEGER,
            received_at INTEGER NOT NULL,
            source_ts INTEGER NOT NULL,
            headers TEXT NOT NULL,
            body BLOB NOT NULL
        );
        CREATE INDEX event_logs_by_source ON event_logs (environment, source_key, id);
        CREATE INDEX event_logs_by_event ON event_logs (environment, source_key, event_type, id);
        CREATE INDEX event_logs_by_time ON event_logs (received_at);

        CREATE TABLE action_logs (
            id INTEGER PRIMARY KEY,
            event_log_id INTEGER NOT NULL,
            position INTEGER NOT NULL,
            action_type TEXT NOT NULL,
            mapping_index INTEGER NOT NULL,
            parameters TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            result TEXT,
            inserted_at INTEGER NOT NULL
        );
        CREATE INDEX action_logs_by_event ON action_logs (event_log_id, position);

        CREATE TABLE idempotency_keys (
            environment TEXT NOT NULL,
            source_key TEXT NOT NULL,
            event_type TEXT NOT NULL,
            key TEXT NOT NULL,
            event_log_id INTEGER NOT NULL,
            processed_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (environment, source_key, event_type, key)
        ) WITHOUT ROWID;
        CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);

        CREATE TABLE rejected_deliveries (
            id INTEGER PRIMARY KEY,
            environment TEXT NOT NULL,
            source_key TEXT NOT NULL,
            reason TEXT NOT NULL,
            remote_address TEXT,
            size_bytes INTEGER NOT NULL,
            received_at INTEGER NOT NULL
        );
        CREATE INDEX rejected_by_source ON rejected_deliveries (environment, source_key, id);
        CREATE INDEX rejected_by_time ON rejected_deliveries (received_at);

        CREATE TABLE source_stats (
            environment TEXT NOT NULL,
            source_key TEXT NOT NULL,
            events_received INTEGER NOT NULL,
            last_event_at INTEGER,
            PRIMARY KEY (environment, source_key)
        ) WITHOUT ROWID;
        """

    /// Version 2: less written per event.
    ///
    /// - A mapping's parameter JSON is the same for every event it maps: `action_parameters` holds
    ///   each distinct text once (content-addressed: `json` is unique) and new action logs refer
    ///   to it by `parameters_id`, with `parameters` left empty. Logs written before keep their
    ///   own `parameters` (and a NULL `parameters_id`); readers take `COALESCE(p.json, parameters)`.
    ///   Rows of `action_parameters` are never deleted (one per distinct mapping configuration).
    /// - `event_logs_by_time` is gone: retention walks event logs in id order (ids grow with time)
    ///   and stops at the first one inside the retention period.
    static let version2 = """
        CREATE TABLE action_parameters (
            id INTEGER PRIMARY KEY,
            json TEXT NOT NULL UNIQUE
        );
        ALTER TABLE action_logs ADD COLUMN parameters_id INTEGER;
        DROP INDEX event_logs_by_time;
        """
}
