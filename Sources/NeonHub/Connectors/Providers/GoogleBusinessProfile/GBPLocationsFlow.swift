import Foundation

/// `gbp.locations`: every Business Profile location the user can manage, as the connection's
/// accounts. Accounts and locations live on two APIs: the Account Management API's
/// `accounts.list` (https://developers.google.com/my-business/reference/accountmanagement/rest/v1/accounts/list)
/// answers `accounts/{id}`, and the Business Information API's `accounts.locations.list`
/// (https://developers.google.com/my-business/reference/businessinformation/rest/v1/accounts.locations/list)
/// answers `locations/{id}` for one account at a time, without the account in the name. The
/// v4 local post, media and review paths need both ids, so this flow runs `accounts.list`
/// (every page), then `locations.list` for each account (every page), and answers one item
/// per location: `id` the numeric location id, `accountId` the numeric account id. A location
/// reached through several accounts (a personal account and a location group) is listed
/// once, under the first account that lists it.
public struct GBPLocationsFlow: ConnectorFlow {
    public let id = "gbp.locations"

    /// The flow.
    public init() {}

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        let accounts = try await context.perform("accounts.list", input: .object([:]))
        var items: [JSONValue] = []
        var seen: Set<String> = []
        for account in Self.items(accounts) {
            guard let accountName = JSONPath.text(account["id"]), let accountID = Self.numericID(accountName, prefix: "accounts/") else { continue }
            let locations = try await context.perform("locations.list", input: .object(["accountId": .string(accountID)]))
            for location in Self.items(locations) {
                guard let name = JSONPath.text(location["id"]), let locationID = Self.numericID(name, prefix: "locations/"),
                    seen.insert(locationID).inserted
                else { continue }
                var item: [String: JSONValue] = [
                    "id": .string(locationID), "accountId": .string(accountID), "location": .string(name), "account": .string(accountName),
                ]
                item["name"] = location["title"]
                item["address"] = location["address"]
                item["placeId"] = location["placeId"]
                item["mapsUri"] = location["mapsUri"]
                item["accountName"] = account["name"]
                item["accountType"] = account["type"]
                items.append(.object(item))
            }
        }
        return .object(["items": .array(items)])
    }

    /// The items of a (mapped) paged read.
    static func items(_ output: JSONValue) -> [JSONValue] {
        guard case .array(let items)? = output["items"] else { return [] }
        return items
    }

    /// `123` from `accounts/123` (nil for anything else).
    static func numericID(_ name: String, prefix: String) -> String? {
        guard name.hasPrefix(prefix) else { return nil }
        let id = name.dropFirst(prefix.count)
        return !id.isEmpty && id.allSatisfy(\.isNumber) ? String(id) : nil
    }
}
