/// The route table of the REST API (SPEC 7): which handler answers which method on which path.
struct APIRoute {
    /// A handler; it throws `APIError` for bad input and `StoreError` for store failures.
    typealias Handler = (APICall) throws -> APIReply

    /// The route's path with its variables named, e.g. `/v1/users/{id}` (a low-cardinality
    /// label for metrics and logs).
    var template: String

    /// The path's variable segments with the field name used in errors, e.g. `("id", "u1")`.
    var parameters: [(field: String, value: String)]

    /// The handler of each accepted method, in the order `Allow` lists them.
    var handlers: [(method: String, handler: Handler)]

    /// The accepted methods; `HEAD` follows `GET` wherever `GET` is accepted (RFC 9110 9.3.2).
    var allowedMethods: [String] {
        self.handlers.flatMap { $0.method == "GET" ? ["GET", "HEAD"] : [$0.method] }
    }

    /// The handler for `method`, if the route accepts it; `HEAD` runs the `GET` handler (the
    /// HTTP server sends its headers without the body).
    func handler(for method: String) -> Handler? {
        let wanted = method == "HEAD" ? "GET" : method
        return self.handlers.first { $0.method == wanted }?.handler
    }

    /// Checks every variable segment (1 to 256 characters).
    /// - Throws: `422 invalid_params` naming the segment.
    func checkParameters() throws(APIError) {
        for (field, value) in self.parameters {
            try APIFields.checkID(value, field: field)
        }
    }

    /// The route for the decoded segments after `/v1`, or `nil` when none matches (an empty
    /// segment never matches).
    static func match(_ segments: [String]) -> APIRoute? {
        guard let first = segments.first, !segments.contains(where: \.isEmpty) else {
            return nil
        }
        let rest = Array(segments.dropFirst())
        switch first {
        case "users": return APIRoute.users(rest)
        case "objects": return APIRoute.objects(rest)
        case "tenants": return APIRoute.tenants(rest)
        case "audiences": return APIRoute.audiences(rest)
        case "workflows": return APIRoute.workflows(rest)
        case "workflow_runs": return APIRoute.workflowRuns(rest)
        case "sources": return APIRoute.sources(rest)
        default: return nil
        }
    }

    private static func users(_ rest: [String]) -> APIRoute? {
        switch rest.count {
        case 0:
            return APIRoute(template: "/v1/users", parameters: [], handlers: [("GET", UsersAPI.list)])
        case 1:
            let id = rest[0]
            return APIRoute(
                template: "/v1/users/{id}",
                parameters: [("id", id)],
                handlers: [
                    ("GET", { try UsersAPI.get($0, id: id) }),
                    ("PUT", { try UsersAPI.identify($0, id: id) }),
                    ("DELETE", { try UsersAPI.delete($0, id: id) }),
                ]
            )
        case 2 where rest[1] == "subscriptions":
            let id = rest[0]
            return APIRoute(
                template: "/v1/users/{id}/subscriptions",
                parameters: [("id", id)],
                handlers: [("GET", { try UsersAPI.subscriptions($0, id: id) })]
            )
        default:
            return nil
        }
    }

    private static func objects(_ rest: [String]) -> APIRoute? {
        switch rest.count {
        case 1:
            let collection = rest[0]
            return APIRoute(
                template: "/v1/objects/{collection}",
                parameters: [("collection", collection)],
                handlers: [("GET", { try ObjectsAPI.list($0, collection: collection) })]
            )
        case 2:
            let (collection, id) = (rest[0], rest[1])
            return APIRoute(
                template: "/v1/objects/{collection}/{id}",
                parameters: [("collection", collection), ("id", id)],
                handlers: [
                    ("GET", { try ObjectsAPI.get($0, collection: collection, id: id) }),
                    ("PUT", { try ObjectsAPI.set($0, collection: collection, id: id) }),
                    ("DELETE", { try ObjectsAPI.delete($0, collection: collection, id: id) }),
                ]
            )
        case 3 where rest[2] == "subscriptions":
            let (collection, id) = (rest[0], rest[1])
            return APIRoute(
                template: "/v1/objects/{collection}/{id}/subscriptions",
                parameters: [("collection", collection), ("id", id)],
                handlers: [
                    ("GET", { try ObjectsAPI.subscriptions($0, collection: collection, id: id) }),
                    ("POST", { try ObjectsAPI.subscribe($0, collection: collection, id: id) }),
                    ("DELETE", { try ObjectsAPI.unsubscribe($0, collection: collection, id: id) }),
                ]
            )
        default:
            return nil
        }
    }

    private static func tenants(_ rest: [String]) -> APIRoute? {
        switch rest.count {
        case 0:
            return APIRoute(template: "/v1/tenants", parameters: [], handlers: [("GET", TenantsAPI.list)])
        case 1:
            let id = rest[0]
            return APIRoute(
                template: "/v1/tenants/{id}",
                parameters: [("id", id)],
                handlers: [
                    ("GET", { try TenantsAPI.get($0, id: id) }),
                    ("PUT", { try TenantsAPI.set($0, id: id) }),
                    ("DELETE", { try TenantsAPI.delete($0, id: id) }),
                ]
            )
        default:
            return nil
        }
    }

    private static func audiences(_ rest: [String]) -> APIRoute? {
        guard rest.count == 2, rest[1] == "members" else {
            return nil
        }
        let key = rest[0]
        return APIRoute(
            template: "/v1/audiences/{key}/members",
            parameters: [("key", key)],
            handlers: [
                ("GET", { try AudiencesAPI.members($0, key: key) }),
                ("POST", { try AudiencesAPI.add($0, key: key) }),
                ("DELETE", { try AudiencesAPI.remove($0, key: key) }),
            ]
        )
    }

    private static func workflows(_ rest: [String]) -> APIRoute? {
        guard rest.count == 2 else {
            return nil
        }
        let key = rest[0]
        switch rest[1] {
        case "trigger":
            return APIRoute(
                template: "/v1/workflows/{key}/trigger",
                parameters: [("key", key)],
                handlers: [("POST", { try WorkflowsAPI.trigger($0, key: key) })]
            )
        case "cancel":
            return APIRoute(
                template: "/v1/workflows/{key}/cancel",
                parameters: [("key", key)],
                handlers: [("POST", { try WorkflowsAPI.cancel($0, key: key) })]
            )
        default:
            return nil
        }
    }

    private static func workflowRuns(_ rest: [String]) -> APIRoute? {
        switch rest.count {
        case 0:
            return APIRoute(template: "/v1/workflow_runs", parameters: [], handlers: [("GET", WorkflowRunsAPI.list)])
        case 1:
            let id = rest[0]
            return APIRoute(
                template: "/v1/workflow_runs/{id}",
                parameters: [("id", id)],
                handlers: [("GET", { try WorkflowRunsAPI.get($0, id: id) })]
            )
        default:
            return nil
        }
    }

    private static func sources(_ rest: [String]) -> APIRoute? {
        guard let key = rest.first else {
            return APIRoute(template: "/v1/sources", parameters: [], handlers: [("GET", SourcesAPI.list)])
        }
        switch Array(rest.dropFirst()) {
        case ["logs"]:
            return APIRoute(
                template: "/v1/sources/{key}/logs",
                parameters: [("key", key)],
                handlers: [("GET", { try SourcesAPI.logs($0, key: key) })]
            )
        case ["rejected"]:
            return APIRoute(
                template: "/v1/sources/{key}/rejected",
                parameters: [("key", key)],
                handlers: [("GET", { try SourcesAPI.rejected($0, key: key) })]
            )
        case ["rehearse"]:
            return APIRoute(
                template: "/v1/sources/{key}/rehearse",
                parameters: [("key", key)],
                handlers: [("POST", { try SourcesAPI.rehearse($0, key: key) })]
            )
        case let tail where tail.count == 2 && tail[0] == "logs":
            let id = tail[1]
            return APIRoute(
                template: "/v1/sources/{key}/logs/{id}",
                parameters: [("key", key), ("id", id)],
                handlers: [("GET", { try SourcesAPI.log($0, key: key, id: id) })]
            )
        case let tail where tail.count == 3 && tail[0] == "logs" && tail[2] == "replay":
            let id = tail[1]
            return APIRoute(
                template: "/v1/sources/{key}/logs/{id}/replay",
                parameters: [("key", key), ("id", id)],
                handlers: [("POST", { try SourcesAPI.replay($0, key: key, id: id) })]
            )
        default:
            return nil
        }
    }
}
