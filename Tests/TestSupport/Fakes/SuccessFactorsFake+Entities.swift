// The entities `SuccessFactorsFake` serves and their seed data. Property names from SAP's OData
// reference as SAP Cloud SDK's generated SFOData entities carry them (Candidate,
// JobRequisitionLocale; sources in SuccessFactorsFake.swift's header) and mtr-design's User
// sample; User status letters from SAP KBA 2736579. The seed values are made up.

import Foundation
import Synchronization

extension SuccessFactorsFake {
    /// An EDM type, as far as the fake needs it.
    enum Kind {
        case string
        case int32
        /// Edm.Int64: a JSON string in OData v2.
        case int64
        /// Edm.DateTime: `/Date(ms)/`.
        case dateTime
        /// Edm.DateTimeOffset: `/Date(ms+0000)/`.
        case dateTimeOffset

        var isDate: Bool { self == .dateTime || self == .dateTimeOffset }
    }

    /// The entity sets under `/odata/v2`.
    enum Entity: String {
        case user = "User"
        case jobRequisition = "JobRequisition"
        case candidate = "Candidate"

        var key: String {
            switch self {
            case .user: "userId"
            case .jobRequisition: "jobReqId"
            case .candidate: "candidateId"
            }
        }

        var properties: [String: Kind] {
            switch self {
            case .user:
                [
                    "userId": .string, "username": .string, "firstName": .string, "lastName": .string, "defaultFullName": .string,
                    "email": .string, "title": .string, "department": .string, "division": .string, "status": .string,
                    "timeZone": .string, "lastModifiedDateTime": .dateTimeOffset,
                ]
            case .jobRequisition:
                [
                    "jobReqId": .int64, "internalStatus": .string, "numberOpenings": .int32, "templateId": .int64,
                    "createdDateTime": .dateTime, "lastModifiedDateTime": .dateTimeOffset,
                ]
            case .candidate:
                [
                    "candidateId": .int64, "firstName": .string, "lastName": .string, "contactEmail": .string, "primaryEmail": .string,
                    "country": .string, "city": .string, "currentTitle": .string, "creationDateTime": .dateTime,
                    "lastModifiedDateTime": .dateTimeOffset,
                ]
            }
        }

        /// Navigation properties (one-to-many) and the entity type they lead to.
        var navigation: [String: String] { self == .jobRequisition ? ["jobReqLocale": "JobRequisitionLocale"] : [:] }
    }

    /// JobRequisitionLocale's properties.
    static let localeProperties: [String: Kind] = [
        "jobReqLocalId": .int64, "jobReqId": .int64, "locale": .string, "jobTitle": .string, "externalTitle": .string, "status": .string,
    ]

    /// The entity's rows, each with its key text and its `jobReqLocale` rows.
    func rows(_ entity: Entity) -> [(key: String, row: Row, locales: [Row])] {
        state.withLock { state in
            switch entity {
            case .user:
                return state.users.map { user in
                    let row: Row = [
                        "userId": .text(user.userID), "username": .text(user.username), "firstName": .text(user.firstName),
                        "lastName": .text(user.lastName), "defaultFullName": .text("\(user.firstName) \(user.lastName)"),
                        "email": .text(user.email), "title": .text(user.title), "department": .text(user.department),
                        "division": .text("Industries (IND)"), "status": .text(user.status), "timeZone": .text("US/Eastern"),
                        "lastModifiedDateTime": .date(user.lastModified),
                    ]
                    return ("'\(user.userID)'", row, [])
                }
            case .jobRequisition:
                return state.requisitions.map { requisition in
                    let row: Row = [
                        "jobReqId": .number(requisition.jobReqID), "internalStatus": .text(requisition.internalStatus),
                        "numberOpenings": .number(requisition.numberOpenings), "templateId": .number(541),
                        "createdDateTime": .date(requisition.created), "lastModifiedDateTime": .date(requisition.lastModified),
                    ]
                    let locales = requisition.locales.enumerated().map { index, locale -> Row in
                        [
                            "jobReqLocalId": .number(requisition.jobReqID * 10 + index), "jobReqId": .number(requisition.jobReqID),
                            "locale": .text(locale.locale), "jobTitle": .text(locale.jobTitle), "externalTitle": .text(locale.jobTitle),
                            "status": .text("Active"),
                        ]
                    }
                    return ("\(requisition.jobReqID)L", row, locales)
                }
            case .candidate:
                return state.candidates.map { candidate in
                    let row: Row = [
                        "candidateId": .number(candidate.candidateID), "firstName": .text(candidate.firstName),
                        "lastName": .text(candidate.lastName), "contactEmail": .text(candidate.contactEmail),
                        "primaryEmail": .text(candidate.contactEmail), "country": .text(candidate.country), "city": .null,
                        "currentTitle": .null, "creationDateTime": .date(candidate.created), "lastModifiedDateTime": .date(candidate.lastModified),
                    ]
                    return ("\(candidate.candidateID)L", row, [])
                }
            }
        }
    }

    /// A cell as OData v2 JSON writes it.
    static func json(_ value: Value, _ kind: Kind) -> Any {
        switch value {
        case .text(let text): return text
        case .number(let number): return kind == .int64 ? String(number) : number
        case .bool(let flag): return flag
        case .null: return NSNull()
        case .date(let date):
            let millis = Int((date.timeIntervalSince1970 * 1000).rounded())
            return kind == .dateTimeOffset ? "/Date(\(millis)+0000)/" : "/Date(\(millis))/"
        }
    }

    // MARK: - Seeds

    static let firstNames = ["Emily", "Carla", "Marcus", "Aiko", "Liam", "Priya", "Jonas", "Fatima", "Diego", "Hannah", "Omar", "Sofia"]
    static let lastNames = ["Clark", "Grant", "Weber", "Tanaka", "Murphy", "Shah", "Berg", "Haddad", "Ramos", "Keller", "Nasser", "Rossi"]
    static let departments = ["Marketing", "Sales", "Engineering", "Finance", "People"]

    /// `sfadmin` (active) first, then `count - 1` users; every tenth inactive (`f`).
    static func seedUsers(count: Int) -> [User] {
        guard count > 0 else { return [] }
        var users = [
            User(
                userID: "sfadmin", username: "sfadmin", firstName: "Emily", lastName: "Clark", email: "emily.clark@neonhub.example",
                title: "HR Administrator", department: "People")
        ]
        let base = Date(timeIntervalSince1970: 1_726_000_000)
        for index in 1..<count {
            let first = firstNames[index % firstNames.count]
            let last = lastNames[(index / firstNames.count) % lastNames.count]
            users.append(
                User(
                    userID: String(format: "%05d", 10_000 + index), username: "\(first.lowercased()).\(last.lowercased())\(index)",
                    firstName: first, lastName: last, email: "\(first.lowercased()).\(last.lowercased())\(index)@neonhub.example",
                    title: index % 7 == 0 ? "Manager" : "Specialist", department: departments[index % departments.count],
                    status: index % 10 == 0 ? "f" : "t", lastModified: base.addingTimeInterval(Double(index) * 3_600)))
        }
        return users
    }

    /// 230 requisitions (ids 1001…1230), English and German titles; every fifth `Closed`.
    static func seedRequisitions() -> [Requisition] {
        let titles = ["Account Executive", "Data Engineer", "Content Strategist", "Payroll Specialist", "Product Designer"]
        let base = Date(timeIntervalSince1970: 1_725_000_000)
        return (0..<230).map { index in
            let title = titles[index % titles.count]
            return Requisition(
                jobReqID: 1_001 + index, internalStatus: index % 5 == 4 ? "Closed" : "Approved", numberOpenings: 1 + index % 3,
                created: base.addingTimeInterval(Double(index) * 43_200), lastModified: base.addingTimeInterval(Double(index) * 43_200 + 7_200),
                locales: [("en_US", title), ("de_DE", "\(title) (m/w/d)")])
        }
    }

    /// 310 candidates (ids 5001…5310), one created every 6 hours from 2024-10-20.
    static func seedCandidates() -> [Candidate] {
        let countries = ["United States", "Germany", "India", "Brazil", "Japan"]
        let base = Date(timeIntervalSince1970: 1_729_382_400)
        return (0..<310).map { index in
            let first = firstNames[(index + 3) % firstNames.count]
            let last = lastNames[(index + 5) % lastNames.count]
            return Candidate(
                candidateID: 5_001 + index, firstName: first, lastName: last,
                contactEmail: "\(first.lowercased()).\(last.lowercased()).\(index)@mail.example", country: countries[index % countries.count],
                created: base.addingTimeInterval(Double(index) * 21_600), lastModified: base.addingTimeInterval(Double(index) * 21_600 + 600))
        }
    }
}
