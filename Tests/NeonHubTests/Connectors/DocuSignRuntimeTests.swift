import Foundation
import TestSupport
import Testing

@testable import NeonHub

/// The DocuSign definition run by the real runtime against `DocuSignFake`, which follows the
/// eSignature REST API v2.1 reference and the authentication service's userinfo: the user's
/// accounts read on the authentication host, an envelope sent (not saved as a draft) with its
/// document and signer, one envelope's status, and status changes paged by
/// `start_position`/`count` with DocuSign's filters passed through — each REST call on the
/// host of the account it acts as.
@Suite struct DocuSignRuntimeTests {
    static let connector = "docusign"
    static let accountPath = DocuSignFake.accountPath()
    /// A small PDF, as a caller would hand it over in base64.
    static let pdf = Array("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)

    static func definition() throws -> ConnectorDefinition {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return try #require(catalog[connector]?.definition)
    }

    /// REST calls go to `<fake>/<baseHost>/restapi/v2.1/accounts/<account>`; userinfo (the
    /// action's own base URL, the authentication host) to the fake's root.
    static func runtime(_ fake: DocuSignFake) throws -> ConnectorRuntime {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        return ConnectorRuntime(
            catalog: catalog, client: OutboundClient.quickRetries(label: connector),
            baseURLOverrides: [connector: fake.baseURL + "/{{vars.baseHost}}/restapi/v2.1/accounts/{{account.id}}"],
            actionBaseURLOverrides: [connector: ["https://account.docusign.com": fake.baseURL]])
    }

    /// Runs `body` with a started fake, a runtime pointed at it and a live access token.
    static func withDocuSign(_ body: (DocuSignFake, ConnectorRuntime, String) async throws -> Void) async throws {
        let fake = DocuSignFake()
        try fake.start()
        try await fake.server.serving { try await body(fake, try runtime(fake), fake.issueToken()) }
    }

    static func call(
        _ action: String, _ input: [String: JSONValue] = [:], account: String = DocuSignFake.defaultAccountID,
        host: String = DocuSignFake.defaultHost
    ) -> ConnectorCall {
        ConnectorCall(connector: connector, action: action, input: .object(input), accountID: account, variables: ["baseHost": host])
    }

    static func run(_ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue] = [:], token: String) async throws
        -> ConnectorResult
    {
        try await runtime.execute(call(action, input)) { _ in .token(token) }
    }

    /// An envelope of one PDF and one signer.
    static func envelope(signer email: String = "grace.hopper@client.example") -> [String: JSONValue] {
        [
            "emailSubject": .string("Please sign: Services agreement 2027"),
            "documents": .array([
                .object([
                    "documentId": .string("1"), "name": .string("Services agreement"), "fileExtension": .string("pdf"),
                    "documentBase64": .string(Data(pdf).base64EncodedString()),
                ])
            ]),
            "recipients": .object([
                "signers": .array([
                    .object([
                        "email": .string(email), "name": .string("Grace Hopper"), "recipientId": .string("1"), "routingOrder": .string("1"),
                    ])
                ])
            ]),
        ]
    }

    static func items(_ output: JSONValue) -> [JSONValue] { output["items"]?.arrayItems ?? [] }
    static func ids(_ output: JSONValue) -> [String] { items(output).compactMap { JSONPath.text($0["envelopeId"]) } }

    /// The account's envelopes DocuSign lists for a status change since `from` (drafts left out
    /// unless `created` is asked for), newest change first.
    static func listed(_ fake: DocuSignFake, where keep: (DocuSignFake.Envelope) -> Bool = { _ in true }) -> [String] {
        fake.envelopes().filter { $0.status != "created" && keep($0) }.sorted { $0.lastModified > $1.lastModified }.map(\.id)
    }

    @Test func theUsersAccountsAreReadFromUserinfoOnTheAuthenticationHost() async throws {
        let declared = try #require(try Self.definition().action("accounts.list")?.request)
        #expect(declared.baseUrl == "https://account.docusign.com" && declared.path == "/oauth/userinfo")
        try await Self.withDocuSign { fake, runtime, token in
            let accounts = try await runtime.execute(ConnectorCall(connector: Self.connector, action: "accounts.list")) { _ in .token(token) }
            #expect(
                accounts.output
                    == .array([
                        .object([
                            "id": .string(DocuSignFake.defaultAccountID), "name": .string("NeonHub Inc."), "isDefault": .bool(true),
                            "baseUri": .string("https://na3.docusign.net"),
                        ]),
                        .object([
                            "id": .string(DocuSignFake.euAccountID), "name": .string("NeonHub Europe Ltd"), "isDefault": .bool(false),
                            "baseUri": .string("https://eu.docusign.net"),
                        ]),
                    ]))
            let sent = try #require(fake.server.requests("GET", "/oauth/userinfo").last)
            #expect(sent.header("Authorization") == "Bearer \(token)")
            #expect(fake.requests.count == 1 && fake.apiRequests.isEmpty, "the authentication host, not an account's")
        }
    }

    @Test func anEnvelopeIsSentAtOnceWithItsDocumentAndSigner() async throws {
        try await Self.withDocuSign { fake, runtime, token in
            let before = fake.envelopes().count
            let sent = try await Self.run(runtime, "envelopes.send", Self.envelope(), token: token)

            // What DocuSign receives: the input as the body, with the status the schema defaults to.
            let request = try #require(fake.apiRequests.last)
            #expect(request.method == "POST" && request.path == Self.accountPath + "/envelopes")
            #expect(request.header("Authorization") == "Bearer \(token)" && request.header("Content-Type")?.hasPrefix("application/json") == true)
            var expected = Self.envelope()
            expected["status"] = .string("sent")
            #expect(try JSONValue.parse(request.body) == .object(expected))

            // A sent envelope, not a draft.
            let envelopes = fake.envelopes()
            #expect(envelopes.count == before + 1)
            let created = try #require(envelopes.last)
            #expect(created.status == "sent" && created.sent != nil)
            #expect(created.emailSubject == "Please sign: Services agreement 2027")
            #expect(created.documents.map(\.bytes) == [Self.pdf] && created.documents.first?.name == "Services agreement")
            #expect(created.signers.map(\.email) == ["grace.hopper@client.example"] && created.signers.first?.recipientID == "1")

            #expect(sent.output["envelopeId"] == .string(created.id) && sent.output["status"] == .string("sent"))
            #expect(sent.output["uri"] == .string("/envelopes/\(created.id)"))
            #expect(JSONPath.text(sent.output["statusDateTime"])?.hasSuffix("Z") == true)
            #expect(sent.attempts == 1)

            // A draft is asked for by name.
            var draft = Self.envelope()
            draft["status"] = .string("created")
            let saved = try await Self.run(runtime, "envelopes.send", draft, token: token)
            #expect(saved.output["status"] == .string("created") && fake.envelopes().last?.status == "created")
            #expect(fake.envelopes().last?.sent == nil)
        }
    }

    @Test func oneEnvelopesStatusIsMappedToTheDefinitionsFields() async throws {
        try await Self.withDocuSign { fake, runtime, token in
            let completed = fake.envelopes()[2]  // the third seeded envelope: changed 2025-01-01 02:00, completed
            let read = try await Self.run(runtime, "envelopes.get", ["envelopeId": .string(completed.id)], token: token)
            #expect(
                read.output
                    == .object([
                        "envelopeId": .string(completed.id), "status": .string("completed"), "subject": .string("Services agreement #3"),
                        "sentAt": .string("2024-12-31T14:00:00.0000000Z"), "completedAt": .string("2025-01-01T02:00:00.0000000Z"),
                        "statusChangedAt": .string("2025-01-01T02:00:00.0000000Z"),
                    ]))
            let request = try #require(fake.apiRequests.last)
            #expect(request.method == "GET" && request.path == Self.accountPath + "/envelopes/\(completed.id)")
            #expect(request.header("Accept") == "application/json")

            let open = fake.envelopes()[0]
            let pending = try await Self.run(runtime, "envelopes.get", ["envelopeId": .string(open.id)], token: token)
            #expect(pending.output["status"] == .string("sent") && pending.output["subject"] == .string("Mutual NDA #1"))
            #expect(pending.output["completedAt"] == nil, "not completed: left out, not null")
        }
    }

    @Test func statusChangesArePagedByStartPositionUntilAShortPage() async throws {
        try await Self.withDocuSign { fake, runtime, token in
            let from = "2025-01-01T00:00:00Z"
            let all = try await Self.run(runtime, "envelopes.list", ["fromDate": .string(from), "limit": .number(500)], token: token)
            #expect(Self.ids(all.output) == Self.listed(fake), "every change, drafts left out, newest first")
            #expect(Self.items(all.output).count == 202 && all.pages == 3 && all.output["truncated"] == .bool(false))
            let reads = fake.server.requests("GET", Self.accountPath + "/envelopes")
            #expect(reads.count == 3, "100, 100, then 2: the short page ends the read")
            #expect(reads.map { $0.queryItems["start_position"] } == [nil, ["100"], ["200"]])
            for read in reads {
                #expect(read.queryItems["count"] == ["100"] && read.queryItems["from_date"] == [from])
                #expect(read.queryItems["order_by"] == ["last_modified"] && read.queryItems["order"] == ["desc"])
                #expect(read.queryItems["status"] == nil && read.queryItems["search_text"] == nil)
                #expect(read.header("Authorization") == "Bearer \(token)")
            }
            #expect(
                Self.items(all.output).first
                    == .object([
                        "envelopeId": .string(fake.envelopes()[229].id), "status": .string("voided"),
                        "subject": .string("Services agreement #230"), "statusChangedAt": .string("2025-01-10T13:00:00.0000000Z"),
                    ]))

            let bounded = try await Self.run(runtime, "envelopes.list", ["fromDate": .string(from), "limit": .number(150)], token: token)
            #expect(Self.ids(bounded.output) == Array(Self.listed(fake).prefix(150)))
            #expect(bounded.pages == 2 && bounded.output["truncated"] == .bool(true))
            #expect(fake.server.requests("GET", Self.accountPath + "/envelopes").count == 5)

            let byDefault = try await Self.run(runtime, "envelopes.list", ["fromDate": .string(from)], token: token)
            #expect(Self.items(byDefault.output).count == 200 && byDefault.pages == 2, "the schema's default limit")
        }
    }

    /// DocuSign says how many match (`totalSetSize`): a read the limit cuts at a page boundary knows more remain.
    @Test func aReadCutByTheLimitAtAPageBoundarySaysItWasTruncated() async throws {
        try await Self.withDocuSign { fake, runtime, token in
            let byDefault = try await Self.run(runtime, "envelopes.list", ["fromDate": .string("2025-01-01T00:00:00Z")], token: token)
            #expect(Self.ids(byDefault.output) == Array(Self.listed(fake).prefix(200)))
            #expect(byDefault.output["truncated"] == .bool(true), "202 match: two are left")
        }
    }

    @Test func statusSearchTextAndFromDateGoToDocuSignAsGiven() async throws {
        try await Self.withDocuSign { fake, runtime, token in
            let from = "2025-01-01T00:00:00Z"
            let done = try await Self.run(
                runtime, "envelopes.list", ["fromDate": .string(from), "status": .string("completed"), "limit": .number(500)], token: token)
            #expect(Self.ids(done.output) == Self.listed(fake) { $0.status == "completed" } && Self.ids(done.output).count == 58)
            #expect(fake.apiRequests.last?.queryItems["status"] == ["completed"])

            let ndas = try await Self.run(
                runtime, "envelopes.list", ["fromDate": .string(from), "searchText": .string("Mutual NDA"), "limit": .number(500)], token: token)
            #expect(Self.ids(ndas.output) == Self.listed(fake) { $0.emailSubject.hasPrefix("Mutual NDA") } && Self.ids(ndas.output).count == 23)
            #expect(fake.apiRequests.last?.queryItems["search_text"] == ["Mutual NDA"])

            let both = try await Self.run(
                runtime, "envelopes.list", ["fromDate": .string(from), "status": .string("sent,delivered"), "searchText": .string("Mutual NDA")],
                token: token)
            let open = Self.listed(fake) { ["sent", "delivered"].contains($0.status) && $0.emailSubject.hasPrefix("Mutual NDA") }
            #expect(Self.ids(both.output) == open && !open.isEmpty)
            #expect(fake.apiRequests.last?.queryItems["status"] == ["sent,delivered"])

            let since = "2025-01-09T00:00:00Z"
            let recent = try await Self.run(runtime, "envelopes.list", ["fromDate": .string(since)], token: token)
            let cutoff = DocuSignFake.seedStart.addingTimeInterval(8 * 86_400)
            #expect(Self.ids(recent.output) == Self.listed(fake) { $0.statusChanged >= cutoff } && Self.ids(recent.output).count == 34)
            #expect(fake.apiRequests.last?.queryItems["from_date"] == [since])
        }
    }
}
