/// `/v1/workflow_runs`: the recorded runs, filtered by workflow and recipient.
enum WorkflowRunsAPI {
    /// `GET /v1/workflow_runs?workflow=&recipient=`: a page of runs, newest first.
    ///
    /// `recipient` is a user id, or an object reference as JSON `{"collection": ..., "id": ...}`
    /// (percent-encoded); it matches runs whose recipients after fan-out include it.
    static func list(_ call: APICall) throws -> APIReply {
        let page = try call.page()
        let workflow = try call.query.value("workflow").flatMap { $0.isEmpty ? nil : $0 }
        let recipient = try call.query.value("recipient").flatMap { (text: String) throws(APIError) -> Recipient? in
            try WorkflowRunsAPI.recipientFilter(text)
        }
        let result = try call.read { reader throws(StoreError) in
            try reader.workflowRuns(environment: call.environment, workflow: workflow, recipient: recipient, page: page)
        }
        return .json(200, result.json)
    }

    /// `GET /v1/workflow_runs/{id}`.
    static func get(_ call: APICall, id: String) throws -> APIReply {
        let run = try call.read { reader throws(StoreError) in
            try reader.workflowRun(environment: call.environment, id: id)
        }
        guard let run else {
            throw APIError.resourceMissing("workflow run")
        }
        return .json(200, run)
    }

    /// The `recipient` filter: JSON object text is an object reference, anything else a user id.
    private static func recipientFilter(_ text: String) throws(APIError) -> Recipient? {
        if text.isEmpty {
            return nil
        }
        guard text.hasPrefix("{") else {
            try APIFields.checkID(text, field: "recipient")
            return .user(id: text, properties: nil)
        }
        guard let value = try? JSONParser().parse(text) else {
            throw APIError.invalidParams(
                field: "recipient",
                message: "must be a user id or JSON {\"collection\", \"id\"}",
                type: "invalid_value"
            )
        }
        return try APIRecipients.reference(value, field: "recipient")
    }
}
