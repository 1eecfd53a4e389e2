import Foundation

/// Reading a received message: headers (unfolded, encoded words decoded) and the text part.
struct ReceivedMail {
    var headers: [String: String] = [:]
    var text = ""
    var html = ""

    init(_ raw: String) {
        let normalized = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = normalized.components(separatedBy: "\n\n")
        let head = parts[0].replacingOccurrences(of: "\n ", with: " ")
        for line in head.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon]).lowercased()
            headers[name] = Self.decodeWords(
                String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
        // Each part: its headers, a blank line, quoted-printable text.
        let body = parts.dropFirst().joined(separator: "\n\n")
        for section in body.components(separatedBy: "--=_relance_") {
            guard let split = section.range(of: "\n\n") else { continue }
            let content = Self.decodeQuotedPrintable(String(section[split.upperBound...]))
            if section.contains("Content-Type: text/plain") { text = content }
            if section.contains("Content-Type: text/html") { html = content }
        }
    }

    static func decodeWords(_ value: String) -> String {
        var out = ""
        for word in value.components(separatedBy: " ") {
            if word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
                let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
            {
                out += String(decoding: data, as: UTF8.self)
            } else {
                out += (out.isEmpty ? "" : " ") + word
            }
        }
        return out
    }

    static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(text.replacingOccurrences(of: "=\n", with: "").utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "="), index + 2 < source.count,
                let value = UInt8(String(decoding: source[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
