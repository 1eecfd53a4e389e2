/// Finds full payment card numbers in raw input, so that none ever enters Relance.
///
/// A card number is a Luhn-valid number of 13 to 19 digits. It is found when it stands alone
/// as a run of digits (`4111111111111111`, inside a JSON string or number or free text, glued to
/// letters or punctuation), or written in the groups cards are printed in, separated by single
/// spaces or hyphens: 4-4-4-4 with an optional last group of 1 to 3 digits (Visa, Mastercard,
/// Discover, 19-digit cards), 4-6-5 (American Express) and 4-6-4 (Diners). A longer segment
/// is checked on its printed head (`4111 1111 1111 1111 12/28`) and on each of its groups of
/// 13 to 19 digits (`4111111111111111 123`), never on other windows. A run inside an IBAN, an
/// RF creditor reference or a reference beginning with a 20yymmdd date is not a card number
/// (`BankIdentifiers`; docs/domain.md gives the shapes and the measured rates).
public enum CardNumberDetector {
    /// Where a card number was found, masked for logs and dead-letter reasons: the first six
    /// and last four digits only.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        /// Byte offset of the first digit.
        public let offset: Int
        public let digitCount: Int
        public let masked: String
        public var description: String { "a card number (\(masked)) at byte \(offset)" }
    }

    /// The first card number in `bytes`, if any. (Concrete overloads: a generic call from
    /// another module is not specialised, and this runs on every input byte.)
    public static func firstCardNumber(in bytes: [UInt8]) -> Finding? { scan(bytes) }
    public static func firstCardNumber(in bytes: ArraySlice<UInt8>) -> Finding? { scan(bytes) }

    public static func firstCardNumber(in bytes: some Sequence<UInt8>) -> Finding? { scan(bytes) }

    private static func scan(_ bytes: some Sequence<UInt8>) -> Finding? {
        let found = bytes.withContiguousStorageIfAvailable { buffer -> Finding? in
            // Nearly every input has no run of 13 digits at all: one tight pass says so.
            guard mayHoldCardNumber(buffer) else { return nil }
            return findings(in: buffer, all: false).first
        }
        if let found { return found }
        return Array(bytes).withUnsafeBufferPointer { findings(in: $0, all: false).first }
    }

    /// The card numbers in `buffer`, or only the first one: the segments the scanner finds,
    /// but for those inside a bank identifier (`BankIdentifiers.covers`, asked only about
    /// segments that already passed the length, grouping and Luhn checks).
    private static func findings(in buffer: UnsafeBufferPointer<UInt8>, all: Bool) -> [Finding] {
        var scanner = Scanner()
        var found: [Finding] = []
        for index in buffer.indices {
            // Most bytes end no segment; most segments are too short to check.
            guard scanner.feed(buffer[index], at: index) else { continue }
            let candidates = scanner.digits.count >= 13 ? scanner.finish() : []
            scanner.reset()
            for candidate in candidates {
                guard let finding = candidate.finding(unless: buffer) else { continue }
                found.append(finding)
                if !all { return found }
            }
        }
        for candidate in scanner.finish() {
            guard let finding = candidate.finding(unless: buffer) else { continue }
            found.append(finding)
            if !all { return found }
        }
        return found
    }

    /// False when no segment (digits joined by single spaces or hyphens, as the scanner
    /// reads them) reaches 13 digits, so no card number can be there.
    private static func mayHoldCardNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var digits = 0
        var afterSeparator = false
        for byte in bytes {
            if byte &- 0x30 < 10 {
                digits += 1
                if digits >= 13 { return true }
                afterSeparator = false
            } else if (byte == 0x20 || byte == 0x2D) && digits > 0 && !afterSeparator {
                afterSeparator = true
            } else {
                digits = 0
                afterSeparator = false
            }
        }
        return false
    }

    /// Every card number in `bytes`.
    public static func allCardNumbers(in bytes: some Sequence<UInt8>) -> [Finding] {
        if let found = bytes.withContiguousStorageIfAvailable({ findings(in: $0, all: true) }) { return found }
        return Array(bytes).withUnsafeBufferPointer { findings(in: $0, all: true) }
    }

    /// `bytes` with the digits of every card number replaced by `X`, but for the last four:
    /// what may be kept of an input that carried one.
    public static func redacted(_ bytes: [UInt8]) -> [UInt8] {
        var result = bytes
        for finding in allCardNumbers(in: bytes) {
            var digitsSeen = 0
            var index = finding.offset
            while digitsSeen < finding.digitCount, index < result.count {
                if result[index] >= 0x30 && result[index] <= 0x39 {
                    if digitsSeen < finding.digitCount - 4 { result[index] = UInt8(ascii: "X") }
                    digitsSeen += 1
                }
                index += 1
            }
        }
        return result
    }

    /// The Luhn (mod 10) checksum over digits given most significant first.
    public static func luhnValid(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() {
            if position % 2 == 1 {
                let doubled = Int(digit) * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += Int(digit)
            }
        }
        return sum % 10 == 0
    }

    /// The group lengths cards are printed in.
    static func isCardGrouping(_ groups: [Int]) -> Bool {
        if groups == [4, 6, 5] || groups == [4, 6, 4] { return true }
        guard groups.count >= 4, groups.prefix(4).allSatisfy({ $0 == 4 }) else { return false }
        if groups.count == 4 { return true }
        return groups.count == 5 && (1...3).contains(groups[4])
    }

    /// A segment that passed the length, grouping and Luhn checks.
    private struct Candidate {
        let offset: Int
        /// The offset after the last digit.
        let end: Int
        let digits: [UInt8]
        /// Written without separators.
        let compact: Bool

        /// The finding, unless the digits belong to a bank identifier in `buffer`.
        func finding(unless buffer: UnsafeBufferPointer<UInt8>) -> Finding? {
            if BankIdentifiers.covers(buffer, start: offset, end: end, digits: digits, compact: compact) {
                return nil
            }
            let text = digits.map { Character(Unicode.Scalar($0 + 0x30)) }
            let masked =
                String(text.prefix(6)) + String(repeating: "•", count: digits.count - 10) + String(text.suffix(4))
            return Finding(offset: offset, digitCount: digits.count, masked: masked)
        }
    }

    /// A segment: digit groups joined by single spaces or hyphens.
    private struct Scanner {
        var digits: [UInt8] = []
        /// The lengths of the groups before the current one.
        var groups: [Int] = []
        var currentGroup = 0
        var segmentStart = 0
        var currentEnd = 0
        var pendingSeparator = false

        /// True when `byte` ends a segment: then `finish` reads it and `reset` clears it.
        mutating func feed(_ byte: UInt8, at index: Int) -> Bool {
            if byte >= 0x30 && byte <= 0x39 {
                if pendingSeparator {
                    groups.append(currentGroup)
                    currentGroup = 0
                    pendingSeparator = false
                }
                if digits.isEmpty { segmentStart = index }
                if digits.count < 256 { digits.append(byte - 0x30) }
                currentGroup += 1
                currentEnd = index + 1
                return false
            }
            // Most bytes: no digits gathered, nothing to check.
            if currentGroup == 0 { return false }
            if (byte == 0x20 || byte == 0x2D) && !pendingSeparator {
                pendingSeparator = true
                return false
            }
            return true
        }

        /// The card numbers the segment that just ended may be: the whole segment, if it is
        /// written compact or in a card's printed groups (a separator after the last group
        /// belongs to the text, not to the number). Otherwise, a card's printed groups at its
        /// head (4-4-4-4, 4-6-5, 4-6-4: a card followed by its expiry or security code,
        /// `4111 1111 1111 1111 12/28`), and each of its groups of 13 to 19 digits (a number
        /// written compact next to others, `4111111111111111 123`).
        func finish() -> [Candidate] {
            guard currentGroup > 0 else { return [] }
            let count = groups.reduce(currentGroup, +)
            guard count >= 13 else { return [] }
            if count <= 19 && count <= digits.count && (groups.isEmpty || isCardGrouping(groups + [currentGroup])) {
                let whole = Array(digits.prefix(count))
                guard !luhnValid(whole) else {
                    return [Candidate(offset: segmentStart, end: currentEnd, digits: whole, compact: groups.isEmpty)]
                }
            }
            guard !groups.isEmpty else { return [] }
            let lengths = groups + [currentGroup]
            // Groups are separated by exactly one byte.
            var starts: [Int] = []
            var ends: [Int] = []
            var position = segmentStart
            for length in lengths {
                starts.append(position)
                ends.append(position + length)
                position += length + 1
            }
            var candidates: [Candidate] = []
            // The longest run in a card's printed groups that passes Luhn, at the head of the
            // segment (a card followed by its expiry) or after other groups (`qty 2 4111 1111 1111
            // 1111`): from each group on.
            var digitStart = 0
            for (index, length) in lengths.enumerated() {
                defer { digitStart += length }
                let rest = lengths[index...]
                // At the head, the whole segment was read above.
                let minimumAfter = index == 0 ? 1 : 0
                for heads in [
                    rest.count > 5 ? [[4, 4, 4, 4, rest[index + 4]]] : [], [[4, 4, 4, 4], [4, 6, 5], [4, 6, 4]],
                ] {
                    guard
                        let head = heads.first(where: { head in
                            let count = head.reduce(0, +)
                            return rest.count >= head.count + minimumAfter && rest.starts(with: head)
                                && isCardGrouping(head) && digitStart + count <= digits.count
                                && luhnValid(Array(digits[digitStart..<(digitStart + count)]))
                        })
                    else { continue }
                    let count = head.reduce(0, +)
                    candidates.append(
                        Candidate(
                            offset: starts[index], end: ends[index + head.count - 1],
                            digits: Array(digits[digitStart..<(digitStart + count)]), compact: false))
                    break
                }
            }
            var first = 0
            for (position, length) in lengths.enumerated() {
                defer { first += length }
                guard (13...19).contains(length), first + length <= digits.count else { continue }
                let number = Array(digits[first..<(first + length)])
                if luhnValid(number) {
                    candidates.append(
                        Candidate(offset: starts[position], end: ends[position], digits: number, compact: true))
                }
            }
            return candidates
        }

        mutating func reset() {
            digits.removeAll(keepingCapacity: true)
            groups.removeAll(keepingCapacity: true)
            currentGroup = 0
            pendingSeparator = false
        }
    }
}
