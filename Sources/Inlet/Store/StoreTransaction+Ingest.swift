extension StoreTransaction {
    /// The longest idempotency key remembered (longer keys are ignored by the caller's rule).
    static let maxIdempotencyKeyLength = 255

    private static let markErrorSQL = SQLText("UPDATE event_logs SET status = 'error' WHERE id = ?")

    private static let rememberKeySQL = SQLText(
        """
        INSERT OR REPLACE INTO idempotency_keys (environment, source_key, event_type, key, event_log_id,
            processed_at, expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """
    )

    private static let processedCopySQL = SQLText(
        """
        SELECT event_log_id FROM idempotency_keys
        WHERE environment = ? AND source_key = ? AND event_type = ? AND key = ? AND processed_at > ?
        """
    )

    private static let insertEventLogSQL = SQLText(
        """
        INSERT INTO event_logs (environment, source_key, event_type, status, idempotency_key, verification, note,
            duplicate_of, replay_of, received_at, source_ts, headers, body)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    )

    private static let insertActionLogSQL = SQLText(
        """
        INSERT INTO action_logs (event_log_id, position, action_type, mapping_index, parameters, parameters_id,
            payload, status, reason, result, inserted_at)
        VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?)
        """
    )

    /// Writes one webhook delivery: idempotency check, event log, actions, action logs, key.
    func ingest(_ event: IngestEvent) throws(StoreError) -> IngestOutcome {
        let headers = event.headersJSON

        if event.replayOf == nil, let original = try self.processedCopy(of: event) {
            let id = try self.insertEventLog(event, status: "duplicate", duplicateOf: original, headers: headers)
            self.countEvent(event)
            return .duplicate(eventLogID: id, originalEventLogID: original)
        }

        let eventLogID = try self.insertEventLog(event, status: "processed", duplicateOf: nil, headers: headers)
        var results: [ActionResult] = []
        results.reserveCapacity(event.actions.count)
        for (position, planned) in event.actions.enumerated() {
            let result = try self.run(planned, for: event)
            try self.insertActionLog(planned, result: result, position: position, eventLogID: eventLogID, event: event)
            results.append(result)
        }

        let failed = results.contains { $0.status == .error }
        if failed {
            try self.database.run(StoreTransaction.markErrorSQL, [.integer(eventLogID)])
        } else if let key = StoreTransaction.idempotencyKey(of: event), let type = event.eventType {
            try self.database.run(
                StoreTransaction.rememberKeySQL,
                [
                    .text(event.environment), .text(event.sourceKey), .text(type), .text(key), .integer(eventLogID),
                    .integer(event.receivedAtMs), .integer(event.receivedAtMs &+ max(0, event.idempotencyWindowMs)),
                ]
            )
        }
        self.countEvent(event)
        return .processed(eventLogID: eventLogID, actions: results)
    }

    /// The event log id of a successfully processed copy of `event` within its window, if any.
    private func processedCopy(of event: IngestEvent) throws(StoreError) -> Int64? {
        guard let key = StoreTransaction.idempotencyKey(of: event), let type = event.eventType else {
            return nil
        }
        return try self.database.queryFirst(
            StoreTransaction.processedCopySQL,
            [
                .text(event.environment), .text(event.sourceKey), .text(type), .text(key),
                .integer(event.receivedAtMs &- max(0, event.idempotencyWindowMs)),
            ]
        ) { $0.int64(0) }
    }

    /// The event's idempotency key when it is usable: 1 to 255 characters.
    private static func idempotencyKey(of event: IngestEvent) -> String? {
        guard let key = event.idempotencyKey, !key.isEmpty,
            key.utf8.count <= StoreTransaction.maxIdempotencyKeyLength * 4,
            key.count <= StoreTransaction.maxIdempotencyKeyLength
        else {
            return nil
        }
        return key
    }

    /// Runs one planned action: a store failure rolls back that action only and marks it `error`;
    /// an unacceptable value (`invalidArgument`) is the data's fault and marks it `skipped`.
    ///
    /// - Throws: only when SQLite abandoned the whole transaction (disk full, I/O error): then
    ///   nothing of the batch may continue, and the event must fail as a whole.
    private func run(_ planned: PlannedAction, for event: IngestEvent) throws(StoreError) -> ActionResult {
        var result = ActionResult(
            type: planned.type,
            mappingIndex: planned.mappingIndex,
            status: .ok,
            reason: nil,
            result: nil
        )
        switch planned.decision {
        case .skipped(let reason):
            result.status = .skipped
            result.reason = reason
        case .error(let reason):
            result.status = .error
            result.reason = reason
        case .run(let action):
            do {
                switch try self.apply(
                    action,
                    environment: event.environment,
                    sourceTimestampMs: event.sourceTimestampMs,
                    nowMs: event.receivedAtMs,
                    prepared: planned.preparedProperties
                ) {
                case .ok(let value):
                    result.result = value
                case .skipped(let reason):
                    result.status = .skipped
                    result.reason = reason
                }
            } catch {
                if self.database.isAutocommit {
                    throw error
                }
                result.status = error.kind == .invalidArgument ? .skipped : .error
                result.reason = error.kind == .invalidArgument ? error.message : "store: \(error.description)"
            }
        }
        return result
    }

    private func insertEventLog(
        _ event: IngestEvent,
        status: String,
        duplicateOf: Int64?,
        headers: [UInt8]
    ) throws(StoreError) -> Int64 {
        try self.database.run(
            StoreTransaction.insertEventLogSQL,
            [
                .text(event.environment), .text(event.sourceKey), .optional(event.eventType), .text(status),
                .optional(event.idempotencyKey), .text(event.verification), .optional(event.note),
                .optional(duplicateOf), .optional(event.replayOf), .integer(event.receivedAtMs),
                .integer(event.sourceTimestampMs), .utf8(headers), .blob(event.rawBody),
            ]
        )
        return self.database.lastInsertRowID
    }

    private func insertActionLog(
        _ planned: PlannedAction,
        result: ActionResult,
        position: Int,
        eventLogID: Int64,
        event: IngestEvent
    ) throws(StoreError) {
        let parametersID = try self.parameterIDs.id(of: planned.parametersJSON, in: self.database)
        try self.database.run(
            StoreTransaction.insertActionLogSQL,
            [
                .integer(eventLogID), .integer(Int64(position)), .text(planned.type.rawValue),
                .integer(Int64(planned.mappingIndex)), .integer(parametersID), .utf8(planned.payloadJSON),
                .text(result.status.rawValue), .optional(result.reason), .json(result.result),
                .integer(event.receivedAtMs),
            ]
        )
    }

    private func countEvent(_ event: IngestEvent) {
        self.countEvent(environment: event.environment, sourceKey: event.sourceKey, receivedAtMs: event.receivedAtMs)
    }
}
