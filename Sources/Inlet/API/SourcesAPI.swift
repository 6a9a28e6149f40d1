/// `/v1/sources`: the environment's webhook sources, their event logs, rejected deliveries,
/// rehearsal (mappings run without writing) and replay.
enum SourcesAPI {
    /// The event log statuses the `status` filter accepts.
    static let logStatuses: Set<String> = ["processed", "error", "duplicate"]

    /// `GET /v1/sources`: a page of `{"key", "path", "environment", "events_received",
    /// "last_event_at", "mapping_count"}` in configuration order.
    static func list(_ call: APICall) throws -> APIReply {
        let request = try call.page()
        let sources = call.backend.sources(environment: call.environment)
        let window = try SourcesAPI.window(count: sources.count, request: request)

        let entries = try call.read { reader throws(StoreError) -> [JSON] in
            var entries: [JSON] = []
            for index in window.indices {
                let source = sources[index]
                let stats = try reader.sourceStats(environment: call.environment, sourceKey: source.key)
                entries.append([
                    "__typename": "Source",
                    "key": .string(source.key),
                    "path": .string(source.path),
                    "environment": .string(source.environment),
                    "events_received": .integer(stats.eventsReceived),
                    "last_event_at": stats.lastEventAtMs.map { .string(StoreTime.iso8601($0)) } ?? .null,
                    "mapping_count": .integer(source.mappingCount),
                ])
            }
            return entries
        }
        let page = Page(entries: entries, after: window.after, before: window.before, pageSize: request.pageSize)
        return .json(200, page.json)
    }

    /// `GET /v1/sources/{key}/logs?event=&status=&include=actions`: a page of event logs, newest
    /// first, with each log's action logs when `include` (or `include[]`) names `actions`.
    static func logs(_ call: APICall, key: String) throws -> APIReply {
        let source = try SourcesAPI.source(call, key: key)
        let page = try call.page()
        let event = try call.query.value("event").flatMap { $0.isEmpty ? nil : $0 }
        let status = try call.query.value("status").flatMap { $0.isEmpty ? nil : $0 }
        if let status, !SourcesAPI.logStatuses.contains(status) {
            throw APIError.invalidParams(
                field: "status",
                message: "must be one of \(SourcesAPI.logStatuses.sorted().joined(separator: ", "))",
                type: "invalid_value"
            )
        }
        var includeActions = false
        for value in call.query.values("include") + call.query.values("include[]") {
            for item in value.split(separator: ",") {
                guard item == "actions" else {
                    throw APIError.invalidParams(
                        field: "include",
                        message: "may only name actions",
                        type: "invalid_value"
                    )
                }
                includeActions = true
            }
        }

        let result = try call.read { reader throws(StoreError) in
            try reader.eventLogs(
                environment: call.environment,
                sourceKey: source.key,
                event: event,
                status: status,
                includeActions: includeActions,
                page: page
            )
        }
        return .json(200, result.json)
    }

    /// `GET /v1/sources/{key}/logs/{id}`: one event log with its action logs and raw body.
    static func log(_ call: APICall, key: String, id: String) throws -> APIReply {
        let record = try SourcesAPI.eventLog(call, key: key, id: id)
        return .json(200, record.json(includeRawBody: true))
    }

    /// `GET /v1/sources/{key}/rejected`: a page of rejected deliveries, newest first.
    static func rejected(_ call: APICall, key: String) throws -> APIReply {
        let source = try SourcesAPI.source(call, key: key)
        let page = try call.page()
        let result = try call.read { reader throws(StoreError) in
            try reader.rejectedDeliveries(environment: call.environment, sourceKey: source.key, page: page)
        }
        return .json(200, result.json)
    }

    /// `POST /v1/sources/{key}/rehearse` with `{"body": {...}, "headers"?: {name: value}}`: the
    /// resolved actions, nothing written.
    static func rehearse(_ call: APICall, key: String) throws -> APIReply {
        let source = try SourcesAPI.source(call, key: key)
        let request = try call.body()
        guard let body = request["body"], !body.isNull else {
            throw APIError.invalidParams(field: "body", message: "is required", type: "required")
        }
        guard case .object = body else {
            throw APIFields.typeError(field: "body", expected: "an object", got: body)
        }
        var headers: [String: String] = [:]
        for (name, value) in try APIFields.optionalObject(request["headers"], field: "headers") ?? JSONObject() {
            guard case .string(let text) = value else {
                throw APIFields.typeError(field: "headers.\(name)", expected: "a string", got: value)
            }
            headers[name.lowercased()] = text
        }

        guard
            let result = call.backend.rehearse(
                sourceKey: source.key,
                environment: call.environment,
                body: body,
                headers: headers
            )
        else {
            throw APIError.resourceMissing("source")
        }
        return .json(200, result)
    }

    /// `POST /v1/sources/{key}/logs/{id}/replay`: runs the stored event again through today's
    /// mappings as a new event log; answers what the backend answers (the webhook answer shape).
    static func replay(_ call: APICall, key: String, id: String) throws -> APIReply {
        let record = try SourcesAPI.eventLog(call, key: key, id: id)
        let backend = call.backend
        let environment = call.environment
        return .pending { finish in
            backend.replay(sourceKey: record.sourceKey, environment: environment, eventLog: record) { result in
                finish(result.map { .json(200, $0) })
            }
        }
    }

    // MARK: - Shared

    /// The source `key` of the call's environment.
    /// - Throws: `404 resource_missing` when the environment has no such source.
    private static func source(_ call: APICall, key: String) throws(APIError) -> APISourceInfo {
        guard let source = call.backend.sources(environment: call.environment).first(where: { $0.key == key }) else {
            throw .resourceMissing("source")
        }
        return source
    }

    /// The event log `id` of source `key` with its action logs.
    /// - Throws: `404 resource_missing` for an unknown source, a non-numeric id or an unknown log.
    private static func eventLog(_ call: APICall, key: String, id: String) throws -> EventLogRecord {
        let source = try SourcesAPI.source(call, key: key)
        guard id.utf8.count <= 18, id.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let number = Int64(id) else {
            throw APIError.resourceMissing("event log")
        }
        let record = try call.read { reader throws(StoreError) in
            try reader.eventLog(environment: call.environment, sourceKey: source.key, id: number)
        }
        guard let record else {
            throw APIError.resourceMissing("event log")
        }
        return record
    }

    /// Which items of an in-memory list of `count` (in order) a page request selects, with the
    /// cursors of the neighbouring pages; cursors hold 1-based positions.
    private static func window(
        count: Int,
        request: PageRequest
    ) throws -> (indices: Range<Int>, after: String?, before: String?) {
        let bounds = try request.bounds()
        // Positions are 1-based; `after`/`before` exclude their own position. Cursors are
        // clamped to the list first: a crafted cursor may hold any non-negative Int64.
        let total = Int64(count)
        var lower = Int(min(bounds.after ?? 0, total)) + 1
        var upper = max(lower - 1, Int(min(bounds.before ?? (total + 1), total + 1)) - 1)
        if bounds.before != nil, bounds.after == nil {
            lower = max(lower, upper - request.pageSize + 1)
        } else {
            upper = min(upper, lower + request.pageSize - 1)
        }

        let indices = (lower - 1)..<upper
        let after = upper < count && !indices.isEmpty ? PageRequest.encode(Int64(upper)) : nil
        let before = lower > 1 && !indices.isEmpty ? PageRequest.encode(Int64(lower)) : nil
        return (indices, after, before)
    }
}
