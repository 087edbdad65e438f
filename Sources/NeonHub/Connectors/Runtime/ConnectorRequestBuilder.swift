import Foundation
import HTTPFields

/// Builds the HTTP request of an action from its definition's template: base URL (with
/// per-connection variables), path (placeholders percent-encoded as segments), query (a
/// parameter whose placeholders are all missing is left out), fixed and per-action headers,
/// the body as JSON, form or multipart, and the credential where the definition places it.
struct ConnectorRequestBuilder: Sendable {
    /// A request ready for the outbound client.
    struct Built: Sendable {
        var method: String
        var url: URL
        /// The route without values, for metrics (`/v25.0/{{account.id}}/feed`).
        var urlTemplate: String
        var headers: HTTPHeaders
        var body: Data?
    }

    let definition: ConnectorDefinition
    /// An endpoint override of the base URL (`CONNECTOR_ENDPOINTS_FILE`), if any.
    let baseURLOverride: String?
    /// Overrides of actions' own base URLs, by the URL the definition declares.
    var actionBaseURLOverrides: [String: String] = [:]

    func build(
        _ template: ConnectorDefinition.RequestTemplate, renderer: TemplateRenderer,
        credentials: ConnectorCredentials, extraQuery: [(String, String)] = []
    ) throws -> Built {
        let base: String
        if let own = template.baseUrl {
            // Declared literally: a templated host could send the credential anywhere.
            guard !own.contains("{{"), own.hasPrefix("https://") else {
                throw ConnectorError(.invalidDefinition, "the \(definition.id) action base URL must be a literal https URL")
            }
            base = actionBaseURLOverrides[own] ?? own
        } else {
            base = renderer.render(baseURLOverride ?? definition.baseUrl)
        }
        let path = renderer.render(template.path, encode: TemplateRenderer.encodePathSegment)
        // `.` and `..` are unreserved, so a value that is just that stays a dot segment, which a
        // server normalising paths reads as "here" or "up": `/repos/../../issues` is `/issues`.
        if path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." }) {
            throw ConnectorError(.invalidInput, "\(definition.id): a value in the request path cannot be \".\" or \"..\"")
        }
        var query: [(String, String)] = []
        // Rest.li 2.0 (LinkedIn) query values keep their structure unencoded: encoded here, once.
        var preEncoded: [String: String] = [:]
        let restli = definition.headers?["X-Restli-Protocol-Version"] == "2.0.0"
        let overridden = Set(extraQuery.map(\.0))
        for (name, value) in (template.query ?? [:]).sorted(by: { $0.key < $1.key }) where renderer.isComplete(value) && !overridden.contains(name) {
            // A sole placeholder holding an array repeats the parameter once per item (Stripe's `expand[]=a&expand[]=b`).
            if let expression = TemplateRenderer.soleExpression(value), case .array(let items)? = renderer.resolve(expression) {
                query += items.map { (name, TemplateRenderer.text($0)) }
                continue
            }
            query.append((name, renderer.render(value)))
            if restli {
                preEncoded[name] = renderer.render(value, literal: TemplateRenderer.encodeRestliLiteral, value: TemplateRenderer.encodeRestliValue)
            }
        }
        query += extraQuery
        var headers = HTTPHeaders()
        // A connection-wide header whose placeholders are all missing is not sent (Stripe-Account without a connected account).
        for (name, value) in (definition.headers ?? [:]).sorted(by: { $0.key < $1.key }) where renderer.isComplete(value) {
            headers.replaceOrAdd(name: name, value: renderer.render(value))
        }
        for (name, value) in (template.headers ?? [:]).sorted(by: { $0.key < $1.key }) where renderer.isComplete(value) {
            headers.replaceOrAdd(name: name, value: renderer.render(value))
        }
        inject(credentials, headers: &headers, query: &query)
        var body: Data?
        if let bodyTemplate = template.body, bodyTemplate.encoding == "binary" {
            guard case .string(let encoded)? = renderer.render(json: bodyTemplate.template), let bytes = Data(base64Encoded: encoded) else {
                throw ConnectorError(.invalidInput, "the \(definition.id) request body must be base64")
            }
            if !headers.contains("Content-Type") { headers.replaceOrAdd(name: "Content-Type", value: "application/octet-stream") }
            body = bytes
        } else if let bodyTemplate = template.body {
            let rendered = renderer.render(json: bodyTemplate.template) ?? .object([:])
            switch bodyTemplate.encoding {
            case "form":
                headers.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded")
                body = Data(Self.formEncode(rendered).utf8)
            case "multipart":
                let boundary = "neonhub-" + UUID().uuidString.lowercased()
                headers.replaceOrAdd(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
                body = try Self.multipart(rendered, boundary: boundary, fileParts: Set(bodyTemplate.fileParts ?? []))
            default:
                // A JSON type the template names with its parameters (Slack: `application/json; charset=utf-8`) is kept.
                if headers["Content-Type"]?.lowercased().hasPrefix("application/json") != true {
                    headers.replaceOrAdd(name: "Content-Type", value: "application/json")
                }
                body = Data(rendered.jsonBytes)
            }
        }
        let queryText = query.map {
            "\(TemplateRenderer.encodeQueryComponent($0.0))=\(preEncoded[$0.0] ?? TemplateRenderer.encodeQueryComponent($0.1))"
        }
        .joined(separator: "&")
        var text = (base.hasSuffix("/") && path.hasPrefix("/") ? String(base.dropLast()) : base) + path + (queryText.isEmpty ? "" : "?" + queryText)
        if template.absoluteUrl == true {
            let given = renderer.render(template.path)
            guard let target = URL(string: given), Self.mayReceiveCredential(target, base: URL(string: base)) else {
                throw ConnectorError(.invalidInput, "the \(definition.id) request URL is not on the provider's domain")
            }
            text = given + (queryText.isEmpty ? "" : (given.contains("?") ? "&" : "?") + queryText)
        }
        guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw ConnectorError(.invalidInput, "the \(definition.id) request URL is not valid (check the connection's variables)")
        }
        return Built(method: template.method, url: url, urlTemplate: template.path, headers: headers, body: body)
    }

    /// Whether a URL the provider handed out may receive the connection's credential: https
    /// (or the base URL's own scheme), on the base URL's host or a host of the same domain
    /// (`www.linkedin.com` for `api.linkedin.com`; an address only when it is the base's).
    static func mayReceiveCredential(_ target: URL, base: URL?) -> Bool {
        guard let base, let host = target.host?.lowercased(), let baseHost = base.host?.lowercased(),
            let scheme = target.scheme?.lowercased(), scheme == "https" || scheme == base.scheme?.lowercased()
        else { return false }
        if host == baseHost { return target.port == base.port || scheme == "https" }
        let labels = baseHost.split(separator: ".")
        guard labels.count >= 2, !labels.allSatisfy({ $0.allSatisfy(\.isNumber) }), scheme == "https" else { return false }
        let domain = labels.suffix(2).joined(separator: ".")
        return host.hasSuffix("." + domain) || host == domain
    }

    /// Puts the credential where the definition says (default: `Authorization: Bearer`).
    func inject(_ credentials: ConnectorCredentials, headers: inout HTTPHeaders, query: inout [(String, String)]) {
        switch credentials {
        case .none: return
        case .keyPair:
            // Signed by the runtime just before the build (`forRequest`); a direct build signs here.
            if let signed = try? credentials.forRequest() { inject(signed, headers: &headers, query: &query) }
        case .basic(let user, let password):
            headers.replaceOrAdd(name: "Authorization", value: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
        case .token(let token):
            let placed = definition.auth.placed(token)
            if placed.inQuery {
                query.append((placed.name, placed.value))
            } else {
                headers.replaceOrAdd(name: placed.name, value: placed.value)
            }
        }
    }

    /// `application/x-www-form-urlencoded` with Stripe-style nested keys (`metadata[k]=v`,
    /// `items[0][price]=…`).
    static func formEncode(_ value: JSONValue) -> String {
        var pairs: [(String, String)] = []
        func walk(_ value: JSONValue, _ key: String) {
            switch value {
            case .object(let members): for name in members.keys.sorted() { walk(members[name]!, key.isEmpty ? name : "\(key)[\(name)]") }
            case .array(let items): for (i, item) in items.enumerated() { walk(item, "\(key)[\(i)]") }
            case .null: return
            default: pairs.append((key, TemplateRenderer.text(value)))
            }
        }
        walk(value, "")
        return pairs.map { "\(TemplateRenderer.encodeQueryComponent($0.0))=\(TemplateRenderer.encodeQueryComponent($0.1))" }.joined(separator: "&")
    }

    /// A `multipart/form-data` body (RFC 7578): one text part per member (objects and arrays
    /// as JSON), in name order; the
    /// members named in `fileParts` hold base64 and are sent decoded as file parts.
    static func multipart(_ value: JSONValue, boundary: String, fileParts: Set<String> = []) throws -> Data {
        var body = Data()
        if case .object(let members) = value {
            for name in members.keys.sorted() {
                if fileParts.contains(name) {
                    guard let bytes = JSONPath.text(members[name]).flatMap({ Data(base64Encoded: $0) }) else {
                        throw ConnectorError(.invalidInput, "the multipart part \(name) must be base64")
                    }
                    body.append(
                        Data(
                            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                                .utf8))
                    body.append(bytes)
                    body.append(Data("\r\n".utf8))
                } else {
                    body.append(
                        Data(
                            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(TemplateRenderer.text(members[name]))\r\n"
                                .utf8))
                }
            }
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return body
    }
}
