extension HTTPServerConfiguration {
    /// The HTTP limits of the config file's `limits` section; the rest keep their defaults.
    init(limits: LimitsConfig) {
        self.init(
            maxBodyBytes: limits.maxBodyBytes,
            maxHeaderBytes: limits.maxHeaderBytes,
            maxHeaderCount: limits.maxHeaderCount,
            maxRequestTargetBytes: limits.maxRequestTargetBytes,
            headerTimeoutMs: limits.headerTimeoutMs,
            idleTimeoutMs: limits.idleTimeoutMs,
            maxConnections: limits.maxConnections
        )
    }
}
