import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@testable import NeonHub

@Suite struct AppConfigTests {
    @Test func defaultsFollowTheContract() throws {
        let c = try AppConfig.load(from: [:])
        #expect(c.port == 4100)
        #expect(c.host == "0.0.0.0")
        #expect(c.databaseURL == nil)
        #expect(c.llmProvider == "template")
        #expect(c.rateLimitPerMinute == 600)
        #expect(c.maxBodyBytes == 1_048_576)
        #expect(c.headerTimeout == .seconds(10))
        #expect(c.idleTimeout == .seconds(60))
        #expect(c.shutdownGrace == .seconds(10))
        #expect(!c.useMockConnectors)
    }

    @Test func validValuesAreRead() throws {
        let c = try AppConfig.load(from: [
            "PORT": "8080", "DATABASE_URL": "postgresql://u@h/db", "JWT_SECRET": String(repeating: "k", count: 32),
            "TOKEN_VAULT_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "USE_MOCK_CONNECTORS": "true",
            "LOG_FORMAT": "json", "LOG_LEVEL": "debug", "HEADER_TIMEOUT": "2.5", "CORS_ORIGINS": "http://localhost:3000, https://app.example.com",
        ])
        #expect(c.port == 8080)
        #expect(c.databaseURL == "postgresql://u@h/db")
        #expect(c.tokenVaultKey?.count == 32)
        #expect(c.useMockConnectors)
        #expect(c.logFormat == "json")
        #expect(c.headerTimeout == .milliseconds(2500))
        #expect(c.corsOrigins == ["http://localhost:3000", "https://app.example.com"])
    }

    @Test func everyProblemIsReportedOnItsOwnLineWithoutSecrets() {
        let secret = "short-secret-value"
        do {
            _ = try AppConfig.load(from: [
                "PORT": "http", "JWT_SECRET": secret, "TOKEN_VAULT_KEY": "nope", "LOG_FORMAT": "xml",
                "LLM_PROVIDER": "openai", "MAX_BODY_BYTES": "-1", "USE_MOCK_CONNECTORS": "maybe",
            ])
            Issue.record("expected problems")
        } catch {
            #expect(error.lines.count == 7)
            #expect(error.lines.contains { $0.hasPrefix("PORT ") })
            #expect(error.lines.contains { $0.hasPrefix("JWT_SECRET ") })
            #expect(error.lines.contains { $0.hasPrefix("TOKEN_VAULT_KEY ") })
            #expect(error.lines.contains { $0.hasPrefix("LLM_PROVIDER=openai needs OPENAI_API_KEY") })
            #expect(!error.description.contains(secret))
        }
    }

    /// Found by a review: `https://app.example.com/` and `localhost:3000` passed, and never
    /// matched the browser's `Origin`, so the frontend was blocked without a word. Origins are
    /// kept as the browser sends them; what is not an origin stops start-up.
    @Test func corsOriginsAreKeptAsBrowsersSendThemAndOthersAreRefused() throws {
        let c = try AppConfig.load(from: ["CORS_ORIGINS": "https://App.Example.com/, http://localhost:3000, https://a.example.com:443, *"])
        #expect(c.corsOrigins == ["https://app.example.com", "http://localhost:3000", "https://a.example.com", "*"])
        // Hosts stay as browsers send them: punycode, and IPv6 in brackets.
        let hosts = try AppConfig.load(from: ["CORS_ORIGINS": "https://xn--bcher-kva.example, http://[::1]:3000"])
        #expect(hosts.corsOrigins == ["https://xn--bcher-kva.example", "http://[::1]:3000"])
        for bad in ["localhost:3000", "https://app.example.com/path", "ftp://files.example.com", "https://u@app.example.com", "app.example.com"] {
            #expect(throws: AppConfig.Problems.self, "\(bad)") { try AppConfig.load(from: ["CORS_ORIGINS": bad]) }
        }
    }

    /// Found by a review: an unencoded `%` in DATABASE_URL's password made libpq's error quote
    /// the password, which went to the log, and the server kept retrying. Now it stops start-up,
    /// and neither the problem nor a connection error shows the value.
    @Test func aDatabaseURLLibpqCannotReadStopsStartUpWithoutShowingIt() throws {
        let url = "postgres://app:Pa%zzword@db.example/neonhub"
        do {
            _ = try AppConfig.load(from: ["DATABASE_URL": url])
            Issue.record("expected a problem")
        } catch {
            #expect(error.lines.count == 1 && error.lines[0].hasPrefix("DATABASE_URL: "))
            #expect(!error.description.contains("Pa%zz"))
        }
        let connecting = #expect(throws: PostgresError.self) { try PostgresConnection(connectionString: url) }
        #expect(connecting.map { !"\($0)".contains("Pa%zz") } == true)
        #expect(throws: Never.self) { try AppConfig.load(from: ["DATABASE_URL": "postgres://app:Pa%25zz@db.example/neonhub"]) }
        #expect(throws: Never.self) { try AppConfig.load(from: ["DATABASE_URL": "host=/tmp dbname=neonhub"]) }
        #expect(throws: (any Error).self) { try AppConfig.load(from: ["HEADER_TIMEOUT": "0.0004"]) }
    }

    /// Found by a review: with a paid model and no readable price table every cost counted as
    /// nothing, and the daily cost budget never stopped a run. That stops start-up now; the
    /// template model (which costs nothing) only warns.
    @Test func aPaidModelWithoutItsPriceTableStopsStartUp() throws {
        var config = AppConfig()
        config.useDatabase = false
        config.llmPricesFile = "/nonexistent/llm-prices.json"
        config.llmProvider = "openai"
        config.openAIAPIKey = "sk-test-0000"
        let refused = #expect(throws: AppConfig.Problems.self) { try NeonHubServer(config: config, logger: Logger(label: "prices")) }
        #expect(refused?.lines.first?.hasPrefix("LLM_PRICES_FILE: ") == true)
        config.llmProvider = "template"
        #expect(throws: Never.self) { try NeonHubServer(config: config, logger: Logger(label: "prices")) }
    }

    @Test func theQueueLeaseIsReadInWholeSecondsWithinItsBounds() throws {
        #expect(try AppConfig.load(from: [:]).queueLease == .seconds(30))
        #expect(try AppConfig.load(from: ["QUEUE_LEASE_SECONDS": "10"]).queueLease == .seconds(10))
        for bad in ["2", "3601", "1.5", "soon"] {
            do {
                _ = try AppConfig.load(from: ["QUEUE_LEASE_SECONDS": bad])
                Issue.record("QUEUE_LEASE_SECONDS=\(bad) was accepted")
            } catch {
                #expect(error.lines.contains { $0.hasPrefix("QUEUE_LEASE_SECONDS ") })
            }
        }
    }

    @Test func theOutboundCAFileMustBeAReadablePEMFile() throws {
        let folder = try makeTemporaryDirectory("neonhub-ca")
        defer { try? FileManager.default.removeItem(at: folder) }
        let pem = folder.appendingPathComponent("ca.pem"), text = folder.appendingPathComponent("notes.txt")
        try "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".write(to: pem, atomically: true, encoding: .utf8)
        try "not a certificate".write(to: text, atomically: true, encoding: .utf8)
        #expect(try AppConfig.load(from: ["OUTBOUND_CA_FILE": pem.path]).outboundCAFile == pem.path)
        for bad in [text.path, folder.appendingPathComponent("missing.pem").path] {
            do {
                _ = try AppConfig.load(from: ["OUTBOUND_CA_FILE": bad])
                Issue.record("OUTBOUND_CA_FILE=\(bad) was accepted")
            } catch {
                #expect(error.lines.contains { $0.hasPrefix("OUTBOUND_CA_FILE must be a readable PEM file") })
            }
        }
    }
}
