/// Finds full payment card numbers in raw input, so that none ever enters Relance.
///
/// A card number is a Luhn-valid number of 13 to 19 digits. It is found when it stands alone
/// as a run of digits (`4111111111111111`, inside a JSON string or number or free text), or
/// written in the groups cards are printed in, separated by single spaces or hyphens: 4-4-4-4
/// with an optional last group of 1 to 3 digits (Visa, Mastercard, Discover, 19-digit cards),
/// 4-6-5 (American Express) and 4-6-4 (Diners). A digit run or group sequence that is longer,
/// or grouped otherwise (an IBAN's `3000 6000 0112 …` after its country code, a date, a phone
/// number), is not a card number: only whole runs are checked, never a window inside one.
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
        // Nearly every input has no run of 13 digits at all: one tight pass says so.
        if bytes.withContiguousStorageIfAvailable({ !mayHoldCardNumber($0) }) == true { return nil }
        var scanner = Scanner()
        var index = 0
        for byte in bytes {
            if let finding = scanner.feed(byte, at: index) { return finding }
            index += 1
        }
        return scanner.finish()
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
        var scanner = Scanner()
        var findings: [Finding] = []
        var index = 0
        for byte in bytes {
            if let finding = scanner.feed(byte, at: index) { findings.append(finding) }
            index += 1
        }
        if let finding = scanner.finish() { findings.append(finding) }
        return findings
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

    /// A segment: digit groups joined by single spaces or hyphens.
    private struct Scanner {
        var digits: [UInt8] = []
        var groups: [Int] = []
        var currentGroup = 0
        var segmentStart = 0
        var pendingSeparator = false

        mutating func feed(_ byte: UInt8, at index: Int) -> Finding? {
            if byte >= 0x30 && byte <= 0x39 {
                if digits.isEmpty { segmentStart = index }
                if pendingSeparator {
                    groups.append(currentGroup)
                    currentGroup = 0
                    pendingSeparator = false
                }
                if digits.count < 64 { digits.append(byte - 0x30) }
                currentGroup += 1
                return nil
            }
            // Most bytes: no digits gathered, nothing to check.
            if currentGroup == 0 { return nil }
            if (byte == 0x20 || byte == 0x2D) && !pendingSeparator {
                pendingSeparator = true
                return nil
            }
            defer { reset() }
            return finish()
        }

        /// Checks the segment that just ended.
        mutating func finish() -> Finding? {
            guard currentGroup > 0 else { return nil }
            // A separator after the last group belongs to the text, not to the number.
            let count = groups.reduce(currentGroup, +)
            guard (13...19).contains(count), count <= digits.count else { return nil }
            let allGroups = groups + [currentGroup]
            let candidate = Array(digits.prefix(count))
            guard allGroups.count == 1 || isCardGrouping(allGroups), luhnValid(candidate) else { return nil }
            let text = candidate.map { Character(Unicode.Scalar($0 + 0x30)) }
            let masked =
                String(text.prefix(6)) + String(repeating: "•", count: count - 10) + String(text.suffix(4))
            return Finding(offset: segmentStart, digitCount: count, masked: masked)
        }

        mutating func reset() {
            digits.removeAll(keepingCapacity: true)
            groups.removeAll(keepingCapacity: true)
            currentGroup = 0
            pendingSeparator = false
        }
    }
}
