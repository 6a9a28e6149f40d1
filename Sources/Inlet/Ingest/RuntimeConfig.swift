/// An immutable snapshot of the config as the request path uses it.
///
/// A request takes the snapshot current when it starts and keeps it to the end, so a reload
/// (`SIGHUP`) never changes the rules under a request in flight.
final class RuntimeConfig: Sendable {
    /// The config file as loaded.
    let config: InletConfig

    /// Sources by their exact URL path.
    let sourcesByPath: [String: SourceRuntime]

    /// Sources by key.
    let sourcesByKey: [String: SourceRuntime]

    /// The clock the verifiers read, epoch milliseconds (kept so a reload compiles with the same one).
    let now: @Sendable () -> Int64

    /// Compiles `config`; `now` is the clock (epoch milliseconds) used for signature tolerance.
    init(config: InletConfig, now: @escaping @Sendable () -> Int64) {
        self.config = config
        self.now = now

        let workflowKeys = config.workflowKeys
        var byPath: [String: SourceRuntime] = [:]
        var byKey: [String: SourceRuntime] = [:]
        for source in config.sources {
            let runtime = SourceRuntime(config: source, workflowKeys: workflowKeys, now: now)
            byPath[source.path] = runtime
            byKey[source.key] = runtime
        }
        self.sourcesByPath = byPath
        self.sourcesByKey = byKey
    }
}
