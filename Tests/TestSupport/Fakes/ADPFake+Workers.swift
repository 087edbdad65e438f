// HR Workers v2 of `ADPFake`: `GET /hr/v2/workers` (OData `$top`, `$skip`, `$select`, `$filter`,
// `count=true`; 204 No Content past the end) and `GET /hr/v2/workers/{aoid}`, as ADP's API
// explorer names them (https://developers.adp.com/build/api-explorer/hcm-offrg-wfn/hcm-offrg-wfn-hr-workers-v2-workers,
// behind a partner login). Sources in ADPFake.swift's header:
// https://github.com/adplabs/adp-connection-NET/issues/6 and
// https://github.com/JoeyRussoniello/Adp-Api-Client (paging, 204, max 100),
// https://github.com/adpllc/marketplace-sample-payloads (the worker's shape, the 400 and 404
// messages), https://github.com/PipedreamHQ/pipedream/pull/20527 (the query options, the
// single-worker and worker-demographics paths). The `$filter` subset, the `$select` semantics,
// the cap on `$top` and the demographics cut are inferred.

import Foundation
import Synchronization

extension ADPFake {
    /// `GET /hr/v2/workers`, or `GET /hr/v2/worker-demographics` (`demographics`: the same
    /// collection and paging, each worker cut to its directory fields — associateOID, workerID,
    /// legal name, business communication, work assignments; PipedreamHQ/pipedream PR #20527
    /// names the path, the cut is inferred).
    func listWorkers(_ request: Request, demographics: Bool = false) -> Reply {
        let query = request.queryItems.compactMapValues(\.last)
        let defaultPageSize = state.withLock { $0.defaultPageSize }
        guard let top = Self.integer(query["$top"], default: defaultPageSize), top >= 1 else {
            return Self.serviceError(400, request, "The value of $top is invalid: \(query["$top"] ?? "").")
        }
        guard let skip = Self.integer(query["$skip"], default: 0), skip >= 0 else {
            return Self.serviceError(400, request, "The value of $skip is invalid: \(query["$skip"] ?? "").")
        }
        var matching = workers.map(Self.json)
        if demographics {
            let kept: Set<String> = ["associateOID", "workerID", "person", "businessCommunication", "workAssignments"]
            matching = matching.map { $0.filter { kept.contains($0.key) } }
        }
        if let filter = query["$filter"], !filter.isEmpty {
            guard let clauses = Self.parseFilter(filter) else {
                return Self.serviceError(400, request, "Expression expected at position 0 in '\(filter)'.")
            }
            matching = matching.filter { worker in clauses.allSatisfy { Self.value(at: $0.path, in: worker).contains($0.value) } }
        }
        guard skip < matching.count else { return Reply(status: 204) }
        var page = Array(matching[skip..<min(matching.count, skip + min(top, Self.maxPageSize))])
        if let select = query["$select"], !select.isEmpty {
            let paths = Self.selectPaths(select)
            page = page.map { Self.project($0, paths) }
        }
        var body: [String: Any] = ["workers": page]
        if query["count"]?.lowercased() == "true" { body["meta"] = ["totalNumber": matching.count] }
        return .json(200, object: body)
    }

    /// `GET /hr/v2/workers/{aoid}`: `{"workers": [worker]}`.
    func worker(_ aoid: String, _ request: Request) -> Reply {
        guard let found = workers.first(where: { $0.associateOID == aoid }) else {
            return Self.serviceError(
                404, request, "The specified resource does not exist or you do not have access to it.", messageID: "errors.notFound")
        }
        var object = Self.json(found)
        if let select = request.queryItems["$select"]?.last, !select.isEmpty { object = Self.project(object, Self.selectPaths(select)) }
        return .json(200, object: ["workers": [object]])
    }

    /// `text` as an integer, `value` when absent, nil when not a number.
    static func integer(_ text: String?, default value: Int) -> Int? {
        guard let text else { return value }
        return Int(text)
    }

    // MARK: - The worker as ADP writes it

    static func json(_ worker: Worker) -> [String: Any] {
        let active = worker.status == "Active"
        let assignment: [String: Any] = [
            "itemID": "\(worker.workerID)_1", "primaryIndicator": true, "jobTitle": worker.jobTitle,
            "hireDate": worker.hireDate,
            "assignmentStatus": ["statusCode": ["codeValue": active ? "A" : "T", "shortName": active ? "Active" : "Terminated"]],
            "workerTypeCode": ["codeValue": "F", "shortName": "Full Time"],
            "homeOrganizationalUnits": [
                [
                    "nameCode": ["codeValue": String(worker.department.prefix(3)).uppercased(), "shortName": worker.department],
                    "typeCode": ["codeValue": "Department", "shortName": "Department"],
                ]
            ],
        ]
        return [
            "associateOID": worker.associateOID,
            "workerID": ["idValue": worker.workerID, "schemeCode": ["codeValue": "fileNumber", "shortName": "File Number"]],
            "person": [
                "legalName": [
                    "givenName": worker.givenName, "familyName1": worker.familyName,
                    "formattedName": "\(worker.familyName), \(worker.givenName)",
                ]
            ],
            "businessCommunication": ["emails": [["emailUri": worker.email, "nameCode": ["codeValue": "Work E-mail"]]]],
            "workerDates": ["originalHireDate": worker.hireDate],
            "workerStatus": ["statusCode": ["codeValue": worker.status]],
            "workAssignments": [assignment],
        ]
    }

    // MARK: - $filter (subset) and $select

    struct Clause {
        var path: [String]
        var value: String
    }

    /// `path eq 'value' [and path eq 'value']…`, paths `workers/…` with `/` separators.
    static func parseFilter(_ filter: String) -> [Clause]? {
        var clauses: [Clause] = []
        for part in filter.components(separatedBy: " and ") {
            let pieces = part.trimmingCharacters(in: .whitespaces).components(separatedBy: " eq ")
            guard pieces.count == 2 else { return nil }
            let path = pieces[0].trimmingCharacters(in: .whitespaces), literal = pieces[1].trimmingCharacters(in: .whitespaces)
            guard path.hasPrefix("workers/"), literal.count >= 2, literal.hasPrefix("'"), literal.hasSuffix("'") else { return nil }
            let value = String(literal.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
            clauses.append(Clause(path: relative(path), value: value))
        }
        return clauses.isEmpty ? nil : clauses
    }

    /// `workers/person/legalName` → `["person", "legalName"]`.
    static func relative(_ path: String) -> [String] {
        var parts = path.split(separator: "/").map(String.init)
        if parts.first == "workers" { parts.removeFirst() }
        return parts
    }

    /// Every scalar at `path` (through arrays), as text.
    static func value(at path: [String], in object: Any) -> [String] {
        if let array = object as? [Any] { return array.flatMap { value(at: path, in: $0) } }
        guard let head = path.first else {
            switch object {
            case let text as String: return [text]
            case let number as NSNumber: return [number.stringValue]
            default: return []
            }
        }
        guard let dictionary = object as? [String: Any], let next = dictionary[head] else { return [] }
        return value(at: Array(path.dropFirst()), in: next)
    }

    static func selectPaths(_ select: String) -> [[String]] {
        select.split(separator: ",").map { relative($0.trimmingCharacters(in: .whitespaces)) }.filter { !$0.isEmpty }
    }

    /// `object` with only the members `paths` name (and `associateOID`).
    static func project(_ object: [String: Any], _ paths: [[String]]) -> [String: Any] {
        var result: [String: Any] = [:]
        if let aoid = object["associateOID"] { result["associateOID"] = aoid }
        for path in paths {
            guard let head = path.first, let member = object[head] else { continue }
            let rest = Array(path.dropFirst())
            result[head] = merge(result[head], pick(member, rest))
        }
        return result
    }

    private static func pick(_ value: Any, _ path: [String]) -> Any {
        guard !path.isEmpty else { return value }
        if let array = value as? [Any] { return array.map { pick($0, path) } }
        guard let dictionary = value as? [String: Any] else { return value }
        return project(dictionary, [path]).filter { $0.key == path[0] }
    }

    private static func merge(_ existing: Any?, _ new: Any) -> Any {
        if let a = existing as? [String: Any], let b = new as? [String: Any] {
            return a.merging(b) { merge($0, $1) }
        }
        if let a = existing as? [Any], let b = new as? [Any], a.count == b.count {
            return zip(a, b).map { merge($0, $1) }
        }
        return new
    }

    // MARK: - Seed

    static func seedWorkers(count: Int) -> [Worker] {
        let given = ["Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Gray", "Harper", "Indigo", "Jordan", "Kai", "Logan"]
        let family = ["Albright", "Bishop", "Castillo", "Dunn", "Ellis", "Foster", "Garcia", "Hughes", "Ibarra", "Jensen", "Kowalski"]
        let titles = ["Analyst", "Engineer", "Payroll Specialist", "HR Generalist", "Sales Manager", "Recruiter"]
        let departments = ["Finance", "Engineering", "Human Resources", "Sales", "Operations"]
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
        return (0..<count).map { index in
            var seed = UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15
            let suffix = (0..<13).map { _ -> Character in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return alphabet[Int((seed >> 33) % UInt64(alphabet.count))]
            }
            let first = given[index % given.count], last = family[(index / given.count) % family.count]
            return Worker(
                associateOID: "G3" + String(suffix) + String(index % 10), workerID: String(format: "%06d", 100_000 + index),
                givenName: first, familyName: last, email: "\(first.lowercased()).\(last.lowercased())\(index)@neonhub-test.example",
                hireDate: String(format: "%04d-%02d-%02d", 2010 + index % 15, 1 + index % 12, 1 + index % 28),
                status: index % 10 == 9 ? "Terminated" : "Active", jobTitle: titles[index % titles.count],
                department: departments[index % departments.count])
        }
    }
}
