import Foundation
import Testing

@testable import NeonHub

/// Decoding procedure inputs from their JSON: the forms browsers and tRPC clients send.
@Suite struct ProcedureInputTests {
    @Test func browserDatesWithMillisecondsAreAccepted() throws {
        let input = try Procedure.decodeInput(
            AgentProcedures.ListInput.self, .object(["since": .string("2025-01-01T00:00:00.000Z"), "until": .string("2025-01-02T00:00:00Z")]))
        #expect(input.since == Date(timeIntervalSince1970: 1_735_689_600))
        #expect(input.until == Date(timeIntervalSince1970: 1_735_776_000))
        #expect(throws: RPCError.self) { _ = try Procedure.decodeInput(AgentProcedures.ListInput.self, .object(["since": .string("yesterday")])) }
    }
}
