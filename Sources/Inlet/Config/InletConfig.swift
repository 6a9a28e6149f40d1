/// The whole server configuration, as loaded and validated by `ConfigLoader` (SPEC 2).
public struct InletConfig: Sendable, Equatable {
    /// `host:port` to listen on; `:0` picks a free port. Default `127.0.0.1:8080`.
    public var listen: String

    /// The SQLite store's file path, or `:memory:`. Default `data/inlet.sqlite`.
    public var data: String

    /// The lowest log level written. Default `.info`.
    public var logLevel: Logger.Level

    /// Days event logs, action logs and rejected deliveries are kept. Default 7.
    public var retentionDays: Int

    /// Milliseconds in-flight requests get to finish on shutdown. Default 10000.
    public var shutdownDrainMs: Int

    /// HTTP limits.
    public var limits: HTTPServerConfiguration

    /// Bounds on the rejected-deliveries log.
    public var rejectedLog: RejectedLogConfig

    /// API environments, in file order (at least one).
    public var environments: [EnvironmentConfig]

    /// Workflows that mappings and the API may trigger, in file order.
    public var workflows: [WorkflowConfig]

    /// Webhook sources, in file order (at least one).
    public var sources: [SourceConfig]

    /// A configuration from its parts; defaults are those of SPEC 2.
    public init(
        listen: String = "127.0.0.1:8080",
        data: String = "data/inlet.sqlite",
        logLevel: Logger.Level = .info,
        retentionDays: Int = 7,
        shutdownDrainMs: Int = 10_000,
        limits: HTTPServerConfiguration = HTTPServerConfiguration(),
        rejectedLog: RejectedLogConfig = RejectedLogConfig(),
        environments: [EnvironmentConfig],
        workflows: [WorkflowConfig] = [],
        sources: [SourceConfig]
    ) {
        self.listen = listen
        self.data = data
        self.logLevel = logLevel
        self.retentionDays = retentionDays
        self.shutdownDrainMs = shutdownDrainMs
        self.limits = limits
        self.rejectedLog = rejectedLog
        self.environments = environments
        self.workflows = workflows
        self.sources = sources
    }

    /// The configured workflow keys.
    public var workflowKeys: Set<String> {
        Set(self.workflows.map(\.key))
    }

    /// The source whose `path` is exactly `path`.
    public func source(forPath path: String) -> SourceConfig? {
        self.sources.first { $0.path == path }
    }

    /// The source with key `key`.
    public func source(forKey key: String) -> SourceConfig? {
        self.sources.first { $0.key == key }
    }

    /// The environment that owns `apiKey` (keys are unique across environments).
    ///
    /// Compares every configured key in constant time so that timing does not reveal a prefix.
    public func environment(forAPIKey apiKey: String) -> EnvironmentConfig? {
        let presented = Array(apiKey.utf8)
        var found: EnvironmentConfig?
        for environment in self.environments {
            for key in environment.apiKeys where HMACSHA256.constantTimeEquals(Array(key.utf8), presented) {
                found = environment
            }
        }
        return found
    }

    /// The mapping engine of `source`, bound to this config's workflows.
    public func mappingEngine(for source: SourceConfig) -> MappingEngine {
        MappingEngine(source: source, workflowKeys: self.workflowKeys)
    }

    /// Splits a `listen` value into host and port, or nil when it is not `host:port`.
    ///
    /// The host is a name, an IPv4 address, or an IPv6 address in brackets (`[::1]:8080`,
    /// returned without brackets); the port is 0 to 65535 (0 asks for a free port).
    public static func parseListenAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard (1...5).contains(portText.count), portText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(portText), port <= 65_535
        else {
            return nil
        }

        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { return nil }
            host = String(host.dropFirst().dropLast())
            guard host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), host.contains(":") else { return nil }
        } else {
            let allowed = { (character: Character) -> Bool in
                character.isASCII && (character.isLetter || character.isNumber || character == "." || character == "-")
            }
            guard !host.isEmpty, host.count <= 253, host.allSatisfy(allowed) else { return nil }
        }
        return (host, port)
    }
}
