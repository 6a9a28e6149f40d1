import Foundation
import Testing

@testable import Inlet

/// The shipped `Config/inlet.json`, run against every WorkOS fixture.
@Suite struct DefaultConfigTests {
    static let variables = [
        "INLET_API_KEY": "dev-api-key",
        "INLET_WEBHOOK_TOKEN": "tok123",
        "WORKOS_WEBHOOK_SECRET": "whsec_FAKE_Example_Secret_0000",
    ]
    static let userID = "directory_user_01KH483WSGAWNQCXAWPDNNKJ0M"
    static let groupID = "directory_group_01KH483V9SAPTTP0AQ7Q0HP27P"
    static let orgID = "org_01K94FYXA3FKG7BMSGXJT7KX0E"
    static let orgRecipient = Recipient.object(collection: "organizations", id: orgID, properties: nil)

    func config() throws -> InletConfig {
        try ConfigLoader.load(bytes: try FixtureFiles.bytes("inlet.json"), environment: Self.variables)
    }

    func engine(allActive: Bool = false) throws -> MappingEngine {
        let config = try self.config()
        var source = try #require(config.sources.first)
        if allActive {
            source.mappings = source.mappings.map { mapping in
                var copy = mapping
                copy.active = true
                return copy
            }
        }
        return config.mappingEngine(for: source)
    }

    func plan(_ fixture: String, allActive: Bool = false) throws -> [PlannedAction] {
        let engine = try self.engine(allActive: allActive)
        let envelope = MappingEnvelope(body: try FixtureFiles.json("workos/\(fixture).json"))
        let type = try engine.eventType(envelope).get()
        #expect(type == fixture)
        return engine.plan(eventType: type, envelope: envelope)
    }

    func run(_ fixture: String, allActive: Bool = false) throws -> [StoreAction?] {
        try self.plan(fixture, allActive: allActive).map(\.decision.action)
    }

    func data(_ fixture: String) throws -> JSON {
        try #require(try FixtureFiles.json("workos/\(fixture).json")["data"])
    }

    // MARK: - The file itself

    @Test func fixtureCopyMatchesTheShippedFile() throws {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
        let shipped = try Data(contentsOf: repository.appendingPathComponent("Config/inlet.json"))
        #expect(
            Array(shipped) == (try FixtureFiles.bytes("inlet.json")),
            "copy Config/inlet.json to Tests/InletTests/Fixtures/"
        )
    }

    @Test func loadsWithItsThreeVariables() throws {
        let config = try self.config()
        #expect(config.listen == "127.0.0.1:8080")
        #expect(config.data == "data/inlet.sqlite")
        #expect(config.environments == [EnvironmentConfig(name: "development", apiKeys: ["dev-api-key"])])
        #expect(
            config.workflows.map(\.key) == [
                "directory-user-deleted", "sso-connection-activated", "sso-connection-deactivated",
            ]
        )

        let source = try #require(config.sources.first)
        #expect(config.sources.count == 1)
        #expect(source.key == "workos")
        #expect(source.path == "/webhooks/workos/tok123")
        #expect(source.signingSecrets == ["whsec_FAKE_Example_Secret_0000"])
        #expect(source.enforceVerification && source.toleranceSeconds == 180)

        let active = source.mappings.filter(\.active).map { "\($0.event) \($0.action.rawValue)" }
        #expect(
            active == [
                "dsync.user.created users_identify", "dsync.user.updated users_identify",
                "dsync.user.deleted workflows_trigger", "dsync.group.created objects_set",
                "dsync.group.updated objects_set", "dsync.group.deleted objects_delete",
                "dsync.group.user_added objects_subscribe", "dsync.group.user_removed objects_unsubscribe",
                "connection.activated workflows_trigger", "connection.deactivated workflows_trigger",
            ]
        )
        #expect(source.mappings.filter { !$0.active }.count == 12)
        #expect(source.mappings.allSatisfy { $0.description?.isEmpty == false })
    }

    @Test func missingVariablesAreEachNamed() {
        #expect(
            TestConfigs.errors(String(decoding: (try? FixtureFiles.bytes("inlet.json")) ?? [], as: UTF8.self))
                .map(\.description) == [
                    "environments.development.api_keys[0]: environment variable INLET_API_KEY is not set",
                    "sources[0].path: environment variable INLET_WEBHOOK_TOKEN is not set",
                    "sources[0].signing_secrets[0]: environment variable WORKOS_WEBHOOK_SECRET is not set",
                ]
        )
    }

    @Test func offlineToolsMayLoadWithoutTheVariables() throws {
        let config = try ConfigLoader.load(
            bytes: try FixtureFiles.bytes("inlet.json"),
            environment: ["INLET_API_KEY": "set"],
            placeholdersForMissingVariables: true
        )
        #expect(config.environments[0].apiKeys == ["set"])
        #expect(config.sources[0].path == "/webhooks/workos/unset-INLET_WEBHOOK_TOKEN")
        #expect(config.sources[0].signingSecrets == ["unset-WORKOS_WEBHOOK_SECRET"])
    }

    // MARK: - Active mappings on every fixture

    @Test func everyFixtureHasAnEventTypeTimestampAndKey() throws {
        let engine = try self.engine(allActive: true)
        let names = try FixtureFiles.workosNames()
        #expect(names.count == 31)
        for name in names {
            let body = try FixtureFiles.json("workos/\(name)")
            let envelope = MappingEnvelope(body: body)
            #expect(try engine.eventType(envelope).get() + ".json" == name)
            #expect(engine.idempotencyKey(envelope) == body["id"]?.stringValue)
            #expect(engine.sourceTimestampMs(envelope) != nil, "\(name)")
            // Every planned action of every fixture runs or is skipped by a condition, never for bad data.
            for planned in engine.plan(eventType: try engine.eventType(envelope).get(), envelope: envelope) {
                if let reason = planned.decision.skipReason {
                    #expect(reason.hasPrefix("condition false: "), "\(name): \(reason)")
                }
                #expect(planned.decision.errorReason == nil, "\(name)")
            }
        }
    }

    @Test func unmappedEventsPlanNothing() throws {
        for fixture in [
            "dsync.activated", "dsync.deleted", "session.created", "session.revoked",
            "authentication.sso_succeeded", "authentication.password_failed", "organization.created", "user.created",
            "organization_membership.created",
        ] {
            #expect(try self.plan(fixture).isEmpty, "\(fixture)")
        }
    }

    @Test func directoryUserCreatedOldEra() throws {
        let properties: JSON = [
            "first_name": "Ada", "last_name": "Example",
            "directory_id": "directory_01KFE28RZ5RYP3ZSGFCXPXNNGN", "organization_id": .string(Self.orgID),
            "state": "active",
            "custom_attributes": ["department": "Engineering", "job_title": "Staff Engineer", "employee_id": "E-1001"],
            "name": "Ada Example", "email": "ada.example@example.com",
        ]
        #expect(try self.run("dsync.user.created") == [.identifyUser(id: Self.userID, properties: obj(properties))])

        let engine = try self.engine()
        let envelope = MappingEnvelope(body: try FixtureFiles.json("workos/dsync.user.created.json"))
        #expect(engine.sourceTimestampMs(envelope) == SourceTimestamp.milliseconds(parsing: "2026-02-10T17:03:21.904Z"))
        #expect(engine.idempotencyKey(envelope) == "event_01KH483X065TJ59JRQWNX7RJ5W")
    }

    @Test func directoryUserUpdatedCurrentEra() throws {
        let actions = try self.run("dsync.user.updated")
        guard case .identifyUser(let id, let properties)?? = actions.first, actions.count == 1 else {
            Issue.record("expected one identify: \(actions)")
            return
        }
        #expect(id == Self.userID)
        #expect(properties["email"] == "ada.example@example.com")
        #expect(properties["name"] == "Ada Example")
        #expect(properties["state"] == "active")
        #expect(
            properties["custom_attributes"] == [
                "department": "Platform", "job_title": "Principal Engineer", "employee_id": "E-1001",
                "cost_center": "CC-420",
            ]
        )
        #expect(!properties.contains("previous_attributes"))
    }

    @Test func emailAndNameFallBackAcrossEras() throws {
        let engine = try self.engine()
        // Reference vector C: a 2021 delivery with `emails[]`, names, and no top-level email or name.
        let oldest = try TestConfigs.envelope(
            #"{"id":"wh_01FJ27WB8SNT7VN72KRMYJYV8P","data":{"id":"directory_user_01E1X1B89NH8Z3SDFJ"#
                + #"R4H7RGX7","state":"active","emails":[{"type":"work","value":"veda@example.com","prima"#
                + #"ry":true}],"username":"veda@example.com","last_name":"Block","first_name":"Lela","dir"#
                + #"ectory_id":"directory_01E1X194NTJ3PYMAY79DYV0F0P"},"event":"dsync.user.created"}"#
        )
        let planned = engine.plan(eventType: "dsync.user.created", envelope: oldest)
        guard case .identifyUser(_, let properties)? = planned.first?.decision.action else {
            Issue.record("expected an identify: \(planned)")
            return
        }
        #expect(properties["email"] == "veda@example.com")
        #expect(properties["name"] == "Lela Block")
        #expect(!properties.contains("organization_id"))

        // Current era with the email removed: null is stored, not left stale.
        let cleared = try TestConfigs.envelope(
            #"{"event":"dsync.user.updated","data":{"id":"u1","email":null,"emails":[],"name":null,"#
                + #""first_name":null,"last_name":null}}"#
        )
        let clearedPlan = engine.plan(eventType: "dsync.user.updated", envelope: cleared)
        guard case .identifyUser(_, let clearedProperties)? = clearedPlan.first?.decision.action else {
            Issue.record("expected an identify: \(clearedPlan)")
            return
        }
        #expect(clearedProperties["email"] == .null)
        #expect(clearedProperties["name"] == .null)
    }

    @Test func directoryUserDeletedNotifiesTheOrganization() throws {
        #expect(
            try self.run("dsync.user.deleted") == [
                .triggerWorkflow(
                    key: "directory-user-deleted",
                    recipients: [Self.orgRecipient],
                    actor: nil,
                    data: try self.data("dsync.user.deleted"),
                    tenant: Self.orgID,
                    cancellationKey: nil
                )
            ]
        )
    }

    @Test func directoryGroups() throws {
        let properties = { (name: String) in
            obj([
                "directory_id": "directory_01KFE28RZ5RYP3ZSGFCXPXNNGN", "organization_id": .string(Self.orgID),
                "name": .string(name),
            ])
        }
        #expect(
            try self.run("dsync.group.created")
                == [.setObject(collection: "directory_groups", id: Self.groupID, properties: properties("Engineering"))]
        )
        #expect(
            try self.run("dsync.group.updated")
                == [
                    .setObject(
                        collection: "directory_groups",
                        id: Self.groupID,
                        properties: properties("Engineering Platform")
                    )
                ]
        )
        #expect(
            try self.run("dsync.group.deleted") == [.deleteObject(collection: "directory_groups", id: Self.groupID)]
        )
    }

    @Test func groupMembership() throws {
        #expect(
            try self.run("dsync.group.user_added") == [
                .subscribe(
                    collection: "directory_groups",
                    id: Self.groupID,
                    recipients: [
                        .user(
                            id: Self.userID,
                            properties: obj(["email": "ada.example@example.com", "name": "Ada Example"])
                        )
                    ],
                    properties: nil
                )
            ]
        )
        #expect(
            try self.run("dsync.group.user_removed") == [
                .unsubscribe(
                    collection: "directory_groups",
                    id: Self.groupID,
                    recipients: [.user(id: "directory_user_01KQY6CW3AYQ144DG3RJ5QV4TA", properties: nil)]
                )
            ]
        )

        // No `updated_at` in membership data: the envelope's `created_at` is the timestamp.
        let engine = try self.engine()
        let envelope = MappingEnvelope(body: try FixtureFiles.json("workos/dsync.group.user_removed.json"))
        #expect(engine.sourceTimestampMs(envelope) == SourceTimestamp.milliseconds(parsing: "2026-07-22T14:11:09.902Z"))
    }

    @Test func connections() throws {
        #expect(
            try self.run("connection.activated") == [
                .triggerWorkflow(
                    key: "sso-connection-activated",
                    recipients: [Self.orgRecipient],
                    actor: nil,
                    data: try self.data("connection.activated"),
                    tenant: Self.orgID,
                    cancellationKey: nil
                )
            ]
        )
        // The legacy-shaped delivery (no `object`, no `context`) maps the same way.
        #expect(
            try self.run("connection.deactivated") == [
                .triggerWorkflow(
                    key: "sso-connection-deactivated",
                    recipients: [Self.orgRecipient],
                    actor: nil,
                    data: try self.data("connection.deactivated"),
                    tenant: Self.orgID,
                    cancellationKey: nil
                )
            ]
        )
    }

    @Test func missingOrganizationSkipsTheTriggerWithAReason() throws {
        let engine = try self.engine()
        let source = #"object{collection: literal "organizations", id: data.organization_id}"#
        let nullOrg = try TestConfigs.envelope(
            #"{"event":"connection.activated","data":{"id":"conn_1","organization_id":null}}"#
        )
        #expect(
            engine.plan(eventType: "connection.activated", envelope: nullOrg).map(\.decision) == [
                .skipped(reason: #"param "recipients" id must be a string, found null at "# + source)
            ]
        )
        let noOrg = try TestConfigs.envelope(#"{"event":"connection.activated","data":{"id":"conn_1"}}"#)
        #expect(
            engine.plan(eventType: "connection.activated", envelope: noOrg).map(\.decision) == [
                .skipped(reason: #"param "recipients" is an object without "id" at "# + source)
            ]
        )
    }

    // MARK: - Opt-in mappings

    @Test func softDeleteTriggerOnlyWhenInactive() throws {
        let planned = try self.plan("dsync.user.updated", allActive: true)
        #expect(planned.map(\.type) == [.usersIdentify, .workflowsTrigger])
        #expect(planned[1].decision == .skipped(reason: #"condition false: data.state equals "inactive""#))

        let engine = try self.engine(allActive: true)
        var body = try #require(try FixtureFiles.json("workos/dsync.user.updated.json").objectValue)
        var data = try #require(body["data"]?.objectValue)
        data["state"] = "inactive"
        body["data"] = .object(data)
        let inactive = engine.plan(eventType: "dsync.user.updated", envelope: MappingEnvelope(body: .object(body)))
        #expect(
            inactive[1].decision
                == .run(
                    .triggerWorkflow(
                        key: "directory-user-deleted",
                        recipients: [Self.orgRecipient],
                        actor: nil,
                        data: .object(data),
                        tenant: Self.orgID,
                        cancellationKey: nil
                    )
                )
        )
    }

    @Test func optInDirectoryUserDeletion() throws {
        let actions = try self.run("dsync.user.deleted", allActive: true)
        #expect(actions.count == 2)
        #expect(actions.first == .deleteUser(id: Self.userID))
    }

    @Test func organizationsBecomeTenants() throws {
        #expect(
            try self.run("organization.created", allActive: true) == [
                .setTenant(
                    id: Self.orgID,
                    properties: obj([
                        "external_id": "acct-ex-0001", "metadata": ["tier": "enterprise"], "name": "Example Corp",
                    ])
                )
            ]
        )
        #expect(try self.run("organization.updated", allActive: true).first??.type == .tenantsSet)
        #expect(try self.run("organization.deleted", allActive: true) == [.deleteTenant(id: Self.orgID)])
    }

    @Test func onlyActiveAdminsStaySubscribedToTheirOrganization() throws {
        let admin = Recipient.user(id: "user_01KJW5T1VRCBJT267K7ENBJXXP", properties: nil)
        // created: role member, so no subscription.
        #expect(
            try self.plan("organization_membership.created", allActive: true).map(\.decision) == [
                .skipped(reason: #"condition false: all(data.role.slug equals "admin", data.status equals "active")"#)
            ]
        )
        // updated to admin: subscribe runs, unsubscribe is skipped.
        #expect(
            try self.plan("organization_membership.updated", allActive: true).map(\.decision) == [
                .run(.subscribe(collection: "organizations", id: Self.orgID, recipients: [admin], properties: nil)),
                .skipped(
                    reason: #"condition false: not(all(data.role.slug equals "admin", data.status equals "active"))"#
                ),
            ]
        )
        #expect(
            try self.run("organization_membership.deleted", allActive: true) == [
                .unsubscribe(collection: "organizations", id: Self.orgID, recipients: [admin])
            ]
        )
    }

    @Test func authKitUsers() throws {
        #expect(
            try self.run("user.created", allActive: true) == [
                .identifyUser(
                    id: "user_01KJW5T1VRCBJT267K7ENBJXXP",
                    properties: obj([
                        "first_name": "Ada", "last_name": "Example", "email_verified": false,
                        "external_id": "ext-ada-1001",
                        "metadata": [:], "name": "Ada Example", "email": "ada.example@example.com", "avatar": nil,
                        "locale": "en-US",
                    ])
                )
            ]
        )
        #expect(try self.run("user.deleted", allActive: true) == [.deleteUser(id: "user_01KJW5T1VRCBJT267K7ENBJXXP")])
    }
}

@Suite struct ConfigRedactionTests {
    @Test func printingAConfigNeverShowsSecretsKeysOrThePath() throws {
        let config = try ConfigLoader.load(
            bytes: try FixtureFiles.bytes("inlet.json"),
            environment: DefaultConfigTests.variables
        )
        var dumped = ""
        dump(config, to: &dumped)
        for text in [dumped, "\(config)", String(reflecting: config), "\(config.sources)", "\(config.environments)"] {
            #expect(!text.contains("whsec_FAKE_Example_Secret_0000"))
            #expect(!text.contains("dev-api-key"))
            #expect(!text.contains("tok123"))
        }
        #expect("\(config.sources[0])".contains("key: workos"))
    }
}
