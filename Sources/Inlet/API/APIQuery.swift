/// The parsed query string of an API request, and the one place that reads paging parameters.
struct APIQuery: Sendable {
    /// The decoded `name=value` pairs in order (a name without `=` has an empty value).
    let pairs: [(name: String, value: String)]

    /// Parses `raw` (the text after `?`): pairs split at `&`, names and values percent-decoded
    /// with `+` as a space; empty pieces are skipped.
    /// - Throws: `400 invalid_query` for a malformed escape or a control character.
    init(_ raw: String) throws(APIError) {
        var pairs: [(name: String, value: String)] = []
        for piece in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = APIPath.percentDecode(parts[0], plusAsSpace: true),
                let value = parts.count > 1 ? APIPath.percentDecode(parts[1], plusAsSpace: true) : ""
            else {
                throw .invalidQuery("a parameter holds a malformed percent escape or a control character")
            }
            pairs.append((name: name, value: value))
        }
        self.pairs = pairs
    }

    /// Every value given for `name`, in order.
    func values(_ name: String) -> [String] {
        self.pairs.filter { $0.name == name }.map(\.value)
    }

    /// The value of a single-valued parameter, or `nil` when absent.
    /// - Throws: `400 invalid_query` when `name` is given more than once.
    func value(_ name: String) throws(APIError) -> String? {
        let values = self.values(name)
        guard values.count <= 1 else {
            throw .invalidQuery("\(name) is given more than once")
        }
        return values.first
    }

    /// The paging request from `page_size` (1-50, default 50), `after` and `before` (an empty
    /// cursor counts as absent).
    /// - Throws: `422 invalid_params` for a `page_size` that is not an integer from 1 to 50,
    ///   `400 invalid_cursor` for a cursor that no page gave out.
    func pageRequest() throws(APIError) -> PageRequest {
        var pageSize = PageRequest.maxPageSize
        if let text = try self.value("page_size") {
            guard !text.isEmpty, text.utf8.count <= 4, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let value = Int(text), (1...PageRequest.maxPageSize).contains(value)
            else {
                throw .invalidParams(
                    field: "page_size",
                    message: "must be an integer from 1 to \(PageRequest.maxPageSize)",
                    type: "invalid_value"
                )
            }
            pageSize = value
        }

        let after = try self.value("after").flatMap { $0.isEmpty ? nil : $0 }
        let before = try self.value("before").flatMap { $0.isEmpty ? nil : $0 }
        do {
            _ = try PageRequest(pageSize: pageSize, after: after).validated()
        } catch {
            throw .invalidCursor("after")
        }
        do {
            _ = try PageRequest(pageSize: pageSize, before: before).validated()
        } catch {
            throw .invalidCursor("before")
        }
        return PageRequest(pageSize: pageSize, after: after, before: before)
    }
}
