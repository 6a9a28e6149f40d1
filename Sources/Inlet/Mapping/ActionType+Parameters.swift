/// Which params each action takes (SPEC 5.2); the config loader refuses others.
extension ActionType {
    /// Params that must be configured, and present, non-null and well typed in the event.
    public var requiredParameters: [String] {
        switch self {
        case .usersIdentify, .usersDelete, .tenantsSet, .tenantsDelete: ["id"]
        case .objectsSet, .objectsDelete: ["collection", "id"]
        case .objectsSubscribe, .objectsUnsubscribe: ["collection", "id", "recipients"]
        case .audiencesAddMember, .audiencesRemoveMember: ["key", "recipients"]
        case .workflowsTrigger: ["key", "recipients"]
        case .workflowsCancel: ["key", "cancellation_key"]
        }
    }

    /// Params that may be configured; missing in the event means left out.
    public var optionalParameters: [String] {
        switch self {
        case .usersIdentify: ["name", "email", "phone_number", "avatar", "locale", "timezone", "properties"]
        case .objectsSet, .tenantsSet: ["name", "properties"]
        case .objectsSubscribe: ["properties"]
        case .audiencesAddMember, .audiencesRemoveMember: ["tenant"]
        case .workflowsTrigger: ["actor", "data", "tenant", "cancellation_key"]
        case .workflowsCancel: ["recipients"]
        case .usersDelete, .objectsDelete, .tenantsDelete, .objectsUnsubscribe: []
        }
    }

    /// Whether `key` is a bare workflow key checked at load rather than a path.
    public var takesWorkflowKey: Bool {
        self == .workflowsTrigger || self == .workflowsCancel
    }
}
