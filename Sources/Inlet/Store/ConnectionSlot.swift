import Synchronization

/// One SQLite connection behind a mutex: whoever holds the lock owns the connection.
///
/// The writer's connection sits in one slot (locked by the writer queue for a whole batch); each
/// reader connection sits in its own slot.
final class ConnectionSlot: Sendable {
    private let connection: Mutex<SQLiteDatabase>

    /// A slot owning `database` from now on.
    init(_ database: consuming sending SQLiteDatabase) {
        self.connection = Mutex(database)
    }

    /// Runs `body` with the connection, waiting for the lock.
    func withConnection<T: Sendable>(_ body: (SQLiteDatabase) throws(StoreError) -> T) throws(StoreError) -> T {
        try self.connection.withLock { (database: inout SQLiteDatabase) throws(StoreError) -> T in
            try body(database)
        }
    }

    /// Runs `body` with the connection when the lock is free right now; `nil` when it is busy.
    func withConnectionIfAvailable<T: Sendable>(
        _ body: (SQLiteDatabase) throws(StoreError) -> T
    ) throws(StoreError) -> T? {
        try self.connection.withLockIfAvailable { (database: inout SQLiteDatabase) throws(StoreError) -> T in
            try body(database)
        }
    }
}
