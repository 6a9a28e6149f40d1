import Testing

@testable import Inlet

@Suite struct MappingEngineTests {
    func plan(_ mappings: String, body: String, event: String = "e") throws -> [PlannedAction] {
        let engine = try TestConfigs.engine(mappings: mappings)
        return engine.plan(eventType: event, envelope: try TestConfigs.envelope(body))
    }

    func single(_ mappings: String, body: String) throws -> PlannedAction {
        let planned = try self.plan(mappings, body: body)
        try #require(planned.count == 1)
        return planned[0]
    }

    // MARK: - Order and selection

    @Test func runsInActionTypeOrderThenFileOrder() throws {
        let mappings = """
            [
              {"event": "e", "action": "workflows_trigger", "params": {"key": "wf", "recipients": "data.u"}},
              {"event": "e", "action": "objects_subscribe",
                 "params": {"collection": {"literal": "c"}, "id": "data.o", "recipients": "data.u"}},
              {"event": "e", "action": "users_identify", "params": {"id": "data.u"}},
              {"event": "other", "action": "users_delete", "params": {"id": "data.u"}},
              {"event": "e", "action": "users_delete", "active": false, "params": {"id": "data.u"}},
              {"event": "e", "action": "objects_set", "params": {"collection": {"literal": "c"}, "id": "data.o"}},
              {"event": "e", "action": "users_identify", "params": {"id": {"literal": "second"}}},
              {"event": "e", "action": "workflows_cancel", "params": {"key": "wf", "cancellation_key": "data.u"}}
            ]
            """
        let planned = try self.plan(mappings, body: #"{"data": {"u": "u1", "o": "o1"}}"#)
        #expect(
            planned.map(\.type) == [
                .usersIdentify, .usersIdentify, .objectsSet, .objectsSubscribe, .workflowsTrigger, .workflowsCancel,
            ]
        )
        #expect(planned.map(\.mappingIndex) == [2, 6, 5, 1, 0, 7])
        #expect(planned[0].decision.action == .identifyUser(id: "u1", properties: JSONObject()))
        #expect(planned[1].decision.action == .identifyUser(id: "second", properties: JSONObject()))
        #expect(try self.plan(mappings, body: "{}", event: "unmapped").isEmpty)
    }

    @Test func falseConditionSkipsWithReason() throws {
        let mappings = """
            [{"event": "e", "action": "users_delete", "params": {"id": "data.id"},
              "when": {"path": "data.state", "equals": "inactive"}}]
            """
        let active = try self.single(mappings, body: #"{"data": {"id": "u1", "state": "active"}}"#)
        #expect(active.decision == .skipped(reason: #"condition false: data.state equals "inactive""#))
        #expect(active.payload == ["id": "u1"])
        let inactive = try self.single(mappings, body: #"{"data": {"id": "u1", "state": "inactive"}}"#)
        #expect(inactive.decision == .run(.deleteUser(id: "u1")))
    }

    // MARK: - Required params

    @Test func requiredParamMissingNullOrMistypedSkipsAndOthersStillRun() throws {
        let mappings = """
            [
              {"event": "e", "action": "users_identify", "params": {"id": "data.id", "email": "data.email"}},
              {"event": "e", "action": "objects_set",
                 "params": {"collection": {"literal": "c"}, "id": {"first": ["data.gid", "data.group.id"]}}},
              {"event": "e", "action": "tenants_set", "params": {"id": "data.org"}},
              {"event": "e", "action": "users_delete", "params": {"id": "data.keep"}}
            ]
            """
        let planned = try self.plan(mappings, body: #"{"data": {"org": 42, "gid": null, "keep": "k1"}}"#)
        #expect(
            planned.map(\.decision) == [
                .skipped(reason: #"required param "id" is missing at data.id"#),
                .run(.deleteUser(id: "k1")),
                .skipped(reason: #"required param "id" is null at first(data.gid, data.group.id)"#),
                .skipped(reason: #"param "id" must be a string, found number at data.org"#),
            ]
        )
        // The configured params and resolved values are kept for the action log.
        #expect(planned[3].parameters == ["id": "data.org"])
        #expect(planned[3].payload == ["id": 42])
    }

    @Test func idsMustBeOneTo256Characters() throws {
        let mappings = #"[{"event": "e", "action": "users_delete", "params": {"id": "data.id"}}]"#
        let long = String(repeating: "x", count: 257)
        #expect(
            try self.single(mappings, body: #"{"data": {"id": "\#(long)"}}"#).decision
                == .skipped(reason: #"param "id" must be 1 to 256 characters, found 257 at data.id"#)
        )
        #expect(
            try self.single(mappings, body: #"{"data": {"id": ""}}"#).decision
                == .skipped(reason: #"param "id" must be 1 to 256 characters, found 0 at data.id"#)
        )
        let limit = String(repeating: "é", count: 256)
        #expect(
            try self.single(mappings, body: #"{"data": {"id": "\#(limit)"}}"#).decision == .run(.deleteUser(id: limit))
        )
        #expect(
            try self.single(mappings, body: #"{"data": {"id": true}}"#).decision
                == .skipped(reason: #"param "id" must be a string, found boolean at data.id"#)
        )
    }

    // MARK: - users_identify

    @Test func identifyMergesPropertiesWithNamedFieldsWinning() throws {
        let mappings = """
            [{"event": "e", "action": "users_identify", "params": {
               "id": "data.id", "name": "data.name", "email": "data.email", "phone_number": "data.phone",
               "locale": "data.locale", "timezone": "data.tz",
               "properties": {"object": {"name": {"literal": "loses"}, "dept": "data.dept", "big": "data.big",
                                         "gone": "data.none"}}}}]
            """
        let body =
            #"{"data": {"id": "u1", "name": "Ada", "email": null, "phone": "+1", "dept": "Eng", "#
            + #""big": 123456789012345678901234567890}}"#
        let planned = try self.single(mappings, body: body)
        guard case .run(.identifyUser(let id, let properties)) = planned.decision else {
            Issue.record("not an identify: \(planned.decision)")
            return
        }
        #expect(id == "u1")
        #expect(
            JSON.object(properties) == [
                "name": "Ada", "dept": "Eng", "big": number("123456789012345678901234567890"),
                "email": nil, "phone_number": "+1",
            ]
        )
        #expect(!properties.contains("locale") && !properties.contains("timezone") && !properties.contains("gone"))
        #expect(properties.serializedText.contains("123456789012345678901234567890"))
        #expect(planned.payload["properties"]?["big"] == number("123456789012345678901234567890"))
    }

    @Test func identifyOptionalFieldOfWrongTypeSkips() throws {
        let mappings =
            #"[{"event": "e", "action": "users_identify", "params": {"id": "data.id", "#
            + #""email": "data.email", "properties": "data.props"}}]"#
        #expect(
            try self.single(mappings, body: #"{"data": {"id": "u1", "email": 7}}"#).decision
                == .skipped(reason: #"param "email" must be a string or null, found number at data.email"#)
        )
        #expect(
            try self.single(mappings, body: #"{"data": {"id": "u1", "props": [1]}}"#).decision
                == .skipped(reason: #"param "properties" must be an object, found array at data.props"#)
        )
        #expect(
            try self.single(mappings, body: #"{"data": {"id": "u1", "props": null}}"#).decision
                == .run(.identifyUser(id: "u1", properties: JSONObject()))
        )
    }

    // MARK: - Objects, tenants, audiences

    @Test func objectAndTenantNamesGoIntoProperties() throws {
        let mappings = """
            [
              {"event": "e", "action": "objects_set",
                 "params": {"collection": {"literal": "groups"}, "id": "data.id", "name": "data.name",
                            "properties": {"object": {"x": "data.x"}}}},
              {"event": "e", "action": "tenants_set", "params": {"id": "data.id", "name": "data.name"}},
              {"event": "e", "action": "objects_delete",
                 "params": {"collection": {"literal": "groups"}, "id": "data.id"}},
              {"event": "e", "action": "tenants_delete", "params": {"id": "data.id"}}
            ]
            """
        let planned = try self.plan(mappings, body: #"{"data": {"id": "g1", "name": null, "x": 1}}"#)
        #expect(
            planned.map(\.decision) == [
                .run(.setObject(collection: "groups", id: "g1", properties: obj(["x": 1, "name": nil]))),
                .run(.deleteObject(collection: "groups", id: "g1")),
                .run(.setTenant(id: "g1", properties: obj(["name": nil]))),
                .run(.deleteTenant(id: "g1")),
            ]
        )
    }

    @Test func audiencesTakeUsersAndATenant() throws {
        let mappings = """
            [
              {"event": "e", "action": "audiences_add_member",
                 "params": {"key": {"literal": "admins"}, "recipients": "data.r", "tenant": "data.t"}},
              {"event": "e", "action": "audiences_remove_member",
                 "params": {"key": {"literal": "admins"}, "recipients": "data.r"}}
            ]
            """
        let planned = try self.plan(
            mappings,
            body: #"{"data": {"r": ["u1", {"id": "u2"}], "t": {"id": "org_1", "name": "Org"}}}"#
        )
        #expect(
            planned.map(\.decision) == [
                .run(
                    .addAudienceMembers(
                        key: "admins",
                        recipients: [.user(id: "u1", properties: nil), .user(id: "u2", properties: JSONObject())],
                        tenant: "org_1"
                    )
                ),
                .run(
                    .removeAudienceMembers(
                        key: "admins",
                        recipients: [.user(id: "u1", properties: nil), .user(id: "u2", properties: JSONObject())],
                        tenant: nil
                    )
                ),
            ]
        )
        let objects = try self.plan(mappings, body: #"{"data": {"r": {"collection": "c", "id": "o"}}}"#)
        #expect(
            objects[1].decision
                == .skipped(
                    reason: #"param "recipients" is an object reference, but audience members must be users, at data.r"#
                )
        )
        let badTenant = try self.plan(mappings, body: #"{"data": {"r": "u1", "t": 5}}"#)
        #expect(
            badTenant[0].decision
                == .skipped(reason: #"param "tenant" must be a string or an object with "id", found number at data.t"#)
        )
        let tenantWithoutID = try self.plan(mappings, body: #"{"data": {"r": "u1", "t": {"name": "x"}}}"#)
        #expect(tenantWithoutID[0].decision == .skipped(reason: #"param "tenant" is an object without "id" at data.t"#))
    }

    // MARK: - Recipients

    @Test func recipientForms() throws {
        let mappings =
            #"[{"event": "e", "action": "objects_subscribe", "#
            + #""params": {"collection": {"literal": "c"}, "id": {"literal": "o"}, "#
            + #""recipients": "data.r", "properties": "data.p"}}]"#
        func recipients(_ json: String) throws -> PlannedAction.Decision {
            try self.single(mappings, body: #"{"data": {"r": \#(json), "p": {"role": "x"}}}"#).decision
        }
        func run(_ list: [Recipient]) -> PlannedAction.Decision {
            .run(.subscribe(collection: "c", id: "o", recipients: list, properties: obj(["role": "x"])))
        }

        #expect(try recipients(#""u1""#) == run([.user(id: "u1", properties: nil)]))
        #expect(
            try recipients(#"{"id": "u1", "email": "a@example.com", "name": null}"#)
                == run([.user(id: "u1", properties: obj(["email": "a@example.com", "name": nil]))])
        )
        #expect(
            try recipients(#"{"collection": "orgs", "id": "o1"}"#)
                == run([.object(collection: "orgs", id: "o1", properties: nil)])
        )
        #expect(
            try recipients(#"{"collection": "orgs", "id": "o1", "name": "Org"}"#)
                == run([.object(collection: "orgs", id: "o1", properties: obj(["name": "Org"]))])
        )
        #expect(
            try recipients(#"["u1", {"id": "u2"}, {"collection": "orgs", "id": "o1"}]"#)
                == run([
                    .user(id: "u1", properties: nil), .user(id: "u2", properties: JSONObject()),
                    .object(collection: "orgs", id: "o1", properties: nil),
                ])
        )

        #expect(
            try recipients("5")
                == .skipped(
                    reason:
                        #"param "recipients" must be a user id, a user object or an object reference, "#
                        + #"found number at data.r"#
                )
        )
        #expect(try recipients("[]") == .skipped(reason: #"param "recipients" is an empty list at data.r"#))
        #expect(try recipients(#"["u1", null]"#) == .skipped(reason: #"param "recipients" item 1 is null at data.r"#))
        #expect(
            try recipients(#"["u1", ["u2"]]"#)
                == .skipped(reason: #"param "recipients" item 1 is a nested array at data.r"#)
        )
        #expect(
            try recipients(#"["u1", 7]"#)
                == .skipped(
                    reason:
                        #"param "recipients" item 1 must be a user id, a user object or an object reference, "#
                        + #"found number at data.r"#
                )
        )
        #expect(
            try recipients(#"{"name": "no id"}"#)
                == .skipped(reason: #"param "recipients" is an object without "id" at data.r"#)
        )
        #expect(
            try recipients(#"{"id": 12}"#)
                == .skipped(reason: #"param "recipients" id must be a string, found number at data.r"#)
        )
        #expect(
            try recipients(#"{"collection": 1, "id": "o"}"#)
                == .skipped(reason: #"param "recipients" collection must be a string, found number at data.r"#)
        )
        #expect(try recipients("null") == .skipped(reason: #"required param "recipients" is null at data.r"#))
    }

    @Test func recipientsAreCappedAtOneThousand() throws {
        let mappings =
            #"[{"event": "e", "action": "objects_unsubscribe", "#
            + #""params": {"collection": {"literal": "c"}, "id": {"literal": "o"}, "#
            + #""recipients": "data.r"}}]"#
        func list(_ count: Int) -> String {
            "[" + (0..<count).map { "\"u\($0)\"" }.joined(separator: ",") + "]"
        }
        let thousand = try self.single(mappings, body: #"{"data": {"r": \#(list(1_000))}}"#)
        guard case .run(.unsubscribe(_, _, let recipients)) = thousand.decision else {
            Issue.record("1,000 recipients should run: \(thousand.decision)")
            return
        }
        #expect(recipients.count == 1_000)
        #expect(recipients.last == .user(id: "u999", properties: nil))
        #expect(
            try self.single(mappings, body: #"{"data": {"r": \#(list(1_001))}}"#).decision
                == .skipped(reason: #"param "recipients" lists 1001 recipients, more than the 1,000 allowed at data.r"#)
        )
    }

    // MARK: - Workflows

    @Test func triggerResolvesEveryParam() throws {
        let mappings = """
            [{"event": "e", "action": "workflows_trigger", "params": {
               "key": "wf", "recipients": {"object": {"collection": {"literal": "organizations"}, "id": "data.org"}},
               "actor": "data.actor", "data": "data", "tenant": "data.org", "cancellation_key": "id"}}]
            """
        let body =
            #"{"id": "evt_1", "data": {"org": "org_1", "actor": {"id": "u9", "name": "N"}, "n": 98765432109876543210}}"#
        let planned = try self.single(mappings, body: body)
        #expect(
            planned.decision
                == .run(
                    .triggerWorkflow(
                        key: "wf",
                        recipients: [.object(collection: "organizations", id: "org_1", properties: nil)],
                        actor: .user(id: "u9", properties: obj(["name": "N"])),
                        data: [
                            "org": "org_1", "actor": ["id": "u9", "name": "N"],
                            "n": number("98765432109876543210"),
                        ],
                        tenant: "org_1",
                        cancellationKey: "evt_1"
                    )
                )
        )
    }

    @Test func triggerOptionalParams() throws {
        let mappings =
            #"[{"event": "e", "action": "workflows_trigger", "params": {"key": "wf", "#
            + #""recipients": "data.u", "actor": "data.a", "data": "data.d", "tenant": "data.t"}}]"#
        #expect(
            try self.single(mappings, body: #"{"data": {"u": "u1"}}"#).decision
                == .run(
                    .triggerWorkflow(
                        key: "wf",
                        recipients: [.user(id: "u1", properties: nil)],
                        actor: nil,
                        data: nil,
                        tenant: nil,
                        cancellationKey: nil
                    )
                )
        )
        #expect(
            try self.single(mappings, body: #"{"data": {"u": "u1", "a": null, "d": null, "t": null}}"#).decision
                == .run(
                    .triggerWorkflow(
                        key: "wf",
                        recipients: [.user(id: "u1", properties: nil)],
                        actor: nil,
                        data: .null,
                        tenant: nil,
                        cancellationKey: nil
                    )
                )
        )
        #expect(
            try self.single(mappings, body: #"{"data": {"u": "u1", "d": "text"}}"#).decision
                == .skipped(reason: #"param "data" must be an object, found string at data.d"#)
        )
        #expect(
            try self.single(mappings, body: #"{"data": {"u": "u1", "a": ["u2"]}}"#).decision
                == .skipped(reason: #"param "actor" must be one recipient, found array at data.a"#)
        )
    }

    @Test func cancelTakesOptionalRecipients() throws {
        let mappings =
            #"[{"event": "e", "action": "workflows_cancel", "params": {"key": "other-wf", "#
            + #""cancellation_key": "data.k", "recipients": "data.r"}}]"#
        #expect(
            try self.single(mappings, body: #"{"data": {"k": "c1"}}"#).decision
                == .run(.cancelWorkflow(key: "other-wf", cancellationKey: "c1", recipients: nil))
        )
        #expect(
            try self.single(mappings, body: #"{"data": {"k": "c1", "r": ["u1"]}}"#).decision
                == .run(
                    .cancelWorkflow(
                        key: "other-wf",
                        cancellationKey: "c1",
                        recipients: [.user(id: "u1", properties: nil)]
                    )
                )
        )
        #expect(
            try self.single(mappings, body: #"{"data": {}}"#).decision
                == .skipped(reason: #"required param "cancellation_key" is missing at data.k"#)
        )
    }

    @Test func workflowUnknownAtRunTimeIsAnError() throws {
        let loaded = try TestConfigs.engine(
            mappings:
                #"[{"event": "e", "action": "workflows_trigger", "params": {"key": "wf", "recipients": "data.u"}}]"#
        )
        // The same mappings bound to a config whose workflows no longer include "wf" (e.g. after a reload).
        let engine = MappingEngine(mappings: loaded.mappings, workflowKeys: ["other-wf"])
        let planned = engine.plan(eventType: "e", envelope: try TestConfigs.envelope(#"{"data": {"u": "u1"}}"#))
        #expect(planned.map(\.decision) == [.error(reason: #"workflow "wf" is not configured"#)])
    }

    // MARK: - Event type, timestamp, idempotency key

    @Test func eventType() throws {
        let engine = try TestConfigs.engine(mappings: "[]")
        func type(_ body: String) throws -> Result<String, MappingEngine.EventTypeFailure> {
            engine.eventType(try TestConfigs.envelope(body))
        }
        #expect(try type(#"{"event": "dsync.user.created"}"#) == .success("dsync.user.created"))
        #expect(try type("{}") == .failure(.init(reason: "no event type at body.event")))
        #expect(try type(#"{"event": null}"#) == .failure(.init(reason: "the event type at body.event is null")))
        #expect(
            try type(#"{"event": 5}"#)
                == .failure(.init(reason: "the event type at body.event is a number, not a string"))
        )
        #expect(
            try type(#"{"event": ""}"#) == .failure(.init(reason: "the event type at body.event is an empty string"))
        )
    }

    @Test func sourceTimestamps() throws {
        let engine = try TestConfigs.engine(mappings: "[]")
        func timestamp(_ body: String) throws -> Int64? {
            engine.sourceTimestampMs(try TestConfigs.envelope(body))
        }
        #expect(
            try timestamp(
                #"{"data": {"updated_at": "2026-02-10T17:03:21.904Z"}, "created_at": "2030-01-01T00:00:00Z"}"#
            )
                == 1_770_743_001_904
        )
        #expect(
            try timestamp(#"{"data": {"updated_at": null}, "created_at": "2023-04-28 20:05:31.093"}"#)
                == 1_682_712_331_093
        )
        #expect(try timestamp(#"{"created_at": 1700000000123}"#) == 1_700_000_000_123)
        #expect(try timestamp(#"{"created_at": "yesterday"}"#) == nil)
        #expect(try timestamp("{}") == nil)

        #expect(SourceTimestamp.milliseconds(parsing: "1970-01-01T00:00:00Z") == 0)
        #expect(SourceTimestamp.milliseconds(parsing: "2026-09-14T15:42:07.318Z") == 1_789_400_527_318)
        #expect(SourceTimestamp.milliseconds(parsing: "2026-09-14T17:42:07.318+02:00") == 1_789_400_527_318)
        #expect(SourceTimestamp.milliseconds(parsing: "2026-09-14T10:42:07.3189999-0500") == 1_789_400_527_318)
        #expect(SourceTimestamp.milliseconds(parsing: "2026-09-14T15:42:07.3Z") == 1_789_400_527_300)
        #expect(SourceTimestamp.milliseconds(parsing: "2026-09-14T15:42Z") == 1_789_400_520_000)
        #expect(SourceTimestamp.milliseconds(parsing: "2026-09-14") == 1_789_344_000_000)
        #expect(SourceTimestamp.milliseconds(parsing: "1969-12-31T23:59:59.999Z") == -1)
        #expect(SourceTimestamp.milliseconds(parsing: "2024-02-29T00:00:00Z") == 1_709_164_800_000)
        for bad in [
            "2023-02-29T00:00:00Z", "2026-13-01", "2026-09-14T24:00:00Z", "2026-09-14T15:42:07.Z", "26-09-14",
            "2026-09-14T15:42:07Zjunk", "2026-09-14T15:42:07+2",
        ] {
            #expect(SourceTimestamp.milliseconds(parsing: bad) == nil, "\(bad)")
        }
        #expect(SourceTimestamp.milliseconds(from: number("1.5e12")) == nil)
    }

    @Test func idempotencyKeys() throws {
        let engine = try TestConfigs.engine(mappings: "[]")
        func key(_ body: String) throws -> String? {
            engine.idempotencyKey(try TestConfigs.envelope(body))
        }
        #expect(try key(#"{"id": "event_01"}"#) == "event_01")
        #expect(try key(#"{"id": "\#(String(repeating: "k", count: 255))"}"#)?.count == 255)
        #expect(try key(#"{"id": "\#(String(repeating: "k", count: 256))"}"#) == nil)
        #expect(try key(#"{"id": 42}"#) == nil)
        #expect(try key(#"{"id": ""}"#) == nil)
        #expect(try key("{}") == nil)
    }

    // MARK: - Rehearse

    @Test func rehearseDescribesEveryDecision() throws {
        let engine = try TestConfigs.engine(
            mappings: """
                [
                  {"event": "e", "action": "users_identify", "params": {"id": "data.id"}},
                  {"event": "e", "action": "users_delete", "params": {"id": "data.absent"}}
                ]
                """
        )
        let envelope = try TestConfigs.envelope(
            #"{"id": "evt_1", "event": "e", "created_at": 5, "data": {"id": "u1"}}"#
        )
        #expect(
            engine.rehearse(envelope) == [
                "event": "e",
                "idempotency_key": "evt_1",
                "source_timestamp_ms": 5,
                "actions": [
                    [
                        "type": "users_identify", "mapping_index": 0, "status": "ok", "reason": nil,
                        "payload": ["id": "u1"], "action": ["type": "users_identify", "id": "u1", "properties": [:]],
                    ],
                    [
                        "type": "users_delete", "mapping_index": 1, "status": "skipped",
                        "reason": #"required param "id" is missing at data.absent"#, "payload": [:], "action": nil,
                    ],
                ],
            ]
        )
        let noType = engine.rehearse(try TestConfigs.envelope(#"{"data": {}}"#))
        #expect(
            noType == [
                "event": nil, "reason": "no event type at body.event", "idempotency_key": nil,
                "source_timestamp_ms": nil,
                "actions": [],
            ]
        )
    }
}

/// The object inside a JSON object literal (JSONObject itself has no literal syntax).
func obj(_ json: JSON) -> JSONObject {
    json.objectValue ?? JSONObject()
}

extension JSONObject {
    /// Compact JSON text of the object.
    var serializedText: String {
        JSON.object(self).serialized()
    }
}
