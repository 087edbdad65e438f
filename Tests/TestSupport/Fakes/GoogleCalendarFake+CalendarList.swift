// calendarList.list and the paging shared by the Google Calendar fake's lists, following
// https://developers.google.com/workspace/calendar/api/v3/reference/calendarList/list and
// https://developers.google.com/workspace/calendar/api/guides/pagination (see
// GoogleCalendarFake.swift for the rest of the sources).

import Foundation
import Synchronization

extension GoogleCalendarFake {
    // MARK: - calendarList.list

    static let roles = ["freeBusyReader", "reader", "writer", "owner"]

    func listCalendars(_ query: [String: [String]]) -> Result<[String: Any], CalendarError> {
        let minRole = query["minAccessRole"]?.last
        if let minRole, !Self.roles.contains(minRole) {
            return .failure(.bad("invalidParameter", "Invalid value '\(minRole)' for minAccessRole.", location: "minAccessRole"))
        }
        let syncToken = query["syncToken"]?.last
        if syncToken != nil, minRole != nil {
            return .failure(.bad("invalidParameter", "The minAccessRole parameter cannot be used together with a syncToken.", location: "syncToken"))
        }
        if let syncToken, state.withLock({ $0.syncTokens[syncToken]?.scope }) != "calendarList" { return .failure(.fullSyncRequired) }
        let showHidden = query["showHidden"]?.last == "true" || syncToken != nil
        let floor = minRole.flatMap(Self.roles.firstIndex(of:)) ?? 0
        let items: [[String: Any]] = calendars.filter { (showHidden || !$0.hidden) && (Self.roles.firstIndex(of: $0.accessRole) ?? 0) >= floor }
            .map { calendar in
                var entry: [String: Any] = [
                    "kind": "calendar#calendarListEntry", "etag": "\"16693\(calendar.id.count)\"", "id": calendar.id,
                    "summary": calendar.summary, "timeZone": calendar.timeZone, "accessRole": calendar.accessRole, "colorId": "14",
                    "backgroundColor": "#9fe1e7", "foregroundColor": "#000000", "selected": true, "defaultReminders": [] as [Any],
                ]
                if calendar.primary { entry["primary"] = true }
                if calendar.hidden { entry["hidden"] = true }
                return entry
            }
        return page(items, query: query, defaultSize: 100, maxSize: 250, scope: "calendarList").map {
            $0.merging(["kind": "calendar#calendarList", "etag": "\"p33c9bu1nnlu8o0g\""]) { a, _ in a }
        }
    }

    // MARK: - Paging

    /// `maxResults` (at least 1; capped at `maxSize`), an opaque `pageToken` bound to the
    /// query it came from, `nextPageToken` while more remain, `nextSyncToken` on the last page.
    func page(_ items: [[String: Any]], query: [String: [String]], defaultSize: Int, maxSize: Int, scope: String)
        -> Result<[String: Any], CalendarError>
    {
        var size = defaultSize
        if let text = query["maxResults"]?.last {
            guard let value = Int(text), value >= 1 else {
                return .failure(.bad("invalid", "Invalid value '\(text)'. Values must be within the range: [1, \(maxSize)]", location: "maxResults"))
            }
            size = min(value, maxSize)
        }
        let fingerprint = query.filter { $0.key != "pageToken" && $0.key != "maxResults" }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.joined(separator: ","))" }.joined(separator: "&")
        var start = 0
        if let token = query["pageToken"]?.last {
            guard let mark = state.withLock({ $0.pageTokens[token] }), mark.fingerprint == fingerprint, mark.offset <= items.count else {
                return .failure(.bad("invalid", "Invalid page token value.", location: "pageToken"))
            }
            start = mark.offset
        }
        let slice = Array(items.dropFirst(start).prefix(size))
        let (key, token) = state.withLock { state -> (String, String) in
            state.sequence += 1
            if start + slice.count < items.count {
                let token = "CigKGjBxNj\(state.sequence)Y2xkZXZ"
                state.pageTokens[token] = PageMark(offset: start + slice.count, fingerprint: fingerprint)
                return ("nextPageToken", token)
            }
            let token = "CPjB7Zr\(state.sequence)xPoCEPjB7ZrGxPoCGAUg"
            state.syncTokens[token] = SyncMark(scope: scope, revision: state.revision)
            return ("nextSyncToken", token)
        }
        let body: [String: Any] = ["items": slice, key: token]
        return .success(body)
    }
}
