/// What one mapping decided for one event, before anything touches the store.
public struct PlannedAction: Sendable, Equatable {
    /// What the mapping engine resolved.
    public enum Decision: Sendable, Equatable {
        /// Run this action in the event's transaction.
        case run(StoreAction)
        /// Do not run: a false condition, or a required param missing, null or mistyped.
        case skipped(reason: String)
        /// Do not run: a failure that is not the data's fault (e.g. an unknown workflow).
        case error(reason: String)
    }

    /// The action type of the mapping.
    public var type: ActionType

    /// The mapping's position in its source's `mappings` array.
    public var mappingIndex: Int

    /// The mapping's params as configured (paths and forms), for the action log.
    public var parameters: JSON

    /// The resolved values of the params (what was found at each path), for the action log.
    public var payload: JSON

    /// What to do.
    public var decision: Decision

    /// A planned action with these parts.
    public init(type: ActionType, mappingIndex: Int, parameters: JSON, payload: JSON, decision: Decision) {
        self.type = type
        self.mappingIndex = mappingIndex
        self.parameters = parameters
        self.payload = payload
        self.decision = decision
    }
}
