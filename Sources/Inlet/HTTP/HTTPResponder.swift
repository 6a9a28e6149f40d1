/// Produces the response for a complete request; the HTTP server calls it once per request.
///
/// The responder may answer later (a webhook waits for its store commit) by calling `respond`
/// from any thread, exactly once. Responses leave in request order whatever order they finish in.
public protocol HTTPResponder: Sendable {
    /// Handles `request` and calls `respond` exactly once with the answer.
    func handle(_ request: HTTPRequest, respond: @escaping @Sendable (HTTPResponse) -> Void)
}
