import Foundation
import RelanceDomain
import RelanceEvents

/// An address with an optional display name.
public struct MailAddress: Sendable, Equatable, Codable {
    public var name: String?
    public var address: String

    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }

    /// `"Zoé Lefèvre" <zoe@example.com>`, the name as an encoded word when it is not plain ASCII.
    var header: String {
        guard let name, !name.isEmpty else { return address }
        return "\(MIME.phrase(name)) <\(address)>"
    }

    /// Whether this looks like an address SMTP can carry: one @, no spaces or angle brackets.
    public var isValid: Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !address.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "\r" || $0 == "\n" })
    }
}

/// An email with a text and an HTML part, as RFC 5322 / MIME bytes: 7-bit clean (quoted-
/// printable bodies, encoded-word headers) so any SMTP server carries it unchanged. The same
/// message gives the same bytes, boundary included, so a resend is recognisable byte for byte.
public struct EmailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var replyTo: MailAddress?
    public var subject: String
    public var date: Date
    /// Without angle brackets: `step-3.acct-42.inv-7@relance.localhost`.
    public var messageID: String
    public var headers: [(String, String)]
    public var text: String
    public var html: String

    public init(
        from: MailAddress, to: [MailAddress], replyTo: MailAddress? = nil, subject: String, date: Date,
        messageID: String, headers: [(String, String)] = [], text: String, html: String
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.date = date
        self.messageID = messageID
        self.headers = headers
        self.text = text
        self.html = html
    }

    public static func == (a: EmailMessage, b: EmailMessage) -> Bool {
        a.rfc5322() == b.rfc5322()
    }

    public func rfc5322() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 2 + html.utf8.count * 2 + 1024)
        func add(_ text: String) { out.append(contentsOf: text.utf8) }
        func header(_ name: String, _ value: String) {
            add(name)
            add(": ")
            add(value)
            add("\r\n")
        }
        header("From", from.header)
        header("To", to.map(\.header).joined(separator: ",\r\n "))
        if let replyTo { header("Reply-To", replyTo.header) }
        header("Subject", MIME.encodedWords(subject))
        header("Date", MIME.date(date))
        header("Message-ID", "<\(messageID)>")
        for (name, value) in headers { header(name, value) }
        header("MIME-Version", "1.0")
        let boundary = "=_relance_\(MIME.hash(messageID))"
        header("Content-Type", "multipart/alternative; boundary=\"\(boundary)\"")
        add("\r\n")
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            add("--\(boundary)\r\nContent-Type: \(type); charset=utf-8\r\n")
            add("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
            MIME.appendQuotedPrintable(body, to: &out)
            add("\r\n")
        }
        add("--\(boundary)--\r\n")
        return out
    }
}

enum MIME {
    /// RFC 2045 quoted-printable, lines of at most 76 characters, CRLF line ends.
    static func quotedPrintable(_ text: String) -> String {
        var out: [UInt8] = []
        appendQuotedPrintable(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    static func appendQuotedPrintable(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            // At most 3 bytes per input byte, plus a 3-byte soft break per 25 encoded bytes.
            let capacity = bytes.count * 3 + bytes.count / 8 + 8
            let encoded = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, written in
                var position = 0
                var lineLength = 0
                var index = 0
                @inline(__always) func put(_ byte: UInt8) {
                    buffer[position] = byte
                    position += 1
                }
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == 0x0A || (byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A) {
                        put(0x0D)
                        put(0x0A)
                        lineLength = 0
                        index += byte == 0x0D ? 2 : 1
                        continue
                    }
                    let nextIsLineEnd =
                        index + 1 == bytes.count || bytes[index + 1] == 0x0A || bytes[index + 1] == 0x0D
                    let literal =
                        (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                        || ((byte == 0x20 || byte == 0x09) && !nextIsLineEnd)
                    // A leading "." is encoded too: some relays still mangle it despite dot-stuffing.
                    let plain = literal && !(lineLength == 0 && byte == UInt8(ascii: "."))
                    let width = plain ? 1 : 3
                    if lineLength + width > 75 {
                        put(UInt8(ascii: "="))
                        put(0x0D)
                        put(0x0A)
                        lineLength = 0
                    }
                    if plain {
                        put(byte)
                    } else {
                        put(UInt8(ascii: "="))
                        put(hex[Int(byte >> 4)])
                        put(hex[Int(byte & 0x0F)])
                    }
                    lineLength += width
                    index += 1
                }
                written = position
            }
            out.append(contentsOf: encoded)
        }
    }

    /// RFC 2047: plain ASCII stays as it is; anything else becomes UTF-8 "B" encoded words of
    /// at most 75 characters, split between characters.
    static func encodedWords(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) && !text.contains("=?") { return text }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            // 45 bytes of UTF-8 → 60 base64 characters + 12 of "=?UTF-8?B?" and "?=" = 72.
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// A display name: as a quoted string when ASCII, else encoded words.
    static func phrase(_ name: String) -> String {
        if name.utf8.allSatisfy({ $0 >= 32 && $0 < 127 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            return "\"\(name)\""
        }
        return encodedWords(name)
    }

    static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// "Sat, 21 Nov 2026 10:00:00 +0000"
    static func date(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let dayNumber = Int(seconds.quotient(86_400))
        let secondOfDay = Int(seconds - Int64(dayNumber) * 86_400)
        let (year, month, day) = Timestamp.civil(fromDays: dayNumber)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let weekday = days[((dayNumber % 7) + 7) % 7]
        return "\(weekday), \(day) \(months[month - 1]) \(year) \(two(secondOfDay / 3600)):"
            + "\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) +0000"
    }

    /// FNV-1a of the text, 16 hex digits: stable across runs and machines.
    static func hash(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x100_0000_01b3
        }
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

extension Int64 {
    /// Floor division.
    fileprivate func quotient(_ divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
