/// How duplicates of a source's events are recognised (SPEC 4 step 4).
public struct IdempotencyConfig: Sendable, Equatable {
    /// Where the idempotency key is read; nil disables duplicate detection. Default `body.id`.
    public var keyPath: ParameterValue?

    /// How long a processed key is remembered, in hours. Default 24.
    public var windowHours: Int

    /// Idempotency settings; the defaults are SPEC 2's.
    public init(keyPath: ParameterValue? = IdempotencyConfig.defaultKeyPath, windowHours: Int = 24) {
        self.keyPath = keyPath
        self.windowHours = windowHours
    }

    /// `body.id`, the WorkOS event id.
    public static let defaultKeyPath: ParameterValue = SourceConfig.compiledPath("body.id")
}
