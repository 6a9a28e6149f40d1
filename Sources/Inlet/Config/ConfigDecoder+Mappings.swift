/// Decoding of mappings: action, params per action, parameter values, paths and conditions.
extension ConfigDecoder {
    /// The keys a mapping object may have.
    static let mappingKeys = ["event", "action", "active", "params", "when", "description"]
    /// The keys that select a parameter value form.
    static let parameterForms = ["literal", "first", "template", "object"]

    /// A source's `mappings` array; absent means none.
    mutating func decodeMappings(_ json: JSON?, at location: String) -> [Mapping]? {
        guard let json else { return [] }
        guard case .array(let elements) = json else {
            self.error(location, "must be an array of mappings, found \(json.typeName)")
            return nil
        }
        var mappings: [Mapping] = []
        var failed = false
        for (position, element) in elements.enumerated() {
            if let mapping = self.decodeMapping(element, index: position, at: ConfigDecoder.element(location, position))
            {
                mappings.append(mapping)
            } else {
                failed = true
            }
        }
        return failed ? nil : mappings
    }

    private mutating func decodeMapping(_ json: JSON, index: Int, at location: String) -> Mapping? {
        guard let object = self.object(json, at: location, allowedKeys: ConfigDecoder.mappingKeys) else { return nil }
        let errorCount = self.errors.count

        let event = self.string(object, "event", at: location, default: nil)
        if event?.isEmpty == true {
            self.error(ConfigDecoder.member(location, "event"), "must be a non-empty event type")
        }
        let action = self.decodeAction(object, at: location)
        let active = self.bool(object, "active", at: location, default: true)
        let description = self.string(object, "description", at: location, default: "")
        let paramsAt = ConfigDecoder.member(location, "params")
        var params: [Mapping.Parameter]?
        if let action {
            params = self.decodeParams(object["params"], action: action, at: paramsAt)
        } else if case .object(let unchecked)? = object["params"] {
            // The action is unknown, so which params it takes is too; still report malformed values.
            for (name, value) in unchecked where name != "key" {
                _ = self.decodeParameterValue(value, at: ConfigDecoder.member(paramsAt, name))
            }
        }
        var when: Condition?
        if let condition = object["when"] {
            when = self.decodeCondition(condition, at: ConfigDecoder.member(location, "when"))
        }

        guard self.errors.count == errorCount, let event, let action, let active, let params else { return nil }
        return Mapping(
            event: event,
            action: action,
            active: active,
            params: params,
            configuredParams: object["params"] ?? .object(JSONObject()),
            when: when,
            index: index,
            description: description?.isEmpty == false ? description : nil
        )
    }

    private mutating func decodeAction(_ object: JSONObject, at location: String) -> ActionType? {
        guard let name = self.string(object, "action", at: location, default: nil) else { return nil }
        guard let action = ActionType(rawValue: name) else {
            let known = ActionType.allCases.map(\.rawValue).joined(separator: ", ")
            self.error(
                ConfigDecoder.member(location, "action"),
                "unknown action \(JSON.string(name).serialized()) (one of \(known))"
            )
            return nil
        }
        return action
    }

    private mutating func decodeParams(_ json: JSON?, action: ActionType, at location: String) -> [Mapping.Parameter]? {
        let object: JSONObject
        switch json {
        case .none:
            object = JSONObject()
        case .some(.object(let value)):
            object = value
        case .some(let other):
            self.error(location, "must be an object of params, found \(other.typeName)")
            return nil
        }

        let errorCount = self.errors.count
        let allowed = action.requiredParameters + action.optionalParameters
        for name in object.keys where !allowed.contains(name) {
            self.error(
                ConfigDecoder.member(location, name),
                "unknown param for \(action.rawValue) (it takes \(allowed.joined(separator: ", ")))"
            )
        }
        for name in action.requiredParameters where !object.contains(name) {
            self.error(location, "required param \"\(name)\" of \(action.rawValue) is missing")
        }

        var params: [Mapping.Parameter] = []
        for (name, value) in object where allowed.contains(name) {
            let paramAt = ConfigDecoder.member(location, name)
            if name == "key", action.takesWorkflowKey {
                if let key = self.decodeWorkflowKey(value, at: paramAt) {
                    params.append(Mapping.Parameter(name: name, value: .literal(.string(key))))
                }
                continue
            }
            guard let compiled = self.decodeParameterValue(value, at: paramAt) else { continue }
            if case .literal(let literal) = compiled, let problem = ConfigDecoder.literalProblem(name, literal) {
                self.error(paramAt, problem)
                continue
            }
            params.append(Mapping.Parameter(name: name, value: compiled))
        }
        return self.errors.count == errorCount ? params : nil
    }

    private mutating func decodeWorkflowKey(_ json: JSON, at location: String) -> String? {
        guard case .string(let key) = json else {
            self.error(
                location,
                "the workflow key must be a bare string naming a configured workflow, found \(json.typeName)"
            )
            return nil
        }
        guard self.workflowKeys.contains(key) else {
            let known =
                self.workflowKeys.isEmpty
                ? "none are configured" : "configured: " + self.workflowKeys.joined(separator: ", ")
            self.error(location, "workflow \(JSON.string(key).serialized()) is not configured (\(known))")
            return nil
        }
        return key
    }

    /// A literal of a type the param can never take, caught at load rather than on every event.
    static func literalProblem(_ name: String, _ value: JSON) -> String? {
        switch (name, value) {
        case ("id", .string), ("collection", .string), ("key", .string), ("cancellation_key", .string):
            return nil
        case ("id", _), ("collection", _), ("key", _), ("cancellation_key", _):
            return "a literal \(name) must be a string, found \(value.typeName)"
        case ("properties", .object), ("data", .object), ("data", .null), ("properties", .null):
            return nil
        case ("properties", _), ("data", _):
            return "a literal \(name) must be an object, found \(value.typeName)"
        case ("tenant", .string), ("tenant", .object), ("tenant", .null):
            return nil
        case ("tenant", _):
            return "a literal tenant must be a string or an object with \"id\", found \(value.typeName)"
        case (_, .string), (_, .null):
            return nil
        case ("recipients", .object), ("recipients", .array), ("actor", .object):
            return nil
        case ("recipients", _), ("actor", _):
            return "a literal \(name) must be a user id, a user or object reference, found \(value.typeName)"
        default:
            return "a literal \(name) must be a string or null, found \(value.typeName)"
        }
    }

    // MARK: - Parameter values

    /// A parameter value: a path string, or one of `literal`, `first`, `template`, `object`.
    mutating func decodeParameterValue(_ json: JSON, at location: String) -> ParameterValue? {
        switch json {
        case .string(let text):
            return self.decodePath(text, at: location).map(ParameterValue.path)
        case .object(let object):
            let forms = object.keys.filter { ConfigDecoder.parameterForms.contains($0) }
            let others = object.keys.filter { !ConfigDecoder.parameterForms.contains($0) }
            guard forms.count == 1, others.isEmpty, let form = forms.first, let body = object[form] else {
                let found = object.keys.isEmpty ? "an empty object" : "keys " + object.keys.joined(separator: ", ")
                self.error(
                    location,
                    "a parameter value object needs exactly one of literal, first, template, object; found \(found)"
                )
                return nil
            }
            return self.decodeForm(form, body, at: ConfigDecoder.member(location, form))
        default:
            self.error(
                location,
                "must be a path string or an object with literal, first, template or object, found \(json.typeName); "
                    + "write {\"literal\": \(json.serialized())} for a constant"
            )
            return nil
        }
    }

    private mutating func decodeForm(_ form: String, _ body: JSON, at location: String) -> ParameterValue? {
        switch form {
        case "literal":
            return .literal(body)
        case "first":
            guard case .array(let candidates) = body, !candidates.isEmpty else {
                self.error(location, "must be a non-empty array of parameter values")
                return nil
            }
            var values: [ParameterValue] = []
            for (position, candidate) in candidates.enumerated() {
                if let value = self.decodeParameterValue(candidate, at: ConfigDecoder.element(location, position)) {
                    values.append(value)
                }
            }
            return values.count == candidates.count ? .first(values) : nil
        case "template":
            guard case .string(let text) = body else {
                self.error(location, "must be a string such as \"{data.first_name} {data.last_name}\"")
                return nil
            }
            do {
                return .template(try MappingTemplate(parsing: text))
            } catch {
                self.error(location, error.message)
                return nil
            }
        default:
            guard case .object(let members) = body else {
                self.error(location, "must be an object of parameter values, found \(body.typeName)")
                return nil
            }
            var compiled: [ParameterValue.Member] = []
            for (name, member) in members {
                if let value = self.decodeParameterValue(member, at: ConfigDecoder.member(location, name)) {
                    compiled.append(ParameterValue.Member(name: name, value: value))
                }
            }
            return compiled.count == members.count ? .object(compiled) : nil
        }
    }

    /// A compiled path, or nil after reporting why it is malformed.
    mutating func decodePath(_ text: String, at location: String) -> JSONPath? {
        do {
            return try JSONPath(parsing: text)
        } catch {
            self.error(location, error.message)
            return nil
        }
    }

    // MARK: - Conditions

    /// A `when` condition: `{"path", "equals"|"in"|"exists"}` or `{"all"|"any": [...]}` or `{"not": {...}}`.
    mutating func decodeCondition(_ json: JSON, at location: String) -> Condition? {
        guard case .object(let object) = json else {
            self.error(location, "a condition must be an object, found \(json.typeName)")
            return nil
        }

        if object.contains("path") {
            return self.decodeComparison(object, at: location)
        }

        let combinators = object.keys.filter { ["all", "any", "not"].contains($0) }
        guard combinators.count == 1, object.count == 1, let combinator = combinators.first,
            let body = object[combinator]
        else {
            self.error(
                location,
                "a condition needs \"path\" with one of equals, in, exists; or exactly one of all, any, not"
            )
            return nil
        }
        let bodyAt = ConfigDecoder.member(location, combinator)
        if combinator == "not" {
            return self.decodeCondition(body, at: bodyAt).map(Condition.not)
        }
        guard case .array(let elements) = body, !elements.isEmpty else {
            self.error(bodyAt, "must be a non-empty array of conditions")
            return nil
        }
        var conditions: [Condition] = []
        for (position, element) in elements.enumerated() {
            if let condition = self.decodeCondition(element, at: ConfigDecoder.element(bodyAt, position)) {
                conditions.append(condition)
            }
        }
        guard conditions.count == elements.count else { return nil }
        return combinator == "all" ? .all(conditions) : .any(conditions)
    }

    private mutating func decodeComparison(_ object: JSONObject, at location: String) -> Condition? {
        let tests = ["equals", "in", "exists"]
        for key in object.keys where key != "path" && !tests.contains(key) {
            self.error(
                ConfigDecoder.member(location, key),
                "unknown key in a condition (use path with equals, in or exists)"
            )
        }
        let present = object.keys.filter { tests.contains($0) }
        guard present.count == 1, let test = present.first, let operand = object[test] else {
            self.error(location, "a condition on \"path\" needs exactly one of equals, in, exists")
            return nil
        }

        guard case .string(let pathText)? = object["path"] else {
            self.error(ConfigDecoder.member(location, "path"), "must be a path string")
            return nil
        }
        guard let path = self.decodePath(pathText, at: ConfigDecoder.member(location, "path")) else { return nil }

        switch test {
        case "equals":
            return .equals(path, operand)
        case "in":
            guard case .array(let values) = operand, !values.isEmpty else {
                self.error(ConfigDecoder.member(location, "in"), "must be a non-empty array of values")
                return nil
            }
            return .oneOf(path, values)
        default:
            guard case .bool(let wanted) = operand else {
                self.error(ConfigDecoder.member(location, "exists"), "must be true or false, found \(operand.typeName)")
                return nil
            }
            return .exists(path, wanted)
        }
    }
}
