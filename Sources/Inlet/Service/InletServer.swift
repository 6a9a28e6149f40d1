import Foundation
import Synchronization

/// A running Inlet: the store, the HTTP server and the router, wired from one config file.
///
/// `start` binds the port, then opens the store; `reload` swaps in a new config without dropping a
/// request; `shutdown` stops accepting, drains requests in flight, and closes the store.
public final class InletServer: Sendable {
    /// The version printed at start-up and by `inlet --version`.
    public static let version = "0.1.0"

    /// How to start: where the config is and what overrides it.
    public struct Options: Sendable {
        /// The config file.
        public var configPath: String

        /// `--listen`, overriding the file's `listen`.
        public var listen: String?

        /// `--data`, overriding the file's `data`.
        public var data: String?

        /// `--log-level`, overriding the file's `log_level`.
        public var logLevel: Logger.Level?

        /// The variables `${NAME}` reads (normally the process environment).
        public var environment: [String: String]

        /// Options for `configPath` with the process environment and no overrides.
        public init(
            configPath: String,
            listen: String? = nil,
            data: String? = nil,
            logLevel: Logger.Level? = nil,
            environment: [String: String] = ProcessInfo.processInfo.environment
        ) {
            self.configPath = configPath
            self.listen = listen
            self.data = data
            self.logLevel = logLevel
            self.environment = environment
        }
    }

    /// The address the server listens on, e.g. `127.0.0.1`.
    public let host: String

    /// The bound port (the real one when port 0 was asked).
    public let port: Int

    /// The metrics registry (exposed at `/metrics`).
    public let metrics: Metrics

    private let options: Options
    private let store: Store
    private let http: HTTPServer
    private let runtime: RuntimeHolder
    private let logger: Logger
    private let startupConfig: InletConfig
    private let stopped = Mutex(false)

    private init(
        options: Options,
        host: String,
        port: Int,
        metrics: Metrics,
        store: Store,
        http: HTTPServer,
        runtime: RuntimeHolder,
        logger: Logger,
        config: InletConfig
    ) {
        self.options = options
        self.host = host
        self.port = port
        self.metrics = metrics
        self.store = store
        self.http = http
        self.runtime = runtime
        self.logger = logger
        self.startupConfig = config
    }

    /// Loads the config, applies the overrides, binds the port, opens the store and starts
    /// accepting.
    ///
    /// - Parameters:
    ///   - options: the config path, overrides and environment.
    ///   - sink: where log lines go.
    ///   - now: the clock in epoch milliseconds (tests freeze it for signatures).
    /// - Throws: `InletStartError` naming what stopped the start: the config's errors, the store,
    ///   or the port.
    public static func start(
        _ options: Options,
        sink: LogSink = .standardError,
        now: @escaping @Sendable () -> Int64 = InletServer.systemClock
    ) throws(InletStartError) -> InletServer {
        var config: InletConfig
        do {
            config = try ConfigLoader.load(path: options.configPath, environment: options.environment)
        } catch {
            throw InletStartError(message: "invalid config \(options.configPath):\n\(error.description)")
        }
        if let listen = options.listen { config.listen = listen }
        if let data = options.data { config.data = data }
        if let level = options.logLevel { config.logLevel = level }
        guard let address = InletConfig.parseListenAddress(config.listen) else {
            throw InletStartError(message: "invalid listen address \"\(config.listen)\"; use HOST:PORT")
        }

        // The port first: a second instance started by mistake must stop before it opens, and
        // perhaps migrates, the store the first one is using.
        let listener: HTTPListener
        do {
            listener = try HTTPListener(host: address.host, port: address.port)
        } catch {
            throw InletStartError(message: "cannot listen on \(config.listen): \(error)")
        }

        let logger = Logger(level: config.logLevel, sink: sink)
        let metrics = Metrics()
        let store: Store
        do {
            store = try Store.open(path: config.data, logger: logger)
        } catch {
            listener.close()
            throw InletStartError(message: "cannot open the store at \(config.data): \(error.description)")
        }

        let runtime = RuntimeHolder(RuntimeConfig(config: config, now: now))
        let router = InletRouter(
            runtime: runtime,
            store: store,
            metrics: metrics,
            api: APIRouter(store: store, backend: ServerBackend(runtime: runtime, store: store), logger: logger),
            logger: logger,
            now: now
        )
        let http = HTTPServer(
            configuration: config.limits,
            responder: router,
            logger: logger
        )
        let port: Int
        do {
            port = try http.start(listener)
        } catch {
            listener.close()
            store.close()
            throw InletStartError(message: "cannot listen on \(config.listen): \(error)")
        }

        let server = InletServer(
            options: options,
            host: address.host,
            port: port,
            metrics: metrics,
            store: store,
            http: http,
            runtime: runtime,
            logger: logger,
            config: config
        )
        server.installMetrics()
        store.startRetention(retentionMs: Int64(config.retentionDays) * 86_400_000)
        logger.info(
            "inlet started",
            [
                ("version", InletServer.version),
                ("listen", "\(address.host):\(port)"),
                ("store", config.data),
                ("sources", config.sources.map(\.key).joined(separator: ",")),
                (
                    "mappings",
                    config.sources.map { "\($0.key):\($0.mappings.filter(\.active).count)" }.joined(separator: ",")
                ),
            ]
        )
        return server
    }

    /// The start-up banner: the listening URL, each source's webhook URL, each environment.
    ///
    /// The one place a source's full path (with its secret token) is shown. Never holds secrets or keys.
    public var banner: String {
        let config = self.runtime.current.config
        let base = "http://\(self.host.contains(":") ? "[\(self.host)]" : self.host):\(self.port)"
        var lines = ["inlet listening on \(base)"]
        for source in config.sources {
            lines.append("source \(source.key): \(base)\(source.path)")
        }
        for environment in config.environments {
            lines.append("environment \(environment.name)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Re-reads the config file; an invalid file is refused with its errors logged and the running
    /// config stays. Requests in flight finish under the config they started with.
    ///
    /// - Returns: whether the new config is now in force.
    @discardableResult
    public func reload() -> Bool {
        let config: InletConfig
        do {
            config = try ConfigLoader.load(path: self.options.configPath, environment: self.options.environment)
        } catch {
            for item in error.errors {
                self.logger.error("config reload refused", [("location", item.location), ("error", item.message)])
            }
            self.metrics.increment(
                "inlet_config_reloads_total",
                [("result", "refused")],
                help: "Config reloads by result."
            )
            return false
        }

        var effective = config
        effective.listen = self.startupConfig.listen
        effective.data = self.startupConfig.data
        if config.listen != self.startupConfig.listen && self.options.listen == nil {
            self.logger.warning("listen changed in the file; it takes effect at the next restart")
        }
        if config.data != self.startupConfig.data && self.options.data == nil {
            self.logger.warning("data changed in the file; it takes effect at the next restart")
        }
        let previous = self.runtime.current
        self.runtime.install(RuntimeConfig(config: effective, now: previous.now))
        self.metrics.increment("inlet_config_reloads_total", [("result", "applied")], help: "Config reloads by result.")
        self.logger.info(
            "config reloaded",
            [
                ("sources", config.sources.map(\.key).joined(separator: ",")),
                ("mappings", String(config.sources.map(\.mappings.count).reduce(0, +))),
            ]
        )
        return true
    }

    /// Stops accepting, lets requests in flight finish (bounded by `shutdown_drain_ms`), then
    /// commits and closes the store. Safe to call more than once.
    public func shutdown() {
        let first = self.stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }

        self.logger.info("shutting down", [("drain_ms", String(self.startupConfig.shutdownDrainMs))])
        self.http.stop(drainTimeoutMs: self.startupConfig.shutdownDrainMs)
        self.store.stopRetention()
        self.store.close()
        self.logger.info("stopped")
    }

    /// The system clock in epoch milliseconds.
    public static let systemClock: @Sendable () -> Int64 = {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    private func installMetrics() {
        let http = self.http
        let store = self.store
        let metrics = self.metrics
        metrics.gauge("inlet_open_connections", help: "Client connections open now.") {
            Double(http.openConnections)
        }
        metrics.gauge(
            "inlet_buffered_body_bytes",
            help: "Request body bytes held in memory now (bounded by limits.max_buffered_body_bytes)."
        ) {
            Double(http.bufferedBodyBytes)
        }
        metrics.gauge("inlet_event_log_rows", help: "Event log rows in the store.") {
            Double(store.eventLogCount)
        }
        store.onCommit = { batchSize, seconds in
            metrics.observe(
                "inlet_store_commit_duration_seconds",
                seconds: seconds,
                help: "Time of one store transaction, from BEGIN to durable COMMIT."
            )
            metrics.increment(
                "inlet_store_commits_total",
                help: "Store transactions committed (each may carry many requests)."
            )
            metrics.increment(
                "inlet_store_jobs_total",
                by: Double(batchSize),
                help: "Writes committed, summed over transactions."
            )
        }
        http.onProtocolError = { status in
            metrics.increment(
                "inlet_http_protocol_errors_total",
                [("status", String(status))],
                help: "Requests refused by the HTTP layer before routing (bad framing, limits), by status."
            )
        }
    }
}

/// Why `inlet serve` could not start; the message is printed and the process exits 1.
public struct InletStartError: Error, CustomStringConvertible {
    /// What stopped the start, for people.
    public let message: String

    /// The message.
    public var description: String {
        self.message
    }
}
