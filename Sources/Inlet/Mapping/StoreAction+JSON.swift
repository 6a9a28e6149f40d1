/// JSON renderings of resolved actions, for `inlet rehearse`, the API and action logs.
extension StoreAction {
    /// The action as JSON: `{"type": <action type>, ...its fields...}`; optional fields that are
    /// nil are left out.
    public var jsonValue: JSON {
        var object = JSONObject()
        object["type"] = .string(self.type.rawValue)
        switch self {
        case .identifyUser(let id, let properties):
            object["id"] = .string(id)
            object["properties"] = .object(properties)
        case .deleteUser(let id), .deleteTenant(let id):
            object["id"] = .string(id)
        case .setObject(let collection, let id, let properties):
            object["collection"] = .string(collection)
            object["id"] = .string(id)
            object["properties"] = .object(properties)
        case .deleteObject(let collection, let id):
            object["collection"] = .string(collection)
            object["id"] = .string(id)
        case .setTenant(let id, let properties):
            object["id"] = .string(id)
            object["properties"] = .object(properties)
        case .subscribe(let collection, let id, let recipients, let properties):
            object["collection"] = .string(collection)
            object["id"] = .string(id)
            object["recipients"] = .array(recipients.map(\.jsonValue))
            if let properties { object["properties"] = .object(properties) }
        case .unsubscribe(let collection, let id, let recipients):
            object["collection"] = .string(collection)
            object["id"] = .string(id)
            object["recipients"] = .array(recipients.map(\.jsonValue))
        case .addAudienceMembers(let key, let recipients, let tenant),
            .removeAudienceMembers(let key, let recipients, let tenant):
            object["key"] = .string(key)
            object["recipients"] = .array(recipients.map(\.jsonValue))
            if let tenant { object["tenant"] = .string(tenant) }
        case .triggerWorkflow(let key, let recipients, let actor, let data, let tenant, let cancellationKey):
            object["key"] = .string(key)
            object["recipients"] = .array(recipients.map(\.jsonValue))
            if let actor { object["actor"] = actor.jsonValue }
            if let data { object["data"] = data }
            if let tenant { object["tenant"] = .string(tenant) }
            if let cancellationKey { object["cancellation_key"] = .string(cancellationKey) }
        case .cancelWorkflow(let key, let cancellationKey, let recipients):
            object["key"] = .string(key)
            object["cancellation_key"] = .string(cancellationKey)
            if let recipients { object["recipients"] = .array(recipients.map(\.jsonValue)) }
        }
        return .object(object)
    }
}

/// JSON renderings of recipients.
extension Recipient {
    /// Knock's recipient shapes: a user id string; an inline user `{"id", ...properties}`; an
    /// object reference `{"collection", "id"}`, with its inline properties if any.
    public var jsonValue: JSON {
        switch self {
        case .user(let id, nil):
            return .string(id)
        case .user(let id, let properties?):
            var object = JSONObject([("id", .string(id))])
            for (key, value) in properties { object[key] = value }
            return .object(object)
        case .object(let collection, let id, let properties):
            var object = JSONObject([("collection", .string(collection)), ("id", .string(id))])
            for (key, value) in properties ?? JSONObject() { object[key] = value }
            return .object(object)
        }
    }
}
