/// CSV statement exports, read through a column mapping, since every bank lays them out its
/// own way: "Date;Libellé;Débit;Crédit" with decimal commas in France, "Date,Description,Amount"
/// with a signed amount in the UK, a "D/C" indicator column elsewhere.
/// The mapping is data (JSON), so an operator adds a bank without a release.
public struct CSVStatementMapping: Sendable, Codable, Equatable {
    /// Where each field is: a header name (matched case-insensitively) or "#n", the n-th column
    /// counting from 1. Set `amount` (signed), or `debit` and `credit`, or `amount` with
    /// `creditDebit` (an indicator column whose credit values are `creditValues`).
    public struct Columns: Sendable, Codable, Equatable {
        public var bookingDate: String
        public var valueDate: String?
        public var amount: String?
        public var debit: String?
        public var credit: String?
        public var creditDebit: String?
        public var currency: String?
        public var reference: String?
        public var endToEndID: String?
        public var counterpartyName: String?
        public var counterpartyAccount: String?
        public var counterpartyBIC: String?
        public var description: String?
        public var status: String?

        public init(
            bookingDate: String, valueDate: String? = nil, amount: String? = nil, debit: String? = nil,
            credit: String? = nil, creditDebit: String? = nil, currency: String? = nil, reference: String? = nil,
            endToEndID: String? = nil, counterpartyName: String? = nil, counterpartyAccount: String? = nil,
            counterpartyBIC: String? = nil, description: String? = nil, status: String? = nil
        ) {
            self.bookingDate = bookingDate
            self.valueDate = valueDate
            self.amount = amount
            self.debit = debit
            self.credit = credit
            self.creditDebit = creditDebit
            self.currency = currency
            self.reference = reference
            self.endToEndID = endToEndID
            self.counterpartyName = counterpartyName
            self.counterpartyAccount = counterpartyAccount
            self.counterpartyBIC = counterpartyBIC
            self.description = description
            self.status = status
        }
    }

    public var columns: Columns
    public var delimiter: String = ","
    public var decimalSeparator: String = "."
    public var thousandsSeparator: String?
    /// yyyy-MM-dd, dd/MM/yyyy, MM/dd/yyyy, dd.MM.yyyy, dd-MM-yyyy or yyyyMMdd.
    public var dateFormat: String = "yyyy-MM-dd"
    /// The statement's currency when there is no currency column.
    public var currency: String?
    /// The account the export is for (an IBAN or other identifier), and its holder.
    public var account: String?
    public var accountOwner: String?
    /// Values of the `creditDebit` column that mean credit ("C", "CRDT", "Crédit"…).
    public var creditValues: [String] = ["C", "CR", "CRDT", "CREDIT", "CRÉDIT"]
    /// Values of the `status` column that mean booked; any other value is pending. Without a
    /// status column every row is a booked entry (what a statement export lists).
    public var bookedValues: [String] = ["BOOKED", "BOOK", "COMPTABILISÉ", "COMPTABILISE", "GEBUCHT"]

    public init(
        columns: Columns, delimiter: String = ",", decimalSeparator: String = ".", thousandsSeparator: String? = nil,
        dateFormat: String = "yyyy-MM-dd", currency: String? = nil, account: String? = nil,
        accountOwner: String? = nil
    ) {
        self.columns = columns
        self.delimiter = delimiter
        self.decimalSeparator = decimalSeparator
        self.thousandsSeparator = thousandsSeparator
        self.dateFormat = dateFormat
        self.currency = currency
        self.account = account
        self.accountOwner = accountOwner
    }

    enum CodingKeys: String, CodingKey {
        case columns, delimiter, decimalSeparator, thousandsSeparator, dateFormat, currency, account, accountOwner
        case creditValues, bookedValues
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(columns: try container.decode(Columns.self, forKey: .columns))
        delimiter = try container.decodeIfPresent(String.self, forKey: .delimiter) ?? delimiter
        decimalSeparator = try container.decodeIfPresent(String.self, forKey: .decimalSeparator) ?? decimalSeparator
        thousandsSeparator = try container.decodeIfPresent(String.self, forKey: .thousandsSeparator)
        dateFormat = try container.decodeIfPresent(String.self, forKey: .dateFormat) ?? dateFormat
        currency = try container.decodeIfPresent(String.self, forKey: .currency)
        account = try container.decodeIfPresent(String.self, forKey: .account)
        accountOwner = try container.decodeIfPresent(String.self, forKey: .accountOwner)
        creditValues = try container.decodeIfPresent([String].self, forKey: .creditValues) ?? creditValues
        bookedValues = try container.decodeIfPresent([String].self, forKey: .bookedValues) ?? bookedValues
    }
}

public enum CSVStatementReader {
    static let dateFormats = ["yyyy-MM-dd", "dd/MM/yyyy", "MM/dd/yyyy", "dd.MM.yyyy", "dd-MM-yyyy", "yyyyMMdd"]

    /// Reads the export as one statement; the first row is the header.
    public static func read(_ text: String, mapping: CSVStatementMapping, maxBytes: Int = 8 << 20)
        throws(StatementError) -> BankStatement
    {
        guard text.utf8.count <= maxBytes else {
            throw StatementError("too_large", "file of \(text.utf8.count) bytes exceeds the \(maxBytes)-byte limit")
        }
        guard mapping.delimiter.count == 1, let delimiter = mapping.delimiter.first,
            mapping.decimalSeparator.count == 1, let decimal = mapping.decimalSeparator.first
        else {
            throw StatementError(
                "invalid_mapping", "the delimiter and the decimal separator must be one character each")
        }
        guard dateFormats.contains(mapping.dateFormat) else {
            throw StatementError(
                "invalid_mapping",
                "date format \(mapping.dateFormat) is not one of \(dateFormats.joined(separator: ", "))")
        }
        let rows = try records(text, delimiter: delimiter)
        guard let header = rows.first else { throw StatementError("empty_file", "the CSV file has no rows") }
        let names = header.map { $0.trimmingXMLSpace().uppercased() }

        func column(_ reference: String?, _ field: String) throws(StatementError) -> Int? {
            guard let reference else { return nil }
            if reference.hasPrefix("#"), let number = Int(reference.dropFirst()), number >= 1 {
                guard number <= header.count else {
                    throw StatementError(
                        "invalid_mapping", "\(field) is column \(number), the file has \(header.count)")
                }
                return number - 1
            }
            guard let index = names.firstIndex(of: reference.trimmingXMLSpace().uppercased()) else {
                throw StatementError(
                    "missing_column",
                    "\(field) column \"\(reference)\" is not in the header (\(header.joined(separator: ", ")))")
            }
            return index
        }
        let map = mapping.columns
        let bookingDate = try column(map.bookingDate, "bookingDate")!
        let valueDate = try column(map.valueDate, "valueDate")
        let amountColumn = try column(map.amount, "amount")
        let debitColumn = try column(map.debit, "debit")
        let creditColumn = try column(map.credit, "credit")
        let indicator = try column(map.creditDebit, "creditDebit")
        guard amountColumn != nil || (debitColumn != nil && creditColumn != nil) else {
            throw StatementError("invalid_mapping", "map either amount, or both debit and credit")
        }
        let currencyColumn = try column(map.currency, "currency")
        guard currencyColumn != nil || mapping.currency != nil else {
            throw StatementError("invalid_mapping", "map a currency column or give the statement's currency")
        }
        let reference = try column(map.reference, "reference")
        let endToEnd = try column(map.endToEndID, "endToEndID")
        let name = try column(map.counterpartyName, "counterpartyName")
        let account = try column(map.counterpartyAccount, "counterpartyAccount")
        let bic = try column(map.counterpartyBIC, "counterpartyBIC")
        let description = try column(map.description, "description")
        let status = try column(map.status, "status")
        let grouping: Set<Character> = Set(mapping.thousandsSeparator.map { Array($0) } ?? []).union([" ", "\u{A0}"])
        let creditValues = Set(mapping.creditValues.map { $0.uppercased() })
        let bookedValues = Set(mapping.bookedValues.map { $0.uppercased() })

        var statement = BankStatement(format: .csv)
        statement.account = StatementAccount(currency: mapping.currency, ownerName: mapping.accountOwner)
        if let identifier = mapping.account { MT940Reader.setAccount(identifier, in: &statement.account) }
        for (offset, row) in rows.dropFirst().enumerated() {
            let line = offset + 2
            if row.allSatisfy({ $0.trimmingXMLSpace().isEmpty }) { continue }
            func cell(_ index: Int?) -> String? {
                guard let index, index < row.count else { return nil }
                let value = row[index].trimmingXMLSpace()
                return value.isEmpty ? nil : value
            }
            func fail(_ code: String, _ message: String) -> StatementError {
                StatementError(code, "row \(line): \(message)")
            }
            guard let dateText = cell(bookingDate), let booked = date(dateText, format: mapping.dateFormat) else {
                throw fail("invalid_date", "booking date \"\(cell(bookingDate) ?? "")\" is not \(mapping.dateFormat)")
            }
            var value: String?
            if let valueText = cell(valueDate) {
                guard let parsed = date(valueText, format: mapping.dateFormat) else {
                    throw fail("invalid_date", "value date \"\(valueText)\" is not \(mapping.dateFormat)")
                }
                value = parsed
            }
            var creditDebit: CreditDebit
            var amountText: String
            if let amountColumn {
                guard var text = cell(amountColumn) else { throw fail("invalid_amount", "no amount") }
                var negative = false
                if text.hasPrefix("-") || text.hasPrefix("−") {
                    negative = true
                    text.removeFirst()
                } else if text.hasSuffix("-") {
                    negative = true
                    text.removeLast()
                } else if text.hasPrefix("("), text.hasSuffix(")") {
                    negative = true
                    text = String(text.dropFirst().dropLast())
                } else if text.hasPrefix("+") {
                    text.removeFirst()
                }
                amountText = text
                if let indicator {
                    creditDebit = creditValues.contains((cell(indicator) ?? "").uppercased()) ? .credit : .debit
                } else {
                    creditDebit = negative ? .debit : .credit
                }
            } else {
                let debit = cell(debitColumn)
                let credit = cell(creditColumn)
                switch (debit, credit) {
                case (let debit?, nil): (creditDebit, amountText) = (.debit, debit)
                case (nil, let credit?): (creditDebit, amountText) = (.credit, credit)
                default: throw fail("invalid_amount", "exactly one of the debit and credit columns must be filled")
                }
                if amountText.hasPrefix("-") { amountText.removeFirst() }
            }
            guard let amount = StatementAmount.parse(amountText, decimalSeparator: decimal, grouping: grouping) else {
                throw fail(
                    "invalid_amount", "\"\(amountText)\" is not an amount with '\(decimal)' as decimal separator")
            }
            guard let currency = cell(currencyColumn) ?? mapping.currency, currency.count == 3 else {
                throw fail("invalid_currency", "no ISO 4217 currency")
            }
            var entry = StatementEntry(
                reference: cell(reference), amount: amount, currency: currency.uppercased(), creditDebit: creditDebit,
                status: status == nil || bookedValues.contains((cell(status) ?? "").uppercased()) ? .booked : .pending,
                bookingDate: booked, valueDate: value ?? booked)
            var transaction = StatementTransaction()
            transaction.endToEndID = cell(endToEnd)
            let counterparty = StatementParty(name: cell(name), account: cell(account), bic: cell(bic))
            if creditDebit == .debit { transaction.creditor = counterparty } else { transaction.debtor = counterparty }
            if let text = cell(description) { transaction.remittance = [text] }
            if !transaction.isEmpty { entry.transactions = [transaction] }
            statement.entries.append(entry)
            if statement.account.currency == nil { statement.account.currency = entry.currency }
        }
        return statement
    }

    static func date(_ text: String, format: String) -> String? {
        let digits = text.filter { $0.isASCII && $0.isNumber }
        guard digits.count == 8, text.count == (format == "yyyyMMdd" ? 8 : 10), let number = Int(digits) else {
            return nil
        }
        let (year, month, day): (Int, Int, Int)
        switch format {
        case "yyyy-MM-dd", "yyyyMMdd": (year, month, day) = (number / 10_000, number / 100 % 100, number % 100)
        case "MM/dd/yyyy": (year, month, day) = (number % 10_000, number / 1_000_000, number / 10_000 % 100)
        default: (year, month, day) = (number % 10_000, number / 10_000 % 100, number / 1_000_000)
        }
        guard ISODate.valid(year: year, month: month, day: day) else { return nil }
        return ISODate.format(year: year, month: month, day: day)
    }

    /// RFC 4180 records: quoted fields may hold the delimiter, newlines and doubled quotes.
    static func records(_ text: String, delimiter: Character) throws(StatementError) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var characters = text.hasPrefix("\u{FEFF}") ? Substring(text.dropFirst()) : Substring(text)
        var fieldStarted = false
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    field.append(character)
                }
            } else if character == "\"" && !fieldStarted {
                quoted = true
                fieldStarted = true
            } else if character == delimiter {
                row.append(field)
                field = ""
                fieldStarted = false
            } else if character == "\n" || character == "\r\n" || character == "\r" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
                fieldStarted = false
                line += 1
            } else {
                field.append(character)
                fieldStarted = true
            }
        }
        if quoted { throw StatementError("malformed_csv", "line \(line): a quoted field is not closed") }
        if fieldStarted || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
