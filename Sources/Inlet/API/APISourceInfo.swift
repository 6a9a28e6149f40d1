/// One configured webhook source as the API shows it (no secret: `path` is shown only to holders
/// of an API key of the source's environment).
public struct APISourceInfo: Sendable, Equatable {
    /// The source's `key` in the config.
    public var key: String

    /// The webhook path (not a full URL); it may hold a secret token, so it is never logged.
    public var path: String

    /// The environment the source writes to.
    public var environment: String

    /// How many mappings the source has (active or not).
    public var mappingCount: Int

    /// A source description with these parts.
    public init(key: String, path: String, environment: String, mappingCount: Int) {
        self.key = key
        self.path = path
        self.environment = environment
        self.mappingCount = mappingCount
    }
}
