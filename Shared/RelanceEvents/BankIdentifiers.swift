/// Bank identifiers whose digits can look like a card number, recognised so that the card-number
/// detector leaves them alone: IBANs (ISO 13616), structured creditor references (ISO 11649,
/// `RF…`) and references that begin with a date (`GKCC2027032100183`). Each shape is checked
/// strictly (country, length, national structure, mod-97; a calendar date) so that a card
/// number does not pass for one by accident; docs/domain.md gives the rates.
public enum BankIdentifiers {
    /// One country's IBAN format, from SWIFT's IBAN registry: the BBAN's parts as
    /// (count, kind), kind being `n` (digits), `a` (upper-case letters) or `c` (letters or digits).
    public struct IBANFormat: Sendable {
        public let country: String
        public let length: Int
        public let bban: [(count: Int, kind: Character)]

        init(_ country: String, _ length: Int, _ bban: [(Int, Character)]) {
            self.country = country
            self.length = length
            self.bban = bban.map { (count: $0.0, kind: $0.1) }
        }
    }

    /// The IBAN formats of the SEPA countries and territories (the 27 EU states, Iceland,
    /// Liechtenstein, Norway, Switzerland, the United Kingdom, Gibraltar, Monaco, San Marino,
    /// Vatican City, Andorra) and of the countries that joined SEPA in 2024–2025 (Albania,
    /// Moldova, Montenegro, North Macedonia, Serbia). Territories that use their state's code
    /// (Åland: FI; French overseas departments: FR; Madeira and the Azores: PT; Canaries: ES)
    /// are covered by it. Total lengths and BBAN structures as published in the registry.
    public static let sepaFormats: [IBANFormat] = [
        IBANFormat("AD", 24, [(8, "n"), (12, "c")]),
        IBANFormat("AL", 28, [(8, "n"), (16, "c")]),
        IBANFormat("AT", 20, [(16, "n")]),
        IBANFormat("BE", 16, [(12, "n")]),
        IBANFormat("BG", 22, [(4, "a"), (6, "n"), (8, "c")]),
        IBANFormat("CH", 21, [(5, "n"), (12, "c")]),
        IBANFormat("CY", 28, [(8, "n"), (16, "c")]),
        IBANFormat("CZ", 24, [(20, "n")]),
        IBANFormat("DE", 22, [(18, "n")]),
        IBANFormat("DK", 18, [(14, "n")]),
        IBANFormat("EE", 20, [(16, "n")]),
        IBANFormat("ES", 24, [(20, "n")]),
        IBANFormat("FI", 18, [(14, "n")]),
        IBANFormat("FR", 27, [(10, "n"), (11, "c"), (2, "n")]),
        IBANFormat("GB", 22, [(4, "a"), (14, "n")]),
        IBANFormat("GI", 23, [(4, "a"), (15, "c")]),
        IBANFormat("GR", 27, [(7, "n"), (16, "c")]),
        IBANFormat("HR", 21, [(17, "n")]),
        IBANFormat("HU", 28, [(24, "n")]),
        IBANFormat("IE", 22, [(4, "a"), (14, "n")]),
        IBANFormat("IS", 26, [(22, "n")]),
        IBANFormat("IT", 27, [(1, "a"), (10, "n"), (12, "c")]),
        IBANFormat("LI", 21, [(5, "n"), (12, "c")]),
        IBANFormat("LT", 20, [(16, "n")]),
        IBANFormat("LU", 20, [(3, "n"), (13, "c")]),
        IBANFormat("LV", 21, [(4, "a"), (13, "c")]),
        IBANFormat("MC", 27, [(10, "n"), (11, "c"), (2, "n")]),
        IBANFormat("MD", 24, [(20, "c")]),
        IBANFormat("ME", 22, [(18, "n")]),
        IBANFormat("MK", 19, [(3, "n"), (10, "c"), (2, "n")]),
        IBANFormat("MT", 31, [(4, "a"), (5, "n"), (18, "c")]),
        IBANFormat("NL", 18, [(4, "a"), (10, "n")]),
        IBANFormat("NO", 15, [(11, "n")]),
        IBANFormat("PL", 28, [(24, "n")]),
        IBANFormat("PT", 25, [(21, "n")]),
        IBANFormat("RO", 24, [(4, "a"), (16, "c")]),
        IBANFormat("RS", 22, [(18, "n")]),
        IBANFormat("SE", 24, [(20, "n")]),
        IBANFormat("SI", 19, [(15, "n")]),
        IBANFormat("SK", 24, [(20, "n")]),
        IBANFormat("SM", 27, [(1, "a"), (10, "n"), (12, "c")]),
        IBANFormat("VA", 22, [(18, "n")]),
    ]

    /// Index of a country's format by its two letters (A = 0): 26 × 26 entries.
    private static let formatIndex: [Int16] = {
        var index = [Int16](repeating: -1, count: 26 * 26)
        for (position, format) in sepaFormats.enumerated() {
            let letters = Array(format.country.utf8)
            index[Int(letters[0] - 0x41) * 26 + Int(letters[1] - 0x41)] = Int16(position)
        }
        return index
    }()

    /// True when the digits from `start` to `end` (byte offsets, `end` excluded) lie inside an
    /// IBAN or an RF creditor reference, or when `digits` (the run's digits, written without
    /// separators when `compact`) begin with a date: the shapes a card number is not.
    static func covers(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, digits: [UInt8], compact: Bool)
        -> Bool
    {
        if compact && beginsWithDate(digits) { return true }
        // An IBAN or RF reference starts with two letters and two check digits, at most
        // 34 characters and 8 spaces before the run's end, at the start of a word.
        var position = start - 2
        let lowest = max(0, end - 44)
        while position >= lowest {
            if isLetter(bytes[position]), position + 1 < bytes.count, isLetter(bytes[position + 1]),
                position == 0 || !isAlphanumeric(bytes[position - 1])
            {
                if let ibanEnd = ibanEnd(bytes, at: position), end <= ibanEnd { return true }
                if creditorReferenceCovers(bytes, at: position, end: end) { return true }
            }
            position -= 1
        }
        return false
    }

    /// A reference that begins with a date, yyyymmdd in 2000–2099: `GKCC2027032100183` is the
    /// bank's code, 21 March 2027 and a sequence number. No card scheme issues numbers that
    /// begin with 20 (Mastercard's 2-series is 2221–2720, Mir 2200–2204), so no card number
    /// begins with such a date.
    static func beginsWithDate(_ digits: [UInt8]) -> Bool {
        guard digits.count >= 8, digits[0] == 2, digits[1] == 0 else { return false }
        let year = 2000 + Int(digits[2]) * 10 + Int(digits[3])
        let month = Int(digits[4]) * 10 + Int(digits[5])
        let day = Int(digits[6]) * 10 + Int(digits[7])
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    /// The end of the IBAN that starts at `start` (its country code), written compact
    /// (`BE96731234568405`) or in the printed groups of four (`BE96 7312 3456 8405`), if it is
    /// one: a SEPA country's code, its length and BBAN structure, mod-97 equal to 1, and no
    /// letter or digit right after it.
    static func ibanEnd(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int? {
        guard start + 4 <= bytes.count, isLetter(bytes[start]), isLetter(bytes[start + 1]) else { return nil }
        let slot = formatIndex[Int((bytes[start] | 0x20) - 0x61) * 26 + Int((bytes[start + 1] | 0x20) - 0x61)]
        guard slot >= 0 else { return nil }
        let format = sepaFormats[Int(slot)]
        for grouped in [false, true] {
            guard let offsets = offsets(bytes, from: start, count: format.length, grouped: grouped),
                let last = offsets.last
            else { continue }
            let values = offsets.map { value(of: bytes[$0]) }
            guard values[2] < 10, values[3] < 10, matches(values.dropFirst(4), format.bban), mod97(values) == 1
            else { continue }
            return last + 1
        }
        return nil
    }

    /// The offsets of `count` letters and digits from `start`, compact or with a single space
    /// after every fourth, followed by neither a letter nor a digit.
    private static func offsets(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, count: Int, grouped: Bool)
        -> [Int]?
    {
        var offsets: [Int] = []
        offsets.reserveCapacity(count)
        var index = start
        while offsets.count < count {
            if grouped && offsets.count > 0 && offsets.count % 4 == 0 {
                guard index < bytes.count, bytes[index] == 0x20 else { return nil }
                index += 1
            }
            guard index < bytes.count, isAlphanumeric(bytes[index]) else { return nil }
            offsets.append(index)
            index += 1
        }
        if index < bytes.count && isAlphanumeric(bytes[index]) { return nil }
        return offsets
    }

    /// Whether a BBAN's characters (as values: digits 0–9, letters 10–35) follow its
    /// country's structure.
    private static func matches(_ values: ArraySlice<UInt8>, _ structure: [(count: Int, kind: Character)]) -> Bool {
        var index = values.startIndex
        for part in structure {
            for _ in 0..<part.count {
                guard index < values.endIndex else { return false }
                let value = values[index]
                if part.kind == "n" && value >= 10 { return false }
                if part.kind == "a" && value < 10 { return false }
                index += 1
            }
        }
        return index == values.endIndex
    }

    /// A letter or digit's value in mod-97 checks: digits 0–9, letters (either case) 10–35.
    static func value(of byte: UInt8) -> UInt8 { isDigit(byte) ? byte - 0x30 : (byte | 0x20) - 0x61 + 10 }

    /// ISO 7064 mod 97-10 over an IBAN or RF reference given as values: the first four
    /// characters moved to the end, letters counting as two digits.
    static func mod97(_ values: [UInt8]) -> Int {
        var remainder = 0
        for value in values.dropFirst(4) + values.prefix(4) {
            remainder = value >= 10 ? (remainder * 100 + Int(value)) % 97 : (remainder * 10 + Int(value)) % 97
        }
        return remainder
    }

    /// True when an RF creditor reference (ISO 11649: `RF`, two check digits, 1 to 21 letters
    /// or digits, compact or in groups of four) starts at `start` and holds everything up to
    /// `end`. Printed in groups, the reference may end at any group that reaches `end`: each
    /// such end is tried.
    static func creditorReferenceCovers(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> Bool {
        guard start + 4 < bytes.count, bytes[start] | 0x20 == 0x72, bytes[start + 1] | 0x20 == 0x66,
            isDigit(bytes[start + 2]), isDigit(bytes[start + 3])
        else { return false }
        var values = (start..<(start + 4)).map { value(of: bytes[$0]) }
        // Compact: the whole word.
        var index = start + 4
        while index < bytes.count && isAlphanumeric(bytes[index]) { index += 1 }
        if index > start + 4 {
            let length = index - start
            if length <= 25 && end <= index {
                return mod97(values + (start + 4..<index).map { value(of: bytes[$0]) }) == 1
            }
            return false
        }
        // Grouped: `RF18 5390 0754 7034`.
        index = start + 4
        while values.count < 25, index + 1 < bytes.count, bytes[index] == 0x20, isAlphanumeric(bytes[index + 1]) {
            var groupEnd = index + 1
            while groupEnd < bytes.count && isAlphanumeric(bytes[groupEnd]) { groupEnd += 1 }
            let group = groupEnd - index - 1
            guard group <= 4, values.count + group <= 25 else { return false }
            values += (index + 1..<groupEnd).map { value(of: bytes[$0]) }
            if end <= groupEnd && mod97(values) == 1 { return true }
            if group < 4 { return false }
            index = groupEnd
        }
        return false
    }

    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isLetter(byte) || isDigit(byte) }
}
