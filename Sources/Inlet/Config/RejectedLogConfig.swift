/// Bounds on the rejected-deliveries log (`rejected_log` in the config).
///
/// Rejected deliveries are written by unauthenticated senders, so besides the retention days the
/// log is capped in rows: a flood of badly signed requests cannot grow the store without bound.
public struct RejectedLogConfig: Sendable, Equatable {
    /// Most rows kept, all sources together; the oldest go first. Default 10000.
    public var maxRows: Int

    /// A bound with the given row cap.
    public init(maxRows: Int = 10_000) {
        self.maxRows = maxRows
    }
}
