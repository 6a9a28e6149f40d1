/// One API environment: a name and the API keys that select it (SPEC 7).
public struct EnvironmentConfig: Sendable, Equatable {
    /// The environment's name, e.g. `development` (its key in `environments`).
    public var name: String

    /// The API keys (after `${NAME}` substitution); at least one, unique across environments.
    public var apiKeys: [String]

    /// An environment.
    public init(name: String, apiKeys: [String]) {
        self.name = name
        self.apiKeys = apiKeys
    }
}
