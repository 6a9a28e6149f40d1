import CSQLite
import Foundation

/// One SQLite connection, closed when released.
///
/// Not thread-safe by design: it is opened with `SQLITE_OPEN_NOMUTEX` and each instance is owned
/// by one queue or mutex at a time (the store's writer queue, or a reader slot's mutex).
/// Statements are prepared once and cached by their SQL text, or by the identity of a `SQLText`.
final class SQLiteDatabase {
    private var handle: OpaquePointer?
    private var cache: [String: SQLiteStatement] = [:]
    private var cacheByIdentity: [ObjectIdentifier: (text: SQLText, statement: SQLiteStatement)] = [:]

    /// The path given at open (`:memory:` for an in-memory database).
    let path: String

    /// Opens (creating when `create`) the database at `path`.
    init(path: String, create: Bool) throws(StoreError) {
        self.path = path
        var handle: OpaquePointer?
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        if create {
            flags |= SQLITE_OPEN_CREATE
        }
        // Log writes go through `SQLiteCoalescingVFS` (one write per commit instead of two per page).
        let result = sqlite3_open_v2(path, &handle, flags, SQLiteCoalescingVFS.registeredName)
        guard result == SQLITE_OK, let handle else {
            // "Whether or not an error occurs when it is opened, resources associated with the
            // database connection handle should be released by passing it to sqlite3_close()"
            // (https://www.sqlite.org/c3ref/open.html).
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw StoreError(.cannotOpen, "cannot open \(path): \(message)", code: result)
        }
        sqlite3_extended_result_codes(handle, 1)
        self.handle = handle
    }

    deinit {
        self.close()
    }

    /// Finalizes every cached statement and closes the connection; later calls fail with `.closed`.
    func close() {
        self.cache.removeAll()
        self.cacheByIdentity.removeAll()
        if let handle = self.handle {
            // close_v2 defers the close until outstanding statements are finalized, so a statement
            // still referenced elsewhere cannot make the handle leak
            // (https://www.sqlite.org/c3ref/close.html).
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    /// Whether the connection is in autocommit mode (no transaction open).
    var isAutocommit: Bool {
        guard let handle = self.handle else { return true }
        return sqlite3_get_autocommit(handle) != 0
    }

    /// The name of the VFS the connection's files go through (see `SQLiteCoalescingVFS`).
    var vfsName: String? {
        guard let handle = self.handle else { return nil }
        var vfs: UnsafeMutablePointer<sqlite3_vfs>?
        guard sqlite3_file_control(handle, "main", SQLITE_FCNTL_VFS_POINTER, &vfs) == SQLITE_OK,
            let name = vfs?.pointee.zName
        else {
            return nil
        }
        return String(cString: name)
    }

    /// Whether the connection's write-ahead log is open and written through a `LogWriteCoalescer`.
    var logWritesAreCoalesced: Bool {
        guard let handle = self.handle else { return false }
        var log: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(handle, "main", SQLITE_FCNTL_JOURNAL_POINTER, &log) == SQLITE_OK, let log,
            log.pointee.pMethods != nil
        else {
            return false
        }
        return SQLiteCoalescingVFS.coalesces(log)
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int {
        guard let handle = self.handle else { return 0 }
        return Int(sqlite3_changes(handle))
    }

    /// The rowid of the last successful INSERT.
    var lastInsertRowID: Int64 {
        guard let handle = self.handle else { return 0 }
        return sqlite3_last_insert_rowid(handle)
    }

    /// The number of frames in the write-ahead log after this connection's last commit, once
    /// `trackWALFrames()` was called (0 before the first commit).
    private(set) var walFrames = 0

    /// Keeps `walFrames` up to date after every commit of this connection. This replaces SQLite's
    /// automatic checkpoints on this connection (its own WAL hook), so the caller checkpoints.
    func trackWALFrames() {
        guard let handle = self.handle else { return }
        sqlite3_wal_hook(
            handle,
            { context, _, _, frames in
                if let context {
                    Unmanaged<SQLiteDatabase>.fromOpaque(context).takeUnretainedValue().walFrames = Int(frames)
                }
                return SQLITE_OK
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
    }

    /// The outcome of a checkpoint: frames in the log and frames copied into the database so far.
    struct Checkpoint {
        /// Frames in the write-ahead log.
        var logFrames: Int
        /// Frames of the log already copied into the database file (all of them when equal).
        var checkpointedFrames: Int
        /// Another connection was checkpointing (nothing was done).
        var busy: Bool
    }

    /// Copies what it can of the write-ahead log into the database file without waiting for
    /// readers or writers (`SQLITE_CHECKPOINT_PASSIVE`), then syncs the database file.
    func checkpointPassive() throws(StoreError) -> Checkpoint {
        guard let handle = self.handle else {
            throw StoreError(.closed, "the store is closed")
        }
        var log: Int32 = 0
        var copied: Int32 = 0
        let result = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &copied)
        if result == SQLITE_BUSY {
            return Checkpoint(logFrames: Int(log), checkpointedFrames: Int(copied), busy: true)
        }
        guard result == SQLITE_OK else {
            throw self.error(code: result, context: "checkpointing the write-ahead log")
        }
        return Checkpoint(logFrames: Int(log), checkpointedFrames: Int(copied), busy: false)
    }

    /// Runs one or more statements without results (schema, PRAGMAs, transaction control).
    func execute(_ sql: String) throws(StoreError) {
        guard let handle = self.handle else {
            throw StoreError(.closed, "the store is closed")
        }
        let result = sqlite3_exec(handle, sql, nil, nil, nil)
        guard result == SQLITE_OK else {
            throw self.error(code: result, context: "running \(sql.prefix(60))")
        }
    }

    /// A prepared statement for `sql`, from the cache when it is not already in use.
    func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let cached = self.cache[sql], !cached.inUse {
            return cached
        }
        let prepared = try self.compile(sql)
        if self.cache[sql] == nil {
            self.cache[sql] = prepared
        }
        return prepared
    }

    /// A prepared statement for `text`, found by its identity, from the cache when it is not
    /// already in use.
    func prepare(_ text: SQLText) throws(StoreError) -> SQLiteStatement {
        let key = ObjectIdentifier(text)
        if let cached = self.cacheByIdentity[key], !cached.statement.inUse {
            return cached.statement
        }
        let prepared = try self.compile(text.sql)
        if self.cacheByIdentity[key] == nil {
            self.cacheByIdentity[key] = (text, prepared)
        }
        return prepared
    }

    private func compile(_ sql: String) throws(StoreError) -> SQLiteStatement {
        guard let handle = self.handle else {
            throw StoreError(.closed, "the store is closed")
        }
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else {
            throw self.error(code: result, context: "preparing \(sql.prefix(80))")
        }
        return SQLiteStatement(handle: statement, database: self, sql: sql)
    }

    /// Runs a statement that returns no rows; returns the number of rows changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> Int {
        try self.run(self.prepare(sql), values)
    }

    /// `run(_:_:)` of a statement run often.
    @discardableResult
    func run(_ text: SQLText, _ values: [SQLValue] = []) throws(StoreError) -> Int {
        try self.run(self.prepare(text), values)
    }

    private func run(_ statement: SQLiteStatement, _ values: [SQLValue]) throws(StoreError) -> Int {
        statement.inUse = true
        defer {
            statement.reset()
            statement.inUse = false
        }
        try statement.bind(values)
        while try statement.step() {}
        return self.changes
    }

    /// Runs a query and maps every row with `row` (which must only read columns).
    func query<T>(
        _ sql: String,
        _ values: [SQLValue] = [],
        row: (SQLiteStatement) throws(StoreError) -> T
    ) throws(StoreError) -> [T] {
        try self.query(self.prepare(sql), values, row: row)
    }

    /// `query(_:_:row:)` of a statement run often.
    func query<T>(
        _ text: SQLText,
        _ values: [SQLValue] = [],
        row: (SQLiteStatement) throws(StoreError) -> T
    ) throws(StoreError) -> [T] {
        try self.query(self.prepare(text), values, row: row)
    }

    private func query<T>(
        _ statement: SQLiteStatement,
        _ values: [SQLValue],
        row: (SQLiteStatement) throws(StoreError) -> T
    ) throws(StoreError) -> [T] {
        statement.inUse = true
        defer {
            statement.reset()
            statement.inUse = false
        }
        try statement.bind(values)
        var rows: [T] = []
        while try statement.step() {
            rows.append(try row(statement))
        }
        return rows
    }

    /// Runs a query and maps its first row, or returns `nil` when there is none.
    func queryFirst<T>(
        _ sql: String,
        _ values: [SQLValue] = [],
        row: (SQLiteStatement) throws(StoreError) -> T
    ) throws(StoreError) -> T? {
        try self.queryFirst(self.prepare(sql), values, row: row)
    }

    /// `queryFirst(_:_:row:)` of a statement run often.
    func queryFirst<T>(
        _ text: SQLText,
        _ values: [SQLValue] = [],
        row: (SQLiteStatement) throws(StoreError) -> T
    ) throws(StoreError) -> T? {
        try self.queryFirst(self.prepare(text), values, row: row)
    }

    private func queryFirst<T>(
        _ statement: SQLiteStatement,
        _ values: [SQLValue],
        row: (SQLiteStatement) throws(StoreError) -> T
    ) throws(StoreError) -> T? {
        statement.inUse = true
        defer {
            statement.reset()
            statement.inUse = false
        }
        try statement.bind(values)
        guard try statement.step() else {
            return nil
        }
        return try row(statement)
    }

    /// A `StoreError` for SQLite result `code`, with the connection's message and `context`.
    func error(code: Int32, context: String) -> StoreError {
        let message = self.handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        let primary = code & 0xff
        if primary == SQLITE_NOTADB {
            return StoreError(.notADatabase, "\(self.path) is not a SQLite database (\(message))", code: code)
        }
        return StoreError(.sqlite, "\(context): \(message)", code: code)
    }

    /// The SQLite library version, e.g. `3.40.1`.
    static var libraryVersion: String {
        String(cString: sqlite3_libversion())
    }
}
