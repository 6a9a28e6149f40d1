/// A workflow that mappings and the API may trigger or cancel.
public struct WorkflowConfig: Sendable, Equatable {
    /// The workflow key, e.g. `directory-user-deleted` (letters, digits, `-`, `_`, `.`).
    public var key: String

    /// A human name; defaults to the key.
    public var name: String

    /// A workflow.
    public init(key: String, name: String) {
        self.key = key
        self.name = name
    }
}
