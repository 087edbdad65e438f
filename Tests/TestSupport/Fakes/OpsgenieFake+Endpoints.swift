// Opsgenie's create-incident, list-incidents and create-alert endpoints, as OpsgenieFake.swift
// cites them (https://docs.opsgenie.com/docs/incident-api, https://docs.opsgenie.com/docs/alert-api,
// https://docs.opsgenie.com/docs/pagination, https://github.com/opsgenie/opsgenie-oas paths/incident.yaml).

import Foundation
import Synchronization

extension OpsgenieFake {
    /// The list parameters' documented values.
    static let sortFields: Set<String> = ["createdAt", "tinyId", "message", "status", "isSeen", "owner"]

    /// The JSON object of a POST body; nil when the body is not JSON (400 "syntax error only").
    static func object(_ request: Request) -> [String: Any]? {
        guard let value = try? JSONSerialization.jsonObject(with: Data(request.body)) else { return nil }
        return value as? [String: Any]
    }

    /// Checks a text field: its type and documented limit.
    static func text(_ body: [String: Any], _ name: String, limit: Int, required: Bool = false, into errors: inout [String: String]) -> String? {
        guard let value = body[name], !(value is NSNull) else {
            if required { errors[name] = "\(name.prefix(1).uppercased() + name.dropFirst()) can not be empty." }
            return nil
        }
        guard let text = value as? String else {
            errors[name] = "\(name) must be a string."
            return nil
        }
        if required, text.trimmingCharacters(in: .whitespaces).isEmpty {
            errors[name] = "\(name.prefix(1).uppercased() + name.dropFirst()) can not be empty."
        } else if text.count > limit {
            errors[name] = "\(name) can not be longer than \(limit) characters."
        }
        return text
    }

    /// Checks `responders` (or `visibleTo`): each has a type of `types`; a user an id or a
    /// username, the others an id or a name. Nil with `errors` set when one is malformed.
    static func responders(_ body: [String: Any], _ name: String, types: Set<String>, into errors: inout [String: String]) -> [[String: String]] {
        guard let value = body[name] else { return [] }
        guard let list = value as? [[String: Any]] else {
            errors[name] = "\(name) must be a list of objects."
            return []
        }
        var parsed: [[String: String]] = []
        for item in list {
            guard let type = item["type"] as? String, types.contains(type) else {
                errors[name] = "Responder type should be one of: \(types.sorted().joined(separator: ", "))."
                return []
            }
            let names = type == "user" ? ["id", "username"] : ["id", "name"]
            let given = names.compactMap { key in (item[key] as? String).flatMap { $0.isEmpty ? nil : (key, $0) } }
            guard !given.isEmpty else {
                errors[name] = "For responder type \(type) either \(names[0]) or \(names[1]) must be provided."
                return []
            }
            parsed.append(Dictionary(uniqueKeysWithValues: given + [("type", type)]))
        }
        return parsed
    }

    /// Checks `tags` (≤ 20, each ≤ 50 characters) and `details` (string values, ≤ 8000 in all).
    static func tagsAndDetails(_ body: [String: Any], into errors: inout [String: String]) -> ([String], [String: String]) {
        var tags: [String] = []
        if let value = body["tags"] {
            if let list = value as? [String], list.count <= 20, list.allSatisfy({ $0.count <= 50 }) {
                tags = list
            } else {
                errors["tags"] = "Tags must be at most 20 strings of at most 50 characters."
            }
        }
        var details: [String: String] = [:]
        if let value = body["details"] {
            if let map = value as? [String: String], map.reduce(0, { $0 + $1.key.count + $1.value.count }) <= 8_000 {
                details = map
            } else {
                errors["details"] = "Details must map strings to strings, at most 8000 characters in all."
            }
        }
        return (tags, details)
    }

    /// Checks `priority` (P1–P5, default P3).
    static func priority(_ body: [String: Any], into errors: inout [String: String]) -> String {
        guard let value = body["priority"] else { return "P3" }
        guard let text = value as? String, ["P1", "P2", "P3", "P4", "P5"].contains(text) else {
            errors["priority"] = "Priority should be one of these: 'P1', 'P2', 'P3', 'P4' and 'P5'."
            return "P3"
        }
        return text
    }

    /// The account ids of parsed responders; the first one the account lacks as an error status.
    static func resolve(_ responders: [[String: String]]) -> Result<[Responder], ResolveFailure> {
        var resolved: [Responder] = []
        for responder in responders {
            let type = responder["type"] ?? ""
            let candidates: [(id: String, name: String)] =
                switch type {
                case "team": teams
                case "user": users.map { (id: $0.id, name: $0.username) }
                case "escalation": escalations
                default: schedules
                }
            let key = type == "user" ? "username" : "name"
            guard let match = candidates.first(where: { $0.id == responder["id"] || $0.name == responder[key] }) else {
                return .failure(
                    ResolveFailure(
                        status: "\(type.prefix(1).uppercased() + type.dropFirst()) [\(responder["id"] ?? responder[key] ?? "")] does not exist"))
            }
            resolved.append(Responder(type: type, id: match.id))
        }
        return .success(resolved)
    }

    /// Why an accepted request failed when processed.
    struct ResolveFailure: Error { var status: String }

    func createIncident(_ request: Request) -> Reply {
        guard let body = Self.object(request) else { return Self.error(400, "Invalid JSON body.") }
        var errors: [String: String] = [:]
        let message = Self.text(body, "message", limit: 130, required: true, into: &errors)
        let description = Self.text(body, "description", limit: 15_000, into: &errors)
        let note = Self.text(body, "note", limit: 25_000, into: &errors)
        let responders = Self.responders(body, "responders", types: ["team", "user"], into: &errors)
        let (tags, details) = Self.tagsAndDetails(body, into: &errors)
        let priority = Self.priority(body, into: &errors)
        var services: [String] = []
        if let value = body["impactedServices"] {
            if let list = value as? [String] {
                services = list
            } else {
                errors["impactedServices"] = "impactedServices must be a list of service ids."
            }
        }
        if let legacy = body["serviceId"] as? String { services.append(legacy) }
        if let entry = body["statusPageEntry"] {
            if ((entry as? [String: Any])?["title"] as? String)?.isEmpty ?? true {
                errors["statusPageEntry"] = "Status page entry title can not be empty."
            }
        }
        if let notify = body["notifyStakeholders"], !(notify is Bool) {
            errors["notifyStakeholders"] = "notifyStakeholders must be a boolean."
        }
        guard errors.isEmpty, let message else { return Self.unprocessable(errors) }
        let id = UUID().uuidString.lowercased()
        switch Self.resolve(responders) {
        case .failure(let failure):
            return accepted(Outcome(domain: "incident", success: false, status: failure.status, entityID: "", processedAt: Date()))
        case .success(let resolved):
            if let unknown = services.first(where: { !Self.services.contains($0) }) {
                return accepted(
                    Outcome(domain: "incident", success: false, status: "Service [\(unknown)] does not exist", entityID: "", processedAt: Date()))
            }
            state.withLock { state in
                state.incidents.append(
                    Incident(
                        id: id, tinyID: state.nextTinyID, message: message, description: description, status: "open", priority: priority,
                        tags: tags, details: details, responders: resolved, impactedServices: services, note: note,
                        notifyStakeholders: body["notifyStakeholders"] as? Bool ?? false, createdAt: Date()))
                state.nextTinyID += 1
            }
            return accepted(Outcome(domain: "incident", success: true, status: "Created incident", entityID: id, processedAt: Date()))
        }
    }

    func createAlert(_ request: Request) -> Reply {
        guard let body = Self.object(request) else { return Self.error(400, "Invalid JSON body.") }
        var errors: [String: String] = [:]
        let message = Self.text(body, "message", limit: 130, required: true, into: &errors)
        let alias = Self.text(body, "alias", limit: 512, into: &errors)
        _ = Self.text(body, "description", limit: 15_000, into: &errors)
        let entity = Self.text(body, "entity", limit: 512, into: &errors)
        let source = Self.text(body, "source", limit: 100, into: &errors)
        _ = Self.text(body, "user", limit: 100, into: &errors)
        _ = Self.text(body, "note", limit: 25_000, into: &errors)
        let kinds: Set<String> = ["team", "user", "escalation", "schedule"]
        let responders = Self.responders(body, "responders", types: kinds, into: &errors)
        _ = Self.responders(body, "visibleTo", types: ["team", "user"], into: &errors)
        let (tags, details) = Self.tagsAndDetails(body, into: &errors)
        let priority = Self.priority(body, into: &errors)
        guard errors.isEmpty, let message else { return Self.unprocessable(errors) }
        let resolved: [Responder]
        switch Self.resolve(responders) {
        case .failure(let failure):
            return accepted(Outcome(domain: "alert", success: false, status: failure.status, entityID: "", alias: alias, processedAt: Date()))
        case .success(let list): resolved = list
        }
        let (id, key) = state.withLock { state -> (String, String) in
            if let alias, let index = state.alerts.firstIndex(where: { $0.alias == alias && $0.status == "open" }) {
                state.alerts[index].count += 1
                return (state.alerts[index].id, alias)
            }
            let id = UUID().uuidString.lowercased()
            state.alerts.append(
                Alert(
                    id: id, alias: alias ?? id, message: message, responders: resolved, tags: tags, details: details, entity: entity,
                    source: source ?? "127.0.0.1", priority: priority, status: "open", count: 1))
            return (id, alias ?? id)
        }
        return accepted(Outcome(domain: "alert", success: true, status: "Created alert", entityID: id, alias: key, processedAt: Date()))
    }

    func listIncidents(_ request: Request) -> Reply {
        let items = request.queryItems
        guard let query = items["query"]?.first, !query.trimmingCharacters(in: .whitespaces).isEmpty else {
            return Self.unprocessable(["query": "Query can not be empty."])
        }
        let limit = items["limit"]?.first.map { Int($0) ?? 0 } ?? 20
        guard (1...100).contains(limit) else { return Self.unprocessable(["limit": "Limit must be between 1 and 100."]) }
        let offset = items["offset"]?.first.map { Int($0) ?? -1 } ?? 0
        guard offset >= 0 else { return Self.unprocessable(["offset": "Offset must be a non-negative integer."]) }
        let sort = items["sort"]?.first ?? "createdAt"
        guard Self.sortFields.contains(sort) else { return Self.unprocessable(["sort": "Sort field \(sort) is not supported."]) }
        let order = items["order"]?.first ?? "desc"
        guard order == "desc" || order == "asc" else { return Self.unprocessable(["order": "Order must be asc or desc."]) }
        guard let filter = Self.filter(query) else { return Self.unprocessable(["query": "Query \(query) is not valid."]) }
        var incidents = state.withLock { $0.incidents }.filter(filter)
        incidents.sort { lhs, rhs in
            let ascending: Bool =
                switch sort {
                case "tinyId": lhs.tinyID < rhs.tinyID
                case "message": lhs.message < rhs.message
                case "status": lhs.status < rhs.status
                default: lhs.createdAt < rhs.createdAt
                }
            return order == "asc" ? ascending : !ascending
        }
        let page = offset < incidents.count ? Array(incidents[offset..<min(incidents.count, offset + limit)]) : []
        func link(_ start: Int) -> String {
            var components = URLComponents(string: baseURL + "/v1/incidents")
            components?.queryItems = [
                URLQueryItem(name: "query", value: query), URLQueryItem(name: "offset", value: String(start)),
                URLQueryItem(name: "limit", value: String(limit)), URLQueryItem(name: "sort", value: sort), URLQueryItem(name: "order", value: order),
            ]
            return components?.string ?? ""
        }
        var paging: [String: Any] = ["first": link(0), "last": link(max(0, (incidents.count - 1) / limit * limit))]
        if offset + limit < incidents.count { paging["next"] = link(offset + limit) }
        if offset > 0 { paging["prev"] = link(max(0, offset - limit)) }
        return Self.success(200, ["data": page.map { Self.incidentJSON($0) }, "paging": paging, "totalCount": incidents.count])
    }

    /// The incidents a search query matches: `field:value` terms (status, priority, tinyId,
    /// tag) joined by AND; other words must appear in the message. Nil for an unknown field.
    static func filter(_ query: String) -> (@Sendable (Incident) -> Bool)? {
        var tests: [@Sendable (Incident) -> Bool] = []
        for term in query.split(separator: " ") where term.uppercased() != "AND" {
            let parts = term.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                let word = term.lowercased()
                tests.append { $0.message.lowercased().contains(word) }
                continue
            }
            let value = parts[1]
            switch parts[0] {
            case "status": tests.append { $0.status == value }
            case "priority": tests.append { $0.priority == value }
            case "tinyId": tests.append { String($0.tinyID) == value }
            case "tag", "tags": tests.append { $0.tags.contains(value) }
            default: return nil
            }
        }
        let all = tests
        return { incident in all.allSatisfy { $0(incident) } }
    }

    /// An incident as the list answers it.
    static func incidentJSON(_ incident: Incident) -> [String: Any] {
        [
            "id": incident.id, "tinyId": String(incident.tinyID), "message": incident.message, "status": incident.status,
            "tags": incident.tags, "createdAt": timestamp(incident.createdAt), "updatedAt": timestamp(incident.createdAt),
            "priority": incident.priority, "ownerTeam": "", "serviceId": incident.impactedServices.first ?? "",
            "responders": incident.responders.map { ["type": $0.type, "id": $0.id] }, "extraProperties": incident.details,
            "impactedServices": incident.impactedServices, "actions": [String](),
        ]
    }
}
