/// The header fields of a request or response, in order, with case-insensitive lookup.
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    /// The fields in the order they were received or added; names keep their original case.
    public private(set) var fields: [(name: String, value: String)] = []

    /// No fields.
    public init() {}

    /// These fields, in order.
    public init(_ fields: [(String, String)]) {
        for (name, value) in fields {
            self.add(name: name, value: value)
        }
    }

    /// Appends a field (a repeated name keeps every value).
    public mutating func add(name: String, value: String) {
        self.fields.append((name: name, value: value))
    }

    /// Replaces every field named `name` with one holding `value`.
    public mutating func replaceOrAdd(name: String, value: String) {
        self.remove(name: name)
        self.add(name: name, value: value)
    }

    /// Removes every field named `name`.
    public mutating func remove(name: String) {
        self.fields.removeAll { $0.name.lowercased() == name.lowercased() }
    }

    /// Every value of the fields named `name` (case-insensitive), in order.
    public func values(for name: String) -> [String] {
        let wanted = name.lowercased()
        return self.fields.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// The first value of the field named `name` (case-insensitive).
    public subscript(name: String) -> String? {
        let wanted = name.lowercased()
        return self.fields.first { $0.name.lowercased() == wanted }?.value
    }

    /// Iterates the fields in order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        self.fields.makeIterator()
    }

    /// Equal when both hold the same fields in the same order.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}
