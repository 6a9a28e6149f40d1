/// One unit of work for the writer: it runs inside a batch's transaction, in its own savepoint.
struct WriteJob: Sendable {
    /// What to do once the batch's COMMIT succeeded (`nil`) or failed (the error).
    typealias Finisher = @Sendable (StoreError?) -> Void

    /// Runs the job's body inside the open batch; returns what to call after the batch ends.
    let perform: @Sendable (StoreTransaction) -> Finisher

    /// Called instead of `perform` when the job never ran (batch could not start, store closed).
    let fail: @Sendable (StoreError) -> Void
}
