/// HTTP limits (`limits` in the config); each bad input they catch has its SPEC 3 answer.
public struct LimitsConfig: Sendable, Equatable {
    /// Largest request body, after de-chunking and decompression, in bytes. Default 1048576 (1 MiB).
    public var maxBodyBytes: Int
    /// Largest header block, request line included, in bytes. Default 32768.
    public var maxHeaderBytes: Int
    /// Most header fields in one request. Default 100.
    public var maxHeaderCount: Int
    /// Longest request target, in bytes. Default 8192.
    public var maxRequestTargetBytes: Int
    /// Milliseconds a request's header block may take to arrive. Default 10000.
    public var headerTimeoutMs: Int
    /// Milliseconds an idle keep-alive connection, or a stalled body, is kept. Default 60000.
    public var idleTimeoutMs: Int
    /// Most simultaneous connections; the next is answered `503`. Default 1024.
    public var maxConnections: Int

    /// Limits with the given values; the defaults are SPEC 2's.
    public init(
        maxBodyBytes: Int = 1_048_576,
        maxHeaderBytes: Int = 32_768,
        maxHeaderCount: Int = 100,
        maxRequestTargetBytes: Int = 8_192,
        headerTimeoutMs: Int = 10_000,
        idleTimeoutMs: Int = 60_000,
        maxConnections: Int = 1_024
    ) {
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxRequestTargetBytes = maxRequestTargetBytes
        self.headerTimeoutMs = headerTimeoutMs
        self.idleTimeoutMs = idleTimeoutMs
        self.maxConnections = maxConnections
    }
}
