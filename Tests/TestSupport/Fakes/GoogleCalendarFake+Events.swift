// events.list, events.insert and events.patch of the Google Calendar fake, following
// https://developers.google.com/workspace/calendar/api/v3/reference/events/list,
// https://developers.google.com/workspace/calendar/api/v3/reference/events/insert,
// https://developers.google.com/workspace/calendar/api/v3/reference/events/patch and the Event
// resource https://developers.google.com/workspace/calendar/api/v3/reference/events (see
// GoogleCalendarFake.swift for the rest of the sources).

import Foundation
import Synchronization

extension GoogleCalendarFake {
    /// The parameters a `syncToken` cannot be combined with (the sync guide and events.list's `syncToken`).
    static let notWithSyncToken = [
        "iCalUID", "orderBy", "privateExtendedProperty", "q", "sharedExtendedProperty", "timeMin", "timeMax", "updatedMin",
    ]

    // MARK: - events.list

    func listEvents(calendarID: String, query: [String: [String]]) -> Result<[String: Any], CalendarError> {
        guard let calendar = self.calendar(calendarID) else { return .failure(.notFound) }
        func one(_ name: String) -> String? { query[name]?.last }
        var bounds: [String: Date] = [:]
        for name in ["timeMin", "timeMax", "updatedMin"] {
            guard let text = one(name) else { continue }
            // RFC 3339 with a mandatory offset (documented); Google answers a bare "Bad Request" (observed).
            guard let date = Self.parse(offsetDateTime: text) else { return .failure(.bad("badRequest", "Bad Request")) }
            bounds[name] = date
        }
        if let min = bounds["timeMin"], let max = bounds["timeMax"], min >= max { return .failure(.timeRangeEmpty("timeMax")) }
        for flag in ["singleEvents", "showDeleted"] where one(flag).map({ $0 != "true" && $0 != "false" }) == true {
            return .failure(.bad("invalidParameter", "Invalid boolean value '\(one(flag) ?? "")'.", location: flag))
        }
        let singleEvents = one("singleEvents") == "true"
        let orderBy = one("orderBy")
        if let orderBy, orderBy != "startTime" && orderBy != "updated" {
            return .failure(.bad("invalidParameter", "Invalid value '\(orderBy)' for orderBy.", location: "orderBy"))
        }
        if orderBy == "startTime" && !singleEvents {
            return .failure(.bad("badRequest", "The requested ordering is not available for the particular query."))
        }
        let syncToken = one("syncToken")
        var since: Int?
        if let syncToken {
            if let clash = Self.notWithSyncToken.first(where: { query[$0] != nil }) {
                return .failure(.bad("invalidParameter", "Sync token cannot be combined with \(clash).", location: clash))
            }
            guard let mark = state.withLock({ $0.syncTokens[syncToken] }), mark.scope == "events:" + calendar.id else {
                return .failure(.fullSyncRequired)
            }
            since = mark.revision
        }
        // Deleted events only with showDeleted or in an incremental sync.
        let showDeleted = one("showDeleted") == "true" || since != nil
        let words = (one("q") ?? "").lowercased().split(separator: " ").map(String.init)
        var matches = events(in: calendar.id).filter { event in
            if event.status == "cancelled" && !showDeleted { return false }
            if let since, event.revision <= since { return false }
            if let min = bounds["timeMin"], (Self.instant(event.end) ?? .distantPast) <= min { return false }
            if let max = bounds["timeMax"], (Self.instant(event.start) ?? .distantFuture) >= max { return false }
            if let updated = bounds["updatedMin"], event.updated < updated { return false }
            let text = ([event.summary, event.description, event.location].compactMap { $0 } + event.attendees.map(\.email))
                .joined(separator: " ").lowercased()
            return words.allSatisfy { text.contains($0) }
        }
        if orderBy == "startTime" {
            matches.sort { (Self.instant($0.start) ?? .distantPast) < (Self.instant($1.start) ?? .distantPast) }
        } else if orderBy == "updated" {
            matches.sort { $0.updated < $1.updated }
        }
        // A free/busy reader sees when the calendar is busy, not what the events are.
        let busyOnly = calendar.accessRole == "freeBusyReader"
        let items = matches.map(Self.resource).map {
            busyOnly ? $0.filter { ["kind", "etag", "id", "status", "start", "end"].contains($0.key) } : $0
        }
        return page(items, query: query, defaultSize: 250, maxSize: 2500, scope: "events:" + calendar.id).map { body in
            body.merging([
                "kind": "calendar#events", "etag": "\"p32of1r9fqdu8o0g\"", "summary": calendar.summary, "timeZone": calendar.timeZone,
                "accessRole": calendar.accessRole, "updated": Self.render(Date()), "defaultReminders": [] as [Any],
            ]) { a, _ in a }
        }
    }

    // MARK: - events.insert and events.patch

    /// The JSON body, or the errors Google answers for one that is not JSON.
    private func body(_ request: Request) -> Result<[String: Any], CalendarError> {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true else {
            return .failure(.bad("parseError", "This API does not support parsing form-encoded input."))
        }
        guard let object = request.json as? [String: Any] else { return .failure(.bad("parseError", "Parse Error")) }
        return .success(object)
    }

    /// `sendUpdates` (all, externalOnly, none) and `conferenceDataVersion` (0 or 1).
    private func writeParameters(_ query: [String: [String]]) -> Result<String?, CalendarError> {
        let sendUpdates = query["sendUpdates"]?.last
        if let sendUpdates, !["all", "externalOnly", "none"].contains(sendUpdates) {
            return .failure(.bad("invalidParameter", "Invalid value '\(sendUpdates)' for sendUpdates.", location: "sendUpdates"))
        }
        if let version = query["conferenceDataVersion"]?.last, version != "0" && version != "1" {
            return .failure(
                .bad("invalid", "Invalid value '\(version)'. Values must be within the range: [0, 1]", location: "conferenceDataVersion"))
        }
        return .success(sendUpdates)
    }

    private func writable(_ calendarID: String) -> Result<Calendar, CalendarError> {
        guard let calendar = self.calendar(calendarID) else { return .failure(.notFound) }
        guard calendar.accessRole == "writer" || calendar.accessRole == "owner" else { return .failure(.requiredAccessLevel) }
        return .success(calendar)
    }

    func insertEvent(calendarID: String, _ request: Request) -> Result<[String: Any], CalendarError> {
        let checked = writeParameters(request.queryItems).flatMap { sendUpdates in
            writable(calendarID).flatMap { calendar in body(request).map { (sendUpdates, calendar, $0) } }
        }
        guard case .success(let (sendUpdates, calendar, object)) = checked else { return checked.map { _ in [:] } }
        let fields = Self.read(object, into: nil)
        guard case .success(let draft) = fields else { return fields.map { _ in [:] } }
        if let invalid = Self.validate(draft) { return .failure(invalid) }
        let stored = state.withLock { state in
            Self.store(
                &state, calendarID: calendar.id, summary: draft.summary, description: draft.description, location: draft.location,
                start: draft.start ?? When(), end: draft.end ?? When(), attendees: draft.attendees, sendUpdates: sendUpdates)
        }
        return .success(Self.resource(stored))
    }

    func patchEvent(calendarID: String, eventID: String, _ request: Request) -> Result<[String: Any], CalendarError> {
        let checked = writeParameters(request.queryItems).flatMap { sendUpdates in
            writable(calendarID).flatMap { calendar in body(request).map { (sendUpdates, calendar, $0) } }
        }
        guard case .success(let (sendUpdates, calendar, object)) = checked else { return checked.map { _ in [:] } }
        guard let current = events(in: calendar.id).first(where: { $0.id == eventID }) else { return .failure(.notFound) }
        guard current.status != "cancelled" else { return .failure(.deleted) }
        let fields = Self.read(object, into: current)
        guard case .success(let draft) = fields else { return fields.map { _ in [:] } }
        if let invalid = Self.validate(draft) { return .failure(invalid) }
        let updated = state.withLock { state -> Event? in
            guard let index = state.events.firstIndex(where: { $0.id == eventID }) else { return nil }
            state.revision += 1
            var event = state.events[index]
            let moved = event.start != draft.start || event.end != draft.end || event.location != draft.location
            event.summary = draft.summary
            event.description = draft.description
            event.location = draft.location
            event.start = draft.start ?? event.start
            event.end = draft.end ?? event.end
            event.attendees = draft.attendees
            event.updated = Date()
            event.sendUpdates = sendUpdates
            event.revision = state.revision
            if moved { event.sequence += 1 }
            state.events[index] = event
            return event
        }
        guard let updated else { return .failure(.notFound) }
        return .success(Self.resource(updated))
    }

    /// What a write body says the event is: a new one, or `current` with the members present
    /// replaced (an explicit null clears a text field).
    struct Draft {
        var summary: String?, description: String?, location: String?
        var start: When?, end: When?
        var attendees: [Attendee]
    }

    static func read(_ object: [String: Any], into current: Event?) -> Result<Draft, CalendarError> {
        var draft = Draft(
            summary: current?.summary, description: current?.description, location: current?.location, start: current?.start,
            end: current?.end, attendees: current?.attendees ?? [])
        for name in ["summary", "description", "location"] where object.keys.contains(name) {
            let value = object[name]
            guard value is NSNull || value is String else { return .failure(.bad("parseError", "Parse Error")) }
            let text = value as? String
            switch name {
            case "summary": draft.summary = text
            case "description": draft.description = text
            default: draft.location = text
            }
        }
        for name in ["start", "end"] where object.keys.contains(name) {
            guard let value = object[name], !(value is NSNull) else {
                return .failure(.bad("required", "Missing \(name) time."))
            }
            guard let when = value as? [String: Any], when.values.allSatisfy({ $0 is String }) else {
                return .failure(.bad("parseError", "Parse Error"))
            }
            let parsed = When(dateTime: when["dateTime"] as? String, date: when["date"] as? String, timeZone: when["timeZone"] as? String)
            if name == "start" { draft.start = parsed } else { draft.end = parsed }
        }
        if object.keys.contains("attendees") {
            let value = object["attendees"]
            guard let list = value is NSNull ? [] : value as? [Any] else { return .failure(.bad("parseError", "Parse Error")) }
            var attendees: [Attendee] = []
            for entry in list {
                guard let entry = entry as? [String: Any], let email = entry["email"] as? String,
                    email.range(of: #"^[^@\s]+@[^@\s]+\.[^@\s]+$"#, options: .regularExpression) != nil
                else { return .failure(.bad("invalid", "Invalid attendee email.")) }
                let known = draft.attendees.first { $0.email.lowercased() == email.lowercased() }
                attendees.append(
                    Attendee(email: email, optional: entry["optional"] as? Bool ?? false, responseStatus: known?.responseStatus ?? "needsAction"))
            }
            draft.attendees = attendees
        }
        return .success(draft)
    }

    /// The documented constraints on start and end.
    static func validate(_ draft: Draft) -> CalendarError? {
        guard let start = draft.start else { return .bad("required", "Missing start time.") }
        guard let end = draft.end else { return .bad("required", "Missing end time.") }
        for (name, when) in [("start", start), ("end", end)] {
            guard (when.date == nil) != (when.dateTime == nil) else { return .bad("badRequest", "Invalid \(name) time.") }
            if let zone = when.timeZone, TimeZone(identifier: zone) == nil {
                return .bad("invalid", "Invalid time zone definition for \(name) time.")
            }
            if let date = when.date, parse(date: date) == nil { return .bad("badRequest", "Invalid \(name) time.") }
            if let dateTime = when.dateTime, parse(offsetDateTime: dateTime) == nil {
                guard parse(localDateTime: dateTime, zone: "UTC") != nil else { return .bad("badRequest", "Invalid \(name) time.") }
                guard when.timeZone != nil else { return .bad("required", "Missing time zone definition for \(name) time.") }
            }
        }
        guard (start.date == nil) == (end.date == nil) else {
            return .bad("badRequest", "Start and end times must either both be date or both be dateTime.")
        }
        guard let from = instant(start), let to = instant(end) else { return .bad("badRequest", "Invalid start time.") }
        // All-day ends are exclusive: an event needs at least one day; a timed one may last zero minutes.
        if to < from || (start.date != nil && to <= from) { return .timeRangeEmpty("end") }
        return nil
    }

    // MARK: - Representation

    static func resource(_ event: Event) -> [String: Any] {
        func when(_ value: When) -> [String: Any] {
            var out: [String: Any] = [:]
            if let date = value.date { out["date"] = date }
            if let dateTime = value.dateTime { out["dateTime"] = dateTime }
            if let zone = value.timeZone { out["timeZone"] = zone }
            return out
        }
        let eid = Data("\(event.id) \(event.calendarID)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        var body: [String: Any] = [
            "kind": "calendar#event", "etag": "\"\(3_500_000_000_000 + event.revision)\"", "id": event.id, "status": event.status,
            "htmlLink": "https://www.google.com/calendar/event?eid=\(eid)", "created": render(event.created), "updated": render(event.updated),
            "creator": ["email": event.calendarID, "self": true], "organizer": ["email": event.calendarID, "self": true],
            "start": when(event.start), "end": when(event.end), "iCalUID": "\(event.id)@google.com", "sequence": event.sequence,
            "reminders": ["useDefault": true], "eventType": "default",
        ]
        if let summary = event.summary { body["summary"] = summary }
        if let description = event.description { body["description"] = description }
        if let location = event.location { body["location"] = location }
        if !event.attendees.isEmpty {
            body["attendees"] = event.attendees.map { attendee -> [String: Any] in
                var entry: [String: Any] = ["email": attendee.email, "responseStatus": attendee.responseStatus]
                if attendee.optional { entry["optional"] = true }
                return entry
            }
        }
        return body
    }

    // MARK: - Time

    /// RFC 3339 with an offset (`Z` or `±hh:mm`), fractional seconds allowed.
    static func parse(offsetDateTime text: String) -> Date? {
        let pattern = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|z|[+-]\d{2}:\d{2})$"#
        guard text.range(of: pattern, options: .regularExpression) != nil else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter.date(from: text.uppercased())
    }

    /// A local date-time without offset, read in `zone`.
    static func parse(localDateTime text: String, zone: String) -> Date? {
        guard text.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$"#, options: .regularExpression) != nil,
            let utc = parse(offsetDateTime: text + "Z"), let zone = TimeZone(identifier: zone)
        else { return nil }
        return utc.addingTimeInterval(-Double(zone.secondsFromGMT(for: utc)))
    }

    /// `yyyy-mm-dd` (midnight UTC).
    static func parse(date text: String) -> Date? {
        guard text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil else { return nil }
        return parse(offsetDateTime: text + "T00:00:00Z")
    }

    /// The instant a start or end stands for.
    static func instant(_ when: When) -> Date? {
        if let date = when.date { return parse(date: date) }
        guard let text = when.dateTime else { return nil }
        return parse(offsetDateTime: text) ?? parse(localDateTime: text, zone: when.timeZone ?? "UTC")
    }

    /// RFC 3339 in UTC with milliseconds, as Google writes `created` and `updated`.
    static func render(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
