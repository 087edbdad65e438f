import Foundation
import HTTPCore
import HTTPFields
import Synchronization

// The REST resources of `SalesforceFake`: Query and its locators, Parameterized Search and
// sObject creation, as documented at
//   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm,
//   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm,
//   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_search_parameterized.htm and
//   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm
// (SalesforceFake.swift's header cites the page of each answer).
extension SalesforceFake {
    /// A field of an sObject as the fake describes it.
    enum Kind: Sendable, Equatable {
        case id
        case text(Int)
        case email, phone, picklist, date, datetime, currency
        case reference(String)
        /// Computed by Salesforce (`Name` of a contact or lead): readable, never writable.
        case computed
    }

    /// What the fake knows of each sObject: its key prefix, fields and required fields.
    struct Describe: Sendable {
        var prefix: String
        var fields: [String: Kind]
        var required: [String]
    }

    static let describes: [String: Describe] = [
        "Account": Describe(prefix: "001", fields: ["Id": .id, "Name": .text(255), "SystemModstamp": .datetime], required: ["Name"]),
        "Contact": Describe(
            prefix: "003",
            fields: [
                "Id": .id, "FirstName": .text(40), "LastName": .text(80), "Name": .computed, "Email": .email, "Phone": .phone, "Title": .text(128),
                "AccountId": .reference("Account"), "LeadSource": .picklist, "SystemModstamp": .datetime,
            ], required: ["LastName"]),
        "Lead": Describe(
            prefix: "00Q",
            fields: [
                "Id": .id, "FirstName": .text(40), "LastName": .text(80), "Name": .computed, "Company": .text(255), "Email": .email,
                "Phone": .phone, "Title": .text(128), "LeadSource": .picklist, "Status": .picklist, "SystemModstamp": .datetime,
            ], required: ["LastName", "Company"]),
        "Opportunity": Describe(
            prefix: "006",
            fields: [
                "Id": .id, "Name": .text(120), "StageName": .picklist, "CloseDate": .date, "AccountId": .reference("Account"),
                "Amount": .currency, "LeadSource": .picklist, "CampaignId": .reference("Campaign"), "SystemModstamp": .datetime,
            ], required: ["Name", "StageName", "CloseDate"]),
    ]

    // MARK: - Query

    /// `GET /query?q=<SOQL>`: the first batch, and a locator for the rest.
    func query(_ request: Request) -> Reply {
        guard let soql = request.queryItems["q"]?.last, !soql.trimmingCharacters(in: .whitespaces).isEmpty else {
            return Self.error(400, "MALFORMED_QUERY", "A query string has to be specified")
        }
        let parsed: SOQL
        switch SOQL.parse(soql) {
        case .failure(let refusal): return Self.error(400, refusal.code, refusal.message)
        case .success(let value): parsed = value
        }
        var size = batchSize
        if let options = request.header("Sforce-Query-Options"), let asked = options.split(separator: "=").last.flatMap({ Int($0) }) {
            size = min(size, max(200, min(2000, asked)))
        }
        let cursor = state.withLock { state -> Cursor in
            var matching = state.records.filter { $0.type == parsed.object && parsed.matches($0) }
            if let order = parsed.orderBy {
                matching.sort { a, b in
                    let (x, y) = (Self.value(a, order.field) ?? "", Self.value(b, order.field) ?? "")
                    return order.descending ? x > y : x < y
                }
            }
            if let limit = parsed.limit { matching = Array(matching.prefix(limit)) }
            return Cursor(type: parsed.object, fields: parsed.fields, ids: matching.map(\.id))
        }
        return page(cursor, from: 0, size: size)
    }

    /// `GET /query/<locator>-<offset>` (the `nextRecordsUrl` of the previous batch).
    func queryMore(locator: String) -> Reply {
        let parts = locator.split(separator: "-")
        guard parts.count == 2, let offset = Int(parts[1]), let cursor = state.withLock({ $0.cursors[String(parts[0])] }), offset < cursor.ids.count
        else { return Self.error(400, "INVALID_QUERY_LOCATOR", "invalid query locator") }
        return page(cursor, from: offset, size: batchSize, locator: String(parts[0]))
    }

    private func page(_ cursor: Cursor, from offset: Int, size: Int, locator: String? = nil) -> Reply {
        let slice = Array(cursor.ids[offset..<min(cursor.ids.count, offset + size)])
        let byID = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var body: [String: Any] = [
            "totalSize": cursor.ids.count, "done": offset + slice.count >= cursor.ids.count,
            "records": slice.compactMap { byID[$0].map { Self.json($0, fields: cursor.fields) } },
        ]
        if offset + slice.count < cursor.ids.count {
            let id =
                locator
                ?? state.withLock { state -> String in
                    state.sequence += 1
                    let id = Self.salesforceID(prefix: "01g", sequence: state.sequence).prefix(18)
                    state.cursors[String(id)] = cursor
                    return String(id)
                }
            body["nextRecordsUrl"] = "/services/data/\(Self.apiVersion)/query/\(id)-\(offset + slice.count)"
        }
        return .json(200, object: body)
    }

    /// A record as the API answers it: `attributes` and the asked fields (absent values null).
    static func json(_ record: Record, fields: [String]) -> [String: Any] {
        var object: [String: Any] = [
            "attributes": ["type": record.type, "url": "/services/data/\(apiVersion)/sobjects/\(record.type)/\(record.id)"]
        ]
        for field in fields {
            let kind = describes[record.type]?.fields[field]
            switch (kind, value(record, field)) {
            case (_, nil): object[field] = NSNull()
            case (.currency?, let text?): object[field] = Double(text) ?? NSNull()
            case (_, let text?): object[field] = text
            }
        }
        return object
    }

    static func value(_ record: Record, _ field: String) -> String? {
        switch field {
        case "Id": return record.id
        case "Name" where record.type == "Contact" || record.type == "Lead":
            return [record.fields["FirstName"], record.fields["LastName"]].compactMap { $0 }.joined(separator: " ")
        default: return record.fields[field]
        }
    }

    // MARK: - Parameterized search

    /// `GET /parameterizedSearch?q=…&sobject=…&in=…&<sobject>.fields=…&<sobject>.limit=…`.
    func parameterizedSearch(_ request: Request) -> Reply {
        let items = request.queryItems
        guard let term = items["q"]?.last, !term.isEmpty else { return Self.error(400, "MALFORMED_SEARCH", "No search term found.") }
        guard term.trimmingCharacters(in: .whitespaces).count >= 2 else {
            return Self.error(400, "INVALID_SEARCH", "search term must be longer than one character: \(term)")
        }
        let scope = items["in"]?.last ?? "ALL"
        let scopes: [String: [Kind]] = [
            "ALL": [.text(0), .email, .phone, .computed], "NAME": [.computed], "EMAIL": [.email], "PHONE": [.phone], "SIDEBAR": [.computed],
        ]
        guard let searched = scopes[scope] else {
            return Self.error(400, "INVALID_SEARCH_SCOPE", "Invalid value for parameter 'in': \(scope). Use ALL, NAME, EMAIL, PHONE or SIDEBAR")
        }
        let objects = (items["sobject"] ?? []).flatMap { $0.split(separator: ",").map(String.init) }
        for object in objects where Self.describes[object] == nil {
            return Self.error(400, "INVALID_TYPE", "sObject type '\(object)' is not supported.")
        }
        let overall = items["overallLimit"]?.last.flatMap { Int($0) } ?? 2000
        var found: [[String: Any]] = []
        for object in objects.isEmpty ? ["Account", "Contact", "Lead", "Opportunity"] : objects {
            let describe = Self.describes[object]!
            var fields = ["Id"]
            if let named = items["\(object).fields"]?.last {
                fields = named.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                if let unknown = fields.first(where: { Self.field(named: $0, in: describe) == nil }) {
                    return Self.error(400, "INVALID_FIELD", "No such column '\(unknown)' on entity '\(object)'.")
                }
                fields = fields.compactMap { Self.field(named: $0, in: describe) }
            }
            var limit = items["defaultLimit"]?.last.flatMap { Int($0) } ?? 2000
            if let text = items["\(object).limit"]?.last {
                guard let asked = Int(text), asked > 0 else {
                    return Self.error(400, "INVALID_SEARCH_PARAMETER", "Invalid value for parameter '\(object).limit': \(text)")
                }
                limit = asked
            }
            let needle = term.lowercased()
            let hits = records(object).filter { record in
                describe.fields.contains { name, kind in
                    let kindMatches = searched.contains { wanted in
                        if case .text = wanted, case .text = kind { return true }
                        return wanted == kind
                    }
                    return kindMatches && (Self.value(record, name)?.lowercased().contains(needle) ?? false)
                }
            }
            found += hits.prefix(limit).map { Self.json($0, fields: fields) }
        }
        return .json(200, object: ["searchRecords": Array(found.prefix(overall))])
    }

    /// The API name of `name` (field names are case-insensitive) in `describe`.
    static func field(named name: String, in describe: Describe) -> String? {
        describe.fields.keys.first { $0.lowercased() == name.lowercased() }
    }

    // MARK: - Create

    /// `POST /sobjects/<Type>/` with a JSON object of field values → 201 `{id, success, errors}`.
    func create(_ request: Request, type: String) -> Reply {
        guard let describe = Self.describes[type] else {
            return Self.error(404, "NOT_FOUND", "The requested resource does not exist")
        }
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true else {
            let given = request.header("Content-Type") ?? "none"
            return Self.error(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type '\(given)' is not supported. Use application/json or application/xml")
        }
        guard let body = request.json as? [String: Any] else {
            return Self.error(400, "JSON_PARSER_ERROR", "Unexpected character: was expecting a JSON object at [line:1, column:1]")
        }
        var fields: [String: String] = [:]
        for (given, raw) in body.sorted(by: { $0.key < $1.key }) {
            guard let name = Self.field(named: given, in: describe), name != "Id", describe.fields[name] != .computed,
                describe.fields[name] != .datetime
            else {
                return Self.error(400, "INVALID_FIELD", "No such column '\(given)' on sobject of type \(type)", fields: [given])
            }
            if raw is NSNull { continue }
            let text: String
            switch (describe.fields[name]!, raw) {
            case (.currency, let number as NSNumber): text = number.stringValue
            case (.currency, _):
                return Self.error(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of currency from VALUE_STRING value \(raw)", fields: [name])
            case (_, let string as String): text = string
            default:
                return Self.error(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of string from \(type) field \(name)", fields: [name])
            }
            if let refused = Self.check(text, name: name, kind: describe.fields[name]!, store: records) { return refused }
            fields[name] = text
        }
        let missing = describe.required.filter { (fields[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            return Self.error(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [\(missing.joined(separator: ", "))]", fields: missing)
        }
        if type == "Lead", fields["Status"] == nil { fields["Status"] = "Open - Not Contacted" }
        let id = state.withLock { state -> String in
            state.sequence += 1
            let id = Self.salesforceID(prefix: describe.prefix, sequence: 100_000 + state.sequence)
            fields["SystemModstamp"] = Self.timestamp(Date())
            state.records.append(Record(type: type, id: id, fields: fields))
            return id
        }
        var headers = HTTPHeaders()
        headers.add(name: "Location", value: "/services/data/\(Self.apiVersion)/sobjects/\(type)/\(id)")
        return .json(201, object: ["id": id, "success": true, "errors": [Any]()], headers: headers)
    }

    /// A field value's check against its kind: length, email, date, reference.
    private static func check(_ text: String, name: String, kind: Kind, store: [Record]) -> Reply? {
        switch kind {
        case .text(let max) where text.count > max:
            return error(400, "STRING_TOO_LONG", "\(name): data value too large: \(text.prefix(40)) (max length=\(max))", fields: [name])
        case .email where text.range(of: #"^[^@\s]+@[^@\s]+\.[^@\s]+$"#, options: .regularExpression) == nil:
            return error(400, "INVALID_EMAIL_ADDRESS", "\(name): invalid email address: \(text)", fields: [name])
        case .date where text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil:
            return error(400, "JSON_PARSER_ERROR", "Cannot deserialize value of type `date` from String \"\(text)\"", fields: [name])
        case .reference(let target):
            guard text.range(of: #"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"#, options: .regularExpression) != nil else {
                return error(400, "MALFORMED_ID", "\(target) ID: id value of incorrect type: \(text)", fields: [name])
            }
            if target == "Account", !store.contains(where: { $0.type == "Account" && $0.id.hasPrefix(String(text.prefix(15))) }) {
                return error(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", fields: [name])
            }
            return nil
        default: return nil
        }
    }
}
