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
    public var parameters: JSON {
        didSet { self.parametersJSON = self.parameters.serializedBytes() }
    }

    /// The resolved values of the params (what was found at each path), for the action log.
    public var payload: JSON {
        didSet { self.payloadJSON = self.payload.serializedBytes() }
    }

    /// What to do.
    public var decision: Decision {
        didSet { self.preparedProperties = PlannedAction.preparedProperties(of: self.decision) }
    }

    /// `parameters` as compact JSON, ready for the action log (kept in step with `parameters`).
    ///
    /// Serialized where the action is planned (a request thread), so the store's single writer
    /// only binds bytes.
    public private(set) var parametersJSON: [UInt8]

    /// `payload` as compact JSON, ready for the action log (kept in step with `payload`).
    public private(set) var payloadJSON: [UInt8]

    /// For a `.run` of an action that stores properties as given (identify, set), the stored
    /// properties as compact JSON (see `ApplyContext.storedProperties(of:)`), so the writer binds
    /// them as they are when the entity is new or revived.
    private(set) var preparedProperties: [UInt8]?

    /// A planned action with these parts.
    public init(type: ActionType, mappingIndex: Int, parameters: JSON, payload: JSON, decision: Decision) {
        self.init(
            type: type,
            mappingIndex: mappingIndex,
            parameters: parameters,
            parametersJSON: parameters.serializedBytes(),
            payload: payload,
            decision: decision
        )
    }

    /// A planned action whose `parameters` are already serialized (`parametersJSON`): the mapping
    /// engine serializes each mapping's params once.
    init(
        type: ActionType,
        mappingIndex: Int,
        parameters: JSON,
        parametersJSON: [UInt8],
        payload: JSON,
        decision: Decision
    ) {
        self.type = type
        self.mappingIndex = mappingIndex
        self.parameters = parameters
        self.parametersJSON = parametersJSON
        self.payload = payload
        self.payloadJSON = payload.serializedBytes()
        self.decision = decision
        self.preparedProperties = PlannedAction.preparedProperties(of: decision)
    }

    private static func preparedProperties(of decision: Decision) -> [UInt8]? {
        guard case .run(let action) = decision, let properties = ApplyContext.storedProperties(of: action) else {
            return nil
        }
        return JSON.object(properties).serializedBytes()
    }
}
