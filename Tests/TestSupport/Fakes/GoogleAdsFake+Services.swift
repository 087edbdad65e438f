// GoogleAdsService.Search / SearchStream and the campaign and budget mutates of the Google
// Ads fake, as documented at
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.googleAds/search,
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.googleAds/searchStream,
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.campaigns/mutate and
//   https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.campaignBudgets/mutate
// (the rest of what it follows is cited in GoogleAdsFake.swift).

import Foundation
import Synchronization

extension GoogleAdsFake {
    static let searchFields: Set<String> = ["query", "pageToken", "pageSize", "returnTotalResultsCount", "summaryRowSetting", "validateOnly"]
    static let streamFields: Set<String> = ["query", "summaryRowSetting"]
    static let mutateFields: Set<String> = ["operations", "partialFailure", "validateOnly", "responseContentType"]

    func search(_ body: [String: Any], customerID: String) -> Reply {
        if let unknown = GoogleAPIError.unknownFields(body, allowed: Self.searchFields) { return unknown.reply }
        if body["pageSize"] != nil {
            return GoogleAdsFailure.invalidArgument([
                GoogleAdsError(
                    family: "requestError", code: "PAGE_SIZE_NOT_SUPPORTED", message: "Page size is not supported; pages are a fixed 10,000 rows.")
            ]).reply
        }
        let found: (query: GoogleAdsQuery, rows: [[String: Any]])
        switch rowsFor(body["query"], customerID: customerID) {
        case .failure(let failure): return failure.reply
        case .success(let value): found = value
        }
        let (query, rows) = found
        let size = searchPageSize
        var start = 0
        if let token = body["pageToken"] as? String, !token.isEmpty {
            // Our tokens carry the query's hash: another query with it is refused.
            let parts = token.split(separator: ".")
            guard parts.count == 3, parts[0] == "GA", let offset = Int(parts[1]), parts[2] == Self.hash(query.fields.joined() + query.resource),
                offset <= rows.count
            else {
                return GoogleAdsFailure.invalidArgument([
                    GoogleAdsError(family: "requestError", code: "INVALID_PAGE_TOKEN", message: "Page token is invalid.")
                ])
                .reply
            }
            start = offset
        }
        if let spent = spend(1) { return spent.reply }
        let page = Array(rows.dropFirst(start).prefix(size))
        var answer: [String: Any] = ["fieldMask": query.fieldMask, "queryResourceConsumption": String(10 + rows.count)]
        if !page.isEmpty { answer["results"] = page }
        if start + page.count < rows.count {
            answer["nextPageToken"] = "GA.\(start + page.count).\(Self.hash(query.fields.joined() + query.resource))"
        }
        if body["returnTotalResultsCount"] as? Bool == true { answer["totalResultsCount"] = String(rows.count) }
        return .json(200, object: answer)
    }

    func searchStream(_ body: [String: Any], customerID: String) -> Reply {
        if let unknown = GoogleAPIError.unknownFields(body, allowed: Self.streamFields) { return unknown.reply }
        let found: (query: GoogleAdsQuery, rows: [[String: Any]])
        switch rowsFor(body["query"], customerID: customerID) {
        case .failure(let failure): return failure.reply
        case .success(let value): found = value
        }
        let (query, rows) = found
        if let spent = spend(1) { return spent.reply }
        let size = streamBatchSize
        var batches: [[String: Any]] = []
        var start = 0
        repeat {
            let slice = Array(rows.dropFirst(start).prefix(size))
            var batch: [String: Any] = ["fieldMask": query.fieldMask, "requestId": "stream-\(customerID)"]
            if !slice.isEmpty { batch["results"] = slice }
            batches.append(batch)
            start += size
        } while start < rows.count
        batches[batches.count - 1]["queryResourceConsumption"] = String(10 + rows.count)
        return .json(200, object: batches)
    }

    /// The rows a query selects for `customerID`, or the error Google answers.
    private func rowsFor(_ text: Any?, customerID: String) -> Result<(query: GoogleAdsQuery, rows: [[String: Any]]), GoogleAdsFailure> {
        guard let text = text as? String, !text.isEmpty else {
            return .failure(.invalidArgument([GoogleAdsError(family: "queryError", code: "UNEXPECTED_END_OF_QUERY", message: "The query is empty.")]))
        }
        let query: GoogleAdsQuery
        switch GoogleAdsQuery.parse(text) {
        case .failure(let failure): return .failure(failure)
        case .success(let parsed): query = parsed
        }
        guard let customer = customers.first(where: { $0.id == customerID }) else { return .success((query, [])) }
        let (campaigns, budgets) = state.withLock { ($0.campaigns.filter { $0.customerID == customerID }, $0.budgets) }
        let days: [String?] = query.fields.contains("segments.date") ? query.days.map { $0 } : [nil]
        var values: [[String: Any]] = []
        let base: [String: Any] = [
            "customer.id": customer.id, "customer.descriptive_name": customer.name, "customer.currency_code": "USD",
            "customer.time_zone": "America/Los_Angeles", "customer.manager": customer.manager, "customer.test_account": true,
            "customer.resource_name": "customers/\(customer.id)",
        ]
        if query.resource == "customer" { values.append(base) }
        for (campaignIndex, campaign) in campaigns.enumerated() where query.resource != "customer" {
            var row = base
            row["campaign.id"] = campaign.id
            row["campaign.name"] = campaign.name
            row["campaign.status"] = campaign.status
            row["campaign.advertising_channel_type"] = campaign.channel
            row["campaign.resource_name"] = "customers/\(customerID)/campaigns/\(campaign.id)"
            row["campaign.campaign_budget"] = "customers/\(customerID)/campaignBudgets/\(campaign.budgetID)"
            row["campaign_budget.id"] = campaign.budgetID
            row["campaign_budget.amount_micros"] = String(budgets[campaign.budgetID] ?? 0)
            row["campaign_budget.resource_name"] = "customers/\(customerID)/campaignBudgets/\(campaign.budgetID)"
            if let excluded = query.exclusions["campaign.status"], excluded == campaign.status { continue }
            var entities: [[String: Any]] = [row]
            if query.resource == "ad_group" || query.resource == "keyword_view" {
                entities = (1...2).map { group in
                    var inner = row
                    let id = "4\(campaign.id.suffix(4))\(group)"
                    inner["ad_group.id"] = id
                    inner["ad_group.name"] = "\(campaign.name) group \(group)"
                    inner["ad_group.status"] = "ENABLED"
                    inner["ad_group.resource_name"] = "customers/\(customerID)/adGroups/\(id)"
                    return inner
                }
            }
            if query.resource == "keyword_view" {
                entities = entities.flatMap { group -> [[String: Any]] in
                    ["espresso beans", "coffee subscription"].enumerated().map { index, text in
                        var inner = group
                        let id = "5\(index + 1)\(String(describing: group["ad_group.id"]!).suffix(5))"
                        inner["ad_group_criterion.criterion_id"] = id
                        inner["ad_group_criterion.keyword.text"] = text
                        inner["ad_group_criterion.keyword.match_type"] = index == 0 ? "PHRASE" : "BROAD"
                        inner["ad_group_criterion.resource_name"] = "customers/\(customerID)/adGroupCriteria/\(group["ad_group.id"]!)~\(id)"
                        inner["keyword_view.resource_name"] = "customers/\(customerID)/keywordViews/\(group["ad_group.id"]!)~\(id)"
                        return inner
                    }
                }
            }
            for (entityIndex, entity) in entities.enumerated() {
                for (dayIndex, day) in days.enumerated() {
                    var inner = entity
                    if let day { inner["segments.date"] = day }
                    let impressions = 1000 + 37 * campaignIndex + 11 * entityIndex + 5 * dayIndex
                    let clicks = 40 + 3 * campaignIndex + entityIndex + dayIndex % 7
                    let cost = Int64(clicks) * 630_000
                    inner["metrics.impressions"] = String(impressions)
                    inner["metrics.clicks"] = String(clicks)
                    inner["metrics.cost_micros"] = String(cost)
                    inner["metrics.conversions"] = Double(clicks / 10)
                    inner["metrics.ctr"] = Double(clicks) / Double(impressions)
                    inner["metrics.average_cpc"] = Double(cost) / Double(clicks)
                    values.append(inner)
                }
            }
        }
        var rows = values.map(query.row)
        if let limit = query.limit { rows = Array(rows.prefix(limit)) }
        return .success((query, rows))
    }

    static func hash(_ text: String) -> String {
        var value: UInt32 = 2_166_136_261
        for byte in text.utf8 { value = (value ^ UInt32(byte)) &* 16_777_619 }
        return String(value, radix: 16)
    }

    // MARK: - Mutates

    func mutate(_ body: [String: Any], customerID: String, collection: String) -> Reply {
        if let unknown = GoogleAPIError.unknownFields(body, allowed: Self.mutateFields) { return unknown.reply }
        guard let operations = body["operations"] as? [[String: Any]], !operations.isEmpty else {
            return GoogleAdsFailure.invalidArgument([
                GoogleAdsError(family: "fieldError", code: "REQUIRED", message: "The required field was not present.", fieldPath: ["operations"])
            ])
            .reply
        }
        if let content = body["responseContentType"] as? String, !["RESOURCE_NAME_ONLY", "MUTABLE_RESOURCE"].contains(content) {
            return GoogleAPIError.invalidArgument(
                "Invalid value at 'response_content_type' (type.googleapis.com/google.ads.googleads.v26.enums.ResponseContentTypeEnum.ResponseContentType), \"\(content)\""
            ).reply
        }
        let partial = body["partialFailure"] as? Bool ?? false
        let validateOnly = body["validateOnly"] as? Bool ?? false
        var errors: [GoogleAdsError] = []
        var applies: [(index: Int, id: String, value: Any)] = []
        for (index, operation) in operations.enumerated() {
            switch check(operation, index: index, customerID: customerID, collection: collection) {
            case .failure(let error): errors.append(error)
            case .success(let change): applies.append((index, change.id, change.value))
            }
        }
        if let spent = spend(operations.count) { return spent.reply }
        if !errors.isEmpty && !partial {
            // Atomic: nothing is applied.
            return GoogleAdsFailure.invalidArgument(errors).reply
        }
        if !validateOnly {
            state.withLock { state in
                for change in applies {
                    if collection == "campaigns", let i = state.campaigns.firstIndex(where: { $0.id == change.id }),
                        let status = change.value as? String
                    {
                        state.campaigns[i].status = status
                    } else if collection == "campaignBudgets", let amount = change.value as? Int64 {
                        state.budgets[change.id] = amount
                    }
                }
            }
        }
        var answer: [String: Any] = [:]
        if !validateOnly {
            let applied = Dictionary(uniqueKeysWithValues: applies.map { ($0.index, $0.id) })
            answer["results"] = operations.indices.map { index -> [String: Any] in
                guard let id = applied[index] else { return [:] }  // a failed operation's result is empty
                return ["resourceName": "customers/\(customerID)/\(collection)/\(id)"]
            }
        }
        if !errors.isEmpty {
            let first = errors[0]
            answer["partialFailureError"] = [
                "code": 3,
                "message": errors.count == 1
                    ? "\(first.message), at operations[\(first.operation ?? 0)]"
                    : "Multiple errors in ‘details’. First error: \(first.message), at operations[\(first.operation ?? 0)]",
                "details": [GoogleAdsFailure.invalidArgument(errors).detail],
            ]
        }
        return .json(200, object: answer)
    }

    /// One update operation checked: the resource id and the new value, or its error.
    private func check(_ operation: [String: Any], index: Int, customerID: String, collection: String) -> Result<
        (id: String, value: Any), GoogleAdsError
    > {
        func error(_ family: String, _ code: String, _ message: String, _ path: [String]) -> Result<(id: String, value: Any), GoogleAdsError> {
            .failure(GoogleAdsError(family: family, code: code, message: message, operation: index, fieldPath: path))
        }
        guard let update = operation["update"] as? [String: Any] else {
            return error("mutateError", "OPERATION_NOT_SUPPORTED", "Only update operations are supported here.", [])
        }
        guard let mask = operation["updateMask"] as? String, !mask.isEmpty else {
            return error("fieldMaskError", "FIELD_MASK_MISSING", "The field mask must be specified for update operations.", ["update_mask"])
        }
        guard let name = update["resourceName"] as? String else {
            return error("fieldError", "REQUIRED", "The required field was not present.", ["update", "resource_name"])
        }
        let prefix = "customers/\(customerID)/\(collection)/"
        guard name.hasPrefix(prefix), name.dropFirst(prefix.count).allSatisfy(\.isNumber), name.count > prefix.count else {
            return error("requestError", "RESOURCE_NAME_MALFORMED", "Resource name is malformed.", ["update", "resource_name"])
        }
        let id = String(name.dropFirst(prefix.count))
        let paths = mask.split(separator: ",").map(String.init)
        if collection == "campaigns" {
            guard paths == ["status"] else {
                return error("fieldMaskError", "FIELD_NOT_FOUND", "The field mask names fields this fake does not change: \(mask).", ["update_mask"])
            }
            guard campaign(id) != nil else {
                return error("mutateError", "RESOURCE_NOT_FOUND", "Resource was not found.", ["update", "resource_name"])
            }
            guard let status = update["status"] as? String else {
                return error("fieldError", "REQUIRED", "The required field was not present.", ["update", "status"])
            }
            guard ["ENABLED", "PAUSED", "REMOVED"].contains(status) else {
                return error("requestError", "INVALID_ENUM_VALUE", "Enum value is not permitted.", ["update", "status"])
            }
            guard status != "REMOVED" else {
                return error("campaignError", "CANNOT_SET_STATUS_TO_REMOVED", "A campaign is removed with a remove operation.", ["update", "status"])
            }
            guard campaign(id)?.status != "REMOVED" else {
                return error("campaignError", "CANNOT_MODIFY_REMOVED_CAMPAIGN", "Cannot modify a removed campaign.", ["update", "status"])
            }
            return .success((id, status))
        }
        guard paths == ["amountMicros"] || paths == ["amount_micros"] else {
            return error("fieldMaskError", "FIELD_NOT_FOUND", "The field mask names fields this fake does not change: \(mask).", ["update_mask"])
        }
        guard budget(id) != nil else { return error("mutateError", "RESOURCE_NOT_FOUND", "Resource was not found.", ["update", "resource_name"]) }
        let amount: Int64?
        if let text = update["amountMicros"] as? String { amount = Int64(text) } else { amount = (update["amountMicros"] as? NSNumber)?.int64Value }
        guard let amount else { return error("fieldError", "REQUIRED", "The required field was not present.", ["update", "amount_micros"]) }
        guard amount > 0 else { return error("rangeError", "TOO_LOW", "Too low.", ["update", "amount_micros"]) }
        guard amount % 10_000 == 0 else {
            return error(
                "campaignBudgetError", "NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT",
                "The budget amount must be a multiple of the currency's minimum unit.",
                ["update", "amount_micros"])
        }
        return .success((id, amount))
    }
}
