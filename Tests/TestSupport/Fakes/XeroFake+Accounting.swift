import Foundation
import HTTPFields
import Synchronization

// Xero's Accounting API Invoices and Contacts (sources in XeroFake.swift's header):
// https://developer.xero.com/documentation/api/accounting/invoices,
// https://developer.xero.com/documentation/api/accounting/contacts,
// https://developer.xero.com/documentation/api/accounting/requests-and-responses

extension XeroFake {
    static func seed(_ state: inout State) {
        let base = Date(timeIntervalSince1970: 1_764_000_000)
        for (index, tenant) in tenants.enumerated() {
            let contacts = [
                Contact(
                    id: "c\(index)000000-0000-4000-8000-000000000001", name: "Bayside Club", firstName: "Bob", lastName: "Partridge",
                    email: "secretarybob@bayside.example", accountNumber: "BAY-01", contactNumber: nil, status: "ACTIVE", isCustomer: true,
                    updated: base),
                Contact(
                    id: "c\(index)000000-0000-4000-8000-000000000002", name: "City Limousines", firstName: "Sally", lastName: "Jones",
                    email: "sally@citylimo.example", accountNumber: nil, contactNumber: "CL-7", status: "ACTIVE", isCustomer: false,
                    updated: base + 60),
                Contact(
                    id: "c\(index)000000-0000-4000-8000-000000000003", name: "Old Supplier", firstName: nil, lastName: nil, email: nil,
                    accountNumber: nil, contactNumber: nil, status: "ARCHIVED", isCustomer: false, updated: base + 120),
            ]
            state.contacts[tenant.id] = contacts
            let plans: [(String, String, Double)] = [("ACCREC", "AUTHORISED", 500), ("ACCREC", "PAID", 120), ("ACCPAY", "DRAFT", 80)]
            for (offset, plan) in plans.enumerated() {
                var invoice = makeInvoice(
                    &state, tenant: tenant.id, type: plan.0, status: plan.1, contactID: contacts[offset % 2].id,
                    contactName: contacts[offset % 2].name,
                    lines: [["Description": .string("Service \(offset + 1)"), "Quantity": .number(1), "UnitAmount": .number(plan.2)]],
                    lineAmountTypes: "Exclusive")
                invoice.updated = base + Double(offset) * 3600
                if plan.1 == "PAID" { invoice.amountPaid = invoice.total }
                state.invoices[tenant.id, default: []].append(invoice)
            }
        }
    }

    static func makeInvoice(
        _ state: inout State, tenant: String, type: String, status: String, contactID: String, contactName: String,
        lines: [[String: JSONScalar]], lineAmountTypes: String, date: String = "2026-11-20", dueDate: String = "2026-12-20",
        reference: String = ""
    ) -> Invoice {
        state.sequence += 1
        var subTotal = 0.0
        var stored: [[String: JSONScalar]] = []
        for var line in lines {
            var quantity = 1.0
            var unit = 0.0
            if case .number(let value)? = line["Quantity"] { quantity = value }
            if case .number(let value)? = line["UnitAmount"] { unit = value }
            let amount = (quantity * unit).xeroCents
            line["LineAmount"] = .number(amount)
            subTotal += amount
            stored.append(line)
        }
        let tax: Double
        switch lineAmountTypes {
        case "NoTax": tax = 0
        case "Inclusive":
            tax = (subTotal * 15 / 115).xeroCents
            subTotal = (subTotal - tax).xeroCents
        default: tax = (subTotal * 0.15).xeroCents
        }
        let count = (state.invoices[tenant] ?? []).filter { $0.type == "ACCREC" }.count + (type == "ACCREC" ? 1 : 0)
        return Invoice(
            id: UUID().uuidString.lowercased(), number: type == "ACCREC" ? String(format: "INV-%04d", count) : "", type: type, status: status,
            contactID: contactID, contactName: contactName, date: date, dueDate: dueDate, reference: reference,
            lineAmountTypes: lineAmountTypes, lineItems: stored, subTotal: subTotal.xeroCents, totalTax: tax, total: (subTotal + tax).xeroCents,
            amountPaid: 0, currency: "GBP", updated: Date() + Double(state.sequence) / 1000)
    }

    // MARK: - Query helpers

    /// The `where` terms (`Field=="value"` joined by ` AND `), or nil when the filter does not parse.
    static func whereTerms(_ text: String?) -> [(field: String, value: String)]? {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return [] }
        var terms: [(field: String, value: String)] = []
        for part in text.components(separatedBy: " AND ") {
            let pieces = part.trimmingCharacters(in: .whitespaces).components(separatedBy: "==")
            guard pieces.count == 2, pieces[1].hasPrefix("\""), pieces[1].hasSuffix("\""), pieces[1].count >= 2 else { return nil }
            terms.append((field: pieces[0].trimmingCharacters(in: .whitespaces), value: String(pieces[1].dropFirst().dropLast())))
        }
        return terms
    }

    /// `If-Modified-Since` as a date (ISO 8601 with or without a zone, or an HTTP date).
    static func modifiedSince(_ request: Request) -> Date? {
        guard let text = request.header("If-Modified-Since") else { return nil }
        let iso = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            iso.formatOptions = options
            if let date = iso.date(from: text) { return date }
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "EEE, dd MMM yyyy HH:mm:ss zzz"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// One page of `items` when `page` is given (with the `pagination` object), else all of them.
    static func paged<T>(_ items: [T], _ request: Request) -> (items: [T], pagination: [String: Any]?) {
        let query = request.queryItems
        guard let page = query["page"]?.last.flatMap(Int.init) else { return (items, nil) }
        let size = min(1000, max(1, query["pageSize"]?.last.flatMap(Int.init) ?? 100))
        let start = max(0, page - 1) * size
        let slice = start < items.count ? Array(items[start..<min(items.count, start + size)]) : []
        let pageCount = (items.count + size - 1) / size
        return (slice, ["page": max(1, page), "pageSize": size, "pageCount": pageCount, "itemCount": items.count])
    }

    static func list(_ query: [String: [String]], _ name: String) -> Set<String>? {
        guard let value = query[name]?.last, !value.isEmpty else { return nil }
        return Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
    }

    // MARK: - Invoices

    static func invoiceField(_ invoice: Invoice, _ field: String) -> String? {
        switch field {
        case "Type": invoice.type
        case "Status": invoice.status
        case "Contact.ContactID": invoice.contactID
        case "Contact.Name": invoice.contactName
        case "InvoiceNumber": invoice.number
        case "Reference": invoice.reference
        case "InvoiceID": invoice.id
        default: nil
        }
    }

    func listInvoices(_ request: Request, tenant: String) -> Reply {
        let query = request.queryItems
        guard let terms = Self.whereTerms(query["where"]?.last),
            terms.allSatisfy({ Self.invoiceField(Self.blank, $0.field) != nil })
        else { return Self.apiException(400, type: "QueryParseException", message: "Invalid where filter", number: 16) }
        var items = state.withLock { $0.invoices[tenant] ?? [] }
        let archived = query["includeArchived"]?.last == "true"
        items = items.filter { archived || $0.status != "ARCHIVED" && $0.status != "DELETED" }
        for term in terms { items = items.filter { Self.invoiceField($0, term.field) == term.value } }
        if let statuses = Self.list(query, "Statuses") { items = items.filter { statuses.contains($0.status.lowercased()) } }
        if let ids = Self.list(query, "IDs") { items = items.filter { ids.contains($0.id) } }
        if let ids = Self.list(query, "ContactIDs") { items = items.filter { ids.contains($0.contactID) } }
        if let numbers = Self.list(query, "InvoiceNumbers") { items = items.filter { numbers.contains($0.number.lowercased()) } }
        if let term = query["searchTerm"]?.last?.lowercased(), !term.isEmpty {
            items = items.filter { $0.number.lowercased().contains(term) || $0.reference.lowercased().contains(term) }
        }
        if let since = Self.modifiedSince(request) { items = items.filter { $0.updated > since } }
        if let order = query["order"]?.last {
            let parts = order.split(separator: " ").map(String.init)
            let descending = parts.count > 1 && parts[1].uppercased() == "DESC"
            switch parts.first ?? "" {
            case "UpdatedDateUTC": items.sort { descending ? $0.updated > $1.updated : $0.updated < $1.updated }
            case "Date": items.sort { descending ? $0.date > $1.date : $0.date < $1.date }
            case "InvoiceNumber": items.sort { descending ? $0.number > $1.number : $0.number < $1.number }
            default: return Self.apiException(400, type: "QueryParseException", message: "Invalid order: \(order)", number: 16)
            }
        }
        let (page, pagination) = Self.paged(items, request)
        let lines = pagination != nil && query["summaryOnly"]?.last != "true"
        var members: [String: Any] = ["Invoices": page.map { Self.json($0, lines: lines) }]
        if let pagination { members["pagination"] = pagination }
        return Self.envelope(members)
    }

    static let blank = Invoice(
        id: "", number: "", type: "", status: "", contactID: "", contactName: "", date: "", dueDate: "", reference: "", lineAmountTypes: "",
        lineItems: [], subTotal: 0, totalTax: 0, total: 0, amountPaid: 0, currency: "", updated: Date())

    static func json(_ invoice: Invoice, lines: Bool) -> [String: Any] {
        var body: [String: Any] = [
            "Type": invoice.type, "InvoiceID": invoice.id, "InvoiceNumber": invoice.number, "Reference": invoice.reference,
            "Status": invoice.status, "LineAmountTypes": invoice.lineAmountTypes, "SubTotal": invoice.subTotal, "TotalTax": invoice.totalTax,
            "Total": invoice.total, "AmountDue": invoice.amountDue, "AmountPaid": invoice.amountPaid, "AmountCredited": 0,
            "CurrencyCode": invoice.currency, "CurrencyRate": 1, "HasAttachments": false, "IsDiscounted": false,
            "Contact": ["ContactID": invoice.contactID, "Name": invoice.contactName],
            "DateString": invoice.date + "T00:00:00", "Date": msDate(day(invoice.date)),
            "DueDateString": invoice.dueDate + "T00:00:00", "DueDate": msDate(day(invoice.dueDate)),
            "UpdatedDateUTC": msDate(invoice.updated),
        ]
        if lines {
            body["LineItems"] = invoice.lineItems.map { line in
                line.mapValues { value -> Any in
                    if case .number(let number) = value { return number }
                    if case .string(let text) = value { return text }
                    return NSNull()
                }
            }
        }
        return body
    }

    static func day(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text) ?? Date(timeIntervalSince1970: 0)
    }

    /// The objects of a PUT/POST body: `{"<Name>": [...]}` or one object.
    static func objects(_ request: Request, _ name: String) -> [[String: Any]]? {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/json") == true,
            let json = request.json as? [String: Any]
        else { return nil }
        if let list = json[name] { return list as? [[String: Any]] }
        return [json]
    }

    func saveInvoices(_ request: Request, tenant: String) -> Reply {
        guard let objects = Self.objects(request, "Invoices"), !objects.isEmpty else {
            return Self.apiException(400, type: "PostDataInvalidException", message: "Invalid Json data", number: 14)
        }
        let known = self.contacts(of: tenant)
        var created: [Invoice] = []
        var elements: [[String: Any]] = []
        var failed = false
        for object in objects {
            var errors: [String] = []
            let type = object["Type"] as? String ?? ""
            if !["ACCREC", "ACCPAY"].contains(type) { errors.append("Invoice Type must be specified") }
            let contactObject = object["Contact"] as? [String: Any]
            let contact = known.first {
                $0.id == (contactObject?["ContactID"] as? String)?.lowercased() || $0.name == contactObject?["Name"] as? String
            }
            if contactObject == nil {
                errors.append("A Contact must be specified for this type of transaction")
            } else if contact == nil {
                errors.append("The contact specified does not exist")
            }
            let status = object["Status"] as? String ?? "DRAFT"
            var lines: [[String: JSONScalar]] = []
            for line in object["LineItems"] as? [[String: Any]] ?? [] {
                var stored: [String: JSONScalar] = [:]
                for (key, value) in line {
                    if let text = value as? String {
                        stored[key] = .string(text)
                    } else if let number = value as? Double {
                        stored[key] = .number(number)
                    }
                }
                if stored["Description"] == nil && stored["ItemCode"] == nil { errors.append("Description needs to be specified for each line item") }
                if status != "DRAFT" && stored["AccountCode"] == nil && stored["ItemCode"] == nil {
                    errors.append("Account code must be specified")
                }
                lines.append(stored)
            }
            if status != "DRAFT" && lines.isEmpty { errors.append("At least one line item must be specified") }
            if !["DRAFT", "SUBMITTED", "AUTHORISED"].contains(status) { errors.append("Invalid status for a new invoice") }
            if errors.isEmpty, let contact {
                let invoice = state.withLock { state -> Invoice in
                    let made = Self.makeInvoice(
                        &state, tenant: tenant, type: type, status: status, contactID: contact.id, contactName: contact.name, lines: lines,
                        lineAmountTypes: object["LineAmountTypes"] as? String ?? "Exclusive", date: object["Date"] as? String ?? "2026-12-04",
                        dueDate: object["DueDate"] as? String ?? "2027-01-03", reference: object["Reference"] as? String ?? "")
                    return made
                }
                created.append(invoice)
                elements.append(Self.json(invoice, lines: true))
            } else {
                failed = true
                elements.append(Self.refused(object, errors))
            }
        }
        return batchAnswer(request, key: "Invoices", elements: elements, failed: failed) { $0.invoices[tenant, default: []] += created }
    }

    // MARK: - Contacts

    func listContacts(_ request: Request, tenant: String) -> Reply {
        let query = request.queryItems
        guard let terms = Self.whereTerms(query["where"]?.last),
            terms.allSatisfy({ ["Name", "ContactStatus", "EmailAddress", "IsCustomer"].contains($0.field) })
        else { return Self.apiException(400, type: "QueryParseException", message: "Invalid where filter", number: 16) }
        var items = contacts(of: tenant)
        if query["includeArchived"]?.last != "true" { items = items.filter { $0.status != "ARCHIVED" } }
        for term in terms {
            items = items.filter { contact in
                switch term.field {
                case "Name": contact.name == term.value
                case "ContactStatus": contact.status == term.value
                case "EmailAddress": contact.email == term.value
                default: String(contact.isCustomer) == term.value
                }
            }
        }
        if let ids = Self.list(query, "IDs") { items = items.filter { ids.contains($0.id) } }
        if let term = query["searchTerm"]?.last?.lowercased(), !term.isEmpty {
            items = items.filter { contact in
                [contact.name, contact.firstName, contact.lastName, contact.contactNumber, contact.email].contains {
                    $0?.lowercased().contains(term) == true
                }
            }
        }
        if let since = Self.modifiedSince(request) { items = items.filter { $0.updated > since } }
        if query["order"]?.last?.hasPrefix("Name") == true { items.sort { $0.name < $1.name } }
        let (page, pagination) = Self.paged(items, request)
        var members: [String: Any] = ["Contacts": page.map(Self.json)]
        if let pagination { members["pagination"] = pagination }
        return Self.envelope(members)
    }

    static func json(_ contact: Contact) -> [String: Any] {
        var body: [String: Any] = [
            "ContactID": contact.id, "ContactStatus": contact.status, "Name": contact.name, "IsCustomer": contact.isCustomer,
            "IsSupplier": false, "UpdatedDateUTC": msDate(contact.updated), "HasAttachments": false,
        ]
        body["FirstName"] = contact.firstName
        body["LastName"] = contact.lastName
        body["EmailAddress"] = contact.email
        body["AccountNumber"] = contact.accountNumber
        body["ContactNumber"] = contact.contactNumber
        return body
    }

    func saveContacts(_ request: Request, tenant: String) -> Reply {
        guard let objects = Self.objects(request, "Contacts"), !objects.isEmpty else {
            return Self.apiException(400, type: "PostDataInvalidException", message: "Invalid Json data", number: 14)
        }
        var taken = Set(contacts(of: tenant).filter { $0.status == "ACTIVE" }.map { $0.name.lowercased() })
        var created: [Contact] = []
        var elements: [[String: Any]] = []
        var failed = false
        for object in objects {
            var errors: [String] = []
            let name = (object["Name"] as? String ?? "").trimmingCharacters(in: .whitespaces)
            if name.isEmpty { errors.append("The contact name must be specified") }
            if name.count > 255 { errors.append("The contact name must be 255 characters or less") }
            if taken.contains(name.lowercased()) {
                errors.append(
                    "The contact name \(name) is already assigned to another contact. The contact name must be unique across all active contacts.")
            }
            let email = object["EmailAddress"] as? String
            if let email, !email.isEmpty, !email.contains("@") || email.hasPrefix("@") || email.hasSuffix("@") {
                errors.append("Email address must be valid.")
            }
            if errors.isEmpty {
                taken.insert(name.lowercased())
                let contact = Contact(
                    id: UUID().uuidString.lowercased(), name: name, firstName: object["FirstName"] as? String,
                    lastName: object["LastName"] as? String,
                    email: email, accountNumber: object["AccountNumber"] as? String, contactNumber: nil, status: "ACTIVE", isCustomer: false,
                    updated: Date())
                created.append(contact)
                elements.append(Self.json(contact))
            } else {
                failed = true
                elements.append(Self.refused(object, errors))
            }
        }
        return batchAnswer(request, key: "Contacts", elements: elements, failed: failed) { $0.contacts[tenant, default: []] += created }
    }

    /// A refused element as Xero echoes it: the object with its `ValidationErrors`.
    static func refused(_ object: [String: Any], _ errors: [String]) -> [String: Any] {
        var element = object
        element["ValidationErrors"] = errors.map { ["Message": $0] }
        return element
    }

    /// Xero's answer to a batch save: a 400 `ValidationException` echoing every element when one
    /// was refused (unless `summarizeErrors=false`), else the elements under `key`, with `commit`
    /// storing the created ones.
    func batchAnswer(_ request: Request, key: String, elements: [[String: Any]], failed: Bool, commit: (inout State) -> Void) -> Reply {
        if failed && request.queryItems["summarizeErrors"]?.last != "false" {
            return Self.apiException(400, type: "ValidationException", message: "A validation exception occurred", elements: elements)
        }
        state.withLock { commit(&$0) }
        return Self.envelope([key: elements])
    }
}
