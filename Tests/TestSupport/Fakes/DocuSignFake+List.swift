// Envelopes: listStatusChanges of `DocuSignFake` (GET /restapi/v2.1/accounts/{accountId}/envelopes),
// as the v2.1 OpenAPI definition describes its parameters (Envelopes_GetEnvelopes in
// esignature.rest.swagger-v2.1.json, github.com/docusign/eSign-OpenAPI-Specification) and
// https://developers.docusign.com/docs/esign-rest-api/reference/envelopes/envelopes/liststatuschanges/:
// from_date is required unless envelope_ids or transaction_ids (or folder_ids) are given;
// status is a comma list of current statuses (`any` for all, drafts only when `created` is
// named: github.com/docusign/docusign-esign-node-client/issues/233); from_to_status (default
// changed), to_date, search_text, start_position, count, order_by and order (asc|desc) shape the
// page; the answer is envelopesInformation with its counts as strings.

import Foundation
import Synchronization

extension DocuSignFake {
    private static let statuses: Set<String> = [
        "any", "completed", "created", "declined", "deleted", "delivered", "processing", "sent", "signed", "timedout", "voided",
    ]
    private static let orderings: Set<String> = [
        "last_modified", "action_required", "created", "completed", "envelope_name", "expire", "sent", "signer_list", "status", "subject",
        "user_name", "status_changed",
    ]

    private static func invalid(_ detail: String) -> Reply {
        error(400, "INVALID_REQUEST_PARAMETER", "The request contained at least one invalid parameter. " + detail)
    }

    func listStatusChanges(_ request: Request, _ call: Call) -> Reply {
        let query = request.queryItems.compactMapValues(\.last)
        func list(_ name: String) -> [String]? {
            query[name].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty } }
        }
        let envelopeIDs = list("envelope_ids"), transactionIDs = list("transaction_ids"), folders = list("folder_ids")
        let from = query["from_date"].flatMap(Self.parseDate)
        if from == nil, query["from_date"] != nil || (envelopeIDs == nil && transactionIDs == nil && folders == nil) {
            return Self.invalid(
                "Query parameter 'from_date' must be set to a valid DateTime, or 'envelope_ids' or 'transaction_ids' must be specified.")
        }
        let to = query["to_date"].flatMap(Self.parseDate)
        if query["to_date"] != nil, to == nil { return Self.invalid("Invalid value specified for to_date.") }
        let statuses = list("status") ?? []
        guard statuses.allSatisfy(Self.statuses.contains) else { return Self.invalid("Invalid value specified for status.") }
        let orderBy = query["order_by"]?.lowercased() ?? "last_modified"
        guard Self.orderings.contains(orderBy) else { return Self.invalid("Invalid value specified for order_by.") }
        let order = query["order"]?.lowercased() ?? "desc"
        guard order == "asc" || order == "desc" else { return Self.invalid("Invalid value specified for order.") }
        let start = query["start_position"].map { Int($0) ?? -1 } ?? 0
        guard start >= 0 else { return Self.invalid("Invalid value specified for start_position.") }
        let count = query["count"].map { Int($0) ?? -1 }
        if let count, count < 1 { return Self.invalid("Invalid value specified for count.") }

        let fromToStatus = query["from_to_status"]?.lowercased() ?? "changed"
        let search = query["search_text"]?.lowercased()
        var matches = state.withLock { $0.envelopes }.filter { envelope in
            guard envelope.accountID == call.account.id else { return false }
            if let envelopeIDs, !envelopeIDs.contains(envelope.id) { return false }
            if let transactionIDs, !transactionIDs.contains(envelope.transactionID?.lowercased() ?? "") { return false }
            if let folders, !Self.inFolders(envelope, folders) { return false }
            if let from {
                let instant: Date?
                switch fromToStatus {
                case "created": instant = envelope.created
                case "sent": instant = envelope.sent
                case "changed", "any": instant = envelope.statusChanged
                default: instant = envelope.status == fromToStatus ? envelope.statusChanged : nil
                }
                guard let instant, instant >= from, instant <= (to ?? Date()) else { return false }
            }
            let named = statuses.filter { $0 != "any" }
            if !named.isEmpty, !named.contains(envelope.status) { return false }
            // Drafts are listed only when `created` is asked for (node-client issue 233).
            if envelope.status == "created", !statuses.contains("created"), envelopeIDs == nil, folders == nil { return false }
            if let search, !search.isEmpty {
                let haystack = ([envelope.emailSubject] + envelope.signers.flatMap { [$0.name, $0.email] }).map { $0.lowercased() }
                guard haystack.contains(where: { $0.contains(search) }) else { return false }
            }
            return true
        }
        matches.sort { a, b in
            let (x, y) = order == "asc" ? (a, b) : (b, a)
            switch orderBy {
            case "created": return (x.created, x.id) < (y.created, y.id)
            case "sent": return (x.sent ?? .distantPast, x.id) < (y.sent ?? .distantPast, y.id)
            case "status_changed", "completed": return (x.statusChanged, x.id) < (y.statusChanged, y.id)
            case "subject", "envelope_name": return (x.emailSubject, x.id) < (y.emailSubject, y.id)
            case "status": return (x.status, x.id) < (y.status, y.id)
            default: return (x.lastModified, x.id) < (y.lastModified, y.id)
            }
        }
        let page = Array(matches.dropFirst(start).prefix(count ?? matches.count))
        let include = list("include") ?? []
        let next = start + page.count < matches.count ? Self.pageURI(request.query, start: start + page.count, count: count) : ""
        let previous = start > 0 ? Self.pageURI(request.query, start: max(0, start - (count ?? start)), count: count) : ""
        return .json(
            200,
            object: [
                "resultSetSize": String(page.count), "startPosition": String(start), "endPosition": String(start + page.count - 1),
                "totalSetSize": String(matches.count), "nextUri": next, "previousUri": previous,
                "envelopes": page.map { Self.json($0, account: call.account, recipients: include.contains("recipients")) },
            ])
    }

    /// The folders DocuSign names (folder GUIDs of the account's own folders are not modelled).
    private static func inFolders(_ envelope: Envelope, _ folders: [String]) -> Bool {
        folders.contains { folder in
            switch folder {
            case "draft", "drafts": envelope.status == "created"
            case "sentitems": envelope.status != "created"
            case "completed": envelope.status == "completed"
            case "out_for_signature", "waiting_for_others": envelope.status == "sent" || envelope.status == "delivered"
            default: false
            }
        }
    }

    /// `/envelopes?<the request's query with start_position (and count) replaced>`, relative to
    /// the account's base path (from memory).
    private static func pageURI(_ query: String?, start: Int, count: Int?) -> String {
        var pairs = (query ?? "").split(separator: "&").map(String.init).filter { pair in
            !pair.hasPrefix("start_position=") && !pair.hasPrefix("count=")
        }
        pairs.append("start_position=\(start)")
        if let count { pairs.append("count=\(count)") }
        return "/envelopes?" + pairs.joined(separator: "&")
    }

    /// A date as .NET's DateTime.Parse takes the common forms: ISO 8601 (date only, minutes,
    /// seconds, fractions, `Z` or an offset; no zone is read as UTC, the server's zone) or
    /// `MM/dd/yyyy`.
    static func parseDate(_ text: String) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let slashed = trimmed.split(separator: "/").compactMap { Int($0) }
        if slashed.count == 3, trimmed.split(separator: "/").count == 3 {
            return calendar.date(from: DateComponents(year: slashed[2], month: slashed[0], day: slashed[1]))
        }
        let pattern = #/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/#
        guard let match = trimmed.wholeMatch(of: pattern) else { return nil }
        let out = match.output
        let fraction = out.7.map { Double("0." + $0) ?? 0 } ?? 0
        let components = DateComponents(
            year: Int(out.1), month: Int(out.2), day: Int(out.3), hour: out.4.flatMap { Int($0) } ?? 0, minute: out.5.flatMap { Int($0) } ?? 0,
            second: out.6.flatMap { Int($0) } ?? 0)
        guard let month = components.month, (1...12).contains(month), let day = components.day, (1...31).contains(day),
            let local = calendar.date(from: components)
        else { return nil }
        var offset = 0
        if let zone = out.8, zone != "Z" {
            let digits = zone.dropFirst().replacingOccurrences(of: ":", with: "")
            let minutes = (Int(digits.prefix(2)) ?? 0) * 60 + (Int(digits.suffix(2)) ?? 0)
            offset = (zone.hasPrefix("-") ? -1 : 1) * minutes * 60
        }
        return local.addingTimeInterval(fraction - Double(offset))
    }
}
