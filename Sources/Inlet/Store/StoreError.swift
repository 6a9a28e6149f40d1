/// A failure of the embedded store, safe to log and to show to an operator.
///
/// Carries the SQLite result code when SQLite reported the failure (`code`, 0 otherwise) and a
/// message that names what was being done (the path, the statement's purpose). No C type leaks.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; callers map kinds to HTTP answers or start-up errors.
    public enum Kind: String, Sendable, Equatable {
        /// SQLite refused an operation (I/O error, disk full, constraint, busy, ...).
        case sqlite
        /// The data directory or file cannot be created or opened.
        case cannotOpen
        /// The file exists but is not a SQLite database, or not an Inlet store.
        case notADatabase
        /// The store was written by a newer Inlet whose schema this build does not know.
        case schemaTooNew
        /// A value given to the store is not acceptable (an id of 0 or more than 256 characters,
        /// a bad page cursor, a page size outside 1-50, an object recipient for an audience).
        case invalidArgument
        /// The store was closed; nothing more can be written or read.
        case closed
        /// Stored data could not be decoded (should never happen; indicates corruption).
        case corrupt
        /// A write closure threw an error that is not a `StoreError`.
        case other
    }

    /// What kind of failure this is.
    public let kind: Kind

    /// The SQLite result code (extended when available), or 0 when SQLite was not involved.
    public let code: Int32

    /// A human-readable explanation.
    public let message: String

    /// An error of `kind` with `message` and an optional SQLite code.
    public init(_ kind: Kind, _ message: String, code: Int32 = 0) {
        self.kind = kind
        self.message = message
        self.code = code
    }

    /// An invalid-argument error with `message`.
    public static func invalidArgument(_ message: String) -> StoreError {
        StoreError(.invalidArgument, message)
    }

    /// `kind: message (SQLite code N)`.
    public var description: String {
        if self.code != 0 {
            return "\(self.kind.rawValue): \(self.message) (SQLite code \(self.code))"
        }
        return "\(self.kind.rawValue): \(self.message)"
    }

    /// `error` as a `StoreError`, wrapping any other error as `.other`.
    static func wrapping(_ error: any Error) -> StoreError {
        if let storeError = error as? StoreError {
            return storeError
        }
        return StoreError(.other, String(describing: error))
    }
}
