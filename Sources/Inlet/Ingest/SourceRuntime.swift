/// One source of the running config, compiled for the request path: its mapping engine and verifier.
struct SourceRuntime: Sendable {
    /// The source as configured.
    let config: SourceConfig

    /// Its mappings, bound to the config's workflows.
    let engine: MappingEngine

    /// Its signature rules and secrets.
    let verifier: WorkOSSignatureVerifier

    /// Compiles `config` against the workflows of the whole file, reading time from `now`.
    init(config: SourceConfig, workflowKeys: Set<String>, now: @escaping @Sendable () -> Int64) {
        self.config = config
        self.engine = MappingEngine(source: config, workflowKeys: workflowKeys)
        self.verifier = WorkOSSignatureVerifier(
            secrets: config.signingSecrets,
            toleranceSeconds: config.toleranceSeconds,
            now: now
        )
    }
}
