/// A client-facing failure of an API request, rendered in Knock's error shape.
///
/// Every error the API answers is one of these: handlers throw them for bad input, and store
/// failures are turned into one by `store(_:requestID:)`. The body is `{"code", "message",
/// "status", "type"}` plus `"errors": [{"field", "message", "type"}]` for validation errors.
public struct APIError: Error, Sendable, Equatable {
    /// The HTTP status.
    public var status: Int

    /// Knock's machine-readable code, e.g. `invalid_params`.
    public var code: String

    /// What went wrong, for people; never holds secrets or stored data of another environment.
    public var message: String

    /// Knock's error type, e.g. `invalid_request_error`.
    public var type: String

    /// The fields at fault, for validation errors.
    public var fieldErrors: [APIFieldError]

    /// Extra response headers (`Allow` on 405, `WWW-Authenticate` on 401).
    public var headers: [(String, String)]

    /// An error with these parts.
    public init(
        status: Int,
        code: String,
        message: String,
        type: String? = nil,
        fieldErrors: [APIFieldError] = [],
        headers: [(String, String)] = []
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.type = type ?? (status >= 500 ? "api_error" : "invalid_request_error")
        self.fieldErrors = fieldErrors
        self.headers = headers
    }

    /// The response: Knock's error body (through `HTTPResponse.error`), the `errors` array when
    /// there are field errors, and the extra headers.
    public var response: HTTPResponse {
        var response = HTTPResponse.error(self.status, code: self.code, message: self.message, type: self.type)
        if !self.fieldErrors.isEmpty, case .object(var body)? = try? JSONParser().parse(response.body) {
            body["errors"] = .array(self.fieldErrors.map(\.json))
            response.body = JSON.object(body).serializedBytes()
        }
        for (name, value) in self.headers {
            response.headers.add(name: name, value: value)
        }
        return response
    }

    /// Whether this is the server's fault (5xx), to be logged.
    public var isServerError: Bool {
        self.status >= 500
    }

    /// Equal when status, code, message, type and field errors are equal (headers ignored).
    public static func == (lhs: APIError, rhs: APIError) -> Bool {
        lhs.status == rhs.status && lhs.code == rhs.code && lhs.message == rhs.message && lhs.type == rhs.type
            && lhs.fieldErrors == rhs.fieldErrors
    }
}

extension APIError {
    /// `401 api_key_missing`: no `Authorization: Bearer <key>` header.
    public static let apiKeyMissing = APIError(
        status: 401,
        code: "api_key_missing",
        message: "No API key was sent: use the header `Authorization: Bearer <api key>`.",
        type: "authentication_error",
        headers: [("WWW-Authenticate", "Bearer")]
    )

    /// `401 invalid_api_key`: the key is not one of any environment.
    public static let invalidAPIKey = APIError(
        status: 401,
        code: "invalid_api_key",
        message: "The API key is not valid.",
        type: "authentication_error",
        headers: [("WWW-Authenticate", "Bearer error=\"invalid_token\"")]
    )

    /// `404 not_found`: no API route has this path.
    public static let routeNotFound = APIError(
        status: 404,
        code: "not_found",
        message: "There is no API route at this path."
    )

    /// `405 method_not_allowed`, with `Allow` listing the route's methods.
    public static func methodNotAllowed(_ method: String, allowed: [String]) -> APIError {
        APIError(
            status: 405,
            code: "method_not_allowed",
            message: "This route does not accept \(method); it accepts \(allowed.joined(separator: ", ")).",
            headers: [("Allow", allowed.joined(separator: ", "))]
        )
    }

    /// `404 resource_missing`: the entity does not exist in the key's environment.
    public static func resourceMissing(_ what: String) -> APIError {
        APIError(status: 404, code: "resource_missing", message: "The \(what) was not found.")
    }

    /// `404 workflow_missing`: the workflow key is not configured.
    public static func workflowMissing(_ key: String) -> APIError {
        APIError(status: 404, code: "workflow_missing", message: "No workflow with key \"\(key)\" is configured.")
    }

    /// `400 invalid_json`: the body is not a JSON object.
    public static func invalidJSON(_ reason: String) -> APIError {
        APIError(status: 400, code: "invalid_json", message: "The body is not a valid JSON object: \(reason).")
    }

    /// `400 invalid_path`: a path segment has a malformed percent escape or is not UTF-8.
    public static func invalidPath(_ reason: String) -> APIError {
        APIError(status: 400, code: "invalid_path", message: "The request path is malformed: \(reason).")
    }

    /// `400 invalid_query`: the query string is malformed or repeats a parameter.
    public static func invalidQuery(_ reason: String) -> APIError {
        APIError(status: 400, code: "invalid_query", message: "The query string is malformed: \(reason).")
    }

    /// `400 invalid_cursor`: an `after` or `before` value that no page gave out.
    public static func invalidCursor(_ name: String) -> APIError {
        APIError(
            status: 400,
            code: "invalid_cursor",
            message: "The \(name) cursor is not valid; use a value from a previous page_info.",
            fieldErrors: [APIFieldError(field: name, message: "not a page cursor", type: "invalid_value")]
        )
    }

    /// `422 invalid_params` naming one field.
    public static func invalidParams(field: String, message: String, type: String) -> APIError {
        APIError(
            status: 422,
            code: "invalid_params",
            message: "\(field): \(message)",
            fieldErrors: [APIFieldError(field: field, message: message, type: type)]
        )
    }

    /// `409 conflict`: the write was older than the entity's state (a webhook carried a newer
    /// source timestamp than the clock), so nothing was changed.
    public static let staleWrite = APIError(
        status: 409,
        code: "conflict",
        message: "A newer change to this entity was already applied (by source timestamp); nothing was changed."
    )

    /// The answer for a store failure: `.invalidArgument` is the client's (422); a closed or
    /// busy store is `503`; anything else `500`. Messages are generic and carry the request id;
    /// the caller logs the detail.
    public static func store(_ error: StoreError, requestID: String) -> APIError {
        switch error.kind {
        case .invalidArgument:
            return APIError(status: 422, code: "invalid_params", message: error.message)
        case .closed:
            return APIError(
                status: 503,
                code: "service_unavailable",
                message: "The store is not available (shutting down); retry later. Request id \(requestID)."
            )
        case .sqlite where [5, 6].contains(error.code & 0xFF):
            // SQLITE_BUSY and SQLITE_LOCKED: transient.
            return APIError(
                status: 503,
                code: "service_unavailable",
                message: "The store is busy; retry later. Request id \(requestID)."
            )
        default:
            return APIError(
                status: 500,
                code: "internal_error",
                message: "The store failed to answer. Request id \(requestID)."
            )
        }
    }
}
