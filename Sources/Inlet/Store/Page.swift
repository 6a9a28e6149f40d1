/// One page of a list, in Knock's shape once rendered with `json`.
public struct Page: Sendable, Equatable {
    /// The entries, already in their Knock JSON shape.
    public var entries: [JSON]

    /// The cursor of the next page, or `nil` on the last page.
    public var after: String?

    /// The cursor of the previous page, or `nil` on the first page.
    public var before: String?

    /// The page size that was asked for.
    public var pageSize: Int

    /// A page with these parts.
    public init(entries: [JSON], after: String?, before: String?, pageSize: Int) {
        self.entries = entries
        self.after = after
        self.before = before
        self.pageSize = pageSize
    }

    /// `{"entries": [...], "page_info": {"__typename": "PageInfo", "after", "before", "page_size"}}`.
    public var json: JSON {
        [
            "entries": .array(self.entries),
            "page_info": [
                "__typename": "PageInfo",
                "after": self.after.map { .string($0) } ?? .null,
                "before": self.before.map { .string($0) } ?? .null,
                "page_size": .integer(self.pageSize),
            ],
        ]
    }
}
