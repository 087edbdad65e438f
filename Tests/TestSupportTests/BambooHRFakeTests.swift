import Foundation
import TestSupport
import Testing

/// The BambooHR fake, driven with plain HTTP as BambooHR's reference shows each call
/// (https://documentation.bamboohr.com/docs/getting-started, https://documentation.bamboohr.com/docs/api-details,
/// https://documentation.bamboohr.com/reference/get-applications): what it refuses is what a
/// client must not send, and its errors carry their reason in a header over an empty body.
@Suite struct BambooHRFakeTests {
    static let base = "/api/gateway.php/\(BambooHRFake.companyDomain)/v1"
    static func basic(_ user: String, _ password: String = "x") -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }
    static let headers = ["Authorization": basic(BambooHRFake.apiKey), "Accept": "application/json"]

    private func withFake<T>(_ body: (BambooHRFake, HTTPTestClient) async throws -> T) async throws -> T {
        let fake = BambooHRFake()
        return try await fake.withClient { try await body(fake, $0) }
    }

    @Test func theKeyIsTheBasicUserNameAndErrorsSayWhyInAHeader() async throws {
        try await withFake { _, client in
            let ok = try await client.get(Self.base + "/employees/directory", headers: Self.headers)
            #expect(ok.status == 200)
            let names = (try ok.json()["employees"] as? [[String: Any]])?.compactMap { $0["displayName"] as? String }
            #expect(names == ["Sample Manager", "Sample Employee", "Ada Lovelace", "Grace Hopper"], "active employees only")

            // Any password goes with the key; the key as the password, a bearer token or nothing do not.
            var other = Self.headers
            other["Authorization"] = Self.basic(BambooHRFake.apiKey, "anything")
            #expect(try await client.get(Self.base + "/employees/directory", headers: other).status == 200)
            for refused in [Self.basic("x", BambooHRFake.apiKey), "Bearer \(BambooHRFake.apiKey)", nil] {
                var headers = Self.headers
                headers["Authorization"] = refused
                let reply = try await client.get(Self.base + "/employees/directory", headers: headers)
                #expect(reply.status == 401)
                #expect(reply.header(BambooHRFake.errorHeader) == "Invalid API key")
                #expect(reply.body.isEmpty)
            }

            // The company is part of the path.
            let elsewhere = try await client.get("/api/gateway.php/other/v1/employees/directory", headers: Self.headers)
            #expect(elsewhere.status == 404)
        }
    }

    @Test func withoutAcceptJSONTheEmployeeEndpointsAnswerXML() async throws {
        try await withFake { _, client in
            var noAccept = Self.headers
            noAccept["Accept"] = nil
            let directory = try await client.get(Self.base + "/employees/directory", headers: noAccept)
            #expect(directory.status == 200)
            #expect(directory.header("Content-Type") == "application/xml")
            #expect(directory.text.contains("<employee id=\"123\">"))
            let employee = try await client.get(Self.base + "/employees/123?fields=firstName", headers: noAccept)
            #expect(employee.text.contains("<field id=\"firstName\">Sample</field>"))
        }
    }

    @Test func anEmployeeHasTheNamedFieldsOnlyAndAnUnknownOneIs404() async throws {
        try await withFake { _, client in
            let bare = try await client.get(Self.base + "/employees/124", headers: Self.headers)
            let only = try bare.json()
            #expect(only.count == 1 && only["id"] as? String == "124", "only the id unless fields are named")
            // With or without the trailing slash the reference's two forms show.
            for path in ["/employees/124?fields=firstName,jobTitle", "/employees/124/?fields=firstName,jobTitle"] {
                let named = try await client.get(Self.base + path, headers: Self.headers)
                let fields = try named.json()
                #expect(Set(fields.keys) == ["id", "firstName", "jobTitle"])
                #expect(fields["firstName"] as? String == "Ada" && fields["jobTitle"] as? String == "Staff Engineer")
            }
            let me = try await client.get(Self.base + "/employees/0?fields=lastName", headers: Self.headers)
            #expect(try me.json()["id"] as? String == "5", "0 is the key's own employee")

            let missing = try await client.get(Self.base + "/employees/4040?fields=firstName", headers: Self.headers)
            #expect(missing.status == 404)
            #expect(missing.header(BambooHRFake.errorHeader) == "Employee not found")
            #expect(missing.body.isEmpty)
            let badField = try await client.get(Self.base + "/employees/124?fields=fooBar", headers: Self.headers)
            #expect(badField.status == 406)
            #expect(badField.header(BambooHRFake.errorHeader)?.contains("fooBar") == true)
        }
    }

    @Test func jobsAreFilteredByStatusGroupsAndSorted() async throws {
        try await withFake { _, client in
            func titles(_ query: String) async throws -> [String]? {
                let reply = try await client.get(Self.base + "/applicant_tracking/jobs" + query, headers: Self.headers)
                let jobs = try JSONSerialization.jsonObject(with: reply.body) as? [[String: Any]]
                return jobs?.compactMap { ($0["title"] as? [String: Any])?["label"] as? String }
            }
            #expect(try await titles("") == ["Growth Marketer", "Backend Engineer", "Office Manager", "Data Analyst"], "not deleted")
            #expect(try await titles("?statusGroups=Open&sortBy=created&sortOrder=DESC") == ["Backend Engineer", "Growth Marketer"])
            #expect(
                try await titles("?statusGroups=DRAFT_AND_OPEN,Filled&sortBy=title") == [
                    "Backend Engineer", "Data Analyst", "Growth Marketer", "Office Manager",
                ])
            let bad = try await client.get(Self.base + "/applicant_tracking/jobs?sortBy=salary", headers: Self.headers)
            #expect(bad.status == 400 && bad.header(BambooHRFake.errorHeader) == "Invalid sortBy")

            // A user without applicant tracking access may read the directory but not the ATS.
            var employee = Self.headers
            employee["Authorization"] = Self.basic(BambooHRFake.employeeKey)
            #expect(try await client.get(Self.base + "/employees/directory", headers: employee).status == 200)
            let denied = try await client.get(Self.base + "/applicant_tracking/jobs", headers: employee)
            #expect(denied.status == 403)
            #expect(denied.header(BambooHRFake.errorHeader) == "You do not have access to this resource")
        }
    }

    @Test func applicationsArePagedByNextPageURLAndFilteredByNewSince() async throws {
        try await withFake { fake, client in
            fake.addApplications(150)
            let first = try await client.get(Self.base + "/applicant_tracking/applications?jobId=18", headers: Self.headers)
            let page = try first.json()
            #expect((page["applications"] as? [Any])?.count == 100)
            #expect(page["paginationComplete"] as? Bool == false)
            let next = try #require(page["nextPageUrl"] as? String)
            #expect(next == fake.companyBaseURL + "/applicant_tracking/applications?jobId=18&page=2")
            let second = try await client.get(String(next.dropFirst(fake.baseURL.count)), headers: Self.headers)
            #expect((try second.json()["applications"] as? [Any])?.count == 52)
            #expect(try second.json()["paginationComplete"] as? Bool == true)
            #expect(try second.json()["nextPageUrl"] is NSNull)

            let format = DateFormatter()
            format.locale = Locale(identifier: "en_US_POSIX")
            format.timeZone = TimeZone(identifier: "UTC")
            format.dateFormat = "yyyy-MM-dd HH:mm:ss"
            let since = format.string(from: Date(timeIntervalSinceNow: -4 * 86_400)).replacingOccurrences(of: " ", with: "%20")
            let recent = try await client.get(
                Self.base + "/applicant_tracking/applications?applicationStatus=INACTIVE&newSince=\(since)", headers: Self.headers)
            let ids = (try recent.json()["applications"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }
            #expect(ids == [45])
            let iso = try await client.get(Self.base + "/applicant_tracking/applications?newSince=2026-01-01T00:00:00Z", headers: Self.headers)
            #expect(iso.status == 400)
        }
    }

    @Test func scriptedThrottlesComeFirstThenNormalAnswers() async throws {
        try await withFake { fake, client in
            fake.injectRateLimit(calls: 1, retryAfter: 7)
            fake.injectRateLimit(calls: 1, retryAfter: 9, status: 503)
            let limited = try await client.get(Self.base + "/employees/directory", headers: Self.headers)
            #expect(limited.status == 429 && limited.header("Retry-After") == "7")
            let unavailable = try await client.get(Self.base + "/employees/directory", headers: Self.headers)
            #expect(unavailable.status == 503 && unavailable.header("Retry-After") == "9")
            #expect(try await client.get(Self.base + "/employees/directory", headers: Self.headers).status == 200)

            fake.stopSharingDirectory()
            let unshared = try await client.get(Self.base + "/employees/directory", headers: Self.headers)
            #expect(unshared.status == 403)
            fake.revoke(key: BambooHRFake.apiKey)
            #expect(try await client.get(Self.base + "/employees/0", headers: Self.headers).status == 401)
        }
    }
}
