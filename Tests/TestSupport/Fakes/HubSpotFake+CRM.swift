import Foundation
import HTTPCore
import HTTPFields
import Synchronization

// The account details and CRM object routes of `HubSpotFake`, as documented at
//   https://developers.hubspot.com/docs/api-reference/latest/account/account-information/guide,
//   https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/guide and
//   https://developers.hubspot.com/docs/api-reference/latest/crm/objects/deals/guide.md
// (HubSpotFake.swift's header cites the page of each answer).
extension HubSpotFake {
    /// What a read returns when no `properties` are asked for.
    static let defaultProperties = ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"]
    /// What every read returns whatever was asked for.
    static let alwaysProperties = ["createdate", "hs_object_id", "lastmodifieddate"]
    /// The contact properties the account defines (HubSpot's defaults the fake knows of).
    static let contactProperties: Set<String> = [
        "email", "firstname", "lastname", "phone", "mobilephone", "company", "website", "jobtitle", "lifecyclestage", "city", "state",
        "country", "zip", "address", "hubspot_owner_id", "hs_lead_status", "createdate", "lastmodifieddate", "hs_object_id",
    ]
    /// The deal properties the account defines.
    static let dealProperties: Set<String> = [
        "dealname", "amount", "dealstage", "pipeline", "closedate", "hubspot_owner_id", "dealtype", "description", "hs_priority",
    ]

    /// `GET /account-info/v3/details`.
    func accountDetails() -> Reply {
        .json(
            200,
            object: [
                "portalId": Self.portalID, "accountType": "STANDARD", "timeZone": "US/Eastern", "companyCurrency": "USD",
                "additionalCurrencies": [String](), "utcOffset": "-05:00", "utcOffsetMilliseconds": -18_000_000,
                "uiDomain": "app.hubspot.com", "dataHostingLocation": "na1",
            ])
    }

    /// `GET /crm/v3/objects/contacts?limit&after&properties&archived`: in id order; `after` is the
    /// id the next page starts at; no `paging` on the last page.
    func listContacts(_ request: Request) -> Reply {
        let query = request.queryItems
        var limit = 10
        if let raw = query["limit"]?.last {
            guard let value = Int(raw), value >= 1 else { return invalid("limit must be a positive integer, got '\(raw)'") }
            guard value <= 100 else { return invalid("limit must be less than or equal to 100") }
            limit = value
        }
        var start = 0
        if let raw = query["after"]?.last, !raw.isEmpty {
            guard let value = Int(raw) else { return invalid("after must be a numeric cursor, got '\(raw)'") }
            start = value
        }
        let archived = query["archived"]?.last?.lowercased() == "true"
        let asked = Self.propertyNames(query["properties"] ?? [])
        let matching = state.withLock { $0.contacts }.filter { $0.archived == archived && (Int($0.id) ?? 0) >= start }
            .sorted { (Int($0.id) ?? 0) < (Int($1.id) ?? 0) }
        let page = matching.prefix(limit)
        var body: [String: Any] = ["results": page.map { render($0, properties: asked) }]
        if matching.count > page.count {
            let next = matching[page.count].id
            var link = "\(baseURL)/crm/v3/objects/contacts?after=\(next)&limit=\(limit)"
            if !asked.isEmpty { link += "&properties=" + asked.joined(separator: ",") }
            if archived { link += "&archived=true" }
            body["paging"] = ["next": ["after": next, "link": link]]
        }
        return .json(200, object: body)
    }

    /// `GET /crm/v3/objects/contacts/{id}`; an unknown id is 404 `OBJECT_NOT_FOUND`.
    func readContact(_ request: Request, id: String) -> Reply {
        let asked = Self.propertyNames(request.queryItems["properties"] ?? [])
        let archived = request.queryItems["archived"]?.last?.lowercased() == "true"
        guard let contact = state.withLock({ $0.contacts.first { $0.id == id && $0.archived == archived } }) else {
            return hubspotError(
                404, category: "OBJECT_NOT_FOUND", message: "Object not found.  objectId are usually numeric.", extra: ["context": ["id": [id]]])
        }
        return .json(200, object: render(contact, properties: asked))
    }

    /// `POST /crm/v3/objects/contacts` `{properties, associations?}`: 201 with the record; an
    /// email already in use is 409 `CONFLICT`; a malformed email or an unknown property is 400.
    func createContact(_ request: Request) -> Reply {
        let values: [String: String]
        switch propertiesOfBody(request, known: Self.contactProperties) {
        case .failure(let refusal): return refusal.reply
        case .success(let found): values = found
        }
        if let email = values["email"] {
            guard Self.isEmail(email) else {
                return propertyError(name: "email", code: "INVALID_EMAIL", message: "Email address \(email) is invalid")
            }
        }
        let outcome = state.withLock { state -> Result<Contact, ReplyBox> in
            if let email = values["email"]?.lowercased(),
                let existing = state.contacts.first(where: { $0.properties["email"]?.lowercased() == email })
            {
                return .failure(
                    ReplyBox(reply: hubspotError(409, category: "CONFLICT", message: "Contact already exists. Existing ID: \(existing.id)")))
            }
            let id = String((state.contacts.compactMap { Int($0.id) }.max() ?? 1000) + 1)
            let time = Self.timestamp(Self.seedEpoch.addingTimeInterval(86_400 * 30 + TimeInterval(state.clock)))
            state.clock += 1
            let contact = Contact(id: id, properties: values, createdAt: time, updatedAt: time)
            state.contacts.append(contact)
            return .success(contact)
        }
        switch outcome {
        case .failure(let box): return box.reply
        case .success(let contact): return .json(201, object: render(contact, properties: Array(values.keys)))
        }
    }

    /// `POST /crm/v3/objects/deals` `{properties, associations?}`: `dealname` and `dealstage` are
    /// required, `pipeline` defaults to `default`; associations to contacts use type 3
    /// (HUBSPOT_DEFINED deal → contact), and an unknown contact is 400 `VALIDATION_ERROR`.
    func createDeal(_ request: Request) -> Reply {
        var values: [String: String]
        switch propertiesOfBody(request, known: Self.dealProperties) {
        case .failure(let refusal): return refusal.reply
        case .success(let found): values = found
        }
        for required in ["dealname", "dealstage"] where (values[required] ?? "").isEmpty {
            return propertyError(name: required, code: "REQUIRED_PROPERTY", message: "Property \"\(required)\" is required")
        }
        if let amount = values["amount"], Double(amount) == nil {
            return propertyError(name: "amount", code: "INVALID_FLOAT", message: "\(amount) was not a valid number.")
        }
        values["pipeline"] = values["pipeline"] ?? "default"
        let body = (request.json as? [String: Any]) ?? [:]
        var contactIDs: [String] = []
        for association in body["associations"] as? [Any] ?? [] {
            guard let object = association as? [String: Any], let to = object["to"] as? [String: Any], let id = Self.text(to["id"]),
                let types = object["types"] as? [[String: Any]], !types.isEmpty
            else { return invalid("Each association needs to.id and a non-empty types array") }
            for type in types {
                let category = type["associationCategory"] as? String
                let typeID = (type["associationTypeId"] as? NSNumber)?.intValue
                guard category == "HUBSPOT_DEFINED" && typeID == 3 else {
                    return invalid(
                        "association type \(category ?? "nil")/\(typeID.map(String.init) ?? "nil") is not valid between deals and contacts")
                }
            }
            contactIDs.append(id)
        }
        let frozen = values
        let outcome = state.withLock { state -> Result<Deal, ReplyBox> in
            let unknown = contactIDs.filter { id in !state.contacts.contains { $0.id == id && !$0.archived } }
            guard unknown.isEmpty else {
                return .failure(
                    ReplyBox(
                        reply: hubspotError(
                            400, category: "VALIDATION_ERROR", message: "One or more associations are invalid",
                            extra: ["context": ["fromObjectId": unknown]])))
            }
            state.sequence += 1
            let time = Self.timestamp(Self.seedEpoch.addingTimeInterval(86_400 * 30 + TimeInterval(state.clock)))
            state.clock += 1
            var properties = frozen
            properties["createdate"] = time
            properties["hs_lastmodifieddate"] = time
            let deal = Deal(id: String(9000 + state.deals.count + 1), properties: properties, associations: contactIDs)
            state.deals.append(deal)
            return .success(deal)
        }
        switch outcome {
        case .failure(let box): return box.reply
        case .success(let deal):
            var properties: [String: Any] = deal.properties
            properties["hs_object_id"] = deal.id
            let time = deal.properties["createdate"] ?? ""
            return .json(201, object: ["id": deal.id, "properties": properties, "createdAt": time, "updatedAt": time, "archived": false])
        }
    }

    // MARK: - Pieces

    struct ReplyBox: Error {
        var reply: Reply
    }

    /// The `properties` object of a JSON body, its values as strings; an unknown property is 400.
    private func propertiesOfBody(_ request: Request, known: Set<String>) -> Result<[String: String], ReplyBox> {
        guard let body = request.json as? [String: Any] else {
            return .failure(ReplyBox(reply: invalid("Invalid input JSON on line 1, column 1: the body must be a JSON object")))
        }
        guard let raw = body["properties"] as? [String: Any] else {
            return .failure(ReplyBox(reply: invalid("properties is required and must be an object")))
        }
        var values: [String: String] = [:]
        for (name, value) in raw.sorted(by: { $0.key < $1.key }) {
            guard known.contains(name) else {
                return .failure(
                    ReplyBox(reply: propertyError(name: name, code: "PROPERTY_DOESNT_EXIST", message: "Property \"\(name)\" does not exist")))
            }
            if let text = Self.text(value) { values[name] = text }
        }
        return .success(values)
    }

    /// 400 `VALIDATION_ERROR` "Property values were not valid: [...]" naming one property.
    func propertyError(name: String, code: String, message: String) -> Reply {
        let detail: [String: Any] = ["isValid": false, "message": message, "error": code, "name": name]
        let text = (try? JSONSerialization.data(withJSONObject: [detail], options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        return hubspotError(
            400, category: "VALIDATION_ERROR", message: "Property values were not valid: \(text)",
            extra: ["errors": [["message": message, "code": code, "context": ["propertyName": [name]]]]])
    }

    /// 400 `VALIDATION_ERROR` with `message`.
    func invalid(_ message: String) -> Reply { hubspotError(400, category: "VALIDATION_ERROR", message: message) }

    /// A record as HubSpot returns it: the asked-for properties (null when unset; the defaults
    /// when none are asked for) plus `createdate`, `hs_object_id`, `lastmodifieddate`.
    func render(_ contact: Contact, properties asked: [String]) -> [String: Any] {
        let known = Self.contactProperties.union(contact.properties.keys)
        let names = Set((asked.isEmpty ? Self.defaultProperties : asked).filter { known.contains($0) } + Self.alwaysProperties)
        var properties: [String: Any] = [:]
        for name in names { properties[name] = Self.value(of: contact, name) ?? NSNull() }
        return [
            "id": contact.id, "properties": properties, "createdAt": contact.createdAt, "updatedAt": contact.updatedAt, "archived": contact.archived,
        ]
    }

    /// A property's value, including those HubSpot computes.
    static func value(of contact: Contact, _ name: String) -> String? {
        switch name {
        case "hs_object_id": contact.id
        case "createdate": contact.createdAt
        case "lastmodifieddate": contact.updatedAt
        default: contact.properties[name]
        }
    }

    /// Property names from `properties` query values (comma-separated, possibly repeated).
    static func propertyNames(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// One `@`, a non-empty local part without quotes, a dotted domain with a letter TLD.
    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains("\""), !text.contains(" ") else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }), let tld = labels.last else { return false }
        return tld.count >= 2 && tld.allSatisfy(\.isLetter)
    }

    static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: string
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }
}
