import Foundation

/// Receives one webhook delivery (SPEC 4): verify, parse, map, commit, answer.
///
/// The answer is sent only after the store reports a durable commit. A verification failure is
/// `401`, a body that is not a JSON object `400`, both recorded as rejected deliveries; a store
/// failure is `503` so that WorkOS retries. Failing actions never turn the answer into an error.
struct WebhookHandler: Sendable {
    /// The store the events go to.
    let store: Store

    /// Counters for outcomes.
    let metrics: Metrics

    /// The clock, epoch milliseconds.
    let now: @Sendable () -> Int64

    /// Handles `request` posted to `source`'s path and calls `respond` once; `series` are the
    /// source's metric handles (`WebhookMetrics` of the same `metrics`).
    func handle(
        _ request: HTTPRequest,
        source: SourceRuntime,
        series: WebhookMetrics,
        rejectedRows: Int,
        logger: Logger,
        respond: @escaping @Sendable (HTTPResponse) -> Void
    ) {
        let receivedAt = self.now()
        let config = source.config
        if logger.level <= .debug {
            logger.debug(
                "webhook body",
                [
                    ("source", config.key),
                    ("bytes", String(request.body.count)),
                    ("body", WebhookHandler.bodyPreview(request.body)),
                ]
            )
        }

        let verification: String
        let outcome = source.verifier.verify(
            headerValues: request.headers.values(for: "WorkOS-Signature"),
            body: request.body
        )
        switch (outcome, config.enforceVerification) {
        case (.success, true):
            verification = "enforced:verified"
        case (.failure(let failure), true):
            self.reject(
                request,
                source: config,
                series: series,
                reason: "invalid_signature",
                detail: failure.reasonCode,
                maxRejectedRows: rejectedRows,
                response: .error(
                    401,
                    code: "invalid_signature",
                    message: failure.message,
                    type: "authentication_error"
                ),
                at: receivedAt,
                logger: logger,
                respond: respond
            )
            return
        case (.success, false):
            verification = "unenforced:verified"
        case (.failure(let failure), false):
            verification = "unenforced:failed:\(failure.reasonCode)"
        }

        let body: JSON
        do {
            body = try JSONParser().parse(request.body)
        } catch {
            self.reject(
                request,
                source: config,
                series: series,
                reason: "invalid_json",
                // The offset only: the reason may quote a key from the body, and bodies are
                // logged at debug level alone.
                detail: "at byte \(error.offset)",
                maxRejectedRows: rejectedRows,
                response: .error(400, code: "invalid_json", message: "body is not valid JSON: \(error)"),
                at: receivedAt,
                logger: logger,
                respond: respond
            )
            return
        }
        guard case .object = body else {
            self.reject(
                request,
                source: config,
                series: series,
                reason: "invalid_json",
                detail: "not an object",
                maxRejectedRows: rejectedRows,
                response: .error(
                    400,
                    code: "invalid_json",
                    message: "body must be a JSON object, not a \(body.typeName)"
                ),
                at: receivedAt,
                logger: logger,
                respond: respond
            )
            return
        }

        let event = WebhookHandler.ingestEvent(
            source: source,
            body: body,
            rawBody: request.body,
            envelope: MappingEnvelope(body: body, headers: request.headers),
            verification: verification,
            receivedAt: receivedAt
        )
        self.store.ingest(event, callbackQueue: request.responseQueue) { result in
            switch result {
            case .success(let outcome):
                series.record(outcome)
                respond(
                    HTTPResponse(
                        status: 200,
                        headers: HTTPHeaders([("Content-Type", "application/json")]),
                        body: outcome.answerBytes
                    )
                )
            case .failure(let error):
                logger.error("webhook not stored", [("source", config.key), ("error", error.description)])
                series.failed.increment()
                respond(.error(503, code: "store_unavailable", message: "the event could not be stored; retry later"))
            }
        }
    }

    /// How far past the receive time a source timestamp may lie (5 minutes of clock skew).
    ///
    /// A later one is clamped: a payload stamped in the far future would otherwise make every
    /// later change to its entity, from WorkOS or the API, look stale forever.
    static let maxFutureSkewMs: Int64 = 300_000

    /// The store's view of one parsed delivery: event type, key, timestamp and planned actions.
    ///
    /// Shared by live webhooks and replays so both run exactly the same mapping steps.
    static func ingestEvent(
        source: SourceRuntime,
        body: JSON,
        rawBody: [UInt8],
        envelope: MappingEnvelope,
        verification: String,
        receivedAt: Int64,
        replayOf: Int64? = nil
    ) -> IngestEvent {
        let config = source.config
        let engine = source.engine
        var eventType: String?
        var note: String?
        var actions: [PlannedAction] = []
        switch engine.eventType(envelope) {
        case .success(let type):
            eventType = type
            actions = engine.plan(eventType: type, envelope: envelope)
            if actions.isEmpty {
                note = "no active mapping for \(type)"
            }
        case .failure(let failure):
            note = failure.reason
        }

        return IngestEvent(
            environment: config.environment,
            sourceKey: config.key,
            eventType: eventType,
            idempotencyKey: engine.idempotencyKey(envelope),
            idempotencyWindowMs: Int64(config.idempotency.windowHours) * 3_600_000,
            // The parsed tree stays here (the store keeps `rawBody`): freeing it is request work,
            // not the single writer's.
            body: nil,
            rawBody: rawBody,
            headers: envelope.headers,
            verification: verification,
            receivedAtMs: receivedAt,
            sourceTimestampMs: min(engine.sourceTimestampMs(envelope) ?? receivedAt, receivedAt + Self.maxFutureSkewMs),
            note: note,
            actions: actions,
            replayOf: replayOf
        )
    }

    /// The first `limit` bytes of `body` as one log-safe line: invalid UTF-8 replaced, control
    /// characters written as `\u{..}` escapes, and a note of what was cut. For debug logs only.
    static func bodyPreview(_ body: [UInt8], limit: Int = 4096) -> String {
        var text = ""
        for scalar in String(decoding: body.prefix(limit), as: UTF8.self).unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                text += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        if body.count > limit {
            text += " ...(\(body.count - limit) more bytes)"
        }
        return text
    }

    /// Answers a refused delivery, counts it and records it in the bounded rejected log.
    private func reject(
        _ request: HTTPRequest,
        source: SourceConfig,
        series: WebhookMetrics,
        reason: String,
        detail: String,
        maxRejectedRows: Int,
        response: HTTPResponse,
        at time: Int64,
        logger: Logger,
        respond: @escaping @Sendable (HTTPResponse) -> Void
    ) {
        series.rejected.increment()
        self.metrics.increment(
            "inlet_webhooks_rejected_total",
            [("source", source.key), ("reason", reason)],
            help: "Webhook deliveries refused, by source and reason."
        )
        logger.info("webhook rejected", [("source", source.key), ("reason", reason), ("detail", detail)])
        self.store.recordRejected(
            sourceKey: source.key,
            environment: source.environment,
            reason: "\(reason): \(detail)",
            remoteAddress: request.remoteAddress,
            sizeBytes: request.body.count,
            atMs: time,
            maxRows: Int64(maxRejectedRows)
        )
        respond(response)
    }
}

extension Metrics {
    /// Help text of `inlet_webhooks_total`.
    static let webhooksHelp = "Webhook deliveries by source and outcome (processed, duplicate, rejected, failed)."

    /// Help text of `inlet_actions_total`.
    static let actionsHelp = "Mapped actions run, by action type and status (ok, skipped, error)."
}
