/// `/v1/audiences/{key}/members`: list, add and remove members (users, optionally per tenant).
enum AudiencesAPI {
    /// The most members one request may name (Knock's limit).
    static let maxMembers = 1_000

    /// `GET /v1/audiences/{key}/members`: a page of AudienceMembers, oldest first.
    static func members(_ call: APICall, key: String) throws -> APIReply {
        let page = try call.page()
        let result = try call.read { reader throws(StoreError) in
            try reader.audienceMembers(environment: call.environment, key: key, page: page)
        }
        return .json(200, result.json)
    }

    /// `POST /v1/audiences/{key}/members` with `{"members": [{"user": {"id", ...} | "user_id":
    /// "...", "tenant"?}]}`: `204`; inline users are identified first.
    static func add(_ call: APICall, key: String) throws -> APIReply {
        let groups = try AudiencesAPI.memberGroups(try call.body())
        let actions = groups.map { StoreAction.addAudienceMembers(key: key, recipients: $0.users, tenant: $0.tenant) }
        return call.write(actions) { outcomes, _ in AudiencesAPI.answer(outcomes) }
    }

    /// `DELETE /v1/audiences/{key}/members` with the same body: `204` (absent members are fine).
    static func remove(_ call: APICall, key: String) throws -> APIReply {
        let groups = try AudiencesAPI.memberGroups(try call.body())
        let actions = groups.map {
            StoreAction.removeAudienceMembers(key: key, recipients: $0.users, tenant: $0.tenant)
        }
        return call.write(actions) { outcomes, _ in AudiencesAPI.answer(outcomes) }
    }

    /// `204`, or `409` when every group was stale.
    private static func answer(_ outcomes: [ActionOutcome]) -> HTTPResponse {
        let applied = outcomes.contains { outcome in
            if case .ok = outcome { return true }
            return false
        }
        return applied ? HTTPResponse(status: 204) : APIError.staleWrite.response
    }

    /// The body's members grouped by tenant, in first-seen order (one store action per tenant).
    private static func memberGroups(_ body: JSONObject) throws(APIError) -> [(tenant: String?, users: [Recipient])] {
        let members = try APIFields.array(body["members"], field: "members", required: true, count: 1...maxMembers)
        var groups: [(tenant: String?, users: [Recipient])] = []
        for (index, member) in (members ?? []).enumerated() {
            let field = "members[\(index)]"
            guard case .object(let object) = member else {
                throw APIFields.typeError(field: field, expected: "an object", got: member)
            }
            let user = try AudiencesAPI.user(object, field: field)
            let tenant = try APIFields.optionalID(object["tenant"], field: APIFields.path(field, "tenant"))
            if let position = groups.firstIndex(where: { $0.tenant == tenant }) {
                groups[position].users.append(user)
            } else {
                groups.append((tenant: tenant, users: [user]))
            }
        }
        return groups
    }

    /// The member's user: `user` (an inline user, identified first) or `user_id`.
    private static func user(_ member: JSONObject, field: String) throws(APIError) -> Recipient {
        let userID = try APIFields.optionalID(member["user_id"], field: APIFields.path(field, "user_id"))
        guard let userValue = member["user"], !userValue.isNull else {
            guard let userID else {
                throw APIError.invalidParams(
                    field: APIFields.path(field, "user"),
                    message: "is required (or user_id)",
                    type: "required"
                )
            }
            return .user(id: userID, properties: nil)
        }
        guard case .object(let object) = userValue else {
            throw APIFields.typeError(field: APIFields.path(field, "user"), expected: "an object", got: userValue)
        }
        let recipient = try APIRecipients.request(.object(object), field: APIFields.path(field, "user"))
        guard case .user(let id, _) = recipient else {
            throw APIError.invalidParams(
                field: APIFields.path(field, "user"),
                message: "must be a user, not an object",
                type: "invalid_value"
            )
        }
        if let userID, userID != id {
            throw APIError.invalidParams(
                field: APIFields.path(field, "user_id"),
                message: "must equal user.id",
                type: "invalid_value"
            )
        }
        return recipient
    }
}
