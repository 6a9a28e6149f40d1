/// One verified (or unenforced) webhook delivery, with its actions already planned, ready to be
/// written by `Store.ingest(_:completion:)` (SPEC 4 steps 4-6).
public struct IngestEvent: Sendable {
    /// The environment of the source.
    public var environment: String

    /// The source's `key` from the config.
    public var sourceKey: String

    /// The event type found at `event_type_path`, or `nil` when missing or not a string.
    public var eventType: String?

    /// The idempotency key when it is a string of at most 255 characters, else `nil` (no check).
    public var idempotencyKey: String?

    /// How long a processed key suppresses copies, in milliseconds (e.g. 24 h = 86,400,000).
    public var idempotencyWindowMs: Int64

    /// The parsed body (kept for completeness; the log stores `rawBody`).
    public var body: JSON?

    /// The exact body bytes (decompressed), stored on the event log for display and replay.
    public var rawBody: [UInt8]

    /// Request headers worth keeping, lower-case names, already stripped of secrets by the caller.
    public var headers: [String: String] {
        didSet { self.headersJSON = IngestEvent.headersJSON(self.headers) }
    }

    /// `headers` as the event log stores them: a compact JSON object with sorted keys (kept in
    /// step with `headers`; serialized by whoever builds the event, so the store's single writer
    /// only binds bytes).
    public private(set) var headersJSON: [UInt8]

    /// The verification outcome, e.g. `"enforced:verified"`, `"unenforced:failed:no_matching_signature"`.
    public var verification: String

    /// When Inlet received the request, ms since the epoch.
    public var receivedAtMs: Int64

    /// The event's own timestamp (`timestamp_path`), or `receivedAtMs` when unreadable.
    public var sourceTimestampMs: Int64

    /// A note for the log, e.g. `"event type missing"` or `"no mapping for this event type"`.
    public var note: String?

    /// The mappings' decisions, in execution order (SPEC 5.3).
    public var actions: [PlannedAction]

    /// The event log this event replays, when it is a replay (replays skip the duplicate check).
    public var replayOf: Int64?

    /// An event with these parts.
    public init(
        environment: String,
        sourceKey: String,
        eventType: String?,
        idempotencyKey: String?,
        idempotencyWindowMs: Int64,
        body: JSON?,
        rawBody: [UInt8],
        headers: [String: String],
        verification: String,
        receivedAtMs: Int64,
        sourceTimestampMs: Int64,
        note: String?,
        actions: [PlannedAction],
        replayOf: Int64? = nil
    ) {
        self.environment = environment
        self.sourceKey = sourceKey
        self.eventType = eventType
        self.idempotencyKey = idempotencyKey
        self.idempotencyWindowMs = idempotencyWindowMs
        self.body = body
        self.rawBody = rawBody
        self.headers = headers
        self.headersJSON = IngestEvent.headersJSON(headers)
        self.verification = verification
        self.receivedAtMs = receivedAtMs
        self.sourceTimestampMs = sourceTimestampMs
        self.note = note
        self.actions = actions
        self.replayOf = replayOf
    }

    /// Headers as a compact JSON object with sorted keys.
    static func headersJSON(_ headers: [String: String]) -> [UInt8] {
        var object = JSONObject()
        for key in headers.keys.sorted() {
            object[key] = headers[key].map { .string($0) }
        }
        return JSON.object(object).serializedBytes()
    }
}
