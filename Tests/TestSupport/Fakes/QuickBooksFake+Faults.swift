// The answers `QuickBooksFake` shares across endpoints, as QuickBooksFake.swift cites them: the
// documented Fault body (https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes),
// the gateway's lower-case 401/403 body (github.com/routablehq/python-quickbooks issue 250), the
// XML throttle (https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles,
// github.com/ruckus/quickbooks-ruby pull 348), the `intuit_tid` header, and XML for clients that
// do not ask for JSON.

import Foundation
import HTTPFields

extension QuickBooksFake {
    /// The MetaData time of the next change: one second later each time, Pacific offset.
    static func stamp(_ clock: inout Int) -> String {
        clock += 1
        let date = Date(timeIntervalSince1970: 1_796_000_000 + Double(clock))  // 2026-11-30
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: -8 * 3600)
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
        return formatter.string(from: date)
    }

    /// The `time` member of every answer.
    static var now: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    /// Intuit's documented fault body.
    static func fault(_ status: Int, _ message: String, _ detail: String, code: String, element: String = "", type: String = "ValidationFault")
        -> Reply
    {
        .json(
            status,
            object: [
                "Fault": ["Error": [["Message": message, "Detail": detail, "code": code, "element": element]], "type": type] as [String: Any],
                "time": now,
            ])
    }

    /// The gateway's lower-case fault (401 and 403).
    static func gatewayFault(_ status: Int, _ name: String, code: String, detail: String?, type: String) -> Reply {
        let error: [String: Any] = [
            "message": "message=\(name); errorCode=00\(code); statusCode=\(status)", "detail": detail ?? NSNull(), "code": code,
            "element": NSNull(),
        ]
        let body: [String: Any] = [
            "warnings": NSNull(), "intuitObject": NSNull(), "fault": ["error": [error], "type": type] as [String: Any], "report": NSNull(),
            "queryResponse": NSNull(), "batchItemResponse": [Any](), "attachableResponse": [Any](), "syncErrorResponse": NSNull(),
            "requestId": NSNull(), "time": Int(Date().timeIntervalSince1970 * 1000), "status": NSNull(), "cdcresponse": [Any](),
        ]
        return .json(status, object: body)
    }

    /// 429 ThrottleExceeded, as the gateway sends it: XML whatever was asked for, no Retry-After.
    static func throttled() -> Reply {
        let xml = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <IntuitResponse time="\(now)" xmlns="http://schema.intuit.com/finance/v3"><Fault type="SERVICE"><Error code="3001">\
            <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>\
            <Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>
            """
        return Reply(status: 429, headers: HTTPHeaders([("Content-Type", "application/xml")]), body: Array(xml.utf8))
    }

    /// The answer with an `intuit_tid` header.
    static func tagged(_ reply: Reply) -> Reply {
        var reply = reply
        let tid = "1-" + String(UInt32.random(in: .min ... .max), radix: 16) + "-" + UUID().uuidString.prefix(24).lowercased()
        reply.headers.replaceOrAdd(name: "intuit_tid", value: tid)
        return reply
    }

    static func isJSON(_ contentType: String?) -> Bool {
        contentType?.lowercased().split(separator: ";").first?.trimmingCharacters(in: .whitespaces) == "application/json"
    }

    /// A JSON answer as XML elements (what the API sends without `Accept: application/json`).
    static func asXML(_ reply: Reply) -> Reply {
        guard let object = try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any] else { return reply }
        func element(_ name: String, _ value: Any) -> String {
            switch value {
            case let members as [String: Any]:
                "<\(name)>" + members.sorted { $0.key < $1.key }.map { element($0.key, $0.value) }.joined() + "</\(name)>"
            case let items as [Any]: items.map { element(name, $0) }.joined()
            default: "<\(name)>\(value)</\(name)>"
            }
        }
        let inner = object.filter { $0.key != "time" }.sorted { $0.key < $1.key }.map { element($0.key, $0.value) }.joined()
        let xml =
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<IntuitResponse xmlns=\"http://schema.intuit.com/finance/v3\">\(inner)</IntuitResponse>"
        return Reply(status: reply.status, headers: HTTPHeaders([("Content-Type", "application/xml")]), body: Array(xml.utf8))
    }
}
