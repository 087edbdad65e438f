// The tables of `Dynamics365Fake` — contact, lead and opportunity with the columns our
// connector reads and writes, as the Dataverse table reference lists them
// (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/contact,
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/lead,
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/opportunity):
// entity set names, primary keys, lookups read as `_<name>_value` and set through their
// single-valued navigation property with `@odata.bind`
// (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api),
// and the seed rows (the names are the samples Microsoft's pages show).

import Foundation

extension Dynamics365Fake {
    /// A column value as the fake stores it.
    public enum Cell: Sendable, Equatable {
        /// A string, GUID, date or timestamp.
        case text(String)
        /// A whole number or choice value.
        case int(Int)
        /// A money or decimal value.
        case number(Double)
        /// No value.
        case null

        /// The value in a JSON answer.
        var json: Any {
            switch self {
            case .text(let text): text
            case .int(let value): value
            case .number(let value): value
            case .null: NSNull()
            }
        }
    }

    /// A row: logical column name → value.
    public typealias Row = [String: Cell]

    /// What a column holds.
    enum Kind: Sendable, Equatable {
        case text(max: Int)
        case int
        case money
        case date
        case dateTime
        case guid
    }

    /// A single-valued navigation property that `@odata.bind` sets: the lookup it fills and the
    /// entity set it points to.
    struct Navigation: Sendable {
        var lookup: String
        var entitySet: String
    }

    /// A table's definition as far as the fake needs it.
    struct Table: Sendable {
        var entitySet: String
        var logicalName: String
        var schemaName: String
        var objectTypeCode: Int
        var key: String
        var columns: [String: Kind]
        /// Columns the platform sets (not accepted in a create body).
        var readOnly: Set<String>
        var navigation: [String: Navigation]
        /// The `fullname` parts, for tables that compose one.
        var composesFullName: Bool
    }

    static let tables: [String: Table] = [
        "contacts": Table(
            entitySet: "contacts", logicalName: "contact", schemaName: "Contact", objectTypeCode: 2, key: "contactid",
            columns: [
                "contactid": .guid, "firstname": .text(max: 50), "lastname": .text(max: 50), "fullname": .text(max: 160),
                "emailaddress1": .text(max: 100), "telephone1": .text(max: 50), "jobtitle": .text(max: 100), "_parentcustomerid_value": .guid,
                "createdon": .dateTime, "modifiedon": .dateTime, "statecode": .int, "versionnumber": .int,
            ],
            readOnly: ["fullname", "_parentcustomerid_value", "createdon", "modifiedon", "versionnumber"],
            navigation: [
                "parentcustomerid_account": Navigation(lookup: "_parentcustomerid_value", entitySet: "accounts"),
                "parentcustomerid_contact": Navigation(lookup: "_parentcustomerid_value", entitySet: "contacts"),
            ], composesFullName: true),
        "leads": Table(
            entitySet: "leads", logicalName: "lead", schemaName: "Lead", objectTypeCode: 4, key: "leadid",
            columns: [
                "leadid": .guid, "subject": .text(max: 300), "firstname": .text(max: 50), "lastname": .text(max: 50), "fullname": .text(max: 160),
                "companyname": .text(max: 100), "emailaddress1": .text(max: 100), "telephone1": .text(max: 50), "jobtitle": .text(max: 100),
                "leadsourcecode": .int, "description": .text(max: 2000), "statecode": .int, "statuscode": .int, "createdon": .dateTime,
                "modifiedon": .dateTime, "versionnumber": .int,
            ],
            readOnly: ["fullname", "createdon", "modifiedon", "versionnumber"], navigation: [:], composesFullName: true),
        "opportunities": Table(
            entitySet: "opportunities", logicalName: "opportunity", schemaName: "Opportunity", objectTypeCode: 3, key: "opportunityid",
            columns: [
                "opportunityid": .guid, "name": .text(max: 300), "estimatedvalue": .money, "estimatedclosedate": .date, "statecode": .int,
                "statuscode": .int, "stepname": .text(max: 200), "_customerid_value": .guid, "createdon": .dateTime, "modifiedon": .dateTime,
                "versionnumber": .int,
            ],
            readOnly: ["_customerid_value", "createdon", "modifiedon", "versionnumber"],
            navigation: [
                "customerid_account": Navigation(lookup: "_customerid_value", entitySet: "accounts"),
                "customerid_contact": Navigation(lookup: "_customerid_value", entitySet: "contacts"),
            ], composesFullName: false),
    ]

    /// The leadsourcecode choices: 1 Advertisement … 8 Web, 9 Word of Mouth, 10 Other.
    static let leadSources = 1...10

    /// A contact row.
    static func contact(id: String, first: String?, last: String, email: String?, account: String?, modified: Date, job: String? = nil)
        -> Row
    {
        [
            "contactid": .text(id), "firstname": first.map(Cell.text) ?? .null, "lastname": .text(last),
            "fullname": .text([first, last].compactMap { $0 }.joined(separator: " ")), "emailaddress1": email.map(Cell.text) ?? .null,
            "telephone1": .null, "jobtitle": job.map(Cell.text) ?? .null, "_parentcustomerid_value": account.map(Cell.text) ?? .null,
            "createdon": .text(timestamp(modified - 86_400)), "modifiedon": .text(timestamp(modified)), "statecode": .int(0),
            "versionnumber": .int(72_201_545 + Int(modified.timeIntervalSince1970) % 1_000_000),
        ]
    }

    static func opportunity(_ id: String, _ name: String, value: Double, close: String, state: Int, status: Int, step: String, customer: String)
        -> Row
    {
        [
            "opportunityid": .text(id), "name": .text(name), "estimatedvalue": .number(value), "estimatedclosedate": .text(close),
            "statecode": .int(state), "statuscode": .int(status), "stepname": .text(step), "_customerid_value": .text(customer),
            "createdon": .text("2026-09-01T09:00:00Z"), "modifiedon": .text("2026-11-20T16:30:00Z"), "versionnumber": .int(80_648_695),
        ]
    }

    /// Four contacts (Yvonne McKay newest… Maria Campbell oldest, without an account) and four
    /// opportunities (two open, one won, one lost).
    static func seed(now: Date) -> [String: [Row]] {
        let day: TimeInterval = 86_400
        return [
            "contacts": [
                contact(
                    id: "49b0be2e-d01c-ed11-b83e-000d3a572421", first: "Yvonne", last: "McKay", email: "yvonne@fourthcoffee.example",
                    account: fourthCoffee, modified: now - 1 * day, job: "Purchasing Manager"),
                contact(
                    id: "70bf4d48-34cb-ed11-b596-0022481d68cd", first: "Susanna", last: "Stubberod", email: "susanna@litware.example",
                    account: litware, modified: now - 2 * day),
                contact(
                    id: "72bf4d48-34cb-ed11-b596-0022481d68cd", first: "Nancy", last: "Anderson", email: "nancy@fourthcoffee.example",
                    account: fourthCoffee, modified: now - 3 * day),
                contact(
                    id: "74bf4d48-34cb-ed11-b596-0022481d68cd", first: "Maria", last: "Campbell", email: nil, account: nil, modified: now - 10 * day),
            ],
            "leads": [],
            "opportunities": [
                opportunity(
                    "b6ea9a1f-3c4d-ed11-bba1-000d3a5a1f61", "10 Airpot Coffee Makers", value: 25_000, close: "2026-12-31", state: 0, status: 1,
                    step: "2-Develop", customer: fourthCoffee),
                opportunity(
                    "c1f0e2a8-3c4d-ed11-bba1-000d3a5a1f61", "Espresso machines for Litware", value: 48_000, close: "2027-01-15", state: 0,
                    status: 2, step: "3-Propose", customer: litware),
                opportunity(
                    "d2a1b3c4-3c4d-ed11-bba1-000d3a5a1f61", "Cold brew kit", value: 9_000, close: "2026-11-01", state: 1, status: 3,
                    step: "4-Close", customer: fourthCoffee),
                opportunity(
                    "e3b2c4d5-3c4d-ed11-bba1-000d3a5a1f61", "Barista training", value: 3_000, close: "2026-10-01", state: 2, status: 4,
                    step: "1-Qualify", customer: litware),
            ],
        ]
    }
}
