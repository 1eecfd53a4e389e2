import Foundation

/// SWIFT MT940 customer statements. A file holds one or more statements, each optionally in
/// SWIFT blocks (`{1:…}{2:…}{4:` … `-}`) or separated by a line with a single `-`.
///
/// Fields read: :20: transaction reference, :25: account, :28C: statement/sequence number,
/// :60F:/:60M: opening balance, :61: statement line, :86: information to the account owner
/// (several lines), :62F:/:62M: closing balance, :64: closing available, :65: forward available.
/// The :86: field is read in the structured styles banks use — the German "?20…?63" sub-fields
/// with SEPA keywords (EREF+, SVWZ+, …), Triodos's ">20…>32", and the "/EREF/…/REMI/…" style of
/// Dutch and Belgian banks — in the Dutch banks' text habits (Knab "REK:/NAAM:", SNS's account
/// and name first), and as plain text otherwise. The banks' other habits read (header blocks,
/// ETX, a space before the type, 30 February…) and what is refused: docs/bank-statements.md,
/// "MT940 as banks write it".
public enum MT940Reader {
    public static func read(_ text: String, maxBytes: Int = 8 << 20) throws(StatementError) -> [BankStatement] {
        guard text.utf8.count <= maxBytes else {
            throw StatementError("too_large", "file of \(text.utf8.count) bytes exceeds the \(maxBytes)-byte limit")
        }
        var statements: [BankStatement] = []
        for (index, fields) in try split(text).enumerated() {
            statements.append(try statement(fields, number: index + 1))
        }
        guard !statements.isEmpty else {
            throw StatementError("not_mt940", "no MT940 statement (no :20: field) in the file")
        }
        return statements
    }

    struct Field {
        var tag: String
        var lines: [String]
        var line: Int
        var value: String { lines.joined(separator: "\n") }
    }

    /// The fields of each statement in the file.
    static func split(_ text: String) throws(StatementError) -> [[Field]] {
        var statements: [[Field]] = []
        var current: [Field] = []
        func finish() {
            if !current.isEmpty { statements.append(current) }
            current = []
        }
        let bytes = Array(text.utf8)
        var lineNumber = 0
        var lineStart = 0
        while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            lineNumber += 1
            var line = bytes[lineStart..<lineEnd]
            // CR of CRLF; and the transmission's control characters some banks leave in the file:
            // SOH (0x01) before a header, ETX (0x03) after the closing "-", SUB (0x1A) at the end.
            while let last = line.last, last == 0x0D || last == 0x03 || last == 0x1A { line = line.dropLast() }
            while line.first == 0x01 { line = line.dropFirst() }
            // Strip SWIFT block framing: {1:…}{2:…}{3:…}{4: at the start, -} and {5:…} at the end.
            while line.first == UInt8(ascii: "{") {
                if line.starts(with: [UInt8(ascii: "{"), UInt8(ascii: "4"), UInt8(ascii: ":")]) {
                    finish()
                    line = line.dropFirst(3)
                    break
                }
                guard let close = line.firstIndex(of: UInt8(ascii: "}")) else { break }
                line = line[(close + 1)...]
            }
            if line.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "}")]) || line.elementsEqual([UInt8(ascii: "-")]) {
                finish()
                continue
            }
            if line.allSatisfy(isSpace) { continue }
            if let tag = tag(of: line) {
                if tag == "20" { finish() }
                current.append(
                    Field(
                        tag: tag, lines: [String(decoding: line.dropFirst(tag.utf8.count + 2), as: UTF8.self)],
                        line: lineNumber))
            } else if !current.isEmpty {
                current[current.count - 1].lines.append(String(decoding: line, as: UTF8.self))
            } else if statements.isEmpty {
                continue  // a bank's preamble before the first field
            } else if isHeaderLine(line) {
                continue  // a bank's header block before the next statement
            } else {
                throw StatementError("malformed_mt940", "line \(lineNumber): text outside any field")
            }
        }
        finish()
        return statements
    }

    /// A line of the header block banks write before each statement: ABN AMRO's sender BIC,
    /// message type and receiver BIC ("ABNANL2A" / "940" / "ABNANL2A"), Rabobank's ":940:".
    /// Only letters and digits, at most 12 (a BIC with a branch and a terminal code).
    static func isHeaderLine(_ line: ArraySlice<UInt8>) -> Bool {
        var content = line
        while content.last == UInt8(ascii: " ") { content = content.dropLast() }
        if content.elementsEqual(":940:".utf8) || content.elementsEqual(":942:".utf8) { return true }
        return !content.isEmpty && content.count <= 12
            && content.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }
    }

    /// ":61:" → "61", ":28C:" → "28C"; nil when the line does not start a field.
    static func tag(of line: ArraySlice<UInt8>) -> String? {
        let bytes = Array(line.prefix(6))
        guard bytes.count >= 4, bytes[0] == UInt8(ascii: ":"),
            (0x30...0x39).contains(bytes[1]), (0x30...0x39).contains(bytes[2])
        else { return nil }
        if bytes[3] == UInt8(ascii: ":") { return String(decoding: bytes[1...2], as: UTF8.self) }
        if bytes.count >= 5, (0x41...0x5A).contains(bytes[3]), bytes[4] == UInt8(ascii: ":") {
            return String(decoding: bytes[1...3], as: UTF8.self)
        }
        return nil
    }

    static func statement(_ fields: [Field], number: Int) throws(StatementError) -> BankStatement {
        var statement = BankStatement(format: .mt940)
        let place = "statement \(number)"
        // The :86: lines of the current entry, all of its :86: fields together (banks write
        // several for one :61:), read once the entry's fields end; and what :61: itself said of
        // the counterparty (Rabobank).
        var information: [String] = []
        var counterparty = StatementParty()
        var closed = false  // after :62F:/:62M:, a :86: is about the whole statement
        var statementInformation: [String] = []
        for var field in fields {
            let at = "\(place), line \(field.line), :\(field.tag):"
            // A space after the tag (":86: 020?00…") is no part of the value.
            if let first = field.lines.first, first.hasPrefix(" ") {
                field.lines[0] = String(first.drop(while: { $0 == " " }))
            }
            if field.tag != "86", !information.isEmpty || !counterparty.isEmpty {
                finishEntry(&statement, &information, &counterparty)
            }
            switch field.tag {
            case "20": statement.id = field.value.trimmingXMLSpace()
            case "25":
                // The first :25: names the account; a bank that writes a second one (its
                // currency, or the account's name) does not replace it.
                let account = field.value.trimmingXMLSpace()
                guard statement.account.identifier == nil else {
                    if isCurrencyCode(account), statement.account.currency == nil {
                        statement.account.currency = account
                    }
                    continue
                }
                // "BIC/account" or an IBAN or a national account number.
                if let slash = account.firstIndex(of: "/") {
                    statement.account.servicerBIC = String(account[..<slash])
                    setAccount(String(account[account.index(after: slash)...]), in: &statement.account)
                } else {
                    setAccount(account, in: &statement.account)
                }
            case "28C", "28": statement.sequenceNumber = field.value.trimmingXMLSpace()
            case "21", "25P", "13", "13D", "34F", "90C", "90D": continue  // read, not modelled
            case "60F", "60M", "62F", "62M", "64", "65":
                let types = ["60F": "OPBD", "60M": "OPBD", "62F": "CLBD", "62M": "CLBD", "64": "CLAV", "65": "FWAV"]
                let balance = try balance(field.value, type: types[field.tag]!, at: at)
                if statement.account.currency == nil { statement.account.currency = balance.currency }
                statement.balances.append(balance)
                if field.tag.hasPrefix("62") || field.tag == "64" || field.tag == "65" { closed = true }
            case "61":
                let currency = statement.account.currency ?? ""
                let (entry, party) = try line(field.lines, currency: currency, at: at)
                statement.entries.append(entry)
                counterparty = party
                closed = false
            case "86":
                if statement.entries.isEmpty || closed {
                    // Information about the whole statement: before any :61:, or after the
                    // closing balance.
                    let text = field.lines.joined(separator: "\n").trimmingXMLSpace()
                    if !text.isEmpty { statementInformation.append(text) }
                    continue
                }
                if information.isEmpty {
                    information = field.lines
                } else {
                    information.append(contentsOf: field.lines)
                }
            default:
                throw StatementError("unknown_tag", "\(place), line \(field.line): :\(field.tag): is no MT940 field")
            }
        }
        finishEntry(&statement, &information, &counterparty)
        if !statementInformation.isEmpty {
            statement.additionalInformation = statementInformation.joined(separator: "\n")
        }
        guard statement.id != nil else { throw StatementError("missing_field", "\(place) has no :20:") }
        guard statement.account.identifier != nil else {
            throw StatementError("missing_field", "\(place) has no :25: account")
        }
        guard statement.balances.contains(where: { $0.type == "OPBD" }) else {
            throw StatementError("missing_field", "\(place) has no :60F: or :60M: opening balance")
        }
        return statement
    }

    /// Reads the entry's :86: lines and what its :61: said of the counterparty into the last
    /// entry, and empties them for the next.
    static func finishEntry(
        _ statement: inout BankStatement, _ information: inout [String], _ counterparty: inout StatementParty
    ) {
        guard !statement.entries.isEmpty, !information.isEmpty || !counterparty.isEmpty else { return }
        Self.information(information, counterparty: counterparty, into: &statement.entries[statement.entries.count - 1])
        information = []
        counterparty = StatementParty()
    }

    static func isCurrencyCode(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 3 && text.utf8.allSatisfy { (0x41...0x5A).contains($0) }
    }

    /// IBAN lengths of the countries whose banks write the account and its currency run
    /// together in :25: (ING: "NL69INGB0123456789EUR").
    static let ibanLengths: [String: Int] = [
        "AT": 20, "BE": 16, "CH": 21, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "IE": 22,
        "IT": 27, "LI": 21, "LU": 20, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "SE": 24,
    ]

    static func setAccount(_ text: String, in account: inout StatementAccount) {
        var text = text
        // The account's currency after it: "NL68RABO0123456789 EUR" (Rabobank),
        // "NL69INGB0123456789EUR" (ING).
        if let space = text.lastIndex(of: " "), isCurrencyCode(text[text.index(after: space)...]) {
            account.currency = String(text[text.index(after: space)...])
            text = String(text[..<space]).trimmingXMLSpace()
        } else if text.utf8.count >= 18, isCurrencyCode(text.suffix(3)),
            let length = ibanLengths[String(text.prefix(2))], text.utf8.count == length + 3
        {
            account.currency = String(text.suffix(3))
            text = String(text.dropLast(3))
        }
        let compact = String(text.filter { $0 != " " })
        let looksLikeIBAN =
            compact.count >= 15 && compact.prefix(2).allSatisfy { $0.isASCII && $0.isLetter }
            && compact.dropFirst(2).prefix(2).allSatisfy { $0.isASCII && $0.isNumber }
        if looksLikeIBAN { account.iban = compact } else { account.other = text }
    }

    /// D/C mark, YYMMDD, currency, amount: "C261120EUR1234,56".
    static func balance(_ text: String, type: String, at place: String) throws(StatementError) -> StatementBalance {
        let value = Array(text.trimmingXMLSpace().utf8)
        let mark = value.first
        // "000000": the balance's date not given (a bank's first statement of an account opens
        // with a balance of no date); read as no date, not refused.
        let dateText = value.count >= 7 ? String(decoding: value[1..<7], as: UTF8.self) : ""
        let date = dateText == "000000" ? nil : Self.date(dateText)
        guard value.count >= 11, mark == UInt8(ascii: "C") || mark == UInt8(ascii: "D"),
            date != nil || dateText == "000000",
            let amount = StatementAmount.parse(String(decoding: value[10...], as: UTF8.self), decimalSeparator: ",")
        else {
            throw StatementError(
                "invalid_balance", "\(place) \"\(text)\" is not a balance (D/C mark, YYMMDD, currency, amount)")
        }
        return StatementBalance(
            type: type, amount: amount, currency: String(decoding: value[7..<10], as: UTF8.self),
            creditDebit: mark == UInt8(ascii: "C") ? .credit : .debit,
            date: date)
    }

    /// YYMMDD → yyyy-MM-dd (years 00–79 are 20xx).
    static func date(_ text: String) -> String? {
        guard text.count == 6, text.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(text) else {
            return nil
        }
        let yy = number / 10_000
        let year = yy < 80 ? 2000 + yy : 1900 + yy
        return dayOf(year: year, month: number / 100 % 100, day: number % 100)
    }

    /// A checked date, where the 29th or 30th of February is read as February's last day: some
    /// banks write value dates such as "270230" for the end of February, as the 30/360 day
    /// count (every month counted as 30 days) dates interest and charges. Any other day beyond
    /// its month's end (31 April, 32 May) is no date.
    static func dayOf(year: Int, month: Int, day: Int) -> String? {
        if month == 2, day == 29 || day == 30, !ISODate.valid(year: year, month: month, day: day) {
            return ISODate.format(year: year, month: 2, day: ISODate.leap(year) ? 29 : 28)
        }
        guard ISODate.valid(year: year, month: month, day: day) else { return nil }
        return ISODate.format(year: year, month: month, day: day)
    }

    /// The statement line: value date, [entry date], mark, [funds code], amount, type code,
    /// reference for the account owner, [//bank reference], [newline supplementary details].
    /// Also what the line says of the counterparty, in the banks' habits that put it there.
    static func line(_ lines: [String], currency: String, at place: String) throws(StatementError) -> (
        StatementEntry, StatementParty
    ) {
        let text = Array(lines[0].utf8)
        var index = 0
        func fail(_ what: String) -> StatementError {
            StatementError("invalid_statement_line", "\(place) \"\(lines[0])\": \(what)")
        }
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
        func digits(_ count: Int) -> String? {
            guard index + count <= text.count, text[index..<(index + count)].allSatisfy(isDigit) else { return nil }
            defer { index += count }
            return String(decoding: text[index..<(index + count)], as: UTF8.self)
        }
        guard let valueText = digits(6), let valueDate = date(valueText) else { throw fail("no YYMMDD value date") }
        var bookingDate: String?
        if let entry = digits(4) {
            // The entry date has no year: take the value date's, across a year end if need be.
            var year = Int(valueDate.prefix(4))!
            let valueMonth = Int(valueDate.dropFirst(5).prefix(2))!
            let month = Int(entry.prefix(2))!
            let day = Int(entry.suffix(2))!
            if month == 1 && valueMonth == 12 { year += 1 }
            if month == 12 && valueMonth == 1 { year -= 1 }
            guard let date = dayOf(year: year, month: month, day: day) else {
                throw fail("entry date \(entry) is not MMDD")
            }
            bookingDate = date
        }
        var reversal = false
        if index < text.count, text[index] == UInt8(ascii: "R") {
            reversal = true
            index += 1
        }
        guard index < text.count, text[index] == UInt8(ascii: "C") || text[index] == UInt8(ascii: "D") else {
            throw fail("no debit/credit mark (C, D, RC or RD)")
        }
        var creditDebit: CreditDebit = text[index] == UInt8(ascii: "C") ? .credit : .debit
        if reversal { creditDebit = creditDebit == .credit ? .debit : .credit }
        index += 1
        if index < text.count, isLetter(text[index]) { index += 1 }  // funds code
        let amountStart = index
        while index < text.count, isDigit(text[index]) || text[index] == UInt8(ascii: ",") { index += 1 }
        guard
            let amount = StatementAmount.parse(
                String(decoding: text[amountStart..<index], as: UTF8.self), decimalSeparator: ",")
        else {
            throw fail("no amount (digits with a decimal comma)")
        }
        // "C50,00 NTRF": a space some banks write between the amount and the type.
        while index < text.count, text[index] == UInt8(ascii: " ") { index += 1 }
        guard index + 4 <= text.count, [UInt8(ascii: "N"), UInt8(ascii: "F"), UInt8(ascii: "S")].contains(text[index])
        else {
            throw fail("no transaction type (N, F or S and three characters)")
        }
        let typeCode = String(decoding: text[index..<(index + 4)], as: UTF8.self)
        index += 4
        let rest = text[index...]
        // The reference for the account owner is 16 characters at most (SWIFT 16x); what a bank
        // writes after them on the line without "//" is no part of it.
        var ownerReference: String
        var bankReference: String?
        var after = ""
        if let slashes = firstIndex(of: [UInt8(ascii: "/"), UInt8(ascii: "/")], in: rest),
            slashes - rest.startIndex <= 16
        {
            ownerReference = String(decoding: rest[..<slashes], as: UTF8.self).trimmingXMLSpace()
            bankReference = String(decoding: rest[(slashes + 2)...], as: UTF8.self).trimmingXMLSpace()
        } else {
            let cut = min(rest.startIndex + 16, rest.endIndex)
            ownerReference = String(decoding: rest[..<cut], as: UTF8.self).trimmingXMLSpace()
            after = String(decoding: rest[cut...], as: UTF8.self).trimmingXMLSpace()
        }
        var entry = StatementEntry(
            reference: ownerReference.isEmpty || ownerReference == "NONREF" ? nil : ownerReference, amount: amount,
            currency: currency, creditDebit: creditDebit, reversal: reversal, status: .booked,
            bookingDate: bookingDate, valueDate: valueDate,
            accountServicerReference: bankReference?.isEmpty == false ? bankReference : nil,
            bankTransactionCode: typeCode)
        var counterparty = StatementParty()
        // Rabobank's older format: the reference is the counterparty's account number (ten
        // digits, zeros when there is none) and its name follows on the line.
        if !after.isEmpty {
            if ownerReference.utf8.count >= 9, ownerReference.utf8.allSatisfy(isDigit) {
                if ownerReference.contains(where: { $0 != "0" }) { counterparty.account = ownerReference }
                counterparty.name = after
            } else {
                entry.additionalInformation = after
            }
        }
        if lines.count > 1 {
            // Supplementary details: one line of 34 characters (SWIFT 34x).
            guard lines.count == 2, lines[1].count <= 34 else {
                throw StatementError(
                    "line_too_long",
                    "\(place) supplementary details \"\(lines[1...].joined(separator: "\\n"))\" exceed one line of 34 characters"
                )
            }
            let details = lines[1...].joined(separator: " ").trimmingXMLSpace()
            // Rabobank's structured format: the counterparty's IBAN alone as the details.
            if looksLikeIBAN(details) { counterparty.account = details }
            if !details.isEmpty {
                entry.additionalInformation = [entry.additionalInformation, details].compactMap { $0 }.joined(
                    separator: " ")
            }
        }
        return (entry, counterparty)
    }

    static func looksLikeIBAN(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count >= 15 && bytes.count <= 34 && bytes[0...1].allSatisfy { (0x41...0x5A).contains($0) }
            && bytes[2...3].allSatisfy { (0x30...0x39).contains($0) }
            && bytes[4...].allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }
    }

    /// Reads the :86: lines of one entry (every :86: after its :61:) into its transaction:
    /// counterparty, references, remittance text. `fromLine` is what :61: said of the
    /// counterparty; :86: completes it.
    static func information(_ lines: [String], counterparty fromLine: StatementParty, into entry: inout StatementEntry)
    {
        // The field is a text cut into lines of 65 characters (SWIFT 6*65x): in the structured
        // styles the line breaks are no part of it, and the lines are joined as they are.
        let joined = lines.joined()
        var transaction = StatementTransaction()
        var counterparty = StatementParty()
        var side: CreditDebit? = nil
        if let separator = subfieldSeparator(joined) {
            // German structured (DK "Spezifikation der Datenformate"): GVC "166", then ?NN
            // sub-fields; Triodos writes the same sub-fields with ">" ("000>20…>31…>32…").
            var remittance = ""
            var continuation = ""
            // The name is appended to in place: building a new string for every ?32/?33 made
            // the cost of a :86: grow with the square of its number of name sub-fields.
            var name = ""
            var named = false
            for part in subfields(of: joined, separator: separator) {
                guard part.utf8.count >= 2, let code = Int(part.prefix(2)) else { continue }
                let value = part.dropFirst(2)
                switch code {
                case 20...29: remittance += value
                case 60...63: continuation += value
                case 30: counterparty.bic = value.isEmpty ? nil : String(value)
                case 31: counterparty.account = value.isEmpty ? nil : String(value)
                case 32, 33:
                    name += value
                    named = true
                case 0: entry.bankTransactionCode = entry.bankTransactionCode ?? String(value)
                default: continue
                }
            }
            if named {
                let padded = name.utf8.first == UInt8(ascii: " ") || name.utf8.last == UInt8(ascii: " ")
                counterparty.name = padded ? name.trimmingXMLSpace() : name
            }
            sepaKeywords(remittance, continuation: continuation, into: &transaction)
        } else if joined.hasPrefix("/"), let fields = slashFields(joined) {
            for (code, value) in fields {
                switch code {
                case "EREF":
                    transaction.endToEndID = value == "NOTPROVIDED" ? nil : value
                case "PREF": transaction.paymentInformationID = value
                case "MARF": transaction.mandateID = value
                case "REMI":
                    // "USTD//text/" (unstructured) or "STRD/CUR/reference/" (structured)
                    let parts = value.split(separator: "/", omittingEmptySubsequences: true)
                    if value.hasPrefix("STRD"), parts.count >= 3 {
                        transaction.creditorReference = String(parts[2])
                    } else {
                        let text = value.hasPrefix("USTD") ? parts.dropFirst().joined(separator: "/") : value
                        if !text.isEmpty { transaction.remittance.append(text) }
                    }
                case "CNTP":
                    // account/BIC/name/city
                    let parts = value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                    if parts.count > 0, !parts[0].isEmpty { counterparty.account = parts[0] }
                    if parts.count > 1, !parts[1].isEmpty { counterparty.bic = parts[1] }
                    if parts.count > 2, !parts[2].isEmpty { counterparty.name = parts[2] }
                case "ORDP": side = .debit
                case "BENM": side = .credit
                case "NAME": counterparty.name = value
                case "ACCW", "IBAN": counterparty.account = value
                case "BIC": counterparty.bic = value
                default: continue
                }
            }
        } else {
            // Text: each line is a line of text, read as one, a space between them (the
            // spaces a bank leaves at a line's end do not double it).
            var text = ""
            for line in lines {
                let trimmed = line.trimmingXMLSpace()
                if trimmed.isEmpty { continue }
                if !text.isEmpty { text += " " }
                text += trimmed
            }
            if !text.isEmpty {
                if let dutch = dutchCounterparty(lines, text: text, into: &counterparty) {
                    if !dutch.isEmpty { transaction.remittance.append(dutch) }
                } else {
                    sepaKeywords(text, into: &transaction)
                }
            }
        }
        if counterparty.account == nil { counterparty.account = fromLine.account }
        if counterparty.name == nil { counterparty.name = fromLine.name }
        // The counterparty is the other side: the creditor of a debit, the debtor of a credit,
        // unless :86: says which (ORDP: the ordering party, i.e. the debtor; BENM: the beneficiary).
        if side == .debit || (side == nil && entry.creditDebit == .credit) {
            transaction.debtor = counterparty
        } else {
            transaction.creditor = counterparty
        }
        if !transaction.isEmpty { entry.transactions = [transaction] }
        guard !lines.isEmpty else { return }
        let text = lines.joined(separator: "\n")
        if let information = entry.additionalInformation {
            entry.additionalInformation = information + "\n" + text
        } else {
            entry.additionalInformation = text
        }
    }

    /// The sub-fields after each separator ("166?00A?20B" → "00A", "20B"), found byte by byte:
    /// the separator is ASCII, so every cut is on a character boundary.
    static func subfields(of text: String, separator: UInt8) -> [Substring] {
        let utf8 = text.utf8
        var parts: [Substring] = []
        var start: String.Index? = nil
        var index = utf8.startIndex
        while index < utf8.endIndex {
            if utf8[index] == separator {
                if let start, start < index { parts.append(text[start..<index]) }
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        if let start, start < utf8.endIndex { parts.append(text[start..<utf8.endIndex]) }
        return parts
    }

    /// "?" when :86: is in the German structured style ("166?00…", "?20…"), ">" in Triodos's
    /// ("000>20…"); nil otherwise.
    static func subfieldSeparator(_ text: String) -> UInt8? {
        let head = Array(text.utf8.prefix(4))
        if head.first == UInt8(ascii: "?") { return UInt8(ascii: "?") }
        guard head.count == 4, head[0...2].allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        if head[3] == UInt8(ascii: "?") { return UInt8(ascii: "?") }
        if head[3] == UInt8(ascii: ">") { return UInt8(ascii: ">") }
        return nil
    }

    /// Dutch banks' unstructured :86: that still name the counterparty:
    /// - Knab: "REK: <account>/NAAM: <name>" among the text;
    /// - SNS (and ING's and Postbank's older exports): the first line starts with the
    ///   counterparty's IBAN or account number, its name after it.
    /// Fills `counterparty` and returns the remaining text; nil when the text is neither.
    static func dutchCounterparty(_ lines: [String], text: String, into counterparty: inout StatementParty) -> String? {
        if text.contains("REK:") || text.contains("NAAM:") {
            var rest: [String] = []
            for line in lines {
                var line = Substring(line)
                if let label = line.range(of: "NAAM:") {
                    // The name runs to the end of its line.
                    var name = line[label.upperBound...].trimmingXMLSpace()
                    while name.hasSuffix("/") { name.removeLast() }
                    if !name.isEmpty { counterparty.name = name.trimmingXMLSpace() }
                    line = line[..<label.lowerBound]
                }
                if let label = line.range(of: "REK:") {
                    // The account is one word: up to a space or a "/".
                    let after = line[label.upperBound...].drop(while: { $0 == " " })
                    let account = after.prefix(while: { $0 != " " && $0 != "/" })
                    if !account.isEmpty { counterparty.account = String(account) }
                    let tail = after.dropFirst(account.count).drop(while: { $0 == "/" || $0 == " " })
                    line = line[..<label.lowerBound] + tail
                }
                let kept = line.trimmingXMLSpace()
                if !kept.isEmpty { rest.append(kept) }
            }
            return rest.joined(separator: " ")
        }
        let first = lines[0].trimmingXMLSpace()
        let token = first.prefix(while: { $0 != " " })
        let bare = token.filter { $0 != "." }
        let isAccount =
            looksLikeIBAN(String(bare))
            || ((9...10).contains(bare.count) && bare.allSatisfy { $0.isASCII && $0.isNumber })
        guard isAccount, token.count < first.count else { return nil }
        counterparty.account = String(bare)
        counterparty.name = first.dropFirst(token.count).trimmingXMLSpace()
        return lines.dropFirst().map { $0.trimmingXMLSpace() }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    static let slashCodes: Set<String> = [
        "EREF", "PREF", "MARF", "CSID", "REMI", "CNTP", "ORDP", "BENM", "NAME", "ADDR", "ACCW", "IBAN", "BIC",
        "ISDT", "RTRN", "PURP", "TRCD", "ULTC", "ULTD", "CDTRREF", "SVCL", "IREF", "FX", "OCMT", "CHGS", "ID",
        "TRTP",
    ]

    /// "/EREF/ABC//CNTP/NL91…/ABNANL2A/Jean/Paris//REMI/USTD//Invoice 42/" → [(code, value)].
    static func slashFields(_ text: String) -> [(String, String)]? {
        let bytes = Array(text.utf8)
        var fields: [(String, String)] = []
        var code: String?
        var valueStart = 0
        var index = 0
        let slash = UInt8(ascii: "/")
        while index < bytes.count {
            if bytes[index] == slash, let end = bytes[(index + 1)...].firstIndex(of: slash), end - index <= 8 {
                let candidate = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
                if slashCodes.contains(candidate) {
                    if let code {
                        fields.append((code, trimSlashes(String(decoding: bytes[valueStart..<index], as: UTF8.self))))
                    }
                    code = candidate
                    index = end + 1
                    valueStart = index
                    continue
                }
            }
            index += 1
        }
        if let code { fields.append((code, trimSlashes(String(decoding: bytes[valueStart...], as: UTF8.self)))) }
        return fields.isEmpty ? nil : fields
    }

    static func trimSlashes(_ text: String) -> String {
        var text = Substring(text)
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text).trimmingXMLSpace()
    }

    static let sepaKeywordList = [
        "EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+", "IBAN+", "BIC+",
    ]
    .map { Array($0.utf8) }

    /// SEPA keywords in German remittance text: "EREF+…MREF+…SVWZ+…"; plain text otherwise.
    /// `continuation` is the text of the German sub-fields ?60–?63, which continue the purpose
    /// (Verwendungszweck): it is appended to the SVWZ+ text, or to the plain text, and never to
    /// a reference such as EREF+ (a reference ends with its sub-fields ?20–?29).
    static func sepaKeywords(
        _ text: String, continuation: String = "", into transaction: inout StatementTransaction
    ) {
        let last = sepaKeywords(text, into: &transaction)
        let more = continuation.trimmingXMLSpace()
        guard !more.isEmpty else { return }
        if last == nil || last == "SVWZ+", !transaction.remittance.isEmpty {
            transaction.remittance[transaction.remittance.count - 1] += continuation
        } else {
            sepaKeywords(more, into: &transaction)
        }
    }

    /// Reads the keywords of `text`; returns the last keyword found (nil: none).
    @discardableResult
    static func sepaKeywords(_ text: String, into transaction: inout StatementTransaction) -> String? {
        guard !text.isEmpty else { return nil }
        let bytes = Array(text.utf8)
        // One pass, in the order they come: every keyword ends with its only '+', so a '+' ends
        // at most one keyword and no two matches overlap (the same marks as searching for each
        // keyword in turn and sorting them, without the sort).
        var marks: [(keyword: String, start: Int, end: Int)] = []
        for end in bytes.indices where bytes[end] == UInt8(ascii: "+") {
            for keyword in sepaKeywordList where end + 1 >= keyword.count {
                let start = end + 1 - keyword.count
                if bytes[start...end].elementsEqual(keyword) {
                    marks.append((String(decoding: keyword, as: UTF8.self), start, end + 1))
                    break
                }
            }
        }
        guard !marks.isEmpty else {
            transaction.remittance.append(text)
            return nil
        }
        let before = String(decoding: bytes[..<marks[0].start], as: UTF8.self).trimmingXMLSpace()
        if !before.isEmpty { transaction.remittance.append(before) }
        for (index, mark) in marks.enumerated() {
            let end = index + 1 < marks.count ? marks[index + 1].start : bytes.count
            let value = String(decoding: bytes[mark.end..<end], as: UTF8.self).trimmingXMLSpace()
            switch mark.keyword {
            case "EREF+": transaction.endToEndID = value == "NOTPROVIDED" ? nil : value
            case "KREF+": transaction.instructionID = value
            case "MREF+": transaction.mandateID = value
            case "SVWZ+": transaction.remittance.append(value)
            case "ABWA+": transaction.ultimateDebtor = value
            case "ABWE+": transaction.ultimateCreditor = value
            default: continue
            }
        }
        return marks.last?.keyword
    }
}

/// Where `needle` first starts in `haystack`, as an index of the haystack's base.
func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
    guard let first = needle.first, haystack.count >= needle.count else { return nil }
    var index = haystack.startIndex
    let last = haystack.endIndex - needle.count
    while index <= last {
        if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
        index += 1
    }
    return nil
}
