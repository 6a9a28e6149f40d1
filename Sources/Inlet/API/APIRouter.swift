/// Inlet's Knock-like REST API under `/v1` (SPEC 7): routing, authentication, error mapping and
/// the execution of writes, in one place; resources are handled by `UsersAPI`, `ObjectsAPI`, ...
///
/// Reads answer synchronously from a committed snapshot; writes go through the store's writer
/// (`StoreTransaction.apply`, the same Knock semantics webhooks use) and answer after the
/// durable commit. `respond` is called exactly once per request.
public final class APIRouter: HTTPResponder {
    /// The first path segment of every API route.
    public static let prefix = "v1"

    private let store: Store
    private let backend: any APIBackend
    private let logger: Logger

    /// A router over `store`, asking `backend` for keys, sources and workflows.
    /// - Parameters:
    ///   - store: the store every route reads and writes.
    ///   - backend: the live configuration's view (see `APIBackend`).
    ///   - logger: for server-side failures (logged with the request id).
    public init(store: Store, backend: any APIBackend, logger: Logger) {
        self.store = store
        self.backend = backend
        self.logger = logger
    }

    /// Whether `path` (without query) is under the API's prefix, i.e. is for this router.
    public static func isAPIPath(_ path: String) -> Bool {
        path == "/" + APIRouter.prefix || path.hasPrefix("/" + APIRouter.prefix + "/")
    }

    /// The route template of `path`, e.g. `/v1/users/{id}` for `/v1/users/u%201`, or `nil` when no
    /// API route matches: a low-cardinality label for request metrics (never the raw path).
    public static func routeTemplate(forPath path: String) -> String? {
        guard let segments = try? APIPath.segments(path), segments.first == APIRouter.prefix else {
            return nil
        }
        return APIRoute.match(Array(segments.dropFirst()))?.template
    }

    /// Answers `request` (a path under `/v1`; any other path is `404 not_found`).
    public func handle(_ request: HTTPRequest, respond: @escaping @Sendable (HTTPResponse) -> Void) {
        let reply: APIReply
        do {
            reply = try self.dispatch(request)
        } catch {
            respond(self.response(for: error, request: request))
            return
        }

        switch reply {
        case .response(let response):
            respond(response)
        case .write(let write):
            self.store.write({ transaction in
                let now = StoreTime.nowMs()
                var outcomes: [ActionOutcome] = []
                for action in write.actions {
                    outcomes.append(
                        try transaction.apply(
                            action,
                            environment: write.environment,
                            sourceTimestampMs: now,
                            nowMs: now
                        )
                    )
                }
                return try write.render(outcomes, transaction.reader)
            }) { result in
                switch result {
                case .success(let response):
                    respond(response)
                case .failure(let error):
                    respond(self.response(for: error, request: request))
                }
            }
        case .pending(let start):
            start { result in
                switch result {
                case .success(let response):
                    respond(response)
                case .failure(let error):
                    respond(self.response(for: error, request: request))
                }
            }
        }
    }

    /// Routes, authenticates and runs the handler; throws `APIError` or `StoreError`.
    private func dispatch(_ request: HTTPRequest) throws -> APIReply {
        let segments = try APIPath.segments(request.path)
        guard segments.first == APIRouter.prefix,
            let route = APIRoute.match(Array(segments.dropFirst()))
        else {
            throw APIError.routeNotFound
        }
        guard let handler = route.handler(for: request.method) else {
            throw APIError.methodNotAllowed(request.method, allowed: route.allowedMethods)
        }

        let environment = try self.authenticate(request)
        try route.checkParameters()
        let call = APICall(
            request: request,
            environment: environment,
            query: try APIQuery(request.query),
            store: self.store,
            backend: self.backend
        )
        return try handler(call)
    }

    /// The environment of the request's `Authorization: Bearer <key>`.
    /// - Throws: `401 api_key_missing` without a bearer key; `401 invalid_api_key` for a key no
    ///   environment has, or for several `Authorization` headers.
    private func authenticate(_ request: HTTPRequest) throws(APIError) -> String {
        let values = request.headers.values(for: "Authorization")
        guard let header = values.first else {
            throw .apiKeyMissing
        }
        guard values.count == 1 else {
            throw .invalidAPIKey
        }

        let trimmed = APIRouter.trimBlanks(Substring(header))
        guard let space = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }),
            trimmed[..<space].lowercased() == "bearer"
        else {
            throw .apiKeyMissing
        }
        let key = String(APIRouter.trimBlanks(trimmed[space...]))
        guard !key.isEmpty else {
            throw .apiKeyMissing
        }
        guard let environment = self.backend.environment(forAPIKey: key) else {
            throw .invalidAPIKey
        }
        return environment
    }

    /// `text` without leading and trailing spaces and tabs.
    private static func trimBlanks(_ text: Substring) -> Substring {
        var slice = text
        while let first = slice.first, first == " " || first == "\t" {
            slice = slice.dropFirst()
        }
        while let last = slice.last, last == " " || last == "\t" {
            slice = slice.dropLast()
        }
        return slice
    }

    /// The answer for a failure: `APIError` as is, `StoreError` mapped (and logged when it is the
    /// server's fault), anything else a generic `500` (logged).
    private func response(for error: any Error, request: HTTPRequest) -> HTTPResponse {
        let apiError: APIError
        switch error {
        case let error as APIError:
            apiError = error
        case let error as StoreError:
            apiError = .store(error, requestID: request.requestID)
            if apiError.isServerError {
                self.logger.error(
                    "api store failure",
                    [("request_id", request.requestID), ("method", request.method), ("error", error.description)]
                )
            }
        default:
            apiError = APIError(
                status: 500,
                code: "internal_error",
                message: "The request failed. Request id \(request.requestID)."
            )
            self.logger.error(
                "api failure",
                [("request_id", request.requestID), ("method", request.method), ("error", String(describing: error))]
            )
        }
        return apiError.response
    }
}
