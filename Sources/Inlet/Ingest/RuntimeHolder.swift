import Synchronization

/// The config snapshot in force; a reload swaps it, requests read it once when they start.
final class RuntimeHolder: Sendable {
    private let runtime: Mutex<RuntimeConfig>

    /// A holder starting with `runtime`.
    init(_ runtime: RuntimeConfig) {
        self.runtime = Mutex(runtime)
    }

    /// The snapshot new requests use.
    var current: RuntimeConfig {
        self.runtime.withLock { $0 }
    }

    /// Makes `runtime` the snapshot for requests that arrive from now on.
    func install(_ runtime: RuntimeConfig) {
        self.runtime.withLock { $0 = runtime }
    }
}
