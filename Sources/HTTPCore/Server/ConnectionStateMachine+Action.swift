extension ConnectionStateMachine {
    /// What `Connection` must do after an event. One small value per event: no allocation,
    /// and only the error case carries a reference (its reason text).
    enum Action: Equatable {
        /// Nothing (the event was absorbed, or made no sense in this state).
        case none
        /// Read from the socket, up to `inputLimit` buffered bytes, then parse.
        case read
        /// Parse the buffered input.
        case parse
        /// Parse the buffered input after the loop's next poll of the sockets (a pass stopped
        /// at its budget and its output is written; the sockets that are ready go first).
        case parseLater
        /// Write the queued output.
        case flush
        /// Queue `100 Continue`, then keep parsing.
        case sendContinue
        /// Hand the parsed request to the handler as request `sequence`.
        case dispatch(sequence: UInt64)
        /// Serialize the response for `context` (`close`: with `Connection: close`); when
        /// `thenParse`, parse the input that waited behind it (no parse pass is running).
        case writeResponse(context: ResponseContext, close: Bool, thenParse: Bool)
        /// Serialize the head of a streamed response for `context`, then flush.
        case writeStreamHead(context: ResponseContext)
        /// Queue one piece of the streamed body (as a chunk when `chunked`), then flush.
        case writeStreamChunk(chunked: Bool)
        /// End the streamed body (the last chunk when `chunked`), run the stream's
        /// termination handlers, then parse.
        case writeStreamEnd(chunked: Bool)
        /// Queue the error response (`Connection: close`); the connection closes after it.
        case sendError(HTTPParseError)
        /// Read late input and throw it away (lingering close).
        case discardInput
        /// Shut our side (`SHUT_WR`), then discard late input until EOF or the linger deadline.
        case startLingering
        /// Close the socket now.
        case close
    }
}
