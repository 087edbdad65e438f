import Foundation

/// `googleAds.campaignStatus` and `googleAds.campaignBudget`: changes to several campaigns or
/// budgets in one `campaigns:mutate` / `campaignBudgets:mutate` with `partialFailure: true`
/// (https://developers.google.com/google-ads/api/docs/best-practices/partial-failures), each
/// change answered on its own. Google applies the valid operations and answers HTTP 200 with
/// `partialFailureError`, a `google.rpc.Status` whose `details` hold a `GoogleAdsFailure`;
/// each of its errors names the failed operation in `location.fieldPathElements[0]`
/// (`{"fieldName": "operations", "index": n}`, the index left out for 0 as proto3 JSON does).
/// A template could send the operations but not tell the caller which failed, so this flow
/// builds them, performs the connector's plain mutate action as its step, and answers
/// `{id, results: [{index, …change, resourceName | errorCode, message}], succeeded, failed}`.
/// When every change failed, the call fails (`providerRejected` with the first error's
/// `family.CODE`), so a queued job does not count as done.
public struct GoogleAdsMutateFlow: ConnectorFlow {
    public let id: String
    /// The plain mutate action sent as the step (`campaigns.mutate`).
    let step: String
    /// The input member of a change naming the resource (`campaignId`).
    let idMember: String
    /// The resource collection under the customer (`campaigns`).
    let collection: String
    /// The fields a change updates: the same names in the input and in the resource's JSON.
    let fields: [String]

    /// Pauses or enables campaigns (`updateMask: status`).
    public static let campaignStatus = GoogleAdsMutateFlow(
        id: "googleAds.campaignStatus", step: "campaigns.mutate", idMember: "campaignId", collection: "campaigns",
        fields: ["status"])
    /// Changes campaign budgets' daily amounts (`updateMask: amountMicros`, an int64 sent as a string).
    public static let campaignBudget = GoogleAdsMutateFlow(
        id: "googleAds.campaignBudget", step: "campaignBudgets.mutate", idMember: "budgetId", collection: "campaignBudgets",
        fields: ["amountMicros"])

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        guard let customer = call.accountID, !customer.isEmpty else {
            throw ConnectorError(.invalidInput, "\(call.connector).\(call.action) needs the customer id as the account")
        }
        guard case .array(let changes)? = call.input["changes"], !changes.isEmpty else {
            throw ConnectorError(.invalidInput, "\(call.connector).\(call.action) needs at least one change")
        }
        let operations = changes.map { operation(for: $0, customer: customer) }
        var input: [String: JSONValue] = ["operations": .array(operations)]
        if let validateOnly = call.input["validateOnly"] { input["validateOnly"] = validateOnly }
        let answer = try await context.perform(step, input: .object(input))
        let results = Self.outcomes(answer, changes: changes)
        let failed = results.filter { $0["errorCode"] != nil }
        if !failed.isEmpty, failed.count == results.count {
            let code = JSONPath.text(failed[0]["errorCode"])
            let message = JSONPath.text(failed[0]["message"]) ?? "the operation failed"
            throw ConnectorError(
                .providerRejected, "\(call.connector) refused every change of \(call.action): \(message)", providerCode: code,
                details: failed.map { "operation \(JSONPath.text($0["index"]) ?? "?"): \(JSONPath.text($0["errorCode"]) ?? "?")" })
        }
        var output: [String: JSONValue] = [
            "results": .array(results), "succeeded": .number(Double(results.count - failed.count)),
            "failed": .number(Double(failed.count)), "validateOnly": .bool(call.input["validateOnly"] == .bool(true)),
        ]
        if let first = results.lazy.compactMap({ JSONPath.text($0["resourceName"]) }).first { output["id"] = .string(first) }
        return .object(output)
    }

    /// One update operation: the resource name and the changed fields, with the update mask
    /// naming them (proto3 JSON FieldMask: lowerCamelCase paths, comma separated).
    func operation(for change: JSONValue, customer: String) -> JSONValue {
        let resourceID = JSONPath.text(change[idMember]) ?? ""
        var update: [String: JSONValue] = ["resourceName": .string("customers/\(customer)/\(collection)/\(resourceID)")]
        for field in fields {
            guard let value = change[field] else { continue }
            // int64 fields travel as decimal strings in proto3 JSON.
            if case .number(let number) = value { update[field] = .string(String(Int64(number))) } else { update[field] = value }
        }
        return .object(["updateMask": .string(fields.joined(separator: ",")), "update": .object(update)])
    }

    /// Each change's outcome: its `results[i].resourceName`, or the errors the partial
    /// failure names for operation `i`.
    static func outcomes(_ answer: JSONValue, changes: [JSONValue]) -> [JSONValue] {
        var errors: [Int: (code: String?, message: String?)] = [:]
        if case .array(let details)? = answer["partialFailureError"]?["details"] {
            for detail in details {
                guard case .array(let failures)? = detail["errors"] else { continue }
                for failure in failures {
                    var index = 0
                    if case .array(let path)? = failure["location"]?["fieldPathElements"],
                        let element = path.first(where: { JSONPath.text($0["fieldName"]) == "operations" })
                    {
                        index = JSONPath.text(element["index"]).flatMap(Int.init) ?? 0
                    }
                    if errors[index] == nil {
                        errors[index] = (ProviderErrorRules.codeText(failure["errorCode"]), JSONPath.text(failure["message"]))
                    }
                }
            }
        }
        var results: [JSONValue] = []
        if case .array(let found)? = answer["results"] { results = found }
        return changes.enumerated().map { index, change in
            var item: [String: JSONValue] = ["index": .number(Double(index))]
            if case .object(let members) = change { item.merge(members) { current, _ in current } }
            if let error = errors[index] {
                item["errorCode"] = error.code.map(JSONValue.string) ?? .string("UNKNOWN")
                item["message"] = error.message.map(JSONValue.string) ?? .null
            } else if index < results.count, let name = JSONPath.text(results[index]["resourceName"]), !name.isEmpty {
                item["resourceName"] = .string(name)
            }
            return .object(item)
        }
    }
}
