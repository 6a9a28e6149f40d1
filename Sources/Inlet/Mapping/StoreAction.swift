/// One fully resolved action, ready for the store: every required parameter is present and typed.
///
/// Mappings turn a webhook into these (see `PlannedAction`); the REST API's writes build them too,
/// so both paths share one implementation of the Knock semantics.
public enum StoreAction: Sendable, Equatable {
    /// Upsert a user, deep-merging `properties` (which hold `name`, `email`, ... and custom keys at
    /// the top level, as Knock keeps them).
    case identifyUser(id: String, properties: JSONObject)
    /// Delete a user (idempotent; leaves a tombstone).
    case deleteUser(id: String)
    /// Upsert an object, deep-merging `properties` (a mapped `name` is a property).
    case setObject(collection: String, id: String, properties: JSONObject)
    /// Delete an object (idempotent; leaves a tombstone).
    case deleteObject(collection: String, id: String)
    /// Upsert a tenant, deep-merging `properties` (a mapped `name` is a property).
    case setTenant(id: String, properties: JSONObject)
    /// Delete a tenant (idempotent; leaves a tombstone).
    case deleteTenant(id: String)
    /// Subscribe recipients to an object (upsert), creating the object and bare users if missing.
    case subscribe(collection: String, id: String, recipients: [Recipient], properties: JSONObject?)
    /// Unsubscribe recipients from an object; never creates anything.
    case unsubscribe(collection: String, id: String, recipients: [Recipient])
    /// Add users to an audience, optionally scoped to a tenant.
    case addAudienceMembers(key: String, recipients: [Recipient], tenant: String?)
    /// Remove users from an audience; never creates anything.
    case removeAudienceMembers(key: String, recipients: [Recipient], tenant: String?)
    /// Record a workflow run; object recipients fan out to their subscribers.
    case triggerWorkflow(
        key: String,
        recipients: [Recipient],
        actor: Recipient?,
        data: JSON?,
        tenant: String?,
        cancellationKey: String?
    )
    /// Cancel the runs of `key` with `cancellationKey` (for these recipients only when given).
    case cancelWorkflow(key: String, cancellationKey: String, recipients: [Recipient]?)

    /// The action type this value implements.
    public var type: ActionType {
        switch self {
        case .identifyUser: .usersIdentify
        case .deleteUser: .usersDelete
        case .setObject: .objectsSet
        case .deleteObject: .objectsDelete
        case .setTenant: .tenantsSet
        case .deleteTenant: .tenantsDelete
        case .subscribe: .objectsSubscribe
        case .unsubscribe: .objectsUnsubscribe
        case .addAudienceMembers: .audiencesAddMember
        case .removeAudienceMembers: .audiencesRemoveMember
        case .triggerWorkflow: .workflowsTrigger
        case .cancelWorkflow: .workflowsCancel
        }
    }
}
