import CSQLite

/// A prepared SQLite statement, finalized when released.
///
/// Owned by one `SQLiteDatabase` and used only on the thread that currently owns that connection.
/// Columns are read while a row is current (after `step()` returned `true`).
final class SQLiteStatement {
    private let handle: OpaquePointer
    private weak var database: SQLiteDatabase?

    /// The SQL text (for error messages; never contains bound values).
    let sql: String

    /// Whether a caller is between `bind` and `reset` (a cached statement in use is not reused).
    var inUse = false

    /// Wraps a statement prepared on `database`; finalizes it when released.
    init(handle: OpaquePointer, database: SQLiteDatabase, sql: String) {
        self.handle = handle
        self.database = database
        self.sql = sql
    }

    deinit {
        // sqlite3_finalize may be called on a statement in any state; it returns the last error
        // of the statement, which is of no interest here.
        sqlite3_finalize(self.handle)
    }

    /// Resets the statement and binds `values` to parameters 1...n.
    func bind(_ values: [SQLValue]) throws(StoreError) {
        sqlite3_reset(self.handle)
        sqlite3_clear_bindings(self.handle)
        for (offset, value) in values.enumerated() {
            try self.bind(value, at: Int32(offset + 1))
        }
    }

    private func bind(_ value: SQLValue, at index: Int32) throws(StoreError) {
        let result: Int32
        switch value {
        case .null:
            result = sqlite3_bind_null(self.handle, index)
        case .integer(let integer):
            result = sqlite3_bind_int64(self.handle, index, integer)
        case .real(let real):
            result = sqlite3_bind_double(self.handle, index, real)
        case .text(let text):
            result = sqlite3_bind_text(self.handle, index, text, -1, inlet_sqlite_transient())
        case .utf8(let bytes):
            result = bytes.withUnsafeBufferPointer { buffer in
                // An empty buffer may have a nil base address, which SQLite would bind as NULL.
                guard let base = buffer.baseAddress, buffer.count > 0 else {
                    return sqlite3_bind_text(self.handle, index, "", 0, inlet_sqlite_transient())
                }
                return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { text in
                    sqlite3_bind_text(self.handle, index, text, Int32(buffer.count), inlet_sqlite_transient())
                }
            }
        case .blob(let bytes):
            result = bytes.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress, buffer.count > 0 else {
                    return sqlite3_bind_zeroblob(self.handle, index, 0)
                }
                return sqlite3_bind_blob(self.handle, index, base, Int32(buffer.count), inlet_sqlite_transient())
            }
        }
        guard result == SQLITE_OK else {
            throw self.error(code: result, context: "binding parameter \(index)")
        }
    }

    /// Advances to the next row: `true` when a row is current, `false` when done.
    func step() throws(StoreError) -> Bool {
        let result = sqlite3_step(self.handle)
        switch result {
        case SQLITE_ROW:
            return true
        case SQLITE_DONE:
            return false
        default:
            let error = self.error(code: result, context: "running \(self.sql.prefix(80))")
            sqlite3_reset(self.handle)
            throw error
        }
    }

    private func error(code: Int32, context: String) -> StoreError {
        self.database?.error(code: code, context: context)
            ?? StoreError(.sqlite, "\(context): \(String(cString: sqlite3_errstr(code)))", code: code)
    }

    /// Resets the statement so it holds no lock and can run again; clears the bindings.
    func reset() {
        sqlite3_reset(self.handle)
        sqlite3_clear_bindings(self.handle)
    }

    /// Whether column `index` of the current row is NULL.
    func isNull(_ index: Int32) -> Bool {
        sqlite3_column_type(self.handle, index) == SQLITE_NULL
    }

    /// Column `index` as an integer (0 for NULL).
    func int64(_ index: Int32) -> Int64 {
        sqlite3_column_int64(self.handle, index)
    }

    /// Column `index` as an integer, or `nil` for NULL.
    func optionalInt64(_ index: Int32) -> Int64? {
        self.isNull(index) ? nil : sqlite3_column_int64(self.handle, index)
    }

    /// Column `index` as a double (0 for NULL).
    func double(_ index: Int32) -> Double {
        sqlite3_column_double(self.handle, index)
    }

    /// Column `index` as text, or `nil` for NULL.
    func string(_ index: Int32) -> String? {
        guard !self.isNull(index), let text = sqlite3_column_text(self.handle, index) else {
            return self.isNull(index) ? nil : ""
        }
        let count = Int(sqlite3_column_bytes(self.handle, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// Column `index` as bytes (text or blob), or `nil` for NULL.
    func bytes(_ index: Int32) -> [UInt8]? {
        if self.isNull(index) {
            return nil
        }
        // Per the SQLite docs, call the pointer function first, then sqlite3_column_bytes.
        guard let pointer = sqlite3_column_blob(self.handle, index) else {
            return []
        }
        let count = Int(sqlite3_column_bytes(self.handle, index))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
