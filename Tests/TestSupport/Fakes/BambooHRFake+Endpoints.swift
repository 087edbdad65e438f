// BambooHR's employee and applicant tracking endpoints, as BambooHRFake.swift cites them
// (https://documentation.bamboohr.com/reference/get-employees-directory,
// https://documentation.bamboohr.com/reference/get-employee,
// https://documentation.bamboohr.com/reference/get-job-summaries,
// https://documentation.bamboohr.com/reference/get-applications; the OpenAPI document in
// github.com/BambooHR/bhr-api-python specs/public.yaml).

import Foundation
import HTTPFields
import Synchronization

extension BambooHRFake {
    /// The fields `GET /employees/{id}` knows, and the directory's fieldset.
    public static let employeeFields: Set<String> = [
        "firstName", "lastName", "displayName", "jobTitle", "department", "workEmail", "location", "hireDate", "status",
    ]
    /// Applications per page of `GET /applicant_tracking/applications` (assumed).
    public static let applicationsPageSize = 100

    static let statusGroupsAllowed: Set<String> = ["ALL", "DRAFT_AND_OPEN", "Open", "Filled", "Draft", "Deleted", "On Hold", "Canceled"]
    static let applicationStatusAllowed: Set<String> = ["ALL", "ALL_ACTIVE", "NEW", "ACTIVE", "INACTIVE", "HIRED"]

    // MARK: Employees

    func directory(json: Bool) -> Reply {
        let (shared, employees) = state.withLock { ($0.directoryShared, $0.employees.filter { $0.status == "Active" }) }
        guard shared else { return Self.error(403, "The company directory is not shared") }
        guard !employees.isEmpty else { return Self.error(404, "No employees found") }
        let fields: [(id: String, type: String, name: String)] = [
            ("displayName", "text", "Display name"), ("firstName", "text", "First name"), ("lastName", "text", "Last name"),
            ("jobTitle", "list", "Job title"), ("workEmail", "email", "Work Email"), ("department", "list", "Department"),
            ("location", "list", "Location"),
        ]
        guard json else {
            let fieldset = fields.map { "<field id=\"\($0.id)\">\(Self.escapeXML($0.name))</field>" }.joined()
            let people = employees.map { employee in
                let values = fields.map { "<field id=\"\($0.id)\">\(Self.escapeXML(Self.value($0.id, of: employee) ?? ""))</field>" }
                return "<employee id=\"\(employee.id)\">\(values.joined())</employee>"
            }
            return Self.xml("<directory><fieldset>\(fieldset)</fieldset><employees>\(people.joined())</employees></directory>")
        }
        let records: [[String: Any]] = employees.map { employee in
            var record: [String: Any] = ["id": employee.id, "preferredName": NSNull(), "photoUploaded": false, "canUploadPhoto": 0]
            for field in fields { record[field.id] = Self.value(field.id, of: employee) }
            return record
        }
        return .json(200, object: ["fields": fields.map { ["id": $0.id, "type": $0.type, "name": $0.name] }, "employees": records])
    }

    func employee(_ id: String, _ request: Request, key: String, json: Bool) -> Reply {
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else { return Self.error(404, "Invalid API request") }
        let wanted = id == "0" ? (key == Self.apiKey ? "5" : "123") : id
        guard let employee = state.withLock({ $0.employees.first { $0.id == wanted } }) else {
            return Self.error(404, "Employee not found")
        }
        // Field names as given, comma-separated; nothing but the id unless named.
        let names = (request.queryItems["fields"]?.last ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard names.count <= 400 else { return Self.error(400, "The maximum number of fields per request is 400") }
        if let unknown = names.first(where: { !Self.employeeFields.contains($0) }) {
            return Self.error(406, "Invalid field in request: \(unknown)")
        }
        guard json else {
            let fields = names.map { "<field id=\"\($0)\">\(Self.escapeXML(Self.value($0, of: employee) ?? ""))</field>" }
            return Self.xml("<employee id=\"\(employee.id)\">\(fields.joined())</employee>")
        }
        var record: [String: Any] = ["id": employee.id]
        for name in names { record[name] = Self.value(name, of: employee) }
        return .json(200, object: record)
    }

    static func value(_ field: String, of employee: Employee) -> String? {
        switch field {
        case "firstName": employee.firstName
        case "lastName": employee.lastName
        case "displayName": employee.displayName
        case "jobTitle": employee.jobTitle
        case "department": employee.department
        case "workEmail": employee.workEmail
        case "location": employee.location
        case "hireDate": employee.hireDate
        case "status": employee.status
        default: nil
        }
    }

    // MARK: Applicant tracking

    /// Comma-separated values, each of `allowed`; nil when one is not.
    static func list(_ text: String?, allowed: Set<String>) -> [String]?? {
        guard let text else { return .some(nil) }
        let values = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !values.isEmpty, values.allSatisfy(allowed.contains) else { return nil }
        return .some(values)
    }

    /// The job statuses a list of status groups names.
    static func jobStatusLabels(in groups: [String]) -> Set<String> {
        var statuses: Set<String> = []
        for group in groups {
            switch group {
            case "ALL": statuses.formUnion(jobStatuses.map(\.label))
            case "DRAFT_AND_OPEN": statuses.formUnion(["Draft", "Open"])
            default: statuses.insert(group)
            }
        }
        return statuses
    }

    func listJobs(_ request: Request) -> Reply {
        let query = request.queryItems
        guard let groups = Self.list(query["statusGroups"]?.last, allowed: Self.statusGroupsAllowed) else {
            return Self.error(400, "Invalid statusGroups")
        }
        let statuses = groups.map(Self.jobStatusLabels) ?? Set(Self.jobStatuses.map(\.label)).subtracting(["Deleted"])
        let sortBy = query["sortBy"]?.last
        guard sortBy == nil || ["count", "title", "lead", "created", "status"].contains(sortBy!) else { return Self.error(400, "Invalid sortBy") }
        let order = query["sortOrder"]?.last ?? "ASC"
        guard order == "ASC" || order == "DESC" else { return Self.error(400, "Invalid sortOrder") }
        let (all, applications, employees) = state.withLock { ($0.jobs, $0.applications, $0.employees) }
        var jobs = all.filter { statuses.contains($0.status) }
        let total = { (job: Job) in applications.filter { $0.jobID == job.id }.count }
        let lead = { (job: Job) in employees.first { $0.id == job.hiringLead }?.lastName ?? "" }
        switch sortBy {
        case "count": jobs.sort { total($0) < total($1) }
        case "title": jobs.sort { $0.title < $1.title }
        case "lead": jobs.sort { lead($0) < lead($1) }
        case "created": jobs.sort { $0.postedDate < $1.postedDate }
        case "status": jobs.sort { $0.status < $1.status }
        default: jobs.sort { $0.id < $1.id }
        }
        if order == "DESC" { jobs.reverse() }
        return .json(200, object: jobs.map { Self.jobJSON($0, applications: applications, employees: employees) })
    }

    func listApplications(_ request: Request) -> Reply {
        let query = request.queryItems
        let page = query["page"]?.last.map { Int($0) } ?? 1
        guard let page, page >= 1 else { return Self.error(400, "Invalid page") }
        let jobText = query["jobId"]?.last
        guard jobText == nil || Int(jobText!) != nil else { return Self.error(400, "Invalid jobId") }
        let jobID = jobText.flatMap { Int($0) }
        guard let groups = Self.list(query["applicationStatus"]?.last, allowed: Self.applicationStatusAllowed) else {
            return Self.error(400, "Invalid applicationStatus")
        }
        guard let jobGroups = Self.list(query["jobStatusGroups"]?.last, allowed: Self.statusGroupsAllowed) else {
            return Self.error(400, "Invalid jobStatusGroups")
        }
        let statusText = query["applicationStatusId"]?.last.map { $0.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) } }
        guard !(statusText?.contains(nil) ?? false) else { return Self.error(400, "Invalid applicationStatusId") }
        let statusIDs = statusText.map { $0.compactMap { $0 } }
        let sinceText = query["newSince"]?.last
        let since = sinceText.flatMap { Self.newSinceFormat.date(from: $0) }
        guard sinceText == nil || since != nil else { return Self.error(400, "Invalid newSince: expected Y-m-d H:i:s") }
        let sortBy = query["sortBy"]?.last
        let sorts = ["first_name", "job_title", "rating", "phone", "status", "last_updated", "created_date"]
        guard sortBy == nil || sorts.contains(sortBy!) else { return Self.error(400, "Invalid sortBy") }
        let order = query["sortOrder"]?.last
        guard order == nil || order == "ASC" || order == "DESC" else { return Self.error(400, "Invalid sortOrder") }

        let (all, jobs) = state.withLock { ($0.applications, $0.jobs) }
        let groupSet = Set((groups ?? []).flatMap { $0 == "ALL_ACTIVE" ? ["NEW", "ACTIVE"] : [$0] })
        let jobLabels = jobGroups.map(Self.jobStatusLabels)
        let search = query["searchString"]?.last?.lowercased()
        var chosen = all.filter { application in
            let group = Self.applicantStatuses.first { $0.id == application.statusID }?.group ?? ""
            let jobStatus = jobs.first { $0.id == application.jobID }?.status ?? ""
            let text = "\(application.firstName) \(application.lastName) \(application.email)".lowercased()
            if let jobID, application.jobID != jobID { return false }
            if groups != nil, !groupSet.contains("ALL"), !groupSet.contains(group) { return false }
            if let statusIDs, !statusIDs.contains(application.statusID) { return false }
            if let since, application.appliedDate <= since { return false }
            if let jobLabels, !jobLabels.contains(jobStatus) { return false }
            if let search, !text.contains(search) { return false }
            return true
        }
        switch sortBy {
        case "first_name": chosen.sort { $0.firstName < $1.firstName }
        case "status": chosen.sort { $0.statusID < $1.statusID }
        case "job_title": chosen.sort { (a, b) in (jobs.first { $0.id == a.jobID }?.title ?? "") < (jobs.first { $0.id == b.jobID }?.title ?? "") }
        case nil: chosen.sort { ($0.appliedDate, $0.id) > ($1.appliedDate, $1.id) }  // newest first
        default: chosen.sort { ($0.appliedDate, $0.id) < ($1.appliedDate, $1.id) }
        }
        if order == "DESC", sortBy != nil { chosen.reverse() }
        let start = (page - 1) * Self.applicationsPageSize
        let slice = start < chosen.count ? Array(chosen[start..<min(chosen.count, start + Self.applicationsPageSize)]) : []
        let complete = start + Self.applicationsPageSize >= chosen.count
        var next: Any = NSNull()
        if !complete {
            // The same request, the next page.
            let kept = (request.query ?? "").split(separator: "&").filter { !$0.hasPrefix("page=") }.map(String.init)
            next = "\(companyBaseURL)/applicant_tracking/applications?" + (kept + ["page=\(page + 1)"]).joined(separator: "&")
        }
        return .json(
            200,
            object: [
                "paginationComplete": complete, "nextPageUrl": next, "applications": slice.map { Self.applicationJSON($0, jobs: jobs) },
            ])
    }

    /// `Y-m-d H:i:s` in UTC, as `newSince` takes it.
    static var newSinceFormat: DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter
    }

    /// ISO 8601 with a `+00:00` offset, as BambooHR writes dates.
    static func iso(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
        return formatter.string(from: date)
    }

    static func jobJSON(_ job: Job, applications: [Application], employees: [Employee]) -> [String: Any] {
        let mine = applications.filter { $0.jobID == job.id }
        let group = { (application: Application) in applicantStatuses.first { $0.id == application.statusID }?.group ?? "" }
        let lead = employees.first { $0.id == job.hiringLead }
        var department: Any = NSNull()
        if let name = job.department { department = ["id": 18, "label": name] as [String: Any] }
        var postingURL: Any = NSNull()
        if job.status == "Open" { postingURL = "https://\(companyDomain).bamboohr.com/careers/\(job.id)" }
        return [
            "id": job.id, "title": ["id": NSNull(), "label": job.title], "postedDate": iso(job.postedDate),
            "location": ["id": 3, "label": "Remote"],
            "department": department,
            "status": ["id": jobStatuses.first { $0.label == job.status }?.id ?? 0, "label": job.status],
            "hiringLead": [
                "employeeId": Int(job.hiringLead) ?? 0, "firstName": lead?.firstName ?? "", "lastName": lead?.lastName ?? "", "avatar": NSNull(),
                "jobTitle": ["id": 9, "label": lead?.jobTitle ?? ""],
            ],
            "newApplicantsCount": mine.filter { group($0) == "NEW" }.count,
            "activeApplicantsCount": mine.filter { ["NEW", "ACTIVE"].contains(group($0)) }.count, "totalApplicantsCount": mine.count,
            "postingUrl": postingURL,
        ]
    }

    static func applicationJSON(_ application: Application, jobs: [Job]) -> [String: Any] {
        let status = applicantStatuses.first { $0.id == application.statusID }
        return [
            "id": application.id, "appliedDate": iso(application.appliedDate),
            "status": ["id": application.statusID, "label": status?.label ?? ""], "rating": NSNull(),
            "applicant": [
                "id": 300 + application.id, "firstName": application.firstName, "lastName": application.lastName, "avatar": NSNull(),
                "email": application.email, "source": "Careers page",
            ],
            "job": ["id": application.jobID, "title": ["id": NSNull(), "label": jobs.first { $0.id == application.jobID }?.title ?? ""]],
        ]
    }
}
