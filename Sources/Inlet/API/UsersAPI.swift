/// `/v1/users`: list, get, identify (`PUT`, upsert with deep merge), delete, subscriptions.
enum UsersAPI {
    /// Knock's user fields that must be strings (or `null`) when present.
    static let stringFields = ["name", "email", "phone_number", "avatar", "locale", "timezone"]

    /// Knock's user fields that must be objects (or `null`) when present.
    static let objectFields = ["channel_data", "preferences"]

    /// `GET /v1/users`: a page of users, oldest first.
    static func list(_ call: APICall) throws -> APIReply {
        let page = try call.page()
        let result = try call.read { reader throws(StoreError) in
            try reader.users(environment: call.environment, page: page)
        }
        return .json(200, result.json)
    }

    /// `GET /v1/users/{id}`.
    static func get(_ call: APICall, id: String) throws -> APIReply {
        let user = try call.read { reader throws(StoreError) in
            try reader.user(environment: call.environment, id: id)
        }
        guard let user else {
            throw APIError.resourceMissing("user")
        }
        return .json(200, user)
    }

    /// `PUT /v1/users/{id}`: identify; answers the user as stored after the merge.
    ///
    /// The body is the user's properties (Knock's `IdentifyUserRequest`, custom keys allowed);
    /// an `id` in the body must equal the path's.
    static func identify(_ call: APICall, id: String) throws -> APIReply {
        var properties = try call.body()
        if let bodyID = properties["id"], bodyID != .string(id) {
            throw APIError.invalidParams(field: "id", message: "must equal the id in the path", type: "invalid_value")
        }
        properties["id"] = nil
        try APIFields.checkStringsOrNull(properties, keys: UsersAPI.stringFields, prefix: "")
        try APIFields.checkObjectsOrNull(properties, keys: UsersAPI.objectFields, prefix: "")

        let environment = call.environment
        return call.write([.identifyUser(id: id, properties: properties)]) { outcomes, reader throws(StoreError) in
            try APIWrite.entity(outcomes, what: "user") { () throws(StoreError) -> JSON? in
                try reader.user(environment: environment, id: id)
            }
        }
    }

    /// `DELETE /v1/users/{id}`: `204`, also when the user never existed.
    static func delete(_ call: APICall, id: String) throws -> APIReply {
        call.write([.deleteUser(id: id)]) { outcomes, _ in APIWrite.noContent(outcomes) }
    }

    /// `GET /v1/users/{id}/subscriptions`: a page of the Subscriptions the user is a recipient of.
    static func subscriptions(_ call: APICall, id: String) throws -> APIReply {
        let page = try call.page()
        let result = try call.read { reader throws(StoreError) -> Page? in
            guard try reader.user(environment: call.environment, id: id) != nil else {
                return nil
            }
            return try reader.userSubscriptions(environment: call.environment, userID: id, page: page)
        }
        guard let result else {
            throw APIError.resourceMissing("user")
        }
        return .json(200, result.json)
    }
}
