import Foundation
import TestSupport
import Testing

extension OAuthTestSupport {
    /// A connection whose refresh is refused: `action` runs once (200), `spoil` expires the token
    /// it sent and makes the provider refuse every refresh, and the next run answers 412 after
    /// exactly one refresh (`refreshes` counts the provider's refresh grants) with the connection
    /// in `attention`. Returns the connection as `connectors.getConnection` lists it then.
    @discardableResult
    static func expectRefusedRefreshNeedsAttention(
        _ client: HTTPTestClient, connection id: String, action: String, refreshes: () -> Int, spoil: () throws -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Any] {
        let (ok, _) = try await client.mutation("connectors.executeAction", ["connectionId": id, "action": action, "input": [:]])
        #expect(ok == 200, sourceLocation: sourceLocation)
        try spoil()
        let (status, envelope) = try await client.mutation("connectors.executeAction", ["connectionId": id, "action": action, "input": [:]])
        #expect(status == 412, "\(envelope)", sourceLocation: sourceLocation)
        #expect(refreshes() == 1, "refreshed once", sourceLocation: sourceLocation)
        let (_, got) = try await client.query("connectors.getConnection", ["id": id])
        let connection = try #require(resultData(got), sourceLocation: sourceLocation)
        #expect(connection["status"] as? String == "attention", sourceLocation: sourceLocation)
        return connection
    }
}
