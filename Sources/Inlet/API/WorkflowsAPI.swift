/// `/v1/workflows/{key}`: trigger and cancel, as Knock.
enum WorkflowsAPI {
    /// The most recipients one trigger or cancel may name (Knock's limit).
    static let maxRecipients = 1_000

    /// `POST /v1/workflows/{key}/trigger` with `{"recipients", "actor"?, "data"?, "tenant"?,
    /// "cancellation_key"?}`: records a run (object recipients fan out to their subscribers) and
    /// answers `{"workflow_run_id"}`. An inline tenant object `{"id", ...}` is set first.
    static func trigger(_ call: APICall, key: String) throws -> APIReply {
        guard call.backend.isWorkflowConfigured(key) else {
            throw APIError.workflowMissing(key)
        }
        let body = try call.body()
        let recipients = try APIRecipients.requests(
            body["recipients"],
            field: "recipients",
            required: true,
            count: 0...WorkflowsAPI.maxRecipients
        )
        let actor = try body["actor"].flatMap { (value: JSON) throws(APIError) -> Recipient? in
            value.isNull ? nil : try APIRecipients.request(value, field: "actor")
        }
        let data = try APIFields.optionalObject(body["data"], field: "data")
        let cancellationKey = try APIFields.optionalID(body["cancellation_key"], field: "cancellation_key")

        var actions: [StoreAction] = []
        var tenant: String?
        switch body["tenant"] {
        case nil, .null?:
            tenant = nil
        case .string?:
            tenant = try APIFields.id(body["tenant"], field: "tenant")
        case .object(var inline)?:
            let id = try APIFields.id(inline["id"], field: "tenant.id")
            inline["id"] = nil
            tenant = id
            if !inline.isEmpty {
                actions.append(.setTenant(id: id, properties: inline))
            }
        case let other?:
            throw APIFields.typeError(field: "tenant", expected: "a string, an object or null", got: other)
        }

        actions.append(
            .triggerWorkflow(
                key: key,
                recipients: recipients ?? [],
                actor: actor,
                data: data.map { .object($0) },
                tenant: tenant,
                cancellationKey: cancellationKey
            )
        )
        // A stale inline tenant (a newer tenant state exists) does not stop the trigger.
        return call.write(actions) { outcomes, _ in
            guard let runID = APIWrite.result(outcomes.last)?["workflow_run_id"] else {
                return APIError.staleWrite.response
            }
            return .json(200, ["workflow_run_id": runID])
        }
    }

    /// `POST /v1/workflows/{key}/cancel` with `{"cancellation_key", "recipients"?}`: `204`
    /// (also when no run matched).
    static func cancel(_ call: APICall, key: String) throws -> APIReply {
        guard call.backend.isWorkflowConfigured(key) else {
            throw APIError.workflowMissing(key)
        }
        let body = try call.body()
        let cancellationKey = try APIFields.id(body["cancellation_key"], field: "cancellation_key")
        let recipients = try APIRecipients.references(
            body["recipients"],
            field: "recipients",
            required: false,
            count: 0...WorkflowsAPI.maxRecipients
        )

        let action = StoreAction.cancelWorkflow(key: key, cancellationKey: cancellationKey, recipients: recipients)
        return call.write([action]) { outcomes, _ in APIWrite.noContent(outcomes) }
    }
}
