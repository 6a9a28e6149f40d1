/// `/v1/objects/{collection}`: list, get, set (`PUT`, upsert with deep merge), delete, and the
/// object's subscriptions (list, subscribe, unsubscribe).
enum ObjectsAPI {
    /// The most recipients one subscribe or unsubscribe request may name (Knock's limit).
    static let maxSubscriptionRecipients = 100

    /// Object properties that must be strings (or `null`) when present.
    static let stringFields = ["name", "locale", "timezone"]

    /// `GET /v1/objects/{collection}`: a page of the collection's objects, oldest first.
    static func list(_ call: APICall, collection: String) throws -> APIReply {
        let page = try call.page()
        let result = try call.read { reader throws(StoreError) in
            try reader.objects(environment: call.environment, collection: collection, page: page)
        }
        return .json(200, result.json)
    }

    /// `GET /v1/objects/{collection}/{id}`.
    static func get(_ call: APICall, collection: String, id: String) throws -> APIReply {
        let object = try call.read { reader throws(StoreError) in
            try reader.object(environment: call.environment, collection: collection, id: id)
        }
        guard let object else {
            throw APIError.resourceMissing("object")
        }
        return .json(200, object)
    }

    /// `PUT /v1/objects/{collection}/{id}`: the body is the properties, deep-merged; answers the
    /// object as stored.
    static func set(_ call: APICall, collection: String, id: String) throws -> APIReply {
        let properties = try call.body()
        try APIFields.checkStringsOrNull(properties, keys: ObjectsAPI.stringFields, prefix: "")
        try APIFields.checkObjectsOrNull(properties, keys: UsersAPI.objectFields, prefix: "")

        let environment = call.environment
        let action = StoreAction.setObject(collection: collection, id: id, properties: properties)
        return call.write([action]) { outcomes, reader throws(StoreError) in
            try APIWrite.entity(outcomes, what: "object") { () throws(StoreError) -> JSON? in
                try reader.object(environment: environment, collection: collection, id: id)
            }
        }
    }

    /// `DELETE /v1/objects/{collection}/{id}`: `204`, also when it never existed.
    static func delete(_ call: APICall, collection: String, id: String) throws -> APIReply {
        call.write([.deleteObject(collection: collection, id: id)]) { outcomes, _ in APIWrite.noContent(outcomes) }
    }

    /// `GET /v1/objects/{collection}/{id}/subscriptions?mode=object|recipient`: the object's
    /// subscribers (default) or what it is subscribed to.
    static func subscriptions(_ call: APICall, collection: String, id: String) throws -> APIReply {
        let modeText = try call.query.value("mode") ?? SubscriptionListMode.object.rawValue
        guard let mode = SubscriptionListMode(rawValue: modeText) else {
            throw APIError.invalidParams(field: "mode", message: "must be object or recipient", type: "invalid_value")
        }
        let page = try call.page()
        let result = try call.read { reader throws(StoreError) -> Page? in
            guard try reader.object(environment: call.environment, collection: collection, id: id) != nil else {
                return nil
            }
            return try reader.objectSubscriptions(
                environment: call.environment,
                collection: collection,
                id: id,
                mode: mode,
                page: page
            )
        }
        guard let result else {
            throw APIError.resourceMissing("object")
        }
        return .json(200, result.json)
    }

    /// `POST /v1/objects/{collection}/{id}/subscriptions` with `{"recipients": [...] (1-100),
    /// "properties"?}`: upserts; answers the array of Subscriptions.
    static func subscribe(_ call: APICall, collection: String, id: String) throws -> APIReply {
        let body = try call.body()
        let recipients = try APIRecipients.requests(
            body["recipients"],
            field: "recipients",
            required: true,
            count: 1...ObjectsAPI.maxSubscriptionRecipients
        )
        let properties = try APIFields.optionalObject(body["properties"], field: "properties")

        let action = StoreAction.subscribe(
            collection: collection,
            id: id,
            recipients: recipients ?? [],
            properties: properties
        )
        return call.write([action]) { outcomes, _ in
            APIWrite.unlessStale(outcomes) {
                .json(200, APIWrite.result(outcomes.first)?["subscriptions"] ?? .array([]))
            }
        }
    }

    /// `DELETE /v1/objects/{collection}/{id}/subscriptions` with `{"recipients": [...]}`:
    /// answers the array of the Subscriptions removed (those that existed).
    static func unsubscribe(_ call: APICall, collection: String, id: String) throws -> APIReply {
        let body = try call.body()
        let recipients = try APIRecipients.references(
            body["recipients"],
            field: "recipients",
            required: true,
            count: 1...ObjectsAPI.maxSubscriptionRecipients
        )

        let action = StoreAction.unsubscribe(collection: collection, id: id, recipients: recipients ?? [])
        return call.write([action]) { outcomes, _ in
            APIWrite.unlessStale(outcomes) {
                .json(200, APIWrite.result(outcomes.first)?["subscriptions"] ?? .array([]))
            }
        }
    }
}
