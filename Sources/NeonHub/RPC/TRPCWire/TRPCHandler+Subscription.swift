import Foundation
import HTTPCore
import HTTPFields

extension TRPCHandler {
    /// Serves a subscription as Server-Sent Events the way tRPC v11's `httpSubscriptionLink`
    /// consumes them: `event: connected`, one `data:` message per event (with `id:` when the
    /// event is resumable), `event: ping` every 10 s, then `event: return` — or
    /// `event: serialized-error` with the error shape. Resumes from `Last-Event-ID` (header)
    /// or `lastEventId` (input).
    func serveSubscription(_ procedure: Procedure, input: JSONValue?, request: HTTPRequest, context: ProcedureContext, sink: ResponseSink) {
        if let denied = Self.authorizationError(procedure, context.identity) {
            var headers = Self.baseHeaders
            if denied.code == .unauthorized { headers.add(name: "WWW-Authenticate", value: "Bearer error=\"invalid_token\"") }
            sink.send(
                HTTPResponse(status: denied.code.httpStatus, headers: headers, body: failure(denied, path: procedure.name).envelope),
                route: procedure.name)
            return
        }
        let lastEventID: String? = {
            if let header = request.headers["last-event-id"], !header.isEmpty { return header }
            if case .string(let id)? = input?["lastEventId"] { return id }
            return nil
        }()
        guard let subscribe = procedure.subscribe else { return }
        Task {
            let events: AsyncThrowingStream<SubscriptionEvent, any Error>
            do {
                events = try await subscribe(input, context, lastEventID)
            } catch {
                let mapped = RPCErrorMapper.map(error, logger: context.logger, procedure: procedure.name)
                sink.send(
                    HTTPResponse(
                        status: mapped.code.httpStatus, headers: Self.baseHeaders,
                        body: failure(mapped, path: procedure.name).envelope), route: procedure.name)
                return
            }
            let stream = sink.startStream(
                status: 200,
                headers: [
                    "Content-Type": "text/event-stream", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no",
                ], route: procedure.name)
            stream.write(Array("event: connected\ndata: {}\n\n".utf8))
            let consumer = Task {
                do {
                    for try await event in events {
                        var message = "data: " + String(decoding: event.data, as: UTF8.self) + "\n"
                        if let id = event.id { message += "id: \(id)\n" }
                        stream.write(Array((message + "\n").utf8))
                    }
                    stream.write(Array("event: return\ndata: \n\n".utf8))
                } catch is CancellationError {
                } catch {
                    let mapped = RPCErrorMapper.map(error, logger: context.logger, procedure: procedure.name)
                    // The SSE error event carries the shape (the envelope's `error` value).
                    let shape = ErrorEnvelope.shapeJSON(mapped, path: procedure.name)
                    stream.write(Array("event: serialized-error\ndata: ".utf8) + shape + Array("\n\n".utf8))
                }
                stream.finish()
            }
            let pinger = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(10))
                    if Task.isCancelled { break }
                    stream.write(Array("event: ping\ndata: \n\n".utf8))
                }
            }
            stream.onTermination {
                consumer.cancel()
                pinger.cancel()
            }
        }
    }
}
