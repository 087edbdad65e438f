import Foundation
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// `content.*` over real HTTP against a real PostgreSQL, with the offline template provider.
@Suite struct ContentProcedureTests {
    func withContentApp(_ body: (NeonHubServer, HTTPTestClient) async throws -> Void) async throws {
        try await withDatabaseApp({ _ in }, body)
    }

    @Test func generateArticleRecordsARunAndStoresADraft() async throws {
        try await withContentApp { server, client in
            let (status, envelope) = try await client.mutation(
                "content.generateArticle",
                ["topic": "How small teams plan a product launch", "primaryKeyword": "product launch", "tone": "friendly", "wordCount": 600])
            #expect(status == 200)
            let result = try #require(resultData(envelope))
            let title = try #require(result["title"] as? String)
            let content = try #require(result["content"] as? String)
            #expect(title.lowercased().contains("product launch"))
            #expect(content.hasPrefix("# "))
            let words = content.split { $0.isWhitespace }.count
            #expect(words > 450 && words < 800, "about 600 words, got \(words)")
            let meta = try #require(result["metadata"] as? [String: Any])
            #expect((meta["metaDescription"] as? String)?.count ?? 999 <= 160)

            let draftID = try #require(result["draftId"] as? String)
            let runID = try #require(result["runId"] as? String)
            let pool = try #require(server.database?.pool)
            let run = try await pool.query("SELECT agent, status FROM agent_runs WHERE id = \(UUID(uuidString: runID)!)")
            #expect(try run.first?.decode("agent", as: String.self) == "content")
            #expect(try run.first?.decode("status", as: String.self) == "succeeded")
            let usage = try await pool.query(
                "SELECT model, input_tokens, output_tokens, cost_usd FROM llm_usage WHERE run_id = \(UUID(uuidString: runID)!)")
            #expect(try usage.first?.decode("model", as: String.self) == "template-v1")
            #expect(try usage.first?.decode("output_tokens", as: Int.self) ?? 0 > 100)
            #expect(try usage.first?.decode("cost_usd", as: Double?.self) == 0, "template-v1 is a known, free model")
            let metrics = try await pool.query("SELECT name FROM agent_run_metrics WHERE run_id = \(UUID(uuidString: runID)!)")
            let names = Set(try metrics.map { try $0.decode("name", as: String.self) })
            #expect(names.isSuperset(of: ["tokens_in", "tokens_out", "cost_usd", "latency_ms"]))

            let (getStatus, draftEnvelope) = try await client.query("content.getDraft", ["id": draftID])
            #expect(getStatus == 200)
            #expect(resultData(draftEnvelope)?["status"] as? String == "draft")
            #expect(resultData(draftEnvelope)?["version"] as? Int == 1)
            #expect(resultData(draftEnvelope)?["runId"] as? String == runID)
            let (otherStatus, _) = try await client.query("content.getDraft", ["id": draftID], tenant: "tenant-b")
            #expect(otherStatus == 404)
        }
    }

    /// Found by a review: when the draft could not be written after the run was recorded, the
    /// client's retry paid for a second model call and a second run. With an idempotency key
    /// the retry gets the same run and its one draft; here the first draft is deleted to stand
    /// for the write that failed.
    @Test func aRetryWithTheSameKeyReturnsTheSameRunAndOneDraft() async throws {
        try await withContentApp { server, client in
            let brief: [String: Any] = ["topic": "Spring menu launch for a café", "primaryKeyword": "spring menu", "idempotencyKey": "brief-42"]
            let (status, first) = try await client.mutation("content.generateArticle", brief)
            #expect(status == 200, "\(first)")
            let runID = try #require(resultData(first)?["runId"] as? String)
            let firstDraft = try #require(resultData(first)?["draftId"] as? String)
            let (_, again) = try await client.mutation("content.generateArticle", brief)
            #expect(resultData(again)?["runId"] as? String == runID)
            #expect(resultData(again)?["draftId"] as? String == firstDraft)

            let pool = try #require(server.database?.pool)
            try await pool.execute("DELETE FROM content_drafts WHERE id = \(UUID(uuidString: firstDraft)!)")
            let (_, repaired) = try await client.mutation("content.generateArticle", brief)
            #expect(resultData(repaired)?["runId"] as? String == runID)
            let repairedDraft = try #require(resultData(repaired)?["draftId"] as? String)
            #expect(repairedDraft != firstDraft)
            let counts = try #require(
                try await pool.query(
                    """
                    SELECT (SELECT count(*)::int FROM agent_runs WHERE agent = 'content') AS runs,
                           (SELECT count(*)::int FROM llm_usage) AS calls,
                           (SELECT count(*)::int FROM content_drafts WHERE run_id = \(UUID(uuidString: runID)!)) AS drafts
                    """
                ).first)
            #expect(try counts.decode("runs", as: Int.self) == 1)
            #expect(try counts.decode("calls", as: Int.self) == 1)
            #expect(try counts.decode("drafts", as: Int.self) == 1)
        }
    }

    /// Found by a review: a retry under a key whose first request was still writing the article
    /// was answered 502 "failed", which sends a client off to try again under a new key and pay
    /// for a second article. It is a 409 with Retry-After, and nothing is generated twice.
    @Test func aRetryWhileTheKeysRunIsStillWritingIsAConflictToRetry() async throws {
        try await withContentApp { server, client in
            let pool = try #require(server.database?.pool)
            // The first request's run, still running in another process (runner 1 is not this one).
            let runID = try await pool.query(
                """
                INSERT INTO agent_runs (tenant_id, agent, intent, status, input, idempotency_key, started_at, runner_id)
                VALUES ('tenant-a', 'content', 'article', 'running', '{}', 'brief-slow', now(), 1) RETURNING id
                """)[0].decode("id", as: UUID.self)
            let brief: [String: Any] = ["topic": "Autumn menu", "primaryKeyword": "autumn menu", "idempotencyKey": "brief-slow"]
            let reply = try await client.request(
                "POST", "/trpc/content.generateArticle",
                headers: ["Content-Type": "application/json", "Authorization": "Bearer \(signedToken(tenant: "tenant-a"))"],
                body: try JSONSerialization.data(withJSONObject: brief))
            #expect(reply.status == 409)
            #expect(errorCode(try reply.json()) == "CONFLICT")
            #expect(reply.header("Retry-After") == "5")
            #expect(reply.text.lowercased().contains(runID.uuidString.lowercased()))
            #expect(try await pool.query("SELECT count(*)::int FROM llm_usage")[0].decode(0, as: Int.self) == 0)
        }
    }

    @Test func lifecycleAndOptimisticVersioning() async throws {
        try await withContentApp { _, client in
            let (_, created) = try await client.mutation(
                "content.generateArticle", ["topic": "Choosing a CRM for a five-person agency", "primaryKeyword": "agency CRM"])
            let id = try #require(resultData(created)?["draftId"] as? String)

            let (s1, e1) = try await client.mutation(
                "content.updateDraft", ["id": id, "version": 1, "title": "Agency CRM: a buyer's guide", "status": "in_review"])
            #expect(s1 == 200)
            #expect(resultData(e1)?["version"] as? Int == 2)
            #expect(resultData(e1)?["status"] as? String == "in_review")

            let (stale, staleEnvelope) = try await client.mutation("content.updateDraft", ["id": id, "version": 1, "title": "late edit"])
            #expect(stale == 409)
            #expect(errorCode(staleEnvelope) == "CONFLICT")

            let (illegal, illegalEnvelope) = try await client.mutation("content.updateDraft", ["id": id, "version": 2, "status": "published"])
            #expect(illegal == 412)
            #expect(errorCode(illegalEnvelope) == "PRECONDITION_FAILED")

            for (version, status) in [(2, "approved"), (3, "published"), (4, "archived")] {
                let (s, e) = try await client.mutation("content.updateDraft", ["id": id, "version": version, "status": status])
                #expect(s == 200, "\(status)")
                #expect(resultData(e)?["status"] as? String == status)
            }
            let (back, _) = try await client.mutation("content.updateDraft", ["id": id, "version": 5, "status": "draft"])
            #expect(back == 412)
            let (otherTenant, _) = try await client.mutation("content.updateDraft", ["id": id, "version": 5, "title": "x"], tenant: "tenant-b")
            #expect(otherTenant == 404)
        }
    }

    @Test func listDraftsPaginatesNewestFirst() async throws {
        try await withContentApp { _, client in
            var ids: [String] = []
            for topic in ["Webinar follow-up emails", "Landing page copy basics", "Quarterly newsletter ideas"] {
                let (_, e) = try await client.mutation("content.generateArticle", ["topic": topic, "primaryKeyword": "marketing", "wordCount": 300])
                ids.append(try #require(resultData(e)?["draftId"] as? String))
            }
            let (_, page1) = try await client.query("content.listDrafts", ["limit": 2])
            let items1 = try #require(resultData(page1)?["items"] as? [[String: Any]])
            #expect(items1.compactMap { $0["id"] as? String } == [ids[2], ids[1]])
            let cursor = try #require(resultData(page1)?["nextCursor"] as? String)
            let (_, page2) = try await client.query("content.listDrafts", ["limit": 2, "cursor": cursor])
            #expect((resultData(page2)?["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
            #expect(resultData(page2)?["nextCursor"] == nil || resultData(page2)?["nextCursor"] is NSNull)
            let (_, other) = try await client.query("content.listDrafts", [:], tenant: "tenant-b")
            #expect((resultData(other)?["items"] as? [[String: Any]])?.isEmpty == true)
            let (bad, _) = try await client.query("content.listDrafts", ["cursor": "not-a-cursor!"])
            #expect(bad == 400)
        }
    }

    @Test func invalidBriefIsBadRequest() async throws {
        try await withContentApp { _, client in
            let (status, envelope) = try await client.mutation(
                "content.generateArticle", ["topic": "ok topic", "primaryKeyword": "k", "wordCount": 50])
            #expect(status == 400)
            let issues = ((envelope["error"] as? [String: Any])?["data"] as? [String: Any])?["issues"] as? [[String: Any]]
            #expect(Set(issues?.compactMap { ($0["path"] as? [String])?.first } ?? []) == ["primaryKeyword", "wordCount"])
        }
    }
}
