import Foundation

/// SWIFT MT940 customer statements. A file holds one or more statements, each optionally in
/// SWIFT blocks (`{1:…}{2:…}{4:` … `-}`) or separated by a line with a single `-`.
///
/// Fields read: :20: transaction reference, :25: account, :28C: statement/sequence number,
/// :60F:/:60M: opening balance, :61: statement line, :86: information to the account owner
/// (several lines), :62F:/:62M: closing balance, :64: closing available, :65: forward available.
/// The :86: field is read in the structured styles banks use — the German "?20…?63" sub-fields
/// with SEPA keywords (EREF+, SVWZ+, …), and the "/EREF/…/REMI/…" style of Dutch and Belgian
/// banks — and as plain text otherwise.
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
            if line.last == 0x0D { line = line.dropLast() }
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
            } else {
                throw StatementError("malformed_mt940", "line \(lineNumber): text outside any field")
            }
        }
        finish()
        return statements
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
        for field in fields {
            let at = "\(place), line \(field.line), :\(field.tag):"
            switch field.tag {
            case "20": statement.id = field.value.trimmingXMLSpace()
            case "25":
                let account = field.value.trimmingXMLSpace()
                // "BIC/account" or an IBAN or a national account number.
                if let slash = account.firstIndex(of: "/") {
                    statement.account.servicerBIC = String(account[..<slash])
                    setAccount(String(account[account.index(after: slash)...]), in: &statement.account)
                } else {
                    setAccount(account, in: &statement.account)
                }
            case "28C", "28": statement.sequenceNumber = field.value.trimmingXMLSpace()
            case "60F", "60M", "62F", "62M", "64", "65":
                let types = ["60F": "OPBD", "60M": "OPBD", "62F": "CLBD", "62M": "CLBD", "64": "CLAV", "65": "FWAV"]
                let balance = try balance(field.value, type: types[field.tag]!, at: at)
                if statement.account.currency == nil { statement.account.currency = balance.currency }
                statement.balances.append(balance)
            case "61":
                let currency = statement.account.currency ?? ""
                statement.entries.append(try line(field.lines, currency: currency, at: at))
            case "86":
                if statement.entries.isEmpty {
                    continue  // information about the whole statement
                }
                information(field.lines, into: &statement.entries[statement.entries.count - 1])
            default: continue
            }
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

    static func setAccount(_ text: String, in account: inout StatementAccount) {
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
        guard value.count >= 11, mark == UInt8(ascii: "C") || mark == UInt8(ascii: "D"),
            let date = date(String(decoding: value[1..<7], as: UTF8.self)),
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
        let month = number / 100 % 100
        let day = number % 100
        let year = yy < 80 ? 2000 + yy : 1900 + yy
        guard ISODate.valid(year: year, month: month, day: day) else { return nil }
        return ISODate.format(year: year, month: month, day: day)
    }

    /// The statement line: value date, [entry date], mark, [funds code], amount, type code,
    /// reference for the account owner, [//bank reference], [newline supplementary details].
    static func line(_ lines: [String], currency: String, at place: String) throws(StatementError) -> StatementEntry {
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
            guard ISODate.valid(year: year, month: month, day: day) else {
                throw fail("entry date \(entry) is not MMDD")
            }
            bookingDate = ISODate.format(year: year, month: month, day: day)
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
        guard index + 4 <= text.count, [UInt8(ascii: "N"), UInt8(ascii: "F"), UInt8(ascii: "S")].contains(text[index])
        else {
            throw fail("no transaction type (N, F or S and three characters)")
        }
        let typeCode = String(decoding: text[index..<(index + 4)], as: UTF8.self)
        index += 4
        let rest = text[index...]
        var ownerReference: String
        var bankReference: String?
        if let slashes = firstIndex(of: [UInt8(ascii: "/"), UInt8(ascii: "/")], in: rest) {
            ownerReference = String(decoding: rest[..<slashes], as: UTF8.self).trimmingXMLSpace()
            bankReference = String(decoding: rest[(slashes + 2)...], as: UTF8.self).trimmingXMLSpace()
        } else {
            ownerReference = String(decoding: rest, as: UTF8.self).trimmingXMLSpace()
        }
        var entry = StatementEntry(
            reference: ownerReference.isEmpty || ownerReference == "NONREF" ? nil : ownerReference, amount: amount,
            currency: currency, creditDebit: creditDebit, reversal: reversal, status: .booked,
            bookingDate: bookingDate ?? valueDate, valueDate: valueDate,
            accountServicerReference: bankReference?.isEmpty == false ? bankReference : nil,
            bankTransactionCode: typeCode)
        if lines.count > 1 {
            entry.additionalInformation = lines[1...].joined(separator: " ").trimmingXMLSpace()
        }
        return entry
    }

    /// Reads :86: into the entry's transaction: counterparty, references, remittance text.
    static func information(_ lines: [String], into entry: inout StatementEntry) {
        let joined = lines.joined()
        var transaction = StatementTransaction()
        var counterparty = StatementParty()
        var side: CreditDebit? = nil
        let head = Array(joined.utf8.prefix(4))
        let germanStyle =
            joined.hasPrefix("?")
            || (head.count == 4 && head[0...2].allSatisfy { (0x30...0x39).contains($0) }
                && head[3] == UInt8(ascii: "?"))
        if germanStyle {
            // German structured: GVC "166", then ?NN sub-fields.
            var remittance = ""
            // The name is appended to in place: building a new string for every ?32/?33 made
            // the cost of a :86: grow with the square of its number of name sub-fields.
            var name = ""
            var named = false
            for part in joined.split(separator: "?").dropFirst(joined.hasPrefix("?") ? 0 : 1) {
                guard part.count >= 2, let code = Int(part.prefix(2)) else { continue }
                let value = part.dropFirst(2)
                switch code {
                case 20...29, 60...63: remittance += value
                case 30: counterparty.bic = value.isEmpty ? nil : String(value)
                case 31: counterparty.account = value.isEmpty ? nil : String(value)
                case 32, 33:
                    name += value
                    named = true
                case 0: entry.bankTransactionCode = entry.bankTransactionCode ?? String(value)
                default: continue
                }
            }
            if named { counterparty.name = name }
            sepaKeywords(remittance, into: &transaction)
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
            let text = lines.joined(separator: " ").trimmingXMLSpace()
            if !text.isEmpty { sepaKeywords(text, into: &transaction) }
        }
        // The counterparty is the other side: the creditor of a debit, the debtor of a credit,
        // unless :86: says which (ORDP: the ordering party, i.e. the debtor; BENM: the beneficiary).
        if side == .debit || (side == nil && entry.creditDebit == .credit) {
            transaction.debtor = counterparty
        } else {
            transaction.creditor = counterparty
        }
        if !transaction.isEmpty { entry.transactions = [transaction] }
        // Each :86: after the same :61: adds its text in place: joining the text so far with the
        // new one again at every :86: made many of them cost the square of their length.
        let text = lines.joined(separator: "\n")
        if var information = entry.additionalInformation {
            entry.additionalInformation = nil  // `information` is now the text's only reference
            information += "\n"
            information += text
            entry.additionalInformation = information
        } else {
            entry.additionalInformation = text
        }
    }

    static let slashCodes: Set<String> = [
        "EREF", "PREF", "MARF", "CSID", "REMI", "CNTP", "ORDP", "BENM", "NAME", "ADDR", "ACCW", "IBAN", "BIC",
        "ISDT", "RTRN", "PURP", "TRCD", "ULTC", "ULTD", "CDTRREF", "SVCL", "IREF", "FX", "OCMT", "CHGS", "ID",
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
    static func sepaKeywords(_ text: String, into transaction: inout StatementTransaction) {
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
            return
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
