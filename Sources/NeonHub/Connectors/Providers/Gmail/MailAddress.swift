import Foundation

/// An email address with an optional display name, as one `mailbox` of an address header
/// (RFC 5322 §3.4: `name-addr` or `addr-spec`). Only plain ASCII addresses are accepted (no
/// SMTPUTF8 local parts); a display name may be any text and is encoded per RFC 2047 when it
/// is not plain ASCII. Anything that could end the header early (CR, LF, NUL) is refused.
public struct MailAddress: Sendable, Equatable {
    /// The addr-spec (`ada@example.com`).
    public let address: String
    /// The display name, if any.
    public let name: String?

    /// An address, checked; throws `invalidInput` naming `field` for one that is not a plain addr-spec.
    public init(_ address: String, name: String? = nil, field: String = "address") throws {
        let trimmed = address.trimmingCharacters(in: .whitespaces)
        guard Self.isAddrSpec(trimmed) else {
            throw ConnectorError(.invalidInput, "\(field): \(MIMEHeader.preview(address)) is not a plain email address (local@domain, ASCII)")
        }
        if let name { try MIMEHeader.refuseLineBreaks(name, field: "\(field) name") }
        self.address = trimmed
        self.name = name.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The mailbox as a header value: `ada@example.com`, `Ada Lovelace <ada@example.com>`,
    /// `"Lovelace, Ada" <ada@example.com>` or `=?UTF-8?B?…?= <ada@example.com>`.
    public var headerValue: String {
        guard let name else { return address }
        return "\(MIMEHeader.phrase(name)) <\(address)>"
    }

    /// A dot-atom or simple local part, `@`, and a domain of dot-separated labels; at most 254 octets.
    static func isAddrSpec(_ text: String) -> Bool {
        guard text.utf8.count <= 254, text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64, !parts[1].isEmpty else { return false }
        let atext = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")
        let local = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard local.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy(atext.contains) }) else { return false }
        let label = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2
            && labels.allSatisfy {
                !$0.isEmpty && $0.count <= 63 && !$0.hasPrefix("-") && !$0.hasSuffix("-") && $0.unicodeScalars.allSatisfy(label.contains)
            }
    }
}
