/// The writer's memory of `action_parameters`: the id of each mapping's parameter JSON, so that an
/// action log refers to its mapping's parameters (stored once) without a query per event.
///
/// Ids learned inside the open transaction are tentative: any rollback (a savepoint's or the
/// batch's) forgets them, since the row they name may be gone; a commit makes them known. Known
/// ids stay valid because `action_parameters` rows are never deleted.
// @unchecked: used only by the writer while it holds the writer connection's slot (that mutex orders all use).
final class ActionParameterIDs: @unchecked Sendable {
    /// Parameter JSON text as a dictionary key: hashed as one block of bytes.
    private struct Key: Hashable {
        let bytes: [UInt8]

        func hash(into hasher: inout Hasher) {
            self.bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// The most ids remembered (a mapping's parameters change only with the configuration).
    static let maxKnown = 4_096

    private var known: [Key: Int64] = [:]
    private var tentative: [Key: Int64] = [:]

    private static let find = SQLText("SELECT id FROM action_parameters WHERE json = ?")
    private static let insert = SQLText("INSERT INTO action_parameters (json) VALUES (?)")

    /// An empty memory (ids are looked up in the store on first use).
    init() {}

    /// The id of the `action_parameters` row holding `json`, inserting the row when missing.
    /// Must run inside the writer's open transaction.
    func id(of json: [UInt8], in database: SQLiteDatabase) throws(StoreError) -> Int64 {
        let key = Key(bytes: json)
        if let id = self.known[key] ?? self.tentative[key] {
            return id
        }
        let id: Int64
        if let found = try database.queryFirst(ActionParameterIDs.find, [.utf8(json)], row: { $0.int64(0) }) {
            id = found
        } else {
            try database.run(ActionParameterIDs.insert, [.utf8(json)])
            id = database.lastInsertRowID
        }
        self.tentative[key] = id
        return id
    }

    /// Forgets the ids learned since the last commit (something was rolled back).
    func rolledBack() {
        if !self.tentative.isEmpty {
            self.tentative.removeAll()
        }
    }

    /// Keeps the ids learned in the transaction just committed.
    func committed() {
        guard !self.tentative.isEmpty else {
            return
        }
        if self.known.count >= ActionParameterIDs.maxKnown {
            // Many configurations over a long life: start over rather than grow without bound.
            self.known.removeAll()
        }
        self.known.merge(self.tentative) { _, new in new }
        self.tentative.removeAll()
    }
}
