import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// A cursor read stopped by the caller's limit says `truncated` when the provider named a next
/// cursor (Gmail's `nextPageToken`), and not when the last page had none.
@Suite struct CursorTruncationTests {
    @Test func aNextCursorLeftUnreadMarksTheReadTruncated() async throws {
        let pagination = #"{"style":"cursor","itemsPath":"data","cursorPath":"nextPageToken","cursorParam":"pageToken"}"#
        let (cut, cutSeen) = try await ConnectorRuntimeTests().readAll(pagination, limit: 2) { fake in
            fake.on("GET", "/v2/items", reply: .json(200, #"{"data":[{"id":"1"},{"id":"2"}],"nextPageToken":"p2"}"#))
        }
        #expect(cut["truncated"] == .bool(true))
        #expect(cutSeen.count == 1)
        let (whole, _) = try await ConnectorRuntimeTests().readAll(pagination, limit: 2) { fake in
            fake.on("GET", "/v2/items", reply: .json(200, #"{"data":[{"id":"1"},{"id":"2"}]}"#))
        }
        #expect(whole["truncated"] == .bool(false))
    }
}
