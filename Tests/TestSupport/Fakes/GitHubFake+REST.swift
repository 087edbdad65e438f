// GitHub's REST endpoints of `GitHubFake`, as GitHubFake.swift cites them:
//   https://docs.github.com/en/rest/users/users#get-the-authenticated-user,
//   https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user,
//   https://docs.github.com/en/rest/issues/issues#list-repository-issues,
//   https://docs.github.com/en/rest/issues/issues#create-an-issue,
//   https://docs.github.com/en/rest/issues/comments#create-an-issue-comment,
//   https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
//   (descriptions/api.github.com/api.github.com.json in github.com/github/rest-api-description).

import Foundation
import HTTPFields
import Synchronization

extension GitHubFake {
    /// Adds `count` public repositories owned by the user (`octocat/repo-001`…), older than the seeded ones.
    public func addRepositories(_ count: Int) {
        state.withLock { state in
            for index in 0..<count {
                let time = Self.seedEpoch.addingTimeInterval(-TimeInterval((index + 1) * 3600))
                state.repositories.append(
                    Repository(
                        id: 2_000_000 + index, fullName: String(format: "octocat/repo-%03d", index + 1), isPrivate: false,
                        affiliation: "owner", hasIssues: true, milestones: [], updatedAt: time, createdAt: time))
            }
        }
    }

    /// Adds `count` open issues to `repository`, labelled `triage`, updated a minute apart.
    public func addIssues(_ count: Int, to repository: String = "octocat/Hello-World") {
        state.withLock { state in
            for _ in 0..<count {
                let number = (state.issues[repository]?.map(\.number).max() ?? 0) + 1
                let time = Self.seedEpoch.addingTimeInterval(TimeInterval(number * 60))
                state.issues[repository, default: []].append(
                    Issue(
                        id: state.nextIssueID, number: number, title: "Synthetic issue \(number)", body: nil, state: "open",
                        labels: ["triage"], assignees: [], milestone: nil, isPullRequest: false, author: "hubot", comments: 0,
                        createdAt: time, updatedAt: time))
                state.nextIssueID += 1
            }
        }
    }

    /// `per_page` (default 30, at most 100) and `page` (from 1) applied to `items`, with the
    /// `Link` header GitHub sends: next and last while there are more, prev and first after
    /// the first page; the links keep the request's other query parameters.
    func page(_ request: Request, _ items: [[String: Any]], linkPath: String) -> Reply {
        let query = request.queryItems
        let perPage = min(100, max(1, query["per_page"]?.last.flatMap(Int.init) ?? 30))
        let page = max(1, query["page"]?.last.flatMap(Int.init) ?? 1)
        let start = (page - 1) * perPage
        let slice = start < items.count ? Array(items[start..<min(items.count, start + perPage)]) : []
        let last = max(1, (items.count + perPage - 1) / perPage)
        // The other parameters, re-encoded as Rails does (a comma is %2C).
        var unreserved = CharacterSet.alphanumerics
        unreserved.insert(charactersIn: "-._~")
        let kept = query.filter { $0.key != "page" && $0.key != "per_page" }.sorted { $0.key < $1.key }.flatMap { name, values in
            values.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: unreserved) ?? $0)" }
        }
        func link(_ number: Int, _ rel: String) -> String {
            let text = (kept + ["per_page=\(perPage)", "page=\(number)"]).joined(separator: "&")
            return "<\(baseURL)\(linkPath)?\(text)>; rel=\"\(rel)\""
        }
        var links: [String] = []
        if page > 1 { links += [link(page - 1, "prev")] }
        if page < last { links += [link(page + 1, "next"), link(last, "last")] }
        if page > 1 { links += [link(1, "first")] }
        var headers = HTTPHeaders()
        if !links.isEmpty { headers.add(name: "Link", value: links.joined(separator: ", ")) }
        return .json(200, object: slice, headers: headers)
    }

    func user() -> Reply {
        let created = Self.timestamp(Date(timeIntervalSince1970: 1_295_981_077))
        let body: [String: Any] = [
            "login": Self.login, "id": Self.userID, "node_id": "MDQ6VXNlcjU4MzIzMQ==", "type": "User", "site_admin": false,
            "avatar_url": "https://avatars.githubusercontent.com/u/\(Self.userID)?v=4", "url": "https://api.github.com/users/\(Self.login)",
            "html_url": "https://github.com/\(Self.login)", "name": "The Octocat", "company": "@github", "blog": "https://github.blog",
            "location": "San Francisco", "email": "octocat@github.com", "bio": NSNull(), "public_repos": 8, "followers": 20,
            "following": 0, "created_at": created, "updated_at": created, "two_factor_authentication": true,
        ]
        return .json(200, object: body)
    }

    private func visible(_ repository: Repository, scopes: [String]) -> Bool { !repository.isPrivate || scopes.contains("repo") }

    func listRepositories(_ request: Request, scopes: [String]) -> Reply {
        let doc = "https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user"
        let query = request.queryItems.compactMapValues(\.last)
        if query["type"] != nil, query["visibility"] != nil || query["affiliation"] != nil {
            return Self.error(422, "If you specify visibility or affiliation, you cannot specify type.", doc: doc)
        }
        let visibility = query["visibility"] ?? "all"
        let affiliations = Set((query["affiliation"] ?? "owner,collaborator,organization_member").split(separator: ",").map(String.init))
        let type = query["type"] ?? "all"
        let sort = query["sort"] ?? "full_name"
        guard ["all", "public", "private"].contains(visibility) else {
            return Self.invalid("Repository", field: "visibility", code: "invalid", doc: doc)
        }
        guard affiliations.isSubset(of: ["owner", "collaborator", "organization_member"]) else {
            return Self.invalid("Repository", field: "affiliation", code: "invalid", doc: doc)
        }
        guard ["all", "owner", "public", "private", "member"].contains(type) else {
            return Self.invalid("Repository", field: "type", code: "invalid", doc: doc)
        }
        guard ["created", "updated", "pushed", "full_name"].contains(sort) else {
            return Self.invalid("Repository", field: "sort", code: "invalid", doc: doc)
        }
        let direction = query["direction"] ?? (sort == "full_name" ? "asc" : "desc")
        guard direction == "asc" || direction == "desc" else { return Self.invalid("Repository", field: "direction", code: "invalid", doc: doc) }
        var repositories = state.withLock { $0.repositories }.filter { repository in
            guard visible(repository, scopes: scopes), affiliations.contains(repository.affiliation) else { return false }
            switch (visibility, type) {
            case ("public", _), (_, "public"): return !repository.isPrivate
            case ("private", _), (_, "private"): return repository.isPrivate
            case (_, "owner"): return repository.affiliation == "owner"
            case (_, "member"): return repository.affiliation != "owner"
            default: return true
            }
        }
        repositories.sort { a, b in
            switch sort {
            case "full_name": return a.fullName.lowercased() < b.fullName.lowercased()
            case "created": return a.createdAt < b.createdAt
            default: return a.updatedAt < b.updatedAt
            }
        }
        if direction == "desc" { repositories.reverse() }
        return page(request, repositories.map(repositoryJSON), linkPath: "/user/repos")
    }

    func repositoryJSON(_ repository: Repository) -> [String: Any] {
        let parts = repository.fullName.split(separator: "/").map(String.init)
        let time = Self.timestamp(repository.updatedAt)
        return [
            "id": repository.id, "node_id": "R_kgDO\(repository.id)", "name": parts[1], "full_name": repository.fullName,
            "private": repository.isPrivate, "visibility": repository.isPrivate ? "private" : "public",
            "owner": ["login": parts[0], "type": parts[0].hasSuffix("-org") ? "Organization" : "User"],
            "html_url": "https://github.com/\(repository.fullName)", "url": "https://api.github.com/repos/\(repository.fullName)",
            "description": NSNull(), "fork": false, "has_issues": repository.hasIssues, "default_branch": "main",
            "created_at": Self.timestamp(repository.createdAt), "updated_at": time, "pushed_at": time,
            "open_issues_count": issues(in: repository.fullName).filter { $0.state == "open" }.count,
            "permissions": ["admin": repository.affiliation == "owner", "push": true, "pull": true],
        ]
    }

    /// The repository named `name` if the token sees it: 404 otherwise, 410 when its issues are off.
    private func repository(_ name: String, scopes: [String], doc: String) -> Result<Repository, FakeRefusal> {
        guard let repository = state.withLock({ $0.repositories.first { $0.fullName.lowercased() == name.lowercased() } }),
            visible(repository, scopes: scopes)
        else { return .failure(FakeRefusal(reply: Self.notFound(doc))) }
        guard repository.hasIssues else {
            return .failure(FakeRefusal(reply: Self.error(410, "Issues are disabled for this repo", doc: "https://docs.github.com/v3/issues/")))
        }
        return .success(repository)
    }

    struct FakeRefusal: Error { var reply: Reply }

    func listIssues(_ request: Request, repository name: String, scopes: [String]) -> Reply {
        let doc = "https://docs.github.com/rest/issues/issues#list-repository-issues"
        let repository: Repository
        switch self.repository(name, scopes: scopes, doc: doc) {
        case .success(let found): repository = found
        case .failure(let refusal): return refusal.reply
        }
        let query = request.queryItems.compactMapValues(\.last)
        let state = query["state"] ?? "open"
        let sort = query["sort"] ?? "created"
        let direction = query["direction"] ?? "desc"
        guard ["open", "closed", "all"].contains(state) else { return Self.invalid("Issue", field: "state", code: "invalid", doc: doc) }
        guard ["created", "updated", "comments"].contains(sort) else { return Self.invalid("Issue", field: "sort", code: "invalid", doc: doc) }
        guard direction == "asc" || direction == "desc" else { return Self.invalid("Issue", field: "direction", code: "invalid", doc: doc) }
        var since: Date?
        if let text = query["since"] {
            guard let date = ISO8601DateFormatter().date(from: text) else { return Self.invalid("Issue", field: "since", code: "invalid", doc: doc) }
            since = date
        }
        let labels = Set((query["labels"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        var found = issues(in: repository.fullName).filter { issue in
            (state == "all" || issue.state == state) && labels.isSubset(of: Set(issue.labels)) && (since.map { issue.updatedAt >= $0 } ?? true)
        }
        found.sort { a, b in
            switch sort {
            case "updated": return (a.updatedAt, a.number) < (b.updatedAt, b.number)
            case "comments": return (a.comments, a.number) < (b.comments, b.number)
            default: return (a.createdAt, a.number) < (b.createdAt, b.number)
            }
        }
        if direction == "desc" { found.reverse() }
        return page(request, found.map { issueJSON($0, repository: repository.fullName) }, linkPath: "/repositories/\(repository.id)/issues")
    }

    func issueJSON(_ issue: Issue, repository: String) -> [String: Any] {
        let api = "https://api.github.com/repos/\(repository)/issues/\(issue.number)"
        let html = "https://github.com/\(repository)/\(issue.isPullRequest ? "pull" : "issues")/\(issue.number)"
        let person = { (login: String) -> [String: Any] in
            ["login": login, "id": login == Self.login ? Self.userID : 108_110, "type": "User", "html_url": "https://github.com/\(login)"]
        }
        var json: [String: Any] = [
            "id": issue.id, "node_id": "I_kwDO\(issue.id)", "number": issue.number, "title": issue.title, "body": issue.body ?? NSNull(),
            "state": issue.state, "state_reason": issue.state == "closed" ? "completed" : NSNull(), "locked": false,
            "url": api, "html_url": html, "repository_url": "https://api.github.com/repos/\(repository)",
            "comments_url": "\(api)/comments", "comments": issue.comments, "user": person(issue.author),
            "labels": issue.labels.map { name in
                [
                    "id": name.utf8.reduce(208_045_946) { ($0 &* 31 &+ Int($1)) % 1_000_000_007 }, "name": name, "color": "d73a4a",
                    "default": name == "bug", "description": NSNull(),
                    "url": "https://api.github.com/repos/\(repository)/labels/\(name)",
                ] as [String: Any]
            },
            "assignee": issue.assignees.first.map(person) ?? NSNull(), "assignees": issue.assignees.map(person),
            "milestone": issue.milestone.map { ["number": $0, "title": "v\($0).0", "state": "open"] as [String: Any] } ?? NSNull(),
            "created_at": Self.timestamp(issue.createdAt), "updated_at": Self.timestamp(issue.updatedAt),
            "closed_at": issue.state == "closed" ? Self.timestamp(issue.updatedAt) : NSNull(),
            "author_association": issue.author == Self.login ? "OWNER" : "COLLABORATOR",
        ]
        if issue.isPullRequest {
            let pull = "https://api.github.com/repos/\(repository)/pulls/\(issue.number)"
            json["pull_request"] = ["url": pull, "html_url": html, "diff_url": "\(html).diff", "patch_url": "\(html).patch", "merged_at": NSNull()]
        }
        return json
    }

    func createIssue(_ request: Request, repository name: String, scopes: [String]) -> Reply {
        let doc = "https://docs.github.com/rest/issues/issues#create-an-issue"
        guard scopes.contains("repo") || scopes.contains("public_repo") else { return Self.notFound(doc) }
        let repository: Repository
        switch self.repository(name, scopes: scopes, doc: doc) {
        case .success(let found): repository = found
        case .failure(let refusal): return refusal.reply
        }
        guard let body = request.json as? [String: Any] else { return Self.error(400, "Problems parsing JSON", doc: doc) }
        let title: String
        switch body["title"] {
        case let text as String where !text.isEmpty: title = text
        case let number as Int: title = String(number)
        default: return Self.invalid("Issue", field: "title", code: "missing_field", doc: doc)
        }
        var text: String?
        if let value = body["body"], !(value is NSNull) {
            guard let string = value as? String else { return Self.invalid("Issue", field: "body", code: "invalid", doc: doc) }
            text = string
        }
        var labels: [String] = []
        if let value = body["labels"], !(value is NSNull) {
            guard let list = value as? [Any] else { return Self.invalid("Issue", field: "labels", code: "invalid", doc: doc, value: "\(value)") }
            for entry in list {
                guard let label = (entry as? String) ?? ((entry as? [String: Any])?["name"] as? String) else {
                    return Self.invalid("Issue", field: "labels", code: "invalid", doc: doc)
                }
                labels.append(label)
            }
        }
        var assignees: [String] = []
        if let value = body["assignees"], !(value is NSNull) {
            guard let list = value as? [String] else { return Self.invalid("Issue", field: "assignees", code: "invalid", doc: doc) }
            let assignable: Set<String> = repository.fullName == "octocat/Hello-World" ? [Self.login, Self.collaborator] : [Self.login]
            if let stranger = list.first(where: { !assignable.contains($0) }) {
                return Self.invalid("Issue", field: "assignees", code: "invalid", doc: doc, value: stranger)
            }
            assignees = list
        }
        var milestone: Int?
        if let value = body["milestone"], !(value is NSNull) {
            let number = (value as? Int) ?? (value as? String).flatMap(Int.init)
            guard let number, repository.milestones.contains(number) else {
                return Self.invalid("Issue", field: "milestone", code: "invalid", doc: doc, value: "\(value)")
            }
            milestone = number
        }
        let created = state.withLock { state -> Issue in
            let number = (state.issues[repository.fullName]?.map(\.number).max() ?? 0) + 1
            let issue = Issue(
                id: state.nextIssueID, number: number, title: title, body: text, state: "open", labels: labels, assignees: assignees,
                milestone: milestone, isPullRequest: false, author: Self.login, comments: 0, createdAt: Date(), updatedAt: Date())
            state.nextIssueID += 1
            state.issues[repository.fullName, default: []].append(issue)
            return issue
        }
        let location = "\(baseURL)/repos/\(repository.fullName)/issues/\(created.number)"
        return .json(201, object: issueJSON(created, repository: repository.fullName), headers: ["Location": location])
    }

    func createComment(_ request: Request, repository name: String, number: Int, scopes: [String]) -> Reply {
        let doc = "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
        guard scopes.contains("repo") || scopes.contains("public_repo") else { return Self.notFound(doc) }
        let repository: Repository
        switch self.repository(name, scopes: scopes, doc: doc) {
        case .success(let found): repository = found
        case .failure(let refusal): return refusal.reply
        }
        guard issues(in: repository.fullName).contains(where: { $0.number == number }) else { return Self.notFound(doc) }
        guard let body = request.json as? [String: Any] else { return Self.error(400, "Problems parsing JSON", doc: doc) }
        guard let text = body["body"] as? String, !text.isEmpty else {
            return Self.invalid("IssueComment", field: "body", code: "missing_field", doc: doc)
        }
        guard text.count <= 65_536 else {
            return Self.error(
                422, "Validation Failed", doc: doc,
                errors: [
                    ["resource": "IssueComment", "code": "custom", "field": "body", "message": "body is too long (maximum is 65536 characters)"]
                ])
        }
        let comment = state.withLock { state -> Comment in
            let comment = Comment(id: state.nextCommentID, repository: repository.fullName, issueNumber: number, body: text)
            state.nextCommentID += 1
            state.comments.append(comment)
            if let index = state.issues[repository.fullName]?.firstIndex(where: { $0.number == number }) {
                state.issues[repository.fullName]?[index].comments += 1
                state.issues[repository.fullName]?[index].updatedAt = Date()
            }
            return comment
        }
        let now = Self.timestamp(Date())
        let json: [String: Any] = [
            "id": comment.id, "node_id": "IC_kwDO\(comment.id)", "body": text,
            "url": "https://api.github.com/repos/\(repository.fullName)/issues/comments/\(comment.id)",
            "html_url": "https://github.com/\(repository.fullName)/issues/\(number)#issuecomment-\(comment.id)",
            "issue_url": "https://api.github.com/repos/\(repository.fullName)/issues/\(number)",
            "user": ["login": Self.login, "id": Self.userID, "type": "User"], "created_at": now, "updated_at": now,
            "author_association": "OWNER",
        ]
        return .json(201, object: json, headers: ["Location": "\(baseURL)/repos/\(repository.fullName)/issues/comments/\(comment.id)"])
    }
}
