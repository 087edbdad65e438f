import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// AsyncHTTPClient's `ResponseAccumulator`, which collects the answer, plus whether any of the
/// request left us: a failure before the head was sent is safe to repeat (nothing reached the
/// provider), one after it is not (the provider may have acted).
final class SendTrackingAccumulator: HTTPClientResponseDelegate {
    typealias Response = HTTPClient.Response

    private let accumulator: ResponseAccumulator
    private let headSent = Atomic(false)

    /// Collects the answer to `request`, refusing a body over `maxBodySize` bytes.
    init(request: HTTPClient.Request, maxBodySize: Int) {
        accumulator = ResponseAccumulator(request: request, maxBodySize: maxBodySize)
    }

    /// Whether the request's head (of the first request or of a redirect's) was handed to its
    /// connection: written, or about to be, so the provider may have it.
    var headHandedOver: Bool { headSent.load(ordering: .acquiring) }

    func didSendRequestHead(task: HTTPClient.Task<Response>, _ head: HTTPRequestHead) {
        headSent.store(true, ordering: .releasing)
        accumulator.didSendRequestHead(task: task, head)
    }

    func didSendRequestPart(task: HTTPClient.Task<Response>, _ part: IOData) {
        accumulator.didSendRequestPart(task: task, part)
    }

    func didSendRequest(task: HTTPClient.Task<Response>) {
        accumulator.didSendRequest(task: task)
    }

    func didVisitURL(task: HTTPClient.Task<Response>, _ request: HTTPClient.Request, _ head: HTTPResponseHead) {
        accumulator.didVisitURL(task: task, request, head)
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        accumulator.didReceiveHead(task: task, head)
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        accumulator.didReceiveBodyPart(task: task, buffer)
    }

    func didReceiveError(task: HTTPClient.Task<Response>, _ error: any Error) {
        accumulator.didReceiveError(task: task, error)
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        try accumulator.didFinishRequest(task: task)
    }
}
