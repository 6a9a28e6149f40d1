/// A JSON object that remembers the order its keys were first set in.
///
/// Lookups are by hash; iteration follows insertion order. Equality ignores order, as JSON does.
/// Keys are compared by their UTF-8 bytes, as JSON compares member names: `"\u{E9}"` and
/// `"e\u{301}"` are two keys, although Swift's `String ==` calls them equal.
public struct JSONObject: Sendable, Equatable, Sequence {
    private var orderedKeys: [String] = []
    private var storage: [Key: JSON] = [:]

    /// An empty object.
    public init() {}

    /// An object with these members in this order; a repeated key keeps its last value.
    public init(_ members: [(String, JSON)]) {
        for (key, value) in members {
            self[key] = value
        }
    }

    /// The keys in insertion order.
    public var keys: [String] {
        self.orderedKeys
    }

    /// The number of members.
    public var count: Int {
        self.orderedKeys.count
    }

    /// Whether the object has no members.
    public var isEmpty: Bool {
        self.orderedKeys.isEmpty
    }

    /// The value for `key`; setting `nil` removes the member (a JSON `null` is `.null`, not `nil`).
    public subscript(key: String) -> JSON? {
        get { self.storage[Key(key)] }
        set {
            if let newValue {
                if self.storage.updateValue(newValue, forKey: Key(key)) == nil {
                    self.orderedKeys.append(key)
                }
            } else if self.storage.removeValue(forKey: Key(key)) != nil {
                self.orderedKeys.removeAll { Key($0) == Key(key) }
            }
        }
    }

    /// Whether the object has a member named `key` (even one holding `null`).
    public func contains(_ key: String) -> Bool {
        self.storage[Key(key)] != nil
    }

    /// Iterates the members in insertion order.
    public func makeIterator() -> AnyIterator<(key: String, value: JSON)> {
        var index = 0
        return AnyIterator {
            guard index < self.orderedKeys.count else { return nil }
            let key = self.orderedKeys[index]
            index += 1
            guard let value = self.storage[Key(key)] else { return nil }
            return (key: key, value: value)
        }
    }

    /// This object with `other` deep-merged into it.
    ///
    /// Members of `other` win; where both hold objects the merge recurses; an explicit `null` in
    /// `other` is stored as `null` (it does not remove the key, as in Knock).
    public func merging(_ other: JSONObject) -> JSONObject {
        var result = self
        for (key, value) in other {
            if case .object(let incoming) = value, case .object(let existing)? = result[key] {
                result[key] = .object(existing.merging(incoming))
            } else {
                result[key] = value
            }
        }
        return result
    }

    /// Equal when both have the same keys with equal values, whatever the order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.storage == rhs.storage
    }
}

extension JSONObject {
    /// A member name that is equal to another only when their UTF-8 bytes are.
    private struct Key: Hashable, Sendable {
        let text: String

        init(_ text: String) {
            self.text = text
        }

        static func == (lhs: Key, rhs: Key) -> Bool {
            lhs.text.utf8.elementsEqual(rhs.text.utf8)
        }

        func hash(into hasher: inout Hasher) {
            var text = self.text
            text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }
}
