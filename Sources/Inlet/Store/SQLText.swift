/// The text of a statement run often, with an identity: a connection finds its prepared statement
/// for it by that identity (one pointer hashed), where a `String` key would hash the whole text on
/// every run.
///
/// Declare each one once (`static let`); a connection's cache keeps the instances it has seen
/// alive, so an identity is never reused for another text while cached.
final class SQLText: Sendable {
    /// The SQL.
    let sql: String

    /// SQL text `sql`, to be declared once and reused.
    init(_ sql: String) {
        self.sql = sql
    }
}
