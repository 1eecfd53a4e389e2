/// ISO 20022 cash-management messages: camt.053 (BankToCustomerStatement), camt.054
/// (BankToCustomerDebitCreditNotification) and camt.052 (BankToCustomerAccountReport), every
/// version from .001.02 on. The versions differ in small ways this reader absorbs:
/// BIC became BICFI in .001.04; in .001.08 the entry status became a choice (`<Sts><Cd>BOOK`)
/// and related parties gained a `Pty` level (`<Dbtr><Pty><Nm>`); transaction details carry
/// their own `Amt` from .001.03 on. Version .001.01 (2008) names its message element with
/// the version (`BkToCstmrAcctRptV01`), types its balances by `Tp/Cd` (not `Tp/CdOrPrtry/Cd`),
/// puts `TxDtls` straight in `Ntry` (no `NtryDtls`), and identifies accounts and institutions
/// by more choices (`BBAN`, `UPIC`, `PrtryAcct`; `CmbndId`, `NmAndAdr`). The versions after
/// .001.08 (to .001.13, the newest published) change nothing this reader reads.
public enum CamtReader {
    public static let oldestVersion = 1

    /// Reads every statement (notification, report) in a camt document.
    public static func read(_ bytes: [UInt8], limits: XMLLimits = XMLLimits()) throws(StatementError)
        -> [BankStatement]
    {
        let document: XDocument
        do {
            document = try XDocument.read(bytes, limits: limits)
        } catch {
            throw StatementError(error.kind.rawValue, "not a readable XML document: \(error)")
        }
        return try read(document)
    }

    public static func read(_ document: XDocument) throws(StatementError) -> [BankStatement] {
        guard document.root.name == "Document" else {
            throw StatementError(
                "not_camt", "the root element is <\(document.root.name)>, not an ISO 20022 <Document>")
        }
        guard let namespace = document.namespace,
            let range = namespace.firstRange(of: "camt.05")
        else {
            throw StatementError(
                "not_camt",
                "the document's namespace \(document.namespace.map { "\"\($0)\"" } ?? "(none)") is not an ISO 20022 camt one"
            )
        }
        // "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08" → message 053, version 001.08
        let tail = namespace[range.lowerBound...].dropFirst(5)
        let message = String(tail.prefix(3))
        let version = String(tail.dropFirst(4).prefix(6))
        let format: StatementFormat
        let body: String
        let item: String
        switch message {
        case "052": (format, body, item) = (.camt052, "BkToCstmrAcctRpt", "Rpt")
        case "053": (format, body, item) = (.camt053, "BkToCstmrStmt", "Stmt")
        case "054": (format, body, item) = (.camt054, "BkToCstmrDbtCdtNtfctn", "Ntfctn")
        default:
            throw StatementError("unsupported_message", "camt.\(message) is not a statement, report or notification")
        }
        let versionParts = version.split(separator: ".")
        guard versionParts.count == 2, versionParts[0] == "001", let number = Int(versionParts[1]),
            number >= oldestVersion
        else {
            throw StatementError(
                "unsupported_version", "camt.\(message) version \"\(version)\" is not supported (001.01 and later are)")
        }
        guard let root = document.root.child(body) ?? document.root.child(body + "V" + versionParts[1]) else {
            throw StatementError("missing_element", "camt.\(message) has no <\(body)>")
        }
        // The group header is looked up once, not for each statement: the schema puts it first,
        // but a document with it after the statements, or without one, made every statement
        // without a creation time of its own scan all of its siblings for it.
        let groupHeader = root.child("GrpHdr")
        let messageID = groupHeader?.value("MsgId")
        let groupCreatedAt = groupHeader?.value("CreDtTm")
        let statements = root.all(item)
        let information = ["Stmt": "AddtlStmtInf", "Ntfctn": "AddtlNtfctnInf", "Rpt": "AddtlRptInf"][item]!
        guard !statements.isEmpty else {
            throw StatementError("missing_element", "<\(body)> has no <\(item)>")
        }
        var result: [BankStatement] = []
        for (index, node) in statements.enumerated() {
            let place = "\(item)[\(index + 1)]"
            var statement = BankStatement(
                format: format, version: version, messageID: messageID, id: node.value("Id"),
                sequenceNumber: node.value("ElctrncSeqNb") ?? node.value("LglSeqNb"),
                createdAt: node.value("CreDtTm") ?? groupCreatedAt, additionalInformation: node.value(information))
            guard let account = node.child("Acct") else {
                throw StatementError("missing_element", "\(place) has no <Acct>")
            }
            statement.account = StatementAccount(
                iban: account.value("Id/IBAN"), other: otherAccount(account.child("Id")),
                currency: account.value("Ccy"),
                ownerName: account.value("Ownr/Nm") ?? account.value("Ownr/Pty/Nm"),
                servicerBIC: bic(account.at("Svcr/FinInstnId")))
            for (balanceIndex, balance) in node.all("Bal").enumerated() {
                let balancePlace = "\(place)/Bal[\(balanceIndex + 1)]"
                let (amount, currency) = try amountAndCurrency(balance.child("Amt"), at: balancePlace)
                statement.balances.append(
                    StatementBalance(
                        type: balance.value("Tp/CdOrPrtry/Cd") ?? balance.value("Tp/CdOrPrtry/Prtry")
                            ?? balance.value("Tp/Cd") ?? balance.value("Tp/Prtry") ?? "",
                        amount: amount, currency: currency,
                        creditDebit: try creditDebit(balance.value("CdtDbtInd"), at: balancePlace),
                        date: try date(balance.child("Dt"), at: balancePlace + "/Dt")))
            }
            for (entryIndex, entry) in node.all("Ntry").enumerated() {
                statement.entries.append(try readEntry(entry, at: "\(place)/Ntry[\(entryIndex + 1)]"))
            }
            result.append(statement)
        }
        return result
    }

    static func readEntry(_ node: XElement, at place: String) throws(StatementError) -> StatementEntry {
        let (amount, currency) = try amountAndCurrency(node.child("Amt"), at: place)
        let statusText = node.value("Sts/Cd") ?? node.value("Sts/Prtry") ?? node.value("Sts")
        guard let statusText, let status = EntryStatus(camtCode: statusText) else {
            throw StatementError(
                "invalid_status",
                "\(place)/Sts is \(statusText.map { "\"\($0)\"" } ?? "missing"), not BOOK, PDNG, INFO or FUTR")
        }
        var entry = StatementEntry(
            reference: node.value("NtryRef"), amount: amount, currency: currency,
            creditDebit: try creditDebit(node.value("CdtDbtInd"), at: place),
            reversal: node.value("RvslInd") == "true", status: status,
            bookingDate: try date(node.child("BookgDt"), at: place + "/BookgDt"),
            valueDate: try date(node.child("ValDt"), at: place + "/ValDt"),
            accountServicerReference: node.value("AcctSvcrRef"),
            bankTransactionCode: transactionCode(node.child("BkTxCd")),
            additionalInformation: node.value("AddtlNtryInf"))
        // .001.02 on: Ntry/NtryDtls/TxDtls; .001.01: Ntry/TxDtls.
        let entryDetails = node.all("NtryDtls")
        for details in entryDetails.isEmpty ? [node] : entryDetails {
            for (index, transaction) in details.all("TxDtls").enumerated() {
                entry.transactions.append(try readTransaction(transaction, at: "\(place)/TxDtls[\(index + 1)]"))
            }
        }
        return entry
    }

    static func readTransaction(_ node: XElement, at place: String) throws(StatementError) -> StatementTransaction {
        var transaction = StatementTransaction()
        if let references = node.child("Refs") {
            transaction.messageID = references.value("MsgId")
            transaction.accountServicerReference = references.value("AcctSvcrRef")
            transaction.paymentInformationID = references.value("PmtInfId")
            transaction.instructionID = references.value("InstrId")
            let endToEnd = references.value("EndToEndId")
            transaction.endToEndID = endToEnd == "NOTPROVIDED" ? nil : endToEnd
            transaction.transactionID = references.value("TxId")
            transaction.mandateID = references.value("MndtId")
        }
        // .001.03+: TxDtls/Amt; all versions: TxDtls/AmtDtls/TxAmt/Amt.
        if let amountNode = node.child("Amt") ?? node.at("AmtDtls/TxAmt/Amt") {
            let (amount, currency) = try amountAndCurrency(amountNode, at: place)
            transaction.amount = amount
            transaction.currency = currency
        }
        if let indicator = node.value("CdtDbtInd") {
            transaction.creditDebit = try creditDebit(indicator, at: place)
        }
        if let parties = node.child("RltdPties") {
            transaction.debtor = party(parties, "Dbtr", account: "DbtrAcct")
            transaction.creditor = party(parties, "Cdtr", account: "CdtrAcct")
            transaction.ultimateDebtor = parties.value("UltmtDbtr/Nm") ?? parties.value("UltmtDbtr/Pty/Nm")
            transaction.ultimateCreditor = parties.value("UltmtCdtr/Nm") ?? parties.value("UltmtCdtr/Pty/Nm")
        }
        if let agents = node.child("RltdAgts") {
            transaction.debtor.bic = bic(agents.at("DbtrAgt/FinInstnId"))
            transaction.creditor.bic = bic(agents.at("CdtrAgt/FinInstnId"))
            transaction.debtor.bankName = institutionName(agents.at("DbtrAgt/FinInstnId"))
            transaction.creditor.bankName = institutionName(agents.at("CdtrAgt/FinInstnId"))
        }
        if let remittance = node.child("RmtInf") {
            transaction.remittance = remittance.all("Ustrd").compactMap { line in
                let text = line.text.trimmingXMLSpace()
                return text.isEmpty ? nil : text
            }
            for structured in remittance.all("Strd") {
                if let reference = structured.value("CdtrRefInf/Ref") {
                    transaction.creditorReference = transaction.creditorReference ?? reference
                }
                for document in structured.all("RfrdDocInf") {
                    if let number = document.value("Nb") { transaction.remittance.append(number) }
                }
                for line in structured.all("AddtlRmtInf") where !line.text.isEmpty {
                    transaction.remittance.append(line.text.trimmingXMLSpace())
                }
            }
        }
        transaction.purpose = node.value("Purp/Cd") ?? node.value("Purp/Prtry")
        return transaction
    }

    static func party(_ parties: XElement, _ role: String, account: String) -> StatementParty {
        StatementParty(
            name: parties.value("\(role)/Nm") ?? parties.value("\(role)/Pty/Nm"),
            account: parties.value("\(account)/Id/IBAN") ?? otherAccount(parties.at("\(account)/Id")))
    }

    /// An account identifier other than an IBAN: `Othr/Id`; in .001.01 `BBAN`, `UPIC` or
    /// `PrtryAcct/Id`.
    static func otherAccount(_ identification: XElement?) -> String? {
        guard let identification else { return nil }
        return identification.value("Othr/Id") ?? identification.value("BBAN") ?? identification.value("UPIC")
            ?? identification.value("PrtryAcct/Id")
    }

    static func bic(_ institution: XElement?) -> String? {
        guard let institution else { return nil }
        return institution.value("BICFI") ?? institution.value("BIC") ?? institution.value("CmbndId/BIC")
    }

    /// `FinInstnId/Nm` (.001.02 on); in .001.01 `NmAndAdr/Nm` or `CmbndId/Nm`.
    static func institutionName(_ institution: XElement?) -> String? {
        guard let institution else { return nil }
        return institution.value("Nm") ?? institution.value("NmAndAdr/Nm") ?? institution.value("CmbndId/Nm")
    }

    static func transactionCode(_ node: XElement?) -> String? {
        guard let node else { return nil }
        if let domain = node.value("Domn/Cd"), let family = node.value("Domn/Fmly/Cd") {
            return [domain, family, node.value("Domn/Fmly/SubFmlyCd")].compactMap { $0 }.joined(separator: "/")
        }
        return node.value("Prtry/Cd")
    }

    static func amountAndCurrency(_ node: XElement?, at place: String) throws(StatementError) -> (
        StatementAmount, String
    ) {
        guard let node else { throw StatementError("missing_element", "\(place) has no <Amt>") }
        let text = node.text.trimmingXMLSpace()
        guard let amount = StatementAmount.parse(text) else {
            throw StatementError(
                "invalid_amount", "\(place)/Amt \"\(text)\" is not an amount (digits, '.', at most 5 decimals)")
        }
        guard let currency = node.attributes["Ccy"], currency.count == 3,
            currency.allSatisfy({ $0.isASCII && $0.isUppercase })
        else {
            throw StatementError(
                "invalid_currency", "\(place)/Amt has no ISO 4217 Ccy attribute (\(node.attributes["Ccy"] ?? "none"))")
        }
        return (amount, currency)
    }

    static func creditDebit(_ text: String?, at place: String) throws(StatementError) -> CreditDebit {
        switch text {
        case "CRDT": return .credit
        case "DBIT": return .debit
        default:
            throw StatementError(
                "invalid_credit_debit",
                "\(place)/CdtDbtInd is \(text.map { "\"\($0)\"" } ?? "missing"), not CRDT or DBIT")
        }
    }

    /// A DateAndDateTime choice: <Dt> or <DtTm>; nil when the element is absent.
    static func date(_ node: XElement?, at place: String) throws(StatementError) -> String? {
        guard let node else { return nil }
        guard let text = node.value("Dt") ?? node.value("DtTm") else {
            throw StatementError("invalid_date", "\(place) has neither <Dt> nor <DtTm>")
        }
        guard let date = ISODate.datePart(text) else {
            throw StatementError("invalid_date", "\(place) \"\(text)\" is not an ISO date")
        }
        return date
    }
}
