/// Resolves one source's event type, timestamp, idempotency key and planned actions (SPEC 4, 5).
///
/// Pure: it reads the envelope and never touches the store, so the webhook handler, `inlet
/// rehearse`, the API's rehearse route and replays all share it. Build one per source when the
/// config loads (and again on reload); it is immutable and `Sendable`.
public struct MappingEngine: Sendable {
    /// Why no event type could be read; `reason` is logged and stored on the event log.
    public struct EventTypeFailure: Error, Sendable, Equatable {
        /// E.g. `no event type at body.event`.
        public let reason: String
    }

    /// The longest idempotency key honoured, in characters.
    public static let maxIdempotencyKeyLength = 255

    /// Where the event type is read.
    public let eventTypePath: ParameterValue

    /// Where the source timestamp is read, if anywhere.
    public let timestampPath: ParameterValue?

    /// Where the idempotency key is read, if anywhere.
    public let idempotencyKeyPath: ParameterValue?

    /// Every mapping of the source, in file order.
    public let mappings: [Mapping]

    /// The workflow keys a `workflows_trigger`/`workflows_cancel` may name.
    public let workflowKeys: Set<String>

    /// Active mappings by event type, already in run order (action type order, then file order).
    private let plans: [String: [PlannedMapping]]

    /// An active mapping with its params serialized once for the action logs.
    private struct PlannedMapping: Sendable {
        let mapping: Mapping
        let parametersJSON: [UInt8]
    }

    /// The engine of `source`, which may name the workflows in `workflowKeys`.
    public init(source: SourceConfig, workflowKeys: Set<String>) {
        self.init(
            eventTypePath: source.eventTypePath,
            timestampPath: source.timestampPath,
            idempotencyKeyPath: source.idempotency.keyPath,
            mappings: source.mappings,
            workflowKeys: workflowKeys
        )
    }

    /// An engine from its parts (tests build small ones directly).
    public init(
        eventTypePath: ParameterValue = SourceConfig.defaultEventTypePath,
        timestampPath: ParameterValue? = SourceConfig.defaultTimestampPath,
        idempotencyKeyPath: ParameterValue? = IdempotencyConfig.defaultKeyPath,
        mappings: [Mapping],
        workflowKeys: Set<String>
    ) {
        self.eventTypePath = eventTypePath
        self.timestampPath = timestampPath
        self.idempotencyKeyPath = idempotencyKeyPath
        self.mappings = mappings
        self.workflowKeys = workflowKeys

        var plans: [String: [Mapping]] = [:]
        for mapping in mappings where mapping.active {
            plans[mapping.event, default: []].append(mapping)
        }
        self.plans = plans.mapValues { list in
            list.sorted { ($0.action.rank, $0.index) < ($1.action.rank, $1.index) }
                .map { PlannedMapping(mapping: $0, parametersJSON: $0.configuredParams.serializedBytes()) }
        }
    }

    /// The event type: a non-empty string at `eventTypePath`, or why there is none.
    public func eventType(_ envelope: MappingEnvelope) -> Result<String, EventTypeFailure> {
        let source = self.eventTypePath.description
        switch self.eventTypePath.resolve(in: envelope.root) {
        case .missing:
            return .failure(EventTypeFailure(reason: "no event type at \(source)"))
        case .null:
            return .failure(EventTypeFailure(reason: "the event type at \(source) is null"))
        case .value(.string(let type)) where !type.isEmpty:
            return .success(type)
        case .value(.string):
            return .failure(EventTypeFailure(reason: "the event type at \(source) is an empty string"))
        case .value(let other):
            return .failure(
                EventTypeFailure(reason: "the event type at \(source) is a \(other.typeName), not a string")
            )
        }
    }

    /// The source timestamp in epoch milliseconds, or nil when there is no readable one.
    public func sourceTimestampMs(_ envelope: MappingEnvelope) -> Int64? {
        guard let value = self.timestampPath?.resolve(in: envelope.root).value else { return nil }
        return SourceTimestamp.milliseconds(from: value)
    }

    /// The idempotency key: a string of 1 to 255 characters, else nil (no duplicate check).
    public func idempotencyKey(_ envelope: MappingEnvelope) -> String? {
        guard case .string(let key)? = self.idempotencyKeyPath?.resolve(in: envelope.root).value,
            !key.isEmpty,
            key.utf8.count <= MappingEngine.maxIdempotencyKeyLength
                || key.count <= MappingEngine.maxIdempotencyKeyLength
        else {
            return nil
        }
        return key
    }

    /// The active mappings for `eventType`, in run order, each resolved into a decision.
    ///
    /// An event type with no active mapping gives an empty list.
    public func plan(eventType: String, envelope: MappingEnvelope) -> [PlannedAction] {
        guard let mappings = self.plans[eventType] else { return [] }
        return mappings.map { self.planOne($0, envelope: envelope) }
    }

    /// Everything the engine decides for `envelope`, as JSON for `inlet rehearse` and the API:
    /// `{"event", "idempotency_key", "source_timestamp_ms", "actions": [{"type", "mapping_index",
    /// "status", "reason", "payload", "action"}]}`; when no event type can be read, `event` is
    /// null, `reason` says why and `actions` is empty. `status` is `ok` for an action that would run.
    public func rehearse(_ envelope: MappingEnvelope) -> JSON {
        var result = JSONObject()
        let planned: [PlannedAction]
        switch self.eventType(envelope) {
        case .success(let type):
            result["event"] = .string(type)
            planned = self.plan(eventType: type, envelope: envelope)
        case .failure(let failure):
            result["event"] = .null
            result["reason"] = .string(failure.reason)
            planned = []
        }
        result["idempotency_key"] = self.idempotencyKey(envelope).map(JSON.string) ?? .null
        result["source_timestamp_ms"] = self.sourceTimestampMs(envelope).map { JSON.integer($0) } ?? .null
        result["actions"] = .array(planned.map(MappingEngine.rehearsalEntry))
        return .object(result)
    }

    // MARK: - Private

    private func planOne(_ planned: PlannedMapping, envelope: MappingEnvelope) -> PlannedAction {
        let mapping = planned.mapping
        let builder = StoreActionBuilder(mapping: mapping, workflowKeys: self.workflowKeys, envelope: envelope.root)
        let decision: PlannedAction.Decision
        if let condition = mapping.when, !condition.evaluate(in: envelope.root) {
            decision = .skipped(reason: "condition false: \(condition.description)")
        } else {
            switch builder.build() {
            case .success(let action): decision = .run(action)
            case .failure(.skipped(let reason)): decision = .skipped(reason: reason)
            case .failure(.error(let reason)): decision = .error(reason: reason)
            }
        }
        return PlannedAction(
            type: mapping.action,
            mappingIndex: mapping.index,
            parameters: mapping.configuredParams,
            parametersJSON: planned.parametersJSON,
            payload: builder.payload,
            decision: decision
        )
    }

    private static func rehearsalEntry(_ planned: PlannedAction) -> JSON {
        var entry = JSONObject()
        entry["type"] = .string(planned.type.rawValue)
        entry["mapping_index"] = .integer(planned.mappingIndex)
        switch planned.decision {
        case .run(let action):
            entry["status"] = "ok"
            entry["reason"] = .null
            entry["payload"] = planned.payload
            entry["action"] = action.jsonValue
        case .skipped(let reason):
            entry["status"] = "skipped"
            entry["reason"] = .string(reason)
            entry["payload"] = planned.payload
            entry["action"] = .null
        case .error(let reason):
            entry["status"] = "error"
            entry["reason"] = .string(reason)
            entry["payload"] = planned.payload
            entry["action"] = .null
        }
        return .object(entry)
    }
}
