// Transient documents and agreements in `AdobeSignFake`, as AdobeSignFake.swift cites them
// (https://secure.adobesign.com/public/docs/restapi/v6#!/transientDocuments/createTransientDocument,
// #!/agreements/createAgreement, #!/agreements/getAgreementInfo, #!/agreements/getAgreements):
// the multipart upload, AgreementInfo checked as documented, and the cursor-paged list.

import Foundation
import HTTPFields
import Synchronization

extension AdobeSignFake {
    /// A part of a multipart/form-data body (RFC 7578).
    public struct FormPart: Sendable {
        /// The part's `filename`, present for file parts only.
        public var filename: String?
        /// The part's `Content-Type`, if any.
        public var contentType: String?
        /// The content.
        public var bytes: [UInt8]
    }

    /// The parts of a multipart/form-data body by name; nil when it is not one.
    public static func formParts(_ request: FakeProviderServer.RecordedRequest) -> [String: FormPart]? {
        guard let type = request.header("Content-Type"), type.lowercased().hasPrefix("multipart/form-data"),
            let boundary = type.components(separatedBy: "boundary=").dropFirst().first?.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        else { return nil }
        let data = Data(request.body)
        let delimiter = Data("--\(boundary)".utf8)
        var parts: [String: FormPart] = [:]
        var cursor = data.startIndex
        while let start = data.range(of: delimiter, in: cursor..<data.endIndex) {
            guard let next = data.range(of: delimiter, in: start.upperBound..<data.endIndex) else { break }
            let part = data[start.upperBound..<next.lowerBound]
            cursor = next.lowerBound
            guard let split = part.range(of: Data("\r\n\r\n".utf8)) else { continue }
            let head = String(decoding: part[part.startIndex..<split.lowerBound], as: UTF8.self)
            var content = part[split.upperBound..<part.endIndex]
            if content.suffix(2) == Data("\r\n".utf8) { content = content.dropLast(2) }
            func parameter(_ name: String) -> String? {
                head.components(separatedBy: "; \(name)=\"").dropFirst().first?.components(separatedBy: "\"").first
            }
            let contentType = head.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("content-type:") }
                .map { String($0.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces) }
            if let name = parameter("name") {
                parts[name] = FormPart(filename: parameter("filename"), contentType: contentType, bytes: [UInt8](content))
            }
        }
        return parts
    }

    // MARK: - POST /transientDocuments

    func uploadTransientDocument(_ request: Request) -> Reply {
        guard let parts = Self.formParts(request) else {
            return Self.error(415, "NO_MEDIA_TYPE", "No media type specified")
        }
        guard let file = parts["File"], file.filename != nil, !file.bytes.isEmpty else {
            return Self.error(400, "NO_FILE_CONTENT", "Must provide file body")
        }
        let name = parts["File-Name"].map { String(decoding: $0.bytes, as: UTF8.self) } ?? file.filename ?? ""
        guard !name.isEmpty, name.count <= 255 else { return Self.error(400, "NO_FILE_NAME", "Must provide file name") }
        let mime = parts["Mime-Type"].map { String(decoding: $0.bytes, as: UTF8.self) } ?? file.contentType ?? "application/octet-stream"
        let id = state.withLock { state -> String in
            state.sequence += 1
            let id = "3AAABLblqZhA" + Self.random(48) + String(state.sequence)
            state.documents[id] = TransientDocument(id: id, fileName: name, mimeType: mime, bytes: file.bytes)
            return id
        }
        return .json(201, object: ["transientDocumentId": id])
    }

    // MARK: - POST /agreements

    func createAgreement(_ request: Request) -> Reply {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true, let body = request.json as? [String: Any] else {
            return Self.error(400, "INVALID_JSON", "An invalid JSON was specified")
        }
        guard let name = body["name"] as? String, !name.isEmpty, let files = body["fileInfos"] as? [[String: Any]], !files.isEmpty,
            let sets = body["participantSetsInfo"] as? [[String: Any]], !sets.isEmpty, let signatureType = body["signatureType"] as? String,
            let wanted = body["state"] as? String
        else { return Self.error(400, "MISSING_REQUIRED_PARAM", "Required parameters are missing.") }
        guard ["ESIGN", "WRITTEN"].contains(signatureType), ["IN_PROCESS", "AUTHORING", "DRAFT"].contains(wanted) else {
            return Self.error(400, "INVALID_ARGUMENTS", "One or more arguments to the method are invalid")
        }
        let roles = ["SIGNER", "APPROVER", "ACCEPTOR", "FORM_FILLER", "CERTIFIED_RECIPIENT", "DELEGATE_TO_SIGNER", "DELEGATE_TO_APPROVER"]
        var participants: [[String]] = []
        var setRoles: [String] = []
        for set in sets {
            guard let members = set["memberInfos"] as? [[String: Any]], !members.isEmpty, set["order"] is NSNumber, let role = set["role"] as? String
            else { return Self.error(400, "MISSING_REQUIRED_PARAM", "Required parameters are missing.") }
            let emails = members.compactMap { $0["email"] as? String }
            guard roles.contains(role), emails.count == members.count, emails.allSatisfy({ $0.contains("@") }) else {
                return Self.error(400, "INVALID_ARGUMENTS", "One or more arguments to the method are invalid")
            }
            participants.append(emails)
            setRoles.append(role)
        }
        return state.withLock { state -> Reply in
            var ids: [String] = []
            for file in files {
                if let transient = file["transientDocumentId"] as? String {
                    guard state.documents[transient] != nil else {
                        return Self.error(404, "INVALID_TRANSIENTDOCUMENT_ID", "The Transient Document ID specified is invalid")
                    }
                    ids.append(transient)
                } else if let library = file["libraryDocumentId"] as? String {
                    return Self.error(404, "INVALID_LIBRARYDOCUMENT_ID", "The Library Document ID \(library) specified is invalid")
                } else {
                    return Self.error(400, "INVALID_FILE_INFO", "Invalid or no file info is provided")
                }
            }
            let status =
                switch wanted {
                case "IN_PROCESS": setRoles.first == "APPROVER" ? "OUT_FOR_APPROVAL" : "OUT_FOR_SIGNATURE"
                default: wanted
                }
            state.sequence += 1
            let id = "CBJCHBCAABAA" + Self.random(32) + String(state.sequence)
            state.agreements.append(
                Agreement(
                    id: id, name: name, status: status, signatureType: signatureType, participants: participants, roles: setRoles, fileIDs: ids,
                    created: Date(), message: body["message"] as? String))
            return .json(201, object: ["id": id])
        }
    }

    // MARK: - GET /agreements/{agreementId}

    func agreement(id: String) -> Reply {
        guard let found = agreements.first(where: { $0.id == id }) else {
            return Self.error(404, "INVALID_AGREEMENT_ID", "The Agreement ID specified is invalid")
        }
        var info: [String: Any] = [
            "id": found.id, "name": found.name, "status": found.status, "createdDate": Self.iso(found.created),
            "senderEmail": Self.senderEmail, "signatureType": found.signatureType, "type": "AGREEMENT",
            "participantSetsInfo": zip(found.participants, found.roles).enumerated().map { index, set in
                ["memberInfos": set.0.map { ["email": $0] }, "order": index + 1, "role": set.1] as [String: Any]
            },
            "fileInfos": found.fileIDs.map { ["transientDocumentId": $0] },
        ]
        if let message = found.message { info["message"] = message }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "ETag", value: "\"\(found.id.count)-\(found.status)\"")
        return .json(200, object: info, headers: headers)
    }

    // MARK: - GET /agreements

    func listAgreements(_ request: Request) -> Reply {
        let query = request.queryItems.compactMapValues(\.last)
        var size = 100
        if let text = query["pageSize"] {
            guard let value = Int(text), (1...500).contains(value) else {
                return Self.error(400, "INVALID_ARGUMENTS", "One or more arguments to the method are invalid")
            }
            size = value
        }
        var offset = 0
        if let cursor = query["cursor"], !cursor.isEmpty {
            guard cursor.hasPrefix("qJXXj2UAUX"), let value = Int(cursor.dropFirst(10)), value >= 0 else {
                return Self.error(400, "INVALID_PAGE_CURSOR", "Page cursor provided is invalid")
            }
            offset = value
        }
        let all = agreements.reversed().map { $0 }
        let page = all.dropFirst(offset).prefix(size)
        let items: [[String: Any]] = page.map { agreement in
            [
                "id": agreement.id, "name": agreement.name, "status": agreement.status, "displayDate": Self.iso(agreement.created),
                "esign": agreement.signatureType == "ESIGN", "hidden": false, "type": "AGREEMENT",
                "displayParticipantSetInfos": agreement.participants.map { ["displayUserSetMemberInfos": $0.map { ["email": $0] }] },
            ]
        }
        var info: [String: Any] = [:]
        if offset + page.count < all.count { info["nextCursor"] = "qJXXj2UAUX" + String(offset + page.count) }
        return .json(200, object: ["userAgreementList": items, "page": info])
    }
}
