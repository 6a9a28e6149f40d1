/// The limits and timeouts of the HTTP server; every field has the SPEC's default.
///
/// Byte limits count raw bytes on the wire (before any decompression, except `maxBodyBytes`, which
/// also caps the decompressed size of a gzip body). Times are milliseconds.
public struct HTTPServerConfiguration: Sendable, Equatable {
    /// Largest request body accepted, in bytes, after de-chunking and after gzip decoding. Default 1 MiB.
    public var maxBodyBytes: Int

    /// Largest header block accepted, request line and final empty line included, in bytes. Default 32 KiB.
    public var maxHeaderBytes: Int

    /// Most header fields accepted in one request (trailers count separately). Default 100.
    public var maxHeaderCount: Int

    /// Longest request target accepted, in bytes. Default 8192.
    public var maxRequestTargetBytes: Int

    /// Milliseconds allowed from a request's first byte (the accept, for a connection's first
    /// request) until its header block is complete. Default 10 s.
    public var headerTimeoutMs: Int

    /// Milliseconds an idle keep-alive connection, a body making no progress, or a response the
    /// client does not read may wait before the connection is closed. Default 60 s.
    public var idleTimeoutMs: Int

    /// Most connections open at once; the next one gets `503` and is closed. Default 1024.
    public var maxConnections: Int

    /// Most bytes of request bodies held in memory at once over all connections: bodies being
    /// received, their unread input, and bodies whose answer is still pending. A request that
    /// would go past it gets `503` with `Retry-After` and its connection is closed, so many slow
    /// large bodies cannot exhaust memory (without it the bound is `maxConnections` x
    /// `maxBodyBytes`). Default 64 MiB; never less than `maxBodyBytes`.
    public var maxBufferedBodyBytes: Int

    /// After an early error: milliseconds spent reading and discarding what the client still
    /// sends (after shutting down our sending side) before closing. Default 2 s.
    public var lingerMs: Int

    /// Response bodies longer than this many bytes are gzip-compressed when the client accepts
    /// gzip. Default 1024.
    public var compressResponsesOver: Int

    /// Number of serial event-loop queues that own the connections; 0 means one per processor
    /// core (at most 8). Default 0.
    public var eventLoopCount: Int

    /// The limits with these values; unnamed ones keep the SPEC's defaults.
    public init(
        maxBodyBytes: Int = 1_048_576,
        maxHeaderBytes: Int = 32_768,
        maxHeaderCount: Int = 100,
        maxRequestTargetBytes: Int = 8192,
        headerTimeoutMs: Int = 10_000,
        idleTimeoutMs: Int = 60_000,
        maxConnections: Int = 1024,
        maxBufferedBodyBytes: Int = 67_108_864,
        lingerMs: Int = 2_000,
        compressResponsesOver: Int = 1024,
        eventLoopCount: Int = 0
    ) {
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxRequestTargetBytes = maxRequestTargetBytes
        self.headerTimeoutMs = headerTimeoutMs
        self.idleTimeoutMs = idleTimeoutMs
        self.maxConnections = maxConnections
        self.maxBufferedBodyBytes = maxBufferedBodyBytes
        self.lingerMs = lingerMs
        self.compressResponsesOver = compressResponsesOver
        self.eventLoopCount = eventLoopCount
    }
}
