import Foundation

/// `multipart/form-data` (RFC 7578), read from a whole body already bounded by the HTTP layer
/// (`ProofUpload.maximumRequestBytes`): at most `maximumParts` parts, each part's headers at most
/// `maximumHeaderBytes`. Small and bounded on purpose (docs/console.md, "Build cost").
public enum Multipart {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var fileName: String?
        public var contentType: String?
        public var body: [UInt8]
    }

    public static let maximumParts = 64
    public static let maximumHeaderBytes = 8 * 1024

    /// The boundary of a `multipart/form-data` Content-Type, nil for any other type.
    public static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else {
                continue
            }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    /// The parts of `body`; nil when it is not well-formed multipart with that boundary.
    public static func parse(_ body: [UInt8], boundary: String) -> [Part]? {
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n--\(boundary)".utf8)
        guard var position = find(delimiter, in: body, from: 0) else { return nil }
        position += delimiter.count
        var parts: [Part] = []
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if position + 2 <= body.count, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-")
            {
                return parts
            }
            guard position + 2 <= body.count, body[position] == 13, body[position + 1] == 10 else { return nil }
            position += 2
            guard parts.count < maximumParts,
                let headerEnd = find(Array("\r\n\r\n".utf8), in: body, from: position, limit: maximumHeaderBytes)
            else { return nil }
            let headers = String(decoding: body[position..<headerEnd], as: UTF8.self)
            let start = headerEnd + 4
            guard let end = find(separator, in: body, from: start) else { return nil }
            var part = Part(name: "", fileName: nil, contentType: nil, body: Array(body[start..<end]))
            for line in headers.split(separator: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1)
                guard pair.count == 2 else { continue }
                let value = pair[1].trimmingCharacters(in: .whitespaces)
                switch pair[0].lowercased() {
                case "content-disposition":
                    part.name = parameter("name", in: value) ?? ""
                    part.fileName = parameter("filename", in: value)
                case "content-type":
                    part.contentType = value
                default:
                    break
                }
            }
            guard !part.name.isEmpty else { return nil }
            parts.append(part)
            position = end + separator.count
        }
    }

    /// A `name="value"` parameter of a Content-Disposition (quotes and `\"` as browsers write them).
    static func parameter(_ name: String, in value: String) -> String? {
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var text = pair[1].trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 {
                text = String(text.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                    .replacingOccurrences(of: "%22", with: "\"")
            }
            return text
        }
        return nil
    }

    /// The first index of `needle` in `haystack` at or after `start` (and, with `limit`, within
    /// that many bytes of it).
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int, limit: Int? = nil) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        var last = haystack.count - needle.count
        if let limit { last = min(last, start + limit) }
        guard start <= last else { return nil }
        return haystack.withUnsafeBufferPointer { bytes -> Int? in
            var index = start
            while index <= last {
                if bytes[index] == first {
                    var matched = true
                    for offset in 1..<needle.count where bytes[index + offset] != needle[offset] {
                        matched = false
                        break
                    }
                    if matched { return index }
                }
                index += 1
            }
            return nil
        }
    }
}

extension ConsoleRequest {
    /// The parts of a `multipart/form-data` body; nil for any other body (or a malformed one).
    var multipartParts: [Multipart.Part]? {
        guard let boundary = Multipart.boundary(contentType: header("content-type")) else { return nil }
        return Multipart.parse(body, boundary: boundary)
    }

    var isMultipart: Bool { Multipart.boundary(contentType: header("content-type")) != nil }
}
