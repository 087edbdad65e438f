import Foundation

/// The query options an OData next link carries over (Dataverse's `@odata.nextLink`,
/// SuccessFactors' `__next`): each option of the request, decoded and written again with the
/// characters `allowed` left as they are, without the old `$skiptoken`, which the fake replaces.
enum ODataNextLink {
    static func carriedOptions(of request: FakeProviderServer.RecordedRequest, allowed: CharacterSet) -> [String] {
        var options: [String] = []
        for pair in (request.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            guard let name = parts.first, name != "$skiptoken" else { continue }
            let value = parts.count > 1 ? parts[1] : ""
            options.append("\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)")
        }
        return options
    }
}
