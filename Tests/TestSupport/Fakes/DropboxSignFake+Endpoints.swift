// Dropbox Sign's account and signature request endpoints, as DropboxSignFake.swift cites them
// (https://developers.hellosign.com/api/reference/operation/accountGet/,
// https://developers.hellosign.com/api/reference/operation/signatureRequestSend/,
// https://developers.hellosign.com/api/reference/operation/signatureRequestGet/,
// https://developers.hellosign.com/api/reference/operation/signatureRequestList/; the schemas
// and examples of github.com/hellosign/hellosign-openapi `openapi.yaml`).

import Foundation
import HTTPFields
import Synchronization

extension DropboxSignFake {
    /// The members `/signature_request/send` knows (`SignatureRequestSendRequest`).
    static let sendParameters: Set<String> = [
        "files", "file_urls", "signers", "grouped_signers", "allow_decline", "allow_reassign", "attachments", "cc_email_addresses",
        "client_id", "custom_fields", "field_options", "form_field_groups", "form_field_rules", "form_fields_per_document",
        "hide_text_tags", "is_eid", "message", "metadata", "signing_options", "signing_redirect_url", "subject", "test_mode", "title",
        "use_text_tags", "expires_at", "signer_experience",
    ]

    // MARK: Account

    func account(_ request: Request, _ caller: Caller) -> Reply {
        let query = request.queryItems
        let asked = query["account_id"]?.last ?? query["email_address"]?.last.map { $0 == caller.email ? caller.accountID : $0 }
        guard asked == nil || asked == caller.accountID else { return Self.error(404, "not_found", "Not found.") }
        let quotas: [String: Any] = [
            "api_signature_requests_left": caller.paid ? 1250 : 0, "documents_left": NSNull(), "templates_total": caller.paid ? 5 : 0,
            "templates_left": caller.paid ? 5 : 0, "sms_verifications_left": 0, "num_fax_pages_left": 0,
        ]
        return .json(
            200,
            object: [
                "account": [
                    "account_id": caller.accountID, "email_address": caller.email, "is_locked": false, "is_paid_hs": caller.paid,
                    "is_paid_hf": false, "quotas": quotas, "callback_url": NSNull(), "role_code": caller.paid ? "a" : "m",
                    "team_id": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "locale": "en-US",
                ]
            ])
    }

    // MARK: Send

    /// The fields of a `multipart/form-data` body, by part name (a file part counts as `files[n]`).
    static func multipartFields(_ request: Request) throws -> [String: Any] {
        guard let type = request.header("Content-Type"), type.lowercased().hasPrefix("multipart/form-data") else { return [:] }
        let message = Data("MIME-Version: 1.0\r\nContent-Type: \(type)\r\n\r\n".utf8) + Data(request.body)
        var fields: [String: Any] = [:]
        for part in try MIMEReader.parse(message).parts {
            guard let name = part.dispositionParameters["name"] else { continue }
            fields[name] = part.dispositionParameters["filename"] != nil ? ["file": part.dispositionParameters["filename"] ?? ""] : part.text
        }
        return fields
    }

    /// A form's bracketed names (`signers[0][name]`, `file_urls[1]`) as nested values, and
    /// members that are JSON text (what the OpenAPI SDKs send for objects) as JSON.
    static func nest(_ fields: [String: Any]) -> [String: Any] {
        var nested: [String: Any] = [:]
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            let keys = name.replacingOccurrences(of: "]", with: "").split(separator: "[", omittingEmptySubsequences: false).map(String.init)
            var parsed = value
            if let text = value as? String, let first = text.first, first == "[" || first == "{",
                let json = try? JSONSerialization.jsonObject(with: Data(text.utf8))
            {
                parsed = json
            }
            nested = insert(parsed, at: ArraySlice(keys), into: nested)
        }
        return nested.mapValues(arrays)
    }

    private static func insert(_ value: Any, at keys: ArraySlice<String>, into object: [String: Any]) -> [String: Any] {
        guard let key = keys.first else { return object }
        var object = object
        object[key] = keys.count == 1 ? value : insert(value, at: keys.dropFirst(), into: object[key] as? [String: Any] ?? [:])
        return object
    }

    /// Objects whose keys are all indices become arrays, in index order.
    private static func arrays(_ value: Any) -> Any {
        guard let object = value as? [String: Any] else { return value }
        let mapped = object.mapValues(arrays)
        guard !mapped.isEmpty, mapped.keys.allSatisfy({ Int($0) != nil }) else { return mapped }
        return mapped.sorted { Int($0.key)! < Int($1.key)! }.map(\.value)
    }

    static func isEmail(_ value: Any?) -> Bool {
        guard let text = value as? String, let at = text.firstIndex(of: "@"), at != text.startIndex else { return false }
        let domain = text[text.index(after: at)...]
        return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".") && !text.contains(" ")
    }

    func send(_ request: Request, _ caller: Caller) -> Reply {
        let type = request.header("Content-Type")?.lowercased() ?? ""
        let body: [String: Any]
        if type.hasPrefix("application/json") {
            guard let json = request.json as? [String: Any] else { return Self.error(400, "bad_request", "Invalid JSON body") }
            body = json
        } else if type.hasPrefix("multipart/form-data") {
            guard let fields = try? Self.multipartFields(request) else { return Self.error(400, "bad_request", "Invalid multipart body") }
            body = Self.nest(fields)
        } else {
            return Self.error(400, "bad_request", "Unsupported Content-Type: use application/json or multipart/form-data")
        }
        let files = body["files"] as? [Any] ?? []
        let urls = body["file_urls"] as? [Any] ?? []
        guard files.isEmpty || urls.isEmpty else { return Self.error(400, "bad_request", "Specify files or file_urls, not both", path: "file_urls") }
        guard !files.isEmpty || !urls.isEmpty else { return Self.error(400, "bad_request", "Must specify files or file_urls", path: "file_urls") }
        for (index, url) in urls.enumerated() {
            guard let text = url as? String, let parsed = URL(string: text), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
            else { return Self.error(400, "bad_request", "This value is not a valid URL.", path: "file_urls[\(index)]") }
        }
        guard body["signers"] == nil || body["grouped_signers"] == nil else {
            return Self.error(400, "bad_request", "Specify signers or grouped_signers, not both", path: "signers")
        }
        guard let signerList = body["signers"] as? [Any], !signerList.isEmpty else {
            return Self.error(400, "bad_request", "Must specify at least one signer", path: "signers")
        }
        var signers: [Signer] = []
        for (index, entry) in signerList.enumerated() {
            guard let signer = entry as? [String: Any] else { return Self.error(400, "bad_request", "Invalid signer", path: "signers[\(index)]") }
            guard let name = signer["name"] as? String, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                return Self.error(400, "bad_request", "This value should not be blank", path: "signers[\(index)].name")
            }
            guard name.count <= 255 else {
                return Self.error(
                    400, "bad_request", "This value is too long. It should have 255 characters or less.", path: "signers[\(index)].name")
            }
            guard Self.isEmail(signer["email_address"]) else {
                return Self.error(400, "bad_request", "This value is not a valid email address.", path: "signers[\(index)].email_address")
            }
            var order: Int?
            if let value = signer["order"], !(value is NSNull) {
                guard let number = (value as? NSNumber).map(\.intValue) ?? (value as? String).flatMap({ Int($0) }), number >= 0 else {
                    return Self.error(400, "bad_request", "This value should be a non-negative integer.", path: "signers[\(index)].order")
                }
                order = number
            }
            signers.append(
                Signer(
                    signatureID: Self.newID(32, index), email: signer["email_address"] as? String ?? "", name: name, order: order,
                    status: "awaiting_signature", signedAt: nil))
        }
        for (field, maximum) in [("title", 255), ("subject", 255), ("message", 5000)] {
            guard let value = body[field] else { continue }
            guard let text = value as? String else { return Self.error(400, "bad_request", "This value should be a string.", path: field) }
            guard text.count <= maximum else {
                return Self.error(400, "bad_request", "This value is too long. It should have \(maximum) characters or less.", path: field)
            }
        }
        let cc = body["cc_email_addresses"] as? [Any] ?? []
        for (index, address) in cc.enumerated() where !Self.isEmail(address) {
            return Self.error(400, "bad_request", "This value should not be blank", path: "cc_email_addresses[\(index)]")
        }
        var metadataJSON = "{}"
        if let value = body["metadata"] {
            guard let metadata = value as? [String: Any] else {
                return Self.error(400, "bad_request", "This value should be an object.", path: "metadata")
            }
            guard metadata.count <= 10 else { return Self.error(400, "bad_request", "Metadata can have at most 10 keys", path: "metadata") }
            for (key, item) in metadata {
                guard key.count <= 40 else {
                    return Self.error(400, "bad_request", "Metadata key names can be at most 40 characters", path: "metadata")
                }
                let text =
                    item as? String
                    ?? String(decoding: (try? JSONSerialization.data(withJSONObject: item, options: [.fragmentsAllowed])) ?? Data(), as: UTF8.self)
                guard text.count <= 1000 else {
                    return Self.error(400, "bad_request", "Metadata values can be at most 1000 characters", path: "metadata.\(key)")
                }
            }
            metadataJSON = String(decoding: (try? JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        }
        let testMode: Bool
        switch body["test_mode"] {
        case nil: testMode = false
        case let flag as Bool: testMode = flag
        case let text as String where ["0", "1", "true", "false"].contains(text): testMode = text == "1" || text == "true"
        default: return Self.error(400, "bad_request", "This value should be a boolean.", path: "test_mode")
        }
        guard testMode || caller.paid else {
            return Self.error(402, "payment_required", "You must upgrade to make additional requests.")
        }
        let ignored = body.keys.filter { !Self.sendParameters.contains($0) }.sorted()
        let created = state.withLock { state -> SignatureRequest in
            state.serial += 1
            let sent = SignatureRequest(
                id: Self.newID(40, state.serial), requesterAccountID: caller.accountID, requesterEmail: caller.email,
                title: body["title"] as? String ?? body["subject"] as? String ?? "", subject: body["subject"] as? String ?? "",
                message: body["message"] as? String ?? "", metadataJSON: metadataJSON, createdAt: Int(Date().timeIntervalSince1970),
                signers: signers, cc: cc.compactMap { $0 as? String }, testMode: testMode,
                fileURLs: urls.isEmpty ? files.indices.map { "upload:\($0)" } : urls.compactMap { $0 as? String }, deleted: false)
            state.requests.append(sent)
            return sent
        }
        var answer: [String: Any] = ["signature_request": requestJSON(created)]
        if !ignored.isEmpty {
            answer["warnings"] = ignored.map { ["warning_msg": "Parameter \($0) was ignored", "warning_name": "parameter_ignored"] }
        }
        return .json(200, object: answer)
    }

    // MARK: Get and list

    /// Whether `caller` may see `request`: it sent it or signs it (CC'd requests are not listed).
    static func visible(_ request: SignatureRequest, to caller: Caller) -> Bool {
        request.requesterAccountID == caller.accountID || request.signers.contains { $0.email == caller.email }
    }

    func get(_ id: String, _ caller: Caller) -> Reply {
        guard let found = state.withLock({ $0.requests.first { $0.id == id } }), Self.visible(found, to: caller) else {
            return Self.error(404, "not_found", "Not found.")
        }
        guard !found.deleted else { return Self.error(410, "deleted", "This resource has been deleted.") }
        return .json(200, object: ["signature_request": requestJSON(found)])
    }

    func list(_ request: Request, _ caller: Caller) -> Reply {
        let query = request.queryItems
        let pageText = query["page"]?.last ?? "1"
        guard let page = Int(pageText), page >= 1 else { return Self.error(400, "bad_request", "Invalid page", path: "page") }
        let sizeText = query["page_size"]?.last ?? "20"
        guard let size = Int(sizeText), (1...100).contains(size) else {
            return Self.error(400, "bad_request", "page_size must be between 1 and 100", path: "page_size")
        }
        let team = [
            Caller(accountID: Self.accountID, email: Self.email, paid: true),
            Caller(accountID: Self.freeAccountID, email: Self.freeEmail, paid: false),
        ]
        let owners: [Caller]
        switch query["account_id"]?.last {
        case nil: owners = [caller]
        case "all": owners = team
        case let id?:
            guard let member = team.first(where: { $0.accountID == id }) else {
                return Self.error(403, "forbidden", "The account_id must be a member of your team", path: "account_id")
            }
            owners = [member]
        }
        var search: DropboxSignSearch?
        if let text = query["query"]?.last, !text.isEmpty {
            guard let parsed = DropboxSignSearch(text) else { return Self.error(400, "bad_request", "Invalid query", path: "query") }
            search = parsed
        }
        let chosen = state.withLock { $0.requests }
            .filter { request in !request.deleted && owners.contains { Self.visible(request, to: $0) } }
            .filter { search?.matches($0, me: caller.email) ?? true }
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }  // newest first
        let start = (page - 1) * size
        let slice = start < chosen.count ? Array(chosen[start..<min(chosen.count, start + size)]) : []
        return .json(
            200,
            object: [
                "list_info": ["page": page, "num_pages": max(1, (chosen.count + size - 1) / size), "num_results": chosen.count, "page_size": size],
                "signature_requests": slice.map(requestJSON),
            ])
    }

    /// A signature request as the API writes it (`SignatureRequestResponse`).
    func requestJSON(_ request: SignatureRequest) -> [String: Any] {
        let metadata = (try? JSONSerialization.jsonObject(with: Data(request.metadataJSON.utf8))) ?? [String: Any]()
        let open = request.signers.first { $0.status == "awaiting_signature" }
        return [
            "signature_request_id": request.id, "test_mode": request.testMode, "title": request.title, "original_title": request.title,
            "subject": request.subject, "message": request.message, "metadata": metadata, "created_at": request.createdAt,
            "expires_at": NSNull(), "is_complete": request.isComplete, "is_declined": request.isDeclined, "has_error": false,
            "custom_fields": [Any](), "response_data": [Any](),
            "signing_url": open == nil ? NSNull() as Any : "https://app.hellosign.com/sign/\(request.id)",
            "signing_redirect_url": NSNull(), "files_url": "https://api.hellosign.com/v3/signature_request/files/\(request.id)",
            "details_url": "https://app.hellosign.com/home/manage?guid=\(request.id)", "requester_email_address": request.requesterEmail,
            "signatures": request.signers.map { signer -> [String: Any] in
                [
                    "signature_id": signer.signatureID, "signer_email_address": signer.email, "signer_name": signer.name,
                    "signer_role": NSNull(), "order": signer.order.map { $0 as Any } ?? NSNull(), "status_code": signer.status,
                    "signed_at": signer.signedAt.map { $0 as Any } ?? NSNull(), "last_viewed_at": NSNull(), "last_reminded_at": NSNull(),
                    "has_pin": false, "has_sms_auth": false,
                ]
            },
            "cc_email_addresses": request.cc, "template_ids": NSNull(),
        ]
    }
}
