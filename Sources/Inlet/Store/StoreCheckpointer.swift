import Dispatch
import Synchronization

/// Copies a file store's write-ahead log into the database file on its own connection and queue,
/// so that the single writer does not: SQLite's automatic checkpoint runs inside the COMMIT that
/// crosses its threshold, on the writer, while the next batch waits.
///
/// The writer reports the log's size after each commit (`noteCommit(walFrames:)`); every
/// `interval` frames appended, a passive checkpoint runs here, which never blocks the writer or a
/// reader. The log restarts from its beginning only once all of it was copied, which a background
/// copy racing a steady stream of commits never quite achieves; so when the log reaches `limit`
/// frames the writer copies the few frames still missing itself (`catchUpIfFull`, after waiting
/// for a background checkpoint in progress), and the log restarts at its next transaction. The
/// log therefore stays under about `limit` frames plus one batch, unless a reader keeps an old
/// snapshot open for long (as with SQLite's own checkpoints).
final class StoreCheckpointer: Sendable {
    private struct State {
        var requestedAtFrames = 0
        var running = false
        var closed = false
    }

    /// Frames appended between two background checkpoints (see `Store.defaultCheckpointFrames`).
    let interval: Int

    /// Frames in the log at which the writer catches up itself.
    let limit: Int

    private let slot: ConnectionSlot
    private let logger: Logger
    private let queue = DispatchQueue(label: "inlet.store.checkpointer", qos: .utility)
    private let state = Mutex(State())
    /// Held while either side checkpoints, so the writer's catch-up waits for a background
    /// checkpoint instead of finding SQLite's checkpoint lock taken (and the log growing on).
    private let checkpointing = Mutex(())
    private let completedCount = Atomic<Int>(0)
    private let catchUpCount = Atomic<Int>(0)

    /// A checkpointer working on its own connection to the store at `path`.
    init(path: String, interval: Int, limit: Int, logger: Logger) throws(StoreError) {
        let database = try SQLiteDatabase(path: path, create: false)
        try database.execute("PRAGMA busy_timeout=5000; PRAGMA synchronous=FULL;")
        self.slot = ConnectionSlot(database)
        self.interval = max(1, interval)
        self.limit = max(self.interval, limit)
        self.logger = logger
    }

    /// Background checkpoints finished so far.
    var completedCheckpoints: Int {
        self.completedCount.load(ordering: .relaxed)
    }

    /// Times the writer caught up itself so far.
    var writerCatchUps: Int {
        self.catchUpCount.load(ordering: .relaxed)
    }

    /// Called by the writer after each commit with the log's size: starts a background checkpoint
    /// when `interval` frames were appended since the last one was asked for.
    func noteCommit(walFrames: Int) {
        let due = self.state.withLock { state -> Bool in
            if walFrames < state.requestedAtFrames {
                state.requestedAtFrames = 0  // the log restarted
            }
            guard !state.closed, !state.running, walFrames - state.requestedAtFrames >= self.interval else {
                return false
            }
            state.requestedAtFrames = walFrames
            state.running = true
            return true
        }
        if due {
            self.queue.async { self.checkpoint() }
        }
    }

    /// Called by the writer on its connection, outside any transaction, after each batch: when the
    /// log holds `limit` frames or more, copies what the background has not copied yet, so that
    /// the log restarts at the writer's next transaction.
    func catchUpIfFull(_ database: SQLiteDatabase) {
        guard database.walFrames >= self.limit else {
            return
        }
        do {
            let result = try self.checkpointing.withLock { _ throws(StoreError) in try database.checkpointPassive() }
            if !result.busy {
                self.catchUpCount.add(1, ordering: .relaxed)
            }
        } catch {
            self.logger.warning("write-ahead log checkpoint failed", [("error", error.description)])
        }
    }

    /// Waits for a running checkpoint, then closes the connection; later requests are ignored.
    func close() {
        self.state.withLock { $0.closed = true }
        self.queue.sync {}
        _ = try? self.slot.withConnection { database throws(StoreError) in database.close() }
    }

    private func checkpoint() {
        defer { self.state.withLock { $0.running = false } }
        do {
            let result = try self.slot.withConnection { database throws(StoreError) in
                try self.checkpointing.withLock { _ throws(StoreError) in try database.checkpointPassive() }
            }
            if !result.busy {
                self.completedCount.add(1, ordering: .relaxed)
            }
        } catch {
            self.logger.warning("write-ahead log checkpoint failed", [("error", error.description)])
        }
    }
}
