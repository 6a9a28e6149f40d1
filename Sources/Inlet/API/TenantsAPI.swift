/// `/v1/tenants`: list, get, set (`PUT`, upsert with deep merge), delete.
enum TenantsAPI {
    /// `GET /v1/tenants`: a page of tenants, oldest first.
    static func list(_ call: APICall) throws -> APIReply {
        let page = try call.page()
        let result = try call.read { reader throws(StoreError) in
            try reader.tenants(environment: call.environment, page: page)
        }
        return .json(200, result.json)
    }

    /// `GET /v1/tenants/{id}`.
    static func get(_ call: APICall, id: String) throws -> APIReply {
        let tenant = try call.read { reader throws(StoreError) in
            try reader.tenant(environment: call.environment, id: id)
        }
        guard let tenant else {
            throw APIError.resourceMissing("tenant")
        }
        return .json(200, tenant)
    }

    /// `PUT /v1/tenants/{id}`: the body is the tenant's properties (`name`, `settings`, custom
    /// keys); answers the tenant as stored.
    static func set(_ call: APICall, id: String) throws -> APIReply {
        var properties = try call.body()
        if let bodyID = properties["id"], bodyID != .string(id) {
            throw APIError.invalidParams(field: "id", message: "must equal the id in the path", type: "invalid_value")
        }
        properties["id"] = nil
        try APIFields.checkStringsOrNull(properties, keys: ["name"], prefix: "")
        try APIFields.checkObjectsOrNull(properties, keys: ["settings", "channel_data"], prefix: "")

        let environment = call.environment
        return call.write([.setTenant(id: id, properties: properties)]) { outcomes, reader throws(StoreError) in
            try APIWrite.entity(outcomes, what: "tenant") { () throws(StoreError) -> JSON? in
                try reader.tenant(environment: environment, id: id)
            }
        }
    }

    /// `DELETE /v1/tenants/{id}`: `204`, also when it never existed.
    static func delete(_ call: APICall, id: String) throws -> APIReply {
        call.write([.deleteTenant(id: id)]) { outcomes, _ in APIWrite.noContent(outcomes) }
    }
}
