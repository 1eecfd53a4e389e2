/// A small XML reader for untrusted bank documents.
///
/// Bank statements need elements, attributes, text, CDATA, comments and the five predefined
/// entities; they never need a DTD. So the reader refuses any `<!DOCTYPE`, which closes the
/// door on external entities (XXE) and on entity-expansion bombs ("billion laughs") at once,
/// and it bounds the input size and the nesting depth. Every refusal says what and where.
/// (A final class, not a struct: paths are walked often, and a reference moves without
/// retaining four buffers at every step.)
public final class XElement: Sendable, Equatable {
    /// The local name, without a namespace prefix.
    public let name: String
    public let attributes: [String: String]
    public let children: [XElement]
    /// The element's own text (CDATA included), entities decoded; empty when it has none.
    public let text: String

    public static func == (a: XElement, b: XElement) -> Bool {
        a === b || (a.name == b.name && a.attributes == b.attributes && a.text == b.text && a.children == b.children)
    }

    public init(name: String, attributes: [String: String] = [:], children: [XElement] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first child with this local name.
    public func child(_ name: String) -> XElement? {
        children.first { $0.name == name }
    }

    /// Every child with this local name, in document order.
    public func all(_ name: String) -> [XElement] {
        children.filter { $0.name == name }
    }

    /// The element at a slash-separated path of local names below this one ("Acct/Id/IBAN").
    public func at(_ path: String) -> XElement? {
        var node = self
        var rest = path.utf8[...]
        while !rest.isEmpty {
            let end = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            // Element names are short: the step is an inline (small) string, compared in a word or two.
            let step = String(Substring(rest[..<end]))
            guard let next = node.children.first(where: { $0.name == step }) else { return nil }
            node = next
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
        }
        return node
    }

    /// The trimmed text at a path, nil when the element is absent or empty.
    public func value(_ path: String) -> String? {
        guard let text = at(path)?.text else { return nil }
        let trimmed = text.trimmingXMLSpace()
        return trimmed.isEmpty ? nil : trimmed
    }
}

/// Why a document was refused, with the 1-based line where the reader stopped.
public struct XMLReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case tooLarge = "too_large"
        case doctypeRefused = "doctype_refused"
        case tooDeep = "too_deep"
        case malformed = "malformed_xml"
        case undefinedEntity = "undefined_entity"
        case unsupportedEncoding = "unsupported_encoding"
        case invalidUTF8 = "invalid_utf8"
    }

    public var kind: Kind
    public var message: String
    public var line: Int

    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}

public struct XMLLimits: Sendable {
    /// Largest document accepted, in bytes.
    public var maxBytes: Int
    /// Deepest element nesting accepted (camt documents need about 12).
    public var maxDepth: Int

    public init(maxBytes: Int = 8 << 20, maxDepth: Int = 64) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }
}

/// The root element of a document and the namespace URI its name is in.
public struct XDocument: Sendable {
    public var root: XElement
    public var namespace: String?

    /// Reads a UTF-8 (or ISO-8859-1, when the declaration says so) document.
    public static func read(_ bytes: [UInt8], limits: XMLLimits = XMLLimits()) throws(XMLReadError) -> XDocument {
        guard bytes.count <= limits.maxBytes else {
            throw XMLReadError(
                kind: .tooLarge, message: "document of \(bytes.count) bytes exceeds the \(limits.maxBytes)-byte limit",
                line: 0)
        }
        if bytes.count >= 2, (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE) {
            throw XMLReadError(
                kind: .unsupportedEncoding, message: "UTF-16 documents are not accepted; send UTF-8", line: 1)
        }
        var reader = XMLByteReader(bytes: bytes, limits: limits)
        return try reader.document()
    }

    public static func read(_ text: String, limits: XMLLimits = XMLLimits()) throws(XMLReadError) -> XDocument {
        try read(Array(text.utf8), limits: limits)
    }
}

private struct XMLByteReader {
    var bytes: [UInt8]
    let limits: XMLLimits
    var index = 0
    var line = 1
    var reencoded = false

    init(bytes: [UInt8], limits: XMLLimits) {
        self.bytes = bytes
        self.limits = limits
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    func fail(_ kind: XMLReadError.Kind, _ message: String) -> XMLReadError {
        XMLReadError(kind: kind, message: message, line: line)
    }

    var atEnd: Bool { index >= bytes.count }

    func peek(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let pointer = text.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] { return false }
        return true
    }

    mutating func advance(_ count: Int = 1) {
        for _ in 0..<count {
            if bytes[index] == 0x0A { line += 1 }
            index += 1
        }
    }

    mutating func skipSpace() {
        while !atEnd, isSpace(bytes[index]) { advance() }
    }

    /// Skips to just after `terminator`, failing with `what` when the input ends first.
    mutating func skip(past terminator: StaticString, what: String) throws(XMLReadError) {
        while !atEnd {
            if peek(terminator) {
                advance(terminator.utf8CodeUnitCount)
                return
            }
            advance()
        }
        throw fail(.malformed, "unterminated \(what)")
    }

    mutating func document() throws(XMLReadError) -> XDocument {
        if peek("<?xml") {
            let start = index
            try skip(past: "?>", what: "XML declaration")
            let declaration = String(decoding: bytes[start..<index], as: UTF8.self)
            try checkEncoding(declaration)
        }
        if !reencoded { try checkUTF8() }
        try misc()
        guard !atEnd, bytes[index] == UInt8(ascii: "<") else { throw fail(.malformed, "no root element") }
        var namespaces: [String: String] = [:]
        let root = try element(depth: 1, namespaces: &namespaces)
        try misc()
        guard atEnd else { throw fail(.malformed, "content after the root element") }
        return XDocument(root: root.element, namespace: root.namespace)
    }

    /// A document in UTF-8 (no other charset declared) must be UTF-8: the first byte that is
    /// not is refused with its line, never read as a replacement character.
    mutating func checkUTF8() throws(XMLReadError) {
        let count = bytes.count
        let bad: Int? = bytes.withUnsafeBufferPointer { buffer in
            var i = 0
            let raw = UnsafeRawBufferPointer(buffer)
            while i < count {
                // Eight ASCII bytes at a time.
                if i + 8 <= count, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                    continue
                }
                let byte = buffer[i]
                if byte < 0x80 {
                    i += 1
                    continue
                }
                // Well-formed sequences (Unicode, table 3-7).
                let length: Int
                var low: UInt8 = 0x80
                var high: UInt8 = 0xBF
                switch byte {
                case 0xC2...0xDF: length = 2
                case 0xE0: (length, low) = (3, 0xA0)
                case 0xE1...0xEC, 0xEE...0xEF: length = 3
                case 0xED: (length, high) = (3, 0x9F)
                case 0xF0: (length, low) = (4, 0x90)
                case 0xF1...0xF3: length = 4
                case 0xF4: (length, high) = (4, 0x8F)
                default: return i
                }
                guard i + length <= count, (low...high).contains(buffer[i + 1]) else { return i }
                for k in 2..<max(length, 2) where !(0x80...0xBF).contains(buffer[i + k]) { return i }
                i += length
            }
            return nil
        }
        guard let bad else { return }
        let lineNumber = 1 + bytes[..<bad].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        throw XMLReadError(
            kind: .invalidUTF8,
            message:
                "byte 0x\(String(bytes[bad], radix: 16, uppercase: true)) is not UTF-8, and the document declares no other encoding",
            line: lineNumber)
    }

    mutating func checkEncoding(_ declaration: String) throws(XMLReadError) {
        guard let range = declaration.firstRange(of: "encoding") else { return }
        let rest = declaration[range.upperBound...].drop { $0 == " " || $0 == "=" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return }
        let name = rest.dropFirst().prefix { $0 != quote }.uppercased()
        switch name {
        case "UTF-8", "UTF8", "US-ASCII", "ASCII": return
        case "ISO-8859-1", "LATIN1", "ISO8859-1", "WINDOWS-1252":
            // One byte per character: re-encode as UTF-8 (the declaration itself is ASCII).
            var utf8: [UInt8] = []
            utf8.reserveCapacity(bytes.count + bytes.count / 8)
            for byte in bytes {
                if byte < 0x80 {
                    utf8.append(byte)
                } else {
                    utf8.append(0xC0 | (byte >> 6))
                    utf8.append(0x80 | (byte & 0x3F))
                }
            }
            let consumed = index
            bytes = utf8
            index = consumed  // the declaration was ASCII, so the offset is unchanged
            reencoded = true
        default:
            throw fail(.unsupportedEncoding, "encoding \"\(name)\" is not accepted; send UTF-8 or ISO-8859-1")
        }
    }

    /// Comments, processing instructions and space outside the root; a DOCTYPE is refused.
    mutating func misc() throws(XMLReadError) {
        while true {
            skipSpace()
            if peek("<!--") {
                try skip(past: "-->", what: "comment")
            } else if peek("<?") {
                try skip(past: "?>", what: "processing instruction")
            } else if peek("<!DOCTYPE") || peek("<!doctype") {
                throw fail(
                    .doctypeRefused,
                    "DOCTYPE declarations are refused: bank documents need no DTD, and one could declare "
                        + "external entities or an entity-expansion bomb")
            } else {
                return
            }
        }
    }

    mutating func name() throws(XMLReadError) -> String {
        let start = index
        while !atEnd {
            let byte = bytes[index]
            if isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=") {
                break
            }
            index += 1
        }
        guard index > start else { throw fail(.malformed, "a name was expected") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    static func local(_ qualified: String) -> (prefix: String, local: String) {
        guard let colon = qualified.firstIndex(of: ":") else { return ("", qualified) }
        return (String(qualified[..<colon]), String(qualified[qualified.index(after: colon)...]))
    }

    mutating func element(depth: Int, namespaces: inout [String: String]) throws(XMLReadError) -> (
        element: XElement, namespace: String?
    ) {
        guard depth <= limits.maxDepth else {
            throw fail(.tooDeep, "elements nest deeper than \(limits.maxDepth) levels")
        }
        advance()  // <
        let qualified = try name()
        var attributes: [String: String] = [:]
        // The prefixes in scope are one dictionary for the whole document: an element's
        // declarations go into it and are undone when the element ends. (A copy of the scope for
        // each element that declares one cost the number of prefixes in scope, so a document with
        // many declarations on the root and one on each of many elements took quadratic time.)
        var undo: [(prefix: String, previous: String?)] = []
        defer {
            for (prefix, previous) in undo.reversed() { namespaces[prefix] = previous }
        }
        while true {
            skipSpace()
            guard !atEnd else { throw fail(.malformed, "unterminated start tag <\(qualified)>") }
            if bytes[index] == UInt8(ascii: ">") || peek("/>") { break }
            let attribute = try name()
            skipSpace()
            guard !atEnd, bytes[index] == UInt8(ascii: "=") else {
                throw fail(.malformed, "attribute \(attribute) of <\(qualified)> has no value")
            }
            advance()
            skipSpace()
            guard !atEnd, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                throw fail(.malformed, "attribute \(attribute) of <\(qualified)> is not quoted")
            }
            let quote = bytes[index]
            advance()
            var value: [UInt8] = []
            while true {
                guard !atEnd else { throw fail(.malformed, "unterminated attribute \(attribute)") }
                let byte = bytes[index]
                if byte == quote { break }
                if byte == UInt8(ascii: "<") {
                    throw fail(.malformed, "'<' in the value of attribute \(attribute)")
                }
                if byte == UInt8(ascii: "&") {
                    try reference(into: &value)
                } else {
                    value.append(byte)
                    advance()
                }
            }
            advance()
            let text = String(decoding: value, as: UTF8.self)
            if attribute == "xmlns" {
                undo.append(("", namespaces.updateValue(text, forKey: "")))
            } else if attribute.hasPrefix("xmlns:") {
                let prefix = String(attribute.dropFirst(6))
                undo.append((prefix, namespaces.updateValue(text, forKey: prefix)))
            }
            attributes[Self.local(attribute).local] = text
        }
        let (prefix, local) = Self.local(qualified)
        let namespace = namespaces[prefix]
        if peek("/>") {
            advance(2)
            return (XElement(name: local, attributes: attributes), namespace)
        }
        var children: [XElement] = []
        advance()  // >
        var text: [UInt8] = []
        var pendingSpace: Range<Int>?
        while true {
            guard !atEnd else { throw fail(.malformed, "element <\(qualified)> is not closed") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "<") {
                if peek("</") {
                    advance(2)
                    let closing = try name()
                    skipSpace()
                    guard closing == qualified else {
                        throw fail(.malformed, "</\(closing)> closes <\(qualified)>")
                    }
                    guard !atEnd, bytes[index] == UInt8(ascii: ">") else {
                        throw fail(.malformed, "unterminated end tag </\(closing)>")
                    }
                    advance()
                    break
                } else if peek("<!--") {
                    try skip(past: "-->", what: "comment")
                } else if peek("<![CDATA[") {
                    advance(9)
                    flush(&pendingSpace, into: &text)
                    let start = index
                    try skip(past: "]]>", what: "CDATA section")
                    text.append(contentsOf: bytes[start..<(index - 3)])
                } else if peek("<?") {
                    try skip(past: "?>", what: "processing instruction")
                } else if peek("<!") {
                    throw fail(.doctypeRefused, "markup declarations are refused inside a document")
                } else {
                    children.append(try element(depth: depth + 1, namespaces: &namespaces).element)
                }
            } else if byte == UInt8(ascii: "&") {
                flush(&pendingSpace, into: &text)
                try reference(into: &text)
            } else {
                // A run of character data up to the next markup, in one piece.
                let start = index
                var blank = true
                while index < bytes.count {
                    let next = bytes[index]
                    if next == UInt8(ascii: "<") || next == UInt8(ascii: "&") { break }
                    if next == 0x0A { line += 1 }
                    if blank && !isSpace(next) { blank = false }
                    index += 1
                }
                if blank {
                    // Indentation between children is dropped, unless text follows.
                    pendingSpace = pendingSpace.map { $0.lowerBound..<index } ?? start..<index
                } else {
                    flush(&pendingSpace, into: &text)
                    text.append(contentsOf: bytes[start..<index])
                }
            }
        }
        if children.isEmpty { flush(&pendingSpace, into: &text) }
        let node = XElement(
            name: local, attributes: attributes, children: children,
            text: text.isEmpty ? "" : String(decoding: text, as: UTF8.self))
        return (node, namespace)
    }

    func flush(_ pending: inout Range<Int>?, into text: inout [UInt8]) {
        guard let range = pending else { return }
        text.append(contentsOf: bytes[range])
        pending = nil
    }

    /// A character or predefined entity reference; any other entity is undefined (no DTD).
    mutating func reference(into output: inout [UInt8]) throws(XMLReadError) {
        let start = index
        advance()
        while !atEnd, bytes[index] != UInt8(ascii: ";"), index - start < 12 { index += 1 }
        guard !atEnd, bytes[index] == UInt8(ascii: ";") else {
            throw fail(.malformed, "a bare '&' (write &amp;)")
        }
        let name = String(decoding: bytes[(start + 1)..<index], as: UTF8.self)
        index += 1
        switch name {
        case "lt": output.append(UInt8(ascii: "<"))
        case "gt": output.append(UInt8(ascii: ">"))
        case "amp": output.append(UInt8(ascii: "&"))
        case "quot": output.append(UInt8(ascii: "\""))
        case "apos": output.append(UInt8(ascii: "'"))
        default:
            var scalar: UInt32?
            if name.hasPrefix("#x") {
                scalar = UInt32(name.dropFirst(2), radix: 16)
            } else if name.hasPrefix("#") {
                scalar = UInt32(name.dropFirst(), radix: 10)
            } else {
                throw fail(.undefinedEntity, "entity &\(name); is not defined (documents may not declare entities)")
            }
            guard let value = scalar, let character = Unicode.Scalar(value), value != 0 else {
                throw fail(.malformed, "&\(name); is not a valid character reference")
            }
            output.append(contentsOf: Array(String(Character(character)).utf8))
        }
    }
}

@inline(__always) func isSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
}

extension StringProtocol {
    /// Without leading and trailing XML white space (space, tab, CR, LF).
    func trimmingXMLSpace() -> String {
        if let string = self as? String { return string[...].trimmingXMLSpace() }
        if let substring = self as? Substring { return substring.trimmingXMLSpace() }
        return String(self)[...].trimmingXMLSpace()
    }
}

extension Substring {
    func trimmingXMLSpace() -> String {
        let utf8 = self.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, isSpace(utf8[start]) { start = utf8.index(after: start) }
        while end > start, isSpace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return String(self[start..<end])
    }
}
