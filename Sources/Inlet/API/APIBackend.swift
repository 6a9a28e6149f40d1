/// What the REST API needs from the rest of the server; the integrator implements it from the
/// live configuration (reloaded on `SIGHUP`), so every call must read the config in force now.
///
/// Every method is called on the request's thread and must return quickly; `replay` answers
/// through its completion once the new event log is durably committed.
public protocol APIBackend: Sendable {
    /// The environment that API key `key` belongs to, or `nil` for an unknown key.
    ///
    /// Implementations compare keys in constant time (no early exit on the first differing
    /// byte) and never log the key.
    func environment(forAPIKey key: String) -> String?

    /// The sources of `environment`, in configuration order.
    func sources(environment: String) -> [APISourceInfo]

    /// Whether a workflow with this key is configured (a trigger or cancel of any other key is
    /// `404 workflow_missing`).
    func isWorkflowConfigured(_ key: String) -> Bool

    /// Runs source `sourceKey`'s mappings on `body` and `headers` (lower-case names) without
    /// writing anything, and returns the resolved actions as JSON; `nil` when `environment` has
    /// no such source.
    func rehearse(sourceKey: String, environment: String, body: JSON, headers: [String: String]) -> JSON?

    /// Runs the stored raw body of `eventLog` through source `sourceKey`'s mappings as they are
    /// configured today and ingests it as a new event log whose `replay_of` is `eventLog.id`.
    ///
    /// `completion` gets the answer to send (the webhook answer shape, e.g. `{"status":
    /// "processed", "event_log_id", "actions"}`) after the durable commit, or the store's error.
    /// When the source no longer exists, implementations answer `.failure` with kind
    /// `.invalidArgument` and a message saying so.
    func replay(
        sourceKey: String,
        environment: String,
        eventLog: EventLogRecord,
        completion: @escaping @Sendable (Result<JSON, StoreError>) -> Void
    )
}
