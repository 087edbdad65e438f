// PagerDuty's services and incidents endpoints, as PagerDutyFake.swift cites them
// (https://developer.pagerduty.com/api-reference/, github.com/PagerDuty/api-schema
// reference/REST/openapiv3.json; pagination https://developer.pagerduty.com/docs/pagination).

import Foundation
import Synchronization

extension PagerDutyFake {
    /// The escalation policies of the account.
    public static let escalationPolicies: Set<String> = ["PT20YPA", "PANZZEQ"]

    /// Classic pagination: `limit` (default 25, at most 100), `offset`, `more`, and `total` only
    /// when `total=true`; offset + limit past 10,000 is refused.
    func page(_ request: Request, _ items: [[String: Any]], key: String) -> Reply {
        let query = request.queryItems
        let limit = min(100, max(1, query["limit"]?.first.flatMap(Int.init) ?? 25))
        let offset = max(0, query["offset"]?.first.flatMap(Int.init) ?? 0)
        guard offset + limit <= 10_000 else {
            return Self.error(
                400, code: 2001, message: "Arguments Caused Error",
                errors: [
                    "Offset+limit exceeds maximum allowed value of 10000. Please try to refine your search to reduce the returned set of records below this number, like adding a date range."
                ])
        }
        let slice = offset < items.count ? Array(items[offset..<min(items.count, offset + limit)]) : []
        let total: Any = query["total"]?.first == "true" ? items.count : NSNull()
        return .json(200, object: [key: slice, "limit": limit, "offset": offset, "more": offset + limit < items.count, "total": total])
    }

    func listServices(_ request: Request) -> Reply {
        let filter = request.queryItems["query"]?.first?.lowercased()
        var services = Self.services.filter { filter == nil || $0.name.lowercased().contains(filter!) }
        switch request.queryItems["sort_by"]?.first ?? "name" {
        case "name", "name:asc": services.sort { $0.name < $1.name }
        case "name:desc": services.sort { $0.name > $1.name }
        case let other: return Self.invalid("sort_by \(other) is not supported")
        }
        return page(request, services.map { Self.serviceJSON($0.id) }, key: "services")
    }

    func listIncidents(_ request: Request) -> Reply {
        let query = request.queryItems
        let statuses = Set(query["statuses[]"] ?? [])
        let known: Set<String> = ["triggered", "acknowledged", "resolved"]
        guard statuses.isSubset(of: known) else { return Self.invalid("statuses[] must be triggered, acknowledged or resolved") }
        let serviceIDs = Set(query["service_ids[]"] ?? [])
        var incidents = state.withLock { $0.incidents }
        if query["date_range"]?.first != "all" {
            // Without a range, the last month (the reference: "default is 1 month").
            let parse = { (text: String?) -> Date?? in
                guard let text else { return .some(nil) }
                guard let date = ISO8601DateFormatter().date(from: text) else { return nil }
                return .some(date)
            }
            guard let since = parse(query["since"]?.first), let until = parse(query["until"]?.first) else {
                return Self.error(400, code: 2004, message: "Invalid 'since' or 'until' Parameter Values")
            }
            let end = until ?? Date()
            let start = since ?? end.addingTimeInterval(-30 * 86_400)
            guard start <= end, end.timeIntervalSince(start) <= 183 * 86_400 else {
                return Self.error(400, code: 2005, message: "Invalid Query Date Range")
            }
            incidents = incidents.filter { $0.createdAt >= start && $0.createdAt <= end }
        }
        incidents = incidents.filter {
            (statuses.isEmpty || statuses.contains($0.status)) && (serviceIDs.isEmpty || serviceIDs.contains($0.serviceID))
        }
        switch query["sort_by"]?.first ?? "created_at:asc" {
        case "created_at", "created_at:asc", "incident_number", "incident_number:asc": incidents.sort { $0.number < $1.number }
        case "created_at:desc", "incident_number:desc": incidents.sort { $0.number > $1.number }
        case let other: return Self.invalid("sort_by \(other) is not supported")
        }
        return page(request, incidents.map(Self.incidentJSON), key: "incidents")
    }

    func getIncident(_ id: String) -> Reply {
        guard let incident = state.withLock({ $0.incidents.first { $0.id == id || String($0.number) == id } }) else {
            return Self.error(404, code: 2100, message: "Not Found")
        }
        return .json(200, object: ["incident": Self.incidentJSON(incident)])
    }

    func createIncident(_ request: Request) -> Reply {
        guard let from = request.header("From"), !from.isEmpty else {
            return Self.invalid("You must specify a user's email address in the \"From\" header to perform this action")
        }
        guard from == Self.userEmail else { return Self.invalid("The \"From\" header must be the email of a user of the account") }
        guard let body = request.json as? [String: Any], let incident = body["incident"] as? [String: Any] else {
            return Self.invalid("incident is required")
        }
        guard incident["type"] as? String == "incident" else { return Self.invalid("incident.type must be incident") }
        guard let title = incident["title"] as? String, !title.isEmpty else { return Self.invalid("Title cannot be empty.") }
        guard let service = incident["service"] as? [String: Any], service["type"] as? String == "service_reference",
            let serviceID = service["id"] as? String
        else { return Self.invalid("incident.service must be a service_reference with an id") }
        guard Self.services.contains(where: { $0.id == serviceID }) else { return Self.invalid("Service not found") }
        let urgency = incident["urgency"] as? String ?? "high"
        guard urgency == "high" || urgency == "low" else { return Self.invalid("Urgency must be high or low") }
        var details: String?
        if let text = incident["body"] {
            guard let body = text as? [String: Any], body["type"] as? String == "incident_body" else {
                return Self.invalid("incident.body must be an incident_body")
            }
            details = body["details"] as? String
        }
        var policy: String?
        if let reference = incident["escalation_policy"] {
            guard let reference = reference as? [String: Any], reference["type"] as? String == "escalation_policy_reference",
                let id = reference["id"] as? String
            else { return Self.invalid("escalation_policy must be an escalation_policy_reference with an id") }
            guard Self.escalationPolicies.contains(id) else { return Self.invalid("Escalation policy not found") }
            policy = id
        }
        let key = incident["incident_key"] as? String
        let created: Incident? = state.withLock { state in
            if let key, state.incidents.contains(where: { $0.incidentKey == key && $0.serviceID == serviceID && $0.status != "resolved" }) {
                return nil
            }
            let number = state.nextNumber
            state.nextNumber += 1
            let incident = Incident(
                id: "Q" + String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(13)), number: number, title: title,
                serviceID: serviceID, status: "triggered", urgency: urgency, incidentKey: key, escalationPolicyID: policy, details: details,
                createdAt: Date())
            state.incidents.append(incident)
            return incident
        }
        guard let created else { return Self.invalid("Open incident with key '\(key ?? "")' already exists") }
        return .json(201, object: ["incident": Self.incidentJSON(created)])
    }

    static func serviceJSON(_ id: String) -> [String: Any] {
        let name = services.first { $0.id == id }?.name ?? id
        return [
            "id": id, "type": "service", "summary": name, "name": name, "status": "active",
            "self": "https://api.pagerduty.com/services/\(id)", "html_url": "https://acme.pagerduty.com/service-directory/\(id)",
        ]
    }

    static func incidentJSON(_ incident: Incident) -> [String: Any] {
        let name = services.first { $0.id == incident.serviceID }?.name ?? incident.serviceID
        var json: [String: Any] = [
            "id": incident.id, "type": "incident", "summary": "[#\(incident.number)] \(incident.title)", "title": incident.title,
            "incident_number": incident.number, "status": incident.status, "urgency": incident.urgency,
            "created_at": ISO8601DateFormatter().string(from: incident.createdAt),
            "self": "https://api.pagerduty.com/incidents/\(incident.id)", "html_url": "https://acme.pagerduty.com/incidents/\(incident.id)",
            "service": [
                "id": incident.serviceID, "type": "service_reference", "summary": name,
                "self": "https://api.pagerduty.com/services/\(incident.serviceID)",
                "html_url": "https://acme.pagerduty.com/service-directory/\(incident.serviceID)",
            ],
            "incident_key": incident.incidentKey ?? NSNull(),
        ]
        if let policy = incident.escalationPolicyID {
            json["escalation_policy"] = ["id": policy, "type": "escalation_policy_reference", "summary": "Checkout on-call"]
        }
        return json
    }
}
