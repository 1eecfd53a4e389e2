/// Bank statements as the standards define them, whatever file they came from: camt.053
/// (statement), camt.054 (debit/credit notification), camt.052 (intraday report), SWIFT MT940,
/// or a CSV export. Field names follow ISO 20022; `docs/bank-statements.md` maps each field to
/// the camt element, the MT940 field and the CSV column it is read from.
public enum StatementFormat: String, Sendable, Codable, CaseIterable {
    case camt052 = "camt.052"
    case camt053 = "camt.053"
    case camt054 = "camt.054"
    case mt940
    case csv
}

/// Credit (money in, seen from the statement's account) or debit (money out).
public enum CreditDebit: String, Sendable, Codable {
    case credit, debit
}

/// An entry's status: booked (the bank's confirmation), pending, information only, or future.
public enum EntryStatus: String, Sendable, Codable {
    case booked, pending, information, future

    /// camt codes: BOOK, PDNG, INFO, FUTR (ExternalEntryStatus1Code from .001.08 on).
    init?(camtCode: String) {
        switch camtCode.uppercased() {
        case "BOOK": self = .booked
        case "PDNG": self = .pending
        case "INFO": self = .information
        case "FUTR": self = .future
        default: return nil
        }
    }
}

/// An exact amount with up to five decimals (ISO 20022 allows 5 fraction digits), kept as an
/// integer count of 10⁻⁵ units so nothing is lost to floating point. Always non-negative: the
/// direction is the entry's `CreditDebit`.
public struct StatementAmount: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public static let scale: Int64 = 100_000
    public var hundredThousandths: Int64

    public init(hundredThousandths: Int64) {
        self.hundredThousandths = hundredThousandths
    }

    public init(minorUnits: Int64, exponent: Int) {
        var factor: Int64 = Self.scale
        for _ in 0..<exponent { factor /= 10 }
        hundredThousandths = minorUnits * factor
    }

    /// Reads "1234.56", "1234,56", "0.12345", "1 234,56" with the given decimal separator;
    /// `grouping` characters (thousands separators) are skipped. Nil for anything else: a sign,
    /// more than five decimals, no digits, or more than 13 integer digits (leading zeros apart).
    public static func parse(
        _ text: some StringProtocol, decimalSeparator: Character = ".", grouping: Set<Character> = []
    ) -> StatementAmount? {
        var integer: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var integerDigits = 0
        var seenSeparator = false
        var sawDigit = false
        let separator = decimalSeparator.unicodeScalars.first!
        for scalar in text.unicodeScalars {
            if scalar == separator {
                guard !seenSeparator else { return nil }
                seenSeparator = true
            } else if scalar.value >= 0x30 && scalar.value <= 0x39 {
                let digit = Int64(scalar.value - 0x30)
                if seenSeparator {
                    fractionDigits += 1
                    guard fractionDigits <= 5 else { return nil }
                    fraction = fraction * 10 + digit
                } else {
                    // Leading zeros are no digits of the amount: banks pad amounts with them
                    // ("000000000012,00", Rabobank's 15-character amounts).
                    if integerDigits > 0 || digit != 0 { integerDigits += 1 }
                    guard integerDigits <= 13 else { return nil }
                    integer = integer * 10 + digit
                    sawDigit = true
                }
            } else if !seenSeparator, !grouping.isEmpty, grouping.contains(Character(scalar)) {
                continue
            } else {
                return nil
            }
        }
        guard sawDigit || fractionDigits > 0 else { return nil }
        for _ in fractionDigits..<5 { fraction *= 10 }
        return StatementAmount(hundredThousandths: integer * scale + fraction)
    }

    /// The amount in a currency's minor units (exponent 2 for EUR: cents), or nil when it is
    /// not a whole number of them (12.345 EUR).
    public func minorUnits(exponent: Int) -> Int64? {
        var factor: Int64 = Self.scale
        for _ in 0..<exponent { factor /= 10 }
        guard hundredThousandths % factor == 0 else { return nil }
        return hundredThousandths / factor
    }

    public var description: String {
        let integer = hundredThousandths / Self.scale
        var fraction = String(hundredThousandths % Self.scale)
        fraction = String(repeating: "0", count: 5 - fraction.count) + fraction
        while fraction.count > 2, fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(integer).\(fraction)"
    }

    public static func < (a: StatementAmount, b: StatementAmount) -> Bool {
        a.hundredThousandths < b.hundredThousandths
    }

    public static func + (a: StatementAmount, b: StatementAmount) -> StatementAmount {
        StatementAmount(hundredThousandths: a.hundredThousandths + b.hundredThousandths)
    }
}

/// A party to a transaction: its name, its account (IBAN or another identifier) and its
/// bank (BIC).
public struct StatementParty: Sendable, Equatable, Codable {
    public var name: String?
    public var account: String?
    public var bic: String?
    /// The name of the party's bank (camt `RltdAgts/DbtrAgt|CdtrAgt/FinInstnId/Nm`).
    public var bankName: String?

    public init(name: String? = nil, account: String? = nil, bic: String? = nil, bankName: String? = nil) {
        self.name = name
        self.account = account
        self.bic = bic
        self.bankName = bankName
    }

    public var isEmpty: Bool { name == nil && account == nil && bic == nil && bankName == nil }
}

/// The account a statement is about.
public struct StatementAccount: Sendable, Equatable, Codable {
    public var iban: String?
    /// An identifier other than an IBAN (MT940 :25: account, camt Othr/Id).
    public var other: String?
    public var currency: String?
    public var ownerName: String?
    public var servicerBIC: String?

    public init(
        iban: String? = nil, other: String? = nil, currency: String? = nil, ownerName: String? = nil,
        servicerBIC: String? = nil
    ) {
        self.iban = iban
        self.other = other
        self.currency = currency
        self.ownerName = ownerName
        self.servicerBIC = servicerBIC
    }

    public var identifier: String? { iban ?? other }
}

/// A balance line: OPBD (opening booked), CLBD (closing booked), CLAV (closing available)…
public struct StatementBalance: Sendable, Equatable, Codable {
    public var type: String
    public var amount: StatementAmount
    public var currency: String
    public var creditDebit: CreditDebit
    /// ISO date, yyyy-MM-dd; nil when the file gives none (an MT940 balance dated "000000").
    public var date: String?

    public init(type: String, amount: StatementAmount, currency: String, creditDebit: CreditDebit, date: String?) {
        self.type = type
        self.amount = amount
        self.currency = currency
        self.creditDebit = creditDebit
        self.date = date
    }
}

/// One transaction inside an entry (a batch entry has several).
public struct StatementTransaction: Sendable, Equatable, Codable {
    public var messageID: String?
    public var accountServicerReference: String?
    public var paymentInformationID: String?
    public var instructionID: String?
    /// The end-to-end id the payer gave the payment ("NOTPROVIDED" is read as absent).
    public var endToEndID: String?
    public var transactionID: String?
    public var mandateID: String?
    /// The transaction's own amount when the entry batches several.
    public var amount: StatementAmount?
    public var currency: String?
    public var creditDebit: CreditDebit?
    public var debtor = StatementParty()
    public var creditor = StatementParty()
    public var ultimateDebtor: String?
    public var ultimateCreditor: String?
    /// Unstructured remittance information lines (camt Ustrd, MT940 :86: text, CSV description).
    public var remittance: [String] = []
    /// The structured creditor reference (ISO 11649 "RF…" or a national one).
    public var creditorReference: String?
    public var purpose: String?

    public init() {}

    public var isEmpty: Bool { self == StatementTransaction() }
}

/// One entry of a statement: a movement on the account, booked or not.
public struct StatementEntry: Sendable, Equatable, Codable {
    /// camt NtryRef; MT940 the reference for the account owner (:61: subfield 7).
    public var reference: String?
    public var amount: StatementAmount
    public var currency: String
    public var creditDebit: CreditDebit
    public var reversal: Bool
    public var status: EntryStatus
    /// The date the bank booked the entry (yyyy-MM-dd); nil when the file does not give it (an
    /// MT940 :61: without its entry date): never copied from the value date.
    public var bookingDate: String?
    /// The date the funds are available or cease to be (yyyy-MM-dd).
    public var valueDate: String?
    /// The bank's own reference (camt AcctSvcrRef; MT940 after "//" in :61:).
    public var accountServicerReference: String?
    /// "PMNT/RCDT/ESCT" (ISO domain/family/sub-family), or a proprietary code ("NTRF", "166").
    public var bankTransactionCode: String?
    public var additionalInformation: String?
    public var transactions: [StatementTransaction]

    public init(
        reference: String? = nil, amount: StatementAmount, currency: String, creditDebit: CreditDebit,
        reversal: Bool = false, status: EntryStatus = .booked, bookingDate: String? = nil, valueDate: String? = nil,
        accountServicerReference: String? = nil, bankTransactionCode: String? = nil,
        additionalInformation: String? = nil, transactions: [StatementTransaction] = []
    ) {
        self.reference = reference
        self.amount = amount
        self.currency = currency
        self.creditDebit = creditDebit
        self.reversal = reversal
        self.status = status
        self.bookingDate = bookingDate
        self.valueDate = valueDate
        self.accountServicerReference = accountServicerReference
        self.bankTransactionCode = bankTransactionCode
        self.additionalInformation = additionalInformation
        self.transactions = transactions
    }
}

/// A statement (or notification, or report) for one account.
public struct BankStatement: Sendable, Equatable, Codable {
    public var format: StatementFormat
    /// The message definition's version ("001.02"…"001.08") for camt, nil otherwise.
    public var version: String?
    public var messageID: String?
    /// camt Stmt/Id (Ntfctn/Id, Rpt/Id); MT940 :20: transaction reference.
    public var id: String?
    /// camt ElctrncSeqNb; MT940 :28C: statement number (and "/sequence").
    public var sequenceNumber: String?
    public var createdAt: String?
    public var account: StatementAccount
    public var balances: [StatementBalance]
    public var entries: [StatementEntry]
    /// Information about the whole statement: MT940 :86: after the closing balance (or before
    /// any :61:); camt `AddtlStmtInf` (`AddtlNtfctnInf`, `AddtlRptInf`).
    public var additionalInformation: String?

    public init(
        format: StatementFormat, version: String? = nil, messageID: String? = nil, id: String? = nil,
        sequenceNumber: String? = nil, createdAt: String? = nil, account: StatementAccount = StatementAccount(),
        balances: [StatementBalance] = [], entries: [StatementEntry] = [], additionalInformation: String? = nil
    ) {
        self.additionalInformation = additionalInformation
        self.format = format
        self.version = version
        self.messageID = messageID
        self.id = id
        self.sequenceNumber = sequenceNumber
        self.createdAt = createdAt
        self.account = account
        self.balances = balances
        self.entries = entries
    }
}

/// Why a statement file could not be read: the format's rule that was broken, and where.
public struct StatementError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// A calendar date as yyyy-MM-dd, checked.
enum ISODate {
    static func valid(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let days = [31, leap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    static func leap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func format(year: Int, month: Int, day: Int) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    /// The date part of "2026-11-03" or "2026-11-03T10:15:00+01:00", checked.
    static func datePart(_ text: String) -> String? {
        let bytes = Array(text.utf8.prefix(10))
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            valid(year: year, month: month, day: day)
        else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
