import Dispatch

/// One unit of work for the writer: it runs inside a batch's transaction.
///
/// A job normally runs in its own savepoint, so a job that throws is rolled back alone. In a batch
/// of optimistic jobs only (webhook ingests, which throw only when SQLite itself fails), the jobs
/// first run without one, which spares SQLite copying every page they touch into the statement
/// journal once per job; if one throws anyway, the writer rolls the whole batch back and runs it
/// again with every job in a savepoint. The body of an optimistic job may therefore run twice (the
/// store only ever keeps one run) and must have no effect outside the store.
struct WriteJob: Sendable {
    /// Whether the job may run without its own savepoint (see above).
    let optimistic: Bool

    /// Where the job's finisher (or `fail`) runs; `nil` for the writer's completion queue.
    let callbackQueue: DispatchQueue?

    /// What to do once the batch's COMMIT succeeded (`nil`) or failed (the error).
    typealias Finisher = @Sendable (StoreError?) -> Void

    /// Runs the job's body inside the open batch; returns what to call after the batch ends, or
    /// `nil` when the job ran without a savepoint (`isolated` false) and threw: its partial
    /// changes are in the transaction, which must be rolled back and run again isolated.
    let perform: @Sendable (_ transaction: StoreTransaction, _ isolated: Bool) -> Finisher?

    /// Called instead of `perform` when the job never ran (batch could not start, store closed).
    let fail: @Sendable (StoreError) -> Void
}
