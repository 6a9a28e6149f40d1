/// Turns one mapping's resolved params into a `StoreAction`, or the reason it cannot run.
///
/// Rules (SPEC 5.2): a required param that is missing, null or mistyped skips the action with a
/// reason naming the param and where it was read; an optional param that is missing is left out,
/// and one that is null is kept as `null` where the store can hold it (user and object fields)
/// and otherwise left out. Ids are strings of 1 to 256 characters; numbers are never converted.
struct StoreActionBuilder {
    /// Why the mapping does not run.
    enum Failure: Error, Equatable {
        /// The data decided: the action is `skipped`.
        case skipped(String)
        /// Not the data's fault (e.g. an unknown workflow): the action is an `error`.
        case error(String)
    }

    /// The longest id, key or collection name accepted.
    static let maxIdentifierLength = 256

    /// The most recipients one param may list.
    static let maxRecipients = 1_000

    /// The user fields `users_identify` names, stored at the top level of the user.
    static let userFields = ["name", "email", "phone_number", "avatar", "locale", "timezone"]

    /// The mapping being built.
    let mapping: Mapping
    /// The workflows that exist now.
    let workflowKeys: Set<String>

    /// Each configured param's resolved value, in `mapping.params` order (a mapping has a few
    /// params: scanning them is cheaper than hashing names into a dictionary).
    let resolved: [ResolvedValue]

    /// The resolved values, missing ones left out, for the action log's `payload`.
    let payload: JSON

    /// Resolves every param of `mapping` in `envelope`.
    init(mapping: Mapping, workflowKeys: Set<String>, envelope: JSON) {
        self.mapping = mapping
        self.workflowKeys = workflowKeys
        var resolved: [ResolvedValue] = []
        resolved.reserveCapacity(mapping.params.count)
        var payload: [(String, JSON)] = []
        payload.reserveCapacity(mapping.params.count)
        for parameter in mapping.params {
            let value = parameter.value.resolve(in: envelope)
            resolved.append(value)
            if let json = value.json {
                payload.append((parameter.name, json))
            }
        }
        self.resolved = resolved
        self.payload = .object(JSONObject(payload))
    }

    /// The action, or why it does not run.
    func build() -> Result<StoreAction, Failure> {
        do throws(Failure) {
            return .success(try self.buildAction())
        } catch {
            return .failure(error)
        }
    }

    private func buildAction() throws(Failure) -> StoreAction {
        switch self.mapping.action {
        case .usersIdentify:
            return .identifyUser(id: try self.identifier("id"), properties: try self.userProperties())
        case .usersDelete:
            return .deleteUser(id: try self.identifier("id"))
        case .objectsSet:
            return .setObject(
                collection: try self.identifier("collection"),
                id: try self.identifier("id"),
                properties: try self.namedProperties()
            )
        case .objectsDelete:
            return .deleteObject(collection: try self.identifier("collection"), id: try self.identifier("id"))
        case .tenantsSet:
            return .setTenant(id: try self.identifier("id"), properties: try self.namedProperties())
        case .tenantsDelete:
            return .deleteTenant(id: try self.identifier("id"))
        case .objectsSubscribe:
            return .subscribe(
                collection: try self.identifier("collection"),
                id: try self.identifier("id"),
                recipients: try self.requiredRecipients(usersOnly: false),
                properties: try self.optionalObject("properties")
            )
        case .objectsUnsubscribe:
            return .unsubscribe(
                collection: try self.identifier("collection"),
                id: try self.identifier("id"),
                recipients: try self.requiredRecipients(usersOnly: false)
            )
        case .audiencesAddMember:
            return .addAudienceMembers(
                key: try self.identifier("key"),
                recipients: try self.requiredRecipients(usersOnly: true),
                tenant: try self.tenant()
            )
        case .audiencesRemoveMember:
            return .removeAudienceMembers(
                key: try self.identifier("key"),
                recipients: try self.requiredRecipients(usersOnly: true),
                tenant: try self.tenant()
            )
        case .workflowsTrigger:
            return .triggerWorkflow(
                key: try self.workflowKey(),
                recipients: try self.requiredRecipients(usersOnly: false),
                actor: try self.actor(),
                data: try self.workflowData(),
                tenant: try self.tenant(),
                cancellationKey: try self.optionalIdentifier("cancellation_key")
            )
        case .workflowsCancel:
            let recipients: [Recipient]? =
                switch self.value("recipients") {
                case .missing, .null: nil
                case .value(let value): try self.recipients(value, param: "recipients", usersOnly: false)
                }
            return .cancelWorkflow(
                key: try self.workflowKey(),
                cancellationKey: try self.identifier("cancellation_key"),
                recipients: recipients
            )
        }
    }

    // MARK: - Params

    private func value(_ name: String) -> ResolvedValue {
        // The last one wins, should a name be repeated (a config file cannot, a test could).
        guard let position = self.mapping.params.lastIndex(where: { JSONObject.sameKey($0.name, name) }) else {
            return .missing
        }
        return self.resolved[position]
    }

    /// Where a param was read, for reasons: its path or form as configured.
    private func source(_ name: String) -> String {
        self.mapping.param(name)?.description ?? "(not configured)"
    }

    /// A required value that is present and not null.
    private func required(_ name: String) throws(Failure) -> JSON {
        switch self.value(name) {
        case .missing:
            throw .skipped("required param \"\(name)\" is missing at \(self.source(name))")
        case .null:
            throw .skipped("required param \"\(name)\" is null at \(self.source(name))")
        case .value(let value):
            return value
        }
    }

    /// A required id-like string of 1 to 256 characters.
    private func identifier(_ name: String) throws(Failure) -> String {
        let value = try self.required(name)
        return try self.checkedIdentifier(value, what: "param \"\(name)\"", at: self.source(name))
    }

    /// An optional id-like string; missing or null give nil.
    private func optionalIdentifier(_ name: String) throws(Failure) -> String? {
        guard let value = self.value(name).value else { return nil }
        return try self.checkedIdentifier(value, what: "param \"\(name)\"", at: self.source(name))
    }

    private func checkedIdentifier(_ value: JSON, what: String, at source: String) throws(Failure) -> String {
        guard case .string(let text) = value else {
            throw .skipped("\(what) must be a string, found \(value.typeName) at \(source)")
        }
        // At most as many characters as UTF-8 bytes: count characters only for long texts.
        let maximum = StoreActionBuilder.maxIdentifierLength
        guard !text.isEmpty, text.utf8.count <= maximum || text.count <= maximum else {
            throw .skipped(
                "\(what) must be 1 to \(StoreActionBuilder.maxIdentifierLength) characters, "
                    + "found \(text.count) at \(source)"
            )
        }
        return text
    }

    /// An optional object; missing and null give nil.
    private func optionalObject(_ name: String) throws(Failure) -> JSONObject? {
        switch self.value(name) {
        case .missing, .null:
            return nil
        case .value(.object(let object)):
            return object
        case .value(let other):
            throw .skipped("param \"\(name)\" must be an object, found \(other.typeName) at \(self.source(name))")
        }
    }

    /// An optional string field stored as is, `null` included; nil when missing.
    private func optionalStringOrNull(_ name: String) throws(Failure) -> JSON? {
        switch self.value(name) {
        case .missing:
            return nil
        case .null:
            return .null
        case .value(.string(let text)):
            return .string(text)
        case .value(let other):
            throw .skipped(
                "param \"\(name)\" must be a string or null, found \(other.typeName) at \(self.source(name))"
            )
        }
    }

    /// `properties` merged with the named user fields (the named fields win), at the top level.
    private func userProperties() throws(Failure) -> JSONObject {
        var properties = try self.optionalObject("properties") ?? JSONObject()
        for field in StoreActionBuilder.userFields {
            if let value = try self.optionalStringOrNull(field) {
                properties[field] = value
            }
        }
        return properties
    }

    /// `properties` with `name` set into it (objects and tenants).
    private func namedProperties() throws(Failure) -> JSONObject {
        var properties = try self.optionalObject("properties") ?? JSONObject()
        if let name = try self.optionalStringOrNull("name") {
            properties["name"] = name
        }
        return properties
    }

    private func workflowKey() throws(Failure) -> String {
        let key = try self.identifier("key")
        guard self.workflowKeys.contains(key) else {
            throw .error("workflow \"\(key)\" is not configured")
        }
        return key
    }

    private func workflowData() throws(Failure) -> JSON? {
        switch self.value("data") {
        case .missing: return nil
        case .null: return .null
        case .value(.object(let object)): return .object(object)
        case .value(let other):
            throw .skipped("param \"data\" must be an object, found \(other.typeName) at \(self.source("data"))")
        }
    }

    /// `tenant`: a string id or an object with a string `id`; missing or null give nil.
    private func tenant() throws(Failure) -> String? {
        guard let value = self.value("tenant").value else { return nil }
        let source = self.source("tenant")
        switch value {
        case .string:
            return try self.checkedIdentifier(value, what: "param \"tenant\"", at: source)
        case .object(let object):
            guard let id = object["id"] else {
                throw .skipped("param \"tenant\" is an object without \"id\" at \(source)")
            }
            return try self.checkedIdentifier(id, what: "param \"tenant\" id", at: source)
        default:
            throw .skipped(
                "param \"tenant\" must be a string or an object with \"id\", found \(value.typeName) at \(source)"
            )
        }
    }

    /// `actor`: one recipient; missing or null give nil.
    private func actor() throws(Failure) -> Recipient? {
        guard let value = self.value("actor").value else { return nil }
        let source = self.source("actor")
        if case .array = value {
            throw .skipped("param \"actor\" must be one recipient, found array at \(source)")
        }
        return try self.recipient(value, what: "param \"actor\"", at: source)
    }

    // MARK: - Recipients

    private func requiredRecipients(usersOnly: Bool) throws(Failure) -> [Recipient] {
        try self.recipients(try self.required("recipients"), param: "recipients", usersOnly: usersOnly)
    }

    /// A user id, an inline user, an object reference, or an array of those (1 to 1,000).
    private func recipients(_ value: JSON, param: String, usersOnly: Bool) throws(Failure) -> [Recipient] {
        let source = self.source(param)
        guard case .array(let elements) = value else {
            let recipient = try self.recipient(value, what: "param \"\(param)\"", at: source)
            try self.checkUser(recipient, usersOnly: usersOnly, what: "param \"\(param)\"", at: source)
            return [recipient]
        }

        guard !elements.isEmpty else {
            throw .skipped("param \"\(param)\" is an empty list at \(source)")
        }
        guard elements.count <= StoreActionBuilder.maxRecipients else {
            throw .skipped(
                "param \"\(param)\" lists \(elements.count) recipients, more than the 1,000 allowed at \(source)"
            )
        }
        var recipients: [Recipient] = []
        recipients.reserveCapacity(elements.count)
        for (position, element) in elements.enumerated() {
            let what = "param \"\(param)\" item \(position)"
            if case .array = element {
                throw .skipped("\(what) is a nested array at \(source)")
            }
            let recipient = try self.recipient(element, what: what, at: source)
            try self.checkUser(recipient, usersOnly: usersOnly, what: what, at: source)
            recipients.append(recipient)
        }
        return recipients
    }

    /// One recipient: `"user_id"`, `{"id": ..., ...}` (inline user) or `{"collection": ..., "id": ...}`.
    private func recipient(_ value: JSON, what: String, at source: String) throws(Failure) -> Recipient {
        switch value {
        case .string:
            return .user(id: try self.checkedIdentifier(value, what: what, at: source), properties: nil)
        case .object(let object):
            guard let idValue = object["id"] else {
                throw .skipped("\(what) is an object without \"id\" at \(source)")
            }
            let id = try self.checkedIdentifier(idValue, what: "\(what) id", at: source)
            var rest = object
            rest["id"] = .none
            guard let collectionValue = object["collection"] else {
                return .user(id: id, properties: rest)
            }
            let collection = try self.checkedIdentifier(collectionValue, what: "\(what) collection", at: source)
            rest["collection"] = .none
            return .object(collection: collection, id: id, properties: rest.isEmpty ? nil : rest)
        case .null:
            throw .skipped("\(what) is null at \(source)")
        default:
            throw .skipped(
                "\(what) must be a user id, a user object or an object reference, found \(value.typeName) at \(source)"
            )
        }
    }

    private func checkUser(_ recipient: Recipient, usersOnly: Bool, what: String, at source: String) throws(Failure) {
        guard usersOnly, case .object = recipient else { return }
        throw .skipped("\(what) is an object reference, but audience members must be users, at \(source)")
    }
}
