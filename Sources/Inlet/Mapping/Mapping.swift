/// One configured mapping: on events of type `event`, run `action` with `params` (SPEC 5).
public struct Mapping: Sendable, Equatable {
    /// A named parameter of the mapping, in the order it was written.
    public struct Parameter: Sendable, Equatable {
        /// The parameter name, e.g. `recipients`.
        public var name: String
        /// The compiled value.
        public var value: ParameterValue

        /// A parameter.
        public init(name: String, value: ParameterValue) {
            self.name = name
            self.value = value
        }
    }

    /// The event type this mapping handles, e.g. `dsync.user.created` (exact match).
    public var event: String

    /// What it does.
    public var action: ActionType

    /// Whether it runs; inactive mappings stay in the file but are never planned. Default `true`.
    public var active: Bool

    /// The compiled params. A workflow `key` is held as `.literal(.string(key))`.
    public var params: [Parameter]

    /// The params exactly as configured, for the action log's `parameters`.
    public var configuredParams: JSON

    /// The optional condition; nil means always.
    public var when: Condition?

    /// The mapping's position in its source's `mappings` array.
    public var index: Int

    /// The optional free-text `description` from the config (documentation only).
    public var description: String?

    /// A mapping with these parts.
    public init(
        event: String,
        action: ActionType,
        active: Bool = true,
        params: [Parameter],
        configuredParams: JSON,
        when: Condition? = nil,
        index: Int,
        description: String? = nil
    ) {
        self.event = event
        self.action = action
        self.active = active
        self.params = params
        self.configuredParams = configuredParams
        self.when = when
        self.index = index
        self.description = description
    }

    /// The compiled value of the param named `name`, if configured.
    public func param(_ name: String) -> ParameterValue? {
        self.params.first { $0.name == name }?.value
    }
}
