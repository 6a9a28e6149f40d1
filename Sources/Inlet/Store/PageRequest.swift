import Foundation

/// Which page of a list to read: Knock's `page_size`, `after` and `before` query parameters.
///
/// Cursors are opaque strings made by the store from an immutable, monotonic insertion sequence,
/// so paging while rows are inserted neither skips nor repeats rows that already existed.
public struct PageRequest: Sendable, Equatable {
    /// The largest page size Knock allows.
    public static let maxPageSize = 50

    /// Entries per page, 1 to 50.
    public var pageSize: Int

    /// Return entries after this cursor (the `after` of a previous page).
    public var after: String?

    /// Return entries before this cursor (the `before` of a previous page).
    public var before: String?

    /// A request; an out-of-range `pageSize` or a malformed cursor fails when the page is read
    /// (`StoreError.Kind.invalidArgument`), or earlier through `validated()`.
    public init(pageSize: Int = PageRequest.maxPageSize, after: String? = nil, before: String? = nil) {
        self.pageSize = pageSize
        self.after = after
        self.before = before
    }

    /// Checks the page size and cursors, so an API can answer 400/422 before touching the store.
    public func validated() throws(StoreError) -> PageRequest {
        _ = try self.bounds()
        return self
    }

    /// The decoded sequence bounds: `(after, before)`.
    func bounds() throws(StoreError) -> (after: Int64?, before: Int64?) {
        guard (1...PageRequest.maxPageSize).contains(self.pageSize) else {
            throw .invalidArgument("page_size must be between 1 and \(PageRequest.maxPageSize)")
        }
        let after = try self.after.map { (cursor: String) throws(StoreError) -> Int64 in
            try PageRequest.decode(cursor, name: "after")
        }
        let before = try self.before.map { (cursor: String) throws(StoreError) -> Int64 in
            try PageRequest.decode(cursor, name: "before")
        }
        return (after, before)
    }

    /// The opaque cursor for a sequence number.
    static func encode(_ sequence: Int64) -> String {
        let encoded = Data("c\(sequence)".utf8).base64EncodedString()
        return
            encoded
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The sequence number inside a cursor, or an invalid-argument error naming the parameter.
    static func decode(_ cursor: String, name: String) throws(StoreError) -> Int64 {
        var base64 =
            cursor
            .replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 {
            base64 += "="
        }
        guard cursor.utf8.count <= 32,
            let data = Data(base64Encoded: base64),
            let text = String(data: data, encoding: .utf8),
            text.hasPrefix("c"),
            let sequence = Int64(text.dropFirst()),
            sequence >= 0
        else {
            throw .invalidArgument("\(name) is not a valid page cursor")
        }
        return sequence
    }
}
