/// Counters of one source, kept by the store across restarts (not reduced by retention).
public struct SourceStats: Sendable, Equatable {
    /// Events received and logged (processed and duplicate), since the store was created.
    public var eventsReceived: Int64

    /// When the last event was received, ms since the epoch; `nil` when none ever was.
    public var lastEventAtMs: Int64?

    /// Stats with these values.
    public init(eventsReceived: Int64, lastEventAtMs: Int64?) {
        self.eventsReceived = eventsReceived
        self.lastEventAtMs = lastEventAtMs
    }
}
