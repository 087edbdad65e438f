// The CompanyInfo, Invoice and Customer entities of `QuickBooksFake`, as QuickBooksFake.swift
// cites them (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/companyinfo,
// https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice,
// https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer): their
// JSON as the API answers it (only properties with values), creation and its validation faults.

import Foundation
import Synchronization

extension QuickBooksFake {
    // MARK: - JSON

    static func metaData(_ created: String, _ updated: String) -> [String: Any] {
        ["CreateTime": created, "LastUpdatedTime": updated]
    }

    static func customerJSON(_ customer: Customer) -> [String: Any] {
        var json: [String: Any] = [
            "Id": customer.id, "SyncToken": String(customer.syncToken), "DisplayName": customer.displayName,
            "FullyQualifiedName": customer.displayName, "PrintOnCheckName": customer.companyName ?? customer.displayName,
            "Balance": customer.balance, "BalanceWithJobs": customer.balance, "Active": customer.active, "Job": false, "BillWithParent": false,
            "Taxable": false, "PreferredDeliveryMethod": "Print", "CurrencyRef": ["value": "USD", "name": "United States Dollar"],
            "domain": "QBO", "sparse": false, "MetaData": metaData(customer.created, customer.updated),
        ]
        if let value = customer.givenName { json["GivenName"] = value }
        if let value = customer.familyName { json["FamilyName"] = value }
        if let value = customer.companyName { json["CompanyName"] = value }
        if let value = customer.email { json["PrimaryEmailAddr"] = ["Address": value] }
        if let value = customer.phone { json["PrimaryPhone"] = ["FreeFormNumber": value] }
        return json
    }

    static func invoiceJSON(_ invoice: Invoice, company: Company) -> [String: Any] {
        var lines: [[String: Any]] = invoice.lines.enumerated().map { index, line in
            var detail: [String: Any] = [
                "ItemRef": ["value": line.itemID, "name": company.items.first { $0.id == line.itemID }?.name ?? ""],
                "TaxCodeRef": ["value": "NON"],
            ]
            if let qty = line.qty { detail["Qty"] = qty }
            if let price = line.unitPrice { detail["UnitPrice"] = price }
            var json: [String: Any] = [
                "Id": String(index + 1), "LineNum": index + 1, "Amount": line.amount, "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": detail,
            ]
            if let description = line.description { json["Description"] = description }
            return json
        }
        lines.append(["Amount": invoice.total, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": [String: Any]()])
        let customer = company.customers.first { $0.id == invoice.customerID }
        var json: [String: Any] = [
            "Id": invoice.id, "SyncToken": String(invoice.syncToken), "DocNumber": invoice.docNumber, "TxnDate": invoice.txnDate,
            "DueDate": invoice.dueDate, "CustomerRef": ["value": invoice.customerID, "name": customer?.displayName ?? ""],
            "CurrencyRef": ["value": "USD", "name": "United States Dollar"], "TotalAmt": invoice.total, "Balance": invoice.balance,
            "Line": lines, "EmailStatus": invoice.billEmail == nil ? "NotSet" : "NeedToSend", "PrintStatus": "NeedToPrint",
            "ApplyTaxAfterDiscount": false, "domain": "QBO", "sparse": false, "MetaData": metaData(invoice.created, invoice.updated),
        ]
        if let email = invoice.billEmail { json["BillEmail"] = ["Address": email] }
        if let memo = invoice.memo { json["CustomerMemo"] = ["value": memo] }
        return json
    }

    // MARK: - GET /companyinfo/{realmId}

    func companyInfo(_ realm: String) -> Reply {
        guard let company = state.withLock({ $0.companies[realm] }) else {
            return Self.fault(400, "Object Not Found", "Object Not Found : Something you're trying to use has been made inactive.", code: "610")
        }
        let address: [String: Any] = [
            "Id": "1", "Line1": "123 Sierra Way", "City": "San Pablo", "CountrySubDivisionCode": "CA", "PostalCode": "87999",
        ]
        let info: [String: Any] = [
            "Id": "1", "SyncToken": "4", "CompanyName": company.name, "LegalName": company.name, "Country": company.country,
            "CompanyAddr": address, "LegalAddr": address, "Email": ["Address": company.email], "PrimaryPhone": ["FreeFormNumber": "(650)944-4444"],
            "CompanyStartDate": "2015-06-05", "FiscalYearStartMonth": "January", "SupportedLanguages": "en", "domain": "QBO", "sparse": false,
            "MetaData": ["CreateTime": "2015-06-05T13:55:54-07:00", "LastUpdatedTime": "2026-11-30T08:51:50-08:00"],
        ]
        return .json(200, object: ["CompanyInfo": info, "time": Self.now])
    }

    // MARK: - POST /invoice

    static let invoiceProperties: Set<String> = [
        "CustomerRef", "Line", "DueDate", "TxnDate", "BillEmail", "CustomerMemo", "DocNumber", "CurrencyRef", "SalesTermRef", "PrivateNote",
    ]

    func createInvoice(_ body: [String: Any], realm: String) -> Reply {
        if let unknown = body.keys.sorted().first(where: { !Self.invoiceProperties.contains($0) }) {
            return Self.unsupported(unknown)
        }
        guard let customerID = (body["CustomerRef"] as? [String: Any])?["value"] as? String else { return Self.missing("CustomerRef") }
        guard let rawLines = body["Line"] as? [[String: Any]], !rawLines.isEmpty else { return Self.missing("Line") }
        var lines: [Line] = []
        for raw in rawLines {
            guard let amount = (raw["Amount"] as? NSNumber)?.doubleValue else { return Self.missing("Line.Amount") }
            guard raw["DetailType"] as? String == "SalesItemLineDetail", let detail = raw["SalesItemLineDetail"] as? [String: Any] else {
                return Self.missing("Line.DetailType")
            }
            let item = ((detail["ItemRef"] as? [String: Any])?["value"] as? String) ?? "1"
            lines.append(
                Line(
                    amount: amount, description: raw["Description"] as? String, itemID: item, qty: (detail["Qty"] as? NSNumber)?.doubleValue,
                    unitPrice: (detail["UnitPrice"] as? NSNumber)?.doubleValue))
        }
        return state.withLock { state -> Reply in
            guard var company = state.companies[realm] else { return Self.fault(400, "Object Not Found", "Company not found", code: "610") }
            guard company.customers.contains(where: { $0.id == customerID && $0.active }) else {
                return Self.invalidReference("Customer", customerID)
            }
            if let line = lines.first(where: { line in !company.items.contains { $0.id == line.itemID } }) {
                return Self.invalidReference("Item", line.itemID)
            }
            let stamp = Self.stamp(&state.clock)
            company.nextID += 1
            let number = (company.invoices.compactMap { Int($0.docNumber) }.max() ?? 1000) + 1
            let total = lines.reduce(0) { $0 + $1.amount }
            let invoice = Invoice(
                id: String(company.nextID), docNumber: body["DocNumber"] as? String ?? String(number), customerID: customerID,
                txnDate: body["TxnDate"] as? String ?? "2026-12-03", dueDate: body["DueDate"] as? String ?? "2027-01-02", lines: lines,
                balance: total, billEmail: (body["BillEmail"] as? [String: Any])?["Address"] as? String,
                memo: (body["CustomerMemo"] as? [String: Any])?["value"] as? String, syncToken: 0, created: stamp, updated: stamp)
            company.invoices.append(invoice)
            state.companies[realm] = company
            return .json(200, object: ["Invoice": Self.invoiceJSON(invoice, company: company), "time": Self.now])
        }
    }

    // MARK: - POST /customer

    static let customerProperties: Set<String> = [
        "DisplayName", "Title", "GivenName", "MiddleName", "FamilyName", "Suffix", "CompanyName", "PrimaryEmailAddr", "PrimaryPhone",
        "BillAddr", "Notes", "Active",
    ]

    func createCustomer(_ body: [String: Any], realm: String) -> Reply {
        if let unknown = body.keys.sorted().first(where: { !Self.customerProperties.contains($0) }) {
            return Self.unsupported(unknown)
        }
        let names = ["Title", "GivenName", "MiddleName", "FamilyName", "Suffix"].compactMap { body[$0] as? String }
        guard let displayName = body["DisplayName"] as? String ?? (names.isEmpty ? nil : names.joined(separator: " ")) else {
            return Self.missing("DisplayName")
        }
        guard displayName.count <= 500 else {
            return Self.fault(
                400, "String length is either shorter or longer than supported by specification",
                "String length specified does not match the supported length. Min:0 Max:500 supplied length:\(displayName.count)", code: "2050",
                element: "DisplayName")
        }
        return state.withLock { state -> Reply in
            guard var company = state.companies[realm] else { return Self.fault(400, "Object Not Found", "Company not found", code: "610") }
            guard !company.customers.contains(where: { $0.displayName.lowercased() == displayName.lowercased() }) else {
                return Self.fault(
                    400, "Duplicate Name Exists Error",
                    "The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name.",
                    code: "6240")
            }
            let stamp = Self.stamp(&state.clock)
            company.nextID += 1
            let customer = Customer(
                id: String(company.nextID), displayName: displayName, givenName: body["GivenName"] as? String,
                familyName: body["FamilyName"] as? String, companyName: body["CompanyName"] as? String,
                email: (body["PrimaryEmailAddr"] as? [String: Any])?["Address"] as? String,
                phone: (body["PrimaryPhone"] as? [String: Any])?["FreeFormNumber"] as? String, balance: 0, active: true, syncToken: 0,
                created: stamp, updated: stamp)
            company.customers.append(customer)
            state.companies[realm] = company
            return .json(200, object: ["Customer": Self.customerJSON(customer), "time": Self.now])
        }
    }

    // MARK: - Validation faults

    static func missing(_ name: String) -> Reply {
        fault(
            400, "Required param missing, need to supply the required value for the API", "Required parameter \(name) is missing in the request",
            code: "2020")
    }

    static func unsupported(_ name: String) -> Reply {
        fault(
            400, "Request has invalid or unsupported property", "Property Name:Unrecognized field \"\(name)\" specified value is not supported",
            code: "2010", element: name)
    }

    static func invalidReference(_ entity: String, _ id: String) -> Reply {
        fault(400, "Invalid Reference Id", "Invalid Reference Id : \(entity) with Id \(id) does not exist or is inactive", code: "2500")
    }
}
