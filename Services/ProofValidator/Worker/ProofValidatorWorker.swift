import BankStatements
import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// proof-of-payment validator: decides whether a customer's proof of payment holds
/// (docs/proof-validator.md). The rules are `ProofValidator` in the domain module and the
/// statement readers of `BankStatements`; this type reads events into them and writes verdicts.
public struct ProofValidatorWorker: Worker {
    public typealias State = ProofLedger

    public var name = "proof-validator"
    public var inputTopics = [
        ProofEvents.invoicesTopic, ProofEvents.accountStatusTopic, ProofEvents.proofsTopic, PaymentEvents.paymentsTopic,
    ]
    public var verdictsTopic = ProofEvents.verdictsTopic
    public var outputTopics: [String] { [verdictsTopic] }
    /// payment.failed, payment.pending and card.replaced share relance.payments: accepted and ignored.
    public var eventTypes = [
        ProofEvents.invoiceIssued, ProofEvents.accountStatus, ProofEvents.proofSubmitted,
        PaymentEvents.paymentSucceeded,
        PaymentEvents.paymentFailed, PaymentEvents.cardReplaced, MailEvents.paymentPending,
    ]
    public var validator: ProofValidator
    /// CSV column mappings by name, chosen by a document's `csvMapping`.
    public var csvMappings: [String: CSVStatementMapping]
    public var documentLimits: XMLLimits

    public init(
        validator: ProofValidator = ProofValidator(), csvMappings: [String: CSVStatementMapping] = CSVPresets.all,
        documentLimits: XMLLimits = XMLLimits()
    ) {
        self.validator = validator
        self.csvMappings = csvMappings
        self.documentLimits = documentLimits
    }

    public func handle(_ event: Event<EventEnvelope>, state: inout ProofLedger?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        let event = event.envelope
        let data = event.data
        func text(_ field: String) -> String? { data[field]?.stringValue }
        switch event.type {
        case "invoice.issued":
            var ledger = state ?? ProofLedger()
            ledger.issued(
                ProofInvoice(
                    id: text("invoiceId")!, number: text("number")!, amount: data["amount"]!.integerValue!,
                    currency: text("currency")!, issuedOn: text("issuedOn")!, payeeAccount: text("payeeAccount"),
                    payeeName: text("payeeName")))
            state = ledger
        case "payment.succeeded":
            guard var ledger = state else { return }
            do throws(MoneyOverflow) {
                try ledger.paid(invoiceID: text("invoiceId")!, amount: data["amount"]!.integerValue!)
            } catch {
                throw WorkerRejection(
                    MoneyOverflow.code, "what invoice \(text("invoiceId")!) has received would not fit: \(error)")
            }
            state = ledger
        case "account.status":
            var ledger = state ?? ProofLedger()
            let status = text("status")!
            ledger.deactivation = status == "suspended" || status == "terminated" ? status : nil
            state = ledger
        case "proof.submitted":
            var ledger = state ?? ProofLedger()
            let verdict = judge(data, ledger: &ledger)
            state = ledger
            context.emit(
                "proof.verdict", to: verdictsTopic,
                data: Self.record(verdict, proofID: text("proofId")!, ledger: ledger))
        default:
            return  // payment.failed, payment.pending, card.replaced: not this worker's concern
        }
    }

    public func timerFired(_ timer: DueTimer, state: inout ProofLedger?, context: inout WorkerContext) {}

    func judge(_ data: JSONValue, ledger: inout ProofLedger) -> ProofVerdict {
        let proofID = data["proofId"]!.stringValue!
        let typed = data["fields"].map(Self.typedFields)
        let claimed =
            (data["invoiceIds"].flatMap { value -> [JSONValue]? in
                if case .array(let items) = value { return items }
                return nil
            } ?? []).compactMap(\.stringValue)
        var candidates: [ProofFields] = []
        if let document = data["document"] {
            switch read(document) {
            case .success(let statements): candidates = ProofFields.candidates(in: statements)
            case .failure(let reason): return ProofVerdict(outcome: .rejected, reasons: [reason])
            }
            if candidates.isEmpty {
                return ProofVerdict(
                    outcome: .rejected,
                    reasons: [ProofReason(.document, "no_entries", "the document holds no transaction")])
            }
        } else if typed == nil {
            return ProofVerdict(
                outcome: .rejected,
                reasons: [ProofReason(.document, "empty_proof", "the proof has neither fields nor a document")])
        }
        return validator.evaluate(
            proofID: proofID, candidates: candidates, typed: typed, claimedInvoices: claimed, ledger: &ledger)
    }

    /// The statements in an attached document, or why it cannot be read.
    func read(_ document: JSONValue) -> Result<[BankStatement], ProofReason> {
        let format = StatementFormat(rawValue: document["format"]!.stringValue!)!
        let content = document["content"]!.stringValue!
        var bytes: [UInt8]
        if document["encoding"]?.stringValue == "base64" {
            guard let decoded = Data(base64Encoded: content, options: .ignoreUnknownCharacters) else {
                return .failure(ProofReason(.document, "invalid_base64", "the document's content is not base64"))
            }
            bytes = Array(decoded)
            // A text document carried in the event was scanned by the runtime; a base64 one is
            // scanned here, and refused without being kept.
            if let finding = CardNumberDetector.firstCardNumber(in: bytes) {
                return .failure(
                    ProofReason(
                        .document, "card_number",
                        "the document shows \(finding); send it with the card number masked"))
            }
        } else {
            bytes = Array(content.utf8)
        }
        guard bytes.count <= documentLimits.maxBytes else {
            return .failure(
                ProofReason(
                    .document, "too_large",
                    "the document's \(bytes.count) bytes exceed the \(documentLimits.maxBytes)-byte limit"))
        }
        do throws(StatementError) {
            switch format {
            case .camt052, .camt053, .camt054:
                let statements = try CamtReader.read(bytes, limits: documentLimits)
                if let found = statements.first?.format, found != format {
                    return .failure(
                        ProofReason(
                            .document, "format_mismatch", "the document is \(found.rawValue), not \(format.rawValue)"))
                }
                return .success(statements)
            case .mt940:
                return .success(try MT940Reader.read(Self.text(bytes), maxBytes: documentLimits.maxBytes))
            case .csv:
                let name = document["csvMapping"]?.stringValue ?? "generic"
                guard let mapping = csvMappings[name] else {
                    return .failure(
                        ProofReason(
                            .document, "unknown_csv_mapping",
                            "no CSV mapping named \"\(name)\" (configured: \(csvMappings.keys.sorted().joined(separator: ", ")))"
                        ))
                }
                return .success([
                    try CSVStatementReader.read(Self.text(bytes), mapping: mapping, maxBytes: documentLimits.maxBytes)
                ])
            }
        } catch {
            return .failure(ProofReason(.document, error.code, "\(format.rawValue): \(error.message)"))
        }
    }

    /// UTF-8, or ISO-8859-1 (what older banking software writes) when it is not valid UTF-8.
    static func text(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    static func typedFields(_ value: JSONValue) -> ProofFields {
        var fields = ProofFields(
            payerName: value["payerName"]?.stringValue, payeeName: value["payeeName"]?.stringValue,
            transactionDate: value["transactionDate"]?.stringValue, amount: value["amount"]?.integerValue,
            currency: value["currency"]?.stringValue, transactionID: value["transactionId"]?.stringValue,
            description: value["description"]?.stringValue, payerAccount: value["payerAccount"]?.stringValue,
            payeeAccount: value["payeeAccount"]?.stringValue)
        switch value["bankConfirmation"]?.stringValue {
        case "booked": fields.booked = true
        case "pending", "none": fields.booked = false
        default: fields.booked = nil
        }
        return fields
    }

    static func record(_ verdict: ProofVerdict, proofID: String, ledger: ProofLedger) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("proofId", .string(proofID)), ("verdict", .string(verdict.outcome.rawValue)),
            (
                "reasons",
                .array(
                    verdict.reasons.map {
                        .object([
                            "element": .string($0.element.rawValue), "code": .string($0.code),
                            "message": .string($0.message),
                        ])
                    })
            ),
            (
                "matches",
                .array(
                    verdict.matches.map { match in
                        let currency = ledger.invoices.first { $0.id == match.invoiceID }?.currency ?? ""
                        return .object([
                            "invoiceId": .string(match.invoiceID), "amount": .integer(match.amount),
                            "currency": .string(currency),
                        ])
                    })
            ),
            ("cases", .array(verdict.cases.map { .string($0.rawValue) })),
        ]
        if let fields = verdict.fields {
            if let id = fields.transactionID { members.append(("transactionId", .string(id))) }
            if let date = fields.transactionDate { members.append(("transactionDate", .string(date))) }
            if let amount = fields.amount, let currency = fields.currency {
                members.append(("amount", .integer(amount)))
                members.append(("currency", .string(currency)))
            }
            if let name = fields.payerName { members.append(("payerName", .string(name))) }
            if let name = fields.payeeName { members.append(("payeeName", .string(name))) }
        }
        if let refund = verdict.refundAmount { members.append(("refundAmount", .integer(refund))) }
        if let shortfall = verdict.difference, shortfall != 0 { members.append(("shortfall", .integer(shortfall))) }
        return .object(members)
    }
}

/// Column mappings for common CSV exports; `RELANCE_CSV_MAPPINGS` adds or replaces them.
public enum CSVPresets {
    public static let all: [String: CSVStatementMapping] = [
        // Header names in English, one signed amount column.
        "generic": CSVStatementMapping(
            columns: .init(
                bookingDate: "Date", valueDate: "Value date", amount: "Amount", currency: "Currency",
                reference: "Reference", endToEndID: "End-to-end id", counterpartyName: "Counterparty",
                counterpartyAccount: "Counterparty account", description: "Description")),
        // French bank exports: ';', decimal comma, separate Débit and Crédit columns.
        "fr-debit-credit": CSVStatementMapping(
            columns: .init(
                bookingDate: "Date opération", valueDate: "Date valeur", debit: "Débit", credit: "Crédit",
                currency: "Devise", reference: "Référence", counterpartyName: "Bénéficiaire",
                counterpartyAccount: "IBAN bénéficiaire", description: "Libellé"),
            delimiter: ";", decimalSeparator: ",", dateFormat: "dd/MM/yyyy"),
    ]
}
