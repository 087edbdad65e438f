import Foundation

/// `googleAds.customers`: the Google Ads customers the OAuth user reaches directly, as the
/// connection's accounts. `customers:listAccessibleCustomers`
/// (https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers/listAccessibleCustomers)
/// answers bare resource names (`customers/1234567890`), which a template cannot turn into
/// account objects; this flow runs that step and answers one item per customer whose `id` is
/// the 10-digit customer id the other actions' paths take.
public struct GoogleAdsCustomersFlow: ConnectorFlow {
    public let id = "googleAds.customers"

    /// The flow.
    public init() {}

    public func run(_ call: ConnectorCall, context: ConnectorFlowContext) async throws -> JSONValue {
        let listed = try await context.perform("customers.listAccessible", input: .object([:]))
        return .object(["items": .array(Self.customers(listed))])
    }

    /// One account per `customers/{id}` resource name of the step's output.
    static func customers(_ listed: JSONValue) -> [JSONValue] {
        guard case .array(let names)? = listed["resourceNames"] else { return [] }
        return names.compactMap { name in
            guard let text = JSONPath.text(name), text.hasPrefix("customers/") else { return nil }
            let id = String(text.dropFirst("customers/".count))
            guard !id.isEmpty, id.allSatisfy(\.isNumber) else { return nil }
            return .object(["id": .string(id), "resourceName": .string(text)])
        }
    }
}
