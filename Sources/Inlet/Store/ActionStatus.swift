/// How one planned action of a webhook ended, as written on its action log and in the answer.
public enum ActionStatus: String, Sendable, Equatable, CaseIterable {
    /// Applied.
    case ok
    /// Not applied because of the data: a false condition, a missing param, a stale event.
    case skipped
    /// Not applied because something failed: the store refused, an unknown workflow.
    case error
}
