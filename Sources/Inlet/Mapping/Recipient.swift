/// A recipient of a subscription, an audience membership or a workflow run.
public enum Recipient: Sendable, Equatable {
    /// A user by id; `properties` is set when the recipient came inline (`{"id": ..., ...}`) and the
    /// user must be identified with them before the action runs.
    case user(id: String, properties: JSONObject?)

    /// An object by collection and id; inline `properties` are set on the object first.
    case object(collection: String, id: String, properties: JSONObject?)
}
