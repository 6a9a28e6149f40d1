/// Which side of an object's subscriptions to list (Knock's `mode` query parameter).
public enum SubscriptionListMode: String, Sendable, Equatable {
    /// The object's subscribers (the default).
    case object
    /// What the object itself is subscribed to, as a recipient.
    case recipient
}
