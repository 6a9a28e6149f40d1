/// One authenticated API request as handlers see it: the request, the key's environment, the
/// parsed query, and access to the store and the backend.
struct APICall: Sendable {
    /// The request.
    let request: HTTPRequest

    /// The environment the API key selects; every read and write is scoped by it.
    let environment: String

    /// The parsed query string.
    let query: APIQuery

    /// The store.
    let store: Store

    /// The rest of the server.
    let backend: any APIBackend

    /// Reads a committed snapshot of the store.
    func read<T: Sendable>(_ body: (StoreReader) throws(StoreError) -> T) throws(StoreError) -> T {
        try self.store.read { reader in try body(reader) }
    }

    /// The body as a JSON object (`{}` when empty).
    func body() throws(APIError) -> JSONObject {
        try APIFields.body(self.request.body)
    }

    /// The paging parameters of the query.
    func page() throws(APIError) -> PageRequest {
        try self.query.pageRequest()
    }

    /// A write of `actions` in this environment, answered by `render`.
    func write(
        _ actions: [StoreAction],
        render: @escaping @Sendable ([ActionOutcome], StoreReader) throws(StoreError) -> HTTPResponse
    ) -> APIReply {
        .write(APIWrite(environment: self.environment, actions: actions, render: render))
    }
}
