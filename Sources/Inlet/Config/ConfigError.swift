/// One problem in a config file, with its JSON location, e.g.
/// `sources[0].mappings[3].params.recipients: "[" is never closed`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where: a JSON location such as `sources[0].path`, `byte 42 (line 3, column 5)` for a
    /// syntax error, or the file path when it cannot be read; empty for the document itself.
    public var location: String

    /// What is wrong. Never holds a secret, API key or substituted value.
    public var message: String

    /// An error at `location`.
    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    /// `location: message`, or the message alone for the document itself.
    public var description: String {
        self.location.isEmpty ? self.message : "\(self.location): \(self.message)"
    }
}
