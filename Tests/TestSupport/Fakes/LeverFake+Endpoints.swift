// Lever's opportunities and postings endpoints, as LeverFake.swift cites them
// (https://hire.lever.co/developer/documentation: "Pagination", "Opportunities" — list all
// opportunities, retrieve a single opportunity —, "Postings" — list all postings; the
// opportunity and posting objects as that page shows them).

public import Foundation
import Synchronization

extension LeverFake {
    /// A pipeline stage (`id`, `text`), as `GET /stages` lists them.
    public static let stages: [(id: String, text: String)] = [
        ("lead-new", "New lead"), ("lead-reached-out", "Reached out"), ("applicant-new", "New applicant"),
        ("d7a9e7c0-0d1e-4f0a-9a3b-5c2f8e1b6a41", "Phone screen"), ("offer", "Offer"),
    ]
    /// The values `expand` takes on opportunities.
    static let opportunityExpansions: Set<String> = ["applications", "stage", "owner", "followers", "sourcedBy", "contact"]
    /// The posting states.
    public static let postingStates: Set<String> = ["published", "internal", "closed", "draft", "pending", "rejected"]
    /// The most a page holds (`limit` 1–100).
    public static let maxPageSize = 100

    /// An opportunity as the fake stores it.
    public struct Opportunity: Sendable {
        /// The opportunity id (a UUID).
        public var id: String
        /// The contact's name.
        public var name: String
        /// The contact's headline.
        public var headline: String
        /// The contact id.
        public var contact: String
        /// The contact's email addresses.
        public var emails: [String]
        /// The stage id.
        public var stage: String
        /// `applied`, `sourced`, `referred`, `agency`, `university` or `internal`.
        public var origin: String
        /// The posting applied to.
        public var posting: String
        /// Tags.
        public var tags: [String]
        /// Sources.
        public var sources: [String]
        /// Created, milliseconds since the epoch.
        public var createdAt: Int64
        /// Last updated, milliseconds since the epoch.
        public var updatedAt: Int64
    }

    /// A job posting.
    public struct Posting: Sendable {
        /// The posting id (a UUID).
        public var id: String
        /// The title.
        public var text: String
        /// One of `postingStates`.
        public var state: String
        /// `categories.team`.
        public var team: String
        /// `categories.location`.
        public var location: String
        /// `categories.commitment`.
        public var commitment: String
        /// Created, milliseconds since the epoch.
        public var createdAt: Int64
        /// Last updated, milliseconds since the epoch.
        public var updatedAt: Int64
    }

    /// Milliseconds since the epoch.
    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    static func seedPostings() -> [Posting] {
        let now = millis(Date())
        let day: Int64 = 86_400_000
        return [
            Posting(
                id: "5e1f1d6b-7a2c-4c34-9c0e-2b8f6f0e4a11", text: "Growth Marketer", state: "published", team: "Marketing",
                location: "Remote", commitment: "Full-time", createdAt: now - 40 * day, updatedAt: now - 2 * day),
            Posting(
                id: "8c4b2a90-1f3e-4d5a-8b6c-7d9e0f1a2b33", text: "Backend Engineer", state: "published", team: "Engineering",
                location: "London", commitment: "Full-time", createdAt: now - 20 * day, updatedAt: now - day),
            Posting(
                id: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c55", text: "Internal Tools Lead", state: "internal", team: "Engineering",
                location: "New York", commitment: "Full-time", createdAt: now - 30 * day, updatedAt: now - 10 * day),
            Posting(
                id: "0f9e8d7c-6b5a-4e3d-9c2b-1a0f9e8d7c66", text: "Office Manager", state: "closed", team: "Operations",
                location: "London", commitment: "Part-time", createdAt: now - 200 * day, updatedAt: now - 100 * day),
            Posting(
                id: "3c2b1a0f-9e8d-4c7b-a6f5-e4d3c2b1a077", text: "Data Analyst", state: "draft", team: "Engineering",
                location: "Remote", commitment: "Contract", createdAt: now - 3 * day, updatedAt: now - 3 * day),
        ]
    }

    static func seedOpportunities() -> [Opportunity] {
        let now = millis(Date())
        let day: Int64 = 86_400_000
        let growth = "5e1f1d6b-7a2c-4c34-9c0e-2b8f6f0e4a11"
        let backend = "8c4b2a90-1f3e-4d5a-8b6c-7d9e0f1a2b33"
        func make(_ id: String, _ name: String, _ email: String, _ stage: String, _ origin: String, _ posting: String, created: Int64, updated: Int64)
            -> Opportunity
        {
            Opportunity(
                id: id, name: name, headline: "Candidate at \(name.split(separator: " ").last ?? "")", contact: UUID().uuidString.lowercased(),
                emails: [email], stage: stage, origin: origin, posting: posting, tags: origin == "referred" ? ["Referral"] : [],
                sources: origin == "applied" ? ["Careers page"] : ["LinkedIn"], createdAt: now - created * day, updatedAt: now - updated * day)
        }
        return [
            make(
                "250d8f03-738a-4bba-a671-8a3d73477145", "Ada Lovelace", "ada@example.com", "d7a9e7c0-0d1e-4f0a-9a3b-5c2f8e1b6a41", "applied",
                backend, created: 12, updated: 1),
            make("6e3a1c2b-9f8d-4e7a-b6c5-d4e3f2a1b099", "Grace Hopper", "grace@example.com", "offer", "referred", backend, created: 30, updated: 5),
            make(
                "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c11", "Alan Turing", "alan@example.com", "applicant-new", "applied", growth, created: 6, updated: 6),
            make(
                "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e22", "Katherine Johnson", "kj@example.com", "lead-new", "sourced", growth, created: 2, updated: 2),
            make(
                "e5f6a7b8-c9d0-4e1f-a2b3-c4d5e6f7a833", "Edsger Dijkstra", "ewd@example.com", "lead-reached-out", "sourced", backend, created: 50,
                updated: 40),
        ]
    }

    /// Adds `count` applicants to `posting` (the Backend Engineer by default), created over the last minutes.
    public func addOpportunities(_ count: Int, posting: String = "8c4b2a90-1f3e-4d5a-8b6c-7d9e0f1a2b33") {
        let now = Self.millis(Date())
        state.withLock { state in
            for index in 0..<count {
                let at = now - Int64(count - index) * 60_000
                state.opportunities.append(
                    Opportunity(
                        id: UUID().uuidString.lowercased(), name: "Applicant No\(index)", headline: "Engineer",
                        contact: UUID().uuidString.lowercased(),
                        emails: ["applicant\(index)@example.com"], stage: "applicant-new", origin: "applied", posting: posting, tags: [],
                        sources: ["Careers page"], createdAt: at, updatedAt: at))
            }
        }
    }

    static func newestFirst(_ a: Opportunity, _ b: Opportunity) -> Bool { (a.createdAt, a.id) > (b.createdAt, b.id) }

    // MARK: - Paging

    /// The offset token after an item: a percent-encoded `[createdAt,"id"]`.
    static func offsetToken(createdAt: Int64, id: String) -> String {
        "[\(createdAt),\"\(id)\"]".addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-"))) ?? ""
    }

    /// `limit` and where the page starts, or Lever's 400.
    static func page(_ request: Request, keys: [(createdAt: Int64, id: String)]) -> Result<(limit: Int, start: Int), Refusal> {
        let query = request.queryItems
        let limitText = query["limit"]?.last
        guard let limit = limitText.map({ Int($0) }) ?? Self.maxPageSize, (1...Self.maxPageSize).contains(limit) else {
            return .failure(Refusal(reply: Self.error(400, "BadRequestError", "limit must be an integer between 1 and 100")))
        }
        guard let offset = query["offset"]?.last else { return .success((limit, 0)) }
        guard let index = keys.firstIndex(where: { offsetToken(createdAt: $0.createdAt, id: $0.id) == offset }) else {
            return .failure(Refusal(reply: Self.error(400, "BadRequestError", "Invalid offset")))
        }
        return .success((limit, index + 1))
    }

    /// `{data, hasNext, next}` for `items[start..<start+limit]`.
    static func pageReply(_ items: [[String: Any]], keys: [(createdAt: Int64, id: String)], limit: Int, start: Int) -> Reply {
        let end = min(items.count, start + limit)
        var body: [String: Any] = ["data": start < end ? Array(items[start..<end]) : [], "hasNext": end < items.count]
        if end < items.count, end > 0 { body["next"] = offsetToken(createdAt: keys[end - 1].createdAt, id: keys[end - 1].id) }
        return .json(200, object: body)
    }

    /// A refusal carried through a `Result`.
    struct Refusal: Error {
        var reply: Reply
    }

    /// A millisecond filter (`updated_at_start`…), nil when absent; a 400 when not an integer.
    static func millisFilter(_ request: Request, _ name: String) -> Result<Int64?, Refusal> {
        guard let text = request.queryItems[name]?.last else { return .success(nil) }
        guard let value = Int64(text), value >= 0 else {
            return .failure(Refusal(reply: Self.error(400, "BadRequestError", "\(name) must be a timestamp in milliseconds")))
        }
        return .success(value)
    }

    // MARK: - Opportunities

    func listOpportunities(_ request: Request) -> Reply {
        let query = request.queryItems
        var bounds: [String: Int64] = [:]
        for name in ["created_at_start", "created_at_end", "updated_at_start", "updated_at_end"] {
            switch Self.millisFilter(request, name) {
            case .failure(let refusal): return refusal.reply
            case .success(let value): if let value { bounds[name] = value }
            }
        }
        guard let expand = Self.expansions(query["expand"]) else { return Self.error(400, "BadRequestError", "Invalid expand parameter") }
        let postingIDs = query["posting_id"].map(Set.init)
        let stageIDs = query["stage_id"].map(Set.init)
        let emails = query["email"].map { Set($0.map { $0.lowercased() }) }
        let tags = query["tag"].map(Set.init)
        let origins = query["origin"].map(Set.init)
        let chosen = state.withLock { $0.opportunities }.sorted(by: Self.newestFirst).filter { item in
            if let postingIDs, !postingIDs.contains(item.posting) { return false }
            if let stageIDs, !stageIDs.contains(item.stage) { return false }
            if let emails, !item.emails.contains(where: { emails.contains($0.lowercased()) }) { return false }
            if let tags, tags.isDisjoint(with: item.tags) { return false }
            if let origins, !origins.contains(item.origin) { return false }
            if let start = bounds["created_at_start"], item.createdAt < start { return false }
            if let end = bounds["created_at_end"], item.createdAt > end { return false }
            if let start = bounds["updated_at_start"], item.updatedAt < start { return false }
            if let end = bounds["updated_at_end"], item.updatedAt > end { return false }
            return true
        }
        let keys = chosen.map { (createdAt: $0.createdAt, id: $0.id) }
        switch Self.page(request, keys: keys) {
        case .failure(let refusal): return refusal.reply
        case .success(let page):
            return Self.pageReply(chosen.map { opportunityJSON($0, expand: expand) }, keys: keys, limit: page.limit, start: page.start)
        }
    }

    func getOpportunity(_ id: String, _ request: Request) -> Reply {
        guard let expand = Self.expansions(request.queryItems["expand"]) else {
            return Self.error(400, "BadRequestError", "Invalid expand parameter")
        }
        guard let found = state.withLock({ $0.opportunities.first { $0.id == id } }) else {
            return Self.error(404, "ResourceNotFound", "Opportunity \(id) not found")
        }
        return .json(200, object: ["data": opportunityJSON(found, expand: expand)])
    }

    /// The `expand` values (repeatable), nil when one is unknown.
    static func expansions(_ values: [String]?) -> Set<String>? {
        let names = Set((values ?? []).flatMap { $0.split(separator: ",").map(String.init) })
        return names.isSubset(of: opportunityExpansions) ? names : nil
    }

    func opportunityJSON(_ item: Opportunity, expand: Set<String>) -> [String: Any] {
        let stage: Any =
            expand.contains("stage")
            ? (["id": item.stage, "text": Self.stages.first { $0.id == item.stage }?.text ?? ""] as [String: Any]) as Any : item.stage as Any
        let application = "ap-" + item.id.suffix(12)
        let applications: Any =
            expand.contains("applications")
            ? ([["id": application, "type": item.origin == "applied" ? "posting" : "user", "posting": item.posting, "opportunityId": item.id]]
                as [[String: Any]]) as Any
            : [application] as Any
        let owner = "c895b832-820c-4f93-b873-23d5c8443acd"
        let contact: Any =
            expand.contains("contact")
            ? (["id": item.contact, "name": item.name, "emails": item.emails] as [String: Any]) as Any : item.contact as Any
        let ownerValue: Any = expand.contains("owner") ? (["id": owner, "name": "Rachel Recruiter"] as [String: Any]) as Any : owner as Any
        let stageChanges: [[String: Any]] = [["toStageId": item.stage, "toStageIndex": 1, "updatedAt": item.updatedAt, "userId": owner]]
        let phones: [[String: Any]] = [["type": "mobile", "value": "+1 555 0100"]]
        let links: [String] = []
        return [
            "id": item.id, "name": item.name, "headline": item.headline,
            "contact": contact, "emails": item.emails, "phones": phones, "confidentiality": "non-confidential",
            "location": "Remote", "links": links, "archived": NSNull(), "tags": item.tags, "sources": item.sources,
            "stageChanges": stageChanges, "origin": item.origin, "sourcedBy": NSNull(), "owner": ownerValue,
            "followers": [owner], "applications": applications, "stage": stage, "createdAt": item.createdAt,
            "updatedAt": item.updatedAt, "lastInteractionAt": item.updatedAt, "lastAdvancedAt": item.updatedAt, "snoozedUntil": NSNull(),
            "urls": ["list": "https://hire.lever.co/candidates", "show": "https://hire.lever.co/candidates/\(item.id)"],
            "isAnonymized": false, "dataProtection": NSNull(),
        ]
    }

    // MARK: - Postings

    func listPostings(_ request: Request) -> Reply {
        let query = request.queryItems
        let states = query["state"].map(Set.init)
        if let states, !states.isSubset(of: Self.postingStates) { return Self.error(400, "BadRequestError", "Invalid state parameter") }
        var bounds: [String: Int64] = [:]
        for name in ["updated_at_start", "updated_at_end"] {
            switch Self.millisFilter(request, name) {
            case .failure(let refusal): return refusal.reply
            case .success(let value): if let value { bounds[name] = value }
            }
        }
        let teams = query["team"].map(Set.init)
        let locations = query["location"].map(Set.init)
        let commitments = query["commitment"].map(Set.init)
        let chosen = state.withLock { $0.postings }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.filter { posting in
            if let states, !states.contains(posting.state) { return false }
            if let teams, !teams.contains(posting.team) { return false }
            if let locations, !locations.contains(posting.location) { return false }
            if let commitments, !commitments.contains(posting.commitment) { return false }
            if let start = bounds["updated_at_start"], posting.updatedAt < start { return false }
            if let end = bounds["updated_at_end"], posting.updatedAt > end { return false }
            return true
        }
        let keys = chosen.map { (createdAt: $0.createdAt, id: $0.id) }
        switch Self.page(request, keys: keys) {
        case .failure(let refusal): return refusal.reply
        case .success(let page): return Self.pageReply(chosen.map(Self.postingJSON), keys: keys, limit: page.limit, start: page.start)
        }
    }

    static func postingJSON(_ posting: Posting) -> [String: Any] {
        let user = "c895b832-820c-4f93-b873-23d5c8443acd"
        let categories: [String: Any] = [
            "team": posting.team, "department": posting.team, "location": posting.location, "commitment": posting.commitment,
            "allLocations": [posting.location],
        ]
        let content: [String: Any] = [
            "description": "About the role", "descriptionHtml": "<div>About the role</div>", "lists": [String](), "closing": "", "closingHtml": "",
        ]
        let urls: [String: String] = [
            "list": "https://jobs.lever.co/acme", "show": "https://jobs.lever.co/acme/\(posting.id)",
            "apply": "https://jobs.lever.co/acme/\(posting.id)/apply",
        ]
        let channels: [String] = posting.state == "published" ? ["public", "internal"] : ["internal"]
        let country = posting.location == "London" ? "GB" : "US"
        let workplace = posting.location == "Remote" ? "remote" : "onsite"
        return [
            "id": posting.id, "text": posting.text, "createdAt": posting.createdAt, "updatedAt": posting.updatedAt, "user": user,
            "owner": user, "hiringManager": user, "confidentiality": "non-confidential",
            "categories": categories, "content": content, "country": country, "followers": [user], "tags": [String](),
            "state": posting.state, "distributionChannels": channels, "reqCode": NSNull(), "requisitionCodes": [String](),
            "salaryDescription": "", "salaryRange": NSNull(), "workplaceType": workplace, "urls": urls,
        ]
    }
}
