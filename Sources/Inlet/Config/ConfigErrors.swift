/// Every problem found in one config file, in document order; thrown by `ConfigLoader`.
public struct ConfigErrors: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problems (at least one when thrown).
    public var errors: [ConfigError]

    /// A list of problems.
    public init(_ errors: [ConfigError]) {
        self.errors = errors
    }

    /// One problem per line, `location: message`.
    public var description: String {
        self.errors.map(\.description).joined(separator: "\n")
    }
}
