/// A JSON object that remembers the order its keys were first set in.
///
/// Members live in one array in insertion order. Webhook objects are small, and comparing short
/// keys is cheaper than hashing them, so lookups scan the array; an object that grows past
/// `indexThreshold` members also keeps a hash index. Equality ignores order, as JSON does.
/// Keys are compared by their UTF-8 bytes, as JSON compares member names: `"\u{E9}"` and
/// `"e\u{301}"` are two keys, although Swift's `String ==` calls them equal.
public struct JSONObject: Sendable, Equatable, Sequence {
    /// One member: a key and its value.
    public typealias Member = (key: String, value: JSON)

    /// Above this many members, lookups go through a hash index.
    static let indexThreshold = 24

    private var members: [Member] = []
    private var index: [Key: Int]?

    /// An empty object.
    public init() {}

    /// An object with these members in this order; a repeated key keeps its last value.
    public init(_ members: [(String, JSON)]) {
        self.members.reserveCapacity(members.count)
        for (key, value) in members {
            self[key] = value
        }
    }

    /// An object of `members`, whose keys the caller guarantees are distinct (a parser that
    /// already refused duplicates).
    init(distinctMembers members: [Member]) {
        self.members = members
        self.rebuildIndexIfLarge()
    }

    /// The keys in insertion order.
    public var keys: [String] {
        self.members.map(\.key)
    }

    /// The number of members.
    public var count: Int {
        self.members.count
    }

    /// Whether the object has no members.
    public var isEmpty: Bool {
        self.members.isEmpty
    }

    /// Reserves room for `count` members (a parser that knows roughly how many will come).
    public mutating func reserveCapacity(_ count: Int) {
        self.members.reserveCapacity(count)
    }

    /// The value for `key`; setting `nil` removes the member (a JSON `null` is `.null`, not `nil`).
    public subscript(key: String) -> JSON? {
        get {
            self.position(of: key).map { self.members[$0].value }
        }
        set {
            if let newValue {
                if let position = self.position(of: key) {
                    self.members[position].value = newValue
                } else {
                    self.append(key, newValue)
                }
            } else if let position = self.position(of: key) {
                self.members.remove(at: position)
                self.index = nil
                self.rebuildIndexIfLarge()
            }
        }
    }

    /// Adds `key` with `value` when the object has no member `key`; returns `false` (and changes
    /// nothing) when it already has one. One lookup, for parsers that refuse duplicate keys.
    @discardableResult
    public mutating func insertNew(_ key: String, _ value: JSON) -> Bool {
        guard self.position(of: key) == nil else {
            return false
        }
        self.append(key, value)
        return true
    }

    /// Whether the object has a member named `key` (even one holding `null`).
    public func contains(_ key: String) -> Bool {
        self.position(of: key) != nil
    }

    /// Iterates the members in insertion order.
    public func makeIterator() -> IndexingIterator<[Member]> {
        self.members.makeIterator()
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
        guard lhs.members.count == rhs.members.count else {
            return false
        }
        for (offset, member) in lhs.members.enumerated() {
            // Same order is the common case: check the same position first.
            if JSONObject.sameKey(rhs.members[offset].key, member.key) {
                guard rhs.members[offset].value == member.value else { return false }
                continue
            }
            guard let value = rhs[member.key], value == member.value else {
                return false
            }
        }
        return true
    }

    // MARK: - Private

    private func position(of key: String) -> Int? {
        if let index = self.index {
            return index[Key(key)]
        }
        return self.members.firstIndex { JSONObject.sameKey($0.key, key) }
    }

    /// Whether two member names have the same UTF-8 bytes.
    ///
    /// Lengths first (one load each for native strings), so most different keys cost no more;
    /// then the bytes, compared in place. `String ==` is not used: it is a call into the
    /// runtime for every pair that differs, and it calls canonically equivalent texts equal.
    @inline(__always)
    static func sameKey(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.utf8
        let right = rhs.utf8
        guard left.count == right.count else {
            return false
        }
        let compared = left.withContiguousStorageIfAvailable { leftBytes in
            right.withContiguousStorageIfAvailable { rightBytes in
                leftBytes.elementsEqual(rightBytes)
            }
        }
        return (compared ?? nil) ?? left.elementsEqual(right)
    }

    private mutating func append(_ key: String, _ value: JSON) {
        self.members.append((key, value))
        if self.index != nil {
            self.index?[Key(key)] = self.members.count - 1
        } else {
            self.rebuildIndexIfLarge()
        }
    }

    private mutating func rebuildIndexIfLarge() {
        guard self.index == nil, self.members.count > JSONObject.indexThreshold else {
            return
        }
        var index: [Key: Int] = [:]
        index.reserveCapacity(self.members.count * 2)
        for (offset, member) in self.members.enumerated() {
            index[Key(member.key)] = offset
        }
        self.index = index
    }
}

extension JSONObject {
    /// A member name that is equal to another only when their UTF-8 bytes are.
    struct Key: Hashable, Sendable {
        let text: String

        /// The key `text`.
        init(_ text: String) {
            self.text = text
        }

        /// Equal when the UTF-8 bytes are.
        static func == (lhs: Key, rhs: Key) -> Bool {
            lhs.text.utf8.elementsEqual(rhs.text.utf8)
        }

        /// Hashes the UTF-8 bytes.
        func hash(into hasher: inout Hasher) {
            var text = self.text
            text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }
}
