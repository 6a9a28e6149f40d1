import Dispatch
import Foundation
import Synchronization

/// Inlet's embedded, Knock-like store on SQLite.
///
/// One writer connection commits jobs in groups (see `write(_:completion:)`); reads use separate
/// connections (WAL lets them run during writes), or the writer's connection for `:memory:`.
/// With a file store, a completion reporting success means the change is durably committed
/// (`synchronous=FULL`). All entity data is scoped by environment.
public final class Store: Sendable {
    /// The path given at open, or `:memory:`.
    public let path: String

    private let logger: Logger
    private let writer: StoreWriter
    private let writerSlot: ConnectionSlot
    private let readers: [ConnectionSlot]
    private let nextReader = Atomic<Int>(0)
    private let eventLogRows = Atomic<Int>(0)
    private let retentionTimer = Mutex<(any DispatchSourceTimer)?>(nil)

    /// The largest number of jobs committed in one transaction.
    public static let maxBatchSize = 256

    /// Copies the write-ahead log into the database off the writer (file stores only).
    let checkpointer: StoreCheckpointer?

    /// Frames appended between two background checkpoints, and the log size at which the writer
    /// catches up itself (see `StoreCheckpointer`): 128 frames, so that under load the background
    /// copy runs almost continuously, in small steps, and the frames left for the writer's
    /// catch-up are few (at 1,000 frames, SQLite's automatic interval, the catch-up waited for a
    /// large copy: p99 at 32 connections was 10-12 ms against 4-4.5 ms at 128, same run); and
    /// 8,192 frames (32 MiB with 4 KiB pages).
    static let defaultCheckpointFrames = (interval: 128, limit: 8_192)

    private init(
        path: String,
        logger: Logger,
        writerSlot: ConnectionSlot,
        readers: [ConnectionSlot],
        checkpointer: StoreCheckpointer?
    ) {
        self.path = path
        self.logger = logger
        self.writerSlot = writerSlot
        self.checkpointer = checkpointer
        self.writer = StoreWriter(slot: writerSlot, maxBatchSize: Store.maxBatchSize, checkpointer: checkpointer)
        self.readers = readers
    }

    /// Opens (creating or migrating) the store at `path`, or an in-memory store for `":memory:"`.
    ///
    /// Creates the parent directory when missing. Fails with a clear `StoreError` when the
    /// directory cannot be created or written, when the file is not a SQLite database or not an
    /// Inlet store, or when it was written by a newer schema.
    /// - Parameters:
    ///   - path: a file path, or `:memory:`.
    ///   - logger: for open/migration/retention messages.
    ///   - readerCount: read connections for a file store (at least 1; default 2).
    public static func open(path: String, logger: Logger, readerCount: Int = 2) throws(StoreError) -> Store {
        try Store.open(
            path: path,
            logger: logger,
            readerCount: readerCount,
            checkpointFrames: Store.defaultCheckpointFrames
        )
    }

    /// `open(path:logger:readerCount:)` with the write-ahead log's checkpoint sizes in frames (see
    /// `StoreCheckpointer`; tests use small ones).
    static func open(
        path: String,
        logger: Logger,
        readerCount: Int = 2,
        checkpointFrames: (interval: Int, limit: Int)
    ) throws(StoreError) -> Store {
        let isMemory = path == ":memory:"
        if !isMemory {
            try StoreSchema.prepareDirectory(for: path)
        }

        let writerDatabase = try SQLiteDatabase(path: path, create: true)
        try StoreSchema.configureWriter(writerDatabase, isMemory: isMemory)
        let migrated = try StoreSchema.migrate(writerDatabase)
        if let migrated {
            logger.info(
                "store schema migrated",
                [("path", path), ("from", "\(migrated.from)"), ("to", "\(migrated.to)")]
            )
        }
        let eventLogRows = try writerDatabase.queryFirst("SELECT count(*) FROM event_logs") { $0.int64(0) } ?? 0
        if !isMemory {
            writerDatabase.trackWALFrames()
        }
        let writerSlot = ConnectionSlot(writerDatabase)

        var readers: [ConnectionSlot] = []
        if isMemory {
            readers = [writerSlot]
        } else {
            for _ in 0..<max(1, readerCount) {
                let reader = try SQLiteDatabase(path: path, create: false)
                try StoreSchema.configureReader(reader)
                readers.append(ConnectionSlot(reader))
            }
        }

        let checkpointer =
            isMemory
            ? nil
            : try StoreCheckpointer(
                path: path,
                interval: checkpointFrames.interval,
                limit: checkpointFrames.limit,
                logger: logger
            )
        let store = Store(
            path: path,
            logger: logger,
            writerSlot: writerSlot,
            readers: readers,
            checkpointer: checkpointer
        )
        store.eventLogRows.store(Int(eventLogRows), ordering: .relaxed)
        return store
    }

    /// Called after each committed batch with the number of jobs and the seconds from BEGIN to
    /// COMMIT done (for the commit-latency metric). Runs on the writer queue: keep it short.
    public var onCommit: (@Sendable (_ batchSize: Int, _ seconds: Double) -> Void)? {
        get { self.writer.commitObserver }
        set { self.writer.commitObserver = newValue }
    }

    /// The number of event logs currently stored (kept in memory; cheap).
    public var eventLogCount: Int {
        self.eventLogRows.load(ordering: .relaxed)
    }

    /// Adjusts the in-memory event log count after a committed change.
    func adjustEventLogCount(by delta: Int) {
        self.eventLogRows.add(delta, ordering: .relaxed)
    }

    // MARK: - Writing

    /// Runs `body` in the writer's next batch, inside its own savepoint, and calls `completion`
    /// once the batch is durably committed (or failed).
    ///
    /// If `body` throws, only its own changes are rolled back and `completion` gets the error (as
    /// a `StoreError`; other errors are wrapped as `.other`). If the batch's COMMIT fails, every
    /// job of the batch gets that error. `completion` runs on a store queue, never on the caller's.
    public func write<T: Sendable>(
        _ body: @escaping @Sendable (StoreTransaction) throws -> T,
        completion: @escaping @Sendable (Result<T, StoreError>) -> Void
    ) {
        self.write(optimistic: false, body, completion: completion)
    }

    /// `write(_:completion:)`; an `optimistic` job may run without its own savepoint (see
    /// `WriteJob`): only for bodies that throw just when SQLite fails and have no effect outside
    /// the store, as they may run twice (the store keeps only one run).
    ///
    /// `completion` runs on `callbackQueue` when given (e.g. the queue of the connection waiting
    /// for the answer, saving a hop), else on the store's completion queue.
    func write<T: Sendable>(
        optimistic: Bool,
        callbackQueue: DispatchQueue? = nil,
        _ body: @escaping @Sendable (StoreTransaction) throws -> T,
        completion: @escaping @Sendable (Result<T, StoreError>) -> Void
    ) {
        let job = WriteJob(
            optimistic: optimistic,
            callbackQueue: callbackQueue,
            perform: { transaction, isolated in
                let run = { () throws(StoreError) -> T in
                    do {
                        return try body(transaction)
                    } catch {
                        throw StoreError.wrapping(error)
                    }
                }
                do throws(StoreError) {
                    let value = optimistic && !isolated ? try run() : try transaction.withSavepoint(run)
                    return { batchError in
                        completion(batchError.map { .failure($0) } ?? .success(value))
                    }
                } catch {
                    if optimistic && !isolated {
                        return nil
                    }
                    return { batchError in
                        completion(.failure(batchError ?? error))
                    }
                }
            },
            fail: { error in completion(.failure(error)) }
        )
        self.writer.submit(job)
    }

    /// `write(_:completion:)` for async callers: returns once the change is durably committed.
    public func write<T: Sendable>(
        _ body: @escaping @Sendable (StoreTransaction) throws -> T
    ) async throws(StoreError) -> T {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<T, StoreError>, Never>) in
            self.write(body) { result in continuation.resume(returning: result) }
        }
        return try result.get()
    }

    // MARK: - Reading

    /// Runs `body` with a reader in one read transaction (a consistent snapshot of committed data).
    ///
    /// Synchronous and fast (reads are bounded by page sizes); errors thrown by `body` that are
    /// not `StoreError` are wrapped as `.other`. Never call it from inside a `write` closure (an
    /// in-memory store reads through the writer's connection, which that closure holds): use
    /// `StoreTransaction.reader` there.
    public func read<T: Sendable>(_ body: (StoreReader) throws -> T) throws(StoreError) -> T {
        let start = self.nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        let count = self.readers.count
        let run = { (database: SQLiteDatabase) throws(StoreError) -> T in
            try database.run("BEGIN")
            defer { _ = try? database.run("COMMIT") }
            do {
                return try body(StoreReader(database: database))
            } catch {
                throw StoreError.wrapping(error)
            }
        }
        for offset in 0..<count {
            let slot = self.readers[(start &+ offset) % count]
            if let value = try slot.withConnectionIfAvailable(run) {
                return value
            }
        }
        return try self.readers[start % count].withConnection(run)
    }

    /// Runs a trivial query on a read connection; throws when the store cannot answer.
    public func healthCheck() throws(StoreError) {
        _ = try self.read { reader in try reader.ping() }
    }

    // MARK: - Lifecycle

    /// Stops the retention timer, lets queued writes commit, and closes every connection.
    ///
    /// Later writes fail with `.closed`; later reads fail with `.closed`. Safe to call twice.
    public func close() {
        self.stopRetention()
        self.checkpointer?.close()
        self.writer.close {
            _ = try? self.writerSlot.withConnection { database throws(StoreError) in database.close() }
        }
        for reader in self.readers {
            _ = try? reader.withConnection { database throws(StoreError) in database.close() }
        }
    }

    deinit {
        self.retentionTimer.withLock { timer in
            timer?.cancel()
            timer = nil
        }
    }

    // MARK: - Retention timer

    /// Prunes every `intervalSeconds` (default hourly) what is older than `retentionMs`, starting
    /// one interval from now; replaces a running timer.
    public func startRetention(retentionMs: Int64, intervalSeconds: Double = 3600) {
        self.retentionTimer.withLock { timer in
            timer?.cancel()
            let source = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
            let interval = DispatchTimeInterval.milliseconds(Int(max(1, intervalSeconds) * 1000))
            source.schedule(deadline: .now() + interval, repeating: interval)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                let now = StoreTime.nowMs()
                self.prune(olderThanMs: now - retentionMs, nowMs: now) { result in
                    switch result {
                    case .success(let report):
                        self.logger.info("store pruned", report.logPairs)
                    case .failure(let error):
                        self.logger.error("store prune failed", [("error", error.description)])
                    }
                }
            }
            source.resume()
            timer = source
        }
    }

    /// Stops the retention timer, if running.
    public func stopRetention() {
        self.retentionTimer.withLock { timer in
            timer?.cancel()
            timer = nil
        }
    }
}
