// Power BI's workspace, report, semantic model, refresh and DAX query endpoints, as
// PowerBIFake.swift cites them (https://learn.microsoft.com/en-us/rest/api/power-bi/groups/get-groups,
// https://learn.microsoft.com/en-us/rest/api/power-bi/reports/get-reports-in-group,
// https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/get-datasets-in-group,
// https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/refresh-dataset-in-group,
// https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/execute-queries-in-group; the
// OpenAPI document in github.com/microsoft/PowerBI-CSharp sdk/swaggers/swagger.json).

import Foundation
import HTTPFields
import Synchronization

extension PowerBIFake {
    static func seed(_ state: inout State) {
        state.workspaces = [
            Workspace(id: marketing, name: "Marketing", isReadOnly: false, capacityID: capacityID, member: true),
            Workspace(id: sales, name: "Sales Analytics", isReadOnly: false, capacityID: nil, member: true),
            Workspace(id: finance, name: "Contoso Finance", isReadOnly: true, capacityID: nil, member: true),
            Workspace(id: hr, name: "HR Confidential", isReadOnly: false, capacityID: nil, member: false),
        ]
        state.reports = [
            Report(
                id: "5b218778-e7a5-4d73-8187-f10824047715", name: "Campaign Performance", workspace: marketing, datasetID: campaigns,
                type: "PowerBIReport"),
            Report(
                id: "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a", name: "Monthly Invoices", workspace: marketing, datasetID: nil, type: "PaginatedReport"),
            Report(id: "2a3b4c5d-6e7f-4081-9293-a4b5c6d7e8f9", name: "Pipeline Review", workspace: sales, datasetID: pipeline, type: "PowerBIReport"),
        ]
        state.datasets = [
            Dataset(id: campaigns, name: "Campaigns", workspace: marketing, configuredBy: "ada@contoso.com", isRefreshable: true, table: "Campaigns"),
            Dataset(id: webAnalytics, name: "Web Analytics", workspace: marketing, configuredBy: "ada@contoso.com", isRefreshable: false, table: nil),
            Dataset(id: pipeline, name: "Pipeline", workspace: sales, configuredBy: "grace@contoso.com", isRefreshable: true, table: nil),
        ]
        state.tables["Campaigns"] = Table(
            columns: ["Campaign", "Channel", "Spend", "Clicks"],
            rows: [
                [.text("Spring Launch"), .text("Social"), .number(1250.5), .number(3400)],
                [.text("Summer Sale"), .text("Email"), .number(880), .number(2100)],
                [.text("Brand Awareness"), .text("Display"), .number(2300.75), .null],
                [.text("Back to School"), .text("Search"), .number(640), .number(1750)],
            ])
    }

    func route(_ request: Request, _ rest: [String]) -> Reply {
        guard rest.first == "groups" else { return Self.error(404, "NotFound", "No HTTP resource was found that matches the request URI.") }
        if rest.count == 1 {
            guard request.method == "GET" else {
                return Self.error(405, "MethodNotAllowed", "The requested resource does not support http method '\(request.method)'.")
            }
            return groups(request)
        }
        let (workspace, datasets) = state.withLock { state in
            (state.workspaces.first { $0.id == rest[1].lowercased() && $0.member }, state.datasets)
        }
        guard let workspace else { return Self.pbiError(401, "PowerBINotAuthorizedException") }
        switch (request.method, Array(rest.dropFirst(2))) {
        case ("GET", ["reports"]): return reports(in: workspace)
        case ("GET", ["datasets"]):
            return .json(
                200,
                object: ["@odata.context": Self.context("datasets"), "value": datasets.filter { $0.workspace == workspace.id }.map(Self.datasetJSON)])
        case ("POST", let tail) where tail.count == 3 && tail[0] == "datasets" && (tail[2] == "refreshes" || tail[2] == "executeQueries"):
            guard let dataset = datasets.first(where: { $0.id == tail[1].lowercased() && $0.workspace == workspace.id }) else {
                return Self.error(
                    404, "ItemNotFound", "Dataset \(tail[1]) is not found! please verify datasetId is correct and user have sufficient permissions.")
            }
            return tail[2] == "refreshes" ? refresh(request, dataset, workspace) : executeQueries(request, dataset)
        default:
            return Self.error(404, "NotFound", "No HTTP resource was found that matches the request URI.")
        }
    }

    static func context(_ set: String) -> String { "http://wabi-north-europe-redirect.analysis.windows.net/v1.0/myorg/$metadata#\(set)" }

    // MARK: Workspaces

    func groups(_ request: Request) -> Reply {
        let query = request.queryItems
        var top: Int?
        var skip = 0
        if let text = query["$top"]?.last {
            guard let value = Int(text), value >= 0 else { return Self.error(400, "InvalidRequest", "Invalid value for $top: \(text)") }
            top = value
        }
        if let text = query["$skip"]?.last {
            guard let value = Int(text), value >= 0 else { return Self.error(400, "InvalidRequest", "Invalid value for $skip: \(text)") }
            skip = value
        }
        var visible = state.withLock { $0.workspaces.filter(\.member) }
        if let filter = query["$filter"]?.last {
            guard let predicate = Self.predicate(filter) else { return Self.error(400, "InvalidRequest", "Invalid OData $filter: \(filter)") }
            visible = visible.filter(predicate)
        }
        let page = visible.dropFirst(skip).prefix(top ?? Int.max)
        return .json(200, object: ["@odata.context": Self.context("groups"), "value": page.map(Self.groupJSON)])
    }

    /// `contains(name,'x')`, `name eq 'x'`, `isReadOnly eq true|false` and `isOnDedicatedCapacity
    /// eq true|false`, joined left to right by `and` / `or`; nil for anything else.
    static func predicate(_ filter: String) -> (@Sendable (Workspace) -> Bool)? {
        var result: (@Sendable (Workspace) -> Bool)?
        var joiner = "or"
        var rest = Substring(filter.trimmingCharacters(in: .whitespaces))
        while !rest.isEmpty {
            guard let (term, remainder) = Self.term(rest) else { return nil }
            if let previous = result {
                let both: @Sendable (Workspace) -> Bool = { previous($0) && term($0) }
                let either: @Sendable (Workspace) -> Bool = { previous($0) || term($0) }
                result = joiner == "and" ? both : either
            } else {
                result = term
            }
            rest = remainder.drop { $0 == " " }
            guard !rest.isEmpty else { break }
            if rest.hasPrefix("and ") { joiner = "and" } else if rest.hasPrefix("or ") { joiner = "or" } else { return nil }
            rest = rest.drop { $0 != " " }.drop { $0 == " " }
        }
        return result
    }

    static func term(_ text: Substring) -> ((@Sendable (Workspace) -> Bool), Substring)? {
        func quoted(_ s: Substring) -> (String, Substring)? {
            guard s.first == "'", let end = s.dropFirst().firstIndex(of: "'") else { return nil }
            return (String(s[s.index(after: s.startIndex)..<end]), s[s.index(after: end)...])
        }
        if text.hasPrefix("contains(name,") {
            guard let (value, after) = quoted(text.dropFirst("contains(name,".count).drop { $0 == " " }), after.first == ")" else { return nil }
            let test: @Sendable (Workspace) -> Bool = { $0.name.localizedCaseInsensitiveContains(value) }
            return (test, after.dropFirst())
        }
        if text.hasPrefix("name eq ") {
            guard let (value, after) = quoted(text.dropFirst("name eq ".count)) else { return nil }
            let test: @Sendable (Workspace) -> Bool = { $0.name == value }
            return (test, after)
        }
        for field in ["isReadOnly", "isOnDedicatedCapacity"] {
            for literal in ["true", "false"] where text.hasPrefix("\(field) eq \(literal)") {
                let wanted = literal == "true"
                let readOnly: @Sendable (Workspace) -> Bool = { $0.isReadOnly == wanted }
                let dedicated: @Sendable (Workspace) -> Bool = { ($0.capacityID != nil) == wanted }
                let test = field == "isReadOnly" ? readOnly : dedicated
                return (test, text.dropFirst("\(field) eq \(literal)".count))
            }
        }
        return nil
    }

    static func groupJSON(_ workspace: Workspace) -> [String: Any] {
        var json: [String: Any] = [
            "id": workspace.id, "name": workspace.name, "isReadOnly": workspace.isReadOnly, "isOnDedicatedCapacity": workspace.capacityID != nil,
        ]
        if let capacity = workspace.capacityID {
            json["capacityId"] = capacity
            json["defaultDatasetStorageFormat"] = "Small"
        }
        return json
    }

    // MARK: Reports and models

    func reports(in workspace: Workspace) -> Reply {
        let reports = state.withLock { $0.reports.filter { $0.workspace == workspace.id } }
        let value: [[String: Any]] = reports.map { report in
            var json: [String: Any] = [
                "id": report.id, "reportType": report.type, "name": report.name,
                "webUrl":
                    "https://app.powerbi.com/groups/\(workspace.id)/\(report.type == "PaginatedReport" ? "rdlreports" : "reports")/\(report.id)",
                "embedUrl":
                    "https://app.powerbi.com/\(report.type == "PaginatedReport" ? "rdlEmbed" : "reportEmbed")?reportId=\(report.id)&groupId=\(workspace.id)",
                "isFromPbix": report.type == "PowerBIReport", "isOwnedByMe": false, "users": [Any](), "subscriptions": [Any](),
            ]
            if let dataset = report.datasetID {
                json["datasetId"] = dataset
                json["datasetWorkspaceId"] = workspace.id
            }
            return json
        }
        return .json(200, object: ["@odata.context": Self.context("reports"), "value": value])
    }

    static func datasetJSON(_ dataset: Dataset) -> [String: Any] {
        [
            "id": dataset.id, "name": dataset.name, "webUrl": "https://app.powerbi.com/groups/\(dataset.workspace)/datasets/\(dataset.id)",
            "addRowsAPIEnabled": false, "configuredBy": dataset.configuredBy, "isRefreshable": dataset.isRefreshable,
            "isEffectiveIdentityRequired": false, "isEffectiveIdentityRolesRequired": false, "isOnPremGatewayRequired": false,
            "targetStorageMode": dataset.isRefreshable ? "Abf" : "DirectQuery", "createdDate": "2026-03-02T09:14:27.413Z",
            "createReportEmbedURL": "https://app.powerbi.com/reportEmbed?config=fake", "qnaEmbedURL": "https://app.powerbi.com/qnaEmbed?config=fake",
            "upstreamDatasets": [Any](), "users": [Any](),
        ]
    }

    // MARK: Refresh

    func refresh(_ request: Request, _ dataset: Dataset, _ workspace: Workspace) -> Reply {
        var body: [String: Any] = [:]
        if !request.body.isEmpty {
            guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true,
                let parsed = request.json as? [String: Any]
            else { return Self.error(400, "InvalidRequest", "The request body is not valid JSON.") }
            body = parsed
        }
        let notify = body["notifyOption"]
        let enhanced = body.keys.contains { $0 != "notifyOption" }
        if let notify {
            guard let option = notify as? String, ["NoNotification", "MailOnFailure", "MailOnCompletion"].contains(option) else {
                return Self.error(400, "InvalidRequest", "Invalid NotifyOption value '\(notify)'.")
            }
            guard !enhanced else { return Self.error(400, "InvalidRequest", "notifyOption cannot be specified for an enhanced refresh.") }
            // Mail goes to a user: a service principal (every caller of this fake) has none.
            guard option == "NoNotification" else {
                return Self.error(400, "InvalidRequest", "Invalid NotifyOption value '\(option)' for app only owner requests")
            }
        } else if !enhanced {
            return Self.error(400, "InvalidRequest", "The request must specify notifyOption or the parameters of an enhanced refresh.")
        }
        let shared = workspace.capacityID == nil
        if enhanced, shared { return Self.error(400, "InvalidRequest", "Enhanced refresh is not supported for shared capacities.") }
        guard dataset.isRefreshable else {
            return Self.error(400, "InvalidRequest", "Dataset \(dataset.id) is not refreshable.")
        }
        let accepted: Refresh? = state.withLock { state in
            let dayAgo = Date(timeIntervalSinceNow: -86_400)
            if shared, state.refreshes.filter({ $0.dataset == dataset.id && $0.at > dayAgo }).count >= Self.sharedRefreshesPerDay { return nil }
            let refresh = Refresh(
                workspace: workspace.id, dataset: dataset.id, notifyOption: notify as? String, enhanced: enhanced,
                requestID: UUID().uuidString.lowercased(), at: Date())
            state.refreshes.append(refresh)
            return refresh
        }
        guard let accepted else {
            return Self.error(
                400, "InvalidRequest",
                "Dataset \(dataset.id) has reached the maximum of \(Self.sharedRefreshesPerDay) refreshes a day on shared capacity.")
        }
        var headers = HTTPHeaders()
        if enhanced {
            headers.replaceOrAdd(name: "x-ms-request-id", value: accepted.requestID)
            headers.replaceOrAdd(
                name: "Location",
                value: "https://api.powerbi.com/v1.0/myorg/groups/\(workspace.id)/datasets/\(dataset.id)/refreshes/\(accepted.requestID)")
        }
        return Reply(status: 202, headers: headers, body: [])
    }
}
