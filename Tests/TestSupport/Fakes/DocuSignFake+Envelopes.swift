// The eSignature REST API v2.1 of `DocuSignFake`, as DocuSignFake.swift cites it
// (https://developers.docusign.com/docs/esign-rest-api/reference/envelopes/envelopes/,
// esignature.rest.swagger-v2.1.json of github.com/docusign/eSign-OpenAPI-Specification,
// https://developers.docusign.com/platform/resource-limits/): the site and account checks, the
// Bearer check, the rate-limit headers, Envelopes: create and Envelopes: get.

import Foundation
import HTTPFields
import Synchronization

extension DocuSignFake {
    /// The next `calls` API requests are refused with 429: the hourly limit, or the 30-second
    /// burst limit when `burst`.
    public func injectRateLimit(calls: Int = 1, burst: Bool = false) { throttles.add(burst ? .burst : .hourly, calls: calls) }

    /// The calls an account may make in an hour (3,000 by default); past it every call is 429.
    public var hourlyLimit: Int {
        get { state.withLock { $0.hourlyLimit } }
        set { state.withLock { $0.hourlyLimit = newValue } }
    }

    /// A REST call resolved to its account: the path after `/accounts/<id>`.
    struct Call {
        var account: Account
        var rest: [String]
    }

    /// `/<host>/restapi/v2.1/accounts/<accountId>/…`
    func restAPI(_ request: Request) -> Reply {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard segments.count >= 6, segments[0].isEmpty, Self.isSite(segments[1]), segments[2] == "restapi", segments[3] == "v2.1",
            segments[4] == "accounts"
        else {
            // Assumed: DocuSign's answer to a path it does not serve.
            return Self.error(404, "NOT_FOUND", "The URL provided does not resolve to a resource.")
        }
        guard let header = request.header("Authorization"), !header.isEmpty else {
            return Self.error(401, "USER_AUTHENTICATION_FAILED", "One or both of Username and Password are invalid.")
        }
        guard bearer(request)?.access != nil else {
            return Self.error(401, "AUTHORIZATION_INVALID_TOKEN", "The access token provided is expired, revoked or malformed.")
        }
        // The account must be the user's, and be called on its own site (its base_uri).
        guard let account = state.withLock({ $0.accounts.first { $0.id.lowercased() == segments[5].lowercased() } }), account.host == segments[1]
        else {
            return Self.error(400, "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT", "The specified User is not a member of the specified Account.")
        }
        let (headers, throttle) = meter(account.id)
        if let throttle {
            return throttled(throttle, headers: headers)
        }
        var reply = route(request, Call(account: account, rest: Array(segments.dropFirst(6))))
        for field in headers { reply.headers.replaceOrAdd(name: field.name, value: field.value) }
        return reply
    }

    private func route(_ request: Request, _ call: Call) -> Reply {
        switch (request.method, call.rest.count, call.rest.first) {
        case ("POST", 1, "envelopes"): return createEnvelope(request, call)
        case ("GET", 1, "envelopes"): return listStatusChanges(request, call)
        case ("GET", 2, "envelopes"): return getEnvelope(request, call, id: call.rest[1])
        default: return Self.error(404, "NOT_FOUND", "The URL provided does not resolve to a resource.")
        }
    }

    static func isSite(_ host: String) -> Bool {
        host.hasSuffix(".docusign.net") && host.dropLast(".docusign.net".count).allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }
            && host.count > ".docusign.net".count
    }

    // MARK: - Rate limits

    /// Counts the call against the account's hour and 30-second burst; the headers to answer
    /// with, and the refusal if the call is over a limit (injected or real).
    private func meter(_ accountID: String) -> (HTTPHeaders, Throttle?) {
        let now = Date()
        let hour = Int(now.timeIntervalSince1970) / 3600
        let injected = throttles.take()
        return state.withLock { state in
            var usage = state.usage[accountID] ?? Usage()
            if usage.hour != hour { usage = Usage(hour: hour) }
            usage.recent.removeAll { now.timeIntervalSince($0) > 30 }
            var throttle = injected
            if throttle == nil, usage.calls >= state.hourlyLimit { throttle = .hourly }
            if throttle == nil, usage.recent.count >= state.burstLimit { throttle = .burst }
            if throttle == nil {
                usage.calls += 1
                usage.recent.append(now)
            }
            state.usage[accountID] = usage
            var headers = HTTPHeaders()
            let hourlyRemaining = throttle == .hourly ? 0 : max(0, state.hourlyLimit - usage.calls)
            let burstRemaining = throttle == .burst ? 0 : max(0, state.burstLimit - usage.recent.count)
            headers.replaceOrAdd(name: "X-RateLimit-Limit", value: String(state.hourlyLimit))
            headers.replaceOrAdd(name: "X-RateLimit-Remaining", value: String(hourlyRemaining))
            // Unix seconds of the next top of the hour (the unit is from memory).
            headers.replaceOrAdd(name: "X-RateLimit-Reset", value: String((hour + 1) * 3600))
            headers.replaceOrAdd(name: "X-BurstLimit-Limit", value: String(state.burstLimit))
            headers.replaceOrAdd(name: "X-BurstLimit-Remaining", value: String(burstRemaining))
            return (headers, throttle)
        }
    }

    /// 429 with the limit's error (codes and full messages from memory; the hourly message's
    /// start is documented).
    private func throttled(_ throttle: Throttle, headers: HTTPHeaders) -> Reply {
        let limits = state.withLock { ($0.hourlyLimit, $0.burstLimit) }
        switch throttle {
        case .hourly:
            return Self.error(
                429, "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
                "The maximum number of hourly API invocations has been exceeded. The hourly limit is \(limits.0).", headers: headers)
        case .burst:
            return Self.error(
                429, "BURST_APIINVOCATION_LIMIT_EXCEEDED",
                "The maximum number of burst API invocations has been exceeded. The burst limit is \(limits.1).", headers: headers)
        }
    }

    // MARK: - POST …/envelopes

    private func createEnvelope(_ request: Request, _ call: Call) -> Reply {
        guard let body = request.json as? [String: Any] else {
            return Self.error(400, "INVALID_REQUEST_BODY", "The request body is missing or improperly formatted.")
        }
        let status = (body["status"] as? String)?.lowercased() ?? "created"
        guard status == "created" || status == "sent" else {
            return Self.error(
                400, "INVALID_REQUEST_PARAMETER",
                "The request contained at least one invalid parameter. Value for 'status' must be 'created', 'sent' or 'voided'.")
        }
        var documents: [Document] = []
        for item in body["documents"] as? [[String: Any]] ?? [] {
            guard let base64 = item["documentBase64"] as? String, let data = Data(base64Encoded: base64) else {
                return Self.error(
                    400, "INVALID_REQUEST_BODY",
                    "The request body is missing or improperly formatted. Invalid length for a Base-64 char array or string.")
            }
            documents.append(
                Document(
                    id: Self.text(item["documentId"]) ?? "", name: item["name"] as? String ?? "",
                    fileExtension: item["fileExtension"] as? String ?? "pdf",
                    bytes: [UInt8](data)))
        }
        let recipients = body["recipients"] as? [String: Any]
        var signers: [Signer] = []
        for item in recipients?["signers"] as? [[String: Any]] ?? [] {
            signers.append(
                Signer(
                    email: item["email"] as? String ?? "", name: item["name"] as? String ?? "", recipientID: Self.text(item["recipientId"]) ?? "",
                    routingOrder: Self.text(item["routingOrder"]) ?? "1"))
        }
        let templateID = body["templateId"] as? String
        for (index, item) in (body["templateRoles"] as? [[String: Any]] ?? []).enumerated() {
            signers.append(
                Signer(
                    email: item["email"] as? String ?? "", name: item["name"] as? String ?? "", recipientID: String(index + 1),
                    routingOrder: Self.text(item["routingOrder"]) ?? "1", roleName: item["roleName"] as? String))
        }
        if let templateID, templateID.lowercased() != Self.templateID || call.account.id != Self.defaultAccountID {
            return Self.error(400, "TEMPLATE_ID_INVALID", "Invalid template ID.")
        }
        if let bad = signers.first(where: { !Self.isEmail($0.email) }) {
            return Self.error(
                400, "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT",
                "The email address for the recipient is invalid. The recipient Id follows. \(bad.recipientID)")
        }
        let subject = (body["emailSubject"] as? String) ?? (templateID != nil ? "Please sign: NeonHub template" : "")
        if status == "sent", subject.isEmpty || (documents.isEmpty && templateID == nil) || signers.isEmpty {
            return Self.error(
                400, "ENVELOPE_IS_INCOMPLETE",
                "The Envelope is not Complete. A Complete Envelope Requires Documents, Recipients, Tabs, and a Subject Line.")
        }
        let now = Date()
        let envelope = Envelope(
            id: Self.guid(), accountID: call.account.id, status: status, emailSubject: subject, emailBlurb: body["emailBlurb"] as? String,
            signers: signers, documents: documents, templateID: templateID, transactionID: body["transactionId"] as? String, created: now,
            sent: status == "sent" ? now : nil, statusChanged: now, lastModified: now)
        state.withLock { $0.envelopes.append(envelope) }
        return .json(
            201, object: ["envelopeId": envelope.id, "uri": "/envelopes/\(envelope.id)", "statusDateTime": Self.timestamp(now), "status": status])
    }

    static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: string
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }

    /// One `@`, a local part, a dotted domain, no spaces: what DocuSign takes for an address.
    static func isEmail(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !address.contains(" ") else { return false }
        let domain = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return domain.count >= 2 && domain.allSatisfy { !$0.isEmpty }
    }

    // MARK: - GET …/envelopes/{envelopeId}

    private func getEnvelope(_ request: Request, _ call: Call, id: String) -> Reply {
        guard UUID(uuidString: id) != nil else {
            return Self.error(
                400, "INVALID_REQUEST_PARAMETER", "The request contained at least one invalid parameter. Invalid value specified for envelopeId.")
        }
        guard let envelope = state.withLock({ $0.envelopes.first { $0.id == id.lowercased() && $0.accountID == call.account.id } }) else {
            return Self.error(400, "ENVELOPE_DOES_NOT_EXIST", "The envelope specified either does not exist or you have no rights to the envelope.")
        }
        let include = (request.queryItems["include"]?.last ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return .json(200, object: Self.json(envelope, account: call.account, recipients: include.contains("recipients")))
    }

    /// An envelope as Envelopes: get and listStatusChanges answer it (booleans as strings).
    static func json(_ envelope: Envelope, account: Account, recipients: Bool = false) -> [String: Any] {
        let uri = "/envelopes/\(envelope.id)"
        var body: [String: Any] = [
            "envelopeId": envelope.id, "status": envelope.status, "emailSubject": envelope.emailSubject,
            "createdDateTime": timestamp(envelope.created), "statusChangedDateTime": timestamp(envelope.statusChanged),
            "lastModifiedDateTime": timestamp(envelope.lastModified), "envelopeUri": uri, "documentsUri": uri + "/documents",
            "documentsCombinedUri": uri + "/documents/combined", "recipientsUri": uri + "/recipients", "customFieldsUri": uri + "/custom_fields",
            "notificationUri": uri + "/notification", "attachmentsUri": uri + "/attachments", "certificateUri": uri + "/documents/certificate",
            "templatesUri": uri + "/templates", "signingLocation": "online", "purgeState": "unpurged", "is21CFRPart11": "false",
            "isSignatureProviderEnvelope": "false", "allowMarkup": "false", "enableWetSign": "true", "envelopeIdStamping": "true",
            "sender": ["userName": "Ada Lovelace", "userId": userID, "accountId": account.id, "email": userEmail],
        ]
        if let blurb = envelope.emailBlurb { body["emailBlurb"] = blurb }
        if let sent = envelope.sent {
            body["sentDateTime"] = timestamp(sent)
            body["initialSentDateTime"] = timestamp(sent)
        }
        if let transaction = envelope.transactionID { body["transactionId"] = transaction }
        let milestones = [
            "delivered": "deliveredDateTime", "completed": "completedDateTime", "declined": "declinedDateTime", "voided": "voidedDateTime",
        ]
        if let field = milestones[envelope.status] { body[field] = timestamp(envelope.statusChanged) }
        if envelope.status == "completed" { body["deliveredDateTime"] = timestamp(envelope.statusChanged.addingTimeInterval(-600)) }
        if recipients {
            let signerStatus = ["created": "created", "completed": "completed", "declined": "declined", "delivered": "delivered"]
            body["recipients"] = [
                "signers": envelope.signers.map { signer -> [String: Any] in
                    var entry: [String: Any] = [
                        "email": signer.email, "name": signer.name, "recipientId": signer.recipientID, "routingOrder": signer.routingOrder,
                        "status": signerStatus[envelope.status] ?? "sent", "recipientType": "signer",
                    ]
                    if let role = signer.roleName { entry["roleName"] = role }
                    return entry
                },
                "carbonCopies": [Any](), "recipientCount": String(envelope.signers.count), "currentRoutingOrder": "1",
            ]
        }
        return body
    }
}
