import Testing

@testable import Inlet

/// The webhook answer written directly as bytes is byte for byte the serialized `answerJSON`.
@Suite struct WebhookAnswerTests {
    static let outcomes: [IngestOutcome] = [
        .processed(eventLogID: 1, actions: []),
        .processed(
            eventLogID: 9_007_199_254_740_993,
            actions: [
                ActionResult(type: .usersIdentify, mappingIndex: 0, status: .ok, reason: nil, result: nil),
                ActionResult(
                    type: .objectsSet,
                    mappingIndex: 1,
                    status: .skipped,
                    reason: "required param \"id\" is missing at data.id\n\u{1}\u{E9}\\",
                    result: nil
                ),
                ActionResult(
                    type: .workflowsTrigger,
                    mappingIndex: 2,
                    status: .ok,
                    reason: nil,
                    result: ["workflow_run_id": "run_\"1\"", "other": [1, 2]]
                ),
                ActionResult(
                    type: .workflowsCancel,
                    mappingIndex: 3,
                    status: .error,
                    reason: "",
                    result: ["workflow_run_id": ["nested": nil]]
                ),
                ActionResult(type: .tenantsSet, mappingIndex: 4, status: .ok, reason: nil, result: ["id": "t"]),
            ]
        ),
        .duplicate(eventLogID: 42, originalEventLogID: 7),
        .duplicate(eventLogID: -1, originalEventLogID: Int64.max),
    ]

    @Test(arguments: WebhookAnswerTests.outcomes)
    func answerBytesAreTheSerializedAnswer(outcome: IngestOutcome) throws {
        let bytes = outcome.answerBytes
        #expect(bytes == outcome.answerJSON.serializedBytes())
        #expect(try JSONParser().parse(bytes) == outcome.answerJSON)
    }

    @Test func answerBytesSpellTheDocumentedShape() {
        #expect(
            String(decoding: IngestOutcome.duplicate(eventLogID: 42, originalEventLogID: 7).answerBytes, as: UTF8.self)
                == #"{"status":"duplicate","event_log_id":42,"original_event_log_id":7}"#
        )
        let processed = IngestOutcome.processed(
            eventLogID: 3,
            actions: [ActionResult(type: .usersIdentify, mappingIndex: 0, status: .ok, reason: nil, result: nil)]
        )
        let expected =
            #"{"status":"processed","event_log_id":3,"#
            + #""actions":[{"type":"users_identify","status":"ok","reason":null}]}"#
        #expect(String(decoding: processed.answerBytes, as: UTF8.self) == expected)
    }
}
