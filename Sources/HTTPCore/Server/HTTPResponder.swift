public import HTTPFields

/// The way back to the client for one request. Call `respond(_:)` exactly once (from any
/// thread), or `startStream` for a chunked response. Later calls are ignored.
public struct HTTPResponder: @unchecked Sendable {
    // `connection` is only touched on its loop's thread: directly when already there,
    // otherwise through `loop.execute`.
    let connection: Connection
    let sequence: UInt64

    /// The connection's event loop as a task executor: async work started with
    /// `Task(executorPreference: responder.executor)` runs on the loop thread and answers
    /// without a thread hop. Such work must never block.
    public var executor: any TaskExecutor { connection.loop }

    /// Sends the complete response.
    public func respond(_ response: HTTPResponse) {
        let connection = self.connection, sequence = self.sequence
        if connection.loop.inLoopThread {
            connection.deliver(sequence, response)
        } else {
            connection.loop.execute { connection.deliver(sequence, response) }
        }
    }

    /// Closes the connection without answering: the client sees its request go unanswered on a
    /// lost connection (what a provider behind a failing proxy does; test fakes use it). Later
    /// calls on this responder are ignored.
    public func abort() {
        let connection = self.connection
        if connection.loop.inLoopThread {
            connection.close()
        } else {
            connection.loop.execute { connection.close() }
        }
    }

    /// Sends the head of a streamed response (chunked for HTTP/1.1) and returns the stream
    /// to write the body into.
    public func startStream(status: Int, headers: HTTPHeaders) -> HTTPResponseStream {
        let connection = self.connection, sequence = self.sequence
        let stream = HTTPResponseStream(connection: connection)
        if connection.loop.inLoopThread {
            _ = connection.startStream(sequence, status: status, headers: headers)
        } else {
            connection.loop.execute { _ = connection.startStream(sequence, status: status, headers: headers) }
        }
        return stream
    }
}

/// The body of a streamed response. Writes are sent in order; `finish()` ends the response.
/// Safe to use from any thread.
public struct HTTPResponseStream: @unchecked Sendable {
    // Same confinement rule as `HTTPResponder`.
    let connection: Connection

    /// Sends one piece of the body.
    public func write(_ bytes: [UInt8]) {
        let connection = self.connection
        connection.loop.execute { connection.streamWrite(bytes) }
    }

    /// Ends the body (the terminating chunk for chunked responses).
    public func finish() {
        let connection = self.connection
        connection.loop.execute { connection.streamFinish() }
    }

    /// Registers `handler` to run once when the stream ends or the client goes away.
    public func onTermination(_ handler: @escaping @Sendable () -> Void) {
        let connection = self.connection
        connection.loop.execute { connection.onStreamTermination(handler) }
    }
}
