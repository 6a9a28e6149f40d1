/// What an API handler decided to answer: a response now, a store write to run (the router runs
/// it and answers after the commit), or a pending answer (a replay).
///
/// Handlers return one of these and never call `respond` themselves, so the router can promise
/// that `respond` runs exactly once.
enum APIReply: Sendable {
    /// Answer this now.
    case response(HTTPResponse)

    /// Run this write, then answer what it renders.
    case write(APIWrite)

    /// Call the function with a completion; the router answers when it is called (the store's
    /// error is mapped and logged by the router).
    case pending(@Sendable (_ finish: @escaping @Sendable (Result<HTTPResponse, StoreError>) -> Void) -> Void)

    /// A JSON answer.
    static func json(_ status: Int, _ value: JSON) -> APIReply {
        .response(.json(status, value))
    }
}
