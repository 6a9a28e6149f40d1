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

/// Printing or dumping an environment never shows its API keys.
extension EnvironmentConfig: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The environment without key values, e.g. `EnvironmentConfig(name: development, apiKeys: 1 redacted)`.
    public var description: String {
        "EnvironmentConfig(name: \(self.name), apiKeys: \(self.apiKeys.count) redacted)"
    }

    /// Same as `description`.
    public var debugDescription: String {
        self.description
    }

    /// A mirror without the API keys.
    public var customMirror: Mirror {
        Mirror(self, children: ["name": self.name, "apiKeys": "\(self.apiKeys.count) redacted"])
    }
}
