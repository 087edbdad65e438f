import Foundation

// The SOQL the fake reads (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm):
// SELECT <fields> FROM <object> [WHERE <field> = '<value>' [AND …]] [ORDER BY <field> [ASC|DESC]]
// [LIMIT <n>]. Keywords and field names are case-insensitive; the answer uses the API names. An
// unknown object is INVALID_TYPE, an unknown field INVALID_FIELD, the rest MALFORMED_QUERY, as the
// Query resource documents (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm).
extension SalesforceFake {
    /// A parsed query.
    struct SOQL: Sendable {
        var fields: [String]
        var object: String
        var conditions: [(field: String, value: String)]
        var orderBy: (field: String, descending: Bool)?
        var limit: Int?

        /// Why a query is refused: the error code and message Salesforce answers.
        struct Refusal: Error {
            var code: String
            var message: String
        }

        func matches(_ record: Record) -> Bool {
            conditions.allSatisfy { SalesforceFake.value(record, $0.field)?.lowercased() == $0.value.lowercased() }
        }

        static func parse(_ text: String) -> Result<SOQL, Refusal> {
            let pattern =
                #"^\s*SELECT\s+(.+?)\s+FROM\s+([A-Za-z_][A-Za-z0-9_]*)(?:\s+WHERE\s+(.+?))?(?:\s+ORDER\s+BY\s+([A-Za-z_]+)(?:\s+(ASC|DESC))?)?(?:\s+LIMIT\s+(\d+))?\s*$"#
            guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive, .dotMatchesLineSeparators]),
                let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
            else {
                let token = text.split(separator: " ").first.map(String.init) ?? text
                return .failure(Refusal(code: "MALFORMED_QUERY", message: "unexpected token: '\(token)'"))
            }
            func group(_ index: Int) -> String? {
                Range(match.range(at: index), in: text).map { String(text[$0]) }
            }
            let objectName = group(2) ?? ""
            guard let (object, describe) = SalesforceFake.describes.first(where: { $0.key.lowercased() == objectName.lowercased() }) else {
                return .failure(
                    Refusal(
                        code: "INVALID_TYPE",
                        message:
                            "sObject type '\(objectName)' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
                    ))
            }
            func resolve(_ name: String) -> Result<String, Refusal> {
                guard let known = SalesforceFake.field(named: name, in: describe) else {
                    return .failure(
                        Refusal(
                            code: "INVALID_FIELD",
                            message:
                                "No such column '\(name)' on entity '\(object)'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
                        ))
                }
                return .success(known)
            }
            var fields: [String] = []
            for name in (group(1) ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard !name.isEmpty, name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
                    return .failure(Refusal(code: "MALFORMED_QUERY", message: "unexpected token: '\(name)'"))
                }
                switch resolve(name) {
                case .success(let known): fields.append(known)
                case .failure(let refusal): return .failure(refusal)
                }
            }
            var conditions: [(field: String, value: String)] = []
            if let clause = group(3) {
                for part in clause.components(separatedBy: " AND ") {
                    let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard pieces.count == 2, pieces[1].count >= 2, pieces[1].hasPrefix("'"), pieces[1].hasSuffix("'") else {
                        return .failure(Refusal(code: "MALFORMED_QUERY", message: "the fake reads only <field> = '<value>' conditions: \(part)"))
                    }
                    switch resolve(pieces[0]) {
                    case .success(let known): conditions.append((known, String(pieces[1].dropFirst().dropLast())))
                    case .failure(let refusal): return .failure(refusal)
                    }
                }
            }
            var orderBy: (field: String, descending: Bool)?
            if let name = group(4) {
                switch resolve(name) {
                case .success(let known): orderBy = (known, group(5)?.uppercased() == "DESC")
                case .failure(let refusal): return .failure(refusal)
                }
            }
            return .success(SOQL(fields: fields, object: object, conditions: conditions, orderBy: orderBy, limit: group(6).flatMap { Int($0) }))
        }
    }
}
