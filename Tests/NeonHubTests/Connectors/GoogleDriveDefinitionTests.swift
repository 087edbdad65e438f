import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// 403s that Drive documents as refusals no new token can help (a full Drive, a file the app was
/// not granted), classed permanent by configs/connectors/google-drive.json: before these tests
/// they fell back to `auth`, refreshed the token for nothing and put the connection in
/// `attention`.
@Suite struct GoogleDriveDefinitionTests {
    /// `storageQuotaExceeded` is a 403 Drive documents for a create or upload past the user's quota
    /// (https://developers.google.com/workspace/drive/api/guides/handle-errors). Listed in
    /// `errors.permanentCodes`, it is `providerRejected` and refreshes nothing; unlisted it fell back to
    /// `auth`, refreshed the token for nothing and would put the connection in `attention`.
    @Test func aFullDriveIsAPermanentRefusalNotAnAuthFailure() async throws {
        try await GoogleDriveRuntimeTests().withDrive { fake, runtime, tokens in
            let source = try GoogleConnectorTestSupport.credentials("google-drive", oauth: fake.oauth, tokens: tokens)
            fake.failNext(.storageQuotaExceeded, calls: 2)
            let full = await #expect(throws: ConnectorError.self) {
                try await runtime.execute(GoogleDriveRuntimeTests.call("folders.create", ["name": .string("Q1")]), credentials: source)
            }
            #expect(full?.code == .providerRejected)
            #expect(full?.providerCode == "storageQuotaExceeded")
            #expect(fake.oauth.refreshCount == 0, "a full Drive is not a token problem")
        }
    }

    /// The same for `appNotAuthorizedToFile`, the 403 Drive documents when the app was not
    /// granted access to a file (what a `drive.file` token meets on a file the user never
    /// opened with the app): https://developers.google.com/workspace/drive/api/guides/handle-errors.
    @Test func aFileTheAppMayNotTouchIsAPermanentRefusal() async throws {
        try await GoogleDriveRuntimeTests().withDrive { fake, runtime, tokens in
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
        }
    }
}
