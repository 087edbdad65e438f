// The content TableauFake serves, and its JSON, as TableauFake.swift cites the reference
// (https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_ref_workbooks_and_views.htm,
// https://help.tableau.com/current/api/rest_api/en-us/REST/rest_api_ref_data_sources.htm; the
// shapes Tableau's own client reads in github.com/tableau/tableau-mcp src/sdks/tableau/types):
// a view names its workbook, owner and project by id; a workbook and a data source carry their
// project's id and name; tags are `{"tag": [{"label"}]}`, or `{}` when there are none. Scalar
// values are strings, as Tableau's JSON renders XML attributes (from memory).

import Foundation

extension TableauFake {
    /// The kind of a listed item, with its JSON collection names.
    enum Kind: Sendable, Hashable {
        case view, workbook, datasource

        /// The collection's key (`views`).
        var plural: String { self == .view ? "views" : self == .workbook ? "workbooks" : "datasources" }
        /// The item key inside the collection (`view`).
        var singular: String { self == .view ? "view" : self == .workbook ? "workbook" : "datasource" }
    }

    /// A view, workbook or data source on a site.
    struct Content: Sendable {
        var kind: Kind
        var id: String
        var siteID: String
        var name: String
        var contentUrl: String
        var projectID: String
        var projectName: String
        var ownerID: String
        var ownerName: String
        var createdAt: String
        var updatedAt: String
        var tags: [String] = []
        /// Views: the workbook, the sheet's URL name and type, how often it was seen.
        var workbookID: String?
        var workbookName: String?
        var viewUrlName: String?
        var sheetType: String?
        var totalViewCount = 0
        /// Workbooks: the numeric id in `webpageUrl`, the default view.
        var number = 0
        var defaultViewID: String?
        /// Data sources: the connection type.
        var type: String?
    }

    /// A view's summary data: column names and formatted cells, as Query View Data exports them.
    struct DataTable: Sendable {
        var columns: [String]
        var rows: [[String]]
    }

    /// The Marketing workbook `Campaign Performance`.
    public static let campaignWorkbookID = luid(3, 0)
    /// Its `Campaign Overview` view, whose data is Region, Campaign, Spend, Clicks.
    public static let campaignOverviewViewID = luid(2, 0)
    /// A view on the Finance site.
    public static let financeViewID = luid(2, 9000)
    /// Views on the Marketing site.
    public static let marketingViewCount = 250
    /// Workbooks on the Marketing site.
    public static let marketingWorkbookCount = 25
    /// Data sources on the Marketing site.
    public static let marketingDatasourceCount = 12

    /// A stable LUID for item `n` of kind `kind`.
    static func luid(_ kind: Int, _ n: Int) -> String {
        func hex(_ value: Int, _ width: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(hex(0x5e10_0000 + kind, 8))-\(hex(n, 4))-4\(hex(n % 0x1000, 3))-8\(hex(kind, 3))-\(hex(0x1000_0000_0000 + n * 7919, 12))"
    }

    static func seed(_ state: inout State) {
        let formatter = ISO8601DateFormatter()
        let start = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01T00:00:00Z
        func at(_ seconds: Int) -> String { formatter.string(from: start.addingTimeInterval(TimeInterval(seconds))) }
        let projects = [("Marketing", luid(1, 1)), ("Sales", luid(1, 2)), ("Finance", luid(1, 3))]
        let campaignSheets = [
            "Campaign Overview", "Campaign Spend by Region", "Channel Mix", "Campaign Funnel", "Audience", "Creative Performance",
            "Weekly Trend", "Campaign ROI", "Budget Pacing", "Attribution",
        ]
        let owner = pat
        for w in 0..<marketingWorkbookCount {
            let project = projects[w % projects.count]
            let name = w == 0 ? "Campaign Performance" : "Workbook \(w + 1 < 10 ? "0" : "")\(w + 1)"
            let workbookURL = name.replacingOccurrences(of: " ", with: "")
            var workbook = Content(
                kind: .workbook, id: luid(3, w), siteID: marketing.id, name: name, contentUrl: workbookURL, projectID: project.1,
                projectName: project.0, ownerID: owner.userID, ownerName: owner.userName, createdAt: at(w * 86_400),
                updatedAt: at(40 * 86_400 + (w * 37 % marketingWorkbookCount) * 3_600), tags: w % 5 == 0 ? ["featured"] : [])
            workbook.number = 1_204_500 + w
            workbook.defaultViewID = luid(2, w * 10)
            state.content.append(workbook)
            for v in 0..<10 {
                let i = w * 10 + v
                let sheet = w == 0 ? campaignSheets[v] : "View \(String(repeating: "0", count: 3 - String(i + 1).count))\(i + 1)"
                let urlName = sheet.replacingOccurrences(of: " ", with: "")
                var view = Content(
                    kind: .view, id: luid(2, i), siteID: marketing.id, name: sheet, contentUrl: "\(workbookURL)/sheets/\(urlName)",
                    projectID: project.1, projectName: project.0, ownerID: owner.userID, ownerName: owner.userName,
                    createdAt: at(w * 86_400 + v * 600), updatedAt: at(60 * 86_400 + (i * 37 % marketingViewCount) * 60),
                    tags: v == 0 ? ["kpi"] : [])
                view.workbookID = workbook.id
                view.workbookName = name
                view.viewUrlName = urlName
                view.sheetType = v == 0 ? "dashboard" : "worksheet"
                view.totalViewCount = (i * 13) % 97
                state.content.append(view)
            }
        }
        let sources = [
            ("Campaign Spend", "sqlserver"), ("Web Sessions", "snowflake"), ("CRM Accounts", "sqlserver"), ("Email Events", "hyper"),
            ("Ad Platforms", "bigquery"), ("Budget Sheet", "excel-direct"), ("Leads", "postgres"), ("Social Metrics", "hyper"),
            ("Events Calendar", "excel-direct"), ("Attribution Model", "snowflake"), ("Web Goals", "postgres"), ("Survey Results", "textscan"),
        ]
        for (d, source) in sources.enumerated() {
            let project = projects[d % projects.count]
            var datasource = Content(
                kind: .datasource, id: luid(4, d), siteID: marketing.id, name: source.0,
                contentUrl: source.0.replacingOccurrences(of: " ", with: ""), projectID: project.1, projectName: project.0,
                ownerID: owner.userID, ownerName: owner.userName, createdAt: at(d * 43_200),
                updatedAt: at(50 * 86_400 + (d * 37 % sources.count) * 3_600), tags: d == 0 ? ["certified"] : [])
            datasource.type = source.1
            state.content.append(datasource)
        }
        // The Finance site: one workbook with three views, never listed on Marketing.
        var budget = Content(
            kind: .workbook, id: luid(3, 9000), siteID: finance.id, name: "Budget 2024", contentUrl: "Budget2024", projectID: luid(1, 9),
            projectName: "Finance", ownerID: financePAT.userID, ownerName: financePAT.userName, createdAt: at(0), updatedAt: at(3_600))
        budget.number = 1_300_001
        state.content.append(budget)
        for (v, sheet) in ["Budget Overview", "Campaign Budget", "Forecast"].enumerated() {
            var view = Content(
                kind: .view, id: luid(2, 9000 + v), siteID: finance.id, name: sheet,
                contentUrl: "Budget2024/sheets/\(sheet.replacingOccurrences(of: " ", with: ""))", projectID: luid(1, 9), projectName: "Finance",
                ownerID: financePAT.userID, ownerName: financePAT.userName, createdAt: at(v * 60), updatedAt: at(7_200 + v * 60))
            view.workbookID = budget.id
            view.workbookName = budget.name
            view.viewUrlName = sheet.replacingOccurrences(of: " ", with: "")
            view.sheetType = "worksheet"
            state.content.append(view)
        }
        state.tables[campaignOverviewViewID] = DataTable(
            columns: ["Region", "Campaign", "Spend", "Clicks"],
            rows: [
                ["East", "Spring Launch", "$1,250.50", "3400"], ["West", "Summer Sale", "$880.00", "2100"],
                ["East", "Brand Awareness", "$2,300.75", "5120"], ["Central", "Back to School", "$640.00", "1750"],
            ])
    }

    /// The JSON of `item` as the list endpoints answer it.
    static func json(_ item: Content, site: Site, host: String, usage: Bool) -> [String: Any] {
        let tags: [String: Any] = item.tags.isEmpty ? [:] : ["tag": item.tags.map { ["label": $0] }]
        var object: [String: Any] = [
            "id": item.id, "name": item.name, "contentUrl": item.contentUrl, "createdAt": item.createdAt, "updatedAt": item.updatedAt,
            "owner": ["id": item.ownerID], "tags": tags,
        ]
        let sitePath = site.contentUrl.isEmpty ? "" : "/site/\(site.contentUrl)"
        switch item.kind {
        case .view:
            object["workbook"] = ["id": item.workbookID ?? ""]
            object["project"] = ["id": item.projectID]
            object["viewUrlName"] = item.viewUrlName ?? ""
            object["sheetType"] = item.sheetType ?? "worksheet"
            if usage { object["usage"] = ["totalViewCount": String(item.totalViewCount)] }
        case .workbook:
            object["project"] = ["id": item.projectID, "name": item.projectName]
            object["description"] = ""
            object["webpageUrl"] = "\(host)/#\(sitePath)/workbooks/\(item.number)"
            object["showTabs"] = "true"
            object["size"] = "1"
            object["encryptExtracts"] = "false"
            object["defaultViewId"] = item.defaultViewID ?? ""
        case .datasource:
            object["project"] = ["id": item.projectID, "name": item.projectName]
            object["description"] = ""
            object["type"] = item.type ?? ""
            object["webpageUrl"] = "\(host)/#\(sitePath)/datasources/\(item.id)"
            object["encryptExtracts"] = "false"
            object["hasExtracts"] = item.type == "hyper" ? "true" : "false"
            object["isCertified"] = item.tags.contains("certified") ? "true" : "false"
            object["useRemoteQueryAgent"] = "false"
        }
        return object
    }

    /// The values the fake keeps for a filter or sort field, nil for a field it does not model.
    static func values(_ item: Content, _ field: String) -> [String]? {
        switch field {
        case "name": [item.name]
        case "contentUrl": [item.contentUrl]
        case "createdAt": [item.createdAt]
        case "updatedAt": [item.updatedAt]
        case "projectName": [item.projectName]
        case "ownerName": [item.ownerName]
        case "tags": item.tags
        case "workbookName" where item.kind == .view: item.workbookName.map { [$0] }
        case "viewUrlName" where item.kind == .view: item.viewUrlName.map { [$0] }
        case "sheetType" where item.kind == .view: item.sheetType.map { [$0] }
        case "type" where item.kind == .datasource: item.type.map { [$0] }
        default: nil
        }
    }
}
