import Testing

@testable import NeonHub

/// Each provider's events, ids, types and accounts, found in verified bodies.
@Suite struct WebhookEventParserTests {
    static func events(_ connector: WebhookConnector, _ body: String, headers: [(String, String)] = []) throws -> [ParsedWebhookEvent] {
        try WebhookEventParser.events(connector, WebhookVectors.request(connector.rawValue, body: body, headers: headers))
    }

    @Test func metaBatchesGiveOneStableEventPerChange() throws {
        let body =
            #"{"object":"page","entry":[{"id":"1040","time":1,"changes":[{"field":"feed","value":{"item":"comment","message":"hi"}},{"field":"mention","value":{"post_id":"9"}}]},{"id":"2050","time":2,"messaging":[{"sender":{"id":"5"},"message":{"mid":"m.1","text":"yo"}}]}]}"#
        let events = try Self.events(.meta, body)
        #expect(events.map(\.eventType) == ["feed", "mention", "messages"])
        #expect(events.map(\.accountID) == ["1040", "1040", "2050"])
        #expect(Set(events.map(\.eventID)).count == 3)
        #expect(events[0].payload["value"]?["message"] == .string("hi"))
        // The same event in another delivery (Meta retries, or batches differently) has the same id.
        let alone = try Self.events(
            .meta, #"{"object":"page","entry":[{"id":"1040","time":1,"changes":[{"field":"feed","value":{"message":"hi","item":"comment"}}]}]}"#)
        #expect(alone[0].eventID == events[0].eventID)
    }

    @Test func stripeSlackLinkedInPagerDutyAndDocuSignIdsTypesAndAccounts() throws {
        let stripe = try Self.events(.stripe, #"{"id":"evt_1","type":"charge.refunded","account":"acct_9"}"#)[0]
        #expect(stripe.eventID == "evt_1" && stripe.eventType == "charge.refunded" && stripe.accountID == "acct_9")
        let slack = try Self.events(.slack, #"{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"app_mention"}}"#)[0]
        #expect(slack.eventID == "Ev1" && slack.eventType == "app_mention" && slack.accountID == "T1")
        let linkedIn = try Self.events(
            .linkedin,
            #"{"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS","notificationId":2183,"organizationalEntity":"urn:li:organization:5","action":"COMMENT","sourcePost":"urn:li:share:7"}"#
        )[0]
        #expect(linkedIn.eventID == "2183" && linkedIn.accountID == "urn:li:organization:5")
        let pagerDuty = try Self.events(
            .pagerduty,
            #"{"event":{"id":"01DEN","event_type":"incident.triggered","data":{"html_url":"https://acme.pagerduty.com/incidents/PGR0VU2"}}}"#)[0]
        #expect(pagerDuty.eventID == "01DEN" && pagerDuty.eventType == "incident.triggered" && pagerDuty.accountID == "acme.pagerduty.com")
        let body = #"{"event":"envelope-completed","data":{"accountId":"acc-1","envelopeId":"env-1"}}"#
        let docuSign = try Self.events(.docusign, body)[0]
        #expect(docuSign.eventType == "envelope-completed" && docuSign.accountID == "acc-1" && docuSign.eventID == SHA256Digest.hex(Array(body.utf8)))
    }

    @Test func shopifyReadsItsHeaders() throws {
        let event = try Self.events(
            .shopify, #"{"id":1}"#,
            headers: [("X-Shopify-Topic", "orders/create"), ("X-Shopify-Shop-Domain", "s.myshopify.com"), ("X-Shopify-Webhook-Id", "w-1")])[0]
        #expect(event.eventID == "w-1" && event.eventType == "orders/create" && event.accountID == "s.myshopify.com")
        // The event id, where Shopify sends one, names the event across redeliveries
        // (https://shopify.dev/apps/build/webhooks/ignore-duplicates).
        let redelivered = try Self.events(
            .shopify, #"{"id":1}"#, headers: [("X-Shopify-Webhook-Id", "w-2"), ("X-Shopify-Event-Id", "e-1")])[0]
        #expect(redelivered.eventID == "e-1")
        let noID = try Self.events(.shopify, #"{"id":1}"#)[0]
        #expect(noID.eventID == SHA256Digest.hex(Array(#"{"id":1}"#.utf8)))
    }

    @Test func tiktokContentIsParsed() throws {
        let event = try Self.events(
            .tiktok, #"{"client_key":"k","event":"post.publish.complete","create_time":1,"user_openid":"o-1","content":"{\"publish_id\":\"p-1\"}"}"#)[
                0]
        #expect(event.eventType == "post.publish.complete" && event.accountID == "o-1")
        #expect(JSONPath.text(JSONPath.value(at: "content.publish_id", in: event.payload)) == "p-1")
        #expect(
            PublishStatusUpdate.from(connector: .tiktok, eventType: event.eventType, payload: event.payload)
                == PublishStatusUpdate(remoteID: "p-1", confirmed: true, remoteURL: nil))
    }

    @Test func formBodiesOfTwilioAndMailchimp() throws {
        let twilio = try Self.events(.twilio, "MessageSid=SM1&AccountSid=AC1&MessageStatus=delivered")[0]
        #expect(twilio.eventID == "SM1:delivered" && twilio.eventType == "message.delivered" && twilio.accountID == "AC1")
        let mailchimp = try Self.events(.mailchimp, "type=subscribe&fired_at=2026-01-01+00%3A00%3A00&data%5Blist_id%5D=a6b5da1054")[0]
        #expect(mailchimp.eventType == "subscribe" && mailchimp.accountID == "a6b5da1054")
    }

    @Test func aSignedBodyThatIsNotJSONIsMalformed() {
        #expect(throws: WebhookError(.malformedPayload, "the body is not valid JSON")) { try Self.events(.stripe, "not json") }
        #expect(throws: WebhookError.self) { try Self.events(.stripe, "[1]") }
    }

    @Test func metaFeedPostsConfirmPublication() {
        let payload: JSONValue = .object([
            "field": .string("feed"), "value": .object(["item": .string("status"), "verb": .string("add"), "post_id": .string("1040_77")]),
        ])
        #expect(
            PublishStatusUpdate.from(connector: .meta, eventType: "feed", payload: payload)
                == PublishStatusUpdate(remoteID: "1040_77", confirmed: true, remoteURL: nil))
        let scheduled: JSONValue = .object(["value": .object(["verb": .string("add"), "post_id": .string("1"), "published": .number(0)])])
        #expect(PublishStatusUpdate.from(connector: .meta, eventType: "feed", payload: scheduled)?.confirmed == false)
        #expect(PublishStatusUpdate.from(connector: .stripe, eventType: "feed", payload: payload) == nil)
    }
}
