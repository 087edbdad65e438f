import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// 403s that Drive documents as refusals no new token can help (a full Drive, a file the app was
/// not granted), classed permanent by configs/connectors/google-drive.json: before these tests
/// they fell back to `auth`, refreshed the token for nothing and put the connection in
/// `attention`.
@Suite struct GoogleDriveDefinitionTests {
    /// `errors.permanentCodes` lacks `storageQuotaExceeded`, a 403 Drive documents for a
    /// create or upload past the user's storage quota
    /// (https://developers.google.com/workspace/drive/api/guides/handle-errors, "403: The
    /// user's Drive storage quota has been exceeded"). Unlisted, the 403 falls back to the
    /// HTTP class `auth`: the token is refreshed for nothing and the error is `providerAuth`
    /// (a connection would go to `attention`), where no new token can help.
    @Test func aFullDriveIsAPermanentRefusalNotAnAuthFailure() async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleDriveFake(oauth: oauth)
        try oauth.start()
        try fake.start()
        do {
            let runtime = try GoogleConnectorTestSupport.runtime("google-drive", base: fake.server.baseURL)
            let tokens = oauth.issueTokens(scopes: GoogleDriveRuntimeTests.scopes)
            let source = try GoogleConnectorTestSupport.credentials("google-drive", oauth: oauth, tokens: tokens)
            fake.failNext(.storageQuotaExceeded, calls: 2)
            let full = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(GoogleDriveRuntimeTests.call("folders.create", ["name": .string("Q1")]), credentials: source)
            }
            #expect(full?.code == .providerRejected)
            #expect(full?.providerCode == "storageQuotaExceeded")
            #expect(oauth.refreshCount == 0, "a full Drive is not a token problem")
            await fake.stopWithoutBlocking()
            await oauth.stopWithoutBlocking()
        } catch {
            await fake.stopWithoutBlocking()
            await oauth.stopWithoutBlocking()
            throw error
        }
    }

    /// The same for `appNotAuthorizedToFile`, the 403 Drive documents when the app was not
    /// granted access to a file (what a `drive.file` token meets on a file the user never
    /// opened with the app): https://developers.google.com/workspace/drive/api/guides/handle-errors.
    @Test func aFileTheAppMayNotTouchIsAPermanentRefusal() async throws {
        let oauth = GoogleOAuthFake()
        let fake = GoogleDriveFake(oauth: oauth)
        try oauth.start()
        try fake.start()
        do {
            let runtime = try GoogleConnectorTestSupport.runtime("google-drive", base: fake.server.baseURL)
            let tokens = oauth.issueTokens(scopes: GoogleDriveRuntimeTests.scopes)
            fake.failNext(
                GoogleDriveFake.DriveError(
                    403, reason: "appNotAuthorizedToFile",
                    message: "The user has not granted the app 123456789012 read access to the file \(GoogleDriveFake.privateSheet).",
                    location: ("fileId", "parameter")))
            let refused = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(GoogleDriveRuntimeTests.call("files.get", ["fileId": .string(GoogleDriveFake.privateSheet)])) { _ in
                    .token(tokens.accessToken)
                }
            }
            #expect(refused?.code == .providerRejected)
            #expect(refused?.providerCode == "appNotAuthorizedToFile")
            await fake.stopWithoutBlocking()
            await oauth.stopWithoutBlocking()
        } catch {
            await fake.stopWithoutBlocking()
            await oauth.stopWithoutBlocking()
            throw error
        }
    }
}
