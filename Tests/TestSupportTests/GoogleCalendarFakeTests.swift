import Foundation
import TestSupport
import Testing

/// The Google Calendar fake, driven with plain HTTP as Google's reference shows each call:
/// https://developers.google.com/workspace/calendar/api/v3/reference/calendarList/list,
/// https://developers.google.com/workspace/calendar/api/v3/reference/events/list,
/// https://developers.google.com/workspace/calendar/api/v3/reference/events/insert,
/// https://developers.google.com/workspace/calendar/api/v3/reference/events/patch,
/// https://developers.google.com/workspace/calendar/api/guides/errors.
@Suite struct GoogleCalendarFakeTests {
    static let events = "https://www.googleapis.com/auth/calendar.events"
    static let readonly = "https://www.googleapis.com/auth/calendar.readonly"

    private func withFake(_ body: (GoogleCalendarFake, HTTPTestClient) async throws -> Void) async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleCalendarFake(oauth: oauth)
        try oauth.start()
        try fake.start()
        do {
            try await body(fake, HTTPTestClient(baseURL: fake.server.baseURL))
            await fake.stopWithoutBlocking()
            await oauth.stopWithoutBlocking()
        } catch {
            await fake.stopWithoutBlocking()
            await oauth.stopWithoutBlocking()
            throw error
        }
    }

    private static func token(_ fake: GoogleCalendarFake, _ scopes: [String] = [readonly, events]) -> String {
        fake.oauth.issueTokens(scopes: scopes).accessToken
    }

    private static func call(
        _ client: HTTPTestClient, _ method: String, _ path: String, token: String?, json: [String: Any]? = nil,
        contentType: String = "application/json"
    ) async throws -> (status: Int, body: [String: Any]) {
        var headers = token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
        if json != nil { headers["Content-Type"] = contentType }
        let reply = try await client.request(
            method, "/calendar/v3" + path, headers: headers, body: try json.map { try JSONSerialization.data(withJSONObject: $0) })
        return (reply.status, (try? reply.json()) ?? [:])
    }

    /// `errors[0].reason` of an error body.
    private static func reason(_ body: [String: Any]) -> String? {
        ((body["error"] as? [String: Any])?["errors"] as? [[String: Any]])?.first?["reason"] as? String
    }

    private static func message(_ body: [String: Any]) -> String? { (body["error"] as? [String: Any])?["message"] as? String }

    private static func ids(_ body: [String: Any]) -> [String] { (body["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } }

    static let holidayPath = "en.usa%23holiday%40group.v.calendar.google.com"

    @Test func calendarListFiltersByRoleHidesHiddenAndPages() async throws {
        try await withFake { fake, client in
            let token = Self.token(fake)
            let all = try await Self.call(client, "GET", "/users/me/calendarList", token: token)
            #expect(all.status == 200)
            #expect(all.body["kind"] as? String == "calendar#calendarList")
            #expect(Self.ids(all.body).count == 4, "the hidden calendar only with showHidden")
            #expect((all.body["items"] as? [[String: Any]])?.first?["primary"] as? Bool == true)
            #expect(all.body["nextSyncToken"] != nil && all.body["nextPageToken"] == nil)
            let writers = try await Self.call(client, "GET", "/users/me/calendarList?minAccessRole=writer&showHidden=true", token: token)
            #expect(Self.ids(writers.body) == [fake.oauth.user.email, GoogleCalendarFake.teamCalendar, "c_hidden0archive@group.calendar.google.com"])

            let first = try await Self.call(client, "GET", "/users/me/calendarList?maxResults=2", token: token)
            let next = try #require(first.body["nextPageToken"] as? String)
            #expect(first.body["nextSyncToken"] == nil, "a sync token only on the last page")
            let second = try await Self.call(client, "GET", "/users/me/calendarList?maxResults=2&pageToken=\(next)", token: token)
            #expect(Self.ids(first.body) + Self.ids(second.body) == Self.ids(all.body))
            // A page token belongs to its query; maxResults under 1 and unknown roles are refused.
            let crossed = try await Self.call(client, "GET", "/users/me/calendarList?minAccessRole=owner&pageToken=\(next)", token: token)
            #expect(crossed.status == 400)
            let zero = try await Self.call(client, "GET", "/users/me/calendarList?maxResults=0", token: token)
            #expect(zero.status == 400 && Self.reason(zero.body) == "invalid")
            let role = try await Self.call(client, "GET", "/users/me/calendarList?minAccessRole=admin", token: token)
            #expect(role.status == 400)
            // Over 250 is capped, not refused.
            for index in 0..<260 { fake.addCalendar(.init(id: "c_\(index)@group.calendar.google.com", summary: "C\(index)", accessRole: "reader")) }
            let capped = try await Self.call(client, "GET", "/users/me/calendarList?maxResults=1000", token: token)
            #expect(Self.ids(capped.body).count == 250 && capped.body["nextPageToken"] != nil)
        }
    }

    @Test func requestsAreRefusedAsGoogleRefusesThem() async throws {
        try await withFake { fake, client in
            let token = Self.token(fake)
            let missing = try await Self.call(client, "GET", "/users/me/calendarList", token: nil)
            #expect(missing.status == 401 && Self.reason(missing.body) == "authError")
            #expect(Self.message(missing.body) == "Invalid Credentials")
            let forged = try await Self.call(client, "GET", "/users/me/calendarList", token: "ya29.forged")
            #expect(forged.status == 401)
            let expired = Self.token(fake)
            fake.oauth.expire(accessToken: expired)
            #expect(try await Self.call(client, "GET", "/calendars/primary/events", token: expired).status == 401)
            // calendar.events alone does not cover the calendar list; a read-only token cannot write.
            let eventsOnly = Self.token(fake, [Self.events])
            let list = try await Self.call(client, "GET", "/users/me/calendarList", token: eventsOnly)
            #expect(list.status == 403 && Self.reason(list.body) == "insufficientPermissions")
            let reader = Self.token(fake, [Self.readonly])
            let write = try await Self.call(client, "POST", "/calendars/primary/events", token: reader, json: Self.meeting)
            #expect(write.status == 403)
            #expect(fake.events(in: "primary").isEmpty)
            // Wrong paths and methods.
            #expect(try await Self.call(client, "GET", "/calendarList", token: token).status == 404)
            #expect(try await Self.call(client, "GET", "/users/someone/calendarList", token: token).status == 404)
            #expect(try await Self.call(client, "DELETE", "/calendars/primary/events", token: token).status == 404)
            #expect(try await Self.call(client, "PUT", "/calendars/primary/events", token: token, json: Self.meeting).status == 404)
            // An unknown calendar; a write on a read-only one.
            let unknown = try await Self.call(client, "GET", "/calendars/nobody%40example.com/events", token: token)
            #expect(unknown.status == 404 && Self.reason(unknown.body) == "notFound")
            let holidays = try await Self.call(client, "POST", "/calendars/\(Self.holidayPath)/events", token: token, json: Self.meeting)
            #expect(holidays.status == 403 && Self.reason(holidays.body) == "requiredAccessLevel")
        }
    }

    static var meeting: [String: Any] {
        [
            "summary": "Tasting", "start": ["dateTime": "2026-12-10T10:00:00+01:00"], "end": ["dateTime": "2026-12-10T11:00:00+01:00"],
            "attendees": [["email": "sam.buyer@example.com"]],
        ]
    }

    @Test func eventsListFiltersByTimeAndTextOrdersAndPages() async throws {
        try await withFake { fake, client in
            let token = Self.token(fake)
            fake.seedEvents(count: 5, firstDay: "2026-12-01")
            fake.addEvent(summary: "Board meeting", start: .init(date: "2026-11-30"), end: .init(date: "2026-12-01"), location: "Berlin")
            let window = "timeMin=2026-12-02T00:00:00Z&timeMax=2026-12-04T00:00:00%2B01:00"
            let ranged = try await Self.call(client, "GET", "/calendars/primary/events?\(window)", token: token)
            #expect(ranged.status == 200 && ranged.body["kind"] as? String == "calendar#events")
            #expect((ranged.body["items"] as? [[String: Any]])?.compactMap { $0["summary"] as? String } == ["Event 2", "Event 3"])
            let search = try await Self.call(client, "GET", "/calendars/primary/events?q=berlin", token: token)
            #expect((search.body["items"] as? [[String: Any]])?.first?["summary"] as? String == "Board meeting" && Self.ids(search.body).count == 1)
            let ordered = try await Self.call(client, "GET", "/calendars/primary/events?singleEvents=true&orderBy=startTime", token: token)
            #expect((ordered.body["items"] as? [[String: Any]])?.first?["summary"] as? String == "Board meeting")

            let unordered = try await Self.call(client, "GET", "/calendars/primary/events?orderBy=startTime", token: token)
            #expect(unordered.status == 400 && Self.message(unordered.body) == "The requested ordering is not available for the particular query.")
            let noOffset = try await Self.call(client, "GET", "/calendars/primary/events?timeMin=2026-12-02T00:00:00", token: token)
            #expect(noOffset.status == 400 && Self.reason(noOffset.body) == "badRequest")
            let empty = try await Self.call(
                client, "GET", "/calendars/primary/events?timeMin=2026-12-04T00:00:00Z&timeMax=2026-12-02T00:00:00Z", token: token)
            #expect(empty.status == 400 && Self.reason(empty.body) == "timeRangeEmpty")

            // Pages of 2, the filters kept on every page; then a sync token returns only changes.
            var seen: [String] = []
            var path = "/calendars/primary/events?maxResults=2&singleEvents=true"
            var syncToken: String?
            for _ in 0..<5 {
                let page = try await Self.call(client, "GET", path, token: token)
                seen += Self.ids(page.body)
                guard let next = page.body["nextPageToken"] as? String else {
                    syncToken = page.body["nextSyncToken"] as? String
                    break
                }
                path = "/calendars/primary/events?maxResults=2&singleEvents=true&pageToken=\(next)"
            }
            #expect(seen.count == 6 && Set(seen).count == 6)
            let sync = try #require(syncToken)
            let clash = try await Self.call(client, "GET", "/calendars/primary/events?syncToken=\(sync)&q=x", token: token)
            #expect(clash.status == 400)
            let changed = fake.addEvent(summary: "New", start: .init(date: "2026-12-20"), end: .init(date: "2026-12-21"))
            let delta = try await Self.call(client, "GET", "/calendars/primary/events?syncToken=\(sync)", token: token)
            #expect(Self.ids(delta.body) == [changed])
            fake.expireSyncTokens()
            let gone = try await Self.call(client, "GET", "/calendars/primary/events?syncToken=\(sync)", token: token)
            #expect(gone.status == 410 && Self.reason(gone.body) == "fullSyncRequired")
            // A free/busy reader sees busy times, not titles.
            fake.addEvent(calendar: "sam.colleague@example.com", summary: "Private", start: .init(date: "2026-12-07"), end: .init(date: "2026-12-08"))
            let busy = try await Self.call(client, "GET", "/calendars/sam.colleague%40example.com/events", token: token)
            #expect(busy.status == 200 && Self.ids(busy.body).count == 1)
            #expect((busy.body["items"] as? [[String: Any]])?.first?["summary"] == nil)
        }
    }

    @Test func insertValidatesTheEventAndStoresIt() async throws {
        try await withFake { fake, client in
            let token = Self.token(fake)
            let path = "/calendars/\(GoogleCalendarFake.teamCalendar.replacingOccurrences(of: "@", with: "%40"))/events?sendUpdates=all"
            let created = try await Self.call(client, "POST", path, token: token, json: Self.meeting)
            #expect(created.status == 200)
            #expect(created.body["kind"] as? String == "calendar#event" && created.body["status"] as? String == "confirmed")
            #expect((created.body["htmlLink"] as? String)?.hasPrefix("https://www.google.com/calendar/event?eid=") == true)
            let id = try #require(created.body["id"] as? String)
            #expect(id.range(of: "^[a-v0-9]{5,1024}$", options: .regularExpression) != nil, "base32hex")
            let stored = try #require(fake.event(id))
            #expect(stored.calendarID == GoogleCalendarFake.teamCalendar && stored.sendUpdates == "all")
            #expect(stored.attendees.map(\.responseStatus) == ["needsAction"])

            func refused(_ change: [String: Any], query: String = "") async throws -> (Int, String?, String?) {
                let body = Self.meeting.merging(change) { $1 }
                let reply = try await Self.call(client, "POST", "/calendars/primary/events\(query)", token: token, json: body)
                return (reply.status, Self.reason(reply.body), Self.message(reply.body))
            }
            let backwards = try await refused(["end": ["dateTime": "2026-12-10T09:00:00+01:00"]])
            #expect(backwards.0 == 400 && backwards.1 == "timeRangeEmpty" && backwards.2 == "The specified time range is empty.")
            #expect(try await refused(["end": NSNull()]).2 == "Missing end time.")
            #expect(try await refused(["start": ["dateTime": "2026-12-10T10:00:00"]]).2 == "Missing time zone definition for start time.")
            #expect(try await refused(["start": ["date": "2026-12-10"]]).0 == 400, "date and dateTime mixed")
            #expect(try await refused(["attendees": [["email": "not-an-address"]]]).1 == "invalid")
            #expect(try await refused([:], query: "?sendUpdates=everyone").0 == 400)
            #expect(try await refused([:], query: "?conferenceDataVersion=2").0 == 400)
            let form = try await Self.call(client, "POST", "/calendars/primary/events", token: token, json: Self.meeting, contentType: "text/plain")
            #expect(form.status == 400 && Self.reason(form.body) == "parseError")
            #expect(fake.events(in: "primary").isEmpty, "nothing refused was stored")
            // A local time with its zone, and an all-day event, are accepted; summary is optional.
            let zoned = try await refused([
                "summary": NSNull(), "start": ["dateTime": "2026-12-10T10:00:00", "timeZone": "Europe/Berlin"],
                "end": ["dateTime": "2026-12-10T10:30:00", "timeZone": "Europe/Berlin"],
            ])
            #expect(zoned.0 == 200)
            #expect(try await refused(["start": ["date": "2026-12-24"], "end": ["date": "2026-12-25"]]).0 == 200)
        }
    }

    @Test func patchChangesOnlyWhatIsSentAndKnowsMissingAndDeletedEvents() async throws {
        try await withFake { fake, client in
            let token = Self.token(fake)
            let id = fake.addEvent(
                summary: "Tasting", start: .init(dateTime: "2026-12-10T10:00:00Z"), end: .init(dateTime: "2026-12-10T11:00:00Z"),
                description: "Bring samples")
            let patched = try await Self.call(client, "PATCH", "/calendars/primary/events/\(id)", token: token, json: ["summary": "Tasting (moved)"])
            #expect(patched.status == 200)
            #expect(fake.event(id)?.summary == "Tasting (moved)" && fake.event(id)?.description == "Bring samples")
            #expect(fake.event(id)?.sequence == 0, "a new title does not bump the sequence")
            // An explicit null clears; a new end before the kept start is refused.
            _ = try await Self.call(client, "PATCH", "/calendars/primary/events/\(id)", token: token, json: ["description": NSNull()])
            #expect(fake.event(id)?.description == nil)
            let backwards = try await Self.call(
                client, "PATCH", "/calendars/primary/events/\(id)", token: token, json: ["end": ["dateTime": "2026-12-10T09:00:00Z"]])
            #expect(backwards.status == 400 && Self.reason(backwards.body) == "timeRangeEmpty")
            let moved = try await Self.call(
                client, "PATCH", "/calendars/primary/events/\(id)", token: token, json: ["end": ["dateTime": "2026-12-10T12:00:00Z"]])
            #expect(moved.status == 200 && moved.body["sequence"] as? Int == 1)

            let missing = try await Self.call(client, "PATCH", "/calendars/primary/events/nope123", token: token, json: ["summary": "x"])
            #expect(missing.status == 404 && Self.reason(missing.body) == "notFound" && Self.message(missing.body) == "Not Found")
            fake.delete(eventID: id)
            let deleted = try await Self.call(client, "PATCH", "/calendars/primary/events/\(id)", token: token, json: ["summary": "x"])
            #expect(deleted.status == 410 && Self.reason(deleted.body) == "deleted")
        }
    }

    @Test func scriptedFaultsAnswerInGooglesEnvelope() async throws {
        try await withFake { fake, client in
            let token = Self.token(fake)
            fake.failNext(.rateLimitExceeded)
            fake.failNext(.tooManyRequests)
            let first = try await Self.call(client, "GET", "/users/me/calendarList", token: token)
            #expect(first.status == 403 && Self.reason(first.body) == "rateLimitExceeded")
            let error = try #require(first.body["error"] as? [String: Any])
            #expect(error["code"] as? Int == 403 && error["message"] as? String == "Rate Limit Exceeded")
            #expect((error["errors"] as? [[String: Any]])?.first?["domain"] as? String == "usageLimits")
            let second = try await Self.call(client, "GET", "/users/me/calendarList", token: token)
            #expect(second.status == 429 && (second.body["error"] as? [String: Any])?["status"] as? String == "RESOURCE_EXHAUSTED")
            #expect(try await Self.call(client, "GET", "/users/me/calendarList", token: token).status == 200)
            // Faults come after authentication, as a quota is only counted for a known caller.
            fake.failNext(.backendError)
            #expect(try await Self.call(client, "GET", "/users/me/calendarList", token: nil).status == 401)
            #expect(try await Self.call(client, "GET", "/users/me/calendarList", token: token).status == 500)
        }
    }
}
