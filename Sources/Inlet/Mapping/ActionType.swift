/// The twelve actions a mapping can run, declared in the fixed order they run in (SPEC 5.3).
public enum ActionType: String, Sendable, CaseIterable, Comparable {
    case usersIdentify = "users_identify"
    case usersDelete = "users_delete"
    case objectsSet = "objects_set"
    case objectsDelete = "objects_delete"
    case tenantsSet = "tenants_set"
    case tenantsDelete = "tenants_delete"
    case objectsSubscribe = "objects_subscribe"
    case objectsUnsubscribe = "objects_unsubscribe"
    case audiencesAddMember = "audiences_add_member"
    case audiencesRemoveMember = "audiences_remove_member"
    case workflowsTrigger = "workflows_trigger"
    case workflowsCancel = "workflows_cancel"

    /// The position of this type in the execution order (0 runs first).
    public var rank: Int {
        ActionType.executionOrder.firstIndex(of: self) ?? 0
    }

    /// `allCases` kept once: the synthesized `allCases` builds a new array on every call.
    private static let executionOrder = ActionType.allCases

    /// Orders types by execution order.
    public static func < (lhs: ActionType, rhs: ActionType) -> Bool {
        lhs.rank < rhs.rank
    }
}
