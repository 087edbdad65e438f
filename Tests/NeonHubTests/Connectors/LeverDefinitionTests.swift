import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The Lever definition held against Lever's documentation, point by point: its OAuth parameters
/// and its paging. (Lever's partner sandbox is not selectable: docs/CONNECTOR_GUIDE.md, Lever.)
@Suite struct LeverDefinitionTests {
    static func definition() throws -> ConnectorDefinition { try LeverRuntimeTests.definition() }

    /// The authorize request names the production audience with its trailing slash and asks
    /// for consent; the code and refresh grants go to `auth.lever.co/oauth/token` with the client
    /// in the body; refresh tokens are single use (https://hire.lever.co/developer/oauth).
    @Test func theOAuthParametersAreLeversOwn() throws {
        let auth = try Self.definition().auth
        #expect(auth.authorizeUrl == "https://auth.lever.co/authorize")
        #expect(auth.tokenUrl == "https://auth.lever.co/oauth/token")
        #expect(auth.extraAuthorizeParams?["audience"] == LeverFake.audience)
        #expect(auth.extraAuthorizeParams?["prompt"] == "consent")
        #expect(Set(auth.scopes ?? []) == LeverFake.defaultScopes)
        #expect(auth.clientAuthentication == "body")
        #expect(auth.refresh?.rotatesRefreshToken == true)
    }

    /// Lever's list envelope is `{data, hasNext, next}`, `next` sent back as `offset`, `limit`
    /// at most 100 (https://hire.lever.co/developer/documentation, "Pagination").
    @Test func listsPageAsLeverDocumentsThem() throws {
        for id in ["opportunities.list", "postings.list"] {
            let action = try #require(try Self.definition().actions.first { $0.id == id })
            let pagination = try #require(action.pagination)
            #expect(pagination.style == "cursor" && pagination.cursorPath == "next" && pagination.cursorParam == "offset")
            #expect(pagination.hasMorePath == "hasNext" && pagination.itemsPath == "data" && pagination.limitParam == "limit")
            #expect((1...LeverFake.maxPageSize).contains(pagination.pageSize ?? 0))
        }
    }
}
