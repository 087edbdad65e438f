import Foundation
import Testing

@testable import Postgres

/// `uuid` columns are read digit by digit (not through Foundation's `sscanf`); the result must
/// be Foundation's for every spelling Foundation accepts, and nil where it refuses.
@Suite struct UUIDDecodingTests {
    @Test func theCanonicalFormReadsAsFoundationReadsIt() {
        for _ in 0..<500 {
            let id = UUID()
            #expect(UUID.decode(postgresText: id.uuidString.lowercased(), type: .uuid) == id)
            #expect(UUID.decode(postgresText: id.uuidString, type: .uuid) == id)
        }
        let fixed = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
        #expect(UUID.decode(postgresText: fixed, type: .uuid) == UUID(uuidString: fixed))
        #expect(UUID.decode(postgresText: "00000000-0000-0000-0000-000000000000", type: .uuid) == UUID(uuid: UUID.null))
        #expect(UUID.decode(postgresText: "ffffffff-ffff-ffff-ffff-ffffffffffff", type: .uuid)?.uuidString == "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")
    }

    /// The digit-by-digit reader itself (the decoder falls back to Foundation, which would hide a
    /// reader that refused good input).
    @Test func theFastReaderTakesTheCanonicalFormAndNothingElse() {
        func read(_ text: String) -> UUID? {
            var text = text
            return text.withUTF8 { UUID.parseCanonical($0) }
        }
        for _ in 0..<200 {
            let id = UUID()
            #expect(read(id.uuidString.lowercased()) == id)
            #expect(read(id.uuidString) == id)
        }
        #expect(read("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g") == nil)
        #expect(read("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380ag1") == nil)
        #expect(read("a0eebc99-9c0b-4ef8-bb6d_6bb9bd380a11") == nil)
        #expect(read("{0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11") == nil)
    }

    @Test func anythingElseIsRefused() {
        for text in [
            "", "a0eebc99", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
            "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99x9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc999c0b-4ef8-bb6d-6bb9bd380a11-",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1 ", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1é",
        ] {
            #expect(UUID.decode(postgresText: text, type: .uuid) == nil, "\(text)")
        }
    }

    /// The writer: Foundation's text, lowercased, for any UUID (every digit value, both ends).
    @Test func theTextWrittenIsFoundationsLowercased() {
        for _ in 0..<500 {
            let id = UUID()
            #expect(id.lowercasedText == id.uuidString.lowercased())
        }
        #expect(UUID(uuid: UUID.null).lowercasedText == "00000000-0000-0000-0000-000000000000")
        let fixed = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
        #expect(UUID(uuidString: fixed)?.lowercasedText == fixed)
        #expect(UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")?.lowercasedText == "ffffffff-ffff-ffff-ffff-ffffffffffff")
        #expect(UUID(uuidString: "01234567-89AB-CDEF-0123-456789ABCDEF")?.lowercasedText == "01234567-89ab-cdef-0123-456789abcdef")
    }
}

extension UUID {
    fileprivate static let null: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
}
