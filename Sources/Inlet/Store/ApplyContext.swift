/// Applies one `StoreAction` on the writer's connection for one environment and timestamp.
struct ApplyContext {
    let database: SQLiteDatabase
    let environment: String
    let timestamp: Int64
    let now: Int64

    func apply(_ action: StoreAction) throws(StoreError) -> ActionOutcome {
        // TODO: implemented in the next commit.
        throw StoreError(.other, "not implemented yet")
    }
}
