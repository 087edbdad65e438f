import COpenSSL
import Foundation
import HTTPFields
import Synchronization

// Snowflake's SQL API v2, as documented:
// - Reference (operations, request headers for all operations, ResultSet / QueryStatus /
//   QueryFailureStatus / CancelStatus, response codes, Link header):
//   https://docs.snowflake.com/en/developer-guide/sql-api/reference
// - Key-pair JWT (iss = <ACCOUNT>.<USER>.SHA256:<fingerprint>, sub = <ACCOUNT>.<USER>, upper
//   case; iat; exp honoured for at most one hour; Authorization: Bearer; optional
//   X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT):
//   https://docs.snowflake.com/en/developer-guide/sql-api/authenticating and
//   https://docs.snowflake.com/en/user-guide/key-pair-auth (fingerprint: SHA-256 of the DER public key, base64)
// - JWT refusals: 390144 "JWT token is invalid. [<uuid>]" to the client; the reason
//   (JWT_TOKEN_INVALID_SIGNATURE, …_PUBLIC_KEY_FINGERPRINT_MISMATCH, …_INVALID_ISSUE_TIME: more
//   than 60 s after iat, …) only through SYSTEM$GET_LOGIN_FAILURE_DETAILS:
//   https://docs.snowflake.com/en/sql-reference/functions/system_get_login_failure_details and
//   https://docs.snowflake.com/en/user-guide/key-pair-auth-troubleshooting
// - Submitting (bindings as strings by position, requestId, resubmission with retry=true runs
//   nothing twice, 429 under load): https://docs.snowflake.com/en/developer-guide/sql-api/submitting-requests
// - Handling responses (200 ResultSet code 090001, 202 QueryStatus code 333334 polled at
//   statementStatusUrl, partitions read with ?partition=n):
//   https://docs.snowflake.com/en/developer-guide/sql-api/handling-responses

/// A Snowflake account's SQL API on loopback. Every request must carry a key-pair JWT that
/// verifies (RS256 with the registered public key of its user, the claims as documented, not
/// expired) and the headers the reference requires of every operation (`Accept` with
/// application/json, `Content-Type: application/json`, an RFC 7231 `User-Agent`); the
/// statements it knows are scripted: rows in partitions, statements that keep running for N
/// reads, failures. Signatures are verified with libcrypto's EVP_DigestVerify and the
/// fingerprint with this package's own SHA-256, never with the signer under test.
public final class SnowflakeFake: ServedFake {
    /// A column of a result (`resultSetMetaData.rowType`).
    public struct Column: Sendable {
        public var name: String
        /// Snowflake's type, lower-case as the SQL API prints it (`text`, `fixed`).
        public var type: String
        public init(_ name: String, _ type: String) { self.name = name; self.type = type }
    }

    /// What a statement does.
    public indirect enum Script: Sendable {
        /// Finishes with these rows, split into partitions (at least one).
        case rows([Column], partitions: [[[String?]]])
        /// Keeps running for `reads` more status reads (each answered 202), then does `then`.
        case running(reads: Int, then: Script)
        /// Fails with Snowflake's error (422 QueryFailureStatus).
        case fails(code: String, message: String, sqlState: String)
    }

    private struct Statement: Sendable {
        var handle: String
        var text: String
        var script: Script
        var canceled = false
    }

    private struct State: Sendable {
        var scripts: [String: Script] = [:]
        var statements: [String: Statement] = [:]
        var byRequestID: [String: String] = [:]
        var executions: [String: Int] = [:]
        var authFailures: [String] = []
        var lifetimes: [Int] = []
        var tokens: [String] = []
        var failNextSubmits = 0
        var rateLimitNext = 0
    }

    /// The HTTP server underneath (its `requests` are everything received).
    public let server = FakeProviderServer()
    /// The account as the JWT names it (upper case, no region).
    public let account: String
    private let publicKeys: [String: String]
    /// How long after `iat` a JWT is still accepted (Snowflake: 60 s).
    private let issueTimeTolerance: TimeInterval
    private let state = Mutex(State())

    /// The account `account` whose users (any case) have the public keys `users` (PEM).
    /// `issueTimeTolerance` is Snowflake's 60 s unless a test that is not about issue times
    /// widens it, so that a starved machine (a JWT signed, then its request scheduled a minute
    /// later) does not read as a refused signature.
    public init(account: String, users: [String: String], issueTimeTolerance: Double = 60) {
        self.account = account.uppercased()
        self.issueTimeTolerance = issueTimeTolerance
        var keys: [String: String] = [:]
        for (user, key) in users { keys[user.uppercased()] = key }
        publicKeys = keys
        state.withLock {
            $0.scripts["SELECT CURRENT_VERSION()"] = .rows([Column("CURRENT_VERSION()", "text")], partitions: [[["9.38.1"]]])
        }
        server.onEveryRequest { [weak self] request in self?.answer(request) ?? FakeProviderServer.Reply(status: 503) }
    }

    /// The base URL of the API (`…/api/v2`), for `CONNECTOR_ENDPOINTS_FILE` or base URL overrides.
    public var baseURL: String { server.baseURL + "/api/v2" }

    /// Scripts what `statement` (exact text) does.
    public func script(_ statement: String, _ script: Script) { state.withLock { $0.scripts[statement] = script } }

    /// How many times each statement text was executed (a resubmission with `retry=true` is not one).
    public var executions: [String: Int] { state.withLock { $0.executions } }

    /// The handles of the statements run with this text, oldest first.
    public func handles(of statement: String) -> [String] {
        state.withLock { state in state.statements.values.filter { $0.text == statement }.map(\.handle) }
    }

    /// Why refused JWTs were refused (what SYSTEM$GET_LOGIN_FAILURE_DETAILS would say).
    public var authFailures: [String] { state.withLock { $0.authFailures } }

    /// `exp − iat` of every JWT received, in seconds.
    public var jwtLifetimes: [Int] { state.withLock { $0.lifetimes } }

    /// Every JWT accepted.
    public var acceptedTokens: [String] { state.withLock { $0.tokens } }

    /// The next `count` submissions run their statement but answer 503 (a lost answer).
    public func failNextSubmits(_ count: Int) { state.withLock { $0.failNextSubmits = count } }

    /// The next `count` requests answer 429.
    public func rateLimitNext(_ count: Int) { state.withLock { $0.rateLimitNext = count } }

    // MARK: - Dispatch

    private func answer(_ request: FakeProviderServer.RecordedRequest) -> FakeProviderServer.Reply {
        if let refusal = checkHeaders(request) { return refusal }
        if let refusal = authenticate(request) { return refusal }
        let limited = state.withLock { state -> Bool in
            guard state.rateLimitNext > 0 else { return false }
            state.rateLimitNext -= 1
            return true
        }
        if limited { return .json(429, object: ["code": "390505", "message": "Too many requests."]) }
        let segments = request.path.split(separator: "/").map(String.init)
        switch (request.method, segments.count) {
        case ("POST", 3) where segments == ["api", "v2", "statements"]:
            return submit(request)
        case ("GET", 4) where segments.starts(with: ["api", "v2", "statements"]):
            return status(segments[3], request: request)
        case ("POST", 5) where segments.starts(with: ["api", "v2", "statements"]) && segments[4] == "cancel":
            return cancel(segments[3])
        case (_, 3) where segments == ["api", "v2", "statements"], (_, 4) where segments.starts(with: ["api", "v2", "statements"]):
            return FakeProviderServer.Reply(status: 405)
        default:
            return FakeProviderServer.Reply(status: 404)
        }
    }

    /// Request headers for all operations: Accept (application/json or */*), Content-Type
    /// application/json, User-Agent `name/version` (RFC 7231 product).
    private func checkHeaders(_ request: FakeProviderServer.RecordedRequest) -> FakeProviderServer.Reply? {
        guard let contentType = request.header("Content-Type"), contentType.lowercased().hasPrefix("application/json") else {
            return FakeProviderServer.Reply(status: 415)
        }
        let accept = request.header("Accept")?.lowercased() ?? ""
        guard accept.contains("application/json") || accept.contains("*/*") else {
            return .json(
                400,
                object: ["code": "390142", "message": "Incoming request does not contain a valid payload. (Accept must include application/json)"])
        }
        let agent = request.header("User-Agent") ?? ""
        guard agent.range(of: #"^[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+"#, options: .regularExpression) != nil else {
            return .json(
                400,
                object: ["code": "390142", "message": "Incoming request does not contain a valid payload. (User-Agent must be application/version)"])
        }
        return nil
    }

    // MARK: - Key-pair JWT

    private func refuse(_ reason: String) -> FakeProviderServer.Reply {
        state.withLock { $0.authFailures.append(reason) }
        return .json(401, object: ["code": "390144", "message": "JWT token is invalid. [\(UUID().uuidString.lowercased())]"])
    }

    private func authenticate(_ request: FakeProviderServer.RecordedRequest) -> FakeProviderServer.Reply? {
        if let type = request.header("X-Snowflake-Authorization-Token-Type"), type != "KEYPAIR_JWT" { return refuse("TOKEN_TYPE_NOT_KEYPAIR_JWT") }
        guard let authorization = request.header("Authorization"), authorization.hasPrefix("Bearer ") else { return refuse("MISSING_AUTHORIZATION") }
        let token = String(authorization.dropFirst(7))
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Self.base64URL(parts[0]), let claimBytes = Self.base64URL(parts[1]),
            let signature = Self.base64URL(parts[2]),
            let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any],
            let claims = try? JSONSerialization.jsonObject(with: claimBytes) as? [String: Any]
        else {
            return refuse("JWT_TOKEN_INVALID")
        }
        guard header["alg"] as? String == "RS256" else { return refuse("JWT_TOKEN_INVALID_ALGORITHM") }
        guard let iss = claims["iss"] as? String, let sub = claims["sub"] as? String else { return refuse("JWT_TOKEN_INVALID") }
        guard let iatValue = (claims["iat"] as? NSNumber)?.doubleValue, let expValue = (claims["exp"] as? NSNumber)?.doubleValue else {
            return refuse("JWT_TOKEN_MISSING_ISSUE_OR_EXPIRATION_TIME")
        }
        // Seconds or milliseconds are both accepted.
        let iat = iatValue > 100_000_000_000 ? iatValue / 1000 : iatValue
        let exp = expValue > 100_000_000_000 ? expValue / 1000 : expValue
        let subject = sub.split(separator: ".", maxSplits: 1).map(String.init)
        guard subject.count == 2, subject[0] == account else { return refuse("JWT_TOKEN_ACCOUNT_MISMATCH") }
        guard subject[1] == subject[1].uppercased(), let publicKey = publicKeys[subject[1]] else { return refuse("JWT_TOKEN_INVALID_USER_IN_ISSUER") }
        guard iss.hasPrefix(sub + ".SHA256:") else { return refuse("JWT_TOKEN_INVALID_USER_IN_ISSUER") }
        guard let expected = Self.fingerprint(publicKey), iss == sub + "." + expected else {
            return refuse("JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH")
        }
        guard Self.verify(message: Array("\(parts[0]).\(parts[1])".utf8), signature: Array(signature), publicKey: publicKey) else {
            return refuse("JWT_TOKEN_INVALID_SIGNATURE")
        }
        let now = Date().timeIntervalSince1970
        state.withLock { $0.lifetimes.append(Int(exp - iat)) }
        guard iat <= now + 60, now - iat <= issueTimeTolerance else { return refuse("JWT_TOKEN_INVALID_ISSUE_TIME") }
        // Honoured for at most one hour after iat, whatever exp says.
        guard now < min(exp, iat + 3600) else { return refuse("JWT_TOKEN_INVALID_EXPIRATION_TIME") }
        state.withLock { $0.tokens.append(token) }
        return nil
    }

    static func base64URL(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    /// `SHA256:<base64>` of the PEM public key's DER SubjectPublicKeyInfo.
    static func fingerprint(_ publicKeyPEM: String) -> String? {
        guard let key = readPublicKey(publicKeyPEM) else { return nil }
        defer { EVP_PKEY_free(key) }
        let length = i2d_PUBKEY(key, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        _ = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(key, &cursor)
        }
        return "SHA256:" + Data(PKCE.sha256(der)).base64EncodedString()
    }

    static func readPublicKey(_ pem: String) -> OpaquePointer? {
        let bytes = Array(pem.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PUBKEY(bio, nil, nil, nil)
        }
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256, through EVP_DigestVerify.
    static func verify(message: [UInt8], signature: [UInt8], publicKey: String) -> Bool {
        guard let key = readPublicKey(publicKey), let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_PKEY_free(key); EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { ERR_clear_error(); return false }
        let result = signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                EVP_DigestVerify(context, sig.baseAddress, sig.count, msg.baseAddress, msg.count)
            }
        }
        ERR_clear_error()
        return result == 1
    }

    // MARK: - Statements

    private func submit(_ request: FakeProviderServer.RecordedRequest) -> FakeProviderServer.Reply {
        let query = request.queryItems
        if query["nullable"] != nil, query["nullable"] != ["true"], query["nullable"] != ["false"] { return Self.badPayload("nullable") }
        let requestID = query["requestId"]?.first
        if let requestID, UUID(uuidString: requestID) == nil { return Self.badPayload("requestId is not a UUID") }
        guard let body = request.json as? [String: Any], let text = body["statement"] as? String, !text.isEmpty else {
            return Self.badPayload("statement")
        }
        if let timeout = body["timeout"], !((timeout as? NSNumber).map { $0.doubleValue >= 0 && $0.doubleValue == $0.doubleValue.rounded() } ?? false)
        {
            return Self.badPayload("timeout")
        }
        for name in ["database", "schema", "warehouse", "role"] where body[name] != nil && !(body[name] is String) { return Self.badPayload(name) }
        if let bindings = body["bindings"] {
            guard let bindings = bindings as? [String: Any] else { return Self.badPayload("bindings") }
            for (position, binding) in bindings {
                guard Int(position) != nil, let binding = binding as? [String: Any], binding["type"] is String,
                    binding["value"] is String || binding["value"] is NSNull
                else { return Self.badPayload("bindings") }
            }
        }
        let retry = query["retry"] == ["true"]
        let (statement, lostAnswer) = state.withLock { state -> (Statement, Bool) in
            // The same requestId with retry=true: the statement that request started, not run again.
            if retry, let requestID, let handle = state.byRequestID[requestID], let known = state.statements[handle] { return (known, false) }
            let handle = Self.handle()
            let script =
                state.scripts[text]
                ?? .fails(code: "002003", message: "SQL compilation error:\nObject does not exist or not authorized.", sqlState: "42S02")
            let statement = Statement(handle: handle, text: text, script: script)
            state.statements[handle] = statement
            if let requestID { state.byRequestID[requestID] = handle }
            state.executions[text, default: 0] += 1
            let lost = state.failNextSubmits > 0
            if lost { state.failNextSubmits -= 1 }
            return (statement, lost)
        }
        if lostAnswer { return .json(503, object: ["code": "000000", "message": "Service Unavailable"]) }
        return progress(statement.handle, partition: 0)
    }

    private func status(_ handle: String, request: FakeProviderServer.RecordedRequest) -> FakeProviderServer.Reply {
        // nullable may only be given when submitting.
        if request.queryItems["nullable"] != nil { return Self.badPayload("nullable is not accepted on GET") }
        let partition = request.queryItems["partition"]?.first.map { Int($0) ?? -1 } ?? 0
        guard partition >= 0 else { return Self.badPayload("partition") }
        return progress(handle, partition: partition, read: true)
    }

    /// The statement's state: a status read (`read`) uses up one of a running statement's reads.
    private func progress(_ handle: String, partition: Int, read: Bool = false) -> FakeProviderServer.Reply {
        let current = state.withLock { state -> Statement? in
            guard var statement = state.statements[handle] else { return nil }
            if read, !statement.canceled, case .running(let reads, let then) = statement.script {
                let answered = statement
                statement.script = reads <= 1 ? then : .running(reads: reads - 1, then: then)
                state.statements[handle] = statement
                return answered
            }
            return statement
        }
        guard let statement = current else { return Self.notFound(handle) }
        if statement.canceled {
            return .json(
                422,
                object: [
                    "code": "000604", "message": "SQL execution canceled", "sqlState": "57014", "statementHandle": handle,
                    "statementStatusUrl": "/api/v2/statements/\(handle)",
                ])
        }
        switch statement.script {
        case .running:
            return .json(
                202,
                object: [
                    "code": "333334",
                    "message": "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
                    "statementHandle": handle, "statementStatusUrl": "/api/v2/statements/\(handle)",
                ])
        case .fails(let code, let message, let sqlState):
            return .json(
                422,
                object: [
                    "code": code, "message": message, "sqlState": sqlState, "statementHandle": handle,
                    "statementStatusUrl": "/api/v2/statements/\(handle)",
                ])
        case .rows(let columns, let partitions):
            guard partition < max(partitions.count, 1) else { return Self.badPayload("partition \(partition) does not exist") }
            return resultSet(handle, columns: columns, partitions: partitions, partition: partition)
        }
    }

    private func resultSet(_ handle: String, columns: [Column], partitions: [[[String?]]], partition: Int) -> FakeProviderServer.Reply {
        let rows = partitions.isEmpty ? [] : partitions[partition]
        let body: [String: Any] = [
            "resultSetMetaData": [
                "numRows": partitions.reduce(0) { $0 + $1.count },
                "format": "jsonv2",
                "rowType": columns.map { column -> [String: Any] in
                    [
                        "name": column.name, "database": "", "schema": "", "table": "", "type": column.type, "nullable": true,
                        "scale": column.type == "fixed" ? 0 : NSNull(), "precision": column.type == "fixed" ? 38 : NSNull(),
                        "length": column.type == "text" ? 16_777_216 : NSNull(), "byteLength": column.type == "text" ? 16_777_216 : NSNull(),
                        "collation": NSNull(),
                    ]
                },
                "partitionInfo": partitions.map { ["rowCount": $0.count, "uncompressedSize": 40 * $0.count + 2] },
            ],
            "data": rows.map { row in row.map { $0.map { $0 as Any } ?? NSNull() } },
            "code": "090001",
            "statementStatusUrl": "/api/v2/statements/\(handle)?partition=\(partition)",
            "sqlState": "00000",
            "statementHandle": handle,
            "message": "Statement executed successfully.",
            "createdOn": 1_620_151_584_132,
        ]
        let last = max(partitions.count - 1, 0)
        var links = ["</api/v2/statements/\(handle)?partition=0>; rel=\"first\""]
        if partition > 0 { links.append("</api/v2/statements/\(handle)?partition=\(partition - 1)>; rel=\"prev\"") }
        if partition < last { links.append("</api/v2/statements/\(handle)?partition=\(partition + 1)>; rel=\"next\"") }
        links.append("</api/v2/statements/\(handle)?partition=\(last)>; rel=\"last\"")
        var headers = HTTPHeaders()
        headers.add(name: "Link", value: links.joined(separator: ","))
        return .json(200, object: body, headers: headers)
    }

    private func cancel(_ handle: String) -> FakeProviderServer.Reply {
        let found = state.withLock { state -> Bool in
            guard state.statements[handle] != nil else { return false }
            state.statements[handle]?.canceled = true
            return true
        }
        guard found else { return Self.notFound(handle) }
        return .json(
            200,
            object: [
                "code": "000604", "sqlState": "57014", "message": "SQL execution canceled", "statementHandle": handle,
                "statementStatusUrl": "/api/v2/statements/\(handle)",
            ])
    }

    private static func notFound(_ handle: String) -> FakeProviderServer.Reply {
        .json(422, object: ["code": "000709", "message": "Statement \(handle) not found", "sqlState": "02000", "statementHandle": handle])
    }

    private static func badPayload(_ what: String) -> FakeProviderServer.Reply {
        .json(400, object: ["code": "390142", "message": "Incoming request does not contain a valid payload. (\(what))"])
    }

    /// A statement handle shaped like Snowflake's (`019c06a4-0000-df4f-0000-00100006589e`).
    static func handle() -> String {
        let hex = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let h = Array(hex)
        return "01" + String(h[0..<6]) + "-0000-" + String(h[6..<10]) + "-0000-" + String(h[10..<22])
    }
}
