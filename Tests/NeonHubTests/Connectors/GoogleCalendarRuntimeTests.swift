import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Google Calendar definition run by the real runtime against the Calendar fake (which
/// follows Google's Calendar API v3 reference) and Google's OAuth fake: each action's request
/// must be what Google accepts, its answer mapped, its errors classified by Google's reasons.
@Suite struct GoogleCalendarRuntimeTests {
    static let readonly = "https://www.googleapis.com/auth/calendar.readonly"
    static let events = "https://www.googleapis.com/auth/calendar.events"

    func withCalendar(_ body: (GoogleCalendarFake, ConnectorRuntime, GoogleOAuthFake.Tokens) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleCalendarFake(oauth: oauth)
        try oauth.start()
        try fake.start()
        do {
            let runtime = try GoogleConnectorTestSupport.runtime("google-calendar", base: fake.apiBaseURL)
            try await body(fake, runtime, oauth.issueTokens(scopes: [Self.readonly, Self.events]))
            await fake.stopWithoutBlocking()
            await oauth.stopWithoutBlocking()
        } catch {
            await fake.stopWithoutBlocking()
            await oauth.stopWithoutBlocking()
            throw error
        }
    }

    static func call(_ action: String, _ input: [String: JSONValue] = [:], calendar: String? = nil) -> ConnectorCall {
        ConnectorCall(connector: "google-calendar", action: action, input: .object(input), accountID: calendar)
    }

    static let meeting: [String: JSONValue] = [
        "summary": .string("Wholesale tasting"), "description": .string("Bring the spring samples"),
        "start": .object(["dateTime": .string("2026-12-10T10:00:00+01:00")]), "end": .object(["dateTime": .string("2026-12-10T11:00:00+01:00")]),
        "attendees": .array([.object(["email": .string("sam.buyer@example.com")])]),
    ]

    @Test func writableCalendarsAreTheAccounts() async throws {
        try await withCalendar { fake, runtime, tokens in
            let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
            #expect(catalog["google-calendar"]?.definition.accounts?.action == "calendarList.list")
            let result = try await runtime.execute(Self.call("calendarList.list")) { _ in .token(tokens.accessToken) }
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "GET" && sent.path == "/calendar/v3/users/me/calendarList")
            #expect(sent.header("Authorization") == "Bearer \(tokens.accessToken)")
            #expect(sent.queryItems["minAccessRole"] == ["writer"])
            let items = GoogleConnectorTestSupport.items(result.output)
            #expect(items.compactMap { JSONPath.text($0["id"]) } == [fake.oauth.user.email, GoogleCalendarFake.teamCalendar])
            #expect(items.first?["name"] == .string(fake.oauth.user.email))
            #expect(items.first?["primary"] == .bool(true))
            #expect(items.last?["accessRole"] == .string("writer"))
            #expect(items.last?["timeZone"] == .string("Europe/Berlin"))
        }
    }

    @Test func calendarListPagesWithPageTokenUntilTheLimit() async throws {
        try await withCalendar { fake, runtime, tokens in
            for index in 0..<130 {
                fake.addCalendar(.init(id: "c_\(index)@group.calendar.google.com", summary: "Shared \(index)", accessRole: "owner"))
            }
            let all = try await runtime.execute(Self.call("calendarList.list")) { _ in .token(tokens.accessToken) }
            #expect(GoogleConnectorTestSupport.items(all.output).count == 132)
            let pages = fake.server.requests("GET", "/calendar/v3/users/me/calendarList")
            #expect(pages.count == 2)
            #expect(pages[0].queryItems["pageToken"] == nil)
            #expect(pages[1].queryItems["pageToken"] != nil)
            #expect(pages.allSatisfy { Int($0.queryItems["maxResults"]?.last ?? "") ?? 0 <= 250 }, "Google caps calendarList pages at 250")
            let bounded = try await runtime.execute(Self.call("calendarList.list", ["limit": .number(120)])) { _ in .token(tokens.accessToken) }
            #expect(GoogleConnectorTestSupport.items(bounded.output).count == 120)
            #expect(bounded.output["truncated"] == .bool(true))
        }
    }

    @Test func eventsArePagedInStartOrderBoundedByTheLimit() async throws {
        try await withCalendar { fake, runtime, tokens in
            fake.seedEvents(count: 300, firstDay: "2026-01-01")
            let result = try await runtime.execute(
                Self.call("events.list", ["timeMin": .string("2026-01-02T00:00:00+01:00"), "limit": .number(260)], calendar: "primary")
            ) { _ in .token(tokens.accessToken) }
            let items = GoogleConnectorTestSupport.items(result.output)
            #expect(items.count == 260)
            #expect(items.first?["summary"] == .string("Event 2"), "Event 1 ended before timeMin")
            #expect(items.first?["start"] == .string("2026-01-02T09:00:00.000Z"))
            #expect(JSONPath.text(items.first?["url"])?.hasPrefix("https://www.google.com/calendar/event?eid=") == true)
            #expect(result.output["truncated"] == .bool(true))
            let pages = fake.server.requests("GET", "/calendar/v3/calendars/*/events")
            #expect(pages.count == 2, "250 + 10: no third page past the limit")
            #expect(pages.allSatisfy { $0.queryItems["singleEvents"] == ["true"] && $0.queryItems["orderBy"] == ["startTime"] })
            #expect(pages.allSatisfy { $0.queryItems["timeMin"] == ["2026-01-02T00:00:00+01:00"] }, "filters kept on every page")
            #expect(pages[1].queryItems["pageToken"] != nil)
            #expect(pages.allSatisfy { Int($0.queryItems["maxResults"]?.last ?? "") ?? 0 <= 2500 })

            // A calendar id with '#' and '@' reaches Google as one path segment.
            let holiday = fake.addEvent(
                calendar: GoogleCalendarFake.holidayCalendar, summary: "Christmas Day", start: .init(date: "2026-12-25"),
                end: .init(date: "2026-12-26"))
            let holidays = try await runtime.execute(
                Self.call("events.list", ["q": .string("christmas")], calendar: GoogleCalendarFake.holidayCalendar)
            ) {
                _ in .token(tokens.accessToken)
            }
            let found = GoogleConnectorTestSupport.items(holidays.output)
            #expect(found.compactMap { JSONPath.text($0["id"]) } == [holiday])
            #expect(found.first?["startDate"] == .string("2026-12-25"))
            #expect(fake.requests.last?.path.contains("en.usa%23holiday") == true)
        }
    }

    @Test func anEventIsInsertedWithItsAttendees() async throws {
        try await withCalendar { fake, runtime, tokens in
            let result = try await runtime.execute(Self.call("events.insert", Self.meeting, calendar: GoogleCalendarFake.teamCalendar)) { _ in
                .token(tokens.accessToken)
            }
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "POST" && sent.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(sent.queryItems["sendUpdates"] == ["none"])
            let stored = try #require(fake.events(in: GoogleCalendarFake.teamCalendar).first)
            #expect(stored.summary == "Wholesale tasting" && stored.description == "Bring the spring samples")
            #expect(stored.start == .init(dateTime: "2026-12-10T10:00:00+01:00"))
            #expect(stored.attendees.map(\.email) == ["sam.buyer@example.com"])
            #expect(result.output["id"] == .string(stored.id))
            #expect(result.output["status"] == .string("confirmed"))
            #expect(JSONPath.text(result.output["url"])?.hasPrefix("https://www.google.com/calendar/event?eid=") == true)

            // What the schema refuses never leaves.
            let before = fake.requests.count
            var noEnd = Self.meeting
            noEnd["end"] = nil
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("events.insert", noEnd, calendar: "primary")) { _ in .token(tokens.accessToken) }
            }
            #expect(refused?.code == .invalidInput)
            #expect(fake.requests.count == before)
        }
    }

    @Test func aPatchChangesOnlyTheFieldsGiven() async throws {
        try await withCalendar { fake, runtime, tokens in
            let id = fake.addEvent(
                summary: "Tasting", start: .init(dateTime: "2026-12-10T10:00:00Z"), end: .init(dateTime: "2026-12-10T11:00:00Z"),
                description: "Bring samples", location: "Showroom")
            let result = try await runtime.execute(
                Self.call(
                    "events.patch", ["eventId": .string(id), "summary": .string("Tasting (moved)"), "sendUpdates": .string("all")],
                    calendar: "primary")
            ) { _ in .token(tokens.accessToken) }
            let sent = try #require(fake.requests.last)
            #expect(sent.method == "PATCH" && sent.path == "/calendar/v3/calendars/primary/events/\(id)")
            #expect(sent.queryItems["sendUpdates"] == ["all"])
            let event = try #require(fake.event(id))
            #expect(event.summary == "Tasting (moved)")
            #expect(event.description == "Bring samples", "a patch without description must not clear it")
            #expect(event.start == .init(dateTime: "2026-12-10T10:00:00Z"))
            #expect(result.output["id"] == .string(id))
            #expect(JSONPath.text(result.output["updated"])?.isEmpty == false)
        }
    }

    @Test func anExpiredTokenIsRefreshedOnceAndTheCallRepeated() async throws {
        try await withCalendar { fake, runtime, tokens in
            fake.oauth.expire(accessToken: tokens.accessToken)
            let source = try GoogleConnectorTestSupport.credentials("google-calendar", oauth: fake.oauth, tokens: tokens)
            let result = try await runtime.execute(Self.call("events.list", calendar: "primary"), credentials: source)
            #expect(result.output["items"] != nil)
            #expect(fake.oauth.refreshCount == 1)
            #expect(fake.requests.count == 2)
            #expect(fake.requests[0].header("Authorization") == "Bearer \(tokens.accessToken)")
            #expect(fake.requests[1].header("Authorization") != fake.requests[0].header("Authorization"))
            let grant = try #require(fake.oauth.requests.last)
            #expect(grant.formItems["grant_type"] == ["refresh_token"])
            // Without a way to refresh, the 401 is an auth error naming Google's reason.
            let expired = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("calendarList.list")) { _ in .token(tokens.accessToken) }
            }
            #expect(expired?.code == .providerAuth)
            #expect(expired?.providerCode == "authError")
        }
    }

    @Test func rateLimitsAndPermanentErrorsAreClassifiedByGooglesReasons() async throws {
        try await withCalendar { fake, runtime, tokens in
            let token = tokens.accessToken
            // 403 rateLimitExceeded is a rate limit, though its status is 403.
            fake.failNext(.rateLimitExceeded)
            let limited = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("calendarList.list")) { _ in .token(token) }
            }
            #expect(limited?.code == .providerRateLimited)
            #expect(limited?.providerCode == "rateLimitExceeded")
            fake.failNext(.userRateLimitExceeded)
            let user = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("events.list", calendar: "primary")) { _ in .token(token) }
            }
            #expect(user?.code == .providerRateLimited)

            // 400 timeRangeEmpty: permanent, with Google's reason and message; nothing stored.
            var backwards = Self.meeting
            backwards["end"] = .object(["dateTime": .string("2026-12-10T09:00:00+01:00")])
            let invalid = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("events.insert", backwards, calendar: "primary")) { _ in .token(token) }
            }
            #expect(invalid?.code == .providerRejected)
            #expect(invalid?.providerCode == "timeRangeEmpty")
            #expect(invalid?.message.contains("The specified time range is empty.") == true)
            #expect(fake.events(in: "primary").isEmpty)

            // 404 notFound and 410 deleted on a patch: permanent.
            let missing = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call("events.patch", ["eventId": .string("doesnotexist1"), "summary": .string("x")], calendar: "primary")
                ) {
                    _ in .token(token)
                }
            }
            #expect(missing?.code == .providerRejected)
            #expect(missing?.providerCode == "notFound")
            #expect(missing?.message.contains("Not Found") == true)
            let id = fake.addEvent(summary: "Old", start: .init(date: "2026-12-01"), end: .init(date: "2026-12-02"))
            fake.delete(eventID: id)
            let gone = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("events.patch", ["eventId": .string(id), "summary": .string("x")], calendar: "primary")) { _ in
                    .token(token)
                }
            }
            #expect(gone?.code == .providerRejected)
            #expect(gone?.providerCode == "deleted")
        }
    }

    @Test func timesAreHeldToRFC3339WithAnOffset() async throws {
        try await withCalendar { fake, runtime, tokens in
            // The schema's date-time format refuses a local time before Google would.
            let local = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("events.list", ["timeMin": .string("2026-12-02T00:00:00")], calendar: "primary")) { _ in
                    .token(tokens.accessToken)
                }
            }
            #expect(local?.code == .invalidInput)
            #expect(fake.requests.isEmpty)
            // events.patch's start has insert's schema: a local time without a zone is refused
            // before it is sent (Google would refuse it too: "Missing time zone definition").
            let id = fake.addEvent(summary: "Tasting", start: .init(dateTime: "2026-12-10T10:00:00Z"), end: .init(dateTime: "2026-12-10T11:00:00Z"))
            let zoneless = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(
                    Self.call(
                        "events.patch", ["eventId": .string(id), "start": .object(["dateTime": .string("2026-12-10T10:30:00")])], calendar: "primary")
                ) { _ in .token(tokens.accessToken) }
            }
            #expect(zoneless?.code == .invalidInput)
            #expect(fake.requests.isEmpty)
            #expect(fake.event(id)?.start == .init(dateTime: "2026-12-10T10:00:00Z"))
        }
    }

    @Test
    func aWriteOnAReadOnlyCalendarIsPermanentNotAnAuthFailure() async throws {
        try await withCalendar { fake, runtime, tokens in
            let source = try GoogleConnectorTestSupport.credentials("google-calendar", oauth: fake.oauth, tokens: tokens)
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(Self.call("events.insert", Self.meeting, calendar: GoogleCalendarFake.holidayCalendar), credentials: source)
            }
            #expect(refused?.code == .providerRejected)
            #expect(refused?.providerCode == "requiredAccessLevel")
            #expect(fake.oauth.refreshCount == 0, "a calendar the user cannot write is not a token problem")
        }
    }
}
