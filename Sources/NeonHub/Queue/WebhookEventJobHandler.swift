import Foundation
import Synchronization

/// Runs `webhook_event` jobs (queued by `/webhooks/*` with the stored event's id): the event
/// goes through `WebhookEventProcessor` (publish-status updates, the trigger's agent run).
/// A missing event is permanent; a database or orchestrator failure is retried (the
/// processor reuses the run by its idempotency key). The processor is bound after the
/// orchestrator exists, which is built after the queue (agents schedule publish jobs).
final class WebhookEventJobHandler: JobHandler {
    /// The processor, set once by `bind` during start-up (guarded by the mutex).
    private let processor = Mutex<WebhookEventProcessor?>(nil)

    /// A handler without its processor yet.
    init() {}

    /// Sets the processor the jobs run through.
    func bind(_ processor: WebhookEventProcessor) {
        self.processor.withLock { $0 = processor }
    }

    func run(_ job: QueueJob) async -> JobOutcome {
        guard let eventID = job.webhookEventID else {
            return .permanent(JobFailure(code: "invalidJob", message: "The job names no webhook event"))
        }
        guard let processor = processor.withLock({ $0 }) else {
            return .retry(JobFailure(code: "notReady", message: "The webhook processor is not running yet"))
        }
        do {
            try await processor.process(eventRowID: eventID)
            return .succeeded(result: nil, remoteID: nil, remoteURL: nil)
        } catch let error as WebhookError where error.code == .eventNotFound {
            return .permanent(JobFailure(code: error.code.rawValue, message: error.message))
        } catch {
            return .retry(JobFailure(code: "webhookProcessingFailed", message: WebhookEventProcessor.safeMessage(error)))
        }
    }
}
