// Harvest v3's list endpoints, as GreenhouseFake.swift cites them
// (https://harvestdocs.greenhouse.io/docs/list-endpoints, https://harvestdocs.greenhouse.io/docs/pagination):
// a bare array a page, filters on the first request only, the next page an opaque cursor in the
// `Link` header that must be the request's only parameter.

import Foundation
import HTTPFields
import Synchronization

extension GreenhouseFake {
    /// A list endpoint: its filters beside `ids`, `created_at`, `updated_at`, `per_page` and `cursor`.
    struct Resource: Sendable {
        var name: String
        var filters: Set<String>
    }

    static let resources: [String: Resource] = [
        "candidates": Resource(name: "candidates", filters: ["email"]),
        "jobs": Resource(name: "jobs", filters: ["status"]),
        "applications": Resource(name: "applications", filters: ["status", "candidate_ids", "job_ids", "last_activity_at"]),
    ]
    static let sharedFilters: Set<String> = ["ids", "created_at", "updated_at", "per_page"]
    /// Most ids one `ids` (or `*_ids`) filter takes.
    public static let maxIDs = 50

    /// One record of a list: its id, its dates, and how a filter matches it.
    struct Row {
        var id: Int
        var createdAt: Date
        var updatedAt: Date
        var json: [String: Any]
        var matches: (String, String) -> Bool?
    }

    func list(_ resource: Resource, _ request: Request) -> Reply {
        let items = request.queryItems
        var query: [String: String] = [:]
        var after = 0
        var perPage = Self.defaultPageSize
        if let cursor = items["cursor"]?.last {
            guard items.count == 1 else {
                return Self.error(
                    422, "A cursor must be the only query parameter", errors: [["field": "cursor", "message": "must be the only parameter"]])
            }
            guard let decoded = Self.decodeCursor(cursor), decoded.resource == resource.name else {
                return Self.error(422, "Invalid cursor", errors: [["field": "cursor", "message": "is invalid"]])
            }
            (query, after, perPage) = (decoded.query, decoded.after, decoded.perPage)
        } else {
            for (name, values) in items {
                guard Self.sharedFilters.contains(name) || resource.filters.contains(name) else {
                    return Self.error(422, "Unknown query parameter: \(name)", errors: [["field": name, "message": "is not a permitted parameter"]])
                }
                query[name] = values.last ?? ""
            }
            if let text = query["per_page"] {
                guard let size = Int(text), (1...Self.maxPageSize).contains(size) else {
                    return Self.error(
                        422, "per_page must be between 1 and \(Self.maxPageSize)", errors: [["field": "per_page", "message": "is out of range"]])
                }
                perPage = size
            }
            query["per_page"] = nil
        }
        var rows = self.rows(resource)
        for (name, value) in query {
            if let failure = Self.validate(name, value) { return failure }
            rows = rows.filter { row in
                switch name {
                case "ids": return Self.ids(value)!.contains(row.id)
                case "created_at": return Self.compare(row.createdAt, value)
                case "updated_at": return Self.compare(row.updatedAt, value)
                default: return row.matches(name, value) ?? false
                }
            }
        }
        rows.sort { $0.id < $1.id }
        let remaining = rows.filter { $0.id > after }
        let page = Array(remaining.prefix(perPage))
        var headers = HTTPHeaders()
        if remaining.count > perPage, let last = page.last {
            let cursor = Self.encodeCursor(resource: resource.name, query: query, after: last.id, perPage: perPage)
            headers.replaceOrAdd(name: "Link", value: "<\(harvestBaseURL)/\(resource.name)?cursor=\(cursor)>; rel=\"next\"")
        }
        return .json(200, object: page.map(\.json), headers: headers)
    }

    /// A 422 when a filter's value is malformed.
    static func validate(_ name: String, _ value: String) -> Reply? {
        switch name {
        case "ids", "candidate_ids", "job_ids":
            guard let ids = ids(value), ids.count <= maxIDs else {
                return error(422, "\(name) takes at most \(maxIDs) comma-separated integers", errors: [["field": name, "message": "is invalid"]])
            }
        case "created_at", "updated_at", "last_activity_at":
            guard comparisons(value) != nil else {
                return error(
                    422, "\(name) must be written operator|timestamp, e.g. gte|2026-01-01T00:00:00Z",
                    errors: [["field": name, "message": "is invalid"]])
            }
        default: break
        }
        return nil
    }

    static func ids(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, !parts.contains(nil) else { return nil }
        return parts.compactMap { $0 }
    }

    /// `gte|2026-01-01T00:00:00Z` (possibly chained: `gte|a|lte|b`) as operator and date pairs.
    static func comparisons(_ text: String) -> [(String, Date)]? {
        let parts = text.split(separator: "|").map(String.init)
        guard !parts.isEmpty, parts.count.isMultiple(of: 2) else { return nil }
        var pairs: [(String, Date)] = []
        for index in stride(from: 0, to: parts.count, by: 2) {
            guard ["gte", "gt", "lte", "lt"].contains(parts[index].lowercased()), let date = parseDate(parts[index + 1]) else { return nil }
            pairs.append((parts[index].lowercased(), date))
        }
        return pairs
    }

    static func compare(_ date: Date, _ filter: String) -> Bool {
        (comparisons(filter) ?? []).allSatisfy { op, bound in
            switch op {
            case "gte": date >= bound
            case "gt": date > bound
            case "lte": date <= bound
            default: date < bound
            }
        }
    }

    static func parseDate(_ text: String) -> Date? {
        let upper = text.uppercased()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: upper) ?? ISO8601DateFormatter().date(from: upper)
    }

    // MARK: Cursors

    /// The cursor: URL-safe Base64 of what the first request asked for and where the page ended.
    static func encodeCursor(resource: String, query: [String: String], after: Int, perPage: Int) -> String {
        let payload: [String: Any] = ["r": resource, "q": query, "a": after, "p": perPage]
        let data = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ cursor: String) -> (resource: String, query: [String: String], after: Int, perPage: Int)? {
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while !text.count.isMultiple(of: 4) { text += "=" }
        guard let data = Data(base64Encoded: text), let payload = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let resource = payload["r"] as? String, let query = payload["q"] as? [String: String], let after = payload["a"] as? Int,
            let perPage = payload["p"] as? Int
        else { return nil }
        return (resource, query, after, perPage)
    }

    // MARK: Records

    func rows(_ resource: Resource) -> [Row] {
        let (candidates, jobs, applications) = state.withLock { ($0.candidates, $0.jobs, $0.applications) }
        switch resource.name {
        case "candidates":
            return candidates.map { candidate in
                Row(id: candidate.id, createdAt: candidate.createdAt, updatedAt: candidate.updatedAt, json: Self.json(candidate)) { name, value in
                    name == "email" ? candidate.email.lowercased() == value.lowercased() : nil
                }
            }
        case "jobs":
            return jobs.map { job in
                Row(id: job.id, createdAt: job.createdAt, updatedAt: job.updatedAt, json: Self.json(job)) { name, value in
                    name == "status" ? job.status == value : nil
                }
            }
        default:
            return applications.map { application in
                Row(id: application.id, createdAt: application.createdAt, updatedAt: application.updatedAt, json: Self.json(application)) {
                    name, value in
                    switch name {
                    case "status": return (value == "active" ? "in_process" : value) == application.status
                    case "candidate_ids": return Self.ids(value)?.contains(application.candidateID)
                    case "job_ids": return Self.ids(value)?.contains(application.jobID)
                    case "last_activity_at": return Self.compare(application.lastActivityAt, value)
                    default: return nil
                    }
                }
            }
        }
    }

    static func json(_ candidate: Candidate) -> [String: Any] {
        [
            "id": candidate.id, "first_name": candidate.firstName, "last_name": candidate.lastName, "preferred_name": NSNull(),
            "company": candidate.company ?? NSNull(), "title": candidate.title ?? NSNull(), "private": false, "can_email": true,
            "email_addresses": [["value": candidate.email, "type": "personal"]], "phone_numbers": [] as [Any], "addresses": [] as [Any],
            "website_addresses": [] as [Any], "social_media_addresses": [] as [Any], "tags": [] as [Any], "linked_user_ids": [] as [Any],
            "custom_fields": [:] as [String: Any], "created_at": iso(candidate.createdAt), "updated_at": iso(candidate.updatedAt),
            "last_activity_at": iso(candidate.updatedAt),
        ]
    }

    static func json(_ job: Job) -> [String: Any] {
        [
            "id": job.id, "name": job.name, "status": job.status, "requisition_id": job.requisitionID ?? NSNull(),
            "department_id": job.departmentID ?? NSNull(), "office_ids": job.officeIDs, "confidential": false, "is_template": false,
            "copied_from_id": NSNull(), "notes": NSNull(), "custom_fields": [:] as [String: Any],
            "opened_at": job.openedAt.map(iso) ?? NSNull(), "closed_at": job.status == "closed" ? iso(job.updatedAt) : NSNull(),
            "created_at": iso(job.createdAt), "updated_at": iso(job.updatedAt),
        ]
    }

    static func json(_ application: Application) -> [String: Any] {
        [
            "id": application.id, "candidate_id": application.candidateID, "job_id": application.jobID, "status": application.status,
            "stage_id": application.stageID ?? NSNull(), "stage_name": application.stageName ?? NSNull(),
            "source_id": application.sourceID ?? NSNull(), "prospect": false, "prospective_job_ids": [] as [Any],
            "job_post_id": NSNull(), "recruiter_id": NSNull(), "coordinator_id": NSNull(), "referrer_id": NSNull(),
            "rejected_at": application.status == "rejected" ? iso(application.updatedAt) : NSNull(),
            "rejection_reason_id": NSNull(), "custom_fields": [:] as [String: Any], "created_at": iso(application.createdAt),
            "updated_at": iso(application.updatedAt), "last_activity_at": iso(application.lastActivityAt),
        ]
    }
}
