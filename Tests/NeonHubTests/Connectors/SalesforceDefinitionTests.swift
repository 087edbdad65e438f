import Foundation
import HTTPFields
import Postgres
import TestSupport
import Testing

@testable import NeonHub

/// Where `configs/connectors/salesforce.json` (and the platform under it) disagreed with
/// Salesforce's documentation until these tests showed it: a query's records and totalSize, the
/// API host taken from the token answer's `instance_url`, the org's API usage header, and the
/// polling trigger's input.
@Suite struct SalesforceDefinitionTests {
    static let instanceHost = SalesforceRuntimeTests.instanceHost

    static func execute(_ runtime: ConnectorRuntime, _ action: String, _ input: [String: JSONValue], token: String) async throws
        -> ConnectorResult
    {
        let call = ConnectorCall(connector: "salesforce", action: action, input: .object(input), variables: ["instanceHost": instanceHost])
        return try await runtime.execute(call) { _ in .token(token) }
    }

    /// The Query resource answers `{totalSize, done, records: [{attributes, <selected fields>}]}`
    /// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm):
    /// records pass through as selected and `totalSize` is kept with `response.keep`. (With
    /// `response.fields: {totalSize}`, applied to every record, each came back `{}`.)
    @Test func aQueryReturnsTheSelectedFieldsOfEachRecordAndTheTotalSize() async throws {
        let fake = SalesforceFake()
        try fake.start()
        try await fake.server.serving {
            let runtime = try SalesforceRuntimeTests.runtime(fake)
            let token = fake.issueToken()
            let result = try await Self.execute(
                runtime, "records.query", ["soql": .string("SELECT Id, Name, Email FROM Contact"), "limit": .number(3)], token: token)
            let records = result.output["items"]?.arrayItems ?? []
            let seeded = fake.records("Contact").prefix(3)
            #expect(records.compactMap { JSONPath.text($0["Id"]) } == seeded.map(\.id))
            #expect(records.first?["Email"] == .string("contact1@example.com"))
            #expect(records.first?["Name"] == .string("Ada Example1"))
            #expect(result.output["totalSize"] == .number(450))
        }
    }

    /// Salesforce: "instance_url — Identifies the Salesforce instance to which API calls are
    /// sent" (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm).
    /// The authorization asks for no host; `instanceHost` is the token answer's `instance_url`
    /// host, and an answer naming a host outside salesforce.com stores nothing (the token would
    /// be sent there). Before, the user typed the host before consent and it was never compared.
    @Test func theAPIHostIsTheTokenAnswersInstanceURL() async throws {
        for (instance, connects) in [("https://acme.my.salesforce.com", true), ("https://acme.example.com", false)] {
            let fake = SalesforceFake(instanceURL: instance)
            try fake.start()
            try await fake.server.serving {
                let endpoints = try OAuthTestSupport.endpointsFile([
                    "salesforce": ["baseUrl": fake.apiBaseURL, "authorizeUrl": fake.authorizeURL, "tokenUrl": fake.tokenURL]
                ])
                try await withDatabaseApp({
                    OAuthTestSupport.configure(&$0, endpoints: endpoints, apps: ["SALESFORCE": fake.app])
                    $0.publicURL = "https://hub.example.test"
                }) { server, client in
                    let started = try await OAuthTestSupport.authorize(client, ["connector": "salesforce"])
                    #expect(started.status == 200, "no host is asked for before consent")
                    let code = try #require(fake.authorize(started.query))
                    let back = try await OAuthTestSupport.callback(
                        client, connector: "salesforce", [("code", code), ("state", started.query["state"] ?? "")])
                    let location = try #require(back.header("Location"))
                    let rows = try await #require(server.database?.pool).query("SELECT variables->>'instanceHost' AS host FROM connections")
                    if connects {
                        #expect(OAuthTestSupport.query(location)["connectionId"] != nil, "\(location)")
                        #expect(try rows.first?.decode("host", as: String.self) == "acme.my.salesforce.com")
                    } else {
                        #expect(OAuthTestSupport.query(location)["connectionId"] == nil, "\(location)")
                        #expect(rows.isEmpty, "an instance outside salesforce.com stores nothing")
                    }
                }
            }
        }
    }

    /// Every answer carries `Sforce-Limit-Info: api-usage=<used>/<allocation>`
    /// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm):
    /// `RateLimitReading` reads it as the org's remaining calls.
    @Test func theOrgsAPIUsageIsRead() async throws {
        let fake = SalesforceFake(dailyLimit: 1000)
        try fake.start()
        try await fake.server.serving {
            let runtime = try SalesforceRuntimeTests.runtime(fake)
            let result = try await Self.execute(runtime, "records.query", ["soql": .string("SELECT Id FROM Account")], token: fake.issueToken())
            #expect(result.rateLimit?.remaining == 999)
        }
    }

    /// `triggers[leads.changed]` polls `records.query`, which requires `soql`: the trigger gives it
    /// (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm).
    /// Polling triggers are not run by the server yet; the input is what a poll will send.
    @Test func thePollingTriggerCanRunItsAction() throws {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let entry = try #require(catalog["salesforce"])
        let trigger = try #require(entry.definition.triggers.first { $0.id == "leads.changed" })
        let action = try #require(trigger.action)
        let schema = try #require(entry.inputSchemas[action])
        let input = try #require(trigger.input, "records.query requires soql; the trigger supplies it")
        #expect(schema.validate(input).isEmpty)
    }
}
