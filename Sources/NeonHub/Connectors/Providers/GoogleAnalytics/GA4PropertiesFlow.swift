import Foundation

/// `ga4.properties`: the GA4 properties a user can read, as the connection's accounts. The
/// Admin API's `accountSummaries.list`
/// (https://developers.google.com/analytics/devguides/config/admin/v1/rest/v1beta/accountSummaries/list)
/// answers accounts, each with its `propertySummaries` (`property` = `properties/{id}`); a
/// template cannot flatten that nesting, so this flow runs the `accountSummaries.list` step
/// (every page) and answers one item per property: `id` is the numeric property id the Data
/// API paths take (`/v1beta/properties/{id}:runReport`), with the property's and its
/// account's names.
public struct GA4PropertiesFlow: ConnectorFlow {
    public let id = "ga4.properties"

    /// The flow.
    public init() {}

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        let summaries = try await context.perform("accountSummaries.list", input: .object([:]))
        return .object(["items": .array(Self.properties(summaries))])
    }

    /// One account item per property of the (mapped) `accountSummaries.list` output.
    static func properties(_ summaries: JSONValue) -> [JSONValue] {
        guard case .array(let accounts)? = summaries["items"] else { return [] }
        var items: [JSONValue] = []
        for account in accounts {
            guard case .array(let properties)? = account["properties"] else { continue }
            for property in properties {
                guard let name = JSONPath.text(property["property"]), name.hasPrefix("properties/") else { continue }
                var item: [String: JSONValue] = ["id": .string(String(name.dropFirst("properties/".count))), "property": .string(name)]
                item["name"] = property["displayName"]
                item["propertyType"] = property["propertyType"]
                item["account"] = account["account"]
                item["accountName"] = account["displayName"]
                items.append(.object(item))
            }
        }
        return items
    }
}
