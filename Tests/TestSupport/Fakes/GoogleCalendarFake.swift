// A fake of the Google Calendar API v3 (www.googleapis.com/calendar/v3) on loopback, following
// Google's documentation — not what our connector definition assumes:
//
// - REST reference, each method's path, query parameters, request and response bodies and
//   authorization scopes: https://developers.google.com/workspace/calendar/api/v3/reference
//   https://developers.google.com/workspace/calendar/api/v3/reference/calendarList/list
//   https://developers.google.com/workspace/calendar/api/v3/reference/events/list
//   https://developers.google.com/workspace/calendar/api/v3/reference/events/insert
//   https://developers.google.com/workspace/calendar/api/v3/reference/events/patch
//   https://developers.google.com/workspace/calendar/api/v3/reference/events (the Event resource)
// - Pagination and incremental sync (nextPageToken, nextSyncToken on the last page only, the
//   parameters a syncToken refuses, 410 fullSyncRequired):
//   https://developers.google.com/workspace/calendar/api/guides/pagination
//   https://developers.google.com/workspace/calendar/api/guides/sync
// - Patch semantics (absent members keep their value, an explicit null clears it):
//   https://developers.google.com/workspace/calendar/api/guides/performance#patch
// - Handle API errors (`{error: {code, message, errors: [{domain, reason, message,
//   locationType, location}]}}`: 400 timeRangeEmpty, 401 authError, 403 dailyLimitExceeded /
//   userRateLimitExceeded / rateLimitExceeded / quotaExceeded / requiredAccessLevel, 404
//   notFound, 409 duplicate, 410 fullSyncRequired / deleted, 429 rateLimitExceeded, 500
//   backendError): https://developers.google.com/workspace/calendar/api/guides/errors
// - Scopes: https://developers.google.com/workspace/calendar/api/auth
// - Canonical `status` next to the legacy `errors` list: https://cloud.google.com/apis/design/errors
//
// Tokens are the Google OAuth fake's, checked by `GoogleAPIError.authenticate` against each
// method's documented scopes and answered in the Calendar envelope. Where Google documents no
// body the fake answers what the Calendar API is observed to answer and says so: 400 badRequest
// "Bad Request" for a timeMin/timeMax without an offset, "The requested ordering is not available
// for the particular query." for orderBy=startTime without singleEvents=true, "Missing end
// time.", "Missing time zone definition for start time.", "Invalid attendee email.", "This API
// does not support parsing form-encoded input." (parseError) for a body that is not JSON, and
// 404 notFound "Not Found" for an unknown route. Recurring events are not modelled.

public import Foundation
import HTTPCore
import HTTPFields
import Synchronization

/// Google Calendar on loopback: `/calendar/v3/users/me/calendarList` (list) and
/// `/calendar/v3/calendars/{calendarId}/events` (list, insert, patch), with Google's paging,
/// sync tokens, validation and errors. Knobs: `addCalendar`, `addEvent`, `seedEvents`,
/// `delete(eventID:)`, `expireSyncTokens()`, `failNext`; state: `calendars`, `events(in:)`.
public final class GoogleCalendarFake: ServedFake {
    /// A Calendar API error: the HTTP status and canonical status (as `GoogleAPIError`) with
    /// the Calendar API's `errors[0]` (`domain`, `reason`, `message`, `location`).
    public struct CalendarError: Error, Sendable {
        /// Status, canonical status, top-level `message` and headers.
        public var base: GoogleAPIError
        /// `errors[0].reason` (`notFound`, `timeRangeEmpty`, …).
        public var reason: String
        /// `errors[0].domain` (`global`, `calendar`, `usageLimits`).
        public var domain: String
        /// `errors[0].location` and `locationType` (`timeMax`/`parameter`, `Authorization`/`header`).
        public var location: (name: String, type: String)?

        /// An error with `message` both at the top and in `errors[0]`.
        public init(
            _ code: Int, reason: String, domain: String = "global", message: String, location: (name: String, type: String)? = nil,
            headers: [String: String] = [:]
        ) {
            base = GoogleAPIError(code: code, status: Self.canonical[code] ?? "", message: message, headers: headers)
            self.reason = reason
            self.domain = domain
            self.location = location
        }

        static let canonical = [
            400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 409: "ALREADY_EXISTS",
            429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
        ]

        /// 401 authError "Invalid Credentials" (documented).
        public static let invalidCredentials = CalendarError(
            401, reason: "authError", message: "Invalid Credentials", location: ("Authorization", "header"),
            headers: ["WWW-Authenticate": #"Bearer realm="https://accounts.google.com/", error="invalid_token""#])
        /// 403 rateLimitExceeded (documented).
        public static let rateLimitExceeded = CalendarError(403, reason: "rateLimitExceeded", domain: "usageLimits", message: "Rate Limit Exceeded")
        /// 403 userRateLimitExceeded (documented).
        public static let userRateLimitExceeded = CalendarError(
            403, reason: "userRateLimitExceeded", domain: "usageLimits", message: "User Rate Limit Exceeded")
        /// 403 quotaExceeded, the Calendar usage limits (documented).
        public static let quotaExceeded = CalendarError(
            403, reason: "quotaExceeded", domain: "usageLimits", message: "Calendar usage limits exceeded.")
        /// 429 rateLimitExceeded (documented).
        public static let tooManyRequests = CalendarError(429, reason: "rateLimitExceeded", domain: "usageLimits", message: "Rate Limit Exceeded")
        /// 404 notFound (documented).
        public static let notFound = CalendarError(404, reason: "notFound", message: "Not Found")
        /// 410 deleted: the event was deleted (documented).
        public static let deleted = CalendarError(410, reason: "deleted", message: "Resource has been deleted")
        /// 410 fullSyncRequired: the sync token is no longer valid (documented).
        public static let fullSyncRequired = CalendarError(
            410, reason: "fullSyncRequired", message: "Sync token is no longer valid, a full sync is required.", location: ("syncToken", "parameter"))
        /// 403 requiredAccessLevel: a write on a calendar the user cannot write (documented).
        public static let requiredAccessLevel = CalendarError(
            403, reason: "requiredAccessLevel", domain: "calendar", message: "You need to have writer access to this calendar.")
        /// 500 backendError (documented).
        public static let backendError = CalendarError(500, reason: "backendError", message: "Backend Error")

        /// 400 timeRangeEmpty at `location` (documented).
        public static func timeRangeEmpty(_ location: String) -> CalendarError {
            CalendarError(
                400, reason: "timeRangeEmpty", domain: "calendar", message: "The specified time range is empty.", location: (location, "parameter"))
        }

        /// 400 with `reason` (`badRequest`, `required`, `invalid`, `invalidParameter`, `parseError`).
        public static func bad(_ reason: String, _ message: String, location: String? = nil) -> CalendarError {
            CalendarError(400, reason: reason, message: message, location: location.map { ($0, "parameter") })
        }

        /// The reply: `{"error": {"code", "message", "status"?, "errors": [{domain, reason, message, …}]}}`.
        public var reply: FakeProviderServer.Reply {
            var entry: [String: Any] = ["domain": domain, "reason": reason, "message": base.message]
            if let location {
                entry["location"] = location.name
                entry["locationType"] = location.type
            }
            var error: [String: Any] = ["code": base.code, "message": base.message, "errors": [entry]]
            if !base.status.isEmpty { error["status"] = base.status }
            var fields = HTTPHeaders()
            for (name, value) in base.headers.sorted(by: { $0.key < $1.key }) { fields.add(name: name, value: value) }
            return .json(base.code, object: ["error": error], headers: fields)
        }
    }

    /// An entry of the user's calendar list (`CalendarListEntry`).
    public struct Calendar: Sendable {
        /// The calendar id (an address; `#` and `@` in it are percent-encoded in paths).
        public var id: String
        /// Title.
        public var summary: String
        /// `freeBusyReader`, `reader`, `writer` or `owner`.
        public var accessRole: String
        /// IANA time zone.
        public var timeZone: String
        /// The user's primary calendar (`primary` aliases it).
        public var primary: Bool
        /// Hidden from the list (only with `showHidden=true`).
        public var hidden: Bool

        /// A calendar.
        public init(id: String, summary: String, accessRole: String, timeZone: String = "Europe/Berlin", primary: Bool = false, hidden: Bool = false)
        {
            self.id = id
            self.summary = summary
            self.accessRole = accessRole
            self.timeZone = timeZone
            self.primary = primary
            self.hidden = hidden
        }
    }

    /// Where an event starts or ends (`EventDateTime`): a `dateTime` (with `timeZone`) or an all-day `date`.
    public struct When: Sendable, Equatable {
        /// RFC 3339 (an offset is required unless `timeZone` is given).
        public var dateTime: String?
        /// `yyyy-mm-dd` for all-day events.
        public var date: String?
        /// IANA time zone.
        public var timeZone: String?

        /// A start or end.
        public init(dateTime: String? = nil, date: String? = nil, timeZone: String? = nil) {
            self.dateTime = dateTime
            self.date = date
            self.timeZone = timeZone
        }
    }

    /// An attendee (`EventAttendee`).
    public struct Attendee: Sendable, Equatable {
        /// Address.
        public var email: String
        /// Optional attendance.
        public var optional: Bool
        /// `needsAction` until they answer.
        public var responseStatus: String
    }

    /// A stored event (`Event`).
    public struct Event: Sendable {
        /// base32hex id.
        public var id: String
        /// The calendar it is on.
        public var calendarID: String
        /// `confirmed` or `cancelled` (deleted).
        public var status: String
        /// Title, description, location.
        public var summary: String?, description: String?, location: String?
        /// Start and (exclusive) end.
        public var start: When, end: When
        /// Attendees.
        public var attendees: [Attendee]
        /// Created and last modified.
        public var created: Date, updated: Date
        /// Incremented on each change that matters to attendees.
        public var sequence: Int
        /// The `sendUpdates` of the last write, as received.
        public var sendUpdates: String?
        /// Position in the fake's change log (what sync tokens compare against).
        var revision: Int
    }

    struct PageMark: Sendable {
        var offset: Int
        var fingerprint: String
    }

    struct SyncMark: Sendable {
        var scope: String
        var revision: Int
    }

    struct State: Sendable {
        var calendars: [Calendar] = []
        var events: [Event] = []
        var pageTokens: [String: PageMark] = [:]
        var syncTokens: [String: SyncMark] = [:]
        var revision = 0
        var sequence = 0
    }

    static let prefix = "https://www.googleapis.com/auth/"
    /// calendarList.list's documented scopes (any one suffices).
    public static let calendarListScopes: Set<String> = Set(
        ["calendar", "calendar.readonly", "calendar.calendarlist", "calendar.calendarlist.readonly"].map { prefix + $0 })
    /// events.list's documented scopes.
    public static let eventReadScopes: Set<String> = Set(
        [
            "calendar", "calendar.readonly", "calendar.events", "calendar.events.readonly", "calendar.app.created", "calendar.events.owned",
            "calendar.events.owned.readonly", "calendar.events.public.readonly",
        ].map { prefix + $0 })
    /// events.insert's and events.patch's documented scopes.
    public static let eventWriteScopes: Set<String> = Set(
        ["calendar", "calendar.events", "calendar.app.created", "calendar.events.owned"].map { prefix + $0 })

    /// The server underneath: every request is recorded there.
    public let server = FakeProviderServer()
    /// Where tokens are checked.
    public let oauth: GoogleOAuthFake
    let state = Mutex(State())
    let faults = ScriptedFaults<CalendarError>()

    /// The user's calendars: the primary one (their address, owner), a team calendar (writer),
    /// the US holidays calendar (reader, an id with `#`), a colleague's (freeBusyReader) and a
    /// hidden one (owner).
    public init(oauth: GoogleOAuthFake) {
        self.oauth = oauth
        state.withLock { state in
            state.calendars = [
                Calendar(id: oauth.user.email, summary: oauth.user.email, accessRole: "owner", primary: true),
                Calendar(id: Self.teamCalendar, summary: "Marketing team", accessRole: "writer"),
                Calendar(id: Self.holidayCalendar, summary: "Holidays in United States", accessRole: "reader", timeZone: "America/New_York"),
                Calendar(id: "sam.colleague@example.com", summary: "Sam Colleague", accessRole: "freeBusyReader"),
                Calendar(id: "c_hidden0archive@group.calendar.google.com", summary: "Archive", accessRole: "owner", hidden: true),
            ]
        }
        server.onEveryRequest { [self] request in handle(request) }
    }

    /// A shared calendar the user can write.
    public static let teamCalendar = "c_7f3a9e2b1d@group.calendar.google.com"
    /// Google's public US holidays calendar: read-only, and its id has a `#`.
    public static let holidayCalendar = "en.usa#holiday@group.v.calendar.google.com"

    /// The API base (`…/calendar/v3`): the definition's `baseUrl` override.
    public var apiBaseURL: String { server.baseURL + "/calendar/v3" }

    // MARK: - Knobs and state

    /// Adds a calendar to the user's list.
    public func addCalendar(_ calendar: Calendar) { state.withLock { $0.calendars.append(calendar) } }

    /// The calendar list as stored.
    public var calendars: [Calendar] { state.withLock { $0.calendars } }

    /// The next `calls` API requests (after authentication) answer `error`.
    public func failNext(_ error: CalendarError, calls: Int = 1) { faults.add(error, calls: calls) }

    /// Every sync token issued so far answers 410 fullSyncRequired from now on.
    public func expireSyncTokens() { state.withLock { $0.syncTokens.removeAll() } }

    /// The events of a calendar (deleted ones included), in creation order.
    public func events(in calendarID: String) -> [Event] {
        let id = resolve(calendarID)
        return state.withLock { $0.events.filter { $0.calendarID == id } }
    }

    /// An event by id.
    public func event(_ id: String) -> Event? { state.withLock { $0.events.first { $0.id == id } } }

    /// Marks an event deleted (`status: cancelled`): a patch then answers 410 deleted.
    public func delete(eventID: String) {
        state.withLock { state in
            guard let index = state.events.firstIndex(where: { $0.id == eventID }) else { return }
            state.revision += 1
            state.events[index].status = "cancelled"
            state.events[index].revision = state.revision
        }
    }

    /// Adds an event to a calendar; its id.
    @discardableResult
    public func addEvent(
        calendar: String = "primary", summary: String, start: When, end: When, description: String? = nil, location: String? = nil,
        attendees: [String] = []
    ) -> String {
        let calendarID = resolve(calendar)
        return state.withLock { state in
            Self.store(
                &state, calendarID: calendarID, summary: summary, description: description, location: location, start: start, end: end,
                attendees: attendees.map { Attendee(email: $0, optional: false, responseStatus: "needsAction") }, sendUpdates: nil
            ).id
        }
    }

    /// Adds `count` one-hour events a day apart from `firstDay` (`yyyy-mm-dd`), titled "Event 1"….
    public func seedEvents(count: Int, calendar: String = "primary", firstDay: String = "2026-12-01") {
        let day = Self.parse(date: firstDay) ?? Date()
        for index in 0..<count {
            let start = day.addingTimeInterval(Double(index) * 86_400 + 9 * 3600)
            addEvent(
                calendar: calendar, summary: "Event \(index + 1)", start: When(dateTime: Self.render(start)),
                end: When(dateTime: Self.render(start.addingTimeInterval(3600))))
        }
    }

    static func store(
        _ state: inout State, calendarID: String, summary: String?, description: String?, location: String?, start: When, end: When,
        attendees: [Attendee], sendUpdates: String?
    ) -> Event {
        state.sequence += 1
        state.revision += 1
        let now = Date()
        let event = Event(
            id: "e" + String(state.sequence + 40_000_000, radix: 32), calendarID: calendarID, status: "confirmed", summary: summary,
            description: description, location: location, start: start, end: end, attendees: attendees, created: now, updated: now,
            sequence: 0, sendUpdates: sendUpdates, revision: state.revision)
        state.events.append(event)
        return event
    }

    // MARK: - Dispatch

    typealias Reply = FakeProviderServer.Reply
    typealias Request = FakeProviderServer.RecordedRequest

    /// `primary` → the primary calendar's id; other ids as they are.
    func resolve(_ id: String) -> String {
        guard id == "primary" else { return id }
        return state.withLock { $0.calendars.first { $0.primary }?.id } ?? id
    }

    func calendar(_ id: String) -> Calendar? {
        let id = resolve(id)
        return state.withLock { $0.calendars.first { $0.id == id } }
    }

    private func handle(_ request: Request) -> Reply {
        let base = "/calendar/v3/"
        guard request.path.hasPrefix(base) else { return CalendarError.notFound.reply }
        // Each segment percent-decoded: a calendar id's `@` and `#` arrive encoded.
        let route = request.path.dropFirst(base.count).split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        let scopes: Set<String>
        switch (request.method, route.count, route.first ?? "") {
        case ("GET", 3, "users") where route[1] == "me" && route[2] == "calendarList": scopes = Self.calendarListScopes
        case ("GET", 3, "calendars") where route[2] == "events": scopes = Self.eventReadScopes
        case ("POST", 3, "calendars") where route[2] == "events", ("PATCH", 4, "calendars") where route[2] == "events":
            scopes = Self.eventWriteScopes
        default: return CalendarError.notFound.reply
        }
        if let refused = GoogleAPIError.authenticate(request, oauth: oauth, scopes: scopes, service: "calendar-json.googleapis.com") {
            // The same check as the other Google fakes, answered in the Calendar envelope.
            var error =
                refused.code == 401
                ? CalendarError.invalidCredentials
                : CalendarError(403, reason: "insufficientPermissions", message: "Request had insufficient authentication scopes.")
            error.base.headers = refused.headers
            return error.reply
        }
        if let fault = faults.take() { return fault.reply }
        let result: Result<[String: Any], CalendarError>
        switch request.method {
        case "GET" where route[0] == "users": result = listCalendars(request.queryItems)
        case "GET": result = listEvents(calendarID: route[1], query: request.queryItems)
        case "POST": result = insertEvent(calendarID: route[1], request)
        default: result = patchEvent(calendarID: route[1], eventID: route[3], request)
        }
        switch result {
        case .success(let body): return .json(200, object: body)
        case .failure(let error): return error.reply
        }
    }
}
