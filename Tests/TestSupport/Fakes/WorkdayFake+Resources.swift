import Foundation
import Synchronization

// The collections of `WorkdayFake`: common v1 workers and recruiting v4 job postings and
// prospects, paged as Workday's REST services page (`limit` default 20, maximum 100, zero-based
// `offset`, `{"total", "data"}`), per Workday's OpenAPI documents
// (konfig-sdks/workday-staffing-java-sdk api/openapi.yaml: MULTIPLE_INSTANCE_MODEL_REFERENCE, the
// limit/offset/search parameters) and the REST API directory
// (https://community.workday.com/sites/default/files/file-hosting/restapi/index.html).
extension WorkdayFake {
    /// The documented default page size.
    static let defaultLimit = 20
    /// The documented maximum page size.
    static let maximumLimit = 100

    /// `limit` and `offset` from the query, or the 400 Workday answers (assumed wording).
    static func paging(_ request: Request) -> Result<(limit: Int, offset: Int), Refusal> {
        let query = request.queryItems
        var limit = defaultLimit
        var offset = 0
        if let raw = query["limit"]?.last {
            guard let value = Int(raw), value >= 1 else {
                return .failure(Refusal(reply: invalid("The limit must be a whole number from 1 to 100.", field: "limit")))
            }
            guard value <= maximumLimit else {
                return .failure(Refusal(reply: invalid("The limit must be less than or equal to 100.", field: "limit")))
            }
            limit = value
        }
        if let raw = query["offset"]?.last {
            guard let value = Int(raw), value >= 0 else {
                return .failure(Refusal(reply: invalid("The offset must be a whole number of 0 or more.", field: "offset")))
            }
            offset = value
        }
        return .success((limit, offset))
    }

    private static func invalid(_ message: String, field: String) -> Reply {
        apiError(400, "invalid request", details: [(message, field)])
    }

    /// One page of `items` as `{"total": N, "data": [...]}`.
    private static func page<Item>(_ items: [Item], _ request: Request, _ render: (Item) -> [String: Any]) -> Reply {
        switch paging(request) {
        case .failure(let refusal):
            return refusal.reply
        case .success(let (limit, offset)):
            let slice = offset < items.count ? Array(items[offset..<min(items.count, offset + limit)]) : []
            return .json(200, object: ["total": items.count, "data": slice.map(render)] as [String: Any])
        }
    }

    // MARK: - Workers

    /// `GET …/workers/{ID}` and `…/workers/me`.
    func worker(id: String) -> Reply {
        guard let worker = state.withLock({ $0.workers.first { $0.id == id } }) else {
            return Self.apiError(404, "Resource not found", details: [("The resource you have specified cannot be found.", "ID")])
        }
        return .json(200, object: render(worker))
    }

    /// `GET …/workers?search&limit&offset`: `search` is case-insensitive and space-delimited terms
    /// are ORed; a term matches a name containing it or a worker ID equal to it.
    func listWorkers(_ request: Request) -> Reply {
        let terms = (request.queryItems["search"]?.last ?? "").lowercased().split(separator: " ").map(String.init)
        let matching = workers.filter { worker in
            terms.isEmpty || terms.contains { worker.name.lowercased().contains($0) || worker.workerID.lowercased() == $0 }
        }
        return Self.page(matching, request) { render($0) }
    }

    private func render(_ worker: Worker) -> [String: Any] {
        [
            "id": worker.id, "descriptor": worker.name, "href": "\(apiBaseURL)/common/v1/\(tenant)/workers/\(worker.id)",
            "workerId": worker.workerID, "businessTitle": worker.businessTitle, "primaryWorkEmail": worker.email,
            "primaryWorkPhone": worker.phone, "isManager": worker.isManager,
            "primarySupervisoryOrganization": [
                "id": worker.organizationID, "descriptor": worker.organizationName,
                "href": "\(apiBaseURL)/common/v1/\(tenant)/supervisoryOrganizations/\(worker.organizationID)",
            ],
        ]
    }

    // MARK: - Recruiting

    /// `GET …/jobPostings?limit&offset`.
    func listJobPostings(_ request: Request) -> Reply {
        Self.page(jobPostings, request) { posting in
            var item: [String: Any] = [
                "id": posting.id, "descriptor": posting.title, "href": "\(apiBaseURL)/recruiting/v4/\(tenant)/jobPostings/\(posting.id)",
                "jobPostingSite": ["id": Self.wid("site", posting.site.count), "descriptor": posting.site],
                "jobRequisition": ["id": Self.wid("req", posting.requisition.count), "descriptor": posting.requisition],
                "startDate": posting.startDate, "url": posting.url,
            ]
            if let end = posting.endDate { item["endDate"] = end }
            return item
        }
    }

    /// `GET …/prospects?limit&offset`.
    func listProspects(_ request: Request) -> Reply {
        Self.page(prospects, request) { prospect in
            [
                "id": prospect.id, "descriptor": prospect.name, "href": "\(apiBaseURL)/recruiting/v4/\(tenant)/prospects/\(prospect.id)",
                "candidate": ["id": Self.wid("candidate", Int(prospect.id.prefix(8), radix: 16) ?? 0), "descriptor": prospect.name],
                "status": ["id": Self.wid("status", prospect.status.count), "descriptor": prospect.status],
                "source": ["id": Self.wid("source", prospect.source.count), "descriptor": prospect.source],
            ]
        }
    }

    // MARK: - Seed data

    /// A deterministic 32-hex-digit Workday ID for `kind` and `index`.
    static func wid(_ kind: String, _ index: Int) -> String {
        let seed = kind.utf8.reduce(UInt64(1_469_598_103_934_665_603)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        let a = seed &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
        let b = (a ^ (a >> 29)) &* 0xBF58_476D_1CE4_E5B9
        return String(format: "%016llx%016llx", a, b)
    }

    private static let firstNames = [
        "Logan", "Ada", "Grace", "Alan", "Maya", "Omar", "Priya", "Lucas", "Sofia", "Kenji", "Amara", "Noah", "Elena", "Ravi", "Chloe",
        "Mateo", "Hana", "Felix", "Zara", "Tariq", "Ingrid", "Diego", "Leila",
    ]
    private static let lastNames = ["McNeil", "Lovelace", "Hopper", "Turing", "Okafor", "Haddad", "Nair", "Moreau", "Rossi", "Tanaka"]
    private static let titles = ["Software Engineer", "Account Executive", "HR Partner", "Financial Analyst", "Recruiter", "Designer"]
    private static let organizations = ["Engineering", "Sales", "People", "Finance", "Talent Acquisition", "Design"]

    /// `count` workers: names first-name-major (so searches hit several), Employee IDs from 21001,
    /// one manager in ten; the first is Logan McNeil, a manager in Engineering.
    static func seedWorkers(count: Int) -> [Worker] {
        (0..<count).map { index in
            let first = firstNames[index % firstNames.count]
            let last = lastNames[(index / firstNames.count) % lastNames.count]
            let suffix = index < firstNames.count * lastNames.count ? "" : " \(index / (firstNames.count * lastNames.count) + 1)"
            let org = index % organizations.count
            return Worker(
                id: wid("worker", index), workerID: String(21_001 + index), name: "\(first) \(last)\(suffix)",
                businessTitle: index % 10 == 0 ? "\(organizations[org]) Manager" : titles[org],
                email: "\(first.lowercased()).\(last.lowercased())\(index)@neonhub-demo.example", phone: "+1 (415) 555-\(String(1000 + index))",
                isManager: index % 10 == 0, organizationID: wid("org", org), organizationName: organizations[org])
        }
    }

    /// 45 job postings on the external and internal career sites.
    static func seedJobPostings() -> [JobPosting] {
        (0..<45).map { index in
            let title = titles[index % titles.count]
            let day = 1 + index % 28
            return JobPosting(
                id: wid("posting", index), title: title, site: index % 3 == 0 ? "Internal Career Site" : "NeonHub External Careers",
                requisition: "R-\(String(format: "%05d", 100 + index)) \(title)", startDate: String(format: "2026-11-%02d", day),
                endDate: index % 4 == 0 ? nil : String(format: "2027-01-%02d", day),
                url: "https://neonhub.wd1.myworkdayjobs.com/External/job/R-\(String(format: "%05d", 100 + index))")
        }
    }

    /// 120 prospects from four sources, in four statuses.
    static func seedProspects() -> [Prospect] {
        let statuses = ["Active", "Contacted", "Engaged", "Inactive"]
        let sources = ["LinkedIn", "Referral", "Career Fair", "Agency"]
        return (0..<120).map { index in
            Prospect(
                id: wid("prospect", index), name: "\(firstNames[(index * 7) % firstNames.count]) Prospect\(index + 1)",
                status: statuses[index % statuses.count], source: sources[(index / 4) % sources.count])
        }
    }
}
