import Dispatch
import Synchronization

/// The single writer of a store: a serial queue that commits submitted jobs in groups.
///
/// Jobs submitted while a batch is committing wait in `pending`; the next batch takes up to
/// `maxBatchSize` of them: `BEGIN IMMEDIATE`, each job in its own savepoint (a job that throws is
/// rolled back alone; optimistic jobs see `WriteJob`), the transaction's end-of-batch writes
/// (`StoreTransaction.finishBatch`), one `COMMIT` (one fsync for the whole batch), and only then
/// the jobs' completions run, on a separate queue. If the batch cannot begin or commit, every job
/// in it receives the error.
final class StoreWriter: Sendable {
    private struct State {
        var pending: [WriteJob] = []
        var draining = false
        var closed = false
        var observer: (@Sendable (Int, Double) -> Void)?
    }

    private let slot: ConnectionSlot
    private let queue = DispatchQueue(label: "inlet.store.writer", qos: .userInitiated)
    private let completionQueue = DispatchQueue(label: "inlet.store.completions", attributes: .concurrent)
    private let state = Mutex(State())
    private let maxBatchSize: Int
    private let checkpointer: StoreCheckpointer?
    private let parameterIDs = ActionParameterIDs()

    private static let begin = SQLText("BEGIN IMMEDIATE")
    private static let commit = SQLText("COMMIT")
    private static let rollback = SQLText("ROLLBACK")

    /// A writer over the connection in `slot`; with a `checkpointer` (file stores), the connection
    /// must track its log (`SQLiteDatabase.trackWALFrames()`), and checkpoints happen there.
    init(slot: ConnectionSlot, maxBatchSize: Int, checkpointer: StoreCheckpointer? = nil) {
        self.slot = slot
        self.maxBatchSize = max(1, maxBatchSize)
        self.checkpointer = checkpointer
    }

    /// Called after each committed batch with its job count and the time from BEGIN to COMMIT done.
    var commitObserver: (@Sendable (Int, Double) -> Void)? {
        get { self.state.withLock { $0.observer } }
        set { self.state.withLock { $0.observer = newValue } }
    }

    /// Queues `job` for the next batch; fails it at once when the writer is closed.
    func submit(_ job: WriteJob) {
        let accepted = self.state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.pending.append(job)
            if !state.draining {
                state.draining = true
                // Dispatched inside the lock so that `close()`'s barrier is ordered after it.
                self.queue.async { self.drain() }
            }
            return true
        }
        if !accepted {
            job.fail(StoreError(.closed, "the store is closed"))
        }
    }

    /// Refuses new jobs, waits for the queued ones to commit, then runs `finally` on the queue.
    func close(finally: () -> Void) {
        self.state.withLock { $0.closed = true }
        self.queue.sync {
            finally()
        }
    }

    private func drain() {
        while true {
            let batch = self.state.withLock { state -> [WriteJob] in
                guard !state.pending.isEmpty else {
                    state.draining = false
                    return []
                }
                if state.pending.count <= self.maxBatchSize {
                    defer { state.pending = [] }
                    return state.pending
                }
                let batch = Array(state.pending.prefix(self.maxBatchSize))
                state.pending.removeFirst(self.maxBatchSize)
                return batch
            }
            guard !batch.isEmpty else { return }
            self.run(consume batch)
        }
    }

    /// Runs `jobs` as one transaction. The jobs (and all they captured: a webhook's event) are
    /// released on the completion queue, after the writer let go of them (it returns right after
    /// handing them over), so freeing them is rarely the writer's time.
    ///
    /// A batch of optimistic jobs only first runs without savepoints; when one of them throws, the
    /// whole batch is rolled back and run again with every job in a savepoint (see `WriteJob`).
    private func run(_ batch: consuming [WriteJob]) {
        let jobs = consume batch
        let start = DispatchTime.now().uptimeNanoseconds
        var finishers: [WriteJob.Finisher] = []
        finishers.reserveCapacity(jobs.count)
        var batchError: StoreError?

        do throws(StoreError) {
            try self.slot.withConnection { database throws(StoreError) in
                // A batch with any ordinary job runs every job in its own savepoint, so that only
                // optimistic jobs can ever run twice.
                var isolated = !jobs.allSatisfy(\.optimistic)
                while true {
                    try database.run(StoreWriter.begin)
                    let transaction = StoreTransaction(database: database, parameterIDs: self.parameterIDs)
                    var mustIsolate = false
                    for job in jobs {
                        let finisher = job.perform(transaction, isolated)
                        if let finisher {
                            finishers.append(finisher)
                        }
                        if database.isAutocommit {
                            // SQLite rolls back the whole transaction on some errors (disk full, I/O).
                            batchError = StoreError(.sqlite, "SQLite rolled back the batch after an error")
                            break
                        }
                        if finisher == nil {
                            mustIsolate = true
                            break
                        }
                    }
                    if mustIsolate {
                        finishers.removeAll(keepingCapacity: true)
                        self.parameterIDs.rolledBack()
                        try database.run(StoreWriter.rollback)
                        isolated = true
                        continue
                    }
                    if batchError == nil {
                        do throws(StoreError) {
                            try transaction.finishBatch()
                            try database.run(StoreWriter.commit)
                            self.parameterIDs.committed()
                            self.checkpointer?.noteCommit(walFrames: database.walFrames)
                        } catch {
                            batchError = error
                        }
                    }
                    if batchError != nil {
                        self.parameterIDs.rolledBack()
                        if !database.isAutocommit {
                            _ = try? database.run(StoreWriter.rollback)
                        }
                    }
                    return
                }
            }
        } catch {
            batchError = error
            self.parameterIDs.rolledBack()
        }

        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if batchError == nil, let observer = self.commitObserver {
            observer(jobs.count, seconds)
        }

        // Each finisher goes to its job's callback queue, or with the others to the completion
        // queue: one hand-over per queue, so a batch wakes each waiting event loop once. The
        // writer lets go of the jobs first, so they are freed where they finish.
        let outcome = batchError
        var groups: [(queue: DispatchQueue, blocks: [@Sendable () -> Void])] = []
        var here: [@Sendable () -> Void] = []
        for (index, job) in jobs.enumerated() {
            let block: @Sendable () -> Void
            if index < finishers.count {
                let finish = finishers[index]
                block = {
                    finish(outcome)
                    withExtendedLifetime(job) {}
                }
            } else {
                block = { job.fail(outcome ?? StoreError(.sqlite, "the batch was abandoned")) }
            }
            guard let queue = job.callbackQueue else {
                here.append(block)
                continue
            }
            if let group = groups.firstIndex(where: { $0.queue === queue }) {
                groups[group].blocks.append(block)
            } else {
                groups.append((queue, [block]))
            }
        }
        _ = consume jobs
        _ = consume finishers
        if !here.isEmpty {
            groups.append((self.completionQueue, here))
        }
        for group in groups {
            let blocks = group.blocks
            group.queue.async {
                for block in blocks {
                    block()
                }
            }
        }

        // After the answers are on their way, not before.
        if let checkpointer = self.checkpointer {
            _ = try? self.slot.withConnection { database throws(StoreError) in
                checkpointer.catchUpIfFull(database)
            }
        }
    }
}
