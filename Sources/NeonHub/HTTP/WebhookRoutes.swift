import HTTPCore
import HTTPFields
import Logging

/// `/webhooks/<connector>`: a thin adapter over `WebhookService`. `POST` deliveries and `GET`
/// handshakes become `WebhookRequest`s (raw body bytes, header fields, path and query); the
/// service's reply becomes the response, and its errors the tRPC error envelope (unknown
/// connector 404, secret not configured 503, bad or missing signature 401) through
/// `RPCErrorMapper`, like every other error on the wire.
enum WebhookRoutes {
    static let prefix = "/webhooks/"
    static let template = "/webhooks/{connector}"

    static func register(on router: AppRouter, service: WebhookService) {
        router.addPrefix("POST", prefix, template: template) { request, sink in
            let webhook = webhookRequest(request)
            Task.immediate(executorPreference: sink.executor) {
                do {
                    sink.send(response(try await service.receive(webhook)))
                } catch {
                    sink.send(errorResponse(error, sink: sink, connector: webhook.connector))
                }
            }
        }
        router.addPrefix("GET", prefix, template: template) { request, sink in
            let webhook = webhookRequest(request)
            do {
                guard let reply = try service.handshake(webhook) else {
                    sink.send(ErrorEnvelope.methodNotAllowed(request, allowed: ["POST"]))
                    return
                }
                sink.send(response(reply))
            } catch {
                sink.send(errorResponse(error, sink: sink, connector: webhook.connector))
            }
        }
    }

    /// The service's view of an HTTP request.
    static func webhookRequest(_ request: HTTPRequest) -> WebhookRequest {
        WebhookRequest(
            connector: String(request.path.dropFirst(prefix.count)), method: request.method, body: request.body,
            headers: request.headers.map { ($0.name, $0.value) }, path: request.path, query: request.query)
    }

    static func response(_ reply: WebhookReply) -> HTTPResponse {
        HTTPResponse(status: reply.status, headers: ["Content-Type": reply.contentType, "Cache-Control": "no-store"], body: reply.body)
    }

    /// The envelope of a service error (unknown errors are logged with the request id, not shown).
    static func errorResponse(_ error: any Error, sink: ResponseSink, connector: String) -> HTTPResponse {
        var logger = sink.logger
        logger[metadataKey: "requestId"] = "\(sink.requestID)"
        return ErrorEnvelope.response(RPCErrorMapper.map(error, logger: logger, procedure: "webhooks.\(connector.prefix(32))"))
    }
}
