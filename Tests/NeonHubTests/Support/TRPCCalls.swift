import Foundation
import TestSupport

/// tRPC calls as the frontend makes them, authenticated as a test tenant.
extension HTTPTestClient {
    /// `POST /trpc/<procedure>` with a JSON body → (status, envelope).
    func mutation(_ procedure: String, _ input: [String: Any], tenant: String = "tenant-a") async throws -> (Int, [String: Any]) {
        let reply = try await request(
            "POST", "/trpc/\(procedure)", headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(tenant: tenant))"],
            body: try JSONSerialization.data(withJSONObject: input))
        return (reply.status, try reply.json())
    }

    /// `GET /trpc/<procedure>?input=…` → (status, envelope).
    func query(_ procedure: String, _ input: [String: Any], tenant: String = "tenant-a") async throws -> (Int, [String: Any]) {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: input), as: UTF8.self)
        let reply = try await get(
            "/trpc/\(procedure)?input=\(json.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
            headers: ["Authorization": "Bearer \(signedToken(tenant: tenant))"])
        return (reply.status, try reply.json())
    }
}

/// `result.data` of a success envelope.
func resultData(_ envelope: [String: Any]) -> [String: Any]? { (envelope["result"] as? [String: Any])?["data"] as? [String: Any] }

/// `error.data.code` of an error envelope.
func errorCode(_ envelope: [String: Any]) -> String? { ((envelope["error"] as? [String: Any])?["data"] as? [String: Any])?["code"] as? String }
