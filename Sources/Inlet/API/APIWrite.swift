/// A write of the API: store actions applied in one job of the store's writer, with the clock as
/// source timestamp (SPEC 6), and how to render the answer from their outcomes.
///
/// The router runs `actions` in order through `StoreTransaction.apply`, the same code webhooks
/// use, then calls `render` with the outcomes and the transaction's reader (which sees the
/// changes just made). A `StoreError` thrown by an action or by `render` rolls back the whole
/// write and is answered by the router.
struct APIWrite: Sendable {
    /// The environment written to (the API key's).
    var environment: String

    /// The actions, in order.
    var actions: [StoreAction]

    /// The answer, from one outcome per action and the writer's reader.
    var render: @Sendable ([ActionOutcome], StoreReader) throws(StoreError) -> HTTPResponse

    /// The answer when every outcome is applied, else `409` (the write was stale).
    static func unlessStale<Failure: Error>(
        _ outcomes: [ActionOutcome],
        _ answer: () throws(Failure) -> HTTPResponse
    ) throws(Failure) -> HTTPResponse {
        for outcome in outcomes {
            if case .skipped = outcome {
                return APIError.staleWrite.response
            }
        }
        return try answer()
    }

    /// `204 No Content` unless stale.
    static func noContent(_ outcomes: [ActionOutcome]) -> HTTPResponse {
        APIWrite.unlessStale(outcomes) { HTTPResponse(status: 204) }
    }

    /// `200` with the entity read back after the write, unless stale (`404` if it is gone).
    static func entity(
        _ outcomes: [ActionOutcome],
        what: String,
        read: () throws(StoreError) -> JSON?
    ) throws(StoreError) -> HTTPResponse {
        try APIWrite.unlessStale(outcomes) { () throws(StoreError) -> HTTPResponse in
            guard let entity = try read() else {
                return APIError.resourceMissing(what).response
            }
            return .json(200, entity)
        }
    }

    /// The `result` of an applied outcome, or `nil`.
    static func result(_ outcome: ActionOutcome?) -> JSON? {
        if case .ok(let result)? = outcome {
            return result
        }
        return nil
    }
}
