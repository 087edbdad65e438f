import Foundation
import Testing

@testable import NeonHub

/// A variable each call takes from the account it acts as (`fromAccount`), as DocuSign's API
/// host is each account's own `base_uri`: the named account, else the default one, else the
/// only one, its field checked against the variable's pattern before a token is sent there.
@Suite struct AccountVariablesTests {
    static let perAccountHost = #"""
        {"id":"acme","name":"Acme","category":"crm","wave":"A","availability":"experimental","docs":"https://acme.example/docs",
         "auth":{"type":"oauth2","authorizeUrl":"https://login.acme.example/oauth","tokenUrl":"https://login.acme.example/token","scopes":["read"]},
         "variables":[{"name":"apiHost","description":"The account's API host.","pattern":"^[a-z0-9-]+\\.acme\\.example$",
                       "example":"na1.acme.example","fromAccount":"baseUri"}],
         "baseUrl":"https://{{vars.apiHost}}/v2/accounts/{{account.id}}","rateLimit":{"description":"100/min"},"triggers":[],
         "accounts":{"action":"accounts.list","kind":"account"},
         "actions":[{"id":"accounts.list","name":"Accounts","kind":"read","inputSchema":{"type":"object"},
                     "request":{"method":"GET","baseUrl":"https://login.acme.example","path":"/userinfo"}},
                    {"id":"things.list","name":"List","kind":"read","inputSchema":{"type":"object"},"request":{"method":"GET","path":"/things"}}]}
        """#

    static let accounts = records([
        ["id": .string("a-eu"), "name": .string("Europe"), "isDefault": .bool(false), "baseUri": .string("https://eu.acme.example")],
        ["id": .string("a-na"), "name": .string("America"), "isDefault": .bool(true), "baseUri": .string("https://na3.acme.example")],
    ])

    static func records(_ items: [[String: JSONValue]]) -> JSONValue { .array(items.map { .object($0) }) }

    static func record(_ id: String, _ uri: String, isDefault: Bool? = nil) -> [String: JSONValue] {
        var fields: [String: JSONValue] = ["id": .string(id), "baseUri": .string(uri)]
        if let isDefault { fields["isDefault"] = .bool(isDefault) }
        return fields
    }

    static func call(_ account: String? = nil) -> ConnectorCall {
        ConnectorCall(connector: "acme", action: "things.list", accountID: account, variables: ["other": "kept"])
    }

    @Test func aCallActsAsTheNamedAccountOrTheDefaultOneOnItsOwnHost() throws {
        let definition = try ProviderAnswerVariablesTests.definition(Self.perAccountHost)
        #expect(definition.arrivesWithAuthorization("apiHost"))  // never asked for

        let named = try ConnectorService.bindingAccount(Self.call("a-eu"), definition: definition, accounts: Self.accounts, isMock: false)
        #expect(named.accountID == "a-eu" && named.variables == ["other": "kept", "apiHost": "eu.acme.example"])

        let unnamed = try ConnectorService.bindingAccount(Self.call(), definition: definition, accounts: Self.accounts, isMock: false)
        #expect(unnamed.accountID == "a-na" && unnamed.variables["apiHost"] == "na3.acme.example")

        // One account is the default without saying so.
        let single = Self.records([Self.record("solo", "https://solo.acme.example/")])
        let only = try ConnectorService.bindingAccount(Self.call(), definition: definition, accounts: single, isMock: false)
        #expect(only.accountID == "solo" && only.variables["apiHost"] == "solo.acme.example")
    }

    @Test func anAccountTheConnectionDoesNotHaveOrAHostOffThePatternIsRefused() throws {
        let definition = try ProviderAnswerVariablesTests.definition(Self.perAccountHost)
        #expect(throws: ConnectorError.self) {
            try ConnectorService.bindingAccount(Self.call("a-other"), definition: definition, accounts: Self.accounts, isMock: false)
        }
        // Two accounts and neither the default: the caller must name one.
        let two = Self.records([Self.record("x", "https://x.acme.example"), Self.record("y", "https://y.acme.example")])
        let unnamed = #expect(throws: ConnectorError.self) {
            try ConnectorService.bindingAccount(Self.call(), definition: definition, accounts: two, isMock: false)
        }
        #expect(unnamed?.code == .invalidInput && unnamed?.message.contains("accountId") == true)
        // The token would go to the host the record names: one off the pattern is never used.
        for uri in ["https://na3.acme.example.attacker.example", "https://attacker.example", ""] {
            let forged = Self.records([Self.record("a-na", uri, isDefault: true)])
            #expect(throws: ConnectorError.self) {
                try ConnectorService.bindingAccount(Self.call(), definition: definition, accounts: forged, isMock: false)
            }
        }
        // Connectors without such a variable are left alone.
        let plain = try ProviderAnswerVariablesTests.definition(ProviderAnswerVariablesTests.sharded)
        let untouched = try ConnectorService.bindingAccount(Self.call("any"), definition: plain, accounts: .array([]), isMock: false)
        #expect(untouched.accountID == "any" && untouched.variables == ["other": "kept"])
    }

    @Test func aPerAccountVariableWithoutAPatternIsRefusedAtLoad() throws {
        let definition = try ProviderAnswerVariablesTests.definition(
            Self.perAccountHost.replacingOccurrences(of: #""pattern":"^[a-z0-9-]+\\.acme\\.example$","#, with: ""))
        #expect(ConnectorCatalog.rules(definition, fileStem: "acme").contains { $0.contains("needs a pattern") })
    }
}

/// A connection that signs in (Tableau) sends its session's token, never a credential it signs in with.
@Suite struct SessionCredentialTests {
    @Test func onlyTheSessionTokenIsEverARequestsCredential() throws {
        let catalog = try ConnectorCatalog.load(directory: ConnectorCatalogTests.directory)
        let tableau = try #require(catalog["tableau"]?.definition)
        let values = ["patName": "neonhub", "patSecret": "pat-secret-PLANTED", "siteContentUrl": "marketing"]
        let refused = #expect(throws: ConnectorError.self) { try ConnectorService.credential(tableau, values) }
        #expect(refused?.code == .vaultUnreadable && refused?.message.contains("PLANTED") == false)
        let session = try ConnectorService.credential(tableau, values.merging(["accessToken": "session-token"]) { $1 })
        guard case .token(let token) = session.credentials else { Issue.record("not a token"); return }
        #expect(token == "session-token" && session.canRefresh)
    }
}
